"""Negative controls: plausible but false variants of the claims.

A verifier that cannot say "false" proves nothing. Each claim here is expected
to come out ``refuted``, every layer with a concrete counterexample; the run
fails if any of them is not refuted.

Main statements (all false)
- ``nc-conditional-sharpens``: ``H(p_beta(. | Y1))`` strictly decreases as ``beta`` decreases.
- ``nc-reverse-kl-converges``: ``KL(p_beta || p_*) -> 0`` as ``beta -> 0+``.
- ``nc-validity-increasing``: ``mu_beta`` is increasing in ``beta``.
- ``nc-filtered-maximizes``: ``p_*`` maximizes ``J_beta`` for some fixed ``beta > 0``.
- ``nc-optimum-collapses``: ``N_eff(p_beta) -> 1`` as ``beta -> 0+`` (the unqualified
  reading of the misspecification mechanism, applied to the exact optimum).
- ``nc-kl-budget-swapped``: ``KL(p_beta || a) = kl(alpha || mu_beta)`` (arguments swapped).
"""

from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from proofs_checks.claim import register
from proofs_checks.claims import definitions as d
from proofs_checks.claims.notation import definitions, DOMAIN, MU, Z
from proofs_checks.derivation import Derivation, Equal, Limit, Sign
from proofs_checks.numeric import NumericContext
from theory import closed_form, divergences, precise, symbolic
from theory.problem import BinaryRewardProblem
from theory.strategies import alphas, betas, problems
from theory.symbolic import OutcomeModel, alpha, beta

TWO_VALID = OutcomeModel(2, 1)
"""The smallest instance that can refute a statement about the valid block: two valid outcomes, one invalid."""


def _negative(claim_id: str, title: str, statement: str, refutes: str):
    return register(claim_id, title=title, source="extension", statement=statement, uses=(refutes,), expected="refuted")


def _conditional_entropy(model: OutcomeModel) -> sp.Expr:
    tilted = model.tilted()
    valid_mass = sum(tilted[: model.n_valid])
    return symbolic.entropy([p / valid_mass for p in tilted[: model.n_valid]])


# --- nc-conditional-sharpens ----------------------------------------------------

SHARPENS = _negative(
    "nc-conditional-sharpens", "Lowering beta sharpens the optimum inside Y1 (false)",
    r"$H(p_\beta(\cdot\mid\mathcal{Y}_1))$ strictly decreases as $\beta$ decreases.",
    "conditional-invariance")


CONDITIONAL_ENTROPY = sp.Symbol("H_beta", positive=True)
"""Placeholder for ``H(p_beta(. | Y1))`` on ``TWO_VALID``."""


@SHARPENS.symbolic
def _sharpens_derivation() -> Derivation:
    return Derivation(
        scope="n = 3 outcomes, 2 valid (one instance suffices to refute)",
        definitions={CONDITIONAL_ENTROPY: _conditional_entropy(TWO_VALID)},
        steps=(Sign(sp.Derivative(CONDITIONAL_ENTROPY, beta), "positive",
                    "the claim: d H(p_beta(. | Y1)) / d beta > 0, with p_beta(y) = a(y) e^{v(y)/beta} / Z_beta"),),
        domain=DOMAIN,
    )


@SHARPENS.numeric
def _sharpens_numeric(ctx: NumericContext):
    for problem, base, validity, b in ctx.problems_at_betas():
        entropy_at = [ctx.resolve(lambda: d.entropy(d.condition(d.tilt(base, validity, t), validity, 1)),
                                  ctx.span(problem.alpha, t)) for t in (b / 2, b)]
        yield ctx.less(f"H(p_beta/2(.|Y1)) < H(p_beta(.|Y1)) (n={len(base)}, beta={ctx.short(b)})", *entropy_at)


@SHARPENS.property(problems(), betas())
def _sharpens_property(problem: BinaryRewardProblem, b: float) -> None:
    entropy_at = [float(np.log(problem.n_eff(problem.tilted(t)))) for t in (b / 2, b)]
    assert entropy_at[0] < entropy_at[1], f"H(p_beta(.|Y1)) did not decrease: {entropy_at[0]!r} >= {entropy_at[1]!r}"


# --- nc-reverse-kl-converges ----------------------------------------------------

REVERSE_CONVERGES = _negative(
    "nc-reverse-kl-converges", "p_beta converges to p_* in reverse KL (false)",
    r"$\mathrm{KL}(p_\beta\,\|\,p_*) \to 0$ as $\beta\to 0^+$.", "reverse-kl-infinite")


