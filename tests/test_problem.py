"""``BinaryRewardProblem`` against brute-force mpmath sums, on random problems and on
extreme ones (masses down to ``1e-300``, ``n`` up to 64, ``beta`` from ``1e-6`` to
``inf``); its mpmath view at 120 digits; and every bad input.

The reference evaluates the definitions literally (``Z = sum_y a(y) e^{v(y)/beta}``,
``p_beta = a e^{v/beta} / Z``, ``mu = sum_{Y1} p_beta``, ``KL(p_* || p_beta)`` as a
sum, ...) on the exactly renormalized base, at 400 digits: a literal sum cancels
(``Z = 1 + 1e-306`` for ``alpha = 1e-300``, ``beta = 1e6``; ``p_*/p_beta = 1 + 1e-300``),
and 400 digits leave more than 60 after the cancellation, down to the float64
underflow threshold.

Accuracy bound (float64, ``u = 2^-53``): every quantity of ``beta`` goes through the
odds ``((1 - alpha)/alpha) e^{-1/beta}``, formed with a relative error of about
``8 u`` (``alpha`` and ``1 - alpha`` two roundings each, their ratio one, ``e^{-1/beta}``
one or two with the rounding error of ``1/beta`` carried along, the product one), and
each later step adds one or two ``u``: the tests use ``16 u`` relative (``log_tilted``:
``16 u (1 + |log p_beta(y)|)`` absolute), plus a few subnormal units for values that
underflow.
"""

from __future__ import annotations

import math
from typing import Any

import mpmath
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from mpmath import mp, mpf

from theory import precise
from theory.errors import DomainError, ShapeError
from theory.problem import BinaryRewardProblem
from theory.strategies import betas, probability_vectors, problems

U = 2.0**-53
SUBNORMAL = 2.0**-1074
BRUTE_DPS = 400
EXTREME_BETAS = [1e-6, 1 / 745, 1 / 700, 1e-2, 1 / 30, 0.5, 1.0, 1e6, math.inf]
SCALARS = ["validity_rate", "invalidity_rate", "forward_kl_to_filtered", "log_partition", "optimal_value"]


def brute_force(base: Any, valid: np.ndarray, beta: Any) -> dict[str, Any]:
    """The definitions, summed literally at the current precision on ``a = base / sum(base)``."""
    raw = [mpf(x) for x in base]
    total = mpmath.fsum(raw)
    a = [x / total for x in raw]
    t = mpf(0) if mpf(beta) == mpmath.inf else 1 / mpf(beta)
    weights = [x * mpmath.exp(t) if v else x for x, v in zip(a, valid)]
    z = mpmath.fsum(weights)
    tilted = [w / z for w in weights]
    alpha = mpmath.fsum(x for x, v in zip(a, valid) if v)
    filtered = [x / alpha if v else mpf(0) for x, v in zip(a, valid)]
    return {
        "alpha": alpha,
        "base": a,
        "filtered": filtered,
        "tilted": tilted,
        "log_tilted": [mpmath.log(x) if x > 0 else mpf("-inf") for x in tilted],
        "validity_rate": mpmath.fsum(x for x, v in zip(tilted, valid) if v),
        "invalidity_rate": mpmath.fsum(x for x, v in zip(tilted, valid) if not v),
        "forward_kl_to_filtered": mpmath.fsum(x * mpmath.log(x / y) for x, y in zip(filtered, tilted) if x > 0),
        "log_partition": mpmath.log(z),
        "optimal_value": alpha if t == 0 else mpf(beta) * mpmath.log(z),
    }


def brute_force_float(problem: BinaryRewardProblem, beta: float) -> dict[str, Any]:
    with mp.workdps(BRUTE_DPS):
        return brute_force([float(x) for x in problem.given_base], problem.valid, beta)


def relative_error(value: Any, reference: mpf) -> mpf:
    return abs(mpf(value) - reference) / abs(reference)


def check_against(problem: BinaryRewardProblem, beta: float) -> None:
    reference = brute_force_float(problem, beta)
    bound = 16 * U
    for name in SCALARS:
        value, expected = getattr(problem, name)(beta), reference[name]
        if abs(expected) < 1e-300:  # at or below the underflow threshold
            assert abs(mpf(value) - expected) <= 4 * SUBNORMAL + bound * abs(expected), name
        else:
            assert relative_error(value, expected) <= bound, f"{name}({beta}): {value!r} vs {mpmath.nstr(expected, 20)}"
    for value, expected in zip(problem.tilted(beta), reference["tilted"]):
        assert abs(mpf(float(value)) - expected) <= bound * expected + 4 * SUBNORMAL, f"tilted({beta})"
    for value, expected in zip(problem.log_tilted(beta), reference["log_tilted"]):
        if expected == -mpmath.inf:
            assert value == -math.inf
        else:
            assert abs(mpf(float(value)) - expected) <= bound * (1 + abs(expected)), f"log_tilted({beta})"


