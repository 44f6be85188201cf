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
from proofs_checks.claims.sampling import (
    accurate, arbs, enclosure, ints, kl_terms, outcome_model_cases, problem_inputs, problems_with_policy,
)
from proofs_checks.derivation import ConvexMinimum, Derivation, Equal, Sign
from proofs_checks.numeric import NumericContext
from theory import divergences, precise
from theory.problem import BinaryRewardProblem
from theory.strategies import betas
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
        valid_index = [i for i, v in enumerate(validity) if v]
        p_star = d.condition(base, validity, 1)
        permuted = list(p_star)
        for i, j in zip(valid_index, reversed(valid_index)):
            permuted[i] = p_star[j]
        mixture = [(x + y) / 2 for x, y in zip(p_star, permuted)]
        label = f"n={len(base)}, |Y1|={len(valid_index)}, alpha={ctx.short(d.expectation(base, validity))}"
        yield ctx.equal_vectors(f"library p_* = a(.|Y1) ({label})", problem.filtered, p_star)
        yield ctx.equal(f"library alpha = a(Y1) ({label})", lambda: problem.alpha, d.expectation(base, validity))
        yield ctx.equal(f"library 1 - alpha = a(Y0) ({label})", lambda: problem.one_minus_alpha,
                        d.expectation(base, [1 - v for v in validity]))
        yield ctx.equal_vectors(f"library a = base/sum(base) ({label})", problem.base, d.normalized(base))
        shape = problem.n == len(base) and [bool(x) for x in problem.valid] == [bool(v) for v in validity]
        yield (ctx.holds if shape else ctx.fails)(f"library n and validity mask ({label})")
        yield ctx.equal(f"E_p*[v] = 1 ({label})", d.expectation(p_star, validity), 1)
        yield ctx.equal(f"E[v] = 1 for p_* permuted within Y1 ({label})", d.expectation(permuted, validity), 1)
        yield ctx.equal(f"E[v] = 1 for a mixture of maximizers ({label})", d.expectation(mixture, validity), 1)
        q = ctx.distribution(len(base))
        yield ctx.less(f"E_q[v] < 1 for a full-support q ({label})", d.expectation(q, validity), 1)


@DEGENERACY.property(problem_inputs())
def _degeneracy_property(drawn: tuple[np.ndarray, np.ndarray]) -> None:
    """The float64 problem's alpha = a(Y1), 1 - alpha = a(Y0), a and the maximizer p_* = a(. | Y1)
    against their definitions, within 16 ulps."""
    base, valid = drawn
    problem, v = BinaryRewardProblem(base, valid), ints(valid)
    accurate(problem.alpha, lambda: d.expectation(arbs(base), v), 16, "alpha = a(Y1)")
    accurate(problem.one_minus_alpha, lambda: d.expectation(arbs(base), [1 - x for x in v]), 16, "1 - alpha = a(Y0)")
    accurate(problem.base, lambda: d.normalized(arbs(base)), 16, "a = base/sum(base)")
    accurate(problem.filtered, lambda: d.condition(arbs(base), v, 1), 16, "p_* = a(.|Y1)")


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
        span = ctx.span(d.expectation(base, validity), b)
        label = f"n={len(base)}, alpha={ctx.short(d.expectation(base, validity))}, beta={ctx.short(b)}"
        objective = ctx.resolve(lambda: d.objective(q, base, validity, b), span)
        optimum = ctx.resolve(lambda: d.objective(d.tilt(base, validity, b), base, validity, b), span)
        log_z = ctx.resolve(lambda: d.log_partition(base, validity, b), span)
        yield ctx.equal(f"library J_beta(q) = E_q[v] - beta KL(q||a) ({label})", lambda: problem.objective(q, b), objective)
        yield ctx.equal(f"library J*_beta = J_beta(p_beta) ({label})", lambda: problem.optimal_value(b), optimum)
        yield ctx.equal(f"library log Z_beta = log sum a e^(v/beta) ({label})", lambda: problem.log_partition(b), log_z)
        yield ctx.equal(f"library closed form log(1 - alpha + alpha e^(1/beta)) ({label})",
                        lambda: precise.log_partition(+d.expectation(base, validity), b), log_z)
        yield ctx.equal(f"library KL(q||a) ({label})", lambda: problem.kl_to_base(q), ctx.resolve(lambda: d.kl(q, base), span))
        log_tilted = ctx.resolve(lambda: [mpmath.log(x) for x in d.tilt(base, validity, b)], span)
        terms = [abs(mpmath.log(x)) + v / b + abs(log_z) for x, v in zip(d.normalized(base), validity)]
        yield ctx.equal_vectors(f"library log p_beta = log a + v/beta - log Z ({label})", problem.log_tilted(b),
                                log_tilted, terms)
        yield ctx.equal(f"J(q) = beta log Z - beta KL(q||p_beta) ({label})", objective,
                        ctx.resolve(lambda: b * d.log_partition(base, validity, b) - b * d.kl(q, d.tilt(base, validity, b)),
                                    span))
        yield ctx.at_most(f"J(q) <= J(p_beta) ({label})", objective, optimum)
    yield from outcome_model_cases(ctx)


