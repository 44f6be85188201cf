"""Standard results a derivation may apply, with their hypotheses checked.

A derivation cites textbook theorems the way a paper does: by name, on an
instance whose hypotheses are checked like derivation steps (identities,
signs, limits) from the facts the applying step cites. The report lists each
result with its statement, next to the standing assumptions.

Main definitions
- ``StandardResult(id, statement, hypotheses, conclusion)``: ``hypotheses(**instance)``
  are steps (``proofs_checks.proof``) to verify; ``conclusion(**instance)`` is
  the relation the application establishes.
- ``gibbs-inequality`` (instance ``support``, ``values``, ``p``, optional
  ``within`` = ``w``): for probability vectors ``q = w s r`` (``s`` a support
  indicator, ``r > 0``) and ``w p`` (``p > 0``) on the finite set ``{w = 1}``,
  ``KL(q || p) = sum_y w s r log(r/p) >= 0``, with equality only if
  ``w s r = w p``. Hypotheses checked: ``sum w s r = 1``, ``sum w p = 1``,
  ``p > 0``, ``r > 0``.
- ``kl-off-support`` (instance ``q``, ``p``, ``at``): by the convention of
  ``KL``, ``KL(q || p) = +oo`` when ``q(y) > 0 = p(y)`` at some ``y``. Hypotheses
  checked: ``q > 0`` and ``p = 0`` at the generic outcome when ``at`` (a 0/1
  value such as ``v(y)``) is 0.
- ``standard-simplex`` (instance ``size``): the probability vectors on a finite
  set of ``k`` points form a simplex of dimension ``k - 1`` spanned by the ``k``
  point masses, infinite when ``k >= 2``. Hypotheses checked: the maximizers
  of ``E_q[v]`` are the policies with ``q(Y0) = 0`` (``1 - E_q[v] = q(Y0) >= 0``),
  that is the probability vectors on ``Y1``, ``k = |Y1|``.
- ``monotone-bijection`` (instance ``f``, ``var``, ``low``, ``high``,
  ``at_low``, ``at_high``): a function that is differentiable with
  ``f' < 0`` on ``(low, high)`` and tends to ``at_low`` at ``low+`` and to
  ``at_high`` at ``high-`` maps ``(low, high)`` one to one onto
  ``(at_high, at_low)`` (intermediate values and strict monotonicity).
  Hypotheses checked: ``f' < 0`` on the interval, every logarithm's argument
  positive and every denominator nonzero there (so ``f`` is differentiable),
  and the two limits.
- ``RESULTS``: by id.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sympy as sp

from theory.symbolic import GenericOutcomes

__all__ = ["StandardResult", "RESULTS", "kl_sum", "bijection", "KL", "off_support", "simplex_dimension"]

_G = GenericOutcomes()


@dataclass(frozen=True)
class StandardResult:
    """A named theorem: its statement, and how to check and instantiate it."""

    id: str
    statement: str
    hypotheses: Callable[..., list[Any]]
    conclusion: Callable[..., sp.Basic]


def kl_sum(support: Any, values: Any, p: Any, within: Any = 1) -> sp.Sum:
    """``KL(q || p) = sum_y w(y) s(y) r(y) log(r(y)/p(y))`` for ``q = w s r`` (``0 log 0 = 0``)."""
    return _G.total(within * support * values * sp.log(values / p))


def _gibbs_hypotheses(support: Any, values: Any, p: Any, within: Any = 1) -> list[Any]:
    from proofs_checks.proof import Equal, Sign

    return [
        Equal(_G.total(within * support * values), 1, "q is a probability vector"),
        Equal(_G.total(within * p), 1, "p is a probability vector"),
        Sign(p, "positive", "p > 0"),
        Sign(values, "positive", "r > 0"),
    ]


def _gibbs_conclusion(support: Any, values: Any, p: Any, within: Any = 1) -> sp.Basic:
    divergence = kl_sum(support, values, p, within)
    return sp.And(sp.GreaterThan(divergence, 0, evaluate=False),
                  sp.Implies(sp.Eq(divergence, 0, evaluate=False),
                             sp.Eq(within * support * values, within * p, evaluate=False)))


KL = sp.Function("KL")
"""``KL(q, p)``: the divergence of two vectors given by their generic-outcome values, as a formal symbol."""


def _off_support_hypotheses(q: Any, p: Any, at: Any) -> list[Any]:
    from proofs_checks.proof import Equal, Sign

    return [Sign(q, "positive", "q(y) > 0"), Equal(sp.sympify(p).subs(at, 0), 0, "p(y) = 0 where the indicator is 0")]


def off_support(q: Any, p: Any) -> sp.Basic:
    """``KL(q || p) = +oo``, as a formal relation."""
    return sp.Eq(KL(q, p), sp.oo, evaluate=False)


def _off_support_conclusion(q: Any, p: Any, at: Any) -> sp.Basic:
    return off_support(q, p)


def _simplex_hypotheses(size: Any) -> list[Any]:
    from proofs_checks.proof import Equal, Sign

    q, v = _G.s[_G.y] * _G.r[_G.y], _G.v[_G.y]
    return [Equal(1 - _G.total(q * v), _G.total(q * (1 - v)), "the maximizers are the q with q(Y0) = 0"),
            Sign(_G.total(q * (1 - v)), "nonnegative", "q(Y0) >= 0")]


def simplex_dimension(size: Any) -> sp.Basic:
    """``dim Delta(Y1) = size - 1``, as a formal relation."""
    return sp.Eq(sp.Function("dim")(sp.Symbol(r"\Delta(\mathcal{Y}_1)")), size - 1, evaluate=False)


def bijection(f: Any, var: sp.Symbol, low: Any, high: Any, at_low: Any, at_high: Any) -> sp.Basic:
    """``f`` is strictly decreasing on ``(low, high)`` and maps it onto ``(at_high, at_low)``."""
    image = sp.ImageSet(sp.Lambda(var, f), sp.Interval.open(low, high))
    return sp.And(sp.StrictLessThan(sp.Derivative(f, var), 0, evaluate=False),
                  sp.Eq(image, sp.Interval.open(at_high, at_low), evaluate=False))


def _definedness(f: sp.Expr) -> list[Any]:
    """Obligations under which ``f`` is differentiable: positive log arguments and
    power bases with non-integer exponents, nonzero denominators."""
    from proofs_checks.proof import Sign

    obligations: list[Any] = []
    for log in f.atoms(sp.log):
        obligations.append(Sign(log.args[0], "positive", "the argument of a logarithm is positive"))
    for power in f.atoms(sp.Pow):
        base, exponent = power.as_base_exp()
        if exponent.is_integer and exponent.is_negative:
            obligations.append(Sign(base ** 2, "positive", "a denominator is nonzero"))
        elif not exponent.is_integer and not base.is_number:
            obligations.append(Sign(base, "positive", "the base of a fractional power is positive"))
    return obligations


def _bijection_hypotheses(f: Any, var: sp.Symbol, low: Any, high: Any, at_low: Any, at_high: Any) -> list[Any]:
    from proofs_checks.proof import Limit, Sign

    f = sp.sympify(f)
    return [
        *_definedness(f.doit()),
        Sign(sp.diff(f, var), "negative", "f' < 0 on the interval"),
        Limit(f, var, low, at_low, "the limit at the lower end", direction="+"),
        Limit(f, var, high, at_high, "the limit at the upper end", direction="-"),
    ]


RESULTS: dict[str, StandardResult] = {
    result.id: result
    for result in (
        StandardResult(
            "gibbs-inequality",
            r"Gibbs' inequality: for probability vectors $q$ and $p$ on a finite set with $p > 0$,"
            r" $\mathrm{KL}(q\,\|\,p) \ge 0$, with equality only if $q = p$.",
            _gibbs_hypotheses, _gibbs_conclusion),
        StandardResult(
            "kl-off-support",
            r"By the convention of $\mathrm{KL}$: $\mathrm{KL}(q\,\|\,p) = +\infty$ when $q(y) > 0 = p(y)$ for"
            r" some $y$.",
            _off_support_hypotheses, _off_support_conclusion),
        StandardResult(
            "standard-simplex",
            r"The probability vectors on a finite set of $k$ points form a simplex of dimension $k - 1$ spanned by"
            r" the $k$ point masses; it is infinite when $k \ge 2$.",
            _simplex_hypotheses, simplex_dimension),
        StandardResult(
            "monotone-bijection",
            r"A function differentiable on an open interval $(l, h)$ with $f' < 0$ there, tending to $f_l$ at"
            r" $l^+$ and to $f_h$ at $h^-$, maps $(l, h)$ one to one onto $(f_h, f_l)$ (intermediate value"
            r" theorem and strict monotonicity).",
            _bijection_hypotheses, bijection),
    )
}
