"""Exact policy-gradient flows: gradients against mpmath, the entropy identity, the
discrete tilt, the KL fixed point, the natural-gradient identity, the REINFORCE
variance decomposition and the integrator on problems with known solutions."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest

from theory.errors import DomainError, ShapeError
from theory.sequences.base_models import log_softmax
from theory.sequences.divergences import kl_divergence_from_logs as kl_divergence
from theory.sequences.flows import (
    dormand_prince,
    iterate_steps,
    kl_control_gradient,
    kl_gradient,
    natural_gradient_step,
    pg_flow,
    reinforce_signal,
    reinforce_signal_variance,
    reward_gradient,
    reward_gradient_step,
    valid_entropy_rate,
)
from theory.sequences.metrics import n_eff, valid_conditional_log, validity
from theory.sequences.targets import log_filtered, log_tilted

mpmath.mp.dps = 40
VALID = np.array([True, False, True, True, False, True, False])
SEEDS = range(6)


def _state(seed: int, scale: float = 2.0, size: int = VALID.size) -> np.ndarray:
    """Random logits; the scale spreads the probabilities over several orders of magnitude."""
    return np.random.default_rng(seed).normal(0.0, scale, size)


def _base(seed: int) -> np.ndarray:
    return log_softmax(_state(100 + seed, 1.0))


# --- mpmath references -------------------------------------------------------------


def _mp_softmax(theta):
    weights = [mpmath.exp(x) for x in theta]
    total = mpmath.fsum(weights)
    return [w / total for w in weights]


def _mp_objective(theta, log_a, beta):
    """``J_beta(q) = E_q[v] - beta KL(q || a)`` (``beta = 0``: ``E_q[v]``)."""
    q = _mp_softmax(theta)
    reward = mpmath.fsum(p for p, good in zip(q, VALID) if good)
    kl = mpmath.fsum(p * (mpmath.log(p) - mpmath.mpf(la)) for p, la in zip(q, log_a))
    return reward - beta * kl


def _mp_gradient(function, theta):
    theta = [mpmath.mpf(x) for x in theta]

    def partial(y):
        return mpmath.diff(lambda x: function(theta[:y] + [x] + theta[y + 1 :]), theta[y])

    return np.array([float(partial(y)) for y in range(len(theta))])


# --- gradients ---------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_reward_gradient_matches_mpmath(seed):
    theta = _state(seed)
    expected = _mp_gradient(lambda t: _mp_objective(t, np.zeros(VALID.size), 0), theta)
    np.testing.assert_allclose(reward_gradient(theta, VALID), expected, rtol=1e-13, atol=1e-16)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("beta", [2.0, 0.3, 0.01])
def test_kl_control_gradient_matches_mpmath(seed, beta):
    theta, log_a = _state(seed), _base(seed)
    expected = _mp_gradient(lambda t: _mp_objective(t, log_a, mpmath.mpf(beta)), theta)
    scale = np.max(np.abs(expected))
    np.testing.assert_allclose(kl_control_gradient(theta, log_a, VALID, beta), expected, rtol=0, atol=1e-13 * scale)


@pytest.mark.parametrize("seed", SEEDS)
def test_kl_gradient_matches_mpmath(seed):
    theta, log_a = _state(seed), _base(seed)
    expected = -_mp_gradient(lambda t: _mp_objective(t, log_a, 1) - _mp_objective(t, log_a, 0), theta)
    np.testing.assert_allclose(kl_gradient(theta, log_a), expected, rtol=0, atol=1e-13 * np.max(np.abs(expected)))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("beta", [1.0, 0.05])
def test_kl_control_gradient_is_the_tilted_kl_form(seed, beta):
    """``grad J_beta = -beta q (log(q/p_beta) - KL(q || p_beta))`` (Gibbs identity)."""
    theta, log_a = _state(seed), _base(seed)
    log_q, log_p = log_softmax(theta), log_tilted(log_a, VALID, beta)
    q = np.exp(log_q)
    expected = -beta * q * (log_q - log_p - kl_divergence(log_q, log_p))
    np.testing.assert_allclose(kl_control_gradient(theta, log_a, VALID, beta), expected, atol=1e-14)


def test_kl_control_gradient_vanishes_exactly_at_p_beta():
    log_a = _base(0)
    for beta in (3.0, 0.2, 0.02):
        gradient = kl_control_gradient(log_tilted(log_a, VALID, beta), log_a, VALID, beta)
        assert np.max(np.abs(gradient)) < 1e-15


def test_reward_gradient_keeps_full_relative_accuracy_near_collapse():
    """``1 - mu`` is summed from the invalid side: no cancellation at ``1 - mu = 1e-30``."""
    theta = np.where(VALID, 0.0, -70.0)
    invalid = validity(log_softmax(theta), ~VALID)
    gradient = reward_gradient(theta, VALID)
    q = np.exp(log_softmax(theta))
    np.testing.assert_allclose(gradient[VALID], q[VALID] * invalid, rtol=1e-14)


# --- the sharpening identities -------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_conditional_log_rate(seed):
    """On ``Y1``: ``d log r_y/dt = mu (1 - mu) (r_y - sum_z r_z^2)`` along the reward flow."""
    theta = _state(seed)
    log_q = log_softmax(theta)
    r = np.exp(valid_conditional_log(log_q, VALID))
    mu = validity(log_q, VALID)
    velocity = reward_gradient(theta, VALID)[VALID]
    np.testing.assert_allclose(velocity - r @ velocity, mu * (1 - mu) * (r - r @ r), atol=1e-15)


def _mp_valid_entropy(theta):
    q = [p for p, good in zip(_mp_softmax(theta), VALID) if good]
    total = mpmath.fsum(q)
    return -mpmath.fsum(p / total * mpmath.log(p / total) for p in q)


@pytest.mark.parametrize("seed", range(10))
def test_entropy_rate_matches_the_derivative_along_the_flow(seed):
    theta = _state(seed, scale=[0.3, 1.0, 3.0][seed % 3])
    direction = _mp_gradient(lambda t: _mp_objective(t, np.zeros(VALID.size), 0), theta)
    theta_mp = [mpmath.mpf(x) for x in theta]
    derivative = mpmath.diff(lambda s: _mp_valid_entropy([x + s * d for x, d in zip(theta_mp, direction)]), 0)
    rate = valid_entropy_rate(log_softmax(theta), VALID)
    assert rate <= 0
    assert rate == pytest.approx(float(derivative), rel=1e-11, abs=1e-16)


def test_entropy_rate_is_zero_exactly_when_r_is_uniform():
    theta = np.where(VALID, 0.7, -0.4)
    assert valid_entropy_rate(log_softmax(theta), VALID) == pytest.approx(0.0, abs=1e-17)
    theta[0] += 1e-3
    assert valid_entropy_rate(log_softmax(theta), VALID) < 0


@pytest.mark.parametrize("eta", [0.1, 1.0, 10.0, 100.0, 1000.0])
@pytest.mark.parametrize("seed", SEEDS)
def test_discrete_step_tilts_r_by_an_increasing_function(seed, eta):
    """One exact step: ``r'_y propto r_y exp(eta mu (1 - mu) r_y)``, hence ``H(r') <= H(r)``."""
    theta = _state(seed)
    log_q = log_softmax(theta)
    log_r, mu = valid_conditional_log(log_q, VALID), validity(log_q, VALID)
    expected = log_r + eta * mu * (1 - mu) * np.exp(log_r)
    expected -= np.log(np.sum(np.exp(expected - expected.max()))) + expected.max()
    stepped = log_softmax(reward_gradient_step(theta, VALID, eta))
    np.testing.assert_allclose(valid_conditional_log(stepped, VALID), expected, atol=1e-12 * max(1.0, eta))
    assert n_eff(stepped, VALID) <= n_eff(log_q, VALID)


# --- natural gradient ----------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_natural_gradient_from_a_passes_through_p_beta(seed):
    log_a = _base(seed)
    etas = np.random.default_rng(seed).exponential(0.5, 40)
    _, path = iterate_steps(lambda log_q, eta: natural_gradient_step(log_q, VALID, eta), log_a, etas, lambda x: x)
    log_p_star = log_filtered(log_a, VALID)[VALID]
    for log_q, total in zip(path[1:], np.cumsum(etas)):
        np.testing.assert_allclose(log_q, log_tilted(log_a, VALID, 1.0 / total), rtol=0, atol=1e-13)
        np.testing.assert_allclose(valid_conditional_log(log_q, VALID), log_p_star, rtol=0, atol=1e-13)


# --- the REINFORCE signal ------------------------------------------------------------


def _mp_signal_variance_decomposition(log_q, log_a, beta):
    q = [mpmath.exp(mpmath.mpf(x)) for x in log_q]
    total = mpmath.fsum(q)
    q = [p / total for p in q]
    ratio = [mpmath.log(p) - mpmath.mpf(la) for p, la in zip(q, log_a)]
    v = [mpmath.mpf(int(good)) for good in VALID]

    def mean(values):
        return mpmath.fsum(p * x for p, x in zip(q, values))

    def cov(first, second):
        return mean([x * y for x, y in zip(first, second)]) - mean(first) * mean(second)

    mu = mean(v)
    return cov(ratio, ratio) - 2 * cov(ratio, v) / beta + mu * (1 - mu) / beta**2


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("beta", [5.0, 0.5, 0.01, 1e-4])
def test_reinforce_variance_matches_the_decomposition(seed, beta):
    log_q, log_a = log_softmax(_state(seed)), _base(seed)
    expected = float(_mp_signal_variance_decomposition(log_q, log_a, mpmath.mpf(beta)))
    assert reinforce_signal_variance(log_q, log_a, VALID, beta) == pytest.approx(expected, rel=1e-12)


def test_reinforce_variance_grows_like_one_over_beta_squared():
    log_q, log_a = log_softmax(_state(0)), _base(0)
    mu = validity(log_q, VALID)
    scaled = [beta**2 * reinforce_signal_variance(log_q, log_a, VALID, beta) for beta in (1e-2, 1e-4, 1e-6)]
    assert scaled[-1] == pytest.approx(mu * (1 - mu), rel=1e-5)
    assert abs(scaled[2] - mu * (1 - mu)) < abs(scaled[1] - mu * (1 - mu)) < abs(scaled[0] - mu * (1 - mu))


def test_reinforce_signal_is_constant_at_p_beta_and_exact_at_a():
    """At ``q = p_beta``: ``g = -log Z_beta`` (zero variance); at ``q = a``: ``Var = alpha (1 - alpha)/beta^2``."""
    log_a = _base(1)
    alpha = validity(log_a, VALID)
    for beta in (2.0, 0.1):
        log_p = log_tilted(log_a, VALID, beta)
        log_partition = math.log1p(alpha * math.expm1(1 / beta))
        np.testing.assert_allclose(reinforce_signal(log_p, log_a, VALID, beta), -log_partition, atol=1e-13)
        variance = reinforce_signal_variance(log_a, log_a, VALID, beta)
        assert variance == pytest.approx(alpha * (1 - alpha) / beta**2, rel=1e-13)


# --- the integrator ------------------------------------------------------------------


def test_dormand_prince_on_a_rotation():
    """``y'' = -y`` from ``(1, 0)``: ``y = (cos t, -sin t)``, to ``t = 20``."""
    for tolerance in (1e-8, 1e-11):
        path = dormand_prince(lambda y: np.array([y[1], -y[0]]), np.array([1.0, 0.0]), 20.0,
                              tolerance=tolerance, checkpoints=(5.0, 12.5))
        for t, state in {**path.checkpoint_states, 20.0: path.final_state}.items():
            np.testing.assert_allclose(state, [math.cos(t), -math.sin(t)], rtol=0, atol=200 * tolerance)
        assert path.times[-1] == 20.0


def test_dormand_prince_lands_on_checkpoints_and_records_every_step():
    path = dormand_prince(lambda y: -y, np.ones(3), 10.0, checkpoints=(0.5, 2.0), observe=lambda y: [y[0]])
    assert {0.5, 2.0} <= set(path.times.tolist())
    assert path.observations.shape == (path.times.size, 1)
    np.testing.assert_allclose(path.observations[:, 0], np.exp(-path.times), rtol=0, atol=1e-9)
    assert np.all(np.diff(path.times) > 0)


def test_dormand_prince_reports_exhausted_steps():
    with pytest.raises(DomainError, match="max_steps"):
        dormand_prince(lambda y: -y, np.ones(1), 1e3, max_steps=3)


def test_two_output_flow_matches_its_closed_form():
    """``n = 2``, ``Y1 = {1}``: ``x = theta_1 - theta_0`` obeys ``x' = 2 sigma(x) sigma(-x)``,
    solved by ``x + sinh x = t + x_0 + sinh x_0``; then ``t (1 - mu_t) -> 1/2``."""
    valid = np.array([False, True])
    theta0 = np.array([0.3, -0.5])
    checkpoints = (0.1, 1.0, 10.0, 1e2, 1e4, 1e6)
    path = pg_flow(theta0, valid, 1e6, tolerance=1e-12, checkpoints=checkpoints)
    x0 = theta0[1] - theta0[0]
    for t in checkpoints:
        x = path.checkpoint_states[t][1] - path.checkpoint_states[t][0]
        residual = (x + math.sinh(x)) - (t + x0 + math.sinh(x0))
        assert abs(residual) <= 1e-9 * (t + 1)
    invalid = validity(log_softmax(path.final_state), ~valid)
    assert 1e6 * invalid == pytest.approx(0.5, rel=1e-4)


def _rk4(field, y, t_end, steps):
    h = t_end / steps
    for _ in range(steps):
        k1 = field(y)
        k2 = field(y + h / 2 * k1)
        k3 = field(y + h / 2 * k2)
        k4 = field(y + h * k3)
        y = y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    return y


@pytest.mark.parametrize("beta", [None, 0.2])
def test_pg_flow_matches_a_small_step_reference(beta):
    theta0, log_a = _state(3), _base(3)
    if beta is None:
        field = lambda theta: reward_gradient(theta, VALID)  # noqa: E731
    else:
        field = lambda theta: kl_control_gradient(theta, log_a, VALID, beta)  # noqa: E731
    reference = _rk4(field, theta0, 8.0, 4000)
    path = pg_flow(theta0, VALID, 8.0, log_a=log_a, beta=beta, tolerance=1e-11)
    np.testing.assert_allclose(log_softmax(path.final_state), log_softmax(reference), rtol=0, atol=1e-9)


@pytest.mark.parametrize("seed", range(3))
def test_kl_flow_ends_at_p_beta_with_j_never_decreasing(seed):
    """``KL(q_t || p_beta)`` decreases (``dJ_beta/dt >= 0``) to 0, up to the float64 rounding
    of ``KL`` itself, ``8 eps E_q[|log q| + |log p_beta|]``."""
    theta0, log_a = _state(seed), _base(seed)
    beta = 0.5
    log_p = log_tilted(log_a, VALID, beta)
    eps = np.finfo(np.float64).eps

    def observe(log_q):
        return [kl_divergence(log_q, log_p), 8 * eps * np.exp(log_q) @ (np.abs(log_q) + np.abs(log_p))]

    path = pg_flow(theta0, VALID, 1e4, log_a=log_a, beta=beta, observe=observe)
    kl, rounding = path.observations.T
    assert abs(kl[-1]) <= rounding[-1]
    assert np.all(np.diff(kl) <= rounding[1:])


def test_reward_flow_sharpens_r_at_every_step():
    theta0 = _state(4)
    path = pg_flow(theta0, VALID, 1e5, observe=lambda log_q: [n_eff(log_q, VALID), validity(log_q, ~VALID)])
    entropy, invalid = np.log(path.observations[:, 0]), path.observations[:, 1]
    assert np.all(np.diff(entropy) < 0)
    assert np.all(np.diff(invalid) < 0)
    assert path.observations[-1, 0] < 1.01


def test_batched_flow_equals_separate_flows_at_the_checkpoints():
    thetas = np.stack([_state(0), _state(1)])
    batch = pg_flow(thetas, VALID, 100.0, tolerance=1e-12, checkpoints=(10.0,))
    for row, theta in enumerate(thetas):
        alone = pg_flow(theta, VALID, 100.0, tolerance=1e-12, checkpoints=(10.0,))
        np.testing.assert_allclose(batch.checkpoint_states[10.0][row], alone.checkpoint_states[10.0], atol=1e-9)


# --- input errors ----------------------------------------------------------------------


def test_bad_inputs_raise_errors_that_name_the_argument():
    theta, log_a = _state(0), _base(0)
    with pytest.raises(DomainError, match="beta = 0 is not allowed"):
        kl_control_gradient(theta, log_a, VALID, 0.0)
    with pytest.raises(DomainError, match=r"beta must lie in \(0, inf\); got inf"):
        kl_control_gradient(theta, log_a, VALID, math.inf)
    with pytest.raises(DomainError, match=r"eta must lie in \[0, inf\); got -1.0"):
        reward_gradient_step(theta, VALID, -1.0)
    with pytest.raises(DomainError, match="at least one valid and one invalid"):
        reward_gradient(theta, np.ones(VALID.size, dtype=bool))
    with pytest.raises(ShapeError, match="valid must be a boolean mask"):
        reward_gradient(theta, VALID.astype(int))
    with pytest.raises(DomainError, match="theta must lie in .* got NaN"):
        reward_gradient(np.full(VALID.size, np.nan), VALID)
    with pytest.raises(DomainError, match="log_a is required"):
        pg_flow(theta, VALID, 1.0, beta=0.5)
    with pytest.raises(DomainError, match="t_end must lie in"):
        pg_flow(theta, VALID, -1.0)
    with pytest.raises(DomainError, match="log_q must be finite"):
        reinforce_signal(np.where(VALID, np.log(0.25), -np.inf), log_a, VALID, 1.0)
