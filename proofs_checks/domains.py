"""Validated domains of reviewer identities and exact points inside them.

The reviewer symbols have fixed meanings: ``alpha`` (the base validity rate)
and ``mu`` (a validity rate) lie in ``(0, 1)``, ``beta`` (the KL temperature) in
``(0, oo)``. SymPy symbols carry only positivity as an assumption; a domain
narrows these meanings: each symbol gets an open interval whose bounds may use
the symbols before it, and ``Domain.validate`` checks that every interval is
nonempty and stays inside the symbol's meaning.

Points are exact rationals strictly inside the domain (an irrational bound is
replaced by a rational certified, with ``arb``, to lie on its inner side), so a
point meant to be ``10^-1000`` from a bound is exactly that, never rounded onto
the bound at a working precision.

Main definitions
- ``MEANING``: symbol name -> the interval it means.
- ``Domain(bounds)``: ``{symbol: (low, high)}`` in order; ``oo`` only as an
  upper bound.
- ``Domain.validate(meaning)``: ``DomainSpecError`` naming the symbol, its
  bounds and the allowed range when a bound uses a later or unknown symbol, a
  lower bound is infinite, an interval is reversed or empty (checked exactly for
  constants, certified with ``arb`` at the corners and sampled points of the
  earlier symbols), or an interval leaves the symbol's meaning.
- ``Domain.points(rng, count, exprs)``: the corners (every symbol at distance
  ``10^-k (high - low)`` of each bound, ``k`` in ``CORNER_DEPTHS``; an infinite
  upper bound is approached as ``low + 10^k``), points at ``root +- 10^-k`` around
  every root of the switching functions of ``exprs`` (``breakpoints``) inside the
  interval, then ``count`` random points: interior fractions with 40 random
  digits, or a bound approached at a random depth ``k`` up to ``MAX_DEPTH``.
- ``breakpoints(exprs)``: the functions whose sign switches a branch: Piecewise
  conditions ``a < b`` give ``a - b``, ``Min``/``Max`` the differences of their
  arguments, ``Abs``/``sign`` their argument.
- ``domain_points(domain, exprs)``: a Hypothesis strategy of the same kinds of
  points, built from integers (so a counterexample shrinks).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import combinations, product
from typing import Any

import sympy as sp
from flint import arb, ctx, fmpq
from hypothesis import strategies as st

from proofs_checks.certified import MAX_PREC, compile_expr, exact_text

__all__ = ["MEANING", "DomainSpecError", "Domain", "breakpoints", "domain_points",
           "CORNER_DEPTHS", "BREAK_DEPTHS", "MAX_DEPTH"]

MEANING: dict[str, tuple[sp.Expr, sp.Expr]] = {
    "alpha": (sp.Integer(0), sp.Integer(1)),
    "mu": (sp.Integer(0), sp.Integer(1)),
    "beta": (sp.Integer(0), sp.oo),
}
CORNER_DEPTHS = (3, 300, 1000)
"""Depths ``k`` of the corners: distance ``10^-k`` of the width to the bound (``10^k`` out for ``oo``)."""
BREAK_DEPTHS = (3, 30, 300)
"""Distances ``10^-k`` (times the width) of the points around a breakpoint."""
DEPTH_BANDS = ((1, 17), (17, 330), (330, 1500))
"""Random depths: float64 range, beyond it, far beyond it."""
MAX_DEPTH = DEPTH_BANDS[-1][1]
FRACTION_DIGITS = 40
"""Random digits of an interior fraction."""
_HALF = 10**FRACTION_DIGITS // 2
MANTISSA_DIGITS = 20
GUARD_DIGITS = 30
"""Digits kept beyond the distance to a bound when an irrational bound is made rational."""
_VALIDATION_SAMPLES = 16
_SIGN_PRECS = (64, 256, 1024, 4096, 16384, 65536)
_SIMPLIFY_CHARS = 400
"""Only constants this short are tried with ``simplify`` when the balls cannot decide their sign."""
Integer = Callable[[int, int], int]
"""A source of integers: ``integer(low, high)`` in ``[low, high]`` (``random.Random.randint``, a Hypothesis draw)."""


class DomainSpecError(ValueError):
    """A domain that is ill-formed, empty somewhere, or outside the symbols' meaning."""


