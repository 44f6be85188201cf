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
  ``lo + P_x``), applied in order, so later bounds see earlier substitutions.
- ``is_zero(expr, intervals)``: True only when a chain of sound rewrites
  (``cancel``, ``simplify``, and ``expand_log``/``logcombine``/``powsimp``
  without ``force``, before and after the substitution) reduces ``expr`` to 0.
  False means "not shown", never "nonzero".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import sympy as sp

__all__ = ["Intervals", "interval_substitution", "is_zero", "sound_rewrites"]

Intervals = Mapping[sp.Symbol, tuple[sp.Expr, sp.Expr]]


def interval_substitution(intervals: Intervals) -> dict[sp.Symbol, sp.Expr]:
    """The change of variables that turns every interval constraint into a positivity."""
    substitution: dict[sp.Symbol, sp.Expr] = {}
    for symbol, (low, high) in intervals.items():
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
    for rewrite in sound_rewrites():
        try:
            if rewrite(expr) == 0:
                return True
        except (TypeError, NotImplementedError, ValueError, RecursionError, AttributeError):
            continue
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
