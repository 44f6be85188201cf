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

from dataclasses import replace
from typing import Any

import mpmath
import numpy as np
import sympy as sp
from flint import arb, fmpq

from proofs_checks.claim import register
from proofs_checks.claims import definitions as d
from proofs_checks.certified import Comparison, compare, exact_text
from proofs_checks.claims.notation import definitions, DOMAIN, FILTERED, MU, TILT, TILTED, V, Z
from proofs_checks.claims.sampling import instance_point, problem_inputs
from proofs_checks.proof import Apply, Derivation, Equal, Limit, Part, Sign
from proofs_checks.standard_results import KL
from proofs_checks.numeric import NumericContext, certify, rational
from theory import closed_form, divergences, symbolic
from theory.problem import BinaryRewardProblem
from theory.strategies import alphas, betas
from theory.symbolic import OutcomeModel, alpha, beta

TWO_VALID = OutcomeModel(2, 1)
"""The smallest instance that can refute a statement about the valid block: two valid outcomes, one invalid."""
TWO_VALID_DOMAIN = {alpha: (0, 1), beta: (0, sp.oo), TWO_VALID.filtered_weights[0]: (0, 1)}
"""Where statements about ``TWO_VALID`` are tested: its base weight ``s_1`` of the first valid outcome in ``(0, 1)``."""


def _negative(claim_id: str, title: str, statement: str, refutes: str, claim: sp.Basic):
    """A false variant of ``refutes``: its one part, ``claim``, is the false statement."""
    return register(claim_id, title=title, source="extension", statement=statement, uses=(refutes,), expected="refuted",
                    parts=(Part("claim", statement, claim),))


def _conditional_entropy(model: OutcomeModel) -> sp.Expr:
    tilted = model.tilted()
    valid_mass = sum(tilted[: model.n_valid])
    return symbolic.entropy([p / valid_mass for p in tilted[: model.n_valid]])


CONDITIONAL_ENTROPY = sp.Symbol("H_beta")
"""Placeholder for ``H(p_beta(. | Y1))`` on ``TWO_VALID``."""


# --- nc-conditional-sharpens ----------------------------------------------------

SHARPENS = _negative(
    "nc-conditional-sharpens", "Lowering beta sharpens the optimum inside Y1 (false)",
    r"$H(p_\beta(\cdot\mid\mathcal{Y}_1))$ strictly decreases as $\beta$ decreases.",
    "conditional-invariance", sp.StrictGreaterThan(sp.Derivative(CONDITIONAL_ENTROPY, beta), 0))


@SHARPENS.symbolic
def _sharpens_derivation() -> Derivation:
    return Derivation(
        scope="$n = 3$ outcomes, 2 valid (one instance suffices to refute)",
        definitions={CONDITIONAL_ENTROPY: _conditional_entropy(TWO_VALID)},
        steps=(Sign(sp.Derivative(CONDITIONAL_ENTROPY, beta), "positive",
                    r"the claim: $\frac{d}{d\beta} H(p_\beta(\cdot\mid\mathcal{Y}_1)) > 0$", assumes=TILT),),
        domain=TWO_VALID_DOMAIN,
    )


@SHARPENS.numeric
def _sharpens_numeric(ctx: NumericContext):
    for problem, base, validity, b in ctx.problems_at_betas():
        a = d.expectation(base, validity)
        entropy_at = [ctx.resolve(lambda: d.entropy(d.condition(d.tilt(base, validity, t), validity, 1)), ctx.span(a, t))
                      for t in (b / 2, b)]
        case = ctx.less(f"H(p_beta/2(.|Y1)) < H(p_beta(.|Y1)) (n={len(base)}, beta={ctx.short(b)})", *entropy_at)
        yield ctx.certified(case, lambda: _entropy_tie(base, validity, b))


def _entropy_tie(base: Any, validity: Any, b: Any) -> Comparison:
    """``H(p_{beta/2}(. | Y1)) < H(p_beta(. | Y1))`` decided exactly: with the instance as exact
    rationals, the definitions give the same entropy at both temperatures."""
    exact_base, exact_beta = [d.exact(x, "sympy") for x in base], d.exact(b, "sympy")
    ints_ = [int(v) for v in validity]
    sides = [d.entropy(d.condition(d.tilt(exact_base, ints_, t), ints_, 1)) for t in (exact_beta / 2, exact_beta)]
    comparison = compare(sides[0], "<", sides[1], {})
    return replace(comparison, point={k: exact_text(rational(v)) for k, v in instance_point(base, ints_, beta=b).items()})


