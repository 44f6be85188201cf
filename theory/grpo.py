"""The KL-regularized GRPO iteration with a binary reward, in float64 and mpmath.

Setting (Mroueh 2025): a reference policy ``pi_ref`` with success probability
``alpha = p_ref`` in ``(0, 1)``, a KL coefficient ``beta > 0`` and a variance
floor ``eps > 0``. Iteration ``n`` maximizes
``E_pi[A] - beta KL(pi || pi_ref)`` with the group-normalized advantage
``A = (v - p)/s(p)`` of the previous success probability ``p = p_{n-1}``,
``s(p) = sqrt(p (1 - p) + eps)``: ``A = w+ = (1 - p)/s`` on valid outputs and
``A = -w- = -p/s`` on invalid ones. The optimum is
``pi_n = pi_ref e^{A/beta} / Z``, the KL-control optimum at the effective
temperature ``beta s(p)``, so ``p_n = sigma(logit alpha + 1/(beta s(p_{n-1})))``.

The iteration is carried in logit coordinates, ``x = logit p``, where a success
probability within ``e^{-2500}`` of 1 (``beta = 0.04``, ``eps = 1e-4``) is an
ordinary number: ``x_n = H(x_{n-1})`` with
``H(x) = logit alpha + 1/(beta sqrt(v(x) + eps))`` and ``v(x) = sigma(x) sigma(-x)
= e^{-|x|}/(1 + e^{-|x|})^2``. ``H`` maps the whole line into
``[x_lo, x_hi) = [logit alpha + 1/(beta sqrt(1/4 + eps)), logit alpha + 1/(beta sqrt eps))``,
so every iterate ``n >= 1`` and every fixed point lie there (above ``logit alpha``).
Its slope is ``H'(x) = v tanh(x/2) / (2 beta (v + eps)^{3/2})``, whose absolute
value ``phi(v)/(2 beta)``, ``phi(v) = v sqrt(1 - 4v)/(v + eps)^{3/2}``, is unimodal in
``v`` with maximum ``phi_max = 2/(sqrt(27 eps)(1 + 4 eps))`` at ``v_c = 2 eps/(1 + 12 eps)``
(``d log phi/dv = (2 eps - (1 + 12 eps) v) / (2 v (1 - 4v)(v + eps))``). Hence:

- ``G(x) = x - H(x)`` has ``G' = 1 - H' >= 1`` for ``x <= 0`` and, for ``x > 0``,
  ``G' < 0`` exactly where ``phi(v(x)) > 2 beta``: an interval ``(x_a, x_b)`` around
  ``x_c = arccosh((1 + 8 eps)/(4 eps))`` (where ``v = v_c``), empty when
  ``phi_max <= 2 beta``. So ``H`` has one, two or three fixed points, found exactly
  by bisection on the (at most three) intervals where ``G`` is monotone.
- When ``beta sqrt(27 eps)(1 + 4 eps) > 1``, ``|H'| <= k = 1/(beta sqrt(27 eps)(1 + 4 eps)) < 1``
  on the whole line: ``H`` is a contraction, with one fixed point that every
  start reaches, ``|x_n - x*| <= k^n |x_0 - x*|``.

Main definitions (float64, numpy; ``_mp``: the same at the current mpmath precision)
- ``advantage_weights(p, eps)``: ``(w+, w-) = ((1 - p)/s(p), p/s(p))``.
- ``effective_temperature(beta, p, eps)``: ``beta s(p)``.
- ``next_policy(problem, beta, p, eps)``: ``log pi_n = log p_{beta s(p)}`` of a
  ``BinaryRewardProblem`` (base ``pi_ref``), from its stable block form; ``next_policy_mp``
  the same for its precise view.
- ``success_map(alpha, beta, p, eps)``: ``p_n = mu_{beta s(p)} = sigma(logit alpha + 1/(beta s(p)))``;
  ``failure_map``: ``1 - p_n`` (never formed as a difference).
- ``logit_map``: ``H(x)``; ``map_slope``: ``H'(x)``.
- ``iterate(alpha, beta, eps, steps, start)``: the logits ``x_0, ..., x_steps`` from
  ``x_0 = start`` (default ``logit alpha``: ``pi_0 = pi_ref``).
- ``fixed_points(alpha, beta, eps)``: the logits of every fixed point of ``H``, increasing.
- ``location(alpha, beta, eps)``: ``(x_lo, x_hi)``.
- ``contraction_bound(beta, eps)``: ``k = 1/(beta sqrt(27 eps)(1 + 4 eps))``, the largest ``|H'|``.
- ``guaranteed_rate(alpha, beta, eps)``: a rate ``r < 1`` with ``|x_n - x*| <= r^{n-1} |x_1 - x*|``
  for every start, when one of two sufficient conditions holds: ``k < 1`` (then ``r = k``),
  or ``x_lo >= x_c`` and ``r = phi(v(x_lo))/(2 beta) < 1`` (``H`` maps ``[x_lo, x_hi]`` into
  itself with ``0 <= H' <= r`` there, since ``phi(v(x))`` decreases for ``x >= x_c``);
  ``None`` when neither holds (convergence is then not guaranteed: see ``fixed_points`` and
  the slopes ``map_slope`` there).
- ``success_probability(x)``: ``(sigma(x), sigma(-x))``, the success and failure probabilities of a logit.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import mpmath
import numpy as np
from numpy.typing import ArrayLike

from theory import closed_form, precise
from theory.errors import DomainError, check_float64_input, check_interval, check_scalar
from theory.problem import BinaryRewardProblem, ProblemView

__all__ = [
    "advantage_weights", "effective_temperature", "next_policy", "next_policy_mp", "success_map", "failure_map", "logit_map", "map_slope",
    "iterate", "fixed_points", "location", "contraction_bound", "guaranteed_rate", "success_probability",
    "logit_map_mp", "map_slope_mp", "iterate_mp", "fixed_points_mp", "location_mp", "success_map_mp",
]


# --- checks -----------------------------------------------------------------------------------

def _eps(eps: Any) -> Any:
    return check_interval("eps", eps, 0, math.inf)


def _beta(beta: Any) -> Any:
    return check_interval("beta", beta, 0, math.inf)


def _float(name: str, value: Any, check: Callable[[Any], Any]) -> float:
    return float(check(check_scalar(name, check_float64_input(name, value))))


def _steps(steps: Any) -> int:
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise DomainError(f"steps must be a non-negative integer; got {steps!r}")
    return int(steps)


# --- float64 ----------------------------------------------------------------------------------

def _spread(p: np.ndarray, eps: Any) -> np.ndarray:
    return np.sqrt(p * (1 - p) + eps)


def advantage_weights(p: ArrayLike, eps: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """``w+ = (1 - p)/s(p)`` and ``w- = p/s(p)``, ``s(p) = sqrt(p (1 - p) + eps)``: the
    group-normalized advantage of a valid and (with a minus sign) an invalid output."""
    p = check_interval("p", check_float64_input("p", p), 0, 1, closed_low=True, closed_high=True)
    spread = _spread(p, _eps(check_float64_input("eps", eps)))
    return ((1 - p) / spread)[()], (p / spread)[()]


def effective_temperature(beta: ArrayLike, p: ArrayLike, eps: ArrayLike) -> np.float64 | np.ndarray:
    """``beta s(p) = beta sqrt(p (1 - p) + eps)``: the KL-control temperature of the GRPO step."""
    p = check_interval("p", check_float64_input("p", p), 0, 1, closed_low=True, closed_high=True)
    return (_beta(check_float64_input("beta", beta)) * _spread(p, _eps(check_float64_input("eps", eps))))[()]


def next_policy(problem: BinaryRewardProblem, beta: float, p: float, eps: float) -> np.ndarray:
    """``log pi_n(y) = log pi_ref(y) + A(y)/beta - log Z_n``: the GRPO step from the previous
    success probability ``p``, which is the KL-control optimum ``p_{beta s(p)}`` of the problem
    (base ``pi_ref``), in float64 from its block form (``BinaryRewardProblem.log_tilted``)."""
    return problem.log_tilted(float(effective_temperature(check_scalar("beta", beta), check_scalar("p", p), eps)))


def success_map(alpha: ArrayLike, beta: ArrayLike, p: ArrayLike, eps: ArrayLike) -> np.float64 | np.ndarray:
    """``p_n = sigma(logit alpha + 1/(beta s(p)))``, the validity rate ``mu`` of ``alpha`` at the
    effective temperature ``beta s(p)`` (``closed_form.validity_rate``, within 2 ulp of it)."""
    return closed_form.validity_rate(alpha, effective_temperature(beta, p, eps))


def failure_map(alpha: ArrayLike, beta: ArrayLike, p: ArrayLike, eps: ArrayLike) -> np.float64 | np.ndarray:
    """``1 - p_n = sigma(-(logit alpha + 1/(beta s(p))))``, never formed as a difference."""
    return closed_form.invalidity_rate(alpha, effective_temperature(beta, p, eps))


_FAR = 700.0
"""Beyond ``|x| = 700``, ``v(x) = e^{-|x|}/(1 + e^{-|x|})^2`` nears the subnormal range."""


def _variance(x: np.ndarray) -> np.ndarray:
    """``v(x) = sigma(x) sigma(-x) = t/(1 + t)^2``, ``t = e^{-|x|}`` (0 when ``t`` underflows)."""
    t = np.exp(-np.abs(x))
    return t / (1 + t) ** 2


def _logit(alpha: float) -> float:
    return math.log(alpha) - math.log1p(-alpha)


def logit_map(alpha: ArrayLike, beta: ArrayLike, x: ArrayLike, eps: ArrayLike) -> np.float64 | np.ndarray:
    """``H(x) = logit alpha + 1/(beta sqrt(v(x) + eps))``: ``logit p_n`` from ``x = logit p_{n-1}``."""
    alpha = check_interval("alpha", check_float64_input("alpha", alpha), 0, 1)
    x = check_interval("x", check_float64_input("x", x), -math.inf, math.inf)
    beta, eps = _beta(check_float64_input("beta", beta)), _eps(check_float64_input("eps", eps))
    log_odds = np.log(alpha) - np.log1p(-alpha)
    return (log_odds + 1 / (beta * np.sqrt(_variance(x) + eps)))[()]


def map_slope(beta: ArrayLike, x: ArrayLike, eps: ArrayLike) -> np.float64 | np.ndarray:
    """``H'(x) = v(x) tanh(x/2) / (2 beta (v(x) + eps)^{3/2})`` (it does not depend on ``alpha``): within a
    few ulps for ``|x| < 700``; beyond, where ``v(x) < e^{-700}`` would be subnormal, ``v/(v + eps)^{3/2}`` is
    formed as ``exp(log v - 1.5 log(v + eps))`` with ``log v = -|x| - 2 log1p(e^{-|x|})``, accurate to
    ``(|x| + 1.5 |log(v + eps)|) 2^-53`` relative."""
    x = check_interval("x", check_float64_input("x", x), -math.inf, math.inf)
    beta, eps = _beta(check_float64_input("beta", beta)), _eps(check_float64_input("eps", eps))
    far = np.abs(x) >= _FAR
    t = np.exp(-np.where(far, 0.0, np.abs(x)))
    v = t / (1 + t) ** 2
    near_ratio = v / (v + eps) ** 1.5
    with np.errstate(divide="ignore", over="ignore"):
        log_v = -np.abs(x) - 2 * np.log1p(np.exp(-np.abs(x)))
        far_ratio = np.exp(log_v - 1.5 * np.log(np.exp(log_v) + eps))
    return (np.tanh(x / 2) * np.where(far, far_ratio, near_ratio) / (2 * beta))[()]


def success_probability(x: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """``(sigma(x), sigma(-x))``: the success and failure probabilities of the logit ``x``,
    each without cancellation."""
    x = check_interval("x", check_float64_input("x", x), -math.inf, math.inf)
    with np.errstate(over="ignore"):
        return (1 / (1 + np.exp(-x)))[()], (1 / (1 + np.exp(x)))[()]


def contraction_bound(beta: float, eps: float) -> float:
    """``k = max_x |H'(x)| = 1/(beta sqrt(27 eps)(1 + 4 eps))``; ``H`` is a contraction when ``k < 1``."""
    beta = _float("beta", beta, _beta)
    eps = _float("eps", eps, _eps)
    return 1 / (beta * math.sqrt(27 * eps) * (1 + 4 * eps))


