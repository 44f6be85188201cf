"""Certified positivity of an expression on a box: branch and bound with ball arithmetic.

``prove_positive`` decides ``f > 0`` on a compact box ``prod_i [low_i, high_i]``
whose endpoints are exact rationals. Each box is enclosed with python-flint balls
at a precision that grows with the box's depth; a box is *closed* when a rigorous
lower bound of ``f`` on it is positive, and is split otherwise. Three lower
bounds are taken on a box ``X`` with exact midpoint ``m`` and ``D = X - m``:

- the naive enclosure ``f(X)`` (the expression evaluated on the box's balls);
- the mean-value form ``f(m) + sum_i G_i D_i``, where ``G_i`` encloses ``df/dx_i``
  on ``X``: the intersection of the naive derivative enclosure (an ``arb_series``
  along ``e_i`` over ``X``) with its own mean-value form ``df/dx_i(m) + sum_j
  H_ij(X) D_j``, the Hessian ``H(X)`` enclosed with series of length 3 along
  ``e_i`` and ``e_i + e_j`` (``H_ij = c_ij - c_i - c_j`` from the second
  coefficients ``c``);
- the second-order Taylor form ``f(m) + grad f(m) . D + 1/2 D' H(X) D``.

When some ``G_i`` excludes 0, ``f`` is monotone in ``x_i`` on ``X``: its minimum
lies on the face ``x_i = low_i`` (``G_i > 0``) or ``x_i = high_i`` (``G_i < 0``), and
the bounds are taken on that face instead, down to a corner (an exact point).
The series evaluate ``log1p(u)`` as ``log(1 + u)`` and ``expm1(u)`` as ``e^u - 1``
(the same derivatives); heads without series (``Abs``, ``Min``, ``Max``,
``sign``, ``Piecewise``) leave only the naive enclosure.

A box is split along the axis whose term ``|G_i| r_i`` of the mean-value form is
largest (without derivatives: the axis widest relative to its distance from the
nearer end of its range). An axis near an end of its range (the interval's
distance to that end grows more than ``LOG_RATIO`` times across it), and an axis
with no upper end, is split at a short decimal near the geometric mean of its
distances to the end; otherwise at its midpoint. So ``[10^-6, 1/2]`` is halved
in ``log x`` and ``[10^-3, 10^3]`` in ``log x`` both ways.

A point of a box (its midpoint, or the corner a monotone face reduces to) whose
enclosure is certainly ``<= 0`` (``< 0`` for ``strict=False``) is a candidate
counterexample, handed to ``confirm``; the search stops at the first one
``confirm`` certifies. Running out of budget, or a box narrower than
``MIN_WIDTH_BITS`` bits that stays open, leaves boxes *undecided*: never a proof.

Main definitions
- ``Axis(low, high, floor, ceiling)``: one coordinate of the box, ``[low, high]``
  inside the range ``(floor, ceiling)`` of its meaning (``ceiling`` None for oo),
  which only steers the splitting.
- ``Budget(boxes, seconds)``: the most boxes examined and the wall time (defaults
  ``20000`` and ``60`` s; the box count is the deterministic budget, the seconds
  a safety stop).
- ``Outcome``: ``verdict`` (``proved`` / ``refuted`` / ``undecided``), boxes
  examined, seconds, the open boxes left, whether the budget ran out, and what
  ``confirm`` returned for a counterexample.
- ``prove_positive(f, symbols, axes, strict, budget, confirm)``.
"""

from __future__ import annotations

import heapq
import itertools
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal

import sympy as sp
from flint import arb, arb_series, ctx, fmpq
from sympy.codegen.cfunctions import expm1, log1p

from proofs_checks.certified import compile_expr

__all__ = ["Axis", "Budget", "Box", "Outcome", "prove_positive", "LOG_RATIO", "MIN_WIDTH_BITS"]