@given(problems(), st.one_of(betas(), st.sampled_from(EXTREME_BETAS)))
def test_float64_quantities_match_the_brute_force_sums(problem: BinaryRewardProblem, beta: float) -> None:
    check_against(problem, beta)


@given(problems())
def test_base_alpha_and_filtered_match_the_brute_force_sums(problem: BinaryRewardProblem) -> None:
    reference = brute_force_float(problem, 1.0)
    assert relative_error(problem.alpha, reference["alpha"]) <= 4 * U
    with mp.workdps(BRUTE_DPS):
        one_minus_alpha = 1 - reference["alpha"]
    assert relative_error(problem.one_minus_alpha, one_minus_alpha) <= 4 * U
    for value, expected in zip(problem.base, reference["base"]):
        assert relative_error(value, expected) <= 2 * U
    for value, expected in zip(problem.filtered, reference["filtered"]):
        assert abs(mpf(float(value)) - expected) <= 4 * U * expected


def extreme_problems() -> list[BinaryRewardProblem]:
    """``alpha`` down to ``1e-300`` and up to ``1 - 1e-300`` (held exactly as ``a(Y0)``),
    masses from ``1e-300`` to near 1, ``n = 2`` and ``n = 64``."""
    tiny = 1e-300
    rng = np.random.default_rng(20260)
    wide = 10.0 ** -rng.uniform(0, 300, size=64)
    wide /= math.fsum(wide)
    return [
        BinaryRewardProblem([tiny, 1.0], [1, 0]),
        BinaryRewardProblem([1.0, tiny], [1, 0]),
        BinaryRewardProblem([tiny, tiny, 1.0], [1, 0, 0]),
        BinaryRewardProblem(wide, np.arange(64) % 3 == 0),
        BinaryRewardProblem(np.full(64, 1 / 64), np.arange(64) < 1),
        BinaryRewardProblem(np.full(64, 1 / 64), np.arange(64) < 63),
        BinaryRewardProblem(np.where(np.arange(64) == 5, 1 - 63e-300, 1e-300), np.arange(64) != 5),
    ]


@pytest.mark.parametrize("beta", EXTREME_BETAS)
@pytest.mark.parametrize("index", range(len(extreme_problems())))
def test_extreme_problems_match_the_brute_force_sums(index: int, beta: float) -> None:
    check_against(extreme_problems()[index], beta)


def test_alpha_near_one_is_resolved_through_the_invalid_mass() -> None:
    """``alpha = 1 - 1e-300`` rounds to 1 in float64, but ``1 - alpha = a(Y0)`` is summed
    directly: ``1 - mu_beta = 1e-300 / (1 - 1e-300 + e)`` at ``beta = 1``."""
    problem = BinaryRewardProblem([1.0, 1e-300], [1, 0])
    assert problem.alpha == 1.0 and problem.one_minus_alpha == 1e-300
    assert problem.invalidity_rate(1.0) == pytest.approx(1e-300 / math.e, rel=8 * U)
    assert problem.invalidity_rate(math.inf) == 1e-300


def test_temperatures_whose_inverse_overflows_give_the_rounded_limits() -> None:
    """For ``beta < 2^-1024``, ``1/beta`` overflows: ``mu = 1``, ``1 - mu = 0``,
    ``-log mu = 0``, ``log Z = inf`` and ``J* = 1 + beta log alpha``, which rounds to 1."""
    problem = BinaryRewardProblem([0.1, 0.2, 0.3, 0.4], [1, 0, 1, 0])
    for beta in (1e-320, 5e-324):
        assert problem.validity_rate(beta) == 1.0 and problem.invalidity_rate(beta) == 0.0
        assert problem.forward_kl_to_filtered(beta) == 0.0 and problem.log_partition(beta) == math.inf
        assert problem.optimal_value(beta) == 1.0
        np.testing.assert_array_equal(problem.tilted(beta), problem.filtered)