@GIBBS.property(problems_with_policy(), betas())
def _gibbs_property(drawn: tuple[np.ndarray, np.ndarray, np.ndarray], b: float) -> None:
    """The float64 J_beta(q), J*_beta = J_beta(p_beta), log Z_beta, log p_beta and KL(q || a)
    against their definitions, within 16 ulps of the value or of the terms combined."""
    base, valid, q = drawn
    problem, v = BinaryRewardProblem(base, valid), ints(valid)
    divergence = float(np.sum(q * np.log(q / base)))
    accurate(problem.kl_to_base(q), lambda: d.kl(arbs(q), arbs(base)), 16, "KL(q||a)")
    accurate(problem.objective(q, b), lambda: d.objective(arbs(q), arbs(base), v, arbs(b)), 16, "J_beta(q)",
             terms=1 + b * abs(divergence))
    accurate(problem.optimal_value(b), lambda: d.objective(d.tilt(arbs(base), v, arbs(b)), arbs(base), v, arbs(b)), 16,
             "J*_beta = J_beta(p_beta)")
    accurate(problem.log_partition(b), lambda: d.log_partition(arbs(base), v, arbs(b)), 16, "log Z_beta")
    log_z = float(np.log(base[valid].sum() * np.exp(min(1 / b, 700.0)) + base[~valid].sum())) + max(1 / b - 700.0, 0.0)
    # log a(y | Y_v) of a rounded quotient near 1 is off by its rounding, about 2^-53 absolute: hence the 1
    accurate(problem.log_tilted(b), lambda: [x.log() for x in d.tilt(arbs(base), v, arbs(b))], 16, "log p_beta",
             terms=1 + np.abs(np.log(base)) + np.asarray(v) / b + abs(log_z))


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
        span = ctx.span(d.expectation(base, validity), b)
        tilted = [+x for x in ctx.resolve(lambda: d.tilt(base, validity, b), span)]  # rounded: the library's input
        label = f"n={len(base)}, alpha={ctx.short(d.expectation(base, validity))}, beta={ctx.short(b)}"
        yield ctx.equal_vectors(f"library p_beta = a e^(v/beta)/Z_beta ({label})", problem.tilted(b), tilted)
        yield ctx.equal(f"library mu_beta = p_beta(Y1) ({label})", lambda: problem.validity_rate(b),
                        ctx.resolve(lambda: d.expectation(d.tilt(base, validity, b), validity), span))
        yield ctx.equal_vectors(f"p_beta(.|Y1) = p_* ({label})",
                                ctx.resolve(lambda: d.condition(d.tilt(base, validity, b), validity, 1), span),
                                d.condition(base, validity, 1))
        yield ctx.equal_vectors(f"p_beta(.|Y0) = a(.|Y0) ({label})",
                                ctx.resolve(lambda: d.condition(d.tilt(base, validity, b), validity, 0), span),
                                d.condition(base, validity, 0))
        n_eff = mpmath.exp(d.entropy(d.condition(tilted, validity, 1)))
        yield ctx.equal(f"library N_eff(p_beta) = exp H(p_beta(.|Y1)) ({label})", lambda: problem.n_eff(tilted), n_eff)
        yield ctx.equal(f"N_eff(p_beta) = N_eff(p_*) ({label})", n_eff, mpmath.exp(d.entropy(d.condition(base, validity, 1))))


