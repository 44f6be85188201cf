"""The closed forms of KL-control with a binary reward, in mpmath.

This is the reference the float64 path (:mod:`theory.closed_form`) is judged
against. Every function works at the current mpmath precision (``mp.dps``),
takes mpmath numbers, ints or strings (floats are converted exactly), and never
forms a quantity that cancels catastrophically: ``1 - alpha`` is never formed
from a tiny ``alpha`` in a way that matters, logs of ``1 - x`` use ``log1p``,
and differences of nearly equal logits are written as sums of ``log1p``.
Fifty digits therefore suffice at ``alpha = 1e-300`` and ``beta = 1e-6``.

Main definitions (``x = 1/beta + logit(alpha)``)
- ``validity_rate``: ``mu_beta = sigma(x)``
- ``invalidity_rate``: ``1 - mu_beta = sigma(-x)``
- ``log_partition``: ``log Z_beta = log1p(alpha expm1(1/beta))``
- ``optimal_value``: ``J*_beta = beta log Z_beta``
- ``forward_kl_to_filtered``: ``KL(p_* || p_beta) = -log mu_beta = log1p(e^{-x})``
- ``beta_for_validity``: ``1 / (logit mu - logit alpha)
  = 1 / (log1p(d/alpha) + log1p(d/(1-mu)))`` with ``d = mu - alpha``
- ``kl_budget``: ``kl(mu || alpha) = alpha phi(d/alpha) + (1-alpha) phi(-d/(1-alpha))``
  with ``phi(r) = (1+r) log1p(r) - r``
"""

from __future__ import annotations

from typing import Any

import mpmath
from mpmath import mp, mpf

from theory.errors import check_beta, check_interval

__all__ = [
    "validity_rate",
    "invalidity_rate",
    "log_partition",
    "optimal_value",
    "forward_kl_to_filtered",
    "beta_for_validity",
    "kl_budget",
    "logit",
    "sigmoid",
    "binary_phi",
]


def _alpha(alpha: Any) -> mpf:
    return check_interval("alpha", mpf(alpha), 0, 1)


def _beta(beta: Any) -> mpf:
    return check_beta(mpf(beta))


def logit(x: Any) -> mpf:
    """``logit(x) = log x - log1p(-x)`` for ``0 < x < 1``."""
    x = check_interval("x", mpf(x), 0, 1)
    return mpmath.log(x) - mpmath.log1p(-x)


def sigmoid(t: Any) -> mpf:
    """``sigma(t) = 1 / (1 + e^{-t})``."""
    return 1 / (1 + mpmath.exp(-mpf(t)))


def _tilt_logit(alpha: mpf, beta: mpf) -> mpf:
    """``x = 1/beta + logit(alpha)``, the logit of ``mu_beta`` (``beta = inf`` gives ``logit(alpha)``)."""
    inverse_beta = 0 if mpmath.isinf(beta) else 1 / beta
    return inverse_beta + mpmath.log(alpha) - mpmath.log1p(-alpha)


def validity_rate(alpha: Any, beta: Any) -> mpf:
    """``mu_beta = p_beta(Y1) = sigma(1/beta + logit(alpha))``."""
    return sigmoid(_tilt_logit(_alpha(alpha), _beta(beta)))


def invalidity_rate(alpha: Any, beta: Any) -> mpf:
    """``1 - mu_beta = sigma(-(1/beta + logit(alpha)))``, never formed as a difference."""
    return sigmoid(-_tilt_logit(_alpha(alpha), _beta(beta)))


def log_partition(alpha: Any, beta: Any) -> mpf:
    """``log Z_beta = log(1 - alpha + alpha e^{1/beta}) = log1p(alpha expm1(1/beta))``."""
    alpha, beta = _alpha(alpha), _beta(beta)
    if mpmath.isinf(beta):
        return mpf(0)
    return mpmath.log1p(alpha * mpmath.expm1(1 / beta))


def optimal_value(alpha: Any, beta: Any) -> mpf:
    """``J*_beta = max_q E_q[v] - beta KL(q || a) = beta log Z_beta``; ``alpha`` at ``beta = inf``."""
    alpha, beta = _alpha(alpha), _beta(beta)
    if mpmath.isinf(beta):
        return alpha
    return beta * log_partition(alpha, beta)


def forward_kl_to_filtered(alpha: Any, beta: Any) -> mpf:
    """``KL(p_* || p_beta) = -log mu_beta = log1p(e^{-x})`` with ``x = 1/beta + logit(alpha)``."""
    return mpmath.log1p(mpmath.exp(-_tilt_logit(_alpha(alpha), _beta(beta))))


def beta_for_validity(alpha: Any, mu: Any) -> mpf:
    """The temperature that reaches validity ``mu``:
    ``beta(mu) = 1 / (logit mu - logit alpha)`` for ``alpha < mu < 1``
    (``+inf`` at ``mu = alpha``), computed as
    ``1 / (log1p(d/alpha) + log1p(d/(1-mu)))`` with ``d = mu - alpha``."""
    alpha = _alpha(alpha)
    mu = check_interval("mu", mpf(mu), alpha, 1, closed_low=True, low_text="alpha")
    d = mu - alpha
    if d == 0:
        return mpf("inf")
    return 1 / (mpmath.log1p(d / alpha) + mpmath.log1p(d / (1 - mu)))


def binary_phi(r: Any) -> mpf:
    """``phi(r) = (1+r) log1p(r) - r`` for ``r >= -1`` (``phi(-1) = 1``), by its
    series ``sum_{k>=2} (-r)^k / (k(k-1))`` when ``|r| < 1/2`` (no cancellation)."""
    r = check_interval("r", mpf(r), -1, mpf("inf"), closed_low=True)
    if r == -1:
        return mpf(1)
    if abs(r) >= mpf(1) / 2:
        return (1 + r) * mpmath.log1p(r) - r
    total, k, power = mpf(0), 2, r * r
    tolerance = mpmath.eps * r * r
    while True:
        term = power / (k * (k - 1))
        total += term
        if abs(term) <= tolerance:
            return total
        power *= -r
        k += 1


def kl_budget(alpha: Any, mu: Any) -> mpf:
    """``kl(mu || alpha) = mu log(mu/alpha) + (1-mu) log((1-mu)/(1-alpha))``, the KL
    budget ``KL(p_beta || a)`` spent to reach validity ``mu``, for ``0 <= mu <= 1``,
    as ``alpha phi(d/alpha) + (1-alpha) phi(-d/(1-alpha))`` with ``d = mu - alpha``."""
    alpha = _alpha(alpha)
    mu = check_interval("mu", mpf(mu), 0, 1, closed_low=True, closed_high=True)
    with mp.extraprec(10):
        d = mu - alpha
        # -d/(1-alpha) >= -1 since mu >= 0; rounding may push it an ulp below
        return alpha * binary_phi(d / alpha) + (1 - alpha) * binary_phi(max(-d / (1 - alpha), mpf(-1)))
