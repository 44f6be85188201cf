"""The Hypothesis strategies of :mod:`theory.strategies`: every drawn object keeps its
contract and is accepted by the functions it is meant for (the float64 and mpmath
closed forms, ``BinaryRewardProblem`` in both views), bad arguments raise
``InvalidArgument`` naming the argument and its range, the extremes are reachable,
and examples shrink to the simple ones."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from theory import closed_form, precise
from theory.problem import BinaryRewardProblem
from theory.strategies import MAX_ALPHA, alphas, betas, probability_vectors, problems, validity_masks, validity_targets

SEARCH = settings(max_examples=5000, database=None)
ACCEPTANCE = settings(max_examples=2000, derandomize=True, database=None, deadline=None)
PROBLEM_ACCEPTANCE = settings(ACCEPTANCE, max_examples=1000)  # a problem costs ten times more to draw
RATES = ("validity_rate", "invalidity_rate", "log_partition", "optimal_value", "forward_kl_to_filtered")


def assert_probability_vector(vector: np.ndarray, min_size: int, max_size: int, min_mass: float) -> None:
    assert isinstance(vector, np.ndarray) and vector.dtype == np.float64 and vector.ndim == 1
    assert min_size <= vector.size <= max_size
    assert np.all(np.isfinite(vector)) and np.all(vector >= min_mass)
    assert abs(math.fsum(vector) - 1) <= vector.size * 2.0**-53


# ---- contracts -------------------------------------------------------------------


@given(probability_vectors())
def test_probability_vectors_are_normalized_with_every_mass_above_the_floor(vector: np.ndarray) -> None:
    assert_probability_vector(vector, 2, 64, 1e-300)


@given(probability_vectors(min_size=5, max_size=7, min_mass=1e-3))
def test_probability_vectors_respect_custom_bounds(vector: np.ndarray) -> None:
    assert_probability_vector(vector, 5, 7, 1e-3)


@given(probability_vectors(min_size=4, max_size=4, min_mass=0.25))
def test_the_largest_floor_allows_only_the_uniform_vector(vector: np.ndarray) -> None:
    np.testing.assert_array_equal(vector, np.full(4, 0.25))


@given(st.integers(2, 64).flatmap(lambda size: st.tuples(st.just(size), validity_masks(size))))
def test_validity_masks_have_a_valid_and_an_invalid_output(pair: tuple[int, np.ndarray]) -> None:
    size, mask = pair
    assert mask.dtype == bool and mask.shape == (size,)
    assert mask.any() and not mask.all()


@given(problems())
def test_problems_are_valid_binary_reward_problems(problem: BinaryRewardProblem) -> None:
    assert isinstance(problem, BinaryRewardProblem)
    assert 2 <= problem.n <= 64
    assert 0 < problem.alpha <= MAX_ALPHA and 0 < problem.one_minus_alpha <= 1  # 1 - alpha may round to 1
    assert problem.alpha + problem.one_minus_alpha == pytest.approx(1.0, rel=2.0**-51)
    assert np.all(problem.base >= 1e-300)


@given(betas())
def test_betas_lie_in_their_interval(beta: float) -> None:
    assert 1e-6 <= beta <= 1e6


@given(betas(min_value=0.5, max_value=0.5))
def test_betas_with_equal_bounds_give_that_bound(beta: float) -> None:
    assert beta == 0.5


@given(alphas())
def test_alphas_lie_in_their_interval(alpha: float) -> None:
    assert 1e-300 <= alpha <= 1 - 1e-15


@given(alphas(min_value=0.7, max_value=0.9))
def test_alphas_on_one_side_of_one_half(alpha: float) -> None:
    assert 0.7 <= alpha <= 0.9


@given(alphas().flatmap(lambda alpha: st.tuples(st.just(alpha), validity_targets(alpha))))
def test_validity_targets_lie_strictly_between_alpha_and_one(pair: tuple[float, float]) -> None:
    alpha, mu = pair
    assert alpha < mu < 1


# ---- acceptance: what the strategies draw, the library takes ---------------------


def assert_closed_forms_accept(alpha: float, beta: float, mu: float) -> None:
    """Every float64 and mpmath closed form takes ``(alpha, beta)`` or ``(alpha, mu)``
    and returns a number, never NaN."""
    for module in (closed_form, precise):
        values = [getattr(module, name)(alpha, beta) for name in RATES]
        values += [module.beta_for_validity(alpha, mu), module.kl_budget(alpha, mu)]
        assert not any(math.isnan(value) for value in values), (module.__name__, alpha, beta, mu, values)


@PROBLEM_ACCEPTANCE
@given(problems(), betas(), st.data())
def test_every_drawn_problem_is_accepted_by_the_closed_forms_and_both_views(
    problem: BinaryRewardProblem, beta: float, data: st.DataObject
) -> None:
    """``problems`` builds each problem from ``probability_vectors`` and ``validity_masks``,
    so this also checks that ``BinaryRewardProblem`` takes what those two draw."""
    assert 0 < problem.alpha <= MAX_ALPHA and type(problem.alpha) is float
    assert_closed_forms_accept(problem.alpha, beta, data.draw(validity_targets(problem.alpha)))
    for view in (problem, problem.precise):  # the methods share one check of beta and the problem
        assert not math.isnan(view.validity_rate(beta)) and not math.isnan(view.optimal_value(beta))
        assert view.tilted(beta).size == problem.n
    assert problem.kl_to_base(problem.given_base) == 0


@ACCEPTANCE
@given(alphas(), betas(), st.data())
def test_every_drawn_alpha_beta_and_target_is_accepted_by_the_closed_forms(alpha: float, beta: float, data: st.DataObject) -> None:
    assert_closed_forms_accept(alpha, beta, data.draw(validity_targets(alpha)))


def test_a_problem_whose_alpha_rounds_to_one_is_never_drawn() -> None:
    """The problem that used to be drawn: ``alpha = 1/(1 + 1e-16)`` is 1.0 in float64, which
    the float64 closed forms reject; the strategy negates its mask instead."""
    assert BinaryRewardProblem([1.0, 1e-16], [1, 0]).alpha == 1.0
    problem = find(problems(max_size=2), lambda p: p.base.min() < 1e-16, settings=SEARCH)
    assert 0 < problem.alpha <= MAX_ALPHA


# ---- argument validation ---------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "words"),
    [
        (lambda: probability_vectors(min_size=1), "min_size=1 must be at least 2"),
        (lambda: probability_vectors(min_size=2.0), "min_size=2.0 must be an integer"),
        (lambda: probability_vectors(min_size=True), "min_size=True must be an integer"),
        (lambda: probability_vectors(min_size=5, max_size=4), "max_size=4 must be at least min_size=5"),
        (lambda: probability_vectors(min_mass=0.0), "min_mass=0.0 must be a finite number in (0, 1/max_size]"),
        (lambda: probability_vectors(max_size=4, min_mass=0.3), "min_mass=0.3 must be a finite number in (0, 1/max_size] = (0, 0.25]"),
        (lambda: probability_vectors(min_mass=math.nan), "min_mass=nan"),
        (lambda: probability_vectors(min_mass="1e-3"), "min_mass='1e-3' must be a real number"),
        (lambda: validity_masks(1), "size=1 must be at least 2"),
        (lambda: problems(min_size=0), "min_size=0 must be at least 2"),
        (lambda: problems(min_mass=-1e-3), "min_mass=-0.001"),
        (lambda: betas(min_value=0.0), "min_value=0.0 must be a finite number in (0, inf)"),
        (lambda: betas(min_value=-1.0), "min_value=-1.0"),
        (lambda: betas(max_value=math.inf), "max_value=inf must be a finite number"),
        (lambda: betas(min_value=2.0, max_value=1.0), "max_value=1.0 must be a finite number in [min_value, inf) = [2.0, inf)"),
        (lambda: alphas(min_value=0.0), "min_value=0.0 must be a finite number in (0, 1)"),
        (lambda: alphas(max_value=1.0), "max_value=1.0 must be a finite number in [min_value, 1)"),
        (lambda: alphas(min_value=0.5, max_value=0.25), "max_value=0.25"),
        (lambda: validity_targets(0.0), "alpha=0.0 must be a finite number in (0, 1)"),
        (lambda: validity_targets(1.0), "alpha=1.0"),
        (lambda: validity_targets(math.nan), "alpha=nan"),
        (lambda: validity_targets(math.nextafter(1.0, 0.0)), "leaves no float in (alpha, 1)"),
    ],
)
def test_bad_arguments_raise_invalid_argument_naming_the_argument(build, words) -> None:
    with pytest.raises(InvalidArgument) as info:
        build().validate()
    assert words in str(info.value)


# ---- spread: the extremes are reachable ------------------------------------------


def test_probability_vectors_reach_masses_below_1e_200() -> None:
    assert find(probability_vectors(), lambda v: v.min() < 1e-200, settings=SEARCH).min() < 1e-200


def test_probability_vectors_reach_a_dominant_mass_above_0_99() -> None:
    assert find(probability_vectors(), lambda v: v.max() > 0.99, settings=SEARCH).max() > 0.99


def test_problems_reach_both_tails_of_alpha() -> None:
    assert find(problems(), lambda p: p.alpha < 1e-100, settings=SEARCH).alpha < 1e-100
    assert find(problems(), lambda p: p.one_minus_alpha < 1e-12, settings=SEARCH).alpha <= MAX_ALPHA


def test_betas_reach_both_ends_of_the_interval() -> None:
    assert find(betas(), lambda b: b < 1e-5, settings=SEARCH) < 1e-5
    assert find(betas(), lambda b: b > 1e5, settings=SEARCH) > 1e5


def test_alphas_reach_both_tails() -> None:
    assert find(alphas(), lambda a: a < 1e-250, settings=SEARCH) < 1e-250
    assert find(alphas(), lambda a: 1 - a < 1e-14, settings=SEARCH) < 1


@pytest.mark.parametrize("alpha", [1e-300, 0.3, 1 - 1e-15])
def test_validity_targets_reach_the_float_next_to_each_end(alpha: float) -> None:
    assert find(validity_targets(alpha), lambda mu: mu == math.nextafter(alpha, 1.0), settings=SEARCH)
    assert find(validity_targets(alpha), lambda mu: mu == math.nextafter(1.0, 0.0), settings=SEARCH)


def test_validity_targets_spread_logarithmically_near_alpha_and_near_one() -> None:
    alpha = 1e-300
    low = math.nextafter(alpha, 1.0)
    near_alpha = find(validity_targets(alpha), lambda mu: low < mu < 1e-200, settings=SEARCH)
    assert alpha < near_alpha < 1e-200
    near_one = find(validity_targets(alpha), lambda mu: 1e-14 > 1 - mu > 2.0**-53, settings=SEARCH)
    assert 1 - near_one < 1e-14


# ---- shrinking -------------------------------------------------------------------


def test_probability_vectors_shrink_to_the_uniform_vector_of_the_smallest_size() -> None:
    np.testing.assert_array_equal(find(probability_vectors(), lambda v: True), [0.5, 0.5])
    np.testing.assert_array_equal(find(probability_vectors(), lambda v: v.size >= 5), np.full(5, 0.2))


def test_problems_shrink_to_the_two_output_problem_with_alpha_one_half() -> None:
    problem = find(problems(), lambda p: True)
    assert problem.n == 2 and problem.alpha == 0.5


def test_betas_and_alphas_shrink_to_one_and_one_half() -> None:
    assert find(betas(), lambda b: True) == 1.0
    assert find(alphas(), lambda a: True) == 0.5
