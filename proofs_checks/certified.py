"""Rigorous evaluation of SymPy expressions with python-flint ball arithmetic.

An expression is compiled once to a tree of ball operations (``arb`` for real
values, ``acb`` for the principal-branch complex values of a side that is not
real, ``arb_series`` for Taylor expansions) and evaluated at an exact rational
point at a precision that is doubled from 64 bits up to ``MAX_PREC`` until the
question asked is decided. Every ball contains the exact value, so a verdict
drawn from balls is certain; NaN, infinities and balls too wide to decide are
never evidence: they raise the precision and, at the cap, give ``undecided``.

While evaluating, the compiler tracks a *scale* ``S``: the size of the terms a
value was computed from. ``S(x) = |x|`` for a number or symbol; ``S(a + b) =
max(S(a), S(b))`` (the largest term combined); products and functions
propagate it to first order, ``S(a b) = max(S(a) |b|, |a| S(b))``, ``S(f(x)) =
max(|f(x)|, |f'(x)| S(x))`` (``S(e^x) = e^x max(1, S(x))``, ``S(log x) =
max(|log x|, S(x)/|x|)``). Two enclosures *agree to d digits* when both radii
are at most ``10^-d`` times ``max(|lhs|, |rhs|)``, or, when a ball contains 0
(a value that may be 0, cancelled out of larger terms), ``10^-d`` times the
larger of that and ``S``. So the exact 0 of ``X - Y = 0`` is judged against the
size of ``X`` and ``Y``, and a tiny value such as ``e^{-1/beta}`` is judged
relative to itself, never absorbed by an absolute floor.

Main definitions
- ``MAX_PREC = 2**17``: the most bits an evaluation uses (about 39000 digits;
  ``1 - sigmoid(1/beta + logit(alpha))`` at ``beta = 10^-4`` needs about 15000 bits).
- ``compile_expr(expr, symbols)``: ``f(*args)`` evaluates ``expr`` on balls;
  ``f.scaled(*args) = (value, S)``. Add, Mul, Pow (integer, rational, and
  ``x^y = e^{y log x}``), exp, log, sqrt, log1p, expm1, Abs, sign, Min, Max,
  Piecewise (a condition the balls cannot decide gives the union of the
  branches it leaves open), pi, E, Rational, Float (its exact binary value).
  Another head raises ``UnsupportedExpression``. A real ball wider than ``2^-20``
  of its midpoint (a box rather than a rounded point) goes through products,
  powers and the monotone functions by its endpoints, so that it keeps its sign.
- ``Enclosure(low, high, prec, imag)``: ``[low, high]`` as exact decimal strings
  rounded outward, the bits used, and the imaginary part's ``[low, high]`` when
  the value is not real (principal branch).
- ``enclose(expr, point, digits)``: an enclosure narrower than ``10^-digits``
  relative, or None below ``max_prec``; a ball still containing 0 at
  ``max_prec`` is accepted when narrower than ``10^-digits S``.
- ``compare(lhs, relation, rhs, point)``: a ``Comparison`` with verdict
  ``holds`` / ``fails`` / ``undecided``. For ``=``: ``fails`` iff the enclosures
  are disjoint; ``holds`` iff they overlap and agree to ``agree_digits``
  digits (agreement, not a proof). For
  ``<, <=, >, >=``: ``holds`` / ``fails`` iff the balls make the relation
  certainly true / certainly false; a tie the balls cannot decide (narrow
  overlapping enclosures, or the precision cap) is decided exactly by SymPy at
  the rational point when it can (method ``exact``): a rational difference by
  its sign, one with a single logarithm `c log A + R` by the sign of `c` times
  that of `A - e^{-R/c}` (balls again, after SymPy's exact cancellation). A log of a
  sum with ``exp`` terms that overflow is evaluated in log space
  (``log(sum s_i e^{L_i}) = M + log(sum s_i e^{L_i - M})``). A side
  that is certainly not real (the log or square root of a negative number) is
  evaluated on the principal branch: disjoint complex enclosures are
  ``fails``; agreeing ones are ``undecided`` (the statement is about reals).
- ``exact_text(q)``: the point format, an exact rational as text: a decimal
  (``0.375``, ``1.5e-400``) when the denominator has no prime factor but 2 and
  5, else ``p/q``; ``exact_fraction(text)`` reads it (and an enclosure bound)
  back exactly, as ``sympy.Rational(text)`` does up to 4300 digits.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

import sympy as sp
from flint import acb, arb, arb_series, ctx, fmpq, fmpz
from sympy.codegen.cfunctions import expm1, log1p

__all__ = [
    "MAX_PREC",
    "UnsupportedExpression",
    "Compiled",
    "compile_expr",
    "Enclosure",
    "enclose",
    "Comparison",
    "compare",
    "exact_text",
    "exact_fraction",
    "RELATIONS",
]

MAX_PREC = 2**17
"""The precision cap in bits; evaluations start at 64 bits and double up to it."""
START_PREC = 64
EXACT_MAX_EXPONENT = 4096
"""Exact evaluation is skipped for expressions with larger integer powers (their
exact value at a rational point would be enormous)."""
EXACT_MAX_ROOTED = 10**60
"""Exact evaluation of roots is skipped at points with larger numerators or denominators."""
RELATIONS = ("=", "<", "<=", ">", ">=")
SUPPORTED = ("Add, Mul, Pow, exp, log, sqrt, log1p, expm1, Abs, sign, Min, Max, Piecewise, "
             "pi, E, rational and float numbers")


class UnsupportedExpression(ValueError):
    """An expression head the ball evaluator does not know."""


class _Uncertain(ArithmeticError):
    """A ball too wide to evaluate a function on (e.g. the log of a ball containing 0)."""


class _NotReal(ArithmeticError):
    """A real operation certainly outside its domain (the log of a negative number)."""


class _Undefined(ArithmeticError):
    """An operation undefined even on the principal branch (log 0, division by 0)."""


@dataclass
class _Env:
    args: Sequence[Any]
    track: bool


Node = Callable[[_Env], tuple[Any, Any]]


def _is_ball(x: Any) -> bool:
    return isinstance(x, (arb, acb))


def _mag(x: Any) -> arb:
    """An upper bound of ``|x|``."""
    return x.abs_upper()


def _low(x: Any) -> arb:
    """A lower bound of ``|x|`` (0 when the ball contains 0)."""
    return x.abs_lower()


def _max(*values: arb) -> arb:
    return functools.reduce(lambda a, b: a.max(b), values)


def _contains_zero(x: Any) -> bool:
    if isinstance(x, acb):
        return x.real.contains(0) and x.imag.contains(0)
    return x.contains(0)


def _wide(x: Any) -> bool:
    """A real ball wider than about ``2^-20`` of its midpoint (a box, not a rounded point)."""
    return isinstance(x, arb) and x.rel_accuracy_bits() < 20


def _monotone(x: Any, f: Callable[[Any], Any]) -> Any:
    """``f(x)`` for a monotone ``f``; on a wide ball, the ball spanning ``f`` at its two
    endpoints (propagating the radius, as ``arb`` does, loses the sign of a wide ball:
    ``e^[206, 215]`` would contain 0)."""
    return f(x.lower()).union(f(x.upper())) if _wide(x) else f(x)


def _product(a: Any, b: Any) -> Any:
    """``a b``; for wide real balls, the ball spanning the four endpoint products."""
    if isinstance(a, arb) and isinstance(b, arb) and (_wide(a) or _wide(b)):
        ends = [x * y for x in (a.lower(), a.upper()) for y in (b.lower(), b.upper())]
        return functools.reduce(lambda u, v: u.union(v), ends)
    return a * b


def _require_nonzero(x: Any, what: str) -> None:
    """``x`` may be divided by / have its log taken: not exactly 0, not a ball around 0."""
    if not _is_ball(x):
        return
    if x.is_zero():
        raise _Undefined(f"{what} of 0")
    if _contains_zero(x):
        raise _Uncertain(f"{what} of a ball containing 0")


def _require_positive(x: Any, what: str) -> None:
    """A real ``x`` must be certainly positive (certainly negative: not real)."""
    _require_nonzero(x, what)
    if isinstance(x, arb) and x < 0:
        raise _NotReal(f"{what} of a negative number")


def _real(x: Any, what: str) -> Any:
    """The real ball of a value that must be real (``Min``, ``sign``, conditions)."""
    if not isinstance(x, acb):
        if isinstance(x, arb_series):
            raise TypeError(f"{what} is not defined for power series")
        return x
    if x.imag.is_zero():
        return x.real
    if not x.imag.contains(0):
        raise _Undefined(f"{what} of a non-real number")
    raise _Uncertain(f"{what} of a ball that may not be real")


def _leaf(make: Callable[[], Any]) -> Node:
    def node(env: _Env) -> tuple[Any, Any]:
        value = make()
        return value, _mag(value) if env.track else None
    return node


def _symbol(index: int) -> Node:
    def node(env: _Env) -> tuple[Any, Any]:
        value = env.args[index]
        return value, _mag(value) if env.track else None
    return node


def _add(children: list[Node]) -> Node:
    def node(env: _Env) -> tuple[Any, Any]:
        parts = [child(env) for child in children]
        total = functools.reduce(lambda a, b: a + b, (v for v, _ in parts))
        return total, _max(*(s for _, s in parts)) if env.track else None
    return node


def _mul(children: list[Node]) -> Node:
    def node(env: _Env) -> tuple[Any, Any]:
        value, scale = children[0](env)
        for child in children[1:]:
            other, other_scale = child(env)
            if env.track:
                scale = _max(scale * _mag(other), _mag(value) * other_scale)
            value = _product(value, other)
        return value, scale
    return node


def _integer_power(base: Node, n: int) -> Node:
    def node(env: _Env) -> tuple[Any, Any]:
        x, s = base(env)
        if n < 0:
            _require_nonzero(x, "division")
        if n % 2 == 0 and _wide(x) and x.contains(0):
            value = arb(0).union(abs(x).upper() ** n)
        else:
            value = _monotone(x, lambda t: t**n)
        if not env.track:
            return value, None
        if n > 0:
            scale = _max(_mag(value), n * _mag(x) ** (n - 1) * s)
        else:
            scale = _max(_mag(value), -n * s / _low(x) ** (1 - n))
        return value, scale
    return node


def _rational_power(base: Node, exponent: Fraction) -> Node:
    """``x^(p/q)``: ``(x^(1/q))^p`` for real ``x > 0``, ``e^{(p/q) Log x}`` on the
    principal branch and for series; ``0^(p/q) = 0`` for ``p/q > 0``."""
    q = fmpq(exponent.numerator, exponent.denominator)

    def node(env: _Env) -> tuple[Any, Any]:
        x, s = base(env)
        if _is_ball(x) and x.is_zero() and exponent > 0:
            return x, _mag(x) if env.track else None
        _require_positive(x, "fractional power")
        if exponent == Fraction(1, 2):
            value = _monotone(x, lambda t: t.sqrt())
        elif isinstance(x, arb):
            value = _monotone(x, lambda t: t.root(exponent.denominator) ** exponent.numerator)
        else:
            value = (x.log() * arb(q)).exp()
        if not env.track:
            return value, None
        return value, _max(_mag(value), abs(arb(q)) * _mag(value) * s / _low(x))
    return node


def _exp(child: Node) -> Node:
    def node(env: _Env) -> tuple[Any, Any]:
        x, s = child(env)
        value = _monotone(x, lambda t: t.exp())
        if _is_ball(value) and _contains_zero(value):
            raise _Uncertain("exp below the range resolved at this precision")
        return value, _mag(value) * _max(arb(1), s) if env.track else None
    return node


def _log(child: Node) -> Node:
    def node(env: _Env) -> tuple[Any, Any]:
        x, s = child(env)
        _require_positive(x, "log")
        value = _monotone(x, lambda t: t.log())
        return value, _max(_mag(value), s / _low(x)) if env.track else None
    return node


LogNode = Callable[[_Env], tuple[int, Any]]
"""A term in log space: ``(s, L)`` with the term equal to ``s e^L``, ``s`` in ``{-1, 1}``."""


def _log_space(e: sp.Expr, index: Mapping[sp.Symbol, int]) -> LogNode:
    """``e`` as ``s e^L``: ``exp(u)`` is ``(1, u)``, a product multiplies signs and adds
    logarithms, an integer or (of a positive base) rational power scales ``L``; any
    other factor is evaluated on balls and must have a certain sign."""
    if isinstance(e, sp.exp):
        exponent = _compile(e.args[0], index)
        return lambda env: (1, _real(exponent(env)[0], "exp"))
    if isinstance(e, sp.Mul):
        factors = [_log_space(arg, index) for arg in e.args]

        def product(env: _Env) -> tuple[int, Any]:
            parts = [factor(env) for factor in factors]
            return functools.reduce(lambda a, b: a * b, (p[0] for p in parts)), sum((p[1] for p in parts), arb(0))
        return product
    if isinstance(e, sp.Pow) and isinstance(e.args[1], sp.Rational) and (e.args[1].is_Integer or e.args[0].is_positive):
        base, exponent = _log_space(e.args[0], index), e.args[1]

        def power(env: _Env) -> tuple[int, Any]:
            sign, logarithm = base(env)
            return (sign ** int(exponent) if exponent.is_Integer else 1), logarithm * arb(fmpq(int(exponent.p),
                                                                                              int(exponent.q)))
        return power
    direct = _compile(e, index)

    def value(env: _Env) -> tuple[int, Any]:
        x = _real(direct(env)[0], "log")
        if _contains_zero(x) or not x.is_finite():
            raise _Uncertain("a term of a sum under log has no certain sign")
        return (1 if x > 0 else -1), abs(x).log()
    return value


def _log_of_sum(e: sp.Add, index: Mapping[sp.Symbol, int]) -> Node:
    """``log(sum_i s_i e^{L_i}) = M + log(sum_i s_i e^{L_i - M})`` with ``M`` the largest
    midpoint of the ``L_i``: the logarithm of a sum whose terms overflow (``e^{1/beta}`` at
    ``beta = 10^-300``) evaluated without forming them."""
    terms = [_log_space(arg, index) for arg in e.args]

    def node(env: _Env) -> tuple[Any, Any]:
        parts = [term(env) for term in terms]
        top = arb(max((logarithm.mid() for _, logarithm in parts), key=lambda m: float(m) if m.is_finite() else 0))
        scaled = [(sign, (logarithm - top).exp()) for sign, logarithm in parts]
        total = sum((sign * x for sign, x in scaled), arb(0))
        _require_positive(total, "log")
        value = top + total.log()
        return value, _max(_mag(value), sum((x for _, x in scaled), arb(0)) / _low(total)) if env.track else None
    return node


def _log_of(argument: sp.Expr, index: Mapping[sp.Symbol, int]) -> Node:
    """``log``; of a sum with an ``exp`` among its terms, directly, and in log space
    (``_log_of_sum``) when the direct value is not finite or cannot be formed."""
    direct = _log(_compile(argument, index))
    if not (isinstance(argument, sp.Add) and argument.has(sp.exp)):
        return direct
    spaced = _log_of_sum(argument, index)

    def node(env: _Env) -> tuple[Any, Any]:
        try:
            value, scale = direct(env)
            if not _is_ball(value) or value.is_finite():
                return value, scale
        except (_Uncertain, OverflowError, ValueError):
            pass
        return spaced(env)
    return node


def _general_power(base: Node, exponent: Node) -> Node:
    """``x^y = e^{y log x}`` (``0^y = 0`` for ``y > 0``)."""
    through_log = _exp(_mul([exponent, _log(base)]))

    def node(env: _Env) -> tuple[Any, Any]:
        x, _ = base(env)
        if _is_ball(x) and x.is_zero():
            y, _ = exponent(env)
            if _real(y, "power") > 0:
                return x, _mag(x) if env.track else None
        return through_log(env)
    return node


def _log1p(child: Node) -> Node:
    def node(env: _Env) -> tuple[Any, Any]:
        x, s = child(env)
        _require_positive(x + 1, "log1p")
        value = _monotone(x, lambda t: t.log1p())
        return value, _max(_mag(value), s / _low(x + 1)) if env.track else None
    return node


def _expm1(child: Node) -> Node:
    def node(env: _Env) -> tuple[Any, Any]:
        x, s = child(env)
        value = _monotone(x, lambda t: t.expm1())
        return value, _max(_mag(value), _mag(value + 1) * s) if env.track else None
    return node


def _abs(child: Node) -> Node:
    def node(env: _Env) -> tuple[Any, Any]:
        x, s = child(env)
        if isinstance(x, arb_series):
            raise TypeError("Abs is not defined for power series")
        return abs(x), s
    return node


def _sign(child: Node) -> Node:
    def node(env: _Env) -> tuple[Any, Any]:
        x, _ = child(env)
        return _real(x, "sign").sgn(), arb(1) if env.track else None
    return node


def _extremum(children: list[Node], largest: bool) -> Node:
    def node(env: _Env) -> tuple[Any, Any]:
        parts = [child(env) for child in children]
        values = [_real(v, "Max" if largest else "Min") for v, _ in parts]
        value = functools.reduce(lambda a, b: a.max(b) if largest else a.min(b), values)
        return value, _max(*(s for _, s in parts)) if env.track else None
    return node


Decision = Callable[[_Env], bool | None]


def _relation(op: str, left: Node, right: Node) -> Decision:
    """True / False when the balls decide ``left op right``, else None."""
    def decide(env: _Env) -> bool | None:
        a, b = _real(left(env)[0], "a condition"), _real(right(env)[0], "a condition")
        tests = {
            "<": (a < b, a >= b), "<=": (a <= b, a > b), ">": (a > b, a <= b), ">=": (a >= b, a < b),
            "==": (a == b, a != b), "!=": (a != b, a == b),
        }
        true, false = tests[op]
        return True if true else False if false else None
    return decide


def _condition(cond: Any, index: Mapping[sp.Symbol, int]) -> Decision:
    if cond is sp.true or cond is sp.false:
        return lambda env: bool(cond)
    if isinstance(cond, sp.core.relational.Relational):
        return _relation(cond.rel_op, _compile(cond.lhs, index), _compile(cond.rhs, index))
    if isinstance(cond, (sp.And, sp.Or)):
        parts = [_condition(arg, index) for arg in cond.args]
        want = isinstance(cond, sp.And)

        def decide(env: _Env) -> bool | None:
            results = [part(env) for part in parts]
            if all(r is want for r in results):
                return want
            if any(r is (not want) for r in results):
                return not want
            return None
        return decide
    if isinstance(cond, sp.Not):
        inner = _condition(cond.args[0], index)
        return lambda env: None if (r := inner(env)) is None else not r
    raise UnsupportedExpression(f"cannot evaluate the condition {cond}: use relations joined by &, |, ~")


def _piecewise(branches: list[tuple[Node, Decision]]) -> Node:
    """The first branch whose condition holds; branches the balls leave open are
    joined (union), so the ball contains the value whichever branch applies."""
    def node(env: _Env) -> tuple[Any, Any]:
        reached = []
        for value_node, decide in branches:
            decision = decide(env)
            if decision is False:
                continue
            reached.append(value_node(env))
            if decision is True:
                value = functools.reduce(lambda a, b: a.union(b), (v for v, _ in reached))
                return value, _max(*(s for _, s in reached)) if env.track else None
        if reached:
            raise _Uncertain("a Piecewise condition the balls cannot decide")
        raise _Undefined("no branch of the Piecewise applies")
    return node


def _compile(e: Any, index: Mapping[sp.Symbol, int]) -> Node:
    if isinstance(e, sp.Symbol):
        if e not in index:
            raise ValueError(f"free symbol {e} is not among the arguments {', '.join(map(str, index))}")
        return _symbol(index[e])
    if isinstance(e, (sp.Rational, sp.Float)):
        q = sp.Rational(e)
        value = fmpq(int(q.p), int(q.q))
        return _leaf(lambda: arb(value))
    if e is sp.pi:
        return _leaf(arb.pi)
    if e is sp.E:
        return _leaf(arb.const_e)
    if isinstance(e, sp.Add):
        return _add([_compile(arg, index) for arg in e.args])
    if isinstance(e, sp.Mul):
        return _mul([_compile(arg, index) for arg in e.args])
    if isinstance(e, sp.Pow):
        base, exponent = e.args
        if exponent.is_Integer:
            return _integer_power(_compile(base, index), int(exponent))
        if isinstance(exponent, (sp.Rational, sp.Float)):
            q = sp.Rational(exponent)
            return _rational_power(_compile(base, index), Fraction(int(q.p), int(q.q)))
        return _general_power(_compile(base, index), _compile(exponent, index))
    if isinstance(e, sp.log) and len(e.args) == 1:
        return _log_of(e.args[0], index)
    unary = {sp.exp: _exp, log1p: _log1p, expm1: _expm1, sp.Abs: _abs, sp.sign: _sign}
    if type(e) in unary and len(e.args) == 1:
        return unary[type(e)](_compile(e.args[0], index))
    if isinstance(e, (sp.Min, sp.Max)):
        return _extremum([_compile(arg, index) for arg in e.args], isinstance(e, sp.Max))
    if isinstance(e, sp.Piecewise):
        return _piecewise([(_compile(branch, index), _condition(cond, index)) for branch, cond in e.args])
    head = type(e).__name__
    raise UnsupportedExpression(f"cannot evaluate {head} (in {sp.sstr(e)}); supported: {SUPPORTED}")


class Compiled:
    """An expression compiled to ball arithmetic over ``symbols`` (in order)."""

    def __init__(self, expr: sp.Expr, symbols: Sequence[sp.Symbol]) -> None:
        self.expr = sp.sympify(expr)
        self.symbols = tuple(symbols)
        self._node = _compile(self.expr, {s: i for i, s in enumerate(self.symbols)})

    def __call__(self, *args: Any) -> Any:
        """The value on balls (``arb``, ``acb`` or ``arb_series`` arguments)."""
        return self._node(_Env(args, False))[0]

    def scaled(self, *args: Any) -> tuple[Any, arb]:
        """``(value, S)``: the value and the scale it is judged against (ball arguments)."""
        return self._node(_Env(args, True))


@functools.lru_cache(maxsize=256)
def _compiled(expr: sp.Expr, symbols: tuple[sp.Symbol, ...]) -> Compiled:
    return Compiled(expr, symbols)


def compile_expr(expr: sp.Expr, symbols: Sequence[sp.Symbol]) -> Compiled:
    """Compile ``expr`` (see the module header); ``UnsupportedExpression`` names an unknown head."""
    return _compiled(sp.sympify(expr), tuple(symbols))


# ---------------------------------------------------------------- exact text

def _digits(n: int) -> str:
    """The decimal digits of an integer of any size."""
    return str(fmpz(n))


def _decimal(mantissa: int, exponent: int) -> str:
    """``mantissa * 10^exponent`` exactly, as a decimal string."""
    if mantissa == 0:
        return "0"
    sign = "-" if mantissa < 0 else ""
    full = _digits(abs(mantissa))
    digits = full.rstrip("0")
    exponent += len(full) - len(digits)
    lead = exponent + len(digits) - 1  # the decimal exponent of the leading digit
    if -6 <= lead < 15:
        if exponent >= 0:
            return sign + digits + "0" * exponent
        point = len(digits) + exponent
        if point > 0:
            return f"{sign}{digits[:point]}.{digits[point:]}"
        return f"{sign}0.{'0' * -point}{digits}"
    tail = f".{digits[1:]}" if len(digits) > 1 else ""
    return f"{sign}{digits[0]}{tail}e{lead}"


def exact_text(value: Any) -> str:
    """An exact rational as text that ``exact_fraction`` (and, up to Python's limit of
    4300 digits per integer, ``sympy.Rational``) reads back exactly."""
    q = sp.Rational(value)
    p, d = int(q.p), int(q.q)
    twos = (d & -d).bit_length() - 1
    rest = d >> twos
    fives = 0
    while rest % 5 == 0:
        rest //= 5
        fives += 1
    if rest != 1:
        return f"{_digits(p)}/{_digits(d)}"
    k = max(twos, fives)
    return _decimal(p * 2 ** (k - twos) * 5 ** (k - fives), -k)


def exact_fraction(text: str) -> Fraction:
    """The exact rational that ``text`` (an ``exact_text`` or an enclosure bound) writes,
    read without Python's limit on the digits of an integer (its decimal exponent
    must be moderate: ``10^-exponent`` is built as an integer)."""
    text = text.strip()
    if "/" in text:
        p, q = text.split("/")
        return Fraction(int(fmpz(p)), int(fmpz(q)))
    mantissa, _, exponent = text.lower().partition("e")
    sign = -1 if mantissa.startswith("-") else 1
    whole, _, decimals = mantissa.lstrip("+-").partition(".")
    power = int(exponent or 0) - len(decimals)
    digits = sign * int(fmpz(whole + decimals or "0"))
    return Fraction(digits * 10 ** max(power, 0), 10 ** max(-power, 0))


# ---------------------------------------------------------------- enclosures

@dataclass(frozen=True)
class Enclosure:
    """A rigorous interval ``[low, high]`` (exact decimals, rounded outward) and the
    bits it took; ``imag`` is the imaginary part's ``(low, high)`` when not real."""

    low: str
    high: str
    prec: int
    imag: tuple[str, str] | None = None

    def as_list(self) -> list[str]:
        """``[low, high]`` (of the real part)."""
        return [self.low, self.high]


