"""Limits and asymptotic equivalences a reviewer might want checked, true and false:

    proofcheck run --extra examples/reviewer_limits.py

Only SymPy can prove a limit (`proved`) or refute it (`refuted`: it computes a
different limit, certified at a point of the domain). The numeric and
property layers follow the approach to the point with certified enclosures and
show its rate; a trend can at most make a limit `verified` (when SymPy cannot
compute it), and a trend that goes elsewhere leaves it `inconclusive`, never
refuted. The last claim is false and comes out inconclusive, so this run exits
with code 1: that is the honest outcome, not a defect.
"""

from proofs_checks import asymptotic_claim, limit_claim

TEMPERED = {"alpha": ("0", "1"), "beta": ("0", "oo")}
ORDERED = {"alpha": ("0", "1"), "mu": ("alpha", "1")}
LOG_Z = "log(1 - alpha + alpha*exp(1/beta))"
VALUE_GAP = f"beta*{LOG_Z} - 1 - beta*log(alpha)"
BUDGET_GAP = "log(1/alpha) - kl(sigmoid(1/beta + logit(alpha)), alpha)"

# J*_beta = beta log Z_beta -> alpha as beta -> oo: the optimum is the base's validity
limit_claim(id="review-value-at-high-temperature", title="J* tends to alpha as beta -> oo",
            expr=f"beta*{LOG_Z}", var="beta", point="oo", value="alpha", domain=TEMPERED)

# the KL budget reaches its supremum log(1/alpha) only in the limit mu -> 1
limit_claim(id="review-budget-supremum", title="kl(mu || alpha) -> log(1/alpha) as mu -> 1",
            expr="kl(mu, alpha)", var="mu", point="1", value="log(1/alpha)", domain=ORDERED, direction="-")

# J* - 1 - beta log(alpha) = beta log(1 + (1 - alpha)/alpha e^{-1/beta}): it vanishes faster
# than beta (faster than any power: e^{-1/beta}); the fitted exponents grow without bound
limit_claim(id="review-value-gap-faster-than-beta", title="J* - 1 - beta log alpha = o(beta) as beta -> 0",
            expr=f"({VALUE_GAP})/beta", var="beta", point="0", value="0", domain=TEMPERED)

# the same gap is not of order beta: the ratio tends to 0, not 1 (refuted by SymPy)
asymptotic_claim(id="review-value-gap-linear", title="J* - 1 - beta log alpha ~ beta (wrong rate)",
                 expr=VALUE_GAP, approx="beta", var="beta", point="0", domain=TEMPERED, expected="refuted")

# the binary KL is quadratic near mu = alpha, with curvature 1/(alpha (1 - alpha))
asymptotic_claim(id="review-budget-quadratic", title="kl(mu || alpha) ~ (mu - alpha)^2 / (2 alpha (1 - alpha))",
                 expr="kl(mu, alpha)", approx="(mu - alpha)**2/(2*alpha*(1 - alpha))", var="mu", point="alpha",
                 domain=ORDERED)

# the wrong curvature: the ratio tends to 1/(1 - alpha), a value SymPy computes exactly
asymptotic_claim(id="review-budget-quadratic-wrong-constant", title="kl(mu || alpha) ~ (mu - alpha)^2 / (2 alpha)",
                 expr="kl(mu, alpha)", approx="(mu - alpha)**2/(2*alpha)", var="mu", point="alpha",
                 domain=ORDERED, expected="refuted")

# the budget approaches log(1/alpha) at rate (1 - alpha)/alpha e^{-1/beta}/beta as beta -> 0
asymptotic_claim(id="review-budget-gap-rate", title="log(1/alpha) - kl(mu_beta || alpha) ~ (1-alpha)/alpha e^{-1/beta}/beta",
                 expr=BUDGET_GAP, approx="(1 - alpha)/alpha*exp(-1/beta)/beta", var="beta", point="0",
                 domain=TEMPERED)

# the same without the 1/beta: right exponential, wrong power (SymPy computes oo)
asymptotic_claim(id="review-budget-gap-rate-wrong", title="log(1/alpha) - kl(mu_beta || alpha) ~ (1-alpha)/alpha e^{-1/beta}",
                 expr=BUDGET_GAP, approx="(1 - alpha)/alpha*exp(-1/beta)", var="beta", point="0",
                 domain=TEMPERED, expected="refuted")

# SymPy cannot take limits through Max; the suite first resolves Max(beta, beta^2) to the
# branch it takes near 0+ (beta: the sign of beta^2 - beta is eventually -1), then SymPy proves it
limit_claim(id="review-max-log", title="log(1 + max(beta, beta^2))/beta -> 1 as beta -> 0",
            expr="log(1 + Max(beta, beta**2))/beta", var="beta", point="0", value="1", domain={"beta": ("0", "oo")})

# ... and refutes this wrong rate: the gap is -beta^2/2, not -beta^3/3
asymptotic_claim(id="review-max-log-wrong-rate", title="log(1 + max(beta, beta^2)) - beta ~ -beta^3/3 (wrong rate)",
                 expr="log(1 + Max(beta, beta**2)) - beta", approx="-beta**3/3", var="beta", point="0",
                 domain={"beta": ("0", "oo")}, expected="refuted")

# false for alpha > 1/2 (the limit is max(1, 2 alpha)); the branch of Max(beta, 2 alpha beta) depends on
# alpha, so SymPy cannot compute the limit, and the approach alone never refutes: inconclusive
limit_claim(id="review-max-log-parameter", title="log(1 + max(beta, 2 alpha beta))/beta -> 1 as beta -> 0 (false)",
            expr="log(1 + Max(beta, 2*alpha*beta))/beta", var="beta", point="0", value="1", domain=TEMPERED,
            expected="refuted")