def _is_exact(expr: sp.Expr) -> bool:
    """A rational function with rational coefficients: exact at a rational point."""
    return all(isinstance(node, (sp.Add, sp.Mul, sp.Symbol, sp.Rational))
               or (isinstance(node, sp.Pow) and node.exp.is_Integer) for node in sp.preorder_traversal(expr))


class _Number:
    """A real number given by an expression at an exact point: a ``Fraction`` when
    the expression is rational there, else evaluated with ``arb`` (never by SymPy,
    which would factor the point's huge integers)."""

    def __init__(self, expr: sp.Expr, point: Mapping[sp.Symbol, sp.Rational]) -> None:
        self.expr = sp.sympify(expr)
        self.point = {s: point[s] for s in self.expr.free_symbols}
        self.exact: Fraction | None = None
        if _is_exact(self.expr):
            value = self.expr.xreplace(self.point)
            self.exact = Fraction(int(value.p), int(value.q))

    def __sub__(self, other: _Number) -> _Number:
        return _Number(self.expr - other.expr, {**self.point, **other.point})

    def ball(self, prec: int) -> arb:
        symbols = sorted(self.point, key=lambda s: s.name)
        with ctx.workprec(prec):
            return compile_expr(self.expr, symbols)(*(arb(fmpq(int(self.point[s].p), int(self.point[s].q)))
                                                      for s in symbols))


def _sign(number: _Number) -> int | None:
    """The sign: exact for rationals, certified by ``arb`` otherwise (0 when a short
    constant simplifies to 0); None if undecided."""
    if number.exact is not None:
        return (number.exact > 0) - (number.exact < 0)
    for prec in _SIGN_PRECS:
        try:
            ball = number.ball(prec)
        except ArithmeticError:
            continue
        if ball.is_finite() and ball > 0:
            return 1
        if ball.is_finite() and ball < 0:
            return -1
    constant = not number.point and len(str(number.expr)) < _SIMPLIFY_CHARS
    return 0 if constant and sp.simplify(number.expr) == 0 else None


def _short(q: sp.Rational) -> str:
    """A short rendering of a coordinate: exact when short, else ``n +- d`` or 12 digits."""
    text = exact_text(q)
    if len(text) <= 24:
        return text
    n = round(q)
    d = q - n
    if n != 0 and abs(d) < sp.Rational(1, 10**6):
        return f"{n} {'+' if d > 0 else '-'} {sp.Float(abs(d), 6)}"
    return str(sp.Float(q, 12))


def _fraction(x: arb) -> Fraction:
    mantissa, exponent = x.man_exp()
    return Fraction(int(mantissa)) * Fraction(2) ** int(exponent)


def _log10(number: _Number) -> int:
    """About ``log10 |number|`` (0 when it cannot be told)."""
    try:
        ball = abs(number.ball(64))
    except ArithmeticError:
        return 0
    if not ball.is_finite() or not ball > 0:
        return 0
    mid, _, exponent = ball.mid_rad_10exp(5)
    return len(str(abs(int(mid)))) - 1 + int(exponent)


def _inner(number: _Number, above: bool, digits: int) -> Fraction:
    """The number itself if rational; else a decimal with ``digits`` digits after the
    point, certified strictly above (``above``) or below it."""
    if number.exact is not None:
        return number.exact
    prec = int(3.33 * (digits + max(_log10(number), 0))) + 64
    while prec <= MAX_PREC:
        try:
            ball = number.ball(prec)
        except ArithmeticError:
            ball = arb("nan")
        if ball.is_finite() and ball.rad() < arb(10) ** (-digits - 2):
            edge = _fraction(ball.upper() if above else ball.lower()) * 10**digits
            step = edge.__floor__() + 1 if above else edge.__ceil__() - 1
            return Fraction(step, 10**digits)
        prec *= 2
    raise DomainSpecError(f"cannot enclose {number.expr} to {digits} digits at {number.point}")