def _sharpens_confirm(drawn: tuple[np.ndarray, np.ndarray], b: float) -> Comparison:
    return _entropy_tie(drawn[0], drawn[1], b)


@SHARPENS.property(problem_inputs(), betas(), confirm=_sharpens_confirm)
def _sharpens_property(drawn: tuple[np.ndarray, np.ndarray], b: float) -> None:
    """The claimed strict decrease of H(p_beta(. | Y1)) as beta halves, on the float64 problem;
    a violation is confirmed exactly from the definitions."""
    problem = BinaryRewardProblem(*drawn)
    entropy_at = [float(np.log(problem.n_eff(problem.tilted(t)))) for t in (b / 2, b)]
    assert entropy_at[0] < entropy_at[1], f"H(p_beta(.|Y1)) did not decrease: {entropy_at[0]!r} >= {entropy_at[1]!r}"


# --- nc-reverse-kl-converges ----------------------------------------------------

REVERSE_CONVERGES = _negative(
    "nc-reverse-kl-converges", "p_beta converges to p_* in reverse KL (false)",
    r"$\mathrm{KL}(p_\beta\,\|\,p_*) \to 0$ as $\beta\to 0^+$.", "reverse-kl-infinite",
    sp.Eq(sp.Limit(KL(TILTED, FILTERED), beta, 0, "+"), 0))


@REVERSE_CONVERGES.symbolic
def _reverse_converges_derivation() -> Derivation:
    return Derivation(
        scope="every finite problem: an invalid $y$ has $p_\\beta(y) > 0 = p_*(y)$ at every $\\beta$",
        definitions=definitions(),
        steps=(
            Apply("kl-off-support", {"q": TILTED, "p": FILTERED, "at": V},
                  r"$p_\beta(y) = a(y)/Z_\beta > 0 = p_*(y)$ at an invalid $y$", assumes=TILT),
            Limit(KL(TILTED, FILTERED), beta, 0, 0, r"the claim: $\mathrm{KL}(p_\beta\,\|\,p_*) \to 0$",
                  assumes=("step 1", *TILT)),
        ),
        domain=DOMAIN,
    )


@REVERSE_CONVERGES.numeric
def _reverse_converges_numeric(ctx: NumericContext):
    for problem, base, validity in ctx.problems():
        b = mpmath.mpf("1e-6")
        a = d.expectation(base, validity)
        case = ctx.at_most(f"KL(p_beta||p_*) <= 1e-3 at beta = 1e-6 (n={len(base)}, alpha={ctx.short(a)})",
                           d.kl(d.tilt(base, validity, b), d.condition(base, validity, 1)), mpmath.mpf("1e-3"))
        yield ctx.certified(case, lambda: _reverse_certificate(base, validity, b))


def _reverse_certificate(base: Any, validity: Any, b: Any) -> Comparison:
    """``KL(p_beta || p_*) <= 10^-3`` on balls: an invalid output has ``p_beta(y) > 0 = p_*(y)``."""
    ints_ = [int(v) for v in validity]

    def sides() -> tuple[arb, arb]:
        exact_base = [d.exact(x, "arb") for x in base]
        return (d.kl(d.tilt(exact_base, ints_, d.exact(b, "arb")), d.condition(exact_base, ints_, 1)),
                arb(fmpq(1, 1000)))

    return certify("<=", sides, instance_point(base, ints_, beta=b))


def _reverse_converges_confirm(drawn: tuple[np.ndarray, np.ndarray], b: float) -> Comparison:
    return _reverse_certificate(drawn[0], drawn[1], b)