def guaranteed_rate(alpha: float, beta: float, eps: float) -> float | None:
    """``k`` when ``k < 1``; else ``phi(v(x_lo))/(2 beta)`` when ``x_lo >= x_c`` and it is below 1;
    else ``None`` (module docstring)."""
    k = contraction_bound(beta, eps)
    if k < 1:
        return k
    x_lo = location(alpha, beta, eps)[0]
    if x_lo < math.acosh((1 + 8 * eps) / (4 * eps)):
        return None
    rate = float(map_slope(beta, x_lo, eps))
    return rate if rate < 1 else None


def location(alpha: float, beta: float, eps: float) -> tuple[float, float]:
    """``(x_lo, x_hi) = (logit alpha + 1/(beta sqrt(1/4 + eps)), logit alpha + 1/(beta sqrt eps))``:
    ``H`` maps the line into ``[x_lo, x_hi)``, which holds every iterate ``n >= 1`` and every
    fixed point."""
    alpha = _float("alpha", alpha, lambda a: check_interval("alpha", a, 0, 1))
    beta, eps = _float("beta", beta, _beta), _float("eps", eps, _eps)
    log_odds = _logit(alpha)
    return log_odds + 1 / (beta * math.sqrt(0.25 + eps)), log_odds + 1 / (beta * math.sqrt(eps))


