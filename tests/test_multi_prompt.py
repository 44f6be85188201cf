"""One beta for many prompts (claim ``multi-prompt-beta``): the float64 solver
against its mpmath twin, monotonicity, round trips, the one-prompt case and errors.

The solver returns a float64 next to the exact root; how near is bounded by
the conditioning of the equation in the form it is solved:
``|beta - beta_exact| <= 2^-50 beta (1 + kappa)`` with
``kappa = min(g, 1 - target) beta / sum_i w_i mu_i (1 - mu_i)``, ``g = target - sum_i w_i alpha_i``
(relative errors of ``mu_bar - alpha_bar`` or ``1 - mu_bar`` of a few ``2^-53``
move the root by ``kappa`` times as much, relatively).
"""

from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from theory import closed_form, precise
from theory.errors import DomainError, ShapeError
from theory.multi_prompt import (
    beta_for_mean_validity,
    beta_for_mean_validity_mp,
    mean_validity,
    mean_validity_mp,
    per_prompt_beta,
)

DIGITS = 50
RELATIVE_BOUND = 2.0**-50


def pass_rates() -> st.SearchStrategy[float]:
    """Per-prompt pass rates over ``[1e-300, 1 - 1e-15]``, log-uniform in ``alpha`` and in ``1 - alpha``."""
    return st.one_of(
        st.floats(-300, math.log10(0.5)).map(lambda u: 10.0**u),
        st.floats(-15, math.log10(0.5)).map(lambda u: 1.0 - 10.0**u),
    )


@st.composite
def prompt_sets(draw: st.DrawFn) -> tuple[list[float], list[float] | None]:
    """Up to 8 pass rates and, half of the time, positive weights (counts or fractions)."""
    alphas = draw(st.lists(pass_rates(), min_size=1, max_size=8))
    weights = draw(st.none() | st.lists(st.floats(0.01, 100), min_size=len(alphas), max_size=len(alphas)))
    return alphas, weights


def _exact_mean_base_rate(alphas: list[float], weights: list[float] | None) -> Fraction:
    """``sum_i w_i alpha_i`` as an exact rational (feasibility is decided exactly)."""
    weights = [1.0] * len(alphas) if weights is None else weights
    return sum(Fraction(w) * Fraction(a) for w, a in zip(weights, alphas)) / sum(map(Fraction, weights))


@st.composite
def problems(draw: st.DrawFn) -> tuple[list[float], list[float] | None, float]:
    """Prompts and a feasible target, log-uniform in ``target - alpha_bar`` or in ``1 - target``."""
    alphas, weights = draw(prompt_sets())
    mean = _exact_mean_base_rate(alphas, weights)
    fraction = Fraction(10.0 ** -draw(st.floats(0, 12)))
    target = float(mean + (1 - mean) * fraction if draw(st.booleans()) else 1 - (1 - mean) * fraction)
    assume(mean < target < 1)
    return alphas, weights, target


def _condition_number(alphas: list[float], weights: list[float] | None, target: float, beta: mpmath.mpf) -> mpmath.mpf:
    """``kappa = min(g, 1 - target) beta / sum_i w_i mu_i (1 - mu_i)`` at the exact root."""
    normalized = [mpmath.mpf(1) / len(alphas)] * len(alphas) if weights is None else [
        mpmath.mpf(w) / mpmath.fsum(map(mpmath.mpf, weights)) for w in weights
    ]
    mus = [precise.validity_rate(alpha, beta) for alpha in alphas]
    curvature = mpmath.fsum(w * mu * (1 - mu) for w, mu in zip(normalized, mus))
    gap_fraction = Fraction(target) - _exact_mean_base_rate(alphas, weights)
    gap = mpmath.mpf(gap_fraction.numerator) / gap_fraction.denominator
    return min(gap, 1 - mpmath.mpf(target)) * beta / curvature


# --- agreement with mpmath -----------------------------------------------------------


@given(problem=problems())
@example(problem=([0.01, 0.2, 0.5, 0.9], None, 0.5))
@example(problem=([0.01, 0.2, 0.5, 0.9], [1.0, 2.0, 3.0, 4.0], 1 - 1e-12))
@example(problem=([0.969091624454027, 0.9999862733903042], [0.8631297041553336, 4.935647348146686], 0.9953877021821355))
@example(problem=([1e-300, 1 - 1e-15], None, 0.5 + 1e-12))
@example(problem=([1e-19, 1e-19, 1e-25], None, 6.66667e-20))
@example(problem=([0.9999683772233983] * 3, None, 0.9999683772265605))
def test_solver_agrees_with_mpmath(problem: tuple[list[float], list[float] | None, float]) -> None:
    alphas, weights, target = problem
    beta = beta_for_mean_validity(alphas, target, weights)
    with mpmath.workdps(DIGITS):
        exact = beta_for_mean_validity_mp(alphas, target, weights)
        kappa = _condition_number(alphas, weights, target, exact)
        relative_error = abs(beta - exact) / exact
        assert relative_error <= RELATIVE_BOUND * (1 + kappa), (
            f"beta = {beta!r}, exact {mpmath.nstr(exact, 20)}: relative error {mpmath.nstr(relative_error, 3)}, "
            f"kappa {mpmath.nstr(kappa, 3)}"
        )