@REVERSE_CONVERGES.property(problem_inputs(), betas(min_value=1e-2, max_value=5e-2), confirm=_reverse_converges_confirm)
def _reverse_converges_property(drawn: tuple[np.ndarray, np.ndarray], b: float) -> None:
    """The claimed KL(p_beta || p_*) <= 1e-3 at small beta, on the float64 problem."""
    # beta >= 0.01 keeps p_beta(Y0) ~ e^{-1/beta} above the float64 underflow, which would fake convergence
    problem = BinaryRewardProblem(*drawn)
    value = divergences.kl_divergence(problem.tilted(b), problem.filtered)
    assert value <= 1e-3, f"KL(p_beta||p_*) = {value!r} at beta = {b!r}"


# --- nc-validity-increasing -----------------------------------------------------

INCREASING = _negative(
    "nc-validity-increasing", "mu_beta increases with beta (false)",
    r"$\mu_\beta$ is increasing in $\beta$.", "validity-monotone",
    sp.StrictGreaterThan(sp.Derivative(MU, beta), 0))


@INCREASING.symbolic
def _increasing_derivation() -> Derivation:
    return Derivation(
        scope="symbolic $\\alpha$ and $\\beta$",
        definitions=definitions(),
        steps=(Sign(sp.Derivative(MU, beta), "positive", r"the claim: $\frac{d\mu_\beta}{d\beta} > 0$",
                    assumes=TILT),),
        domain=DOMAIN,
    )


@INCREASING.numeric
def _increasing_numeric(ctx: NumericContext):
    for a, b in ctx.alpha_beta_pairs():
        span = ctx.span(a, b)
        # mu_beta < mu_2beta, stated on the complements, which do not round to 1
        case = ctx.less(f"mu_beta < mu_2beta, i.e. 1 - mu_2beta < 1 - mu_beta (alpha={ctx.short(a)}, beta={ctx.short(b)})",
                        ctx.resolve(lambda: d.invalidity(a, 2 * b), span), ctx.resolve(lambda: d.invalidity(a, b), span))
        yield ctx.certified(case, lambda: _increasing_certificate(a, b))


def _increasing_certificate(a: Any, b: Any) -> Comparison:
    """``1 - mu_2beta < 1 - mu_beta`` (the claim, on the complements) on balls."""
    def sides() -> tuple[arb, arb]:
        alpha_, beta_ = d.exact(a, "arb"), d.exact(b, "arb")
        return d.invalidity(alpha_, 2 * beta_), d.invalidity(alpha_, beta_)

    return certify("<", sides, {"alpha": a, "beta": b})


@INCREASING.property(alphas(), betas(), confirm=_increasing_certificate)
def _increasing_property(a: float, b: float) -> None:
    """The claimed increase of mu_beta with beta, on the float64 closed form."""
    assert closed_form.validity_rate(a, 2 * b) > closed_form.validity_rate(a, b), "mu_beta did not increase with beta"


# --- nc-filtered-maximizes ------------------------------------------------------

FILTERED_MAX = _negative(
    "nc-filtered-maximizes", "p_* maximizes the KL-control objective (false)",
    r"$p_*$ maximizes $\mathbb{E}_q[v] - \beta\,\mathrm{KL}(q\,\|\,a)$ for some fixed $\beta > 0$.", "gibbs-identity",
    sp.GreaterThan(1 + beta * sp.log(alpha), beta * sp.log(Z)))


@FILTERED_MAX.symbolic
def _filtered_max_derivation() -> Derivation:
    return Derivation(
        scope="symbolic $\\alpha$ and $\\beta$: $J_\\beta(p_*) = 1 + \\beta\\log\\alpha$ against"
              " $J^*_\\beta = \\beta\\log Z_\\beta$",
        definitions=definitions(),
        steps=(Sign(1 + beta * sp.log(alpha) - beta * sp.log(Z), "nonnegative",
                    r"the claim: $J_\beta(p_*) = 1 - \beta\,\mathrm{KL}(p_*\,\|\,a) = 1 + \beta\log\alpha \ge"
                    r" J^*_\beta$", assumes=TILT),),
        domain=DOMAIN,
    )


@FILTERED_MAX.numeric
def _filtered_max_numeric(ctx: NumericContext):
    for problem, base, validity, b in ctx.problems_at_betas():
        a = d.expectation(base, validity)
        p_star = d.condition(base, validity, 1)
        gain = ctx.resolve(lambda: d.objective(d.tilt(base, validity, b), base, validity, b)
                           - d.objective(p_star, base, validity, b), ctx.span(a, b))
        case = ctx.at_most(f"J(p_beta) - J(p_*) <= 0 (n={len(base)}, alpha={ctx.short(a)}, beta={ctx.short(b)})", gain, 0)
        yield ctx.certified(case, lambda: _filtered_max_certificate(base, validity, b))


