"""Arithmetic backends: one implementation of a computation, run in float64 or in mpmath.

:mod:`theory.divergences` and :mod:`theory.problem` are written once, as generic
code over a :class:`Backend`. In both backends a vector is a 1-D numpy array
(dtype ``float64`` for :data:`FLOAT64`, dtype ``object`` holding ``mpmath.mpf``
for :data:`MPMATH`), so indexing, masks, comparisons and the four arithmetic
operations are numpy's in both; a backend only supplies what differs: the
elementwise ``log``, ``exp``, ``log1p``, ``expm1``, a sum rounded once, the
conversion of inputs, the unit roundoff and the range where ``exp`` does not
overflow. :data:`MPMATH` computes at the current ``mp.prec`` and never rounds
through float64: a float input is converted exactly, a string is parsed at the
current precision.

Main definitions
- ``Backend``: the interface; ``FLOAT64`` and ``MPMATH``, its two instances.
- ``Backend.inverse(x)``: ``1/x = h + r`` to twice the working precision (the
  rounding error of ``1/beta`` is what limits ``e^{-1/beta}`` for small ``beta``).
- ``backend_of(*values)``: ``MPMATH`` when a value holds an mpmath number or a
  string, else ``FLOAT64``.
- ``Backend.masses(values, name)``: a non-empty 1-D vector of finite,
  non-negative numbers, or a ``DomainError``/``ShapeError`` naming ``name``.
- ``check_normalized(backend, vector, name)``: ``|sum(vector) - 1| <= 1e-9``
  (``NORMALIZATION_TOLERANCE``), a tolerance that catches wrong inputs, not
  rounding: vectors are renormalized or treated as normalized by their users.
- ``log_ratio``: ``log(x/y)`` for positive ``x, y``, accurate to a few units of
  roundoff relative to its value (``log1p((x - y)/y)`` when ``|x - y| <= y/2``,
  where ``x - y`` is exact).
- ``logsumexp``: ``log sum_i e^{x_i} = m + log sum_i e^{x_i - m}``, ``m = max x``.
- ``scaled_exp``: ``(u/w) e^{s + r}`` for positive ``u, w`` and a small correction
  ``r``, as a product of factors in the normal range where the value is in it, else
  as ``exp(log u - log w + s + r)``.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from fractions import Fraction
from typing import Any

import mpmath
import numpy as np

from theory.errors import DomainError, ShapeError, check_interval

__all__ = [
    "Backend",
    "FLOAT64",
    "MPMATH",
    "backend_of",
    "NORMALIZATION_TOLERANCE",
    "check_normalized",
    "log_ratio",
    "logsumexp",
    "scaled_exp",
]

NORMALIZATION_TOLERANCE = 1e-9


class Backend(ABC):
    """The operations that differ between float64 and mpmath arithmetic."""

    name: str

    @abstractmethod
    def number(self, value: Any) -> Any:
        """``value`` as a number of this backend (no validation)."""

    @abstractmethod
    def masses(self, values: Any, name: str) -> np.ndarray:
        """A non-empty 1-D vector of finite, non-negative numbers."""

    @abstractmethod
    def output(self, value: Any) -> Any:
        """A scalar result as returned to users: ``float`` or ``mpf``."""

    @abstractmethod
    def zeros(self, size: int) -> np.ndarray:
        """A vector of ``size`` zeros."""

    @abstractmethod
    def log(self, x: Any) -> Any:
        """Elementwise ``log x`` (``log 0 = -inf``)."""

    @abstractmethod
    def exp(self, x: Any) -> Any:
        """Elementwise ``e^x`` (overflow gives ``inf``)."""

    @abstractmethod
    def log1p(self, x: Any) -> Any:
        """Elementwise ``log(1 + x)``."""

    @abstractmethod
    def expm1(self, x: Any) -> Any:
        """Elementwise ``e^x - 1``."""

    @abstractmethod
    def inverse(self, x: Any) -> tuple[Any, Any]:
        """``(h, r)`` with ``h = fl(1/x)`` and ``r`` the rounding error ``1/x - h`` (itself
        rounded): ``1/x`` to twice the working precision; ``(0, 0)`` at ``x = inf``,
        ``(inf, 0)`` where ``1/x`` overflows."""

    @abstractmethod
    def fsum(self, values: Any) -> Any:
        """``sum(values)`` rounded once (no accumulated rounding error)."""

    @abstractmethod
    def is_normal(self, x: Any) -> Any:
        """Elementwise: ``x`` is finite, non-zero and not subnormal."""

    @property
    @abstractmethod
    def unit_roundoff(self) -> Any:
        """Half the distance from 1 to the next number: ``2^-53``, ``2^-prec``."""

    @property
    @abstractmethod
    def exp_limit(self) -> Any:
        """``e^t`` and ``expm1(t)`` are finite (and not near overflow) for ``t <= exp_limit``."""

    @property
    @abstractmethod
    def cache_key(self) -> Any:
        """Results computed with the same key are interchangeable (the precision)."""

    def __repr__(self) -> str:
        return self.name


def _one_dimensional(array: np.ndarray, name: str) -> None:
    if array.ndim != 1 or array.size == 0:
        raise ShapeError(f"{name} must be a non-empty 1-D vector; got shape {array.shape}")


class _Float64(Backend):
    name = "FLOAT64"

    def number(self, value: Any) -> np.float64:
        return np.float64(value)

    def masses(self, values: Any, name: str) -> np.ndarray:
        try:
            array = np.array(values, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise DomainError(f"{name} must be a vector of real numbers; got {values!r}") from exc
        _one_dimensional(array, name)
        return check_interval(name, array, 0, float("inf"), closed_low=True)

    def output(self, value: Any) -> float:
        return float(value)

    def zeros(self, size: int) -> np.ndarray:
        return np.zeros(size)

    def log(self, x: Any) -> Any:
        with np.errstate(divide="ignore"):
            return np.log(x)

    def exp(self, x: Any) -> Any:
        with np.errstate(over="ignore", under="ignore"):
            return np.exp(x)

    def log1p(self, x: Any) -> Any:
        with np.errstate(divide="ignore"):
            return np.log1p(x)

    def expm1(self, x: Any) -> Any:
        with np.errstate(over="ignore"):
            return np.expm1(x)

    def inverse(self, x: Any) -> tuple[np.float64, np.float64]:
        if np.isinf(x):
            return np.float64(0), np.float64(0)
        with np.errstate(over="ignore"):
            inverse = np.float64(1) / x
        if np.isinf(inverse):  # x below 2^-1024
            return inverse, np.float64(0)
        return inverse, np.float64(1 / Fraction(float(x)) - Fraction(float(inverse)))

    def fsum(self, values: Any) -> np.float64:
        return np.float64(math.fsum(np.ravel(values)))

    def is_normal(self, x: Any) -> Any:
        magnitude = np.abs(x)
        return (magnitude >= np.finfo(np.float64).tiny) & (magnitude < np.inf)

    @property
    def unit_roundoff(self) -> float:
        return 2.0**-53

    @property
    def exp_limit(self) -> float:
        return 700.0

    @property
    def cache_key(self) -> str:
        return self.name


def _elementwise(function: Any) -> Any:
    ufunc = np.frompyfunc(function, 1, 1)

    def apply(x: Any) -> Any:
        return ufunc(x) if isinstance(x, np.ndarray) else function(x)

    return apply


class _Mpmath(Backend):
    name = "MPMATH"

    def number(self, value: Any) -> mpmath.mpf:
        return mpmath.mpf(value)

    def masses(self, values: Any, name: str) -> np.ndarray:
        items = np.empty(0, dtype=object) if _is_empty(values) else np.array(values, dtype=object)
        _one_dimensional(items, name)
        result = np.empty(items.size, dtype=object)
        for index, item in enumerate(items):
            entry = f"{name}[{index}]"
            try:
                value = mpmath.mpf(item.item() if isinstance(item, np.generic) else item)
            except (TypeError, ValueError) as exc:
                raise DomainError(f"{entry} must be a real number; got {item!r}") from exc
            result[index] = check_interval(entry, value, 0, float("inf"), closed_low=True)
        return result

    def output(self, value: Any) -> mpmath.mpf:
        return mpmath.mpf(value)

    def zeros(self, size: int) -> np.ndarray:
        return np.full(size, mpmath.mpf(0), dtype=object)

    log = staticmethod(_elementwise(mpmath.log))
    exp = staticmethod(_elementwise(mpmath.exp))
    log1p = staticmethod(_elementwise(mpmath.log1p))
    expm1 = staticmethod(_elementwise(mpmath.expm1))

    def inverse(self, x: Any) -> tuple[mpmath.mpf, mpmath.mpf]:
        if mpmath.isinf(x):
            return mpmath.mpf(0), mpmath.mpf(0)
        inverse = 1 / x
        with mpmath.workprec(2 * mpmath.mp.prec + 10):
            residual = (1 - x * inverse) / x
        return inverse, +residual

    def fsum(self, values: Any) -> mpmath.mpf:
        """Exact sum at a precision that spans every bit of the terms, then one rounding
        (``mpmath.fsum`` alone drops terms that are far below the others)."""
        terms = [mpmath.mpf(value) for value in np.ravel(values)]
        finite = [term._mpf_ for term in terms if term and mpmath.isfinite(term)]
        if not finite:
            return mpmath.fsum(terms)
        lowest = min(exponent for _, _, exponent, _ in finite)
        highest = max(exponent + bits for _, _, exponent, bits in finite)
        width = highest - lowest + len(terms).bit_length() + 2
        with mpmath.workprec(max(mpmath.mp.prec, width)):
            total = mpmath.fsum(terms)
        return +total

    def is_normal(self, x: Any) -> Any:
        if isinstance(x, np.ndarray):
            return np.array([bool(value) and mpmath.isfinite(value) for value in x], dtype=bool)
        return bool(x) and mpmath.isfinite(x)

    @property
    def unit_roundoff(self) -> mpmath.mpf:
        return mpmath.mpf(2) ** -mpmath.mp.prec

    @property
    def exp_limit(self) -> mpmath.mpf:
        return mpmath.inf

    @property
    def cache_key(self) -> tuple[str, int]:
        return (self.name, mpmath.mp.prec)


def _is_empty(values: Any) -> bool:
    return isinstance(values, (list, tuple)) and len(values) == 0


FLOAT64: Backend = _Float64()
MPMATH: Backend = _Mpmath()


def _holds_mp(value: Any) -> bool:
    if isinstance(value, (mpmath.mpf, str)):
        return True
    if isinstance(value, np.ndarray):
        return value.dtype == object and any(_holds_mp(item) for item in value.ravel())
    if isinstance(value, (list, tuple)):
        return any(_holds_mp(item) for item in value)
    return False


def backend_of(*values: Any) -> Backend:
    """``MPMATH`` if any of ``values`` holds an mpmath number or a string, else ``FLOAT64``."""
    return MPMATH if any(_holds_mp(value) for value in values) else FLOAT64


def check_normalized(backend: Backend, vector: np.ndarray, name: str) -> Any:
    """Return ``sum(vector)`` after checking ``|sum(vector) - 1| <= NORMALIZATION_TOLERANCE``."""
    total = backend.fsum(vector)
    check_interval(
        f"the sum of {name} (a probability vector)",
        total,
        1 - NORMALIZATION_TOLERANCE,
        1 + NORMALIZATION_TOLERANCE,
        closed_low=True,
        closed_high=True,
        low_text=f"1 - {NORMALIZATION_TOLERANCE:g}",
        high_text=f"1 + {NORMALIZATION_TOLERANCE:g}",
    )
    return total


def log_ratio(backend: Backend, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``log(x/y)`` for positive vectors: ``log1p((x - y)/y)`` where ``|x - y| <= y/2``
    (Sterbenz: ``x - y`` is exact), ``log(x/y)`` where the quotient is a normal
    number, ``log x - log y`` where it over- or underflows (then ``|log(x/y)| > 700``)."""
    result = backend.zeros(x.size)
    difference = x - y
    near = np.abs(difference) <= y / 2
    result[near] = backend.log1p(difference[near] / y[near])
    with np.errstate(over="ignore", under="ignore"):
        quotient = x / y
    normal = ~near & backend.is_normal(quotient)
    result[normal] = backend.log(quotient[normal])
    extreme = ~near & ~normal
    result[extreme] = backend.log(x[extreme]) - backend.log(y[extreme])
    return result