@REVERSE_CONVERGES.symbolic
def _reverse_converges_derivation() -> Derivation:
    mass, p = sp.symbols("p_beta(y_0) p_*(y_0)", positive=True)
    return Derivation(
        scope="any beta > 0: an invalid y_0 has p_beta(y_0) > 0 = p_*(y_0)",
        steps=(Limit(mass * sp.log(mass / p), p, 0, 0,
                     "the claim needs the term of an invalid y_0 to vanish as p_*(y_0) -> 0"),),
        domain=DOMAIN,
    )


@REVERSE_CONVERGES.numeric
def _reverse_converges_numeric(ctx: NumericContext):
    for problem, base, validity in ctx.problems():
        b = mpmath.mpf("1e-6")
        yield ctx.at_most(f"KL(p_beta||p_*) <= 1e-3 at beta = 1e-6 (n={len(base)}, alpha={ctx.short(problem.alpha)})",
                          divergences.kl_divergence(problem.tilted(b), problem.filtered), mpmath.mpf("1e-3"))


@REVERSE_CONVERGES.property(problems(), betas(min_value=1e-2, max_value=5e-2))
def _reverse_converges_property(problem: BinaryRewardProblem, b: float) -> None:
    # beta >= 0.01 keeps p_beta(Y0) ~ e^{-1/beta} above the float64 underflow, which would fake convergence
    value = divergences.kl_divergence(problem.tilted(b), problem.filtered)
    assert value <= 1e-3, f"KL(p_beta||p_*) = {value!r} at beta = {b!r}"


# --- nc-validity-increasing -----------------------------------------------------

INCREASING = _negative(
    "nc-validity-increasing", "mu_beta increases with beta (false)",
    r"$\mu_\beta$ is increasing in $\beta$.", "validity-monotone")


@INCREASING.symbolic
def _increasing_derivation() -> Derivation:
    return Derivation(
        scope="symbolic alpha and beta",
        definitions=definitions(),
        steps=(Sign(sp.Derivative(MU, beta), "positive", "the claim: d mu_beta / d beta > 0"),),
        domain=DOMAIN,
    )


@INCREASING.numeric
def _increasing_numeric(ctx: NumericContext):
    for a, b in ctx.alpha_beta_pairs():
        yield ctx.less(f"mu_beta < mu_2beta (alpha={ctx.short(a)}, beta={ctx.short(b)})",
                       precise.validity_rate(a, b), precise.validity_rate(a, 2 * b))


@INCREASING.property(alphas(), betas())
def _increasing_property(a: float, b: float) -> None:
    assert closed_form.validity_rate(a, 2 * b) > closed_form.validity_rate(a, b), "mu_beta did not increase with beta"


# --- nc-filtered-maximizes ------------------------------------------------------

FILTERED_MAX = _negative(
    "nc-filtered-maximizes", "p_* maximizes the KL-control objective (false)",
    r"$p_*$ maximizes $\mathbb{E}_q[v] - \beta\,\mathrm{KL}(q\,\|\,a)$ for some fixed $\beta > 0$.", "gibbs-identity")


@FILTERED_MAX.symbolic
def _filtered_max_derivation() -> Derivation:
    return Derivation(
        scope="symbolic alpha and beta: steps 1-2 hold for every beta, so no beta makes p_* optimal",
        definitions=definitions(),
        steps=(
            Equal(1 + beta * sp.log(alpha) - beta * sp.log(Z), beta * sp.log(MU),
                  "J_beta(p_*) - J*_beta = 1 - beta KL(p_* || a) - beta log Z_beta = beta log mu_beta"),
            Sign(1 - MU, "positive", "mu_beta < 1, so beta log mu_beta < 0 for every beta > 0", positive=(1 - alpha,)),
            Sign(beta * sp.log(MU), "nonnegative", "the claim: J_beta(p_*) >= J*_beta"),
        ),
        domain=DOMAIN,
    )


@FILTERED_MAX.numeric
def _filtered_max_numeric(ctx: NumericContext):
    for problem, base, validity, b in ctx.problems_at_betas():
        yield ctx.at_most(f"J(p_beta) <= J(p_*) (n={len(base)}, alpha={ctx.short(problem.alpha)}, beta={ctx.short(b)})",
                          ctx.resolve(lambda: d.objective(d.tilt(base, validity, b), base, validity, b), ctx.span(problem.alpha, b)),
                          d.objective(problem.filtered, base, validity, b))