@dataclass(frozen=True)
class _Plan:
    """How one coordinate is placed: ``kind`` 0 interior (fraction ``m / 10^40`` of
    the interval; for ``(low, oo)``: ``low + m 10^(e-39)``), 1 near the lower bound, 2
    near the upper bound (distance ``f = m 10^-(k+19)`` of the width, or ``low + m
    10^(k-19)`` for ``oo``)."""

    kind: int
    m: int
    k: int = 0
    e: int = 0


def _draw_plan(integer: Integer) -> _Plan:
    kind = integer(0, 2)
    if kind == 0:  # centred on 0, so that a drawn interior point shrinks to the middle
        return _Plan(0, _HALF + integer(1 - _HALF, _HALF - 1), e=integer(-6, 6))
    low, high = DEPTH_BANDS[integer(0, len(DEPTH_BANDS) - 1)]
    return _Plan(kind, integer(10 ** (MANTISSA_DIGITS - 1), 10**MANTISSA_DIGITS - 1), k=integer(low, high))


def _corner_plan(kind: int, depth: int) -> _Plan:
    return _Plan(kind, 10 ** (MANTISSA_DIGITS - 1), k=depth)


def breakpoints(exprs: Sequence[sp.Expr]) -> list[sp.Expr]:
    """The switching functions of ``exprs`` (see the module header), without duplicates."""
    found: list[sp.Expr] = []

    def conditions(cond: Any) -> None:
        if isinstance(cond, sp.core.relational.Relational):
            found.append(cond.lhs - cond.rhs)
        elif isinstance(cond, sp.logic.boolalg.BooleanFunction):
            for arg in cond.args:
                conditions(arg)

    for expr in exprs:
        for node in sp.preorder_traversal(sp.sympify(expr)):
            if isinstance(node, sp.Piecewise):
                for _, cond in node.args:
                    conditions(cond)
            elif isinstance(node, (sp.Min, sp.Max)):
                found += [a - b for a, b in combinations(node.args, 2)]
            elif isinstance(node, (sp.Abs, sp.sign)):
                found.append(node.args[0])
    unique: list[sp.Expr] = []
    for g in found:
        if g.free_symbols and not any(sp.simplify(g - h) == 0 or sp.simplify(g + h) == 0 for h in unique):
            unique.append(g)
    return unique


