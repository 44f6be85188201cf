"""Double-double arithmetic on numpy arrays, used by :mod:`theory.closed_form`.

A double-double is a pair ``(hi, lo)`` of float64 arrays standing for the
unevaluated sum ``hi + lo`` with ``|lo| <= ulp(hi)/2``: about 106 bits of
significand, enough to carry ``x = 1/beta + logit(alpha)`` (up to ``|x| ~ 1e6``)
with an absolute error far below the float64 spacing of ``e^{-x}``. Only the
operations the closed forms need are here. ``lo`` may be a scalar ``0.0``.
Sums and products are exact transformations (error-free for finite arguments
without overflow or underflow); ``log`` and ``exp`` are accurate to about
``2^-75`` relative, ``2^22`` times below the float64 resolution.

Main definitions
- ``two_sum(a, b)``: ``s + e = a + b`` exactly with ``s = fl(a + b)`` (Knuth).
- ``two_prod(a, b)``: ``p + e = a b`` exactly with ``p = fl(a b)`` (Dekker,
  with Veltkamp's split; requires ``|a|, |b| < 2^996``).
- ``add``, ``neg``, ``mul``, ``div``: ``x + y``, ``-x``, ``x y``, ``x / y``.
- ``log``: ``log x = k log 2 + log c_j + log1p(r)`` with ``x = 2^k m``,
  ``m in [3/4, 3/2)``, ``c_j = j/256`` the table point nearest ``m`` and
  ``r = (m - c_j)/c_j`` (``|r| < 2^-8.5``, a short series); values near 1 get
  ``k = 0``, ``c_j = 1``, so ``log`` is also accurate as ``log1p``.
- ``log1p``: ``log(1 + u)``, by the series for ``|u| < 2^-9``, else ``log`` of
  ``1 + u`` formed exactly.
- ``exp``: ``e^x = e (1 + delta)`` with ``e = exp(x_hi)`` (numpy) and
  ``delta = x - log e`` (one Newton step on ``log``).
- ``expm1``: ``e^x - 1 = e + (1 + e) delta`` with ``e = expm1(x_hi)``,
  ``delta = x - log1p(e)``.
- ``to_float``: ``fl(hi + lo)``, keeping ``hi`` where it is not finite.
- ``piecewise``: one of two functions per element, each evaluated only where it applies.
"""

from __future__ import annotations

from collections.abc import Callable

import mpmath
import numpy as np

DoubleDouble = tuple[np.ndarray, np.ndarray | float]

_SPLITTER = 2.0**27 + 1.0
_TABLE_STEPS = 256
_TABLE_FIRST = 192  # c_j = j / 256 for j = 192 .. 384 covers m in [3/4, 3/2)
_TABLE_LAST = 384
# log1p(r) = r - r^2/2 + r^3 P(r), P(r) = sum_{k>=0} (-r)^k / (k + 3), |r| < 2^-8.5
_LOG1P_TAIL = tuple((-1.0) ** k / (k + 3) for k in range(8))


def _log_table() -> tuple[np.ndarray, np.ndarray, float, float]:
    with mpmath.workprec(160):
        values = [mpmath.log(mpmath.mpf(j) / _TABLE_STEPS) for j in range(_TABLE_FIRST, _TABLE_LAST + 1)]
        his = [float(v) for v in values]
        los = [float(v - h) for v, h in zip(values, his)]
        ln2 = mpmath.log(2)
        ln2_hi = float(ln2)
        ln2_lo = float(ln2 - ln2_hi)
    return np.array(his), np.array(los), ln2_hi, ln2_lo


_LOG_HI, _LOG_LO, _LN2_HI, _LN2_LO = _log_table()


