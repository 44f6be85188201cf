"""The two targets of the sequence experiments, ``p_*`` and ``p_beta``, in log space.

A thin log-space interface to :class:`theory.problem.BinaryRewardProblem` for
enumerated sequence spaces: the base model is given as ``log a`` over the
space (every output has positive mass) and the validity as a boolean mask.
The filtered model ``p_*`` is the target of the divergences that measure
coverage; the tilted distribution ``p_beta`` is the target whose I-projection
is the KL-control optimum over a policy family
(``J_beta(q) = beta log Z_beta - beta KL(q || p_beta)``). ``log p_beta`` comes
from the problem's block form, accurate down to ``beta = 1e-6``.

Main definitions
- ``check_log_distribution(name, log_p)``: a 1-d log-probability vector (no NaN,
  no ``+inf``, ``log sum_y p(y) = 0`` within ``1e-9``).
- ``base_validity(log_a, valid)``: ``alpha = a(Y1)``, in ``(0, 1)``.
- ``log_filtered(log_a, valid)``: ``log p_*(y) = log a(y) - log alpha`` on
  ``Y1``, ``-inf`` on ``Y0``.
- ``log_tilted(log_a, valid, beta)``: ``log p_beta(y) = log a(y) + v(y)/beta - log Z_beta``.
- ``kl_control_objective(log_q, log_a, valid, beta)``:
  ``J_beta(q) = q(Y1) - beta KL(q || a)``.
"""

from __future__ import annotations

import numpy as np

from theory.errors import DomainError, ShapeError, check_interval
from theory.problem import BinaryRewardProblem
from theory.sequences.families import masked_logsumexp

__all__ = ["check_log_distribution", "base_validity", "log_filtered", "log_tilted", "kl_control_objective"]

_LOG_MASS_TOLERANCE = 1e-9


def check_log_distribution(name: str, log_p: np.ndarray) -> np.ndarray:
    """Check that ``log_p`` is a 1-d log-probability vector; return it as float64."""
    log_p = check_interval(name, log_p, -np.inf, _LOG_MASS_TOLERANCE, closed_low=True, closed_high=True)
    if log_p.ndim != 1:
        raise ShapeError(f"{name} must be a 1-d vector of log-probabilities; got shape {log_p.shape}")
    check_interval(
        f"log sum_y exp({name})",
        masked_logsumexp(log_p, axis=0),
        -_LOG_MASS_TOLERANCE,
        _LOG_MASS_TOLERANCE,
        closed_low=True,
        closed_high=True,
    )
    return log_p


def _problem(log_a: np.ndarray, valid: np.ndarray) -> BinaryRewardProblem:
    log_a = check_log_distribution("log_a", log_a)
    if not np.all(np.isfinite(log_a)):
        raise DomainError("log_a must be finite: the base model must give every string of the space positive probability")
    return BinaryRewardProblem(np.exp(log_a), valid)


def base_validity(log_a: np.ndarray, valid: np.ndarray) -> float:
    """``alpha = a(Y1)``; the standing assumption ``0 < alpha < 1`` is enforced."""
    return float(_problem(log_a, valid).alpha)


def log_filtered(log_a: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """``log p_*(y) = log a(y) - log a(Y1)`` for ``y in Y1``, ``-inf`` for ``y in Y0``."""
    alpha = base_validity(log_a, valid)
    return np.where(valid, np.asarray(log_a, dtype=np.float64) - np.log(alpha), -np.inf)


def log_tilted(log_a: np.ndarray, valid: np.ndarray, beta: float) -> np.ndarray:
    """``log p_beta(y) = log a(y) + v(y)/beta - log Z_beta``; ``beta = inf`` gives ``log a``."""
    return np.asarray(_problem(log_a, valid).log_tilted(beta), dtype=np.float64)


def kl_control_objective(log_q: np.ndarray, log_a: np.ndarray, valid: np.ndarray, beta: float) -> float:
    """``J_beta(q) = E_q[v] - beta KL(q || a)``."""
    log_q = check_log_distribution("log_q", log_q)
    return float(_problem(log_a, valid).objective(np.exp(log_q), beta))