# ---- limits and identities ------------------------------------------------------


@given(problems())
def test_beta_infinity_is_the_base_model(problem: BinaryRewardProblem) -> None:
    assert problem.log_partition(math.inf) == 0.0
    assert problem.optimal_value(math.inf) == problem.alpha
    assert problem.validity_rate(math.inf) == pytest.approx(problem.alpha, rel=8 * U)
    np.testing.assert_allclose(problem.tilted(math.inf), problem.base, rtol=8 * U, atol=4 * SUBNORMAL)
    assert problem.objective(problem.filtered, math.inf) == -math.inf  # KL(p_* || a) = -log alpha > 0


def test_the_objective_at_beta_infinity_is_finite_only_at_the_base() -> None:
    problem = BinaryRewardProblem([0.25, 0.5, 0.25], [1, 0, 1])
    assert problem.objective([0.25, 0.5, 0.25], math.inf) == 0.5
    assert problem.objective([0.25, 0.5 - 1e-12, 0.25 + 1e-12], math.inf) == -math.inf


@given(problems(), betas())
def test_tilted_keeps_the_filtered_model_inside_the_valid_set(problem: BinaryRewardProblem, beta: float) -> None:
    """``conditional-invariance``: ``p_beta(. | Y1) = p_*``, ``N_eff(p_beta) = N_eff(p_*)``."""
    tilted, valid = problem.tilted(beta), problem.valid
    mu = problem.validity_rate(beta)
    np.testing.assert_allclose(tilted[valid] / mu, problem.filtered[valid], rtol=4 * U)
    assert problem.n_eff(tilted) == pytest.approx(problem.n_eff(problem.filtered), rel=1e-12)
    assert math.fsum(tilted) == pytest.approx(1.0, abs=32 * U)


@given(problems(max_size=16), betas(min_value=1e-3, max_value=1e3))
def test_the_tilted_distribution_attains_the_optimal_value(problem: BinaryRewardProblem, beta: float) -> None:
    """``gibbs-identity``: ``J_beta(p_beta) = beta log Z_beta``. ``J_beta`` is stationary at
    ``p_beta`` (the objective takes ``q / sum(q)``, so the rounding of ``p_beta`` stays on
    the simplex) and the rest is the rounding of ``E[v]``, of ``beta KL(p_beta || a)``
    and of ``J*``."""
    tilted = problem.tilted(beta)
    kl = problem.kl_to_base(tilted)
    tolerance = 64 * U * (1 + beta * kl)
    assert problem.objective(tilted, beta) == pytest.approx(problem.optimal_value(beta), abs=tolerance)


# ---- the functions of q ----------------------------------------------------------


@st.composite
def problem_and_policy(draw: st.DrawFn) -> tuple[BinaryRewardProblem, np.ndarray]:
    problem = draw(problems(max_size=24))
    return problem, draw(probability_vectors(min_size=problem.n, max_size=problem.n))


@given(problem_and_policy(), st.one_of(betas(), st.just(math.inf)))
def test_objective_kl_and_n_eff_match_the_brute_force_sums(pair: tuple[BinaryRewardProblem, np.ndarray], beta: float) -> None:
    """``q`` and the base are taken as the distributions ``q / sum q`` and ``base / sum base``;
    their sums differ by ``z`` of order ``1e-16``, and ``KL`` is accurate to ``32 u (KL + z^2)``."""
    problem, q = pair
    with mp.workdps(BRUTE_DPS):
        Q, A = [mpf(float(x)) for x in q], [mpf(float(x)) for x in problem.given_base]
        Q, A = [x / mpmath.fsum(Q) for x in Q], [y / mpmath.fsum(A) for y in A]
        kl = mpmath.fsum(x * mpmath.log(x / y) for x, y in zip(Q, A))
        z = float(mpmath.fsum(mpf(float(x)) for x in q) - mpmath.fsum(mpf(float(y)) for y in problem.given_base))
        reward = mpmath.fsum(x for x, v in zip(Q, problem.valid) if v)
        conditional = [x / reward for x, v in zip(Q, problem.valid) if v]
        n_eff = mpmath.exp(-mpmath.fsum(x * mpmath.log(x) for x in conditional))
    kl_bound = 32 * U * (float(kl) + z * z) + 4 * SUBNORMAL
    assert abs(mpf(problem.kl_to_base(q)) - kl) <= kl_bound
    assert relative_error(problem.n_eff(q), n_eff) <= 16 * U * (1 + math.log(problem.n))
    value = problem.objective(q, beta)
    if beta == math.inf:
        assert value == (pytest.approx(float(reward), rel=4 * U) if kl == 0 else -math.inf)
    else:
        expected = reward - mpf(beta) * kl
        assert abs(mpf(value) - expected) <= 4 * U * reward + beta * kl_bound + 2 * U * abs(expected)