def two_sum(a: np.ndarray, b: np.ndarray) -> DoubleDouble:
    """``(s, e)`` with ``s = fl(a + b)`` and ``s + e = a + b`` exactly."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _fast_two_sum(a: np.ndarray, b: np.ndarray) -> DoubleDouble:
    """``two_sum`` for ``|a| >= |b|`` (or ``a = 0``): renormalizes a pair."""
    s = a + b
    return s, b - (s - a)


def _split(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    t = _SPLITTER * a
    hi = t - (t - a)
    return hi, a - hi


def two_prod(a: np.ndarray, b: np.ndarray) -> DoubleDouble:
    """``(p, e)`` with ``p = fl(a b)`` and ``p + e = a b`` exactly."""
    p = a * b
    a_hi, a_lo = _split(a)
    b_hi, b_lo = _split(b)
    return p, ((a_hi * b_hi - p) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo


def neg(x: DoubleDouble) -> DoubleDouble:
    """``-x``."""
    return -x[0], -x[1]


def add(x: DoubleDouble, y: DoubleDouble) -> DoubleDouble:
    """``x + y``, with absolute error ``~2^-106 max(|x|, |y|)``."""
    s, e = two_sum(x[0], y[0])
    return _fast_two_sum(s, e + (x[1] + y[1]))


def mul(x: DoubleDouble, y: DoubleDouble) -> DoubleDouble:
    """``x y``, with relative error ``~2^-104``."""
    p, e = two_prod(x[0], y[0])
    return _fast_two_sum(p, e + (x[0] * y[1] + x[1] * y[0]))


def div(x: DoubleDouble, y: DoubleDouble) -> DoubleDouble:
    """``x / y``, with relative error ``~2^-104``. Both are scaled by ``2^600``
    when ``|y_hi| < 2^-500`` (by ``2^-600`` when ``|y_hi| > 2^500``) so that the
    residual ``x - q y`` neither underflows nor overflows."""
    x_hi, x_lo, y_hi, y_lo = x[0], x[1], y[0], y[1]
    magnitude = np.abs(y_hi)
    if np.any(magnitude < 2.0**-500) or np.any(magnitude > 2.0**500):
        scale = np.where(magnitude < 2.0**-500, 2.0**600, np.where(magnitude > 2.0**500, 2.0**-600, 1.0))
        x_hi, x_lo, y_hi, y_lo = x_hi * scale, x_lo * scale, y_hi * scale, y_lo * scale
    q = x_hi / y_hi
    p, e = two_prod(q, y_hi)
    return _fast_two_sum(q, (((x_hi - p) - e) + x_lo - q * y_lo) / y_hi)


def _log1p_small(r_hi: np.ndarray, r_lo: np.ndarray | float) -> DoubleDouble:
    """``log1p(r)`` for ``|r| < 2^-8.5``: ``r - r^2/2`` exactly, the rest in float64."""
    sq_hi, sq_lo = two_prod(r_hi, r_hi)
    tail = np.zeros_like(r_hi)
    for coefficient in reversed(_LOG1P_TAIL):
        tail = tail * r_hi + coefficient
    s, e = two_sum(r_hi, -0.5 * sq_hi)
    return _fast_two_sum(s, e + (-0.5 * sq_lo + r_hi * sq_hi * tail + r_lo * (1.0 - r_hi)))


def log(x: DoubleDouble) -> DoubleDouble:
    """``log x`` for ``x > 0`` (``-inf`` at 0, ``inf`` at ``inf``, like ``numpy.log``)."""
    x_hi, x_lo = x
    regular = (x_hi > 0) & (x_hi < np.inf)
    safe = np.where(regular, x_hi, 1.0)
    m, k = np.frexp(safe)
    low = m < 0.75
    m = np.where(low, 2.0 * m, m)
    k = np.where(low, k - 1, k).astype(np.float64)
    j = np.rint(m * _TABLE_STEPS).astype(np.intp)
    c = j / _TABLE_STEPS
    series = _log1p_small(*div((m - c, 0.0), (c, 0.0)))
    table = (_LOG_HI[j - _TABLE_FIRST], _LOG_LO[j - _TABLE_FIRST])
    exponent_hi, exponent_lo = two_prod(k, _LN2_HI)
    exponent = _fast_two_sum(exponent_hi, exponent_lo + k * _LN2_LO)
    if np.any(x_lo != 0):  # log(x_hi + x_lo) = log x_hi + log1p(t), t = x_lo / x_hi, |t| <= 2^-53
        t_hi, t_lo = div((x_lo, 0.0), (safe, 0.0))
        series = add(series, (t_hi, t_lo - 0.5 * t_hi * t_hi))
    total = add(add(exponent, table), series)
    fallback = np.log(x_hi)
    return np.where(regular, total[0], fallback), np.where(regular, total[1], 0.0)


def piecewise(
    condition: np.ndarray,
    when_true: Callable[..., DoubleDouble],
    when_false: Callable[..., DoubleDouble],
    *arguments: np.ndarray | float,
) -> DoubleDouble:
    """``when_true(*arguments)`` where ``condition`` holds and ``when_false(*arguments)``
    elsewhere, each evaluated only on its own elements (the arguments are
    broadcast to the shape of ``condition`` and passed as flat arrays)."""
    hi, lo = np.empty(condition.shape), np.empty(condition.shape)
    for mask, branch in ((condition, when_true), (~condition, when_false)):
        if mask.any():
            branch_hi, branch_lo = branch(*(np.broadcast_to(argument, condition.shape)[mask] for argument in arguments))
            hi[mask], lo[mask] = branch_hi, branch_lo
    return hi, lo


def _log_one_plus(u_hi: np.ndarray, u_lo: np.ndarray) -> DoubleDouble:
    s, e = two_sum(1.0, u_hi)
    return log(_fast_two_sum(s, e + u_lo))


def log1p(u: DoubleDouble) -> DoubleDouble:
    """``log(1 + u)`` for ``u > -1``: the series when ``|u| < 2^-9`` (``1 + u``
    would drop the low part of a tiny ``u``), else ``log`` of ``1 + u`` formed exactly."""
    return piecewise(np.abs(u[0]) < 2.0**-9, _log1p_small, _log_one_plus, u[0], u[1])


def exp(x: DoubleDouble) -> DoubleDouble:
    """``e^x``; 0 where ``e^{x_hi}`` underflows to 0, ``inf`` where it overflows."""
    e = np.exp(x[0])
    regular = (e > 0) & (e < np.inf)
    safe = np.where(regular, e, 1.0)
    log_hi, log_lo = log((safe, 0.0))
    delta = (x[0] - log_hi) + (x[1] - log_lo)
    hi, lo = _fast_two_sum(safe, safe * delta)
    return np.where(regular, hi, e), np.where(regular, lo, 0.0)


def expm1(x: DoubleDouble) -> DoubleDouble:
    """``e^x - 1`` for finite ``x`` with ``e^x`` finite."""
    e = np.expm1(x[0])
    log_hi, log_lo = log1p((e, 0.0))
    delta = (x[0] - log_hi) + (x[1] - log_lo)
    return _fast_two_sum(e, (1.0 + e) * delta)


def to_float(x: DoubleDouble) -> np.ndarray:
    """``fl(hi + lo)``; ``hi`` itself where it is infinite (``lo`` is then meaningless)."""
    hi, lo = x
    return np.where(np.isfinite(hi), hi + lo, hi)
