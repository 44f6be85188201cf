"""``theory.kl_control`` against the definitions, evaluated with mpmath: the KL budget of the
KL-control optimum, the ``beta`` a budget buys, and the adaptive controller's update.

The reference budget is ``mu log(mu/alpha) + (1 - mu) log((1 - mu)/(1 - alpha))`` with
``mu = alpha e^g/(alpha e^g + 1 - alpha)``, at a precision that covers its cancellation;
the fewest updates are counted one multiplication at a time. Bad input raises
``DomainError`` naming the argument and its range.
"""

from __future__ import annotations

import math

import mpmath
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from theory import kl_control
from theory.errors import DomainError


def budget_mp(alpha: float, gap: mpmath.mpf) -> mpmath.mpf:
    """``kl(mu || alpha)`` at logit gap ``gap`` from the definition (at least 60 digits beyond the
    cancellation of ``mu - alpha`` for a small gap)."""
    with mpmath.workdps(60 + int(max(0, -mpmath.log10(gap))) * 2 + int(gap / 2)):
        a, weight = mpmath.mpf(alpha), mpmath.mpf(alpha) * mpmath.exp(gap)
        mu, one_minus_mu = weight / (weight + 1 - a), (1 - a) / (weight + 1 - a)
        return +(mu * mpmath.log(mu / a) + one_minus_mu * mpmath.log(one_minus_mu / (1 - a)))


ALPHAS = st.one_of(st.floats(1e-300, 1e-3), st.floats(1e-3, 1 - 1e-12))
GAPS = st.one_of(st.floats(1e-12, 1e-2), st.floats(1e-2, 50.0), st.floats(50.0, 1e4))


@settings(max_examples=150, deadline=None)
@given(ALPHAS, GAPS)
@example(1e-300, 1e-12)
@example(0.5, 1e-8)
@example(1 - 1e-12, 3.0)
@example(1e-300, 700.0)
def test_kl_budget_of_gap_matches_the_definition(alpha: float, gap: float) -> None:
    assert kl_control.kl_budget_of_gap(alpha, gap) == pytest.approx(float(budget_mp(alpha, mpmath.mpf(gap))), rel=1e-12)


def test_kl_budget_limits() -> None:
    assert kl_control.kl_budget_of_gap(0.3, math.inf) == -math.log(0.3)
    assert kl_control.kl_budget_of_gap(0.3, 0.0) == 0.0


@settings(max_examples=100, deadline=None)
@given(ALPHAS, st.floats(1e-6, 1 - 1e-6))
@example(1e-300, 0.5)
@example(0.5, 1e-6)
def test_beta_for_kl_budget_spends_the_budget(alpha: float, fraction: float) -> None:
    budget = -math.log(alpha) * fraction
    beta = kl_control.beta_for_kl_budget(alpha, budget)
    gap = 1 / beta
    # the budget's slope in the gap is g mu (1 - mu): a float gap is off by its rounding times that
    with mpmath.workdps(60):
        spent = budget_mp(alpha, mpmath.mpf(gap))
        slope = abs(budget_mp(alpha, mpmath.mpf(gap) * (1 + mpmath.mpf(2) ** -60)) - spent) * 2**60 / gap
    assert abs(spent - budget) <= 4 * math.ulp(gap) * slope + 1e-13 * budget
    with mpmath.workdps(40):
        assert float(kl_control.beta_for_kl_budget_mp(alpha, budget)) == pytest.approx(beta, rel=1e-12)


@pytest.mark.parametrize(("kl", "target", "samples", "horizon", "expected"), [
    (2.0, 1.0, 256, 1e4, 1 + 0.2 * 256 / 1e4),  # clipped above
    (0.1, 1.0, 256, 1e4, 1 - 0.2 * 256 / 1e4),  # clipped below
    (1.1, 1.0, 256, 1e4, 1 + 0.1 * 256 / 1e4),  # proportional
    (1.0, 1.0, 256, 1e4, 1.0),  # at the target
])
def test_controller_multiplier_is_the_clipped_proportional_update(kl: float, target: float, samples: int,
                                                                  horizon: float, expected: float) -> None:
    assert kl_control.controller_multiplier(kl, target, samples, horizon) == pytest.approx(expected, rel=1e-15)


def fewest_updates(start: float, end: float, c: float) -> int:
    count, value = 0, mpmath.mpf(start)
    with mpmath.workdps(60):
        while (end > start and value < end) or (end < start and value > end):
            value *= (1 + c) if end > start else (1 - c)
            count += 1
    return count


@pytest.mark.parametrize(("start", "end", "samples", "horizon"), [
    (0.1, 0.7, 512, 1e4), (0.7, 0.1, 512, 1e4), (0.05, 0.05, 64, 1e3), (1.0, 1.3, 1000, 1e3), (2.0, 0.3, 4000, 1e3),
])
def test_updates_needed_counts_the_largest_steps(start: float, end: float, samples: int, horizon: float) -> None:
    assert kl_control.updates_needed(start, end, samples, horizon) == fewest_updates(start, end, 0.2 * samples / horizon)


def test_sequence_budget_is_the_token_mean_times_the_length() -> None:
    assert kl_control.sequence_budget(0.002, 512) == pytest.approx(1.024, rel=1e-15)


def test_elasticity_is_the_log_slope_of_the_budget() -> None:
    alpha, budget = 0.05, 1.0
    beta = kl_control.beta_for_kl_budget(alpha, budget)
    with mpmath.workdps(50):  # a central difference with step 1e-20: error of order 1e-40
        log_budget = lambda log_beta: mpmath.log(budget_mp(alpha, 1 / mpmath.exp(log_beta)))  # noqa: E731
        step, at = mpmath.mpf("1e-20"), mpmath.log(beta)
        slope = (log_budget(at + step) - log_budget(at - step)) / (2 * step)
    assert kl_control.controller_elasticity(alpha, budget) == pytest.approx(float(-slope), rel=1e-14)


@pytest.mark.parametrize(("call", "fragment"), [
    (lambda: kl_control.beta_for_kl_budget(0.3, 2.0), "KL budget must lie in (0, -log alpha) = (0, 1.20397"),
    (lambda: kl_control.beta_for_kl_budget(0.3, 0.0), "KL budget must lie in (0, -log alpha)"),
    (lambda: kl_control.beta_for_kl_budget(1.0, 0.1), "alpha must lie in (0, 1); got 1.0"),
    (lambda: kl_control.kl_budget_of_gap(0.3, -1.0), "gap must lie in [0, inf]; got -1.0"),
    (lambda: kl_control.controller_multiplier(1.0, 0.0, 1, 10), "target must lie in (0, inf); got 0.0"),
    (lambda: kl_control.controller_step_bounds(50, 10), "samples/horizon must lie in (0, 5)"),
    (lambda: kl_control.updates_needed(0.0, 1.0, 1, 10), "beta_start must lie in (0, inf); got 0.0"),
    (lambda: kl_control.sequence_budget(0.1, float("nan")), "length must lie in (0, inf); got NaN"),
])
def test_bad_input_names_the_argument_and_range(call, fragment: str) -> None:
    with pytest.raises(DomainError) as error:
        call()
    assert fragment in str(error.value)
