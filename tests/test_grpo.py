"""``theory.grpo`` against the definitions of GRPO's KL-regularized step, evaluated with mpmath.

The step tilts the reference policy by ``e^{A/beta}``, ``A = (1 - p)/s`` on valid and
``-p/s`` on invalid outputs, ``s = sqrt(p (1 - p) + eps)``; every reference value here is
that sum over outputs (or its two-block form), never the library's closed form. Bad
input raises ``DomainError`` naming the argument and its range.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from theory import grpo
from theory.errors import DomainError
from theory.problem import BinaryRewardProblem

DIGITS = 80


def step_mp(base: list, valid: list[bool], p: mpmath.mpf, q: mpmath.mpf, beta: float, eps: float) -> list[mpmath.mpf]:
    """``pi_n = pi_ref e^{A/beta}/Z_n`` by summing over the outputs; ``q = 1 - p`` given separately."""
    spread = mpmath.sqrt(p * q + eps)
    weights = [mpmath.mpf(b) * mpmath.exp((q if v else -p) / (spread * beta)) for b, v in zip(base, valid)]
    total = mpmath.fsum(weights)
    return [w / total for w in weights]


def logit_after(alpha: float, beta: float, eps: float, x: mpmath.mpf) -> mpmath.mpf:
    """``logit pi_n(Y1)`` of the two-outcome problem from ``p_{n-1} = sigma(x)``."""
    p, q = 1 / (1 + mpmath.exp(-x)), 1 / (1 + mpmath.exp(x))
    step = step_mp([alpha, 1 - mpmath.mpf(alpha)], [True, False], p, q, beta, eps)
    return mpmath.log(step[0]) - mpmath.log(step[1])


STEPS = st.tuples(st.floats(1e-9, 1 - 1e-9), st.floats(0.05, 20), st.sampled_from([1e-8, 1e-4, 0.01, 1.0]))


@settings(max_examples=60, deadline=None)
@given(st.floats(1e-12, 1 - 1e-9), STEPS)
def test_success_map_is_the_validity_of_the_tilted_step(alpha: float, step: tuple[float, float, float]) -> None:
    p, beta, eps = step
    with mpmath.workdps(DIGITS):
        exact = step_mp([alpha, 1 - mpmath.mpf(alpha)], [True, False], mpmath.mpf(p), 1 - mpmath.mpf(p), beta, eps)
        assert float(grpo.success_map(alpha, beta, p, eps)) == pytest.approx(float(exact[0]), rel=1e-12, abs=1e-300)
        assert float(grpo.failure_map(alpha, beta, p, eps)) == pytest.approx(float(exact[1]), rel=1e-10, abs=1e-300)
        x = math.log(p) - math.log1p(-p)
        assert float(grpo.logit_map(alpha, beta, x, eps)) == pytest.approx(
            float(logit_after(alpha, beta, eps, mpmath.mpf(x))), rel=1e-12, abs=1e-12)


def test_next_policy_keeps_the_valid_conditional() -> None:
    base = np.array([0.1, 0.25, 0.05, 0.3, 0.3])
    valid = np.array([True, False, True, True, False])
    problem = BinaryRewardProblem(base, valid)
    for p, beta, eps in [(0.45, 1.0, 1e-4), (1 - 1e-12, 0.04, 1e-4), (1e-9, 3.0, 1e-6)]:
        log_step = grpo.next_policy(problem, beta, p, eps)
        with mpmath.workdps(DIGITS):
            exact = step_mp(list(base), list(valid), mpmath.mpf(p), 1 - mpmath.mpf(p), beta, eps)
            np.testing.assert_allclose(log_step, [float(mpmath.log(x)) for x in exact], rtol=1e-12, atol=1e-12)
        conditional = log_step[valid] - np.logaddexp.reduce(log_step[valid])
        np.testing.assert_allclose(conditional, np.log(base[valid] / base[valid].sum()), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("x", [-700.0, -30.0, -1.5, 0.0, 0.3, 2.0, 9.2, 40.0, 750.0])
@pytest.mark.parametrize(("beta", "eps"), [(1.0, 1e-4), (0.04, 1e-4), (3.0, 1e-6)])
def test_map_slope_is_the_derivative_of_the_map(x: float, beta: float, eps: float) -> None:
    with mpmath.workdps(DIGITS + int(abs(x))):  # H varies by e^{-|x|} of its size
        exact = mpmath.diff(lambda t: logit_after(0.2, beta, eps, t), mpmath.mpf(x))
        assert float(grpo.map_slope(beta, x, eps)) == pytest.approx(float(exact), rel=1e-10, abs=1e-40)
    assert abs(float(grpo.map_slope(beta, x, eps))) <= grpo.contraction_bound(beta, eps) * (1 + 1e-12)


def sign_changes(alpha: float, beta: float, eps: float, points: int = 4000) -> int:
    """Sign changes of ``x - logit pi_n(Y1)(x)`` on a grid of ``[x_lo - 1, x_hi + 1]`` (definition, mpmath)."""
    logit = math.log(alpha) - math.log1p(-alpha)
    low, high = logit + 1 / (beta * math.sqrt(0.25 + eps)) - 1, logit + 1 / (beta * math.sqrt(eps)) + 1
    with mpmath.workdps(30):
        signs = [x - logit_after(alpha, beta, eps, x) > 0
                 for x in (mpmath.mpf(low) + (high - low) * k / points for k in range(points + 1))]
    return sum(s != t for s, t in zip(signs, signs[1:]))


@pytest.mark.parametrize(("alpha", "beta", "eps", "count"), [
    (0.2, 1.0, 1e-4, 3), (0.01, 1.0, 1e-4, 3), (0.5, 1.0, 1.0, 1), (0.2, 0.04, 1e-4, 1), (0.001, 3.0, 1e-6, 3),
    (0.5, 1.0, 1e-4, 1),
])
def test_fixed_points_are_every_root_of_the_map(alpha: float, beta: float, eps: float, count: int) -> None:
    roots = grpo.fixed_points(alpha, beta, eps)
    assert len(roots) == count == sign_changes(alpha, beta, eps)
    x_lo, x_hi = grpo.location(alpha, beta, eps)
    for root in roots:
        assert x_lo <= root <= x_hi and root > math.log(alpha / (1 - alpha))
        with mpmath.workdps(DIGITS):
            assert abs(logit_after(alpha, beta, eps, mpmath.mpf(root)) - root) <= 1e-13 * (abs(root) + x_hi)
    with mpmath.workdps(40):
        exact = grpo.fixed_points_mp(alpha, beta, eps)
    np.testing.assert_allclose(roots, [float(r) for r in exact], rtol=1e-13)


@pytest.mark.parametrize(("alpha", "beta", "eps"), [(0.2, 1.0, 0.1), (0.2, 0.04, 1e-4), (1e-14, 0.04, 1e-4), (0.9, 5.0, 1.0)])
def test_a_guaranteed_rate_bounds_every_iterate(alpha: float, beta: float, eps: float) -> None:
    rate = grpo.guaranteed_rate(alpha, beta, eps)
    assert rate is not None and 0 <= rate < 1
    (root,) = grpo.fixed_points(alpha, beta, eps)
    with mpmath.workdps(DIGITS):
        x, path = mpmath.mpf(math.log(alpha) - math.log1p(-alpha)), []
        for _ in range(25):
            x = logit_after(alpha, beta, eps, x)
            path.append(x)
        for n, x in enumerate(path):
            assert abs(x - root) <= rate**n * abs(path[0] - root) + 1e-12 * (1 + abs(root))
    np.testing.assert_allclose(grpo.iterate(alpha, beta, eps, 25)[1:], [float(x) for x in path], rtol=1e-13, atol=1e-13)


def test_no_rate_below_the_second_criterion() -> None:
    """At beta = 0.04, eps = 1e-4 the rate needs phi(v(x_lo)) < 2 beta, i.e. p_ref above about 2e-15."""
    assert grpo.guaranteed_rate(1e-14, 0.04, 1e-4) is not None and grpo.guaranteed_rate(1e-15, 0.04, 1e-4) is None


def test_no_rate_where_the_iterates_cycle() -> None:
    assert grpo.guaranteed_rate(0.001, 3.0, 1e-6) is None
    path = grpo.iterate(0.001, 3.0, 1e-6, 400)
    assert abs(path[-1] - path[-2]) > 1 and abs(path[-1] - path[-3]) < 1e-9  # a 2-cycle


def test_advantage_weights_and_effective_temperature() -> None:
    w_plus, w_minus = grpo.advantage_weights(0.2, 1e-4)
    spread = math.sqrt(0.2 * 0.8 + 1e-4)
    assert (w_plus, w_minus) == pytest.approx((0.8 / spread, 0.2 / spread), rel=1e-15)
    assert grpo.effective_temperature(0.5, 0.2, 1e-4) == pytest.approx(0.5 * spread, rel=1e-15)


@pytest.mark.parametrize(("call", "fragment"), [
    (lambda: grpo.success_map(0.2, 1.0, 0.5, 0.0), "eps must lie in (0, inf); got 0.0"),
    (lambda: grpo.success_map(0.2, -1.0, 0.5, 1e-4), "beta must lie in (0, inf); got -1.0"),
    (lambda: grpo.success_map(0.2, 1.0, 1.5, 1e-4), "p must lie in [0, 1]; got 1.5"),
    (lambda: grpo.fixed_points(0.0, 1.0, 1e-4), "alpha must lie in (0, 1); got 0.0"),
    (lambda: grpo.fixed_points(0.2, 1.0, float("nan")), "eps must lie in (0, inf); got NaN"),
    (lambda: grpo.iterate(0.2, 1.0, 1e-4, -1), "steps must be a non-negative integer; got -1"),
    (lambda: grpo.logit_map(0.2, 1.0, float("inf"), 1e-4), "x must lie in (-inf, inf); got inf"),
    (lambda: grpo.contraction_bound(float("inf"), 1e-4), "beta must lie in (0, inf); got inf"),
])
def test_bad_input_names_the_argument_and_range(call, fragment: str) -> None:
    with pytest.raises(DomainError) as error:
        call()
    assert fragment in str(error.value)