LOG_RATIO = 4
"""An interval ``[low, high]`` whose distances to the near end of its range differ more than
this factor is split at their geometric mean."""
MIN_WIDTH_BITS = 2000
"""A box narrower than ``2^-MIN_WIDTH_BITS`` relative to its coordinates is not split further."""
START_PREC = 64
GUARD_BITS = 32
POINT_MAX_PREC = 4096
"""A point value whose ball still contains 0 is recomputed at up to this many bits."""

Box = tuple[tuple[Fraction, ...], tuple[Fraction, ...]]
"""``(lows, highs)``: exact endpoints per axis (``low == high`` for a fixed coordinate)."""


@dataclass(frozen=True)
class Axis:
    """A coordinate ``[low, high]`` in the range ``(floor, ceiling)`` (``ceiling`` None: no upper end)."""

    low: Fraction
    high: Fraction
    floor: Fraction
    ceiling: Fraction | None = None

    def __post_init__(self) -> None:
        if not self.floor <= self.low < self.high or (self.ceiling is not None and self.high > self.ceiling):
            raise ValueError(f"an axis needs floor <= low < high <= ceiling; got low={self.low}, high={self.high}, "
                             f"range ({self.floor}, {self.ceiling if self.ceiling is not None else 'oo'})")


@dataclass(frozen=True)
class Budget:
    """The most boxes examined and the most wall-clock seconds."""

    boxes: int = 20000
    seconds: float = 60.0


@dataclass
class Outcome:
    """What the branch and bound established on the box."""

    verdict: Literal["proved", "refuted", "undecided"]
    boxes: int
    seconds: float
    open: list[Box] = field(default_factory=list)
    exhausted: bool = False
    counterexample: Any = None


def _ball(q: Fraction) -> arb:
    return arb(fmpq(q.numerator, q.denominator))


def _interval(low: Fraction, high: Fraction) -> arb:
    return _ball(low) if low == high else _ball(low).union(_ball(high))


def _finite(x: Any) -> bool:
    return isinstance(x, arb) and x.is_finite()


def _series_form(f: sp.Expr) -> sp.Expr:
    """``f`` with ``log1p`` and ``expm1`` written through ``log`` and ``exp`` (series have no
    ``log1p``/``expm1``; the derivatives are the same)."""
    return f.replace(lambda e: isinstance(e, log1p), lambda e: sp.log(1 + e.args[0])).replace(
        lambda e: isinstance(e, expm1), lambda e: sp.exp(e.args[0]) - 1)


def tidy(f: sp.Expr) -> sp.Expr:
    """``f`` with every rational subexpression (a sum or product that is a rational function
    of the variables) factored and cancelled: fewer occurrences of each variable, so narrower
    enclosures (``1 - a - u (1 - a)`` becomes ``(1 - a)(1 - u)``, which has the sign and the
    size of its value on any box)."""
    return f.replace(lambda e: isinstance(e, (sp.Add, sp.Mul)) and e.free_symbols and e.is_rational_function(),
                     sp.factor)


def _lower(x: arb | None) -> arb | None:
    return x.lower() if x is not None and _finite(x) else None


class _Evaluator:
    """``f`` on points, boxes and series, at the current ``flint.ctx.prec``."""

    def __init__(self, f: sp.Expr, symbols: Sequence[sp.Symbol]) -> None:
        f = tidy(f)
        self.value = compile_expr(f, symbols)
        self.series = compile_expr(_series_form(f), symbols)

    def point(self, values: Sequence[Fraction]) -> arb | None:
        """``f`` at an exact point; a ball containing 0 is recomputed at higher precision."""
        prec = ctx.prec
        while True:
            with ctx.workprec(prec):
                value = self._call(self.value, [_ball(v) for v in values])
            if value is None or not value.contains(0) or value.is_zero() or prec >= POINT_MAX_PREC:
                return value
            prec *= 4

    def naive(self, balls: Sequence[arb]) -> arb | None:
        return self._call(self.value, balls)

    @staticmethod
    def _call(function: Any, args: Sequence[Any]) -> Any:
        try:
            value = function(*args)
        except (ArithmeticError, ValueError, TypeError):
            return None
        return value if _finite(value) else None

    def taylor(self, balls: Sequence[arb], direction: Sequence[int], length: int) -> list[arb] | None:
        """The Taylor coefficients of ``t -> f(X + t d)`` at ``t = 0``, enclosed over the balls ``X``."""
        args = [arb_series([b, 1], length) if d else b for b, d in zip(balls, direction)]
        try:
            value = self.series(*args)
        except (ArithmeticError, ValueError, TypeError):
            return None
        if isinstance(value, arb):  # f does not depend on the direction
            coefficients = [value]
        elif isinstance(value, arb_series):
            coefficients = list(value.coeffs())
        else:
            return None
        coefficients = (coefficients + [arb(0)] * length)[:length]
        return coefficients if all(_finite(c) for c in coefficients) else None


