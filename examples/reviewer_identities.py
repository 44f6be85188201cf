"""Two identities a reviewer might want checked: one true, one false.

Run them with the package's own claims:

    proofcheck run --extra examples/reviewer_identities.py review-budget-as-logit review-budget-wrong-sign

The first comes out `proved`; the second `refuted`, with a certified
counterexample: an exact point and disjoint enclosures of the two sides (so
the run exits with code 1: a claim expected to hold was refuted).
"""

from proofs_checks import identity_claim

DOMAIN = {"alpha": ("0", "1"), "mu": ("alpha", "1")}

# kl(mu || alpha) written through the logit gap 1/beta = logit(mu) - logit(alpha): true
identity_claim(
    id="review-budget-as-logit",
    title="KL budget through the logit gap",
    lhs="kl(mu, alpha)",
    rhs="mu*(logit(mu) - logit(alpha)) + log((1 - mu)/(1 - alpha))",
    domain=DOMAIN,
)

# the same with a sign slip in the second term: false
identity_claim(
    id="review-budget-wrong-sign",
    title="KL budget with a sign slip",
    lhs="kl(mu, alpha)",
    rhs="mu*(logit(mu) - logit(alpha)) - log((1 - mu)/(1 - alpha))",
    domain=DOMAIN,
)
