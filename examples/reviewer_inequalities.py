"""Inequalities a reviewer might want checked, true and false, some built to fool a check:

    proofcheck run --extra examples/reviewer_inequalities.py

Each claim gets a symbolic layer (a sign SymPy derives from the domain: a proof
on the whole open domain), a certified layer (exact points down to 10^-1000
from every bound, then a branch and bound with ball arithmetic that proves the
inequality on a compact box, named in the layer's scope) and a property layer
(exact points Hypothesis draws). True claims come out `proved` when SymPy
derives the sign, else `verified` (a proof on the box is not a proof on the
open domain); false ones `refuted`, with an exact point and rigorous
enclosures of both sides.
"""

from proofs_checks import inequality_claim

ORDERED = {"alpha": ("0", "1"), "mu": ("alpha", "1")}

# true and tight: kl(mu || alpha) -> log(1/alpha) as mu -> 1, so the gap vanishes at the
# domain's edge; SymPy cannot derive the sign, the branch and bound closes the box (verified)
inequality_claim(
    id="review-budget-below-log-alpha",
    title="The KL budget never exceeds log(1/alpha)",
    lhs="kl(mu, alpha)",
    op="<=",
    rhs="log(1/alpha)",
    domain=ORDERED,
)

# true, tight at a boundary (mu_beta -> alpha as beta -> oo), and SymPy derives it (proved)
inequality_claim(
    id="review-validity-above-base",
    title="Tilting raises the validity rate",
    lhs="sigmoid(1/beta + logit(alpha))",
    op=">",
    rhs="alpha",
    domain={"alpha": ("0", "1"), "beta": ("0", "oo")},
)

# true and tight at beta -> 0, where the two sides differ by beta^3/3: plain interval
# evaluation cannot close it, the mean-value forms do in a few dozen boxes (verified)
inequality_claim(
    id="review-log1p-above-quadratic",
    title="log(1 + beta) > beta - beta^2/2",
    lhs="log1p(beta)",
    op=">",
    rhs="beta - beta**2/2",
    domain={"beta": ("0", "oo")},
)

# false only near a domain edge: log(1/alpha) > 700 for alpha < e^-700 ~ 1e-304, below
# every float64 number a float check would draw; the box [1e-6, 1 - 1e-6] is proved,
# a corner at alpha = 1e-1000 refutes the claim
inequality_claim(
    id="review-log-alpha-below-700",
    title="log(1/alpha) stays below 700 (false below alpha = e^-700)",
    lhs="log(1/alpha)",
    op="<=",
    rhs="700",
    domain={"alpha": ("0", "1")},
    expected="refuted",
)

# false although exact to second order at mu = alpha: the cubic correction of kl is
# positive for alpha > 1/2, and away from mu = alpha the bound fails (alpha = 1/2, mu = 3/4)
inequality_claim(
    id="review-budget-below-quadratic",
    title="kl(mu || alpha) <= (mu - alpha)^2 / (2 alpha (1 - alpha)) (false)",
    lhs="kl(mu, alpha)",
    op="<=",
    rhs="(mu - alpha)**2/(2*alpha*(1 - alpha))",
    domain=ORDERED,
    expected="refuted",
)

# false only within 1e-7 of alpha = 1/3: no sampled point lands there, the branch and
# bound's midpoints do
inequality_claim(
    id="review-square-gap",
    title="(alpha - 1/3)^2 >= 1e-14 (false within 1e-7 of 1/3)",
    lhs="(alpha - 1/3)**2",
    op=">=",
    rhs="1e-14",
    domain={"alpha": ("0", "1")},
    expected="refuted",
)