@CONDITIONAL.property(problem_inputs(), betas())
def _conditional_property(drawn: tuple[np.ndarray, np.ndarray], b: float) -> None:
    """The float64 p_beta and mu_beta against the definition a e^{v/beta} / Z_beta, within
    16 ulps; N_eff of the float64 p_beta against exp H(p_beta(. | Y1)), within 16 ulps per unit of H."""
    base, valid = drawn
    problem, v = BinaryRewardProblem(base, valid), ints(valid)
    accurate(problem.tilted(b), lambda: d.tilt(arbs(base), v, arbs(b)), 16, "p_beta")
    accurate(problem.validity_rate(b), lambda: d.expectation(d.tilt(arbs(base), v, arbs(b)), v), 16, "mu_beta")
    tilted = problem.tilted(b)
    if np.sum(tilted[valid]) > 0:
        entropy = float(np.log(problem.n_eff(tilted)))
        accurate(problem.n_eff(tilted), lambda: d.entropy(d.condition(arbs(tilted), v, 1)).exp(), 16 * (1 + entropy),
                 "N_eff(p_beta)")


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
        a = d.expectation(base, validity)
        p_star = d.condition(base, validity, 1)
        span = ctx.span(a, 1)
        label = f"n={len(base)}, |Y1|={len(valid_index)}, alpha={ctx.short(a)}"
        kl_q_a = ctx.resolve(lambda: d.kl(q, base), span)
        yield ctx.equal(f"library KL(q||a) of the masses ({label})", lambda: divergences.kl_divergence(q, base),
                        ctx.resolve(lambda: d.kl(q, base, masses=True), span))
        yield ctx.equal(f"library KL(q||a) renormalized ({label})",
                        lambda: divergences.kl_divergence(q, base, renormalize=True), kl_q_a)
        yield ctx.equal(f"library KL(q||p_*) ({label})", lambda: divergences.kl_divergence(q, p_star),
                        ctx.resolve(lambda: d.kl(q, p_star, masses=True), span))
        yield ctx.equal(f"library KL(q||a) of the problem ({label})", lambda: problem.kl_to_base(q), kl_q_a)
        yield ctx.equal(f"KL(q||a) = KL(q||p_*) - log alpha ({label})", kl_q_a, d.kl(q, p_star) - mpmath.log(a))
        yield ctx.equal(f"KL(p_*||a) = -log alpha ({label})", ctx.resolve(lambda: d.kl(p_star, base), span), -mpmath.log(a))
        if len(valid_index) >= 2:
            yield ctx.less(f"KL(p_*||a) < KL(q||a) for valid q != p_* ({label})", d.kl(p_star, base), kl_q_a)


@FILTERED_SELECTION.property(problems_with_policy())
def _filtered_property(drawn: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    """For a fully valid q: the float64 KL(q || a) (of the masses, renormalized, and of the
    problem) and KL(q || p_*) against the definitions, within 16 ulps of the value or of
    the terms the library combines (the masses' deviation from normalization)."""
    base, valid, q = drawn
    problem = BinaryRewardProblem(base, valid)
    masses = np.where(valid, q, 0.0)
    accurate(divergences.kl_divergence(masses, base), lambda: d.kl(arbs(masses), arbs(base), masses=True), 16,
             "KL(q||a) of the masses", terms=kl_terms(masses, base))
    policy = masses / np.sum(masses)
    # renormalized, the library's error is u (KL + sum_y |q/Q - p/P|): the distance between the distributions
    for target, name in ((base, "KL(q||a)"), (problem.filtered, "KL(q||p_*)")):
        spread = float(2 * enclosure(lambda: d.total_variation(arbs(policy), arbs(target))).mid())
        accurate(divergences.kl_divergence(policy, target, renormalize=True), lambda: d.kl(arbs(policy), arbs(target)),
                 16, f"{name} renormalized", terms=spread)
    spread = float(2 * enclosure(lambda: d.total_variation(arbs(policy), arbs(base))).mid())
    accurate(problem.kl_to_base(policy), lambda: d.kl(arbs(policy), arbs(base)), 16, "KL(q||a) of the problem",
             terms=spread)