@dataclass(frozen=True)
class Domain:
    """Open intervals ``(low, high)`` per symbol, in order; bounds may use earlier symbols."""

    bounds: dict[sp.Symbol, tuple[sp.Expr, sp.Expr]]

    def __post_init__(self) -> None:
        object.__setattr__(self, "bounds", {s: (sp.sympify(low), sp.sympify(high))
                                            for s, (low, high) in self.bounds.items()})

    @property
    def symbols(self) -> tuple[sp.Symbol, ...]:
        return tuple(self.bounds)

    def _describe(self, symbol: sp.Symbol) -> str:
        low, high = self.bounds[symbol]
        return f"domain[{symbol.name!r}] = ({sp.sstr(low)}, {sp.sstr(high)})"

    def validate(self, meaning: Mapping[sp.Symbol, tuple[sp.Expr, sp.Expr]] | None = None) -> None:
        """Raise ``DomainSpecError`` if the domain is ill-formed (see the module header);
        ``meaning`` defaults to ``MEANING`` (a symbol without one may be any real)."""
        if meaning is None:
            meaning = {s: MEANING[s.name] for s in self.bounds if s.name in MEANING}
        earlier: list[sp.Symbol] = []
        for symbol, (low, high) in self.bounds.items():
            low, high = sp.sympify(low), sp.sympify(high)
            allowed_low, allowed_high = meaning.get(symbol, (-sp.oo, sp.oo))
            where = self._describe(symbol)
            allowed = f"allowed: {symbol} in ({sp.sstr(allowed_low)}, {sp.sstr(allowed_high)})"
            unknown = sorted(map(str, (low.free_symbols | high.free_symbols) - set(earlier)))
            if unknown:
                before = ", ".join(map(str, earlier)) or "none"
                raise DomainSpecError(f"{where}: bounds may only use earlier symbols ({before}); "
                                      f"{', '.join(unknown)} is not one")
            if low.has(sp.oo, -sp.oo, sp.zoo, sp.nan):
                raise DomainSpecError(f"{where}: the lower bound must be finite; {allowed}")
            if high.has(-sp.oo, sp.zoo, sp.nan) or (high.has(sp.oo) and high != sp.oo):
                raise DomainSpecError(f"{where}: the upper bound must be finite or oo; {allowed}")
            for bound in (low, high):
                try:
                    if bound != sp.oo:
                        compile_expr(bound, earlier)
                except ValueError as error:
                    raise DomainSpecError(f"{where}: cannot evaluate the bound {sp.sstr(bound)}: {error}") from None
            for prefix in self._prefixes(earlier):
                at = f" at {', '.join(f'{s} = {_short(v)}' for s, v in prefix.items())}" if prefix else ""
                lo, hi = _Number(low, prefix), None if high == sp.oo else _Number(high, prefix)
                if hi is not None and _sign(hi - lo) != 1:
                    raise DomainSpecError(f"{where}: the interval is empty or reversed{at}; {allowed}")
                if allowed_low != -sp.oo and _sign(lo - _Number(allowed_low, {})) not in (0, 1):
                    raise DomainSpecError(f"{where}: the lower bound is below {sp.sstr(allowed_low)}{at}, "
                                          f"outside the meaning of {symbol}; {allowed}")
                if allowed_high != sp.oo and (hi is None or _sign(_Number(allowed_high, {}) - hi) not in (0, 1)):
                    raise DomainSpecError(f"{where}: the upper bound is above {sp.sstr(allowed_high)}{at}, "
                                          f"outside the meaning of {symbol}; {allowed}")
            earlier.append(symbol)

    def _prefixes(self, earlier: Sequence[sp.Symbol]) -> list[dict[sp.Symbol, sp.Rational]]:
        """Points of the earlier symbols' domain where a later interval is checked:
        the corners and random points (a fixed seed, so validation is reproducible)."""
        if not earlier:
            return [{}]
        partial = Domain({s: self.bounds[s] for s in earlier})
        return partial.points(random.Random(0), _VALIDATION_SAMPLES)

    def points(self, rng: random.Random, count: int, exprs: Sequence[sp.Expr] = ()) -> list[dict[sp.Symbol, sp.Rational]]:
        """Exact points strictly inside: corners, breakpoints of ``exprs``, then
        ``count`` random points (see the module header); deterministic for a given ``rng`` state."""
        sampler = _Sampler(self, exprs)
        found = []
        for depth in CORNER_DEPTHS:
            for kinds in product((1, 2), repeat=len(self.bounds)):
                found.append(sampler.point([_corner_plan(kind, depth) for kind in kinds]))
        for index in range(len(sampler.roots)):
            for depth in BREAK_DEPTHS:
                for side in (-1, 1):
                    found.append(sampler.point_near_root(index, side, depth, rng.randint))
        found += [sampler.random_point(rng.randint) for _ in range(count)]
        return [p for p in found if p is not None]


