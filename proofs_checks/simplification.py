"""A sound zero test: rewrites that are valid on the domain, and nothing else.

SymPy's ``force=True`` rewrites (``expand_log``, ``logcombine``, ``powsimp``)
assume every argument positive, so they "prove" ``log(x - 1) + log(y - 1) =
log((x - 1)(y - 1))`` for ``x, y < 1``, where it is false. This module never
forces a rewrite. Instead it makes the positivity that a rewrite needs visible
to SymPy's assumptions, by a change of variables that is a bijection onto the
domain: a symbol known to lie in ``(lo, hi)`` becomes ``(lo + hi P)/(1 + P)``,
and one in ``(lo, oo)`` becomes ``lo + P``, with ``P > 0`` a fresh symbol. On
the new variables every interval constraint is a positivity, so the
assumption-respecting rewrites apply exactly where they are valid.

Main definitions
- ``Intervals``: ``{symbol: (lo, hi)}``, open intervals, ``hi`` possibly ``oo``;
  a bound may use symbols listed before it.
- ``interval_substitution(intervals)``: ``{x: (lo + hi P_x)/(1 + P_x)}`` (or
  ``lo + P_x``), applied in order, so later bounds see earlier substitutions;
  an indexed value ``x[i]`` gets an indexed parameter ``P_x[i]``, so that inside
  a sum over ``i`` it still depends on the summation index.
- ``is_zero(expr, intervals)``: True only when a chain of sound rewrites
  (``cancel``, ``simplify``, and ``expand_log``/``logcombine``/``powsimp``
  without ``force``, before and after the substitution) reduces ``expr`` to 0.
  False means "not shown", never "nonzero". Each rewrite runs at most
  ``REWRITE_SECONDS``; a random evaluation that is clearly nonzero skips them.
"""

from __future__ import annotations

import random
import signal
import threading
import time
import zlib
from collections.abc import Callable, Mapping
from typing import Any

import sympy as sp

__all__ = ["Intervals", "interval_substitution", "is_zero", "sound_rewrites"]

Intervals = Mapping[sp.Symbol, tuple[sp.Expr, sp.Expr]]


def interval_substitution(intervals: Intervals) -> dict[sp.Symbol, sp.Expr]:
    """The change of variables that turns every interval constraint into a positivity."""
    substitution: dict[sp.Symbol, sp.Expr] = {}
    for symbol, (low, high) in intervals.items():
        if low == 0 and high == sp.oo and symbol.is_positive:
            continue  # already a positivity
        if isinstance(symbol, sp.Indexed):  # keep the index: inside a sum it is the summation variable
            parameter = sp.IndexedBase(sp.Dummy(f"P_{symbol.base}", positive=True), positive=True)[symbol.indices]
        else:
            parameter = sp.Dummy(f"P_{symbol}", positive=True)
        low, high = sp.sympify(low).subs(substitution), sp.sympify(high).subs(substitution)
        value = low + parameter if high == sp.oo else (low + high * parameter) / (1 + parameter)
        substitution[symbol] = value
    return substitution


def _factored_logs(expr: sp.Expr) -> sp.Expr:
    """Every ``log(x)`` with ``x`` put over a common denominator and factored, so that
    the positivity of its factors is visible to ``expand_log``."""
    return expr.replace(lambda e: isinstance(e, sp.log), lambda e: sp.log(sp.factor(sp.cancel(e.args[0]))))


def sound_rewrites() -> tuple[Callable[[sp.Expr], sp.Expr], ...]:
    """Rewrites, cheap to costly, each valid wherever the expression is defined
    under SymPy's assumptions on its symbols (no ``force``)."""
    return (
        lambda e: e,
        sp.cancel,
        sp.simplify,
        lambda e: sp.simplify(sp.expand_log(_factored_logs(e))),
        lambda e: sp.simplify(sp.logcombine(e)),
        lambda e: sp.simplify(sp.powsimp(sp.expand(e.rewrite(sp.exp)))),
        lambda e: sp.simplify(sp.expand_log(_factored_logs(sp.expand(e.rewrite(sp.exp))))),
    )


