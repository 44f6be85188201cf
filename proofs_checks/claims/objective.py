"""The KL-control objective with a binary reward and its optimum.

Reward maximization alone has a whole face of maximizers; the KL-control
objective ``J_beta(q) = E_q[v] - beta KL(q || a)`` has exactly one, the tilted
distribution ``p_beta``, which never reshapes the base inside the valid set.

Main statements
- ``degeneracy``: ``argmax_q E_q[v] = Delta(Y1) = {q : q(Y0) = 0}``, a face closed
  under mixtures and under permutations of ``Y1``, containing ``p_*``.
- ``gibbs-identity``: ``J_beta(q) = beta log Z_beta - beta KL(q || p_beta)``, so
  ``p_beta`` is the unique maximizer and ``J*_beta = beta log Z_beta``.
- ``conditional-invariance``: ``p_beta(. | Y1) = p_*`` and
  ``p_beta(. | Y0) = a(. | Y0)`` for every ``beta``; ``N_eff(p_beta) = N_eff(p_*)``.
- ``filtered-selection``: for fully valid ``q``,
  ``KL(q || a) = KL(q || p_*) - log alpha``; ``p_*`` is the unique minimizer.
"""

from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp
from mpmath import mpf

from proofs_checks.claim import register
from proofs_checks.claims import definitions as d
from proofs_checks.claims.notation import (
    BINARY, definitions, DOMAIN, FACTS, FILTERED, MU, TILTED, A, M, Q, V, Y, Z, total,
)
from proofs_checks.claims.sampling import close, problems_with_policy
from proofs_checks.derivation import ConvexMinimum, Derivation, Equal, Sign
from proofs_checks.numeric import NumericContext
from theory import divergences, precise
from theory.problem import BinaryRewardProblem
from theory.sequences.divergences import kl_divergence_from_logs
from theory.strategies import betas, problems
from theory.symbolic import alpha, beta

STANDING = r"$\mathcal{Y}$ finite, $a(y) > 0$, $v \in \{0,1\}^{\mathcal{Y}}$, $0 < \alpha < 1$, $\beta > 0$."


def _kl_sum(q: sp.Expr, p: sp.Expr) -> sp.Sum:
    return total(q * sp.log(q / p))



# --- degeneracy -----------------------------------------------------------------

DEGENERACY = register(
    "degeneracy",
    title="Binary reward has no distinguished maximizer",
    source="paper",
    statement=(
        r"$\max_q \mathbb{E}_q[v] = 1$ and $\arg\max_q \mathbb{E}_q[v] = \Delta(\mathcal{Y}_1)"
        r" = \{q : q(\mathcal{Y}_0) = 0\}$: (a) a simplex of dimension $|\mathcal{Y}_1| - 1$, infinite when"
        r" $|\mathcal{Y}_1| \ge 2$; (b) closed under every permutation of $\mathcal{Y}_1$; (c) $p_* \in"
        r" \Delta(\mathcal{Y}_1)$."
    ),
)


@DEGENERACY.symbolic
def _degeneracy_derivation() -> Derivation:
    lam = sp.Symbol("lambda", positive=True)
    q1, q2 = sp.IndexedBase("q1", positive=True)[Y], sp.IndexedBase("q2", positive=True)[Y]
    q_perm = sp.IndexedBase("q_pi", positive=True)[Y]
    return Derivation(
        scope="all n and every validity pattern (generic outcome y, symbolic sums)",
        steps=(
            Equal(1 - total(Q * V), total(Q * (1 - V)), "sum_y q(y) = 1; the right side is q(Y0)", given=FACTS),
            Sign(Q * (1 - V), "nonnegative", "q(y) >= 0 and 1 - v(y) >= 0: E_q[v] <= 1, with equality iff "
                 "every term vanishes, i.e. q(Y0) = 0", positive=(Q,), nonnegative=(1 - V,)),
            Equal(total((lam * q1 + (1 - lam) * q2) * V), 1,
                  "(a) E_q[v] is linear in q: every mixture of two maximizers is a maximizer",
                  given={total(q1 * V): 1, total(q2 * V): 1}),
            Equal(q_perm * (1 - V), Q * (1 - V),
                  "(b) a permutation pi of Y1 fixes every invalid y, so (q o pi)(y) = q(y) on Y0: "
                  "q o pi has q(Y0) = 0 whenever q has", given={q_perm: Q}, cases=BINARY),
            Equal(total(FILTERED * V), 1, "(c) p_* = a v / alpha is a maximizer (v^2 = v, sum_y a v = alpha)",
                  given=FACTS),
        ),
        domain=DOMAIN,
    )