class _Sampler:
    """Places coordinates in order, each inside its interval given the earlier ones."""

    def __init__(self, domain: Domain, exprs: Sequence[sp.Expr]) -> None:
        self.domain = domain
        order = {s: i for i, s in enumerate(domain.symbols)}
        self.roots: list[tuple[sp.Symbol, sp.Expr]] = []
        for g in breakpoints(exprs):
            if not g.free_symbols <= set(order):
                continue
            symbol = max(g.free_symbols, key=order.__getitem__)
            try:
                solutions = sp.solve(g, symbol)
            except (NotImplementedError, ValueError, TypeError):
                continue
            self.roots += [(symbol, r) for r in solutions
                           if all(s in order and order[s] < order[symbol] for s in r.free_symbols)]

    def _interval(self, symbol: sp.Symbol, prefix: Mapping[sp.Symbol, sp.Rational]) -> tuple[_Number, _Number | None]:
        """The bounds at the earlier coordinates (None for ``oo``)."""
        low, high = self.domain.bounds[symbol]
        return _Number(low, prefix), None if high == sp.oo else _Number(high, prefix)

    def coordinate(self, symbol: sp.Symbol, prefix: Mapping[sp.Symbol, sp.Rational], plan: _Plan) -> sp.Rational:
        low, high = self._interval(symbol, prefix)
        if high is None:
            lo = _inner(low, True, GUARD_DIGITS + max(plan.k, -plan.e + 40, 0))
            if plan.kind == 0:
                offset = Fraction(plan.m) * Fraction(10) ** (plan.e - 39)
            elif plan.kind == 1:
                offset = Fraction(plan.m, 10 ** (plan.k + MANTISSA_DIGITS - 1))
            else:
                offset = Fraction(plan.m) * Fraction(10) ** (plan.k - MANTISSA_DIGITS + 1)
            return sp.Rational(lo + offset)
        depth = FRACTION_DIGITS if plan.kind == 0 else plan.k + MANTISSA_DIGITS
        digits = GUARD_DIGITS + depth - min(_log10(high - low), 0)
        while True:
            lo, hi = _inner(low, True, digits), _inner(high, False, digits)
            if lo < hi:
                break
            digits *= 2
        if plan.kind == 0:
            return sp.Rational(lo + Fraction(plan.m, 10**FRACTION_DIGITS) * (hi - lo))
        distance = Fraction(plan.m, 10 ** (plan.k + MANTISSA_DIGITS - 1)) * (hi - lo)
        return sp.Rational(lo + distance if plan.kind == 1 else hi - distance)

    def point(self, plans: Sequence[_Plan]) -> dict[sp.Symbol, sp.Rational]:
        point: dict[sp.Symbol, sp.Rational] = {}
        for symbol, plan in zip(self.domain.symbols, plans, strict=True):
            point[symbol] = self.coordinate(symbol, point, plan)
        return point

    def random_point(self, integer: Integer) -> dict[sp.Symbol, sp.Rational]:
        """A random point; with breakpoints, one draw in four lands next to one."""
        if self.roots and integer(0, 3) == 3:
            index, side = integer(0, len(self.roots) - 1), 2 * integer(0, 1) - 1
            near = self.point_near_root(index, side, integer(1, BREAK_DEPTHS[-1]), integer)
            if near is not None:
                return near
        point: dict[sp.Symbol, sp.Rational] = {}
        for symbol in self.domain.symbols:
            point[symbol] = self.coordinate(symbol, point, _draw_plan(integer))
        return point

    def point_near_root(self, index: int, side: int, depth: int, integer: Integer) -> dict[sp.Symbol, sp.Rational] | None:
        """Earlier coordinates at random, the root's symbol at ``root + side 10^-depth``
        (times the width, or ``max(1, |root|)`` for ``(low, oo)``), later ones at random;
        None if that is not inside the interval."""
        target, root = self.roots[index]
        point: dict[sp.Symbol, sp.Rational] = {}
        for symbol in self.domain.symbols:
            if symbol != target:
                point[symbol] = self.coordinate(symbol, point, _draw_plan(integer))
                continue
            low, high = self._interval(symbol, point)
            value = _Number(root, point)
            if _sign(value - low) != 1 or (high is not None and _sign(high - value) != 1):
                return None
            scale = max(_log10(value), 0) if high is None else _log10(high - low)
            digits = GUARD_DIGITS + depth - min(scale, 0)
            lo, centre = _inner(low, True, digits), _inner(value, side > 0, digits)
            hi = None if high is None else _inner(high, False, digits)
            x = centre + side * Fraction(10) ** (scale - depth)
            if not (lo < x and (hi is None or x < hi)):
                return None
            point[symbol] = sp.Rational(x)
        return point


def domain_points(domain: Domain, exprs: Sequence[sp.Expr] = ()) -> st.SearchStrategy[dict[sp.Symbol, sp.Rational]]:
    """A Hypothesis strategy of exact points of ``domain``, with the kinds of
    ``Domain.points`` (interior, near each bound at depths up to ``MAX_DEPTH``,
    next to breakpoints), drawn from integers so that examples shrink."""
    sampler = _Sampler(domain, exprs)

    @st.composite
    def points(draw: Any) -> dict[sp.Symbol, sp.Rational]:
        return sampler.random_point(lambda low, high: draw(st.integers(low, high)))

    return points()
