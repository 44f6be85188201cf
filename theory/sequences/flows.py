"""Exact policy-gradient flows of a tabular softmax policy with a binary reward.

The policy is ``q = softmax(theta)`` over an enumerated space, with validity
mask ``v`` (``Y1 = {v = 1}``), ``mu = q(Y1)``, ``r = q(. | Y1)`` and
``s = q(. | Y0)``. The gradients are exact (no sampling); the flows are
integrated by an embedded Runge-Kutta method with error control on the logits,
which are log-probabilities up to a constant, so that the error is relative in
``q`` and masses far below the float64 range stay accurate. Without KL the flow
slows down like ``1/t`` and the steps grow geometrically (about 350 steps to
``t = 1e6``); with KL the flow becomes stiff near ``p_beta`` (its rates
``beta q(y)`` span orders of magnitude), the explicit steps stay near the
stability limit ``h ~ 3.3 / (beta max_y q(y))`` and the cost grows linearly in
``beta t``. Several flows can share one integration (a batch of logits).

Main definitions
- ``reward_gradient(theta, valid)``: ``grad_theta_y E_q[v] = q(y) (v(y) - mu)``.
- ``kl_gradient(theta, log_a)``: ``grad_theta_y KL(q || a) = q(y) (l(y) - E_q l)``
  with ``l = log(q/a)``.
- ``kl_control_gradient(theta, log_a, valid, beta)``: ``grad_theta_y J_beta(q)
  = q(y) (f(y) - J_beta(q))`` with ``f = v - beta log(q/a)`` (``E_q f = J_beta``).
- ``valid_entropy_rate(log_q, valid)``: along ``d theta/dt = reward_gradient``,
  ``d H(r)/dt = -mu (1 - mu) Cov_r(log r, r)`` (``<= 0``).
- ``reward_gradient_step(theta, valid, eta)``: ``theta + eta q (v - mu)``; on
  ``Y1`` it tilts ``r_y`` by ``exp(eta mu (1 - mu) r_y)``.
- ``natural_gradient_step(log_q, valid, eta)``: ``log(q e^{eta v} / sum_y q e^{eta v})``;
  from ``a`` after total step ``s`` it is ``log p_beta`` with ``beta = 1/s``.
- ``reinforce_signal(log_q, log_a, valid, beta)``: ``g(y) = log(q(y)/a(y)) - v(y)/beta``,
  the score-function signal of ``KL(q || p_beta)``;
  ``reinforce_signal_variance``: ``Var_q(g)``.
- ``iterate_steps(step, start, etas, observe)``: ``x_{k+1} = step(x_k, eta_k)``
  with observations of every iterate.
- ``dormand_prince(field, y0, t_end, ...)``: the Dormand-Prince 5(4) pair for
  ``dy/dt = field(y)``, absolute error control, steps landing on checkpoints.
- ``pg_flow(theta0, valid, t_end, log_a=None, beta=None, ...)``: the exact
  flow ``d theta/dt = reward_gradient`` (no KL) or ``kl_control_gradient``,
  as a ``Trajectory`` (accepted step times, observations, checkpoint states).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from theory.errors import DomainError, ShapeError, check_beta, check_interval
from theory.sequences.base_models import log_softmax
from theory.sequences.metrics import valid_conditional_log, validity
from theory.sequences.targets import base_validity, check_log_distribution

__all__ = [
    "reward_gradient",
    "kl_gradient",
    "kl_control_gradient",
    "valid_entropy_rate",
    "reward_gradient_step",
    "natural_gradient_step",
    "reinforce_signal",
    "reinforce_signal_variance",
    "iterate_steps",
    "Trajectory",
    "dormand_prince",
    "pg_flow",
]

Observe = Callable[[np.ndarray], Sequence[float]]
"""Maps a state (``log q`` for the policy flows) to a few recorded numbers."""


# --- input checks -------------------------------------------------------------


def _check_logits(name: str, theta: np.ndarray, batch: bool = False) -> np.ndarray:
    theta = check_interval(name, theta, -np.inf, np.inf)
    if theta.ndim != 1 and not (batch and theta.ndim == 2):
        shapes = "(n,) or (batch, n)" if batch else "(n,)"
        raise ShapeError(f"{name} must be logits of shape {shapes}; got shape {theta.shape}")
    return theta


def _check_mask(valid: np.ndarray, size: int) -> np.ndarray:
    valid = np.asarray(valid)
    if valid.dtype != np.bool_ or valid.shape != (size,):
        raise ShapeError(
            f"valid must be a boolean mask of shape ({size},); got dtype {valid.dtype} and shape {valid.shape}"
        )
    if valid.all() or not valid.any():
        raise DomainError(
            f"valid must mark at least one valid and one invalid output (0 < alpha < 1); "
            f"got {int(valid.sum())} valid outputs out of {size}"
        )
    return valid


def _check_finite_beta(beta: float) -> float:
    check_beta(beta)
    return float(check_interval("beta", beta, 0, np.inf))


def _check_eta(eta: float) -> float:
    return float(check_interval("eta", eta, 0, np.inf, closed_low=True))


# --- exact gradients (unchecked cores, then the checked public functions) ------


def _indicators(valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(v, 1 - v)`` as float vectors."""
    return valid.astype(np.float64), (~valid).astype(np.float64)