def _filtered_max_certificate(base: Any, validity: Any, b: Any) -> Comparison:
    """``J(p_beta) - J(p_*) <= 0`` (the claim) on balls."""
    ints_ = [int(v) for v in validity]

    def sides() -> tuple[arb, arb]:
        exact_base, beta_ = [d.exact(x, "arb") for x in base], d.exact(b, "arb")
        p_star = d.condition(exact_base, ints_, 1)
        return (d.objective(d.tilt(exact_base, ints_, beta_), exact_base, ints_, beta_)
                - d.objective(p_star, exact_base, ints_, beta_), arb(0))

    return certify("<=", sides, instance_point(base, ints_, beta=b))


def _filtered_max_confirm(drawn: tuple[np.ndarray, np.ndarray], b: float) -> Comparison:
    return _filtered_max_certificate(drawn[0], drawn[1], b)


@FILTERED_MAX.property(problem_inputs(), betas(), confirm=_filtered_max_confirm)
def _filtered_max_property(drawn: tuple[np.ndarray, np.ndarray], b: float) -> None:
    """The claimed optimality of p_*, J(p_*) >= J*_beta, on the float64 problem."""
    problem = BinaryRewardProblem(*drawn)
    filtered_value = problem.objective(problem.filtered, b)
    optimum = float(problem.optimal_value(b))
    assert filtered_value >= optimum, f"J(p_*) = {filtered_value!r} < J* = {optimum!r}"


# --- nc-optimum-collapses -------------------------------------------------------

COLLAPSES = _negative(
    "nc-optimum-collapses", "The exact optimum collapses as beta -> 0 (false)",
    r"$N_{\mathrm{eff}}(p_\beta) \to 1$ as $\beta\to 0^+$ whenever $|\mathcal{Y}_1| \ge 2$.", "conditional-invariance",
    sp.Eq(sp.Limit(sp.exp(CONDITIONAL_ENTROPY), beta, 0, "+"), 1))


@COLLAPSES.symbolic
def _collapses_derivation() -> Derivation:
    return Derivation(
        scope="$n = 3$ outcomes, 2 valid (one instance suffices to refute)",
        definitions={CONDITIONAL_ENTROPY: _conditional_entropy(TWO_VALID)},
        steps=(Limit(sp.exp(CONDITIONAL_ENTROPY), beta, 0, 1,
                     r"the claim: $N_{\mathrm{eff}}(p_\beta) = e^{H(p_\beta(\cdot\mid\mathcal{Y}_1))} \to 1$",
                     assumes=TILT),),
        domain=TWO_VALID_DOMAIN,
    )


@COLLAPSES.numeric
def _collapses_numeric(ctx: NumericContext):
    for problem, base, validity in ctx.problems():
        if sum(validity) < 2:
            continue
        b = mpmath.mpf("1e-4")
        span = ctx.span(d.expectation(base, validity), b)
        n_eff = mpmath.exp(ctx.resolve(lambda: d.entropy(d.condition(d.tilt(base, validity, b), validity, 1)), span))
        case = ctx.at_most(f"N_eff(p_beta) - 1 <= 1e-3 at beta = 1e-4 (n={len(base)}, |Y1|={sum(validity)})",
                           n_eff - 1, mpmath.mpf("1e-3"))
        yield ctx.certified(case, lambda: _collapses_certificate(base, validity, b))


def _collapses_certificate(base: Any, validity: Any, b: Any) -> Comparison:
    """``N_eff(p_beta) - 1 <= 10^-3`` (the claim) on balls."""
    ints_ = [int(v) for v in validity]

    def sides() -> tuple[arb, arb]:
        exact_base = [d.exact(x, "arb") for x in base]
        entropy = d.entropy(d.condition(d.tilt(exact_base, ints_, d.exact(b, "arb")), ints_, 1))
        return entropy.exp() - 1, arb(fmpq(1, 1000))

    return certify("<=", sides, instance_point(base, ints_, beta=b))


