"""Validity constraints on sequences: the binary reward ``v(y)``.

Each constraint maps the ``(|Y|, L)`` array of strings to a boolean mask
``v(y) = 1`` (valid) or ``0``.

Main definitions
- ``parity``: an even number of ones (``sum_i [y_i = 1]`` even).
- ``at_least_ones(k)``: at least ``k`` ones.
- ``no_adjacent_ones``: no ``i`` with ``y_i = y_{i+1} = 1``.
- ``palindrome``: ``y_i = y_{L-1-i}`` for all ``i``.
- ``sum_mod(m, r)``: ``sum_i y_i = r (mod m)``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from theory.errors import DomainError

__all__ = ["Constraint", "parity", "at_least_ones", "no_adjacent_ones", "palindrome", "sum_mod", "CONSTRAINTS"]

Constraint = Callable[[np.ndarray], np.ndarray]


def parity(strings: np.ndarray) -> np.ndarray:
    """Valid iff the number of ones is even."""
    return (np.count_nonzero(strings == 1, axis=1) % 2) == 0


def at_least_ones(k: int) -> Constraint:
    """Valid iff the string has at least ``k`` ones."""
    if k < 0:
        raise DomainError(f"k must be a non-negative integer; got {k!r}")

    def at_least(strings: np.ndarray) -> np.ndarray:
        return np.count_nonzero(strings == 1, axis=1) >= k

    at_least.__name__ = f"at_least_{k}_ones"
    return at_least


def no_adjacent_ones(strings: np.ndarray) -> np.ndarray:
    """Valid iff no two consecutive positions are both 1."""
    ones = strings == 1
    return ~np.any(ones[:, 1:] & ones[:, :-1], axis=1)


def palindrome(strings: np.ndarray) -> np.ndarray:
    """Valid iff the string reads the same backwards."""
    return np.all(strings == strings[:, ::-1], axis=1)


def sum_mod(m: int, r: int = 0) -> Constraint:
    """Valid iff the sum of the symbols is ``r`` modulo ``m``."""
    if m < 2 or not 0 <= r < m:
        raise DomainError(f"sum_mod needs m >= 2 and 0 <= r < m; got m={m!r}, r={r!r}")

    def congruent(strings: np.ndarray) -> np.ndarray:
        return (strings.sum(axis=1, dtype=np.int64) % m) == r

    congruent.__name__ = f"sum_mod_{m}_eq_{r}"
    return congruent


CONSTRAINTS: dict[str, Constraint] = {
    "parity": parity,
    "at-least-8-ones": at_least_ones(8),
    "no-adjacent-ones": no_adjacent_ones,
    "palindrome": palindrome,
    "sum-mod-3": sum_mod(3),
}
"""Named constraints, as used by the command line and the experiment designs."""