@dataclass
class _Bound:
    """One box examined: a lower bound of ``f`` on it (None if none), points where ``f``
    certainly violates, and the axis to split."""

    lower: arb | None
    violations: list[tuple[Fraction, ...]]
    axis: int | None


class _Search:
    def __init__(self, f: sp.Expr, symbols: Sequence[sp.Symbol], axes: Sequence[Axis], strict: bool) -> None:
        self.evaluate = _Evaluator(f, symbols)
        self.axes = list(axes)
        self.strict = strict

    def violates(self, value: arb | None) -> bool:
        """``f`` certainly ``<= 0`` (strict) or ``< 0`` at a point."""
        if value is None:
            return False
        return bool(value <= 0) if self.strict else bool(value < 0)

    def bound(self, lows: Sequence[Fraction], highs: Sequence[Fraction]) -> _Bound:
        """A lower bound of ``f`` on the box (see the module header), reducing to the face
        where ``f`` is smallest along each axis on which it is monotone. The first-order
        forms are tried first; the Hessian only when they leave the box open."""
        free = [i for i, (low, high) in enumerate(zip(lows, highs)) if low < high]
        mid = [(low + high) / 2 for low, high in zip(lows, highs)]
        at_mid = self.evaluate.point(mid)
        violations = [tuple(mid)] if self.violates(at_mid) else []
        if not free:
            return _Bound(_lower(at_mid), violations, None)
        balls = [_interval(low, high) for low, high in zip(lows, highs)]
        points = [_ball(v) for v in mid]
        deltas = {i: balls[i] - points[i] for i in free}
        unit = [[int(k == i) for k in range(len(mid))] for i in range(len(mid))]
        along = {i: self.evaluate.taylor(balls, unit[i], 3) for i in free}
        gradient = {i: None if along[i] is None else along[i][1] for i in free}
        found = self._reduce(lows, highs, free, gradient, violations)
        if found is not None:
            return found
        lowers = [self._mean_value(at_mid, gradient, deltas, free)]
        if lowers[0] is None or not lowers[0] > 0:
            slope = {i: self.evaluate.taylor(points, unit[i], 2) for i in free}
            hessian = self._hessian(balls, free, along, unit)
            if hessian is not None and all(slope[i] is not None for i in free):
                for i in free:
                    refined = slope[i][1] + sum((hessian[i, j] * deltas[j] for j in free), arb(0))
                    gradient[i] = self._intersect([g for g in (gradient[i], refined) if g is not None])
                found = self._reduce(lows, highs, free, gradient, violations)
                if found is not None:
                    return found
                lowers.append(self._mean_value(at_mid, gradient, deltas, free))
                if at_mid is not None:
                    taylor = at_mid + sum((slope[i][1] * deltas[i] for i in free), arb(0))
                    for i, j in itertools.combinations_with_replacement(free, 2):
                        square = (_ball(Fraction(0)).union(_ball(((highs[i] - lows[i]) / 2) ** 2)) if i == j
                                  else deltas[i] * deltas[j])
                        taylor += (hessian[i, j] / 2 if i == j else hessian[i, j]) * square
                    lowers.append(_lower(taylor))
            lowers.append(_lower(self.evaluate.naive(balls)))
        known = [x for x in lowers if x is not None]
        lower = max(known, key=lambda x: x.mid()) if known else None  # every one is a valid lower bound
        return _Bound(lower, violations, self._axis(lows, highs, free, gradient))

    def _reduce(self, lows: Sequence[Fraction], highs: Sequence[Fraction], free: Sequence[int],
                gradient: dict[int, arb | None], violations: list[tuple[Fraction, ...]]) -> _Bound | None:
        """The bound on the face where ``f`` is smallest, when ``f`` is monotone along some axis."""
        monotone = {i: g > 0 for i, g in gradient.items() if g is not None and (g > 0 or g < 0)}
        if not monotone:
            return None
        face_lows = [highs[i] if monotone.get(i) is False else low for i, low in enumerate(lows)]
        face_highs = [lows[i] if monotone.get(i) is True else high for i, high in enumerate(highs)]
        face = self.bound(face_lows, face_highs)
        return _Bound(face.lower, violations + face.violations,
                      face.axis if face.axis is not None else self._axis(lows, highs, free, gradient))

    @staticmethod
    def _mean_value(at_mid: arb | None, gradient: dict[int, arb | None], deltas: dict[int, arb],
                    free: Sequence[int]) -> arb | None:
        """The lower end of ``f(m) + sum_i G_i D_i``."""
        if at_mid is None or any(gradient[i] is None for i in free):
            return None
        return _lower(at_mid + sum((gradient[i] * deltas[i] for i in free), arb(0)))

    def _hessian(self, balls: Sequence[arb], free: Sequence[int], along: dict[int, list[arb] | None],
                 unit: Sequence[Sequence[int]]) -> dict[tuple[int, int], arb] | None:
        """``H_ij`` enclosed on the box, from the second Taylor coefficients along ``e_i`` and ``e_i + e_j``."""
        if any(along[i] is None for i in free):
            return None
        hessian = {(i, i): 2 * along[i][2] for i in free}
        for i, j in itertools.combinations(free, 2):
            both = self.evaluate.taylor(balls, [a + b for a, b in zip(unit[i], unit[j])], 3)
            if both is None:
                return None
            hessian[i, j] = hessian[j, i] = both[2] - along[i][2] - along[j][2]
        return hessian

    @staticmethod
    def _intersect(enclosures: Sequence[arb]) -> arb | None:
        found = None
        for x in enclosures:
            if not _finite(x):
                continue
            found = x if found is None else found.intersection(x)
        return found

    def _axis(self, lows: Sequence[Fraction], highs: Sequence[Fraction], free: Sequence[int],
              gradient: dict[int, arb | None]) -> int:
        """The axis whose mean-value term ``|G_i| r_i`` is largest; without derivatives, the
        axis whose collapse to its midpoint narrows the naive enclosure most (an enclosure
        that fails counts as infinitely wide), ties going to the axis widest relative to its
        distance from the nearer end of its range."""
        if all(gradient.get(i) is not None for i in free):
            return max(free, key=lambda i: float(abs(gradient[i]).upper().mid()) * float(highs[i] - lows[i]))

        def relative(i: int) -> float:
            axis, width = self.axes[i], highs[i] - lows[i]
            gaps = [lows[i] - axis.floor] + ([axis.ceiling - highs[i]] if axis.ceiling is not None else [])
            return float(width / (min(gaps) + width))

        def collapsed(i: int) -> float:
            middle = (lows[i] + highs[i]) / 2
            balls = [_ball(middle) if k == i else _interval(low, high)
                     for k, (low, high) in enumerate(zip(lows, highs))]
            value = self.evaluate.naive(balls)
            return math.inf if value is None else float(value.rad())

        return min(free, key=lambda i: (collapsed(i), -relative(i)))