def iterate(alpha: float, beta: float, eps: float, steps: int, start: float | None = None) -> np.ndarray:
    """The logits ``x_0, ..., x_steps`` of ``x_n = H(x_{n-1})`` from ``x_0 = start``
    (default ``logit alpha``, the reference policy)."""
    alpha = _float("alpha", alpha, lambda a: check_interval("alpha", a, 0, 1))
    beta, eps, steps = _float("beta", beta, _beta), _float("eps", eps, _eps), _steps(steps)
    x = _logit(alpha) if start is None else _float("start", start, lambda s: check_interval("start", s, -math.inf, math.inf))
    path = [x]
    for _ in range(steps):
        x = float(logit_map(alpha, beta, x, eps))
        path.append(x)
    return np.array(path)


# --- fixed points: the same algorithm in float64 and in mpmath -----------------------------------

class _Arithmetic:
    """The few operations the fixed-point search needs, in float64 or in mpmath."""

    def __init__(self, exact: bool) -> None:
        self.exact = exact
        lib = mpmath if exact else math
        self.sqrt, self.log, self.exp, self.tanh, self.acosh = lib.sqrt, lib.log, lib.exp, lib.tanh, lib.acosh
        self.number = mpmath.mpf if exact else float

    def variance(self, x: Any) -> Any:
        t = self.exp(-abs(x))
        return t / (1 + t) ** 2

    @staticmethod
    def midpoint(low: Any, high: Any) -> Any | None:
        """The midpoint, or None when ``low`` and ``high`` are adjacent numbers of the working precision."""
        middle = low + (high - low) / 2
        return None if middle in (low, high) else middle