@given(prompts=prompt_sets(), beta=st.floats(-3, 3).map(lambda u: 10.0**u))
def test_mean_validity_agrees_with_mpmath(prompts: tuple[list[float], list[float] | None], beta: float) -> None:
    alphas, weights = prompts
    value = mean_validity(alphas, beta, weights)
    with mpmath.workdps(DIGITS):
        exact = mean_validity_mp(alphas, beta, weights)
        assert abs(value - exact) <= 4 * len(alphas) * 2.0**-53 * exact


# --- monotonicity, limits, round trip -----------------------------------------------------


@given(prompts=prompt_sets())
def test_mean_validity_decreases_from_one_to_the_mean_base_rate(prompts: tuple[list[float], list[float] | None]) -> None:
    alphas, weights = prompts
    betas = np.logspace(-4, 4, 200)
    values = mean_validity(alphas, betas, weights)
    assert values.shape == betas.shape
    assert np.all(np.diff(values) <= 0)
    with mpmath.workdps(DIGITS):
        exact = [mean_validity_mp(alphas, beta, weights) for beta in (0.01, 0.1, 1, 10, 100)]
        assert all(later < earlier for earlier, later in zip(exact, exact[1:]))
    assert mean_validity(alphas, np.inf, weights) == pytest.approx(float(_exact_mean_base_rate(alphas, weights)), rel=1e-15)
    assert mean_validity(alphas, 1e-6, weights) == 1.0


@given(prompts=prompt_sets(), beta=st.floats(-3, 3).map(lambda u: 10.0**u))
@example(prompts=([0.1, 0.1, 0.1, 1e-87], None), beta=10.0**-2.2109375)
def test_round_trip_beta_to_mean_validity_to_beta(prompts: tuple[list[float], list[float] | None], beta: float) -> None:
    """``beta -> target = mu_bar(beta) -> back``: ``mu_bar`` is monotone, so ``back`` is
    right when ``mu_bar`` brackets ``target`` on ``back (1 -+ eps)``, ``eps`` the solver's
    bound, up to the evaluation error of ``mean_validity``. (``back`` itself may be far
    from ``beta``: rounding ``mu_bar(beta)`` to a float can move the root a lot where
    ``mu_bar`` is flat.)"""
    alphas, weights = prompts
    target = float(mean_validity(alphas, beta, weights))
    assume(_exact_mean_base_rate(alphas, weights) < target < 1)
    back = beta_for_mean_validity(alphas, target, weights)
    with mpmath.workdps(DIGITS):
        epsilon = RELATIVE_BOUND * (1 + float(_condition_number(alphas, weights, target, mpmath.mpf(back))))
    evaluation_error = 4 * len(alphas) * 2.0**-53 * target
    assert mean_validity(alphas, back * (1 + epsilon), weights) - evaluation_error <= target
    assert target <= mean_validity(alphas, back * (1 - epsilon), weights) + evaluation_error


# --- one prompt, per-prompt temperatures, the bracket --------------------------------------


@given(alpha=pass_rates(), fraction=st.floats(0, 12).map(lambda u: 10.0**-u), near_one=st.booleans())
def test_a_single_prompt_reduces_to_beta_for_validity(alpha: float, fraction: float, near_one: bool) -> None:
    """Same root as ``beta_for_validity`` (itself within 1/2 ulp), within the solver's bound."""
    mu = 1 - (1 - alpha) * fraction if near_one else alpha + (1 - alpha) * fraction
    assume(alpha < mu < 1)
    expected = closed_form.beta_for_validity(alpha, mu)
    with mpmath.workdps(DIGITS):
        kappa = float(_condition_number([alpha], None, mu, mpmath.mpf(expected)))
    allowed = RELATIVE_BOUND * expected * (1 + kappa) + np.spacing(expected)
    assert abs(beta_for_mean_validity([alpha], mu) - expected) <= allowed
    assert beta_for_mean_validity([alpha], mu, [7.0]) == beta_for_mean_validity([alpha], mu)
    single = closed_form.validity_rate(alpha, 0.3)
    assert abs(mean_validity([alpha], 0.3) - single) <= np.spacing(single)


