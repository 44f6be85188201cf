"""The quantities of the spec computed straight from their definitions, in mpmath.

These are the independent side of the numeric checks: naive finite sums at the
working precision, with no rewriting for stability (the working precision is
what makes them exact), so that the library's closed forms and problem object
are checked against the definitions rather than against themselves.

Main definitions (``a`` base, ``v`` validity, ``q`` a distribution, lists of mpf)
- ``expectation(q, f) = sum_y q(y) f(y)``
- ``kl(q, p) = sum_{q(y) > 0} q(y) log(q(y)/p(y))``, ``+inf`` if some ``q(y) > 0 = p(y)``
- ``tilt(a, v, beta) = a e^{v/beta} / sum a e^{v/beta}``
- ``condition(q, v, value) = q(. | v = value)``
- ``entropy(q) = -sum_{q(y) > 0} q(y) log q(y)``
- ``objective(q, a, v, beta) = E_q[v] - beta KL(q || a)``
"""

from __future__ import annotations

from collections.abc import Sequence

import mpmath
from mpmath import mpf

Vector = Sequence[mpf]


def expectation(q: Vector, f: Sequence[mpf | int]) -> mpf:
    return mpmath.fsum(qy * fy for qy, fy in zip(q, f, strict=True))


def kl(q: Vector, p: Vector) -> mpf:
    total = mpf(0)
    for qy, py in zip(q, p, strict=True):
        if qy > 0:
            if py == 0:
                return mpf("inf")
            total += qy * mpmath.log(qy / py)
    return total


def tilt(a: Vector, v: Sequence[int], beta: mpf) -> list[mpf]:
    weights = [ay * mpmath.exp(vy / beta) for ay, vy in zip(a, v, strict=True)]
    z = mpmath.fsum(weights)
    return [w / z for w in weights]


def condition(q: Vector, v: Sequence[int], value: int) -> list[mpf]:
    mass = mpmath.fsum(qy for qy, vy in zip(q, v, strict=True) if vy == value)
    return [qy / mass if vy == value else mpf(0) for qy, vy in zip(q, v, strict=True)]


def entropy(q: Vector) -> mpf:
    return -mpmath.fsum(qy * mpmath.log(qy) for qy in q if qy > 0)


def objective(q: Vector, a: Vector, v: Sequence[int], beta: mpf) -> mpf:
    return expectation(q, v) - beta * kl(q, a)