def _policy(theta: np.ndarray, v: np.ndarray, u: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(log q, q, q (v - mu))`` along the last axis, given the indicators ``v`` and
    ``u = 1 - v``; ``mu`` and ``1 - mu`` are each summed from their own side, so ``v - mu``
    never cancels."""
    shifted = theta - theta.max(axis=-1, keepdims=True)
    weights = np.exp(shifted)
    valid_weight, invalid_weight = (weights @ v)[..., None], (weights @ u)[..., None]
    total = valid_weight + invalid_weight
    q = weights / total
    advantage = (invalid_weight / total) * v - (valid_weight / total) * u
    return shifted - np.log(total), q, q * advantage


def _kl_gradient(log_q: np.ndarray, q: np.ndarray, log_a: np.ndarray) -> np.ndarray:
    excess = log_q - log_a
    return q * (excess - np.sum(q * excess, axis=-1, keepdims=True))


def _kl_control_gradient(theta: np.ndarray, log_a: np.ndarray, v: np.ndarray, u: np.ndarray, beta: float) -> np.ndarray:
    log_q, q, reward_part = _policy(theta, v, u)
    return reward_part - beta * _kl_gradient(log_q, q, log_a)


def reward_gradient(theta: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """``grad_theta_y E_q[v] = q(y) (v(y) - mu)``: ``q(y) (1 - mu)`` on ``Y1``, ``-q(y) mu`` on ``Y0``."""
    theta = _check_logits("theta", theta)
    return _policy(theta, *_indicators(_check_mask(valid, theta.size)))[2]


def kl_gradient(theta: np.ndarray, log_a: np.ndarray) -> np.ndarray:
    """``grad_theta_y KL(q || a) = q(y) (l(y) - E_q l)`` with ``l = log(q/a)``."""
    theta = _check_logits("theta", theta)
    log_a = check_interval("log_a", check_log_distribution("log_a", log_a), -np.inf, np.inf)
    if log_a.shape != theta.shape:
        raise ShapeError(f"log_a must have the shape of theta {theta.shape}; got {log_a.shape}")
    log_q = log_softmax(theta)
    return _kl_gradient(log_q, np.exp(log_q), log_a)


def kl_control_gradient(theta: np.ndarray, log_a: np.ndarray, valid: np.ndarray, beta: float) -> np.ndarray:
    """Gradient of ``J_beta(q) = E_q[v] - beta KL(q || a)`` in the logits.

    With ``f = v - beta log(q/a)``, ``J_beta = E_q f`` and
    ``dJ/dq_z = f(z) - beta`` (the extra ``-beta`` is ``d/dq_z`` of ``-beta q_z log q_z``
    beyond ``f``); since ``dq_z/dtheta_y = q_z (1[z = y] - q_y)``, that constant
    cancels and ``grad_theta_y J_beta = q(y) (f(y) - J_beta(q))
    = -beta q(y) (log(q(y)/p_beta(y)) - KL(q || p_beta))``, zero exactly at ``q = p_beta``.
    """
    theta = _check_logits("theta", theta)
    base_validity(log_a, valid)
    if np.shape(log_a) != theta.shape:
        raise ShapeError(f"log_a must have the shape of theta {theta.shape}; got {np.shape(log_a)}")
    log_a = np.asarray(log_a, dtype=np.float64)
    return _kl_control_gradient(theta, log_a, *_indicators(valid), _check_finite_beta(beta))


def valid_entropy_rate(log_q: np.ndarray, valid: np.ndarray) -> float:
    """``d H(r)/dt = -mu (1 - mu) Cov_r(log r, r)`` along the reward flow, from
    ``d log r_y/dt = mu (1 - mu) (r_y - sum_z r_z^2)`` on ``Y1``."""
    log_q = check_log_distribution("log_q", log_q)
    valid = _check_mask(valid, log_q.size)
    mu, nu = validity(log_q, valid), validity(log_q, ~valid)
    log_r = valid_conditional_log(log_q, valid)
    r = np.exp(log_r)
    log_r = np.where(r > 0, log_r, 0.0)  # 0 log 0 = 0
    covariance = r @ (r * log_r) - (r @ r) * (r @ log_r)
    return float(-mu * nu * covariance)


# --- discrete steps ----------------------------------------------------------------


def reward_gradient_step(theta: np.ndarray, valid: np.ndarray, eta: float) -> np.ndarray:
    """One exact gradient step ``theta + eta q (v - mu)``, for any ``eta >= 0``. On ``Y1``
    it multiplies ``r_y`` by ``exp(eta mu (1 - mu) r_y)`` up to normalization."""
    return theta + _check_eta(eta) * reward_gradient(theta, valid)


def natural_gradient_step(log_q: np.ndarray, valid: np.ndarray, eta: float) -> np.ndarray:
    """Multiplicative weights ``q e^{eta v} / sum_y q(y) e^{eta v(y)}`` (the natural-gradient
    step of ``E_q[v]`` for a softmax policy), in log space. It leaves ``q(. | Y1)`` and
    ``q(. | Y0)`` unchanged; from ``a``, total step ``s`` gives ``p_beta``, ``beta = 1/s``."""
    log_q = check_log_distribution("log_q", log_q)
    valid = _check_mask(valid, log_q.size)
    return log_softmax(log_q + _check_eta(eta) * valid)


def iterate_steps(
    step: Callable[[np.ndarray, float], np.ndarray],
    start: np.ndarray,
    etas: Sequence[float],
    observe: Observe,
) -> tuple[np.ndarray, np.ndarray]:
    """``x_{k+1} = step(x_k, eta_k)``; returns the last iterate and the ``(len(etas) + 1, m)``
    array of ``observe(x_k)`` for ``k = 0 .. len(etas)``."""
    state = np.asarray(start, dtype=np.float64)
    records = [observe(state)]
    for eta in etas:
        state = step(state, eta)
        records.append(observe(state))
    return state, np.asarray(records, dtype=np.float64)


# --- the REINFORCE signal ----------------------------------------------------------


def reinforce_signal(log_q: np.ndarray, log_a: np.ndarray, valid: np.ndarray, beta: float) -> np.ndarray:
    """``g(y) = log(q(y)/a(y)) - v(y)/beta``, so that ``grad KL(q || p_beta) = E_q[g grad log q]``."""
    base_validity(log_a, valid)
    log_q = check_log_distribution("log_q", log_q)
    if log_q.shape != np.shape(log_a):
        raise ShapeError(f"log_q must have the shape of log_a {np.shape(log_a)}; got {log_q.shape}")
    if not np.all(np.isfinite(log_q)):
        raise DomainError("log_q must be finite: the REINFORCE signal needs a full-support policy")
    return log_q - log_a - np.where(valid, 1.0 / _check_finite_beta(beta), 0.0)


def reinforce_signal_variance(log_q: np.ndarray, log_a: np.ndarray, valid: np.ndarray, beta: float) -> float:
    """``Var_q(g) = Var_q(log(q/a)) - 2 Cov_q(log(q/a), v)/beta + q(Y1)(1 - q(Y1))/beta^2``."""
    signal = reinforce_signal(log_q, log_a, valid, beta)
    q = np.exp(log_q)
    centered = signal - np.dot(q, signal)
    return float(np.dot(q, centered * centered))


# --- the integrator ----------------------------------------------------------------

_TABLEAU = np.array(
    [
        [0, 0, 0, 0, 0, 0],
        [1 / 5, 0, 0, 0, 0, 0],
        [3 / 40, 9 / 40, 0, 0, 0, 0],
        [44 / 45, -56 / 15, 32 / 9, 0, 0, 0],
        [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729, 0, 0],
        [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656, 0],
        [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84],
    ]
)
"""Dormand-Prince stage weights; the last row is the 5th-order solution (FSAL: stage 7 is
evaluated at it)."""
_ERROR_WEIGHTS = np.append(_TABLEAU[6], 0) - np.array(
    [5179 / 57600, 0, 7571 / 16695, 393 / 640, -92097 / 339200, 187 / 2100, 1 / 40]
)
"""5th- minus 4th-order weights: the embedded local error estimate."""
_SAFETY, _MIN_FACTOR, _MAX_FACTOR = 0.9, 0.2, 5.0


@dataclass(frozen=True)
class Trajectory:
    """An integrated path: the accepted step times (``times[0] = 0``), the observations
    at each of them (rows), the states at the checkpoints, the final state and the
    step statistics."""

    times: np.ndarray
    observations: np.ndarray
    checkpoint_states: dict[float, np.ndarray]
    final_state: np.ndarray
    rejected_steps: int
    evaluations: int

    @property
    def accepted_steps(self) -> int:
        return self.times.size - 1


def dormand_prince(
    field: Callable[[np.ndarray], np.ndarray],
    y0: np.ndarray,
    t_end: float,
    *,
    tolerance: float = 1e-10,
    checkpoints: Sequence[float] = (),
    observe: Observe | None = None,
    max_steps: int = 1_000_000,
) -> Trajectory:
    """Integrate the autonomous ``dy/dt = field(y)`` from ``y(0) = y0`` to ``t_end`` with the
    Dormand-Prince 5(4) pair (5th-order solution, FSAL). A step of size ``h`` is accepted
    when ``max_i |h sum_j e_j k_j,i| <= tolerance`` (the embedded error estimate, absolute:
    on logits it is a relative error in ``q``); the next size is ``h * clip(0.9 err^{-1/5},
    0.2, 5)``, so that on a flow that slows like ``1/t`` the steps grow geometrically.
    A step that would end within 10% of a checkpoint is cut (or stretched) to land on it
    exactly; the state there is stored."""
    t_end = float(check_interval("t_end", t_end, 0, np.inf))
    tolerance = float(check_interval("tolerance", tolerance, 0, 1))
    saved_times = {float(t) for t in check_interval("checkpoints", list(checkpoints), 0, t_end, closed_high=True)}
    shape = np.shape(y0)
    y = np.array(y0, dtype=np.float64).ravel()

    def flat_field(state: np.ndarray) -> np.ndarray:
        return field(state.reshape(shape)).ravel()

    def record(state: np.ndarray) -> tuple[float, ...]:
        return () if observe is None else tuple(observe(state.reshape(shape)))

    times, observations = [0.0], [record(y)]
    saved: dict[float, np.ndarray] = {}
    stages = np.empty((7, y.size))
    stages[0] = flat_field(y)
    evaluations, rejected = 1, 0
    h = 0.1 * tolerance**0.2 / max(float(np.max(np.abs(stages[0]))), tolerance)
    t = 0.0
    for stop in sorted(saved_times | {t_end}):
        while t < stop:
            if len(times) + rejected > max_steps:
                raise DomainError(f"max_steps = {max_steps} exceeded at t = {t!r} (t_end = {t_end!r})")
            landing = t + 1.1 * h >= stop
            step = stop - t if landing else h
            for i in range(1, 7):
                state = y + step * (_TABLEAU[i, :i] @ stages[:i])
                stages[i] = flat_field(state)
            evaluations += 6
            error = step * float(np.max(np.abs(_ERROR_WEIGHTS @ stages)))
            ratio = error / tolerance if np.isfinite(error) else np.inf
            factor = _MAX_FACTOR if ratio == 0 else min(_MAX_FACTOR, max(_MIN_FACTOR, _SAFETY * ratio**-0.2))
            if ratio <= 1:
                t = stop if landing else t + step
                y = state
                stages[0] = stages[6]
                times.append(t)
                observations.append(record(y))
                h = max(h, step * factor) if landing else step * factor
            else:
                rejected += 1
                h = step * min(factor, 1.0)
        if stop in saved_times:
            saved[stop] = y.reshape(shape).copy()
    return Trajectory(
        times=np.asarray(times),
        observations=np.asarray(observations, dtype=np.float64).reshape(len(times), -1),
        checkpoint_states=saved,
        final_state=y.reshape(shape),
        rejected_steps=rejected,
        evaluations=evaluations,
    )


def pg_flow(
    theta0: np.ndarray,
    valid: np.ndarray,
    t_end: float,
    *,
    log_a: np.ndarray | None = None,
    beta: float | None = None,
    tolerance: float = 1e-10,
    checkpoints: Sequence[float] = (),
    observe: Observe | None = None,
) -> Trajectory:
    """The exact policy-gradient flow from the logits ``theta0``: ``d theta/dt = q (v - mu)``
    without KL (``beta = None``), or ``d theta/dt = grad_theta J_beta`` (needs ``log_a``).

    ``theta0`` of shape ``(batch, n)`` (with ``log_a`` of the same shape) integrates
    independent flows together, with shared step sizes. The states (checkpoints, final)
    are logits; ``observe`` receives ``log q`` (same shape)."""
    theta0 = _check_logits("theta0", theta0, batch=True)
    v, u = _indicators(_check_mask(valid, theta0.shape[-1]))
    if beta is None:

        def field(theta: np.ndarray) -> np.ndarray:
            return _policy(theta, v, u)[2]

    else:
        if log_a is None:
            raise DomainError("log_a is required with beta: the KL term is KL(q || a)")
        if np.shape(log_a) != theta0.shape:
            raise ShapeError(f"log_a must have the shape of theta0 {theta0.shape}; got {np.shape(log_a)}")
        log_a = np.asarray(log_a, dtype=np.float64)
        for row in log_a.reshape(-1, theta0.shape[-1]):
            base_validity(row, valid)
        beta = _check_finite_beta(beta)

        def field(theta: np.ndarray) -> np.ndarray:
            return _kl_control_gradient(theta, log_a, v, u, beta)

    observe_policy = None if observe is None else (lambda theta: observe(log_softmax(theta)))
    return dormand_prince(field, theta0, t_end, tolerance=tolerance, checkpoints=checkpoints, observe=observe_policy)
