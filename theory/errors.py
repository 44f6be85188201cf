"""Input errors and the domain checks that raise them.

Every function of :mod:`theory` validates its arguments before computing, so
that bad input gives an exception that names the argument, the bad value and
the allowed range, never a silent NaN.

Main definitions
- ``DomainError``: an argument outside the set where the mathematics is defined
  (``alpha`` in {0, 1}, ``beta <= 0``, a validity target outside its feasible
  interval, a non-normalized probability vector, ...).
- ``ShapeError``: arrays whose shapes do not fit together, or an array where
  one number is expected.
- ``InputTypeError``: a number of a kind the function does not take (an mpmath
  or complex number given to the float64 closed forms); a ``TypeError`` and a
  ``ValueError``, so that the command line reports it as bad input.
- ``check_float64_input``: rejects mpmath numbers and complex values, alone or
  as entries of a sequence or array, where float64 reals are expected.
- ``check_scalar``: rejects an array where one number is expected.
- ``check_interval``: the one place where a scalar or an array is checked
  against an interval with open or closed ends.
- ``check_beta``: the KL temperature, in ``(0, inf]``, with the reason why
  ``beta = 0`` is excluded.
"""

from __future__ import annotations

from typing import Any

import mpmath
import numpy as np

__all__ = ["DomainError", "ShapeError", "InputTypeError", "check_interval", "check_beta", "check_float64_input",
           "check_scalar"]


class DomainError(ValueError):
    """An argument lies outside the domain where the quantity is defined."""


class ShapeError(ValueError):
    """Arrays given together have shapes that do not broadcast or do not match, or an
    array is given where one number is expected."""


class InputTypeError(TypeError, ValueError):
    """A number of a kind the function does not take: an mpmath or a complex number
    given to a float64 function."""


def _format_interval(low: str, high: str, closed_low: bool, closed_high: bool) -> str:
    return f"{'[' if closed_low else '('}{low}, {high}{']' if closed_high else ')'}"


def _is_mp(value: Any) -> bool:
    return isinstance(value, (mpmath.mpf, mpmath.mpc))


def check_interval(
    name: str,
    value: Any,
    low: Any,
    high: Any,
    *,
    closed_low: bool = False,
    closed_high: bool = False,
    low_text: str | None = None,
    high_text: str | None = None,
) -> Any:
    """Return ``value`` (as a float64 array, or unchanged if it is an mpmath number)
    after checking that every entry lies in the interval from ``low`` to ``high``.

    NaN is always rejected. ``low_text``/``high_text`` name the bounds in the
    message when they are not plain numbers (e.g. ``"alpha"``).
    """
    interval = _format_interval(
        low_text if low_text is not None else _short(low),
        high_text if high_text is not None else _short(high),
        closed_low,
        closed_high,
    )
    if (low_text or high_text) and np.ndim(low) == 0 and np.ndim(high) == 0:
        interval += " = " + _format_interval(_short(low), _short(high), closed_low, closed_high)
    if _is_mp(value):
        if isinstance(value, mpmath.mpc) or mpmath.isnan(value):
            raise DomainError(f"{name} must be a real number in {interval}; got {value}")
        bad = not _inside(value, low, high, closed_low, closed_high)
        if bad:
            raise DomainError(f"{name} must lie in {interval}; got {mpmath.nstr(value, 17)}")
        return value
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DomainError(f"{name} must be a real number or array of reals; got {value!r}") from exc
    low_arr = np.asarray(low, dtype=np.float64)
    high_arr = np.asarray(high, dtype=np.float64)
    try:
        ok = _inside(array, low_arr, high_arr, closed_low, closed_high)
    except ValueError as exc:
        raise ShapeError(
            f"{name} has shape {array.shape}, which does not broadcast against its bounds "
            f"of shapes {low_arr.shape} and {high_arr.shape}"
        ) from exc
    ok = ok & ~np.isnan(array)
    if not np.all(ok):
        index = np.argwhere(~np.broadcast_to(ok, np.broadcast_shapes(ok.shape, array.shape)))[0]
        bad_value = np.broadcast_to(array, ok.shape)[tuple(index)]
        where = f" (at index {tuple(int(i) for i in index)})" if array.ndim else ""
        if np.isnan(bad_value):
            raise DomainError(f"{name} must lie in {interval}; got NaN{where}")
        raise DomainError(f"{name} must lie in {interval}; got {float(bad_value)!r}{where}")
    return array


def _inside(value: Any, low: Any, high: Any, closed_low: bool, closed_high: bool) -> Any:
    above = value >= low if closed_low else value > low
    below = value <= high if closed_high else value < high
    return above & below


def _short(bound: Any) -> str:
    if _is_mp(bound):
        return mpmath.nstr(bound, 17)
    bound = float(bound)
    if bound == float("inf"):
        return "inf"
    if bound == float("-inf"):
        return "-inf"
    return repr(bound).removesuffix(".0") if bound.is_integer() else repr(bound)


def check_beta(beta: Any) -> Any:
    """Check the KL temperature ``beta`` in ``(0, inf]``; ``beta = inf`` is the
    no-reward limit (``p_beta = a``). ``beta = 0`` is excluded because the
    objective is then pure reward maximization, whose maximizers form the whole
    face ``Delta(Y1)`` of the simplex: there is no unique optimum."""
    zero = beta == 0 if _is_mp(beta) else np.any(np.asarray(beta, dtype=np.float64) == 0)
    if zero:
        raise DomainError(
            "beta = 0 is not allowed: at beta = 0 the objective is pure reward maximization, "
            "whose maximizers form the whole face Delta(Y1) (no unique optimum); "
            "beta must lie in (0, inf]"
        )
    return check_interval("beta", beta, 0, float("inf"), closed_high=True)


def check_float64_input(name: str, value: Any) -> Any:
    """Return ``value`` unchanged after checking that it holds no mpmath number and no
    complex value (alone, or as an entry of a sequence or array): the float64 closed
    forms take reals that numpy converts to float64 (``int``, ``float``, numpy
    numbers and arrays). mpmath numbers are refused rather than rounded, so that a
    precision the caller asked for is never lost silently."""
    if _is_mp(value) or isinstance(value, (complex, np.complexfloating)):
        entries: Any = [value]
    else:
        try:
            array = np.asarray(value)
        except (TypeError, ValueError):
            return value  # not an array of numbers: check_interval names the problem
        if array.dtype.kind == "c":
            raise InputTypeError(f"{name} must be real; got a complex array ({array.dtype})")
        entries = array.ravel() if array.dtype.kind == "O" else []
    for entry in entries:
        if _is_mp(entry):
            raise InputTypeError(
                f"{name}: the float64 closed forms do not take mpmath numbers; got {entry!r}: "
                "use theory.precise (mpmath at any precision), or convert with float()"
            )
        if isinstance(entry, (complex, np.complexfloating)):
            raise InputTypeError(f"{name} must be real; got the complex number {entry!r}")
    return value


def check_scalar(name: str, value: Any) -> Any:
    """Return ``value`` after checking that it is one number (``ShapeError`` for an array);
    a 0-d array gives the number it holds."""
    try:
        shape = np.shape(value)
    except ValueError as exc:  # a ragged sequence
        raise ShapeError(f"{name} must be a single number; got {value!r}") from exc
    if shape != ():
        raise ShapeError(f"{name} must be a single number; got an array of shape {shape}")
    return value[()] if isinstance(value, np.ndarray) else value
