"""Accuracy and speed of the float64 closed forms against mpmath.

For each of the seven functions of :mod:`theory.closed_form`, evaluates a
log-spaced grid spanning the domain, compares every value with
:mod:`theory.precise` at ``--dps`` digits and prints one row: points, max and
RMS error in ulps, the worst input, bad points and nanoseconds per element.
The same table is printed for the textbook numpy formulas, for scale, and the
errors of numpy's own ``exp``, ``log``, ``log1p`` and ``expm1``.

Grids (``N = --points``): ``alpha`` has ``N/2`` points log-spaced in ``alpha``
over ``[1e-300, 1/2]`` and ``N/2`` log-spaced in ``1 - alpha`` over
``[1e-15, 1/2]``; ``beta`` has ``N`` points log-spaced over ``[1e-6, 1e6]``; for
each ``alpha``, ``mu`` has ``N/2`` points log-spaced in ``mu - alpha`` from one ulp
above ``alpha`` and ``N/2`` log-spaced in ``1 - mu`` up to one ulp below 1; for
``kl_budget`` also ``N/2`` below ``alpha`` log-spaced in ``alpha - mu`` and ``N/2``
log-spaced in ``mu`` down to ``2^-1074``, plus ``mu = 0`` and ``mu = 1``.

Error: ``|y - Y| / ulp(Y)`` (:func:`theory.closed_form.ulp_error`: ``ulp(Y)`` is the
spacing of float64 numbers in the binade of the exact value ``Y``). Points
whose exact value is below the smallest normal ``2^-1022`` are counted in the
``underflow`` column with their largest absolute error in units of ``2^-1074``,
and left out of the ulp statistics. A point is bad when the result is NaN, or
infinite, or zero where the exact value is a normal float, or (for the
textbook formulas) when it overflows. Timing: best of three vectorized calls
on ``--elements`` inputs drawn from the grid.

Usage: ``python benchmarks/accuracy.py [--points N] [--dps D] [--elements M]``.
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import mpmath
import numpy as np

from theory import closed_form, precise
from theory.closed_form import ulp_error

SMALLEST_NORMAL = mpmath.ldexp(1, -1022)
SUBNORMAL_SPACING = mpmath.ldexp(1, -1074)
BELOW_ONE = math.nextafter(1.0, 0.0)


def _textbook_validity(alpha: np.ndarray, beta: np.ndarray) -> np.ndarray:
    tilted = alpha * np.exp(1 / beta)
    return tilted / (1 - alpha + tilted)


TEXTBOOK: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "validity_rate": _textbook_validity,
    "invalidity_rate": lambda alpha, beta: 1 - _textbook_validity(alpha, beta),
    "log_partition": lambda alpha, beta: np.log(1 - alpha + alpha * np.exp(1 / beta)),
    "optimal_value": lambda alpha, beta: beta * np.log(1 - alpha + alpha * np.exp(1 / beta)),
    "forward_kl_to_filtered": lambda alpha, beta: -np.log(_textbook_validity(alpha, beta)),
    "beta_for_validity": lambda alpha, mu: 1 / (np.log(mu / (1 - mu)) - np.log(alpha / (1 - alpha))),
    "kl_budget": lambda alpha, mu: (
        np.where(mu > 0, mu * np.log(mu / alpha), 0.0)
        + np.where(mu < 1, (1 - mu) * np.log((1 - mu) / (1 - alpha)), 0.0)
    ),
}


@dataclass(frozen=True)
class Row:
    """One function's accuracy over its grid."""

    function: str
    points: int
    max_ulp: float
    rms_ulp: float
    worst: str
    bad: int
    underflow: int
    underflow_error: float
    ns_per_element: float


def alpha_grid(points: int) -> np.ndarray:
    half = points // 2
    return np.concatenate([np.logspace(-300, math.log10(0.5), half), 1 - np.logspace(math.log10(0.5), -15, half)])


def beta_grid(points: int) -> np.ndarray:
    return np.logspace(-6, 6, points)


def mu_grid_above(alpha: float, points: int) -> np.ndarray:
    """``mu`` in ``(alpha, 1)``: log-spaced in ``mu - alpha`` from one ulp above
    ``alpha``, and in ``1 - mu`` up to one ulp below 1 (empty when ``alpha`` is
    the largest float below 1)."""
    if alpha >= BELOW_ONE:
        return np.empty(0)
    half = points // 2
    width = (1 - alpha) / 2
    first_gap = math.nextafter(alpha, 1.0) - alpha
    above = alpha + np.logspace(math.log10(first_gap), math.log10(width), half)
    below_one = 1 - np.logspace(math.log10(1 - BELOW_ONE), math.log10(width), half)
    above[0], below_one[0] = math.nextafter(alpha, 1.0), BELOW_ONE
    return np.unique(np.clip(np.concatenate([above, below_one]), math.nextafter(alpha, 1.0), BELOW_ONE))


def mu_grid_below(alpha: float, points: int) -> np.ndarray:
    """``mu`` in ``[0, alpha)``: log-spaced in ``alpha - mu`` and in ``mu``, with 0."""
    half = points // 2
    width = alpha / 2
    smallest = max(math.ulp(alpha), 5e-324)
    near_alpha = alpha - np.logspace(math.log10(smallest), math.log10(width), half)
    near_zero = np.logspace(math.log10(5e-324), math.log10(width), half)
    return np.unique(np.clip(np.concatenate([[0.0], near_alpha, near_zero]), 0.0, math.nextafter(alpha, 0.0)))


