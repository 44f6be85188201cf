"""Identities that trip up floating-point checks, for a reviewer to run:

    proofcheck run --extra examples/reviewer_tricky.py

Each true identity is registered with ``expected="holds"`` and each false one
with ``expected="refuted"``: decimal literals read exactly, branch cuts of log
and sqrt, cancellation far beyond float64 (``1 - mu_beta ~ e^{-10000}``),
domains down to ``10^-300``, points on both sides of a breakpoint, exact zeros,
tiny values, and differences visible only at an edge of the domain.
"""

from proofs_checks import identity_claim

UNIT = {"alpha": ("0", "1")}
ORDERED = {"alpha": ("0", "1"), "mu": ("alpha", "1")}
TEMPERED = {"alpha": ("0", "1"), "beta": ("1/10000", "10")}
MU_BETA = "sigmoid(1/beta + logit(alpha))"
DEEP_LHS = "beta*log(1 - alpha + alpha*exp(1/beta))"
DEEP_RHS = f"{MU_BETA} - beta*kl({MU_BETA}, alpha)"

# --- decimal literals: parsed exactly, never folded through float64
identity_claim(id="tricky-float-sum", title="1 + 1e-20 is not 1", lhs="(1 + 1e-20)*alpha", rhs="alpha",
               domain=UNIT, expected="refuted")
identity_claim(id="tricky-decimal-tenth", title="0.1 is exactly 1/10", lhs="log(0.1*alpha)",
               rhs="log(alpha) - log(10)", domain=UNIT)

# --- branch cuts: log and sqrt of negative quantities do not combine
identity_claim(id="tricky-log-branch-cut", title="log(x) + log(y) = log(xy) needs x, y > 0",
               lhs="log(alpha - 1) + log(mu - 1)", rhs="log((alpha - 1)*(mu - 1))", domain=ORDERED,
               expected="refuted")
identity_claim(id="tricky-sqrt-product", title="sqrt(x) sqrt(y) = sqrt(xy) for x, y > 0",
               lhs="sqrt(1 - alpha)*sqrt(1 - mu)", rhs="sqrt((1 - alpha)*(1 - mu))", domain=ORDERED)
identity_claim(id="tricky-sqrt-branch-cut", title="sqrt(x) sqrt(y) = sqrt(xy) fails for x, y < 0",
               lhs="sqrt(alpha - 1)*sqrt(mu - 1)", rhs="sqrt((alpha - 1)*(mu - 1))", domain=ORDERED,
               expected="refuted")

# --- cancellation: 1 - mu_beta ~ e^{-1/beta}, below 10^-4000 at beta = 1e-4
identity_claim(id="tricky-value-through-budget", title="J* = mu_beta - beta kl(mu_beta || alpha)",
               lhs=DEEP_LHS, rhs=DEEP_RHS, domain=TEMPERED)
identity_claim(id="tricky-value-through-budget-off", title="J* off by e^{-1/beta}",
               lhs=DEEP_LHS, rhs=f"{DEEP_RHS} + exp(-1/beta)", domain=TEMPERED, expected="refuted")
identity_claim(id="tricky-value-through-budget-zero", title="J* - (mu_beta - beta kl) = 0",
               lhs=f"{DEEP_LHS} - ({DEEP_RHS})", rhs="0", domain=TEMPERED)
identity_claim(id="tricky-invalid-mass-zero", title="1 - mu_beta - (1 - alpha)/Z_beta = 0",
               lhs=f"1 - {MU_BETA} - (1 - alpha)/(1 - alpha + alpha*exp(1/beta))", rhs="0", domain=TEMPERED)
identity_claim(id="tricky-logit-of-tilt", title="logit(mu_beta) = 1/beta + logit(alpha)",
               lhs=f"logit({MU_BETA})", rhs="1/beta + logit(alpha)", domain=TEMPERED)

# --- extreme domains: alpha below 1e-300
identity_claim(id="tricky-extreme-logit", title="logit on alpha < 1e-300", lhs="logit(alpha)",
               rhs="log(alpha) - log(1 - alpha)", domain={"alpha": ("0", "10**-300")})
identity_claim(id="tricky-extreme-log-linear", title="log(1 + x) is not x, even scaled by 1e300",
               lhs="log(1 + 10**300*alpha)", rhs="10**300*alpha", domain={"alpha": ("0", "10**-300")},
               expected="refuted")

# --- breakpoints: branches switch inside the domain
identity_claim(id="tricky-abs-half", title="|alpha - 1/2| = alpha - 1/2 only above 1/2",
               lhs="Abs(alpha - 1/2)", rhs="alpha - 1/2", domain=UNIT, expected="refuted")
identity_claim(id="tricky-max-ordered", title="max(alpha, mu) = mu when mu > alpha", lhs="Max(alpha, mu)",
               rhs="mu", domain=ORDERED)
identity_claim(id="tricky-min-half", title="min(alpha, 1 - alpha) = alpha only below 1/2",
               lhs="Min(alpha, 1 - alpha)", rhs="alpha", domain=UNIT, expected="refuted")
identity_claim(id="tricky-sign-ordered", title="sign(alpha - mu) = -1 when mu > alpha", lhs="sign(alpha - mu)",
               rhs="-1", domain=ORDERED)
identity_claim(id="tricky-breakpoint-sliver", title="two branch points 1e-30 apart",
               lhs="Piecewise((alpha, alpha < 1/3), (1 - alpha, True))",
               rhs="Piecewise((alpha, alpha <= 1/3 + 1e-30), (1 - alpha, True))", domain=UNIT, expected="refuted")

# --- exact zeros and tiny values
identity_claim(id="tricky-budget-zero", title="kl(mu || alpha) through the logit gap, written = 0",
               lhs="kl(mu, alpha) - (mu*(logit(mu) - logit(alpha)) + log((1 - mu)/(1 - alpha)))", rhs="0",
               domain=ORDERED)
identity_claim(id="tricky-tiny-double", title="e^{-1/beta} is not 2 e^{-1/beta}, however small",
               lhs="exp(-1/beta)", rhs="2*exp(-1/beta)", domain={"beta": ("0", "1/1000")}, expected="refuted")
identity_claim(id="tricky-tiny-factor", title="log(e^{-1/beta} + e^{-2/beta}) = -1/beta + log(1 + e^{-1/beta})",
               lhs="log(exp(-1/beta) + exp(-2/beta))", rhs="-1/beta + log(1 + exp(-1/beta))",
               domain={"beta": ("0", "1/1000")})

# --- differences visible only at an edge of the domain
identity_claim(id="tricky-edge-relative", title="off by 1e-30 relative, only near alpha = 0",
               lhs="alpha*(1 + 1e-30*exp(-10**6*alpha))", rhs="alpha", domain=UNIT, expected="refuted")
identity_claim(id="tricky-far-beta", title="off only for beta beyond 1e360", lhs="exp(-beta/10**400)", rhs="1",
               domain={"beta": ("0", "oo")}, expected="refuted")