@FILTERED_MAX.property(problems(), betas())
def _filtered_max_property(problem: BinaryRewardProblem, b: float) -> None:
    filtered_value = problem.objective(problem.filtered, b)
    optimum = float(problem.optimal_value(b))
    assert filtered_value >= optimum, f"J(p_*) = {filtered_value!r} < J* = {optimum!r}"


# --- nc-optimum-collapses -------------------------------------------------------

COLLAPSES = _negative(
    "nc-optimum-collapses", "The exact optimum collapses as beta -> 0 (false)",
    r"$N_{\mathrm{eff}}(p_\beta) \to 1$ as $\beta\to 0^+$ whenever $|\mathcal{Y}_1| \ge 2$.", "conditional-invariance")


@COLLAPSES.symbolic
def _collapses_derivation() -> Derivation:
    return Derivation(
        scope="n = 3 outcomes, 2 valid (one instance suffices to refute)",
        definitions={CONDITIONAL_ENTROPY: _conditional_entropy(TWO_VALID)},
        steps=(Limit(sp.exp(CONDITIONAL_ENTROPY), beta, 0, 1, "the claim: N_eff(p_beta) = exp H(p_beta(. | Y1)) -> 1"),),
        domain=DOMAIN,
    )


@COLLAPSES.numeric
def _collapses_numeric(ctx: NumericContext):
    for problem, base, validity in ctx.problems():
        if sum(validity) < 2:
            continue
        b = mpmath.mpf("1e-4")
        n_eff = mpmath.exp(ctx.resolve(lambda: d.entropy(d.condition(d.tilt(base, validity, b), validity, 1)), ctx.span(problem.alpha, b)))
        yield ctx.at_most(f"N_eff(p_beta) - 1 <= 1e-3 at beta = 1e-4 (n={len(base)}, |Y1|={sum(validity)})",
                          n_eff - 1, mpmath.mpf("1e-3"))


@COLLAPSES.property(problems(), betas(max_value=1e-3))
def _collapses_property(problem: BinaryRewardProblem, b: float) -> None:
    if np.count_nonzero(problem.valid) < 2:
        return
    n_eff = problem.n_eff(problem.tilted(b))
    assert n_eff <= 1 + 1e-3, f"N_eff(p_beta) = {n_eff!r} at beta = {b!r}"


# --- nc-kl-budget-swapped -------------------------------------------------------

SWAPPED = _negative(
    "nc-kl-budget-swapped", "The KL budget with swapped arguments (false)",
    r"$\mathrm{KL}(p_\beta\,\|\,a) = \mathrm{kl}(\alpha\,\|\,\mu_\beta)$.", "validity-monotone")


@SWAPPED.symbolic
def _swapped_derivation() -> Derivation:
    return Derivation(
        scope="symbolic alpha and beta",
        definitions=definitions(),
        steps=(Equal(symbolic.binary_kl(alpha, MU), MU / beta - sp.log(Z),
                     "the claim, with KL(p_beta || a) = mu_beta/beta - log Z_beta (validity-monotone)"),),
        domain=DOMAIN,
    )


@SWAPPED.numeric
def _swapped_numeric(ctx: NumericContext):
    for problem, base, validity, b in ctx.problems_at_betas():
        m = precise.validity_rate(problem.alpha, b)
        # kl(alpha || mu) = alpha log(alpha/mu) + (1 - alpha) log((1 - alpha)/(1 - mu))
        swapped = problem.alpha * mpmath.log(problem.alpha / m) + (1 - problem.alpha) * (
            mpmath.log1p(-problem.alpha) - mpmath.log(precise.invalidity_rate(problem.alpha, b)))
        yield ctx.equal(f"KL(p_beta||a) = kl(alpha||mu_beta) (n={len(base)}, beta={ctx.short(b)})",
                        ctx.resolve(lambda: d.kl(d.tilt(base, validity, b), base), ctx.span(problem.alpha, b)), swapped)


@SWAPPED.property(alphas(min_value=1e-12, max_value=1 - 1e-12), betas(min_value=1e-2))
def _swapped_property(a: float, b: float) -> None:
    m = float(closed_form.validity_rate(a, b))
    budget = float(closed_form.kl_budget(a, m))
    swapped = divergences.binary_kl(a, m)
    assert abs(budget - swapped) <= 1e-9 * (budget + swapped), f"kl(mu||alpha) = {budget!r} but kl(alpha||mu) = {swapped!r}"
