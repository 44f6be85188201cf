"""The quantities of the spec computed straight from their definitions.

These are the independent side of the numeric and property checks: naive
finite sums over outcomes, with no rewriting for stability, so that the
library's closed forms, problem object and divergences are checked against
the definitions rather than against themselves. Every vector argument stands
for the distribution proportional to it and is normalized first.

The same functions run on three kinds of numbers, chosen by the numbers they
are given: mpmath ``mpf`` (at the working precision; the naive sums cancel,
``Z_beta = 1 + 1e-306`` at ``alpha = 1e-300``, so evaluate them through
``NumericContext.resolve``), python-flint ``arb`` balls (at ``flint.ctx.prec``;
every operation encloses the exact value, so the result is a rigorous
enclosure, however wide) and exact SymPy numbers (``exp`` and ``log`` stay
symbolic, so an exact identity such as ``p_beta(. | Y1) = p_*`` holds
literally). ``exact(x, kind)`` turns a float64 or mpmath number into an ``arb``
or a SymPy rational without rounding: both are binary fractions.

With ``masses=True``, ``kl``, ``entropy``, ``total_variation`` and ``amari`` take
the vectors as given (positive measures, as the library's divergences do)
instead of the distributions proportional to them.

Main definitions (``a`` base, ``v`` validity, ``q`` a distribution, lists of numbers)
- ``expectation(q, f) = sum_y q(y) f(y)``
- ``kl(q, p) = sum_{q(y) > 0} q(y) log(q(y)/p(y))``, ``+inf`` if some ``q(y) > 0 = p(y)``
- ``tilt(a, v, beta) = a e^{v/beta} / sum a e^{v/beta}``
- ``log_partition(a, v, beta) = log sum_y a(y) e^{v(y)/beta}``
- ``condition(q, v, value) = q(. | v = value)``
- ``total_variation(p, q) = (1/2) sum_y |p(y) - q(y)|``
- ``entropy(q) = -sum_{q(y) > 0} q(y) log q(y)``
- ``objective(q, a, v, beta) = E_q[v] - beta KL(q || a)``; at ``beta = inf`` its limit, ``E_q[v]``
  where ``q`` is ``a`` (decided exactly on the entries) and ``-inf`` elsewhere
- ``optimal_value(a, v, beta) = J_beta(p_beta)``, the objective at the tilted distribution;
  ``E_a[v]`` at ``beta = inf`` (its limit)
- ``validity(alpha, beta) = p_beta(Y1)`` and ``invalidity(alpha, beta) = p_beta(Y0)`` of the
  two-outcome problem ``a = (alpha, 1 - alpha)``, ``v = (1, 0)``
- ``binary_kl(x, y) = kl((x, 1-x), (y, 1-y))``
- ``amari(p, q, alpha) = sum_y [p^alpha q^{1-alpha} - alpha p - (1-alpha) q] / (alpha (alpha - 1))``
  (Amari's form for positive measures; ``(sum_y p^alpha q^{1-alpha} - 1) / (alpha (alpha - 1))``
  for distributions), ``sum_y [p log(p/q) - p + q]`` at ``alpha = 1``, the same with ``p`` and
  ``q`` exchanged at ``alpha = 0``; ``+inf`` where absolute continuity fails
- ``renyi(p, q, order) = log(sum_y p^order q^{1-order}) / (order - 1)``; ``-log q(supp p)`` at 0,
  ``KL(p || q)`` at 1, ``log max_{p(y) > 0} p(y)/q(y)`` at ``inf``
- ``exact(x, kind)``: a float, int or mpf as an ``arb`` or a SymPy rational, exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import mpmath
import sympy as sp
from flint import arb, fmpq
from mpmath import mpf

from proofs_checks.numeric import rational

__all__ = [
    "expectation", "kl", "tilt", "log_partition", "condition", "total_variation", "entropy", "objective", "optimal_value",
    "validity", "invalidity", "binary_kl", "amari", "renyi", "normalized", "exact",
]

Vector = Sequence[Any]


def _kind(x: Any) -> str:
    if isinstance(x, arb):
        return "arb"
    if isinstance(x, sp.Basic):
        return "sympy"
    return "mpmath"


def _exp(x: Any) -> Any:
    kind = _kind(x)
    return x.exp() if kind == "arb" else sp.exp(x) if kind == "sympy" else mpmath.exp(x)


def _log(x: Any) -> Any:
    kind = _kind(x)
    return x.log() if kind == "arb" else sp.log(x) if kind == "sympy" else mpmath.log(x)


def _sum(values: Sequence[Any]) -> Any:
    kind = _kind(values[0])
    if kind == "arb":
        total = arb(0)
        for value in values:
            total += value
        return total
    return sp.Add(*values) if kind == "sympy" else mpmath.fsum(values)


def _infinity(like: Any) -> Any:
    kind = _kind(like)
    return arb.pos_inf() if kind == "arb" else sp.oo if kind == "sympy" else mpf("inf")


def _zero(like: Any) -> Any:
    return like * 0


def exact(x: Any, kind: str) -> Any:
    """``x`` (float, int, mpf) as an ``arb`` (``kind="arb"``) or a SymPy rational
    (``kind="sympy"``) of exactly the same value."""
    if kind == "sympy":
        return rational(x)
    if isinstance(x, (mpmath.mpf, float, int)) or hasattr(x, "dtype"):
        value = mpf(x)
        if mpmath.isinf(value):
            return arb.pos_inf() if value > 0 else arb.neg_inf()
        return arb(value)
    q = rational(x)
    return arb(fmpq(int(q.p), int(q.q)))


def normalized(q: Vector) -> list[Any]:
    """``q / sum(q)`` at the working precision."""
    total = _sum(q)
    return [x / total for x in q]


def expectation(q: Vector, f: Sequence[Any]) -> Any:
    return _sum([qy * fy for qy, fy in zip(normalized(q), f, strict=True)])


def kl(q: Vector, p: Vector, *, masses: bool = False) -> Any:
    if not masses:
        q, p = normalized(q), normalized(p)
    terms = []
    for qy, py in zip(q, p, strict=True):
        if qy > 0:
            if py == 0:
                return _infinity(qy)
            terms.append(qy * _log(qy / py))
    return _sum(terms) if terms else _zero(q[0])


def tilt(a: Vector, v: Sequence[int], beta: Any) -> list[Any]:
    return normalized([ay * _exp(vy / beta) for ay, vy in zip(a, v, strict=True)])


def log_partition(a: Vector, v: Sequence[int], beta: Any) -> Any:
    return _log(_sum([ay * _exp(vy / beta) for ay, vy in zip(normalized(a), v, strict=True)]))


def condition(q: Vector, v: Sequence[int], value: int) -> list[Any]:
    return normalized([qy if vy == value else _zero(qy) for qy, vy in zip(q, v, strict=True)])


def total_variation(p: Vector, q: Vector, *, masses: bool = False) -> Any:
    if not masses:
        p, q = normalized(p), normalized(q)
    return _sum([abs(x - y) for x, y in zip(p, q, strict=True)]) / 2


def entropy(q: Vector, *, masses: bool = False) -> Any:
    if not masses:
        q = normalized(q)
    return -_sum([qy * _log(qy) for qy in q if qy > 0])


def _proportional(q: Vector, p: Vector) -> bool:
    """Whether ``q`` and ``p`` stand for the same distribution, decided exactly on their entries."""
    exact_q, exact_p = [rational(x) for x in q], [rational(x) for x in p]
    total_q, total_p = sum(exact_q), sum(exact_p)
    return all(x * total_p == y * total_q for x, y in zip(exact_q, exact_p, strict=True))


def objective(q: Vector, a: Vector, v: Sequence[int], beta: Any) -> Any:
    if beta == float("inf"):  # the limit: E_q[v] where KL(q || a) = 0, -inf elsewhere
        return expectation(q, v) if _proportional(q, a) else -_infinity(q[0])
    return expectation(q, v) - beta * kl(q, a)


def optimal_value(a: Vector, v: Sequence[int], beta: Any) -> Any:
    if beta == float("inf"):
        return expectation(a, v)
    return objective(tilt(a, v, beta), a, v, beta)


def validity(alpha: Any, beta: Any) -> Any:
    return tilt([alpha, 1 - alpha], [1, 0], beta)[0]


def invalidity(alpha: Any, beta: Any) -> Any:
    return tilt([alpha, 1 - alpha], [1, 0], beta)[1]


def binary_kl(x: Any, y: Any) -> Any:
    return kl([x, 1 - x], [y, 1 - y])


def amari(p: Vector, q: Vector, alpha: Any, *, masses: bool = False) -> Any:
    if not masses:
        p, q = normalized(p), normalized(q)
    if alpha == 1:
        return kl(p, q, masses=True) - _sum(p) + _sum(q)
    if alpha == 0:
        return kl(q, p, masses=True) - _sum(q) + _sum(p)
    terms = []
    for py, qy in zip(p, q, strict=True):
        if (py > 0 and qy == 0 and alpha >= 1) or (qy > 0 and py == 0 and alpha <= 0):
            return _infinity(py + qy)
        power = _exp(alpha * _log(py) + (1 - alpha) * _log(qy)) if py > 0 and qy > 0 else _zero(py)
        terms.append(power - alpha * py - (1 - alpha) * qy)
    return _sum(terms) / (alpha * (alpha - 1))


def renyi(p: Vector, q: Vector, order: Any) -> Any:
    p, q = normalized(p), normalized(q)
    support = [(py, qy) for py, qy in zip(p, q, strict=True) if py > 0]
    if order == 0:
        return -_log(_sum([qy for _, qy in support]))
    if order == 1:
        return kl(p, q)
    if order >= 1 and any(qy == 0 for _, qy in support):
        return _infinity(p[0])
    both = [(py, qy) for py, qy in support if qy > 0]
    if not both:
        return _infinity(p[0])
    if order == float("inf"):
        ratios = [_log(py / qy) for py, qy in both]
        largest = ratios[0]
        for ratio in ratios[1:]:
            largest = largest.max(ratio) if isinstance(largest, arb) else max(largest, ratio)
        return largest
    return _log(_sum([_exp(order * _log(py) + (1 - order) * _log(qy)) for py, qy in both])) / (order - 1)