def logsumexp(backend: Backend, x: np.ndarray) -> Any:
    """``log sum_i e^{x_i} = m + log sum_i e^{x_i - m}`` with ``m = max_i x_i``
    (``-inf`` for an empty vector or all ``x_i = -inf``)."""
    if x.size == 0:
        return backend.number("-inf")
    top = np.max(x)
    if top == -np.inf or top == np.inf:
        return backend.number(top)
    return top + backend.log(backend.fsum(backend.exp(x - top)))


def scaled_exp(backend: Backend, numerator: Any, denominator: Any, exponent: Any, residual: Any = 0) -> Any:
    """``(u/w) e^{s + r}`` for positive scalars ``u, w``, with ``r`` a small correction to
    ``s`` (its rounding error): ``u/w`` times ``2^j`` equal factors ``e^{s/2^j}`` (exact
    halvings of ``s``, each factor within the range of ``exp``), times ``1 + expm1(r)``,
    with a relative error of a few units of roundoff times ``2^j``; when ``u/w`` or a
    partial product leaves the normal range (so that the value does too, the factors
    being all above or all below 1), ``exp(log u - log w + s + r)``."""
    ratio = numerator / denominator
    if backend.is_normal(ratio) and backend.is_normal(exponent) | (exponent == 0):
        pieces = 1
        while abs(exponent) / pieces > backend.exp_limit:
            pieces *= 2
        factor = backend.exp(exponent / pieces)
        value = ratio
        for _ in range(pieces):
            with np.errstate(over="ignore", under="ignore"):
                value = value * factor
            if not backend.is_normal(value):
                break
        else:
            return value + value * backend.expm1(residual)
    return backend.exp(backend.log(numerator) - backend.log(denominator) + exponent + residual)