def test_per_prompt_beta_is_smaller_for_harder_prompts() -> None:
    alphas = np.array([1e-200, 1e-6, 0.01, 0.3, 0.6, 0.8, 0.95])
    betas = per_prompt_beta(alphas, 0.8)
    assert np.all(np.diff(betas[:5]) > 0)
    assert np.all(np.isinf(betas[5:]))  # alpha_i >= mu: the prompt is above mu at every beta
    np.testing.assert_array_equal(betas[:5], closed_form.beta_for_validity(alphas[:5], 0.8))


@given(problem=problems())
@example(problem=([0.9999683772233983] * 3, None, 0.9999683772265605))
def test_root_lies_between_the_per_prompt_temperatures(problem: tuple[list[float], list[float] | None, float]) -> None:
    """At ``min_i beta_i`` every prompt is at or above the target; when every prompt
    starts below it, at ``max_i beta_i`` every prompt is at or below it."""
    alphas, weights, target = problem
    with mpmath.workdps(DIGITS):
        beta = beta_for_mean_validity_mp(alphas, target, weights)
        betas = [precise.beta_for_validity(alpha, target) for alpha in alphas if alpha < target]
        slack = mpmath.mpf(10) ** (10 - DIGITS)  # the mpmath root itself is this close
        assert beta >= min(betas) * (1 - slack)
        if max(alphas) < target:
            assert beta <= max(betas) * (1 + slack)


def test_weights_are_normalized_by_their_sum() -> None:
    alphas = [0.05, 0.3, 0.7]
    assert beta_for_mean_validity(alphas, 0.8, [1, 1, 2]) == beta_for_mean_validity(alphas, 0.8, [0.25, 0.25, 0.5])
    assert mean_validity(alphas, 0.5, [10, 10, 20]) == pytest.approx(mean_validity(alphas, 0.5, [1, 1, 2]), rel=1e-15)
    assert mean_validity(alphas, 0.5) == pytest.approx(mean_validity(alphas, 0.5, [3, 3, 3]), rel=1e-15)


# --- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("target", "shown"), [(0.3, "0.3"), (0.35, "0.35"), (1.0, "1.0"), (1.5, "1.5")])
def test_target_outside_the_feasible_interval_names_it(target: float, shown: str) -> None:
    message = rf"target must lie in \(the weighted mean base rate sum_i w_i alpha_i, 1\) = \(0\.35, 1\); got {shown}"
    with pytest.raises(DomainError, match=message):
        beta_for_mean_validity([0.1, 0.6], target)
    with mpmath.workdps(DIGITS), pytest.raises(DomainError, match="target must lie in"):
        beta_for_mean_validity_mp([0.1, 0.6], target)


def test_target_nan_is_rejected() -> None:
    with pytest.raises(DomainError, match="target must lie in .*; got NaN"):
        beta_for_mean_validity([0.1, 0.6], math.nan)


@pytest.mark.parametrize("bad", [0.0, 1.0, -0.5, math.nan])
def test_pass_rates_outside_the_open_unit_interval_are_located(bad: float) -> None:
    shown = "NaN" if math.isnan(bad) else repr(bad)
    with pytest.raises(DomainError, match=rf"alphas must lie in \(0, 1\); got {shown} \(at index \(1,\)\)"):
        beta_for_mean_validity([0.2, bad, 0.4], 0.9)
    with pytest.raises(DomainError, match=r"alphas must lie in \(0, 1\)"):
        mean_validity([0.2, bad, 0.4], 1.0)


@pytest.mark.parametrize("bad", [0.0, -1.0, math.inf, math.nan])
def test_weights_must_be_positive_and_finite(bad: float) -> None:
    with pytest.raises(DomainError, match=r"weights must lie in \(0, inf\); got .* \(at index \(0,\)\)"):
        beta_for_mean_validity([0.2, 0.4], 0.9, [bad, 1.0])


def test_shapes_are_checked() -> None:
    with pytest.raises(ShapeError, match=r"weights must have one entry per prompt, shape \(2,\); got shape \(3,\)"):
        mean_validity([0.2, 0.4], 1.0, [1.0, 2.0, 3.0])
    with pytest.raises(ShapeError, match="at least one prompt"):
        beta_for_mean_validity([], 0.9)
    with pytest.raises(ShapeError, match=r"one-dimensional.*shape \(2, 1\)"):
        mean_validity([[0.2], [0.4]], 1.0)
    with mpmath.workdps(DIGITS), pytest.raises(ShapeError, match="one entry per prompt"):
        mean_validity_mp([0.2, 0.4], 1, [1.0])


def test_beta_zero_is_rejected() -> None:
    with pytest.raises(DomainError, match="beta = 0 is not allowed"):
        mean_validity([0.2, 0.4], 0.0)
