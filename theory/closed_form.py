"""The closed forms of KL-control with a binary reward, in float64.

Vectorized numpy versions of :mod:`theory.precise` (same names, same formulas),
accurate to at most 2 ulp (``kl_budget``: 2.5 ulp) over ``alpha`` in
``[1e-300, 1 - 1e-15]``, ``beta`` in ``[1e-6, 1e6]`` and ``mu`` anywhere in the
domain; measured: 1/2 ulp, 0.75 ulp near the underflow threshold
(``docs/accuracy.md``). The arguments broadcast against each other (scalars give
numpy float64 scalars);
shapes that do not broadcast raise :class:`~theory.errors.ShapeError`, values
outside the domain raise :class:`~theory.errors.DomainError`. The arguments are
reals that numpy converts to float64 (``int``, ``float``, numpy numbers and
arrays); an mpmath or a complex number, alone or inside a sequence or array,
raises :class:`~theory.errors.InputTypeError` instead of being rounded or
truncated (:mod:`theory.precise` takes mpmath numbers).

Every formula is evaluated in double-double arithmetic (:mod:`theory._double_double`)
and rounded once at the end: ``x = 1/beta + logit(alpha)`` is carried as a
double-double (``1/beta`` with its exact residual, ``log alpha`` and
``log(1 - alpha)`` to about ``2^-72``), so ``1 - mu`` and ``-log mu`` never go
through ``1 - mu`` rounded, and nothing overflows (``1/beta`` up to ``1e308``).

Domain and limits: ``0 < alpha < 1`` (subnormal ``alpha`` included),
``0 < beta <= inf``. ``beta = inf`` is the no-reward limit ``mu = alpha``,
``log Z = 0``, ``J* = alpha``. When ``1/beta`` overflows (``beta < 2^-1024``),
``mu = 1``, ``1 - mu = 0``, ``-log mu = 0``, ``log Z = inf`` and ``J* = 1``,
which are the float64 roundings of the true values. A true value below the
smallest normal float ``2^-1022`` is returned as a subnormal number or 0
(underflow), with an absolute error of at most ``4 * 2^-1074``; just above
``2^-1022`` the low parts of the double-doubles are subnormal and the error
may exceed 1/2 ulp (measured: 0.75 ulp).

Errors are stated by ``ulp_error``: ``|y - Y| / ulp(Y)``, where ``ulp(Y)`` is the
spacing of float64 numbers in the binade ``[2^(e-1), 2^e)`` holding ``|Y|``.

Main definitions (``x = 1/beta + logit(alpha)``, ``d = mu - alpha``)
- ``validity_rate``: ``mu_beta = sigma(x) = 1/(1 + e^{-x})``.
- ``invalidity_rate``: ``1 - mu_beta = sigma(-x)``.
- ``log_partition``: ``log Z_beta = log1p(alpha expm1(1/beta))`` for
  ``1/beta <= 1``, else ``log(1 - alpha) + log1p(e^x)`` (``Z = (1 - alpha)(1 + e^x)``).
- ``optimal_value``: ``J*_beta = beta log Z_beta``.
- ``forward_kl_to_filtered``: ``KL(p_* || p_beta) = -log mu_beta = log1p(e^{-x})``.
- ``beta_for_validity``: ``1/(logit mu - logit alpha) = 1/(log(mu/alpha) + log((1-alpha)/(1-mu)))``,
  each log ratio as ``log1p(d/alpha)``, ``log1p(d/(1-mu))`` when the ratio is at most 2.
- ``kl_budget``: ``kl(mu || alpha) = alpha phi(d/alpha) + (1-alpha) phi(-d/(1-alpha))``,
  ``phi(r) = (1+r) log1p(r) - r``, with ``p phi(d/p) = p r^2 (1/2 - r/6 + r^2/12 - ...)``
  for ``|r| <= 1/8`` and ``q log(q/p) - d`` otherwise (``0 log 0 = 0``).
- ``ulp_error``: ``|y - Y| / ulp(Y)`` with ``ulp(Y) = 2^(max(e, -1021) - 53)`` for
  ``|Y| = m 2^e``, ``1/2 <= m < 1``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import mpmath
import numpy as np
from numpy.typing import ArrayLike

from theory import _double_double as dd
from theory.errors import ShapeError, check_beta, check_float64_input, check_interval

__all__ = [
    "validity_rate",
    "invalidity_rate",
    "log_partition",
    "optimal_value",
    "forward_kl_to_filtered",
    "beta_for_validity",
    "kl_budget",
    "ulp_error",
]

Float = np.float64 | np.ndarray
Array = np.ndarray

_PHI_SERIES_RADIUS = 0.125
# phi(r) = r^2 (1/2 + r Q(r)),  Q(r) = sum_{k>=3} (-1)^k r^{k-3} / (k (k-1)),  |r| <= 1/8
_PHI_TAIL = tuple((-1.0) ** k / (k * (k - 1)) for k in range(3, 20))


def _float64_kernel(function: Callable[..., np.ndarray]) -> Callable[..., Float]:
    """Run ``function`` with floating-point warnings off (branches not taken may
    overflow) and return a numpy scalar for 0-d results."""

    @functools.wraps(function)
    def kernel(*args: Any) -> Float:
        with np.errstate(all="ignore"):
            return function(*args)[()]

    return kernel


def _broadcast(**arrays: ArrayLike) -> list[np.ndarray]:
    """The arguments broadcast to their common shape (``ShapeError`` naming them otherwise)."""
    try:
        shape = np.broadcast_shapes(*(np.shape(array) for array in arrays.values()))
    except ValueError as exc:
        described = " and ".join(f"{name} of shape {np.shape(array)}" for name, array in arrays.items())
        raise ShapeError(f"{described} do not broadcast together") from exc
    return [np.broadcast_to(array, shape) for array in arrays.values()]


def _check_alpha(alpha: ArrayLike) -> np.ndarray:
    return check_interval("alpha", check_float64_input("alpha", alpha), 0, 1)


def _check_alpha_beta(alpha: ArrayLike, beta: ArrayLike) -> list[np.ndarray]:
    return _broadcast(alpha=_check_alpha(alpha), beta=check_beta(check_float64_input("beta", beta)))


def _select(condition: np.ndarray, x: dd.DoubleDouble, y: dd.DoubleDouble) -> dd.DoubleDouble:
    return np.where(condition, x[0], y[0]), np.where(condition, x[1], y[1])


def _log_odds_parts(alpha: np.ndarray) -> tuple[dd.DoubleDouble, dd.DoubleDouble]:
    """``(log alpha, log(1 - alpha))``."""
    return dd.log((alpha, 0.0)), dd.log(dd.two_sum(1.0, -alpha))


def _inverse(beta: np.ndarray) -> dd.DoubleDouble:
    """``1/beta`` with its residual, from ``beta = m 2^k``: ``1/m`` and
    ``(1 - (1/m) m)/m`` scaled by ``2^-k``; 0 at ``beta = inf``."""
    m, k = np.frexp(beta)
    r = 1.0 / m
    p, e = dd.two_prod(r, m)
    finite = np.isfinite(beta)
    return np.where(finite, np.ldexp(r, -k), 0.0), np.where(finite, np.ldexp(((1.0 - p) - e) / m, -k), 0.0)


def _tilt_logit(inverse_beta: dd.DoubleDouble, log_alpha: dd.DoubleDouble, log_one_minus_alpha: dd.DoubleDouble) -> dd.DoubleDouble:
    """``x = 1/beta + log alpha - log(1 - alpha)`` (``+inf`` where ``1/beta`` overflows)."""
    x = dd.add(inverse_beta, dd.add(log_alpha, dd.neg(log_one_minus_alpha)))
    overflow = np.isinf(inverse_beta[0])
    return np.where(overflow, np.inf, x[0]), np.where(overflow, 0.0, x[1])


def _tilt_logit_of(alpha: np.ndarray, beta: np.ndarray) -> dd.DoubleDouble:
    return _tilt_logit(_inverse(beta), *_log_odds_parts(alpha))


def _exp_minus_abs(x: dd.DoubleDouble) -> dd.DoubleDouble:
    """``e^{-|x|}``, in ``[0, 1]``."""
    return dd.exp(_select(x[0] >= 0, dd.neg(x), x))


def _sigmoid(x: dd.DoubleDouble) -> np.ndarray:
    """``sigma(x) = 1/(1 + e^{-x})`` as ``1/(1 + t)`` or ``t/(1 + t)``, ``t = e^{-|x|}``."""
    t = _exp_minus_abs(x)
    s, e = dd.two_sum(1.0, t[0])
    numerator = _select(x[0] >= 0, (np.ones_like(t[0]), 0.0), t)
    return dd.to_float(dd.div(numerator, (s, e + t[1])))


def _softplus(x: dd.DoubleDouble) -> dd.DoubleDouble:
    """``log1p(e^x) = max(x, 0) + log1p(e^{-|x|})``."""
    positive = x[0] >= 0
    return dd.add((np.where(positive, x[0], 0.0), np.where(positive, x[1], 0.0)), dd.log1p(_exp_minus_abs(x)))


def _expm1_ratio(c_hi: np.ndarray, c_lo: np.ndarray) -> dd.DoubleDouble:
    """``expm1(c)/c`` for ``0 <= c <= 1``: ``1 + c/2 + c^2/6`` when ``c < 2^-30`` (1 at ``c = 0``)."""

    def series(c_hi: np.ndarray, c_lo: np.ndarray) -> dd.DoubleDouble:
        one_hi, one_lo = dd.two_sum(1.0, 0.5 * c_hi)
        return one_hi, one_lo + (c_hi * c_hi / 6.0 + 0.5 * c_lo)

    def quotient(c_hi: np.ndarray, c_lo: np.ndarray) -> dd.DoubleDouble:
        return dd.div(dd.expm1((c_hi, c_lo)), (c_hi, c_lo))

    return dd.piecewise(c_hi < 2.0**-30, series, quotient, c_hi, c_lo)


def _log1p_ratio(u_hi: np.ndarray, u_lo: np.ndarray) -> dd.DoubleDouble:
    """``log1p(u)/u`` for ``u >= 0``: ``1 - u/2 + u^2/3`` when ``u < 2^-30`` (1 at ``u = 0``)."""

    def series(u_hi: np.ndarray, u_lo: np.ndarray) -> dd.DoubleDouble:
        one_hi, one_lo = dd.two_sum(1.0, -0.5 * u_hi)
        return one_hi, one_lo + (u_hi * u_hi / 3.0 - 0.5 * u_lo)

    def quotient(u_hi: np.ndarray, u_lo: np.ndarray) -> dd.DoubleDouble:
        return dd.div(dd.log1p((u_hi, u_lo)), (u_hi, u_lo))

    return dd.piecewise(u_hi < 2.0**-30, series, quotient, u_hi, u_lo)


def _near_tilt(alpha: np.ndarray, c_hi: np.ndarray, c_lo: np.ndarray) -> tuple[dd.DoubleDouble, dd.DoubleDouble]:
    """For ``c = 1/beta <= 1``: ``f = expm1(c)/c`` and ``u = alpha expm1(c) = alpha c f``,
    so that ``Z = 1 + u``."""
    f = _expm1_ratio(c_hi, c_lo)
    return f, dd.mul((alpha, 0.0), dd.mul((c_hi, c_lo), f))


def _near_log_partition(alpha: np.ndarray, c_hi: np.ndarray, c_lo: np.ndarray) -> dd.DoubleDouble:
    """``log Z = log1p(alpha expm1(c))`` for ``c = 1/beta <= 1``."""
    return dd.log1p(_near_tilt(alpha, c_hi, c_lo)[1])


def _far_log_partition(alpha: np.ndarray, c_hi: np.ndarray, c_lo: np.ndarray) -> dd.DoubleDouble:
    """``log Z = log(1 - alpha) + log1p(e^x)`` for ``c = 1/beta > 1`` (``Z = (1 - alpha)(1 + e^x)``)."""
    log_alpha, log_one_minus_alpha = _log_odds_parts(alpha)
    log_z = dd.add(log_one_minus_alpha, _softplus(_tilt_logit((c_hi, c_lo), log_alpha, log_one_minus_alpha)))
    overflow = np.isinf(c_hi)
    return np.where(overflow, np.inf, log_z[0]), np.where(overflow, 0.0, log_z[1])


def _log_partition(alpha: np.ndarray, beta: np.ndarray) -> dd.DoubleDouble:
    inverse_beta = _inverse(beta)
    return dd.piecewise(inverse_beta[0] <= 1, _near_log_partition, _far_log_partition, alpha, *inverse_beta)


def _near_optimal_value(alpha: np.ndarray, beta: np.ndarray, c_hi: np.ndarray, c_lo: np.ndarray) -> dd.DoubleDouble:
    """``J* = alpha (expm1(c)/c) (log1p(u)/u)`` for ``c = 1/beta <= 1``, ``u = alpha expm1(c)``."""
    f, u = _near_tilt(alpha, c_hi, c_lo)
    return dd.mul((alpha, 0.0), dd.mul(f, _log1p_ratio(*u)))


def _far_optimal_value(alpha: np.ndarray, beta: np.ndarray, c_hi: np.ndarray, c_lo: np.ndarray) -> dd.DoubleDouble:
    """``J* = beta log Z`` for ``c = 1/beta > 1``, on the significands of ``beta`` and
    ``log Z`` (no overflow in the exact product); 1 where ``1/beta`` overflows."""
    log_z_hi, log_z_lo = _far_log_partition(alpha, c_hi, c_lo)
    beta_significand, beta_exponent = np.frexp(beta)
    log_z_significand, log_z_exponent = np.frexp(log_z_hi)
    significand = dd.mul((beta_significand, 0.0), (log_z_significand, np.ldexp(log_z_lo, -log_z_exponent)))
    value = np.ldexp(dd.to_float(significand), beta_exponent + log_z_exponent)
    return np.where(np.isinf(c_hi), 1.0, value), 0.0


@_float64_kernel
def validity_rate(alpha: ArrayLike, beta: ArrayLike) -> Float:
    """``mu_beta = p_beta(Y1) = sigma(1/beta + logit(alpha))``."""
    alpha, beta = _check_alpha_beta(alpha, beta)
    return _sigmoid(_tilt_logit_of(alpha, beta))


@_float64_kernel
def invalidity_rate(alpha: ArrayLike, beta: ArrayLike) -> Float:
    """``1 - mu_beta = sigma(-(1/beta + logit(alpha)))``, never formed as a difference."""
    alpha, beta = _check_alpha_beta(alpha, beta)
    return _sigmoid(dd.neg(_tilt_logit_of(alpha, beta)))


@_float64_kernel
def log_partition(alpha: ArrayLike, beta: ArrayLike) -> Float:
    """``log Z_beta = log(1 - alpha + alpha e^{1/beta})``: ``log1p(alpha expm1(1/beta))``
    for ``1/beta <= 1``, ``log(1 - alpha) + log1p(e^x)`` above; 0 at ``beta = inf``,
    ``inf`` where ``1/beta`` overflows."""
    alpha, beta = _check_alpha_beta(alpha, beta)
    return dd.to_float(_log_partition(alpha, beta))


@_float64_kernel
def optimal_value(alpha: ArrayLike, beta: ArrayLike) -> Float:
    """``J*_beta = max_q E_q[v] - beta KL(q || a) = beta log Z_beta``, in ``(alpha, 1)``.
    For ``1/beta <= 1`` it is ``alpha (expm1(c)/c) (log1p(u)/u)`` with ``c = 1/beta``,
    ``u = alpha expm1(c)`` (no tiny ``log Z`` to multiply by a huge ``beta``; ``alpha``
    at ``beta = inf``); above, ``beta log Z`` is formed on the significands of
    ``beta`` and ``log Z`` so that it cannot overflow (1 where ``1/beta`` overflows)."""
    alpha, beta = _check_alpha_beta(alpha, beta)
    inverse_beta = _inverse(beta)
    return dd.to_float(dd.piecewise(inverse_beta[0] <= 1, _near_optimal_value, _far_optimal_value, alpha, beta, *inverse_beta))


@_float64_kernel
def forward_kl_to_filtered(alpha: ArrayLike, beta: ArrayLike) -> Float:
    """``KL(p_* || p_beta) = -log mu_beta = log1p(e^{-x})``, ``x = 1/beta + logit(alpha)``."""
    alpha, beta = _check_alpha_beta(alpha, beta)
    return dd.to_float(_softplus(dd.neg(_tilt_logit_of(alpha, beta))))


def _log_ratio_near_one(q_hi: Array, q_lo: Array, p_hi: Array, p_lo: Array, d_hi: Array, d_lo: Array) -> dd.DoubleDouble:
    return dd.log1p(dd.div((d_hi, d_lo), (p_hi, p_lo)))


def _log_ratio_far_from_one(q_hi: Array, q_lo: Array, p_hi: Array, p_lo: Array, d_hi: Array, d_lo: Array) -> dd.DoubleDouble:
    return dd.add(dd.log((q_hi, q_lo)), dd.neg(dd.log((p_hi, p_lo))))


def _log_ratio(q: dd.DoubleDouble, p: dd.DoubleDouble, d: dd.DoubleDouble) -> dd.DoubleDouble:
    """``log(q/p)`` for ``q > p > 0`` with ``d = q - p``: ``log1p(d/p)`` when ``q <= 2p``
    (no cancellation between two logs), ``log q - log p`` otherwise."""
    return dd.piecewise(d[0] <= p[0], _log_ratio_near_one, _log_ratio_far_from_one, *q, *p, *d)


@_float64_kernel
def beta_for_validity(alpha: ArrayLike, mu: ArrayLike) -> Float:
    """The temperature that reaches validity ``mu``:
    ``beta(mu) = 1/(logit mu - logit alpha) = 1/(log(mu/alpha) + log((1-alpha)/(1-mu)))``
    for ``alpha < mu < 1`` (``+inf`` at ``mu = alpha``). A log ratio at most
    ``log 2`` is taken as ``log1p(d/alpha)`` or ``log1p(d/(1-mu))`` with
    ``d = mu - alpha`` (exact when ``mu <= 2 alpha``, by Sterbenz' lemma)."""
    alpha, mu = _broadcast(alpha=_check_alpha(alpha), mu=check_float64_input("mu", mu))
    mu = check_interval("mu", mu, alpha, 1, closed_low=True, low_text="alpha")
    d = dd.two_sum(mu, -alpha)
    logit_gap = dd.add(
        _log_ratio((mu, 0.0), (alpha, 0.0), d),
        _log_ratio(dd.two_sum(1.0, -alpha), dd.two_sum(1.0, -mu), d),
    )
    return np.where(d[0] == 0, np.inf, dd.to_float(dd.div((np.ones_like(mu), 0.0), logit_gap)))


def _binary_phi_series(p_hi: Array, p_lo: Array, q_hi: Array, q_lo: Array, d_hi: Array, d_lo: Array) -> dd.DoubleDouble:
    """``p phi(r) = d r (1/2 + r Q(r))``, ``r = d/p``, for ``|r| <= 1/8``."""
    r_hi, r_lo = dd.div((d_hi, d_lo), (p_hi, p_lo))
    tail = np.zeros_like(r_hi)
    for coefficient in reversed(_PHI_TAIL):
        tail = tail * r_hi + coefficient
    half, half_error = dd.two_sum(0.5, r_hi * tail)
    return dd.mul((d_hi, d_lo), dd.mul((r_hi, r_lo), (half, half_error + r_lo * tail)))


def _binary_phi_logarithmic(p_hi: Array, p_lo: Array, q_hi: Array, q_lo: Array, d_hi: Array, d_lo: Array) -> dd.DoubleDouble:
    """``p phi(d/p) = q log(q/p) - d``, with ``0 log 0 = 0``."""
    positive = q_hi > 0
    log_q = dd.log((np.where(positive, q_hi, 1.0), np.where(positive, q_lo, 0.0)))
    q_log_ratio = dd.mul((q_hi, q_lo), dd.add(log_q, dd.neg(dd.log((p_hi, p_lo)))))
    q_log_ratio = (np.where(positive, q_log_ratio[0], 0.0), np.where(positive, q_log_ratio[1], 0.0))
    return dd.add(q_log_ratio, dd.neg((d_hi, d_lo)))


def _scaled_binary_phi(p: dd.DoubleDouble, q: dd.DoubleDouble, d: dd.DoubleDouble) -> dd.DoubleDouble:
    """``p phi(d/p) = q log(q/p) - d`` for ``d = q - p``, ``p > 0``, ``q >= 0``: the
    series when ``|d/p| <= 1/8``, the log form otherwise."""
    near = np.abs(d[0]) <= _PHI_SERIES_RADIUS * p[0]
    return dd.piecewise(near, _binary_phi_series, _binary_phi_logarithmic, *p, *q, *d)


@_float64_kernel
def kl_budget(alpha: ArrayLike, mu: ArrayLike) -> Float:
    """``kl(mu || alpha) = mu log(mu/alpha) + (1-mu) log((1-mu)/(1-alpha))``, the KL
    budget ``KL(p_beta || a)`` spent to reach validity ``mu``, for ``0 <= mu <= 1``,
    as ``alpha phi(d/alpha) + (1-alpha) phi(-d/(1-alpha))`` with ``d = mu - alpha``."""
    alpha, mu = _broadcast(alpha=_check_alpha(alpha), mu=check_interval("mu", check_float64_input("mu", mu), 0, 1, closed_low=True, closed_high=True))
    d = dd.two_sum(mu, -alpha)
    valid_part = _scaled_binary_phi((alpha, 0.0), (mu, 0.0), d)
    invalid_part = _scaled_binary_phi(dd.two_sum(1.0, -alpha), dd.two_sum(1.0, -mu), dd.neg(d))
    return dd.to_float(dd.add(valid_part, invalid_part))


def ulp_error(value: float, exact: Any) -> float:
    """``|value - exact| / ulp(exact)`` for a float64 ``value`` and an exact
    (mpmath) ``exact``, with ``ulp(Y) = 2^(max(e, -1021) - 53)`` where
    ``|Y| = m 2^e``, ``1/2 <= m < 1``: the spacing of float64 numbers in the binade
    of ``Y`` (``2^-1074`` below ``2^-1022``). ``0`` when ``value`` equals ``exact``
    (also for infinities, and for ``value = inf`` when ``|exact|`` rounds past the
    largest float), ``inf`` for NaN or any other mismatch with 0 or infinity."""
    value = float(value)
    with mpmath.workprec(max(mpmath.mp.prec, 1100)):
        exact = mpmath.mpf(exact)
        overflow_threshold = mpmath.mpf(np.finfo(np.float64).max) + mpmath.ldexp(1, 970)
        if np.isnan(value):
            return float("inf")
        if np.isinf(value):
            return 0.0 if value * exact > 0 and abs(exact) >= overflow_threshold else float("inf")
        if exact == 0 or mpmath.isinf(exact):
            return 0.0 if value == exact else float("inf")
        exponent = mpmath.frexp(abs(exact))[1]
        return float(abs(mpmath.mpf(value) - exact) / mpmath.ldexp(1, max(exponent, -1021) - 53))