def _bisect(f: Callable[[Any], Any], low: Any, high: Any, arithmetic: _Arithmetic) -> Any:
    """A root of ``f`` on ``[low, high]`` where ``f(low)`` and ``f(high)`` differ in sign (or one is
    0), down to adjacent numbers; the end with the smaller ``|f|``."""
    f_low, f_high = f(low), f(high)
    if f_low == 0:
        return low
    if f_high == 0:
        return high
    while (middle := arithmetic.midpoint(low, high)) is not None:
        f_middle = f(middle)
        if f_middle == 0:
            return middle
        if (f_middle > 0) == (f_low > 0):
            low, f_low = middle, f_middle
        else:
            high, f_high = middle, f_middle
    return low if abs(f_low) <= abs(f_high) else high


def _fixed_points(alpha: Any, beta: Any, eps: Any, arithmetic: _Arithmetic) -> list[Any]:
    """Every root of ``G(x) = x - H(x)``: ``G`` is monotone on at most three intervals
    (module docstring); a root is bisected on each interval where ``G`` changes sign."""
    sqrt, log = arithmetic.sqrt, arithmetic.log
    log_odds = log(alpha) - log(1 - alpha) if arithmetic.exact else _logit(alpha)
    x_lo, x_hi = log_odds + 1 / (beta * sqrt(arithmetic.number(1) / 4 + eps)), log_odds + 1 / (beta * sqrt(eps))

    def gap(x: Any) -> Any:
        return x - log_odds - 1 / (beta * sqrt(arithmetic.variance(x) + eps))

    def excess(x: Any) -> Any:  # phi(v(x)) - 2 beta for x > 0: G' < 0 exactly where it is positive
        v = arithmetic.variance(x)
        return v * arithmetic.tanh(x / 2) / (v + eps) ** arithmetic.number(1.5) - 2 * beta

    breaks = []
    if beta * sqrt(27 * eps) * (1 + 4 * eps) < 1:  # phi_max > 2 beta: G decreases on (x_a, x_b)
        x_c = arithmetic.acosh((1 + 8 * eps) / (4 * eps))
        beyond = max(x_c, -log(2 * beta) - arithmetic.number(1.5) * log(eps)) + 1  # v(x) < 2 beta eps^{3/2} there
        breaks = [_bisect(excess, arithmetic.number(0), x_c, arithmetic), _bisect(excess, x_c, beyond, arithmetic)]
    # every root lies in [x_lo, x_hi); G(x_lo - 1) <= -1 and G(x_hi + 1) >= 1 keep the end signs robust
    ends = [x_lo - 1, *[b for b in breaks if x_lo - 1 < b < x_hi + 1], x_hi + 1]
    roots: list[Any] = []
    for low, high in zip(ends, ends[1:]):
        g_low, g_high = gap(low), gap(high)
        if g_low <= 0 <= g_high or g_high <= 0 <= g_low:
            root = _bisect(gap, low, high, arithmetic)
            if not roots or root != roots[-1]:
                roots.append(root)
    return roots