def test_zero_base_masses_follow_the_kl_conventions() -> None:
    """An output with ``a(y) = 0`` gets ``p_beta(y) = p_*(y) = 0``; a policy that charges it
    has ``KL(q || a) = +inf`` and ``J_beta(q) = -inf``."""
    problem = BinaryRewardProblem([0.5, 0.0, 0.25, 0.25], [1, 1, 0, 0])
    without = BinaryRewardProblem([0.5, 0.25, 0.25], [1, 0, 0])
    for beta in (1e-6, 0.3, math.inf):
        assert problem.tilted(beta)[1] == 0.0 and problem.log_tilted(beta)[1] == -math.inf
        assert problem.validity_rate(beta) == without.validity_rate(beta)
        np.testing.assert_array_equal(np.delete(problem.tilted(beta), 1), without.tilted(beta))
    assert problem.filtered[1] == 0.0
    assert problem.kl_to_base([0.25, 0.25, 0.25, 0.25]) == math.inf
    assert problem.objective([0.25, 0.25, 0.25, 0.25], 0.5) == -math.inf
    assert problem.n_eff([0.25, 0.25, 0.25, 0.25]) == pytest.approx(2.0, rel=8 * U)


# ---- the mpmath view -------------------------------------------------------------

DECIMAL_BASE = ["1e-300", "0.25", "0.15", "0.3", "0.3"]
DECIMAL_VALID = [1, 0, 1, 0, 1]
DECIMAL_BETAS = ["1e-6", "0.01", "1", "1e6", "inf"]


@pytest.mark.parametrize("beta", DECIMAL_BETAS)
def test_precise_view_at_120_digits_matches_the_brute_force_sums(beta: str) -> None:
    """Masses given as decimal strings, never rounded to float64: the 120-digit values
    agree with 500-digit literal sums to ``16 u``, ``u = 2^-prec``."""
    problem = BinaryRewardProblem(DECIMAL_BASE, DECIMAL_VALID)
    with mp.workdps(120):
        view = problem.precise
        u = mpf(2) ** -mp.prec
        beta_at_120_digits = mpf(beta)  # the temperature the view works with
        with mp.workdps(500):
            reference = brute_force(DECIMAL_BASE, DECIMAL_VALID, beta_at_120_digits)
        bound = 16 * u
        assert relative_error(view.alpha, reference["alpha"]) <= 4 * u
        for name in SCALARS:
            value = getattr(view, name)(beta)
            assert isinstance(value, mpf)
            if abs(reference[name]) <= mpf(10) ** -480:  # what 500 digits cannot resolve in a sum
                assert abs(value) <= mpf(10) ** -480, name  # of O(1) terms: -log mu ~ e^{-1e6} at 1e-6
            else:
                assert relative_error(value, reference[name]) <= bound, name
        for value, expected in zip(view.tilted(beta), reference["tilted"]):
            assert abs(value - expected) <= bound * expected
        for value, expected in zip(view.log_tilted(beta), reference["log_tilted"]):
            assert abs(value - expected) <= bound * (1 + abs(expected))


def test_precise_view_agrees_with_the_closed_forms_of_theory_precise() -> None:
    problem = BinaryRewardProblem(["0.1", "0.2", "0.3", "0.4"], [1, 0, 1, 0])
    with mp.workdps(120):
        view, tolerance = problem.precise, mpf(10) ** -115
        assert abs(view.alpha - mpf("0.4")) <= tolerance  # a float64 detour would leave 1e-17
        for beta in ("1e-6", "0.1", "1", "1e6"):
            for name in SCALARS:
                closed = getattr(precise, name)("0.4", beta)
                assert abs(getattr(view, name)(beta) - closed) <= tolerance * abs(closed), name


def test_precise_view_follows_the_current_precision() -> None:
    problem = BinaryRewardProblem(["0.1", "0.2", "0.3", "0.4"], [1, 0, 1, 0])
    with mp.workdps(20):
        coarse = problem.precise.validity_rate("0.5")
    with mp.workdps(120):
        fine = problem.precise.validity_rate("0.5")
        exact = precise.validity_rate("0.4", "0.5")
        assert abs(fine - exact) <= mpf(10) ** -115 * exact
        assert abs(coarse - exact) > mpf(10) ** -60  # the 20-digit value was not reused