def _short_between(low: Fraction, high: Fraction) -> Fraction:
    """A short decimal near ``sqrt(low high)``, strictly between ``low`` and ``high`` (``high > 4 low > 0``)."""
    def log10(q: Fraction) -> float:
        return math.log10(q.numerator) - math.log10(q.denominator)

    exponent = (log10(low) + log10(high)) / 2
    power = math.floor(exponent) - 1
    mantissa = round(10 ** (exponent - power))
    value = Fraction(mantissa) * Fraction(10) ** power
    return value if low < value < high else (low + high) / 2


def split_point(axis: Axis, low: Fraction, high: Fraction) -> Fraction:
    """Where to split ``[low, high]`` (see the module header)."""
    below = low - axis.floor
    above = None if axis.ceiling is None else axis.ceiling - high
    if (above is None or below <= above) and below > 0 and high - axis.floor > LOG_RATIO * below:
        return axis.floor + _short_between(below, high - axis.floor)
    if above is not None and above < below and above > 0 and axis.ceiling - low > LOG_RATIO * above:
        return axis.ceiling - _short_between(above, axis.ceiling - low)
    return (low + high) / 2


def _precision(lows: Sequence[Fraction], highs: Sequence[Fraction]) -> int | None:
    """Bits for a box: enough to tell its endpoints apart, plus guard bits; None when the
    box is narrower than ``MIN_WIDTH_BITS``."""
    bits = 0
    for low, high in zip(lows, highs):
        if low == high:
            continue
        size = max(abs(low), abs(high))
        ratio = size / (high - low)
        bits = max(bits, ratio.numerator.bit_length() - ratio.denominator.bit_length() + 1)
    return None if bits > MIN_WIDTH_BITS else max(START_PREC, bits + GUARD_BITS)