def fixed_points(alpha: float, beta: float, eps: float) -> np.ndarray:
    """The logits ``x*`` of every fixed point of ``H`` (``p* = sigma(x*)``), increasing: one, two
    (a tangency) or three. Each is a float64 within a few ulps of ``|x*|`` of the exact root
    (bisection down to adjacent floats on an interval where ``G = x - H(x)`` is monotone)."""
    alpha = _float("alpha", alpha, lambda a: check_interval("alpha", a, 0, 1))
    beta, eps = _float("beta", beta, _beta), _float("eps", eps, _eps)
    return np.array(_fixed_points(alpha, beta, eps, _Arithmetic(exact=False)))


# --- mpmath -------------------------------------------------------------------------------------

def _mp(name: str, value: Any, low: Any, high: Any) -> mpmath.mpf:
    return check_interval(name, mpmath.mpf(value), low, high)


def next_policy_mp(view: ProblemView, beta: Any, p: Any, eps: Any) -> np.ndarray:
    """``log pi_n`` at the current mpmath precision, for the precise view of a problem
    (``BinaryRewardProblem(...).precise``): its ``log_tilted`` at ``beta s(p)``."""
    p = check_interval("p", mpmath.mpf(p), 0, 1, closed_low=True, closed_high=True)
    eps = _mp("eps", eps, 0, mpmath.inf)
    return view.log_tilted(_mp("beta", beta, 0, mpmath.inf) * mpmath.sqrt(p * (1 - p) + eps))