Decimal = tuple[int, int]
"""``(mantissa, exponent)``: the exact number ``mantissa * 10^exponent``."""


def _parse_decimal(text: str) -> Decimal:
    mantissa, _, exponent = text.lower().partition("e")
    whole, _, decimals = mantissa.partition(".")
    return int(fmpz(whole + decimals)), int(exponent or 0) - len(decimals)


def _bounds(x: arb, digits: int) -> tuple[Decimal, Decimal]:
    """Decimal bounds of the ball, rounded outward (arb's decimal output contains the ball)."""
    text = x.str(digits, radius=True).strip("[]")
    mid_text, _, rad_text = text.partition("+/-")
    mid = _parse_decimal(mid_text.strip() or "0")
    rad = _parse_decimal(rad_text.strip() or "0")
    if rad[0] == 0:
        return mid, mid
    if mid[0] == 0:
        return (-rad[0], rad[1]), rad
    lead_mid, lead_rad = mid[1] + len(_digits(abs(mid[0]))), rad[1] + len(_digits(abs(rad[0])))
    if abs(lead_mid - lead_rad) > 2 * digits + 20:  # one is below the other's last digit: widen by that digit
        if lead_mid > lead_rad:
            return (mid[0] - 1, mid[1]), (mid[0] + 1, mid[1])
        return (-(rad[0] + 1), rad[1]), (rad[0] + 1, rad[1])
    exponent = min(mid[1], rad[1])
    m, r = mid[0] * 10 ** (mid[1] - exponent), rad[0] * 10 ** (rad[1] - exponent)
    return (m - r, exponent), (m + r, exponent)


