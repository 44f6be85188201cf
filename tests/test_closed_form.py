"""The float64 closed forms against the mpmath reference, in ulps.

Every float64 value is compared with :mod:`theory.precise` at 60 digits:
within 2 ulp (``kl_budget``: 2.5 ulp) when the true value is a normal float,
within ``4 * 2^-1074`` absolute when it is below ``2^-1022`` (underflow to a
subnormal number or 0 is allowed there). Inputs: log-uniform random draws
over the whole domain (Hypothesis, with explicit extreme examples), fixed
extreme grids, broadcasting, and every kind of bad input.

Subnormal ``alpha`` (down to ``5e-324``) lies in ``(0, 1)`` and is accepted;
it is tested with the same bounds although the stated accuracy range starts
at ``alpha = 1e-300``.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from theory import closed_form, precise
from theory.closed_form import ulp_error
from theory.errors import DomainError, ShapeError

DIGITS = 60
SMALLEST_NORMAL = 2.0**-1022
SUBNORMAL_TOLERANCE = 4 * 2.0**-1074
ULP_BOUND = {
    "validity_rate": 2.0,
    "invalidity_rate": 2.0,
    "log_partition": 2.0,
    "optimal_value": 2.0,
    "forward_kl_to_filtered": 2.0,
    "beta_for_validity": 2.0,
    "kl_budget": 2.5,
}
OF_BETA = ["validity_rate", "invalidity_rate", "log_partition", "optimal_value", "forward_kl_to_filtered"]
OF_MU = ["beta_for_validity", "kl_budget"]
ALL = OF_BETA + OF_MU
BELOW_ONE = math.nextafter(1.0, 0.0)


def _exact(name: str, alpha: float, second: float) -> mpmath.mpf:
    with mpmath.workdps(DIGITS):
        second = mpmath.inf if second == math.inf else mpmath.mpf(second)
        return getattr(precise, name)(mpmath.mpf(alpha), second)


def assert_accurate(name: str, alpha: float, second: float, value: float) -> None:
    """``value`` (float64) is within the bound of ``name`` at ``(alpha, second)``."""
    exact = _exact(name, alpha, second)
    where = f"{name}({alpha!r}, {second!r}) = {value!r}, exact {mpmath.nstr(exact, 20)}"
    if exact != 0 and abs(exact) < SMALLEST_NORMAL:
        error = abs(mpmath.mpf(float(value)) - exact)
        assert error <= SUBNORMAL_TOLERANCE, f"{where}: absolute error {mpmath.nstr(error, 3)} below 2^-1022"
        return
    error = ulp_error(value, exact)
    assert error <= ULP_BOUND[name], f"{where}: {error:.3f} ulp > {ULP_BOUND[name]}"


def assert_accurate_on(name: str, alphas: np.ndarray, seconds: np.ndarray) -> None:
    values = getattr(closed_form, name)(alphas, seconds)
    assert values.shape == np.broadcast_shapes(np.shape(alphas), np.shape(seconds))
    for alpha, second, value in zip(*(np.ravel(a) for a in np.broadcast_arrays(alphas, seconds, values))):
        assert_accurate(name, float(alpha), float(second), float(value))


# --- strategies -------------------------------------------------------------


def log_uniform(low_exponent: float, high_exponent: float) -> st.SearchStrategy[float]:
    """``10^u`` with ``u`` uniform in ``[low_exponent, high_exponent]``."""
    return st.floats(low_exponent, high_exponent).map(lambda u: 10.0**u)


def alphas() -> st.SearchStrategy[float]:
    """``alpha`` in ``[1e-300, 1 - 1e-15]``: log-uniform in ``alpha`` below 1/2 and in ``1 - alpha`` above."""
    return st.one_of(
        log_uniform(-300, math.log10(0.5)),
        log_uniform(-15, math.log10(0.5)).map(lambda h: 1.0 - h),
    )


def betas() -> st.SearchStrategy[float]:
    return log_uniform(-6, 6)


@st.composite
def alpha_and_mu_above(draw: st.DrawFn) -> tuple[float, float]:
    """``alpha`` and ``mu`` in ``(alpha, 1)``, log-uniform in ``mu - alpha`` or in ``1 - mu``."""
    alpha = draw(alphas().filter(lambda a: a < BELOW_ONE))
    gap = (1.0 - alpha) * 10.0 ** -draw(st.floats(0, 20))
    mu = alpha + gap if draw(st.booleans()) else 1.0 - gap
    return alpha, min(max(mu, math.nextafter(alpha, 1.0)), BELOW_ONE)


@st.composite
def alpha_and_mu_anywhere(draw: st.DrawFn) -> tuple[float, float]:
    """``alpha`` and ``mu`` in ``[0, 1]``: above ``alpha`` as before, or below it,
    log-uniform in ``alpha - mu`` or in ``mu``."""
    if draw(st.booleans()):
        return draw(alpha_and_mu_above())
    alpha = draw(alphas())
    gap = alpha * 10.0 ** -draw(st.floats(0, 20))
    mu = alpha - gap if draw(st.booleans()) else gap
    return alpha, min(max(mu, 0.0), math.nextafter(alpha, 0.0))


# --- (a) random inputs over the whole domain --------------------------------


@pytest.mark.parametrize("name", OF_BETA)
@given(alpha=alphas(), beta=betas())
@example(alpha=1e-300, beta=1e-6)
@example(alpha=1e-300, beta=1e6)
@example(alpha=1.0 - 1e-15, beta=1e-6)
@example(alpha=1.0 - 1e-15, beta=1e6)
@example(alpha=BELOW_ONE, beta=1 / 709)
@example(alpha=0.5, beta=1 / 710)
def test_functions_of_beta_are_accurate(name: str, alpha: float, beta: float) -> None:
    assert_accurate(name, alpha, beta, getattr(closed_form, name)(alpha, beta))


@given(alpha_mu=alpha_and_mu_above())
@example(alpha_mu=(1e-300, math.nextafter(1e-300, 1.0)))
@example(alpha_mu=(1e-300, BELOW_ONE))
@example(alpha_mu=(1.0 - 1e-15, math.nextafter(1.0 - 1e-15, 1.0)))
@example(alpha_mu=(0.5, math.nextafter(0.5, 1.0)))
@example(alpha_mu=(math.nextafter(0.5, 0.0), 0.5))
def test_beta_for_validity_is_accurate(alpha_mu: tuple[float, float]) -> None:
    alpha, mu = alpha_mu
    assert_accurate("beta_for_validity", alpha, mu, closed_form.beta_for_validity(alpha, mu))


@given(alpha_mu=alpha_and_mu_anywhere())
@example(alpha_mu=(1e-300, 0.0))
@example(alpha_mu=(1e-300, 1.0))
@example(alpha_mu=(7.989772443875876e-52, 1.0))
@example(alpha_mu=(1e-300, math.nextafter(1e-300, 1.0)))
@example(alpha_mu=(1.0 - 1e-15, 0.0))
@example(alpha_mu=(1.0 - 1e-15, BELOW_ONE))
@example(alpha_mu=(0.3, 0.3))
def test_kl_budget_is_accurate(alpha_mu: tuple[float, float]) -> None:
    alpha, mu = alpha_mu
    assert_accurate("kl_budget", alpha, mu, closed_form.kl_budget(alpha, mu))


# --- (b) fixed extreme grids -------------------------------------------------

GRID_ALPHAS = np.array(
    [5e-324, 1e-320, SMALLEST_NORMAL, 1e-300, 1e-150, 1e-20, 1e-3, 0.3, 0.5, 0.7, 1 - 1e-8, 1 - 1e-15, BELOW_ONE]
)
GRID_BETAS = np.array([1e-6, 1 / 710, 1 / 709, 1e-3, 0.1, 1.0, 10.0, 1e3, 1e6])
EXTREME_BETAS = np.array([5e-324, 2.0**-1024, 1e-308, 1e-300, 1e100, 1e300, 2.0**1023, np.finfo(float).max, np.inf])


def _mu_grid(alpha: float) -> list[float]:
    """One ulp above ``alpha``, one ulp below 1, and points log-spaced in ``mu - alpha`` and ``1 - mu``."""
    gaps = (1.0 - alpha) * np.logspace(-18, 0, 10)
    candidates = [math.nextafter(alpha, 1.0), BELOW_ONE, min(2 * alpha, BELOW_ONE), *(alpha + gaps), *(1.0 - gaps)]
    return sorted({min(max(mu, math.nextafter(alpha, 1.0)), BELOW_ONE) for mu in candidates})


@pytest.mark.parametrize("name", OF_BETA)
@pytest.mark.parametrize("betas", [GRID_BETAS, EXTREME_BETAS], ids=["range", "extreme"])
def test_functions_of_beta_on_extreme_grid(name: str, betas: np.ndarray) -> None:
    assert_accurate_on(name, GRID_ALPHAS[:, None], betas[None, :])


@pytest.mark.parametrize("alpha", [a for a in GRID_ALPHAS if a < BELOW_ONE])
def test_beta_for_validity_on_extreme_grid(alpha: float) -> None:
    assert_accurate_on("beta_for_validity", np.float64(alpha), np.array(_mu_grid(alpha)))


@pytest.mark.parametrize("alpha", GRID_ALPHAS)
def test_kl_budget_on_extreme_grid(alpha: float) -> None:
    below = [0.0, 5e-324, alpha / 2, math.nextafter(alpha, 0.0), alpha * (1 - 1e-12)]
    mus = [mu for mu in below if 0 <= mu <= alpha] + [alpha, 1.0] + (_mu_grid(alpha) if alpha < BELOW_ONE else [])
    assert_accurate_on("kl_budget", np.float64(alpha), np.array(mus))


def test_documented_limits() -> None:
    alpha = np.array([1e-300, 0.3, BELOW_ONE])
    np.testing.assert_array_equal(closed_form.validity_rate(alpha, np.inf), alpha)
    np.testing.assert_array_equal(closed_form.log_partition(alpha, np.inf), 0.0)
    np.testing.assert_array_equal(closed_form.optimal_value(alpha, np.inf), alpha)
    np.testing.assert_array_equal(closed_form.beta_for_validity(alpha, alpha), np.inf)
    np.testing.assert_array_equal(closed_form.kl_budget(alpha, alpha), 0.0)
    tiny_beta = 5e-324  # 1/beta overflows
    np.testing.assert_array_equal(closed_form.validity_rate(alpha, tiny_beta), 1.0)
    np.testing.assert_array_equal(closed_form.invalidity_rate(alpha, tiny_beta), 0.0)
    np.testing.assert_array_equal(closed_form.forward_kl_to_filtered(alpha, tiny_beta), 0.0)
    np.testing.assert_array_equal(closed_form.log_partition(alpha, tiny_beta), np.inf)
    np.testing.assert_array_equal(closed_form.optimal_value(alpha, tiny_beta), 1.0)


# --- (c) broadcasting and shapes ---------------------------------------------


@pytest.mark.parametrize("name", ALL)
def test_scalars_give_numpy_scalars(name: str) -> None:
    value = getattr(closed_form, name)(0.3, 0.5)
    assert isinstance(value, np.float64) and np.ndim(value) == 0


@pytest.mark.parametrize("name", ALL)
def test_broadcasting_matches_elementwise_calls(name: str) -> None:
    function = getattr(closed_form, name)
    alphas_ = np.array([[1e-200], [0.2], [0.45]])
    seconds = np.array([0.5, 0.75, 0.999]) if name in OF_MU else np.array([0.01, 1.0, 100.0])
    values = function(alphas_, seconds)
    assert values.shape == (3, 3)
    for i, j in np.ndindex(3, 3):
        assert values[i, j] == function(float(alphas_[i, 0]), float(seconds[j]))
    assert function([0.2, 0.45], seconds[1]).shape == (2,)
    assert function(np.array(0.2), np.array(seconds[1])).shape == ()


@pytest.mark.parametrize("name", ALL)
def test_shapes_that_do_not_broadcast_raise(name: str) -> None:
    seconds = np.array([0.5, 0.6, 0.7, 0.8]) if name in OF_MU else np.array([1.0, 2.0, 3.0, 4.0])
    with pytest.raises(ShapeError, match=r"\(3,\).*\(4,\)"):
        getattr(closed_form, name)(np.array([0.1, 0.2, 0.3]), seconds)


# --- (d) bad input -------------------------------------------------------------


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("alpha", [0.0, 1.0, -1.0, 2.0, math.nan, math.inf])
def test_alpha_outside_the_open_unit_interval_is_rejected(name: str, alpha: float) -> None:
    shown = "NaN" if math.isnan(alpha) else repr(alpha)
    with pytest.raises(DomainError, match=rf"alpha must lie in \(0, 1\); got {shown}"):
        getattr(closed_form, name)(alpha, 0.5)


@pytest.mark.parametrize("name", ALL)
def test_bad_alpha_inside_an_array_is_located(name: str) -> None:
    with pytest.raises(DomainError, match=r"alpha must lie in \(0, 1\); got 0\.0 \(at index \(1,\)\)"):
        getattr(closed_form, name)([0.3, 0.0], 0.5)


@pytest.mark.parametrize("name", OF_BETA)
def test_beta_zero_is_rejected_with_the_reason(name: str) -> None:
    with pytest.raises(DomainError, match=r"beta = 0 is not allowed.*no unique optimum.*\(0, inf\]"):
        getattr(closed_form, name)(0.3, 0.0)


@pytest.mark.parametrize("name", OF_BETA)
@pytest.mark.parametrize(("beta", "shown"), [(-1.0, "-1.0"), (math.nan, "NaN"), (-math.inf, "-inf")])
def test_beta_outside_its_domain_is_rejected(name: str, beta: float, shown: str) -> None:
    with pytest.raises(DomainError, match=rf"beta must lie in \(0, inf\]; got {shown}"):
        getattr(closed_form, name)(0.3, beta)


@pytest.mark.parametrize(
    ("mu", "shown"),
    [(math.nextafter(0.3, 0.0), "0.29999999999999993"), (1.0, "1.0"), (1.5, "1.5"), (-0.1, "-0.1"), (math.nan, "NaN")],
)
def test_beta_for_validity_rejects_mu_outside_the_feasible_interval(mu: float, shown: str) -> None:
    with pytest.raises(DomainError, match=rf"mu must lie in \[alpha, 1\) = \[0\.3, 1\); got {shown}"):
        closed_form.beta_for_validity(0.3, mu)


def test_beta_for_validity_locates_a_bad_mu_in_an_array() -> None:
    with pytest.raises(DomainError, match=r"mu must lie in \[alpha, 1\); got 0\.1 \(at index \(1,\)\)"):
        closed_form.beta_for_validity([0.3, 0.2], [0.5, 0.1])


@pytest.mark.parametrize(("mu", "shown"), [(-0.1, "-0.1"), (1.1, "1.1"), (math.nan, "NaN"), (math.inf, "inf")])
def test_kl_budget_rejects_mu_outside_the_unit_interval(mu: float, shown: str) -> None:
    with pytest.raises(DomainError, match=rf"mu must lie in \[0, 1\]; got {shown}"):
        closed_form.kl_budget(0.3, mu)


@pytest.mark.parametrize("name", ALL)
def test_non_numeric_input_is_rejected(name: str) -> None:
    with pytest.raises(DomainError, match="alpha must be a real number"):
        getattr(closed_form, name)("half", 0.5)


# --- the error measure itself -----------------------------------------------------


def test_ulp_error_uses_the_spacing_of_the_binade() -> None:
    with mpmath.workdps(DIGITS):
        assert ulp_error(1.0, 1 + mpmath.mpf(2) ** -53) == 0.5  # spacing 2^-52 above 1
        assert ulp_error(0.75, mpmath.mpf(0.75) + mpmath.mpf(2) ** -54) == 0.5  # spacing 2^-53 in [1/2, 1)
        assert ulp_error(0.0, mpmath.mpf(2) ** -1075) == 0.5  # subnormal spacing 2^-1074
        assert ulp_error(math.inf, mpmath.mpf(10) ** 309) == 0.0
        assert ulp_error(math.nan, 1) == math.inf
        assert ulp_error(1e-300, 0) == math.inf