@DEGENERACY.numeric
def _degeneracy_numeric(ctx: NumericContext):
    for problem, base, validity in ctx.problems():
        p_star = problem.filtered
        valid_index = [i for i, v in enumerate(validity) if v]
        permuted = list(p_star)
        for i, j in zip(valid_index, reversed(valid_index)):
            permuted[i] = p_star[j]
        mixture = [(x + y) / 2 for x, y in zip(p_star, permuted)]
        label = f"n={len(base)}, |Y1|={len(valid_index)}, alpha={ctx.short(problem.alpha)}"
        yield ctx.equal(f"E_p*[v] = 1 ({label})", d.expectation(p_star, validity), 1)
        yield ctx.equal(f"E[v] = 1 for p_* permuted within Y1 ({label})", d.expectation(permuted, validity), 1)
        yield ctx.equal(f"E[v] = 1 for a mixture of maximizers ({label})", d.expectation(mixture, validity), 1)
        q = ctx.distribution(len(base))
        yield ctx.less(f"E_q[v] < 1 for a full-support q ({label})", d.expectation(q, validity), 1)


@DEGENERACY.property(problems_with_policy())
def _degeneracy_property(drawn: tuple[BinaryRewardProblem, np.ndarray]) -> None:
    problem, q = drawn
    valid = problem.valid
    assert np.sum(q[valid]) <= 1 + 1e-15, "E_q[v] exceeds 1"
    close(float(np.sum(problem.filtered[valid])), 1.0, 1.0, "E_p*[v]")
    projected = np.where(valid, q, 0.0) / np.sum(q[valid])
    close(float(np.sum(projected[valid])), 1.0, 1.0, "E[v] of q conditioned on Y1")


# --- gibbs-identity -------------------------------------------------------------

GIBBS = register(
    "gibbs-identity",
    title="The KL-control objective and its unique optimum",
    source="paper",
    statement=(
        r"For every $q$ and $\beta > 0$: $J_\beta(q) = \beta\log Z_\beta - \beta\,\mathrm{KL}(q\,\|\,p_\beta)$;"
        r" hence $p_\beta$ is the unique maximizer of $J_\beta$ and $J^*_\beta = \beta\log Z_\beta ="
        r" \beta\log(1-\alpha+\alpha e^{1/\beta})$. Also $\mathrm{KL}(q\,\|\,p_\beta) = \mathrm{KL}(q\,\|\,a)"
        r" - q(\mathcal{Y}_1)/\beta + \log Z_\beta$."
    ),
)


@GIBBS.symbolic
def _gibbs_derivation() -> Derivation:
    t = sp.Symbol("t", positive=True)
    kl_tilted = _kl_sum(Q, TILTED)
    return Derivation(
        scope="all n and every validity pattern (generic outcome y, symbolic sums)",
        definitions=definitions(),
        steps=(
            Equal(sp.log(Q / TILTED), sp.log(Q / A) - V / beta + sp.log(Z), "definition of p_beta, pointwise"),
            Equal(kl_tilted, _kl_sum(Q, A) - M / beta + sp.log(Z),
                  "multiply by q(y) and sum: sum_y q = 1, sum_y q v = q(Y1) = m", given=FACTS),
            Equal(M - beta * _kl_sum(Q, A), beta * sp.log(Z) - beta * kl_tilted,
                  "rearrange: J_beta(q) = beta log Z_beta - beta KL(q || p_beta)", given=FACTS),
            ConvexMinimum(t - 1 - sp.log(t), t, 1, "log t <= t - 1, with equality iff t = 1 (strict convexity)"),
            Equal(total(Q * (TILTED / Q - 1)), 0,
                  "take t = p_beta(y)/q(y): -KL(q || p_beta) <= sum_y (p_beta(y) - q(y)) = 0, with equality iff "
                  "q = p_beta; so p_beta is the unique maximizer of J_beta",
                  given={**FACTS, total(A * sp.exp(V / beta)): Z}),
            Equal(sp.exp(V / beta), 1 + V * (sp.exp(1 / beta) - 1), "v(y) in {0, 1}", cases=BINARY),
            Equal(total(A * (1 + V * (sp.exp(1 / beta) - 1))), Z,
                  "Z_beta = sum_y a(y) e^{v(y)/beta} = 1 - alpha + alpha e^{1/beta}, so J*_beta = beta log Z_beta",
                  given=FACTS),
        ),
        domain=DOMAIN,
    )


@GIBBS.numeric
def _gibbs_numeric(ctx: NumericContext):
    for problem, base, validity, b in ctx.problems_at_betas():
        q = ctx.distribution(len(base))
        tilted = problem.tilted(b)
        log_z = precise.log_partition(problem.alpha, b)
        label = f"n={len(base)}, alpha={ctx.short(problem.alpha)}, beta={ctx.short(b)}"
        yield ctx.equal(f"J(q) = beta log Z - beta KL(q||p_beta) ({label})",
                        ctx.resolve(lambda: d.objective(q, base, validity, b), ctx.span(problem.alpha, b)), b * log_z - b * d.kl(q, tilted))
        yield ctx.equal(f"J(p_beta) = J*_beta ({label})",
                        ctx.resolve(lambda: d.objective(d.tilt(base, validity, b), base, validity, b), ctx.span(problem.alpha, b)),
                        precise.optimal_value(problem.alpha, b))
        yield ctx.at_most(f"J(q) <= J(p_beta) ({label})", problem.objective(q, b), problem.objective(tilted, b))