def _signum(n: int) -> int:
    return (n > 0) - (n < 0)


def _compare(a: Decimal, b: Decimal) -> int:
    """The sign of ``a - b``, without expanding huge exponents."""
    if _signum(a[0]) != _signum(b[0]) or a[0] == 0:
        return _signum(_signum(a[0]) - _signum(b[0]))
    lead_a, lead_b = a[1] + len(_digits(abs(a[0]))), b[1] + len(_digits(abs(b[0])))
    if lead_a != lead_b:
        return _signum(a[0]) * (1 if lead_a > lead_b else -1)
    exponent = min(a[1], b[1])
    return _signum(a[0] * 10 ** (a[1] - exponent) - b[0] * 10 ** (b[1] - exponent))


def _enclosure(x: Any, prec: int, digits: int) -> Enclosure:
    def text(bounds: tuple[Decimal, Decimal]) -> tuple[str, str]:
        return _decimal(*bounds[0]), _decimal(*bounds[1])

    if isinstance(x, acb):
        return Enclosure(*text(_bounds(x.real, digits)), prec, text(_bounds(x.imag, digits)))
    return Enclosure(*text(_bounds(x, digits)), prec)


def _printed_disjoint(left: Any, right: Any, digits: int) -> bool:
    """Whether the decimal enclosures printed with ``digits`` digits are disjoint."""
    def parts(x: Any) -> list[tuple[Decimal, Decimal]]:
        x = acb(x)
        return [_bounds(x.real, digits), _bounds(x.imag, digits)]

    return any(_compare(a[1], b[0]) < 0 or _compare(b[1], a[0]) < 0 for a, b in zip(parts(left), parts(right)))


