"""The quantities of the spec computed straight from their definitions, in mpmath.

These are the independent side of the numeric checks: naive finite sums, with
no rewriting for stability, so that the library's closed forms and problem
object are checked against the definitions rather than against themselves.
Every vector argument stands for the distribution proportional to it and is
normalized first, at the working precision, so an instance is the same exact
distribution at every precision. The naive formulas cancel
(``Z_beta = 1 + 1e-306`` at ``alpha = 1e-300``, ``mu_beta = 1 - 1e-4343`` at
``beta = 1e-4``): evaluate them through ``NumericContext.resolve``, which
raises the precision until the value is stable.

Main definitions (``a`` base, ``v`` validity, ``q`` a distribution, lists of mpf)
- ``expectation(q, f) = sum_y q(y) f(y)``
- ``kl(q, p) = sum_{q(y) > 0} q(y) log(q(y)/p(y))``, ``+inf`` if some ``q(y) > 0 = p(y)``
- ``tilt(a, v, beta) = a e^{v/beta} / sum a e^{v/beta}``
- ``condition(q, v, value) = q(. | v = value)``
- ``total_variation(p, q) = (1/2) sum_y |p(y) - q(y)|``
- ``entropy(q) = -sum_{q(y) > 0} q(y) log q(y)``
- ``objective(q, a, v, beta) = E_q[v] - beta KL(q || a)``
"""

from __future__ import annotations

from collections.abc import Sequence

import mpmath
from mpmath import mpf

Vector = Sequence[mpf]


def normalized(q: Vector) -> list[mpf]:
    """``q / sum(q)`` at the working precision."""
    total = mpmath.fsum(q)
    return [mpf(x) / total for x in q]


def expectation(q: Vector, f: Sequence[mpf | int]) -> mpf:
    return mpmath.fsum(qy * fy for qy, fy in zip(normalized(q), f, strict=True))


def kl(q: Vector, p: Vector) -> mpf:
    total = mpf(0)
    for qy, py in zip(normalized(q), normalized(p), strict=True):
        if qy > 0:
            if py == 0:
                return mpf("inf")
            total += qy * mpmath.log(qy / py)
    return total


def tilt(a: Vector, v: Sequence[int], beta: mpf) -> list[mpf]:
    return normalized([ay * mpmath.exp(vy / beta) for ay, vy in zip(a, v, strict=True)])


def condition(q: Vector, v: Sequence[int], value: int) -> list[mpf]:
    return normalized([qy if vy == value else mpf(0) for qy, vy in zip(q, v, strict=True)])


def total_variation(p: Vector, q: Vector) -> mpf:
    return mpmath.fsum(abs(x - y) for x, y in zip(normalized(p), normalized(q), strict=True)) / 2


def entropy(q: Vector) -> mpf:
    return -mpmath.fsum(qy * mpmath.log(qy) for qy in normalized(q) if qy > 0)


def objective(q: Vector, a: Vector, v: Sequence[int], beta: mpf) -> mpf:
    return expectation(q, v) - beta * kl(q, a)