@GIBBS.property(problems_with_policy(), betas())
def _gibbs_property(drawn: tuple[BinaryRewardProblem, np.ndarray], b: float) -> None:
    problem, q = drawn
    kl_q_tilted = kl_divergence_from_logs(np.log(q), problem.log_tilted(b))
    log_z = float(problem.log_partition(b))
    # rounding is relative to the size of the terms summed (q log q, q log a, q log p_beta, log Z), plus 1 for
    # the normalization of q, which holds only up to n eps and which the two sides treat differently
    log_q, log_a, log_p = np.log(q), np.log(problem.base), problem.log_tilted(b)
    terms = float(np.sum(q * (np.abs(log_q) + np.abs(log_a) + np.abs(log_p))))
    scale = float(np.sum(q[problem.valid])) + b * (terms + abs(log_z) + 1)
    close(problem.objective(q, b), b * log_z - b * kl_q_tilted, scale, "J(q) vs beta log Z - beta KL(q||p_beta)",
          rtol=8 * problem.n * np.finfo(float).eps)  # the error bound of a sum of n terms
    assert problem.objective(q, b) <= float(problem.optimal_value(b)) + 1e-11 * scale, \
        "J(q) exceeds J*_beta"


# --- conditional-invariance -----------------------------------------------------

CONDITIONAL = register(
    "conditional-invariance",
    title="No concentration at the optimum",
    source="review",
    statement=(
        r"For every $\beta > 0$: $p_\beta(\cdot\mid\mathcal{Y}_1) = p_*$ and $p_\beta(\cdot\mid\mathcal{Y}_0) ="
        r" a(\cdot\mid\mathcal{Y}_0)$, i.e. $p_\beta = \mu_\beta p_* + (1-\mu_\beta)\,a(\cdot\mid\mathcal{Y}_0)$;"
        r" hence $H(p_\beta(\cdot\mid\mathcal{Y}_1)) = H(p_*)$ and $N_{\mathrm{eff}}(p_\beta) ="
        r" N_{\mathrm{eff}}(p_*)$ for every $\beta$."
    ),
    uses=("gibbs-identity",),
)


@CONDITIONAL.symbolic
def _conditional_derivation() -> Derivation:
    return Derivation(
        scope="all n and every validity pattern (generic outcome y, symbolic sums)",
        definitions=definitions(),
        steps=(
            Equal(V * sp.exp(V / beta), V * sp.exp(1 / beta), "v(y) in {0, 1}", cases=BINARY),
            Equal(total(A * V * sp.exp(1 / beta) / Z), MU, "p_beta(Y1) = e^{1/beta} sum_y a v / Z_beta = mu_beta",
                  given=FACTS),
            Equal(TILTED * V / MU, FILTERED, "p_beta(y | Y1) = p_beta(y) v(y) / mu_beta = a(y) v(y) / alpha = p_*(y)",
                  cases=BINARY),
            Equal(TILTED * (1 - V) / (1 - MU), A * (1 - V) / (1 - alpha),
                  "p_beta(y | Y0) = a(y) (1 - v(y)) / (1 - alpha) = a(y | Y0), since 1 - mu_beta = (1 - alpha)/Z_beta",
                  cases=BINARY),
            Equal(TILTED, MU * FILTERED + (1 - MU) * A * (1 - V) / (1 - alpha),
                  "hence p_beta is the mixture of p_* and a(. | Y0) with weights mu_beta and 1 - mu_beta",
                  cases=BINARY),
        ),
        domain=DOMAIN,
    )


@CONDITIONAL.numeric
def _conditional_numeric(ctx: NumericContext):
    for problem, base, validity, b in ctx.problems_at_betas():
        tilted = problem.tilted(b)
        label = f"n={len(base)}, alpha={ctx.short(problem.alpha)}, beta={ctx.short(b)}"
        yield ctx.equal_vectors(f"p_beta(.|Y1) = p_* ({label})", d.condition(tilted, validity, 1), problem.filtered)
        yield ctx.equal_vectors(f"p_beta(.|Y0) = a(.|Y0) ({label})", d.condition(tilted, validity, 0),
                                d.condition(base, validity, 0))
        yield ctx.equal(f"N_eff(p_beta) = N_eff(p_*) ({label})", problem.n_eff(tilted),
                        mpmath.exp(d.entropy(d.condition(base, validity, 1))))


