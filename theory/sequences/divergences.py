"""Divergences between distributions given by their log-probabilities.

The log-space counterparts of ``kl_divergence`` and ``amari_divergence`` of
:mod:`theory.divergences` (same conventions), for distributions whose masses
leave the float64 range: ``p_beta`` at small ``beta`` puts ``e^{-1/beta}`` on
invalid outputs, and collapsed policies put masses far below ``1e-308`` on most
outputs, so their KL must be formed from ``log q - log p``, never from ``q / p``.

Convention for the Amari alpha-divergences (the family of Kruszewski et al.,
ICLR 2026): ``D_alpha(p || q) = (sum_y p(y)^alpha q(y)^{1-alpha} - 1) / (alpha (alpha - 1))``
with ``p = p_*`` the filtered model (the target) and ``q`` the policy. Its
limits are ``alpha -> 1``: the forward KL ``KL(p || q)`` (mass-covering) and
``alpha -> 0``: the reverse KL ``KL(q || p)`` (mode-seeking; ``+inf`` as soon as
``q`` puts mass off the support of ``p``, e.g. off ``Delta(Y1)`` for
``p = p_*``). For ``alpha in (0, 1)`` it is finite, at most ``1/(alpha (1 - alpha))``.

Main definitions
- ``kl_divergence_from_logs(log_q, log_p)``: ``KL(q || p) = sum_y q(y) log(q(y)/p(y))``,
  with ``0 log 0 = 0`` and ``+inf`` when ``q(y) > 0 = p(y)`` for some ``y``.
- ``amari_divergence_from_logs(log_p, log_q, alpha)``: ``D_alpha(p || q)`` for
  ``alpha in [0, 1]``, the two ends being the KL limits above.
- ``kl_unchecked``, ``amari_unchecked``: the same without argument checks, for inner loops.
"""

from __future__ import annotations

import numpy as np

from theory.errors import ShapeError, check_interval
from theory.sequences.families import masked_logsumexp

__all__ = ["kl_divergence_from_logs", "amari_divergence_from_logs", "kl_unchecked", "amari_unchecked"]


def _check_pair(log_first: np.ndarray, log_second: np.ndarray, names: tuple[str, str]) -> None:
    for name, log_w in zip(names, (log_first, log_second)):
        check_interval(name, log_w, -np.inf, 1e-9, closed_low=True, closed_high=True)
    if np.shape(log_first) != np.shape(log_second):
        raise ShapeError(f"{names[0]} and {names[1]} must have the same shape; got {np.shape(log_first)} and {np.shape(log_second)}")


def kl_unchecked(log_q: np.ndarray, log_p: np.ndarray) -> float:
    """``KL(q || p)`` without argument checks (for inner loops)."""
    charged = log_q > -np.inf
    if np.any(log_p[charged] == -np.inf):
        return float("inf")
    log_q_on, log_p_on = log_q[charged], log_p[charged]
    return float(np.sum(np.exp(log_q_on) * (log_q_on - log_p_on)))


def kl_divergence_from_logs(log_q: np.ndarray, log_p: np.ndarray) -> float:
    """``KL(q || p) = sum_y q(y) (log q(y) - log p(y))``; ``0 log 0 = 0``; ``+inf`` off the support of ``p``."""
    _check_pair(log_q, log_p, ("log_q", "log_p"))
    return kl_unchecked(np.asarray(log_q, dtype=np.float64), np.asarray(log_p, dtype=np.float64))


def amari_unchecked(log_p: np.ndarray, log_q: np.ndarray, alpha: float) -> float:
    """``D_alpha(p || q)`` without argument checks (for inner loops)."""
    if alpha == 1.0:
        return kl_unchecked(log_p, log_q)
    if alpha == 0.0:
        return kl_unchecked(log_q, log_p)
    log_overlap = masked_logsumexp(alpha * log_p + (1.0 - alpha) * log_q, axis=0)
    return float(-np.expm1(log_overlap) / (alpha * (1.0 - alpha)))


def amari_divergence_from_logs(log_p: np.ndarray, log_q: np.ndarray, alpha: float) -> float:
    """``D_alpha(p || q) = (sum_y p^alpha q^{1-alpha} - 1) / (alpha (alpha - 1))``;
    ``alpha = 1``: ``KL(p || q)``; ``alpha = 0``: ``KL(q || p)``."""
    _check_pair(log_p, log_q, ("log_p", "log_q"))
    alpha = float(check_interval("alpha", alpha, 0, 1, closed_low=True, closed_high=True))
    return amari_unchecked(np.asarray(log_p, dtype=np.float64), np.asarray(log_q, dtype=np.float64), alpha)