def _reduces_to_zero(expr: sp.Expr) -> bool:
    if expr == 0:
        return True
    if _nonzero_somewhere(expr):
        return False
    for rewrite in sound_rewrites():
        try:
            if bounded(rewrite, expr) == 0:
                return True
        except (TypeError, NotImplementedError, ValueError, RecursionError, AttributeError, TimeLimit):
            continue
    return False


REWRITE_SECONDS = 20
"""How long one rewrite may run before it counts as failed (SymPy can take unbounded time)."""


class TimeLimit(Exception):
    """A rewrite ran out of its time."""


def bounded(function: Callable[[Any], Any], argument: Any, seconds: float = REWRITE_SECONDS) -> Any:
    """``function(argument)``, or ``TimeLimit`` after ``seconds`` of wall time (enforced in
    the main thread with an interval timer; elsewhere unbounded). Calls nest: an inner
    limit never outlasts the outer one, which is restored, less the time spent, on return."""
    if threading.current_thread() is not threading.main_thread():
        return function(argument)

    def expire(signum: int, frame: Any) -> None:
        raise TimeLimit

    previous = signal.signal(signal.SIGALRM, expire)
    outer = signal.getitimer(signal.ITIMER_REAL)[0] if callable(previous) else 0.0  # an enclosing limit
    start = time.monotonic()
    signal.setitimer(signal.ITIMER_REAL, min(seconds, outer) if outer else seconds)
    try:
        return function(argument)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        # a stray alarm must never end the process (SIGALRM's default action): ignore it outside any limit
        signal.signal(signal.SIGALRM, previous if callable(previous) else signal.SIG_IGN)
        if outer:
            signal.setitimer(signal.ITIMER_REAL, max(outer - (time.monotonic() - start), 1e-3))


_PROBES = 2


def _nonzero_somewhere(expr: sp.Expr) -> bool:
    """True when ``expr`` is certainly not identically 0: at a random point that
    respects its symbols' assumptions (sums, indexed values and symbols taken as
    independent values of their sign), it evaluates to a finite real number
    clearly away from 0. Such an expression cannot be rewritten to 0 by rewrites
    valid under those assumptions, so the costly ones are skipped. Any doubt
    (complex values, poles) answers False. An atom of unknown sign or realness
    takes a real value of random sign: one of its possible values."""
    rng = random.Random(zlib.crc32(sp.srepr(expr).encode()))
    atoms = sorted(expr.atoms(sp.Sum, sp.Indexed, sp.Derivative, sp.Limit), key=sp.default_sort_key)
    for _ in range(_PROBES):
        values: dict[sp.Basic, sp.Expr] = {}
        for atom in atoms + sorted(expr.free_symbols, key=sp.default_sort_key):
            sign = 1 if atom.is_positive or atom.is_nonnegative else (-1 if atom.is_negative or atom.is_nonpositive else 0)
            if atom.is_real is False:
                return False
            magnitude = sp.Rational(rng.randint(11, 89), 100)
            values[atom] = sign * magnitude if sign else magnitude * rng.choice((1, -1))
        try:
            value = sp.N(expr.xreplace(values), 30)
        except (TypeError, ValueError, ZeroDivisionError, RecursionError, AttributeError):
            return False
        if not value.is_number or value.has(sp.nan, sp.zoo, sp.oo, -sp.oo) or not value.is_real:
            return False
        if abs(value) > sp.Float("1e-15"):
            return True
    return False


def is_zero(expr: Any, intervals: Intervals | None = None) -> bool:
    """True when ``expr`` provably equals 0 wherever its symbols satisfy their
    SymPy assumptions and lie in ``intervals``."""
    expr = sp.sympify(expr)
    if _reduces_to_zero(expr):
        return True
    if not intervals:
        return False
    substitution = interval_substitution({s: b for s, b in intervals.items() if expr.has(s) or _used_in_bounds(s, intervals, expr)})
    if not substitution:
        return False
    return _reduces_to_zero(expr.subs(substitution))


def _used_in_bounds(symbol: sp.Symbol, intervals: Intervals, expr: sp.Expr) -> bool:
    """Whether a symbol of ``expr`` has a bound that uses ``symbol``."""
    return any(expr.has(other) and (sp.sympify(low).has(symbol) or sp.sympify(high).has(symbol))
               for other, (low, high) in intervals.items())