def _exact_point(point: Mapping[sp.Symbol, Any], symbols: Sequence[sp.Symbol]) -> list[fmpq]:
    values = []
    for symbol in symbols:
        if symbol not in point:
            raise ValueError(f"the point gives no value for {symbol}")
        value = point[symbol]
        if isinstance(value, float) or not isinstance(value, (int, sp.Rational, Fraction)):
            raise ValueError(f"point coordinate {symbol} = {value!r} must be an exact rational (sympy.Rational)")
        q = sp.Rational(value)
        values.append(fmpq(int(q.p), int(q.q)))
    return values


def _precisions(max_prec: int) -> list[int]:
    precs, prec = [], START_PREC
    while True:
        precs.append(min(prec, max_prec))
        if prec >= max_prec:
            return precs
        prec *= 2


def _evaluate(functions: Sequence[Compiled], values: Sequence[fmpq], complex_values: bool) -> list[tuple[Any, arb]]:
    """Every function at the point, at the current precision; raises the evaluator's errors."""
    args = [acb(arb(v)) if complex_values else arb(v) for v in values]
    results = []
    for function in functions:
        value, scale = function.scaled(*args)
        finite = value.is_finite() if isinstance(value, (arb, acb)) else False
        if not finite:
            raise _Uncertain("a non-finite ball")
        results.append((value, scale))
    return results