def test_precise_view_keeps_masses_below_the_float64_range() -> None:
    """The valid mass ``1e-400`` underflows float64: the mpmath view works, the float64
    view raises when it is used."""
    problem = BinaryRewardProblem(["1e-400", "1"], [1, 0])
    with mp.workdps(50):
        assert abs(problem.precise.alpha - mpf("1e-400")) <= mpf(10) ** -445
        expected = mpmath.log1p(mpf(1) / (mpf("1e-400") * mpmath.e))
        assert abs(problem.precise.forward_kl_to_filtered(1) - expected) <= mpf(10) ** -45 * expected
    with pytest.raises(DomainError, match=r"empty valid set.*FLOAT64"):
        problem.validity_rate(1.0)


# ---- bad input -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base", "valid", "error", "words"),
    [
        ([[0.5, 0.5]], [1, 0], ShapeError, "base must be a non-empty 1-D vector"),
        ([], [], ShapeError, "base must be a non-empty 1-D vector"),
        ([0.5, math.nan], [1, 0], DomainError, "base must lie in [0, inf); got NaN"),
        ([0.5, math.inf], [1, 0], DomainError, "base must lie in [0, inf); got inf"),
        ([1.5, -0.5], [1, 0], DomainError, "base must lie in [0, inf); got -0.5"),
        ([0.5, 0.4], [1, 0], DomainError, "the sum of base (a probability vector) must lie in [1 - 1e-09, 1 + 1e-09]"),
        (["0.5", "abc"], [1, 0], DomainError, "base[1] must be a real number"),
        (["0.5", "-0.5"], [1, 0], DomainError, "base[1] must lie in [0, inf)"),
        ([0.5, 0.5], [1, 0, 1], ShapeError, "valid must have the length of base (2)"),
        ([0.5, 0.5], [[1, 0]], ShapeError, "valid must be a 1-D vector"),
        ([0.5, 0.5], [1, 0.5], DomainError, "valid[1] must be 0, 1 or a boolean"),
        ([0.5, 0.5], [2, 0], DomainError, "valid[0] must be 0, 1 or a boolean"),
        ([0.5, 0.5], [1, math.nan], DomainError, "valid[1] must be 0, 1 or a boolean"),
        ([0.5, 0.5], ["1", 0], DomainError, "valid[0] must be 0, 1 or a boolean"),
        ([0.5, 0.5], [0, 0], DomainError, "empty valid set"),
        ([0.5, 0.5], [1, 1], DomainError, "everything valid"),
        ([0.0, 1.0], [1, 0], DomainError, "empty valid set"),
        ([1.0, 0.0], [1, 0], DomainError, "everything valid"),
    ],
)
def test_bad_problems_raise_an_error_naming_the_problem(base, valid, error, words) -> None:
    with pytest.raises(error) as info:
        BinaryRewardProblem(base, valid)
    assert words in str(info.value)


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda p: p.tilted(0.0), DomainError, "beta = 0 is not allowed"),
        (lambda p: p.validity_rate(-1.0), DomainError, "beta must lie in (0, inf]"),
        (lambda p: p.log_partition(math.nan), DomainError, "beta must lie in (0, inf]; got NaN"),
        (lambda p: p.precise.tilted("0"), DomainError, "beta = 0 is not allowed"),
        (lambda p: p.kl_to_base([0.5, 0.5, 0.0]), ShapeError, "q must have one mass per output (length 4)"),
        (lambda p: p.objective([0.5, 0.5, 0.5, 0.5], 1.0), DomainError, "the sum of q"),
        (lambda p: p.objective([0.5, 0.5, 0.5, -0.5], 1.0), DomainError, "q must lie in [0, inf)"),
        (lambda p: p.n_eff([0.0, 0.5, 0.0, 0.5]), DomainError, "n_eff(q) needs q(Y1) > 0"),
    ],
)
def test_bad_arguments_raise_an_error_naming_the_argument(call, error, words) -> None:
    problem = BinaryRewardProblem([0.1, 0.2, 0.3, 0.4], [1, 0, 1, 0])
    with pytest.raises(error) as info:
        call(problem)
    assert words in str(info.value)