def _collapses_confirm(drawn: tuple[np.ndarray, np.ndarray], b: float) -> Comparison:
    return _collapses_certificate(drawn[0], drawn[1], b)


@COLLAPSES.property(problem_inputs(), betas(max_value=1e-3), confirm=_collapses_confirm)
def _collapses_property(drawn: tuple[np.ndarray, np.ndarray], b: float) -> None:
    """The claimed N_eff(p_beta) -> 1 at small beta, on the float64 problem with |Y1| >= 2."""
    problem = BinaryRewardProblem(*drawn)
    if np.count_nonzero(problem.valid) < 2:
        return
    n_eff = problem.n_eff(problem.tilted(b))
    assert n_eff <= 1 + 1e-3, f"N_eff(p_beta) = {n_eff!r} at beta = {b!r}"


# --- nc-kl-budget-swapped -------------------------------------------------------

SWAPPED = _negative(
    "nc-kl-budget-swapped", "The KL budget with swapped arguments (false)",
    r"$\mathrm{KL}(p_\beta\,\|\,a) = \mathrm{kl}(\alpha\,\|\,\mu_\beta)$.", "validity-monotone",
    sp.Eq(MU / beta - sp.log(Z), symbolic.binary_kl(alpha, MU)))


@SWAPPED.symbolic
def _swapped_derivation() -> Derivation:
    return Derivation(
        scope="symbolic $\\alpha$ and $\\beta$",
        definitions=definitions(),
        steps=(Equal(MU / beta - sp.log(Z), symbolic.binary_kl(alpha, MU),
                     r"the claim, with $\mathrm{KL}(p_\beta\,\|\,a) = \mu_\beta/\beta - \log Z_\beta$"
                     r" (validity-monotone)", assumes=("validity-monotone:budget", *TILT)),),
        domain=DOMAIN,
    )


@SWAPPED.numeric
def _swapped_numeric(ctx: NumericContext):
    for problem, base, validity, b in ctx.problems_at_betas():
        a = d.expectation(base, validity)
        span = ctx.span(a, b)
        # KL(p_beta || a) and kl(alpha || mu_beta) = alpha log(alpha/mu) + (1 - alpha) log((1 - alpha)/(1 - mu))
        case = ctx.equal(f"KL(p_beta||a) = kl(alpha||mu_beta) (n={len(base)}, beta={ctx.short(b)})",
                         ctx.resolve(lambda: d.kl(d.tilt(base, validity, b), base), span),
                         ctx.resolve(lambda: d.binary_kl(a, d.expectation(d.tilt(base, validity, b), validity)), span))
        yield ctx.certified(case, lambda: _swapped_certificate(base, validity, b))


def _swapped_certificate(base: Any, validity: Any, b: Any) -> Comparison:
    """``KL(p_beta || a) = kl(alpha || mu_beta)`` (the claim) on balls."""
    ints_ = [int(v) for v in validity]

    def sides() -> tuple[arb, arb]:
        exact_base, beta_ = [d.exact(x, "arb") for x in base], d.exact(b, "arb")
        tilted = d.tilt(exact_base, ints_, beta_)
        return d.kl(tilted, exact_base), d.binary_kl(d.expectation(exact_base, ints_), d.expectation(tilted, ints_))

    return certify("=", sides, instance_point(base, ints_, beta=b))


def _swapped_confirm(a: float, b: float) -> Comparison:
    return _swapped_certificate([a, 1 - a], [1, 0], b)


@SWAPPED.property(alphas(min_value=1e-12, max_value=1 - 1e-12), betas(min_value=1e-2), confirm=_swapped_confirm)
def _swapped_property(a: float, b: float) -> None:
    """The claimed kl(mu_beta || alpha) = kl(alpha || mu_beta), on the float64 closed form and binary KL."""
    m = float(closed_form.validity_rate(a, b))
    budget = float(closed_form.kl_budget(a, m))
    swapped = divergences.binary_kl(a, m)
    assert abs(budget - swapped) <= 1e-9 * (budget + swapped), f"kl(mu||alpha) = {budget!r} but kl(alpha||mu) = {swapped!r}"