def _threshold(scale: arb, digits: int) -> arb:
    return scale * arb(fmpq(1, 10**digits))


def _radius(x: Any) -> arb:
    if isinstance(x, acb):
        return x.real.rad().max(x.imag.rad())
    return x.rad()


def _reference(left: Any, right: Any, scale: arb) -> arb:
    """What the radii of a comparison are judged against: ``max(|lhs|, |rhs|)``, and
    the scale ``S`` of the terms when a ball contains 0 (a value that may be 0,
    cancelled out of larger terms)."""
    size = _low(left).max(_low(right))
    return size.max(scale) if _contains_zero(left) or _contains_zero(right) else size


def _narrow(x: Any, scale: arb, digits: int) -> bool:
    """The radius is 0, or at most ``10^-digits scale`` with a finite scale."""
    radius = _radius(x)
    if radius.is_zero():
        return True
    return scale.is_finite() and bool(radius <= _threshold(scale, digits))


def enclose(expr: sp.Expr, point: Mapping[sp.Symbol, sp.Rational], *, digits: int = 30,
            max_prec: int = MAX_PREC) -> Enclosure | None:
    """An enclosure of ``expr`` at the exact ``point``, finite and narrower than
    ``10^-digits`` relative; None when none is found below ``max_prec``.

    A ball that still contains 0 (the value may be 0, or a tiny value not yet
    resolved, such as ``1 - sigmoid(10^4)``) raises the precision; at
    ``max_prec`` it is accepted when narrower than ``10^-digits S``."""
    symbols = sorted(sp.sympify(expr).free_symbols, key=lambda s: s.name)
    function = compile_expr(expr, symbols)
    values = _exact_point(point, symbols)
    complex_values = False
    for prec in _precisions(max_prec):
        with ctx.workprec(prec):
            try:
                try:
                    ((value, scale),) = _evaluate([function], values, complex_values)
                except _NotReal:
                    complex_values = True
                    ((value, scale),) = _evaluate([function], values, True)
            except _Undefined:
                return None
            except (_Uncertain, _NotReal):
                continue
            if _contains_zero(value):
                if prec == max_prec and _narrow(value, scale, digits):
                    return _enclosure(value, prec, digits + 5)
            elif _narrow(value, _low(value), digits):
                return _enclosure(value, prec, digits + 5)
    return None


