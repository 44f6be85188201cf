"""Diversity and validity metrics of a policy over an enumerated space.

All functions take ``log q`` (log-probabilities over the space; ``-inf`` allowed)
and the boolean validity mask, so that collapsed policies with masses far
below the float64 range are measured without underflow.

Main definitions
- ``validity``: ``mu = q(Y1)``.
- ``valid_conditional_log``: ``log q(y | Y1) = log q(y) - log q(Y1)`` on ``Y1``.
- ``n_eff``: ``N_eff(q) = exp H(q(. | Y1))``, the effective number of valid outputs.
- ``coverage``: ``sum_{y in Y1} p_*(y) [q(y | Y1) >= tau p_*(y)]`` with ``tau = 1e-3``,
  the ``p_*``-mass of the valid outputs that ``q`` still produces at a
  non-negligible rate.
"""

from __future__ import annotations

import numpy as np

from theory.errors import DomainError

__all__ = ["logsumexp", "validity", "valid_conditional_log", "n_eff", "coverage", "COVERAGE_THRESHOLD"]

COVERAGE_THRESHOLD = 1e-3


def logsumexp(log_w: np.ndarray) -> float:
    """``log sum_y e^{log_w(y)}``, ``-inf`` for an empty or all ``-inf`` input."""
    if log_w.size == 0:
        return float("-inf")
    top = float(np.max(log_w))
    if top == float("-inf"):
        return top
    return top + float(np.log(np.sum(np.exp(log_w - top))))


def validity(log_q: np.ndarray, valid: np.ndarray) -> float:
    """``mu = q(Y1) = sum_{y in Y1} q(y)``."""
    return float(np.exp(logsumexp(log_q[valid])))


def valid_conditional_log(log_q: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """``log q(y | Y1)`` for ``y in Y1`` (in the order of ``Y1``)."""
    log_valid = log_q[valid]
    total = logsumexp(log_valid)
    if total == float("-inf"):
        raise DomainError("q puts no mass on the valid set Y1: q(. | Y1) is undefined")
    return log_valid - total


def n_eff(log_q: np.ndarray, valid: np.ndarray) -> float:
    """``N_eff = exp H(q(. | Y1))`` with ``H(r) = -sum r log r`` (``0 log 0 = 0``)."""
    log_r = valid_conditional_log(log_q, valid)
    r = np.exp(log_r)
    finite = np.isfinite(log_r)
    return float(np.exp(-np.sum(r[finite] * log_r[finite])))


def coverage(log_q: np.ndarray, log_p_star: np.ndarray, valid: np.ndarray, threshold: float = COVERAGE_THRESHOLD) -> float:
    """``sum_{y in Y1} p_*(y) [q(y | Y1) >= threshold p_*(y)]``; ``log_p_star`` is over ``Y1``."""
    covered = valid_conditional_log(log_q, valid) >= np.log(threshold) + log_p_star
    return float(np.sum(np.exp(log_p_star[covered])))
