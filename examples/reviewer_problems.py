"""Properties of every finite problem a reviewer might want checked, true and false:

    proofcheck run --extra examples/reviewer_problems.py

A check receives a problem (``theory.BinaryRewardProblem``, or its ``.precise``
mpmath view: the same methods) and a temperature ``beta``, and returns a
``Relation(lhs, op, rhs)`` between numbers or vectors, or a bool. Hypothesis
draws problems of 2 to 64 outcomes (near-uniform, peaked and near-degenerate
bases, masses down to 1e-300, every validity pattern) and temperatures from
1e-6 to 1e6; a failure is shrunk to a minimal problem and confirmed at high
precision before it counts. A statement also given in the per-outcome model
(``symbolic=``) is proved for every number of outcomes.
"""

import numpy as np

from proofs_checks import Relation, problem_claim
from theory import divergences


def conditional_entropies(problem, beta):
    """H(p_beta(. | Y1)) and H(p_*), each from its own distribution."""
    tilted, valid = problem.tilted(beta), problem.valid
    conditional = tilted[valid] / tilted[valid].sum()
    return Relation(divergences.entropy(conditional), "=", divergences.entropy(problem.filtered[valid]))


# the referee's point: tilting never reshapes the valid outputs (proved for every n)
problem_claim(
    id="review-conditional-entropy",
    title="H(p_beta(. | Y1)) = H(p_*) for every beta",
    check=conditional_entropies,
    symbolic=("-sum(v*p_beta/mu_beta*log(p_beta/mu_beta))", "=", "-sum(v*a/alpha*log(a/alpha))"),
)

# tilting raises every valid output's mass (proved per outcome, in both cases of v(y))
problem_claim(
    id="review-tilt-raises-valid-outputs",
    title="p_beta(y) >= a(y) for every valid y",
    check=lambda problem, beta: Relation(problem.valid * problem.tilted(beta), ">=", problem.valid * problem.base),
    symbolic=("v*p_beta", ">=", "v*a"),
)

# false, but only on invalid outputs, where p_beta(y) = a(y)/Z_beta < a(y)
problem_claim(
    id="review-tilt-raises-every-output",
    title="p_beta(y) >= a(y) for every y (false on invalid outputs)",
    check=lambda problem, beta: Relation(problem.tilted(beta), ">=", problem.base),
    expected="refuted",
)

# the forward KL to the filtered model is finite (it is -log mu_beta) ...
problem_claim(
    id="review-forward-kl-finite",
    title="KL(p_* || p_beta) is finite and equals -log mu_beta",
    check=lambda problem, beta: Relation(divergences.kl_divergence(problem.filtered, problem.tilted(beta)), "=",
                                         problem.forward_kl_to_filtered(beta)),
)

# ... the reverse KL is not: p_beta charges the invalid outputs, where p_* = 0
problem_claim(
    id="review-reverse-kl-finite",
    title="KL(p_beta || p_*) is finite (false)",
    check=lambda problem, beta: bool(divergences.kl_divergence(problem.tilted(beta), problem.filtered) < np.inf),
    expected="refuted",
)

# false only for peaked bases: with two valid outputs or more, a near-uniform base never fails it
problem_claim(
    id="review-filtered-never-peaked",
    title="With two valid outputs or more, none carries 99% of p_* (false for peaked bases)",
    check=lambda problem, beta: Relation(max(problem.filtered), "<=", 0.99) if problem.valid.sum() >= 2 else True,
    expected="refuted",
)