# ---------------------------------------------------------------- comparisons

@dataclass(frozen=True)
class Comparison:
    """The verdict of ``lhs relation rhs`` at an exact point, with its evidence.

    ``point`` maps symbol names to exact rationals in the format of ``exact_text``;
    ``residual`` is ``|lhs - rhs|`` over the size the radii are judged against, to 6
    digits ("" when unknown)."""

    verdict: Literal["holds", "fails", "undecided"]
    point: dict[str, str]
    lhs: Enclosure | None
    rhs: Enclosure | None
    method: Literal["arb", "exact"]
    detail: str
    residual: str = ""

    def counterexample(self) -> dict[str, Any]:
        """``{"point", "lhs", "rhs", "method", "prec", "detail"}`` (and ``lhs_imag`` /
        ``rhs_imag`` for a side that is not real): everything needed to check it again."""
        data: dict[str, Any] = {
            "point": dict(self.point),
            "lhs": self.lhs.as_list() if self.lhs else None,
            "rhs": self.rhs.as_list() if self.rhs else None,
            "method": self.method,
            "prec": max((e.prec for e in (self.lhs, self.rhs) if e is not None), default=None),
            "detail": self.detail,
        }
        for name, side in (("lhs", self.lhs), ("rhs", self.rhs)):
            if side is not None and side.imag is not None:
                data[f"{name}_imag"] = list(side.imag)
        return data