def prove_positive(f: sp.Expr, symbols: Sequence[sp.Symbol], axes: Sequence[Axis], *, strict: bool = True,
                   budget: Budget = Budget(),
                   confirm: Callable[[dict[sp.Symbol, Fraction]], Any] = lambda point: None) -> Outcome:
    """Decide ``f > 0`` on the box of ``axes`` (``symbols`` name the axes, in order).
    ``confirm(point)`` certifies a candidate counterexample (an exact point where ``f``
    certainly violates ``f > 0``, or ``f >= 0`` when ``strict`` is False): anything but None
    stops the search as ``refuted``."""
    search = _Search(sp.sympify(f), symbols, axes, strict)
    start = time.perf_counter()
    counter = itertools.count()
    queue: list[tuple[float, int, Box]] = [(0.0, next(counter), (tuple(a.low for a in axes), tuple(a.high for a in axes)))]
    open_boxes: list[Box] = []
    examined = 0
    while queue:
        if examined >= budget.boxes or time.perf_counter() - start > budget.seconds:
            return Outcome("undecided", examined, time.perf_counter() - start,
                           open_boxes + [box for _, _, box in sorted(queue)], exhausted=True)
        _, _, (lows, highs) = heapq.heappop(queue)
        examined += 1
        prec = _precision(lows, highs)
        if prec is None:
            open_boxes.append((lows, highs))
            continue
        with ctx.workprec(prec):
            bound = search.bound(lows, highs)
        for values in bound.violations:
            certificate = confirm(dict(zip(symbols, values)))
            if certificate is not None:
                return Outcome("refuted", examined, time.perf_counter() - start, counterexample=certificate)
        if bound.lower is not None and bound.lower > 0:
            continue
        if bound.axis is None:
            open_boxes.append((lows, highs))
            continue
        i = bound.axis
        cut = split_point(axes[i], lows[i], highs[i])
        key = float(bound.lower.mid()) if bound.lower is not None else -math.inf
        for part_low, part_high in ((lows[i], cut), (cut, highs[i])):
            child = (lows[:i] + (part_low,) + lows[i + 1:], highs[:i] + (part_high,) + highs[i + 1:])
            heapq.heappush(queue, (key, next(counter), child))
    seconds = time.perf_counter() - start
    return Outcome("undecided" if open_boxes else "proved", examined, seconds, open_boxes)