def success_map_mp(alpha: Any, beta: Any, p: Any, eps: Any) -> mpmath.mpf:
    """``p_n = mu_{beta s(p)}`` with ``theory.precise`` at the current precision."""
    p = check_interval("p", mpmath.mpf(p), 0, 1, closed_low=True, closed_high=True)
    eps = _mp("eps", eps, 0, mpmath.inf)
    return precise.validity_rate(alpha, _mp("beta", beta, 0, mpmath.inf) * mpmath.sqrt(p * (1 - p) + eps))


def logit_map_mp(alpha: Any, beta: Any, x: Any, eps: Any) -> mpmath.mpf:
    """``H(x)`` at the current mpmath precision."""
    alpha, x = _mp("alpha", alpha, 0, 1), _mp("x", x, -mpmath.inf, mpmath.inf)
    beta, eps = _mp("beta", beta, 0, mpmath.inf), _mp("eps", eps, 0, mpmath.inf)
    return precise.logit(alpha) + 1 / (beta * mpmath.sqrt(_Arithmetic(exact=True).variance(x) + eps))


def map_slope_mp(beta: Any, x: Any, eps: Any) -> mpmath.mpf:
    """``H'(x)`` at the current mpmath precision."""
    x = _mp("x", x, -mpmath.inf, mpmath.inf)
    beta, eps = _mp("beta", beta, 0, mpmath.inf), _mp("eps", eps, 0, mpmath.inf)
    v = _Arithmetic(exact=True).variance(x)
    return v * mpmath.tanh(x / 2) / (2 * beta * (v + eps) ** mpmath.mpf(1.5))


def location_mp(alpha: Any, beta: Any, eps: Any) -> tuple[mpmath.mpf, mpmath.mpf]:
    """``(x_lo, x_hi)`` at the current mpmath precision."""
    alpha = _mp("alpha", alpha, 0, 1)
    beta, eps = _mp("beta", beta, 0, mpmath.inf), _mp("eps", eps, 0, mpmath.inf)
    log_odds = precise.logit(alpha)
    return log_odds + 1 / (beta * mpmath.sqrt(mpmath.mpf(1) / 4 + eps)), log_odds + 1 / (beta * mpmath.sqrt(eps))


def iterate_mp(alpha: Any, beta: Any, eps: Any, steps: int, start: Any = None) -> list[mpmath.mpf]:
    """The logits ``x_0, ..., x_steps`` at the current mpmath precision."""
    steps = _steps(steps)
    x = precise.logit(_mp("alpha", alpha, 0, 1)) if start is None else _mp("start", start, -mpmath.inf, mpmath.inf)
    path = [x]
    for _ in range(steps):
        x = logit_map_mp(alpha, beta, x, eps)
        path.append(x)
    return path


def fixed_points_mp(alpha: Any, beta: Any, eps: Any) -> list[mpmath.mpf]:
    """The logits of every fixed point of ``H`` at the current mpmath precision (the same
    monotone pieces, bisected to ``2^-prec`` relative)."""
    alpha = _mp("alpha", alpha, 0, 1)
    beta, eps = _mp("beta", beta, 0, mpmath.inf), _mp("eps", eps, 0, mpmath.inf)
    return _fixed_points(alpha, beta, eps, _Arithmetic(exact=True))