def grid(function: str, points: int) -> tuple[np.ndarray, np.ndarray]:
    """The inputs ``(alpha, second argument)`` of ``function``, flattened."""
    alphas = alpha_grid(points)
    if function == "beta_for_validity":
        pairs = [(a, mu) for a in alphas for mu in mu_grid_above(a, points)]
    elif function == "kl_budget":
        pairs = [
            (a, mu)
            for a in alphas
            for mu in np.concatenate([mu_grid_below(a, points), [a], mu_grid_above(a, points), [1.0]])
        ]
    else:
        pairs = [(a, b) for a in alphas for b in beta_grid(points)]
    first, second = zip(*pairs)
    return np.array(first), np.array(second)


def nanoseconds_per_element(function: Callable, first: np.ndarray, second: np.ndarray, elements: int) -> float:
    picks = np.random.default_rng(0).integers(0, first.size, elements)
    first, second = first[picks], second[picks]
    best = math.inf
    for _ in range(3):
        start = time.perf_counter()
        with np.errstate(all="ignore"):
            function(first, second)
        best = min(best, time.perf_counter() - start)
    return best / elements * 1e9


def measure(name: str, function: Callable, first: np.ndarray, second: np.ndarray, exact: list, elements: int) -> Row:
    with np.errstate(all="ignore"):
        values = function(first, second)
    errors, worst, bad, underflow, underflow_error = [], (0.0, ""), 0, 0, 0.0
    for a, s, value, reference in zip(first, second, values, exact):
        if not math.isfinite(value) or (value == 0 and abs(reference) >= SMALLEST_NORMAL):
            bad += 1
            continue
        if reference != 0 and abs(reference) < SMALLEST_NORMAL:
            underflow += 1
            underflow_error = max(underflow_error, float(abs(mpmath.mpf(float(value)) - reference) / SUBNORMAL_SPACING))
            continue
        error = ulp_error(value, reference)
        errors.append(error)
        if error > worst[0]:
            worst = (error, f"({a:.17g}, {s:.17g})")
    errors_array = np.array(errors)
    return Row(
        function=name,
        points=len(values),
        max_ulp=float(errors_array.max()),
        rms_ulp=float(np.sqrt(np.mean(errors_array**2))),
        worst=worst[1],
        bad=bad,
        underflow=underflow,
        underflow_error=underflow_error,
        ns_per_element=nanoseconds_per_element(function, first, second, elements),
    )


NUMPY_PRIMITIVES: dict[str, tuple[Callable[[np.ndarray], np.ndarray], Callable[[mpmath.mpf], mpmath.mpf], np.ndarray]] = {
    "numpy.exp": (np.exp, mpmath.exp, np.linspace(-708, 709, 20001)),
    "numpy.log": (np.log, mpmath.log, np.logspace(-307, 308, 20001)),
    "numpy.log1p": (np.log1p, mpmath.log1p, np.concatenate([-np.logspace(-300, -1e-16, 10000), np.logspace(-300, 300, 10001)])),
    "numpy.expm1": (np.expm1, mpmath.expm1, np.concatenate([-np.logspace(-300, 2, 10000), np.logspace(-300, math.log10(709), 10001)])),
}


def print_numpy_primitives(dps: int) -> None:
    """Max and RMS ulp error of the numpy functions the double-double code corrects."""
    print("\nnumpy's own functions (the double-double code corrects their last bits)\n")
    print("| function | points | max ulp | RMS ulp |")
    print("|---|---:|---:|---:|")
    for name, (function, exact, inputs) in NUMPY_PRIMITIVES.items():
        with mpmath.workdps(dps):
            errors = np.array([ulp_error(value, exact(mpmath.mpf(x))) for x, value in zip(inputs, function(inputs))])
        print(f"| {name} | {inputs.size} | {errors.max():.3g} | {np.sqrt(np.mean(errors**2)):.3g} |")


def print_table(title: str, rows: list[Row]) -> None:
    print(f"\n{title}\n")
    print("| function | points | max ulp | RMS ulp | worst input (alpha, beta or mu) | bad | underflow (max err / 2^-1074) | ns/element |")
    print("|---|---:|---:|---:|---|---:|---:|---:|")
    for row in rows:
        print(
            f"| {row.function} | {row.points} | {row.max_ulp:.3g} | {row.rms_ulp:.3g} | {row.worst} | {row.bad} "
            f"| {row.underflow} ({row.underflow_error:.2g}) | {row.ns_per_element:.0f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=200, help="grid points per axis (default 200)")
    parser.add_argument("--dps", type=int, default=50, help="mpmath digits of the reference (default 50)")
    parser.add_argument("--elements", type=int, default=100_000, help="vector length for timing (default 1e5)")
    args = parser.parse_args()
    started = time.perf_counter()
    ours, textbook = [], []
    for name in TEXTBOOK:
        first, second = grid(name, args.points)
        with mpmath.workdps(args.dps):
            reference = getattr(precise, name)
            exact = [reference(mpmath.mpf(a), mpmath.mpf(s)) for a, s in zip(first, second)]
        ours.append(measure(name, getattr(closed_form, name), first, second, exact, args.elements))
        textbook.append(measure(name, TEXTBOOK[name], first, second, exact, args.elements))
    print(f"python benchmarks/accuracy.py --points {args.points} --dps {args.dps} --elements {args.elements}")
    print(f"numpy {np.__version__}, mpmath {mpmath.__version__}")
    print_table("theory.closed_form", ours)
    print_table("textbook numpy formulas, for scale", textbook)
    print_numpy_primitives(args.dps)
    print(f"\n({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