def _decide(a: Any, relation: str, b: Any) -> str | None:
    """``holds`` / ``fails`` when the real balls decide the inequality, else None."""
    certain = {"<": (a < b, a >= b), "<=": (a <= b, a > b), ">": (a > b, a <= b), ">=": (a >= b, a < b)}
    true, false = certain[relation]
    return "holds" if true else "fails" if false else None


def _disjoint(a: Any, b: Any) -> bool:
    if isinstance(a, acb) or isinstance(b, acb):
        a, b = acb(a), acb(b)
        return bool(a.real < b.real or a.real > b.real or a.imag < b.imag or a.imag > b.imag)
    return bool(a < b or a > b)


def _exact(lhs: sp.Expr, relation: str, rhs: sp.Expr, point: Mapping[sp.Symbol, sp.Rational]) -> str | None:
    """The verdict SymPy reaches exactly at the rational point, or None."""
    exponents = [p.exp for side in (lhs, rhs) for p in side.atoms(sp.Pow)]
    if any(n.is_Integer and abs(int(n)) > EXACT_MAX_EXPONENT for n in exponents):
        return None
    if any(not n.is_Integer for n in exponents) and any(
            max(abs(int(sp.Rational(v).p)), int(sp.Rational(v).q)) > EXACT_MAX_ROOTED for v in point.values()):
        return None  # SymPy would factor the point's huge integers to take the root
    exact = {s: sp.Rational(v) for s, v in point.items()}
    left, right = sp.sympify(lhs).xreplace(exact), sp.sympify(rhs).xreplace(exact)
    if not (left.is_extended_real and right.is_extended_real and left.is_finite and right.is_finite):
        return None
    difference = left - right
    if not difference.is_Rational:
        if sp.count_ops(difference) > 200 or difference.has(sp.exp, sp.log, log1p, expm1):
            return _signed(difference, relation)  # SymPy may evaluate a transcendental difference forever
        difference = sp.simplify(difference)
    if not difference.is_Rational:
        return None
    sign = (difference.p > 0) - (difference.p < 0)
    truth = {"=": sign == 0, "<": sign < 0, "<=": sign <= 0, ">": sign > 0, ">=": sign >= 0}[relation]
    return "holds" if truth else "fails"


_FLIPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}