@CONDITIONAL.property(problems(), betas())
def _conditional_property(problem: BinaryRewardProblem, b: float) -> None:
    tilted = problem.tilted(b)
    valid = problem.valid
    conditional = tilted[valid] / np.sum(tilted[valid])
    p_star = problem.filtered[valid]
    assert np.allclose(conditional, p_star, rtol=1e-12, atol=0), "p_beta(.|Y1) differs from p_*"
    close(problem.n_eff(tilted), problem.n_eff(problem.filtered), problem.n_eff(problem.filtered),
          "N_eff(p_beta) vs N_eff(p_*)", rtol=1e-12)


# --- filtered-selection ---------------------------------------------------------

FILTERED_SELECTION = register(
    "filtered-selection",
    title="p_* is the KL-closest fully valid distribution",
    source="paper",
    statement=(
        r"For every $q$ with $q(\mathcal{Y}_0) = 0$: $\mathrm{KL}(q\,\|\,a) = \mathrm{KL}(q\,\|\,p_*) - \log\alpha$."
        r" So $p_*$ is the unique minimizer of $\mathrm{KL}(q\,\|\,a)$ over fully valid $q$, with minimum"
        r" $-\log\alpha$."
    ),
    uses=("gibbs-identity",),
)


@FILTERED_SELECTION.symbolic
def _filtered_derivation() -> Derivation:
    t = sp.Symbol("t", positive=True)
    valid_q = Q * V
    return Derivation(
        scope="all n and every validity pattern (generic outcome y, symbolic sums; q supported on Y1)",
        steps=(
            Equal(total(valid_q * sp.log(valid_q / A)), total(valid_q * sp.log(valid_q / (A / alpha))) - sp.log(alpha),
                  "on Y1, a(y) = alpha p_*(y); sum_y q(y) v(y) = 1 for fully valid q",
                  given={**FACTS, total(Q * V): 1}),
            ConvexMinimum(t - 1 - sp.log(t), t, 1, "log t <= t - 1 with equality iff t = 1: KL(q || p_*) >= 0 with "
                          "equality iff q = p_* (Gibbs' inequality, as in gibbs-identity)"),
            Equal(total(V * (A / alpha) * sp.log((A / alpha) / A)), -sp.log(alpha),
                  "the minimum: KL(p_* || a) = sum over Y1 of p_* log(1/alpha) = -log alpha", given=FACTS),
        ),
        domain=DOMAIN,
    )


@FILTERED_SELECTION.numeric
def _filtered_numeric(ctx: NumericContext):
    for problem, base, validity in ctx.problems():
        valid_index = [i for i, v in enumerate(validity) if v]
        weights = ctx.distribution(len(valid_index))
        q = [mpf(0)] * len(base)
        for i, w in zip(valid_index, weights):
            q[i] = w
        label = f"n={len(base)}, |Y1|={len(valid_index)}, alpha={ctx.short(problem.alpha)}"
        yield ctx.equal(f"KL(q||a) = KL(q||p_*) - log alpha ({label})", ctx.resolve(lambda: d.kl(q, base), ctx.span(problem.alpha, 1)),
                        divergences.kl_divergence(q, problem.filtered) - mpmath.log(problem.alpha))
        yield ctx.equal(f"KL(p_*||a) = -log alpha ({label})", ctx.resolve(lambda: d.kl(problem.filtered, base), ctx.span(problem.alpha, 1)),
                        -mpmath.log(problem.alpha))
        if len(valid_index) >= 2:
            yield ctx.less(f"KL(p_*||a) < KL(q||a) for valid q != p_* ({label})", d.kl(problem.filtered, base), d.kl(q, base))


@FILTERED_SELECTION.property(problems_with_policy())
def _filtered_property(drawn: tuple[BinaryRewardProblem, np.ndarray]) -> None:
    problem, q = drawn
    valid_q = np.where(problem.valid, q, 0.0)
    valid_q /= np.sum(valid_q)
    kl_to_base = divergences.kl_divergence(valid_q, problem.base)
    kl_to_filtered = divergences.kl_divergence(valid_q, problem.filtered)
    # rounding a(y) to float64 moves log a(y) by up to eps: an absolute error of order eps on top of the terms
    scale = kl_to_base + kl_to_filtered + abs(np.log(problem.alpha)) + 1
    close(kl_to_base, kl_to_filtered - np.log(problem.alpha), scale, "KL(q||a) vs KL(q||p_*) - log alpha",
          rtol=8 * problem.n * np.finfo(float).eps)
    # q and p_* each sum to 1 only up to rounding, so KL(q || p_*) may dip below 0 by that much
    assert kl_to_filtered >= -4 * problem.n * np.finfo(float).eps, f"KL(q||p_*) = {kl_to_filtered!r} < 0"