def _signed(difference: sp.Expr, relation: str) -> str | None:
    """An inequality ``difference relation 0`` at a point, for ``difference = c log A + R``
    with one logarithm: it has the sign of ``c`` times that of ``D = A - e^{-R/c}`` (``log``
    is increasing, ``A > 0``), and SymPy's exact arithmetic often cancels in ``D`` what no
    ball can (``log(1 + e^X) - X`` with ``X = 10^300``: ``D = 1``). The signs of ``c``, ``A``
    and ``D`` are decided by the balls; SymPy's assumptions on numbers are never used (they
    evaluate in floating point and misjudge cancellations)."""
    logs = difference.atoms(sp.log)
    if relation not in _FLIPPED or len(logs) != 1:
        return None
    (logarithm,) = logs
    collected = sp.collect(sp.expand(difference), logarithm, evaluate=False)
    coefficient, rest = collected.get(logarithm, sp.Integer(0)), collected.get(sp.Integer(1), sp.Integer(0))
    if set(collected) - {logarithm, sp.Integer(1)} or coefficient == 0:
        return None
    argument = logarithm.args[0]
    if compare(argument, ">", 0, {}).verdict != "holds":
        return None
    if compare(coefficient, ">", 0, {}).verdict == "holds":
        wanted = relation
    elif compare(coefficient, "<", 0, {}).verdict == "holds":
        wanted = _FLIPPED[relation]
    else:
        return None
    verdict = compare(argument - sp.exp(-rest / coefficient), wanted, 0, {}).verdict
    return verdict if verdict in ("holds", "fails") else None


def compare(lhs: sp.Expr, relation: str, rhs: sp.Expr, point: Mapping[sp.Symbol, sp.Rational], *,
            agree_digits: int = 40, max_prec: int = MAX_PREC) -> Comparison:
    """Decide ``lhs relation rhs`` at the exact ``point`` (see the module header)."""
    if relation not in RELATIONS:
        raise ValueError(f"relation must be one of {', '.join(RELATIONS)}; got {relation!r}")
    if agree_digits < 1:
        raise ValueError(f"agree_digits must be a positive integer; got {agree_digits}")
    lhs, rhs = sp.sympify(lhs), sp.sympify(rhs)
    symbols = sorted(lhs.free_symbols | rhs.free_symbols, key=lambda s: s.name)
    functions = [compile_expr(lhs, symbols), compile_expr(rhs, symbols)]
    values = _exact_point(point, symbols)
    point_text = {str(s): exact_text(v) for s, v in point.items()}
    reason, complex_values, tried_exact = "", False, False
    last: tuple[Any, Any, arb, int] | None = None

    def result(verdict: str, detail: str, method: str = "arb", digits: int = 20) -> Comparison:
        if last is None:
            return Comparison(verdict, point_text, None, None, method, detail)  # type: ignore[arg-type]
        left, right, size, prec = last
        if verdict == "fails" and method == "arb":  # enough digits that the printed enclosures are disjoint
            while digits < prec // 3 + 10 and not _printed_disjoint(left, right, digits):
                digits *= 2
        residual = abs(acb(left).mid() - acb(right).mid()) / size.mid() if size.is_finite() and size > 0 else arb(0)
        residual_text = residual.str(6, radius=False) if residual.is_finite() else ""
        return Comparison(verdict, point_text, _enclosure(left, prec, digits),  # type: ignore[arg-type]
                          _enclosure(right, prec, digits), method, detail, residual_text)

    for prec in _precisions(max_prec):
        with ctx.workprec(prec):
            try:
                try:
                    (left, left_scale), (right, right_scale) = _evaluate(functions, values, complex_values)
                except _NotReal as error:
                    complex_values, reason = True, f"not real: {error}"
                    (left, left_scale), (right, right_scale) = _evaluate(functions, values, True)
            except _Undefined as error:
                return result("undecided", f"undefined at the point: {error}")
            except (_Uncertain, _NotReal) as error:
                reason = str(error)
                continue
            size = _reference(left, right, left_scale.max(right_scale))
            last = (left, right, size, prec)
            narrow = _narrow(left, size, agree_digits) and _narrow(right, size, agree_digits)
            if complex_values:
                if _disjoint(left, right):
                    return result("fails", f"{reason}; principal-branch enclosures disjoint at {prec} bits")
                if narrow:
                    return result("undecided", f"{reason}; the sides agree on the principal branch")
                continue
            if relation == "=":
                if _disjoint(left, right):
                    return result("fails", f"enclosures disjoint at {prec} bits")
                if narrow:
                    return result("holds", f"enclosures agree to {agree_digits} digits at {prec} bits")
            else:
                verdict = _decide(left, relation, right)
                if verdict is not None:
                    return result(verdict, f"certified by the enclosures at {prec} bits")
            if narrow and not tried_exact:  # a tie the balls cannot break: try it exactly once
                tried_exact = True
                verdict = _exact(lhs, relation, rhs, point)
                if verdict is not None:
                    return result(verdict, "decided exactly by SymPy at the rational point", "exact")
            reason = f"enclosures overlap without agreeing to {agree_digits} digits"
    if not tried_exact and not complex_values:
        verdict = _exact(lhs, relation, rhs, point)
        if verdict is not None:
            return result(verdict, "decided exactly by SymPy at the rational point", "exact")
    if last is None:
        return result("undecided", f"NaN at every precision up to {max_prec} bits: {reason}")
    return result("undecided", f"undecided at {max_prec} bits: {reason}")
