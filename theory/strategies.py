"""Hypothesis strategies for binary-reward problems, for reuse in any test suite.

Each strategy validates its arguments when it is called (eagerly, so a bad
argument fails where the strategy is defined) and raises
``hypothesis.errors.InvalidArgument`` with a message that names the argument,
its value and the allowed range. They shrink toward simple examples: small
sizes, uniform vectors, ``beta = 1``, ``alpha = 1/2``.

Main definitions
- ``probability_vectors(min_size=2, max_size=64, min_mass=1e-300)``: float64
  vectors ``w / sum(w)`` with ``w_i = 10^{-e_i}``, the exponents drawn for one
  of three shapes: near-uniform (``e_i in [0, 0.3]``), peaked (one to three
  outputs with ``e_i in [0, 0.3]``, the others with ``e_i >= 1``) and
  near-degenerate (``e_i`` anywhere in ``[0, log10(1/(n min_mass))]``); every
  entry is at least ``min_mass`` (``10^{-e_i} / sum(w) >= 10^{-e_i} / n``) and the
  vector sums to 1 within ``n`` units of roundoff.
- ``validity_masks(size)``: boolean masks with at least one valid and one
  invalid output.
- ``problems(min_size=2, max_size=64, min_mass=1e-300)``:
  ``BinaryRewardProblem(vector, mask)`` from the two strategies above, with the
  mask negated when the valid outputs hold all but less than ``2^-52`` of the
  mass (``alpha`` would round to 1 in float64, or leave no float between
  ``alpha`` and 1): every problem has ``0 < alpha <= MAX_ALPHA = 1 - 2^-52`` in
  float64, so that the float64 closed forms take ``problem.alpha`` and
  ``validity_targets(problem.alpha)`` exists. The tail near ``alpha = 1`` is thus
  ``1 - alpha >= 2^-52``; the tail near 0 reaches ``min_mass``.
- ``betas(min_value=1e-6, max_value=1e6)``: ``beta = e^u``, ``u`` uniform in
  ``[log min_value, log max_value]`` (log-uniform).
- ``alphas(min_value=1e-300, max_value=1 - 1e-15)``: ``alpha = sigma(z)``, ``z``
  uniform in ``[logit min_value, 0]`` or in ``[0, logit max_value]``: log-uniform
  in ``alpha`` near 0 and in ``1 - alpha`` near 1.
- ``validity_targets(alpha)``: ``mu`` in ``(alpha, 1)``: the float just above
  ``alpha``, the float just below 1, and ``mu = alpha + d`` or ``mu = 1 - g`` with
  ``d``, ``g`` log-uniform.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from theory.problem import BinaryRewardProblem

__all__ = ["probability_vectors", "validity_masks", "problems", "betas", "alphas", "validity_targets", "MAX_ALPHA"]

MAX_ALPHA = 1 - 2.0**-52

_NEAR_UNIFORM_SPREAD = 0.3
_PEAK_GAP = 1.0
_MAX_PEAKS = 3


def _check_integer(name: str, value: Any, minimum: int, minimum_text: str | None = None) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise InvalidArgument(f"{name}={value!r} must be an integer")
    if value < minimum:
        bound = minimum_text or str(minimum)
        raise InvalidArgument(f"{name}={value!r} must be at least {bound}; allowed range: [{bound}, inf)")


def _check_real(name: str, value: Any, low: float, high: float, *, closed_low: bool, closed_high: bool, range_text: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise InvalidArgument(f"{name}={value!r} must be a real number in {range_text}")
    value = float(value)
    inside = (value >= low if closed_low else value > low) and (value <= high if closed_high else value < high)
    if not math.isfinite(value) or not inside:
        raise InvalidArgument(f"{name}={value!r} must be a finite number in {range_text}")
    return value


def _check_vector_arguments(min_size: Any, max_size: Any, min_mass: Any) -> float:
    _check_integer("min_size", min_size, 2)
    _check_integer("max_size", max_size, min_size, f"min_size={min_size}")
    return _check_real(
        "min_mass", min_mass, 0.0, 1.0 / max_size, closed_low=False, closed_high=True, range_text=f"(0, 1/max_size] = (0, {1.0 / max_size!r}]"
    )


def probability_vectors(min_size: int = 2, max_size: int = 64, min_mass: float = 1e-300) -> st.SearchStrategy[np.ndarray]:
    """Float64 probability vectors of length in ``[min_size, max_size]`` with every
    entry ``>= min_mass``: near-uniform, peaked or near-degenerate (module header)."""
    min_mass = _check_vector_arguments(min_size, max_size, min_mass)
    return _probability_vectors(min_size, max_size, min_mass)


@st.composite
def _probability_vectors(draw: st.DrawFn, min_size: int, max_size: int, min_mass: float) -> np.ndarray:
    n = draw(st.integers(min_size, max_size))
    depth = max(0.0, -math.log10(min_mass) - math.log10(n))  # 10^-e / sum(w) >= 10^-e / n >= min_mass
    heavy = st.floats(0.0, min(_NEAR_UNIFORM_SPREAD, depth))
    shape = draw(st.sampled_from(("near-uniform", "peaked", "near-degenerate")))
    if shape == "near-uniform":
        exponents = draw(st.lists(heavy, min_size=n, max_size=n))
    elif shape == "peaked":
        peaks = draw(st.sets(st.integers(0, n - 1), min_size=1, max_size=min(_MAX_PEAKS, n - 1)))
        light = st.floats(min(_PEAK_GAP, depth), depth)
        exponents = [draw(heavy if index in peaks else light) for index in range(n)]
    else:
        exponents = draw(st.lists(st.floats(0.0, depth), min_size=n, max_size=n))
    weights = 10.0 ** -np.array(exponents)
    return np.maximum(weights / math.fsum(weights), min_mass)  # the floor only undoes rounding


def validity_masks(size: int) -> st.SearchStrategy[np.ndarray]:
    """Boolean masks of length ``size`` with at least one ``True`` (valid) and one ``False``."""
    _check_integer("size", size, 2)
    return _validity_masks(size)


@st.composite
def _validity_masks(draw: st.DrawFn, size: int) -> np.ndarray:
    mask = np.array(draw(st.lists(st.booleans(), min_size=size, max_size=size)), dtype=bool)
    if mask.all():
        mask[-1] = False
    if not mask.any():
        mask[0] = True
    return mask


def problems(min_size: int = 2, max_size: int = 64, min_mass: float = 1e-300) -> st.SearchStrategy[BinaryRewardProblem]:
    """``BinaryRewardProblem(base, valid)`` with ``base`` from ``probability_vectors``
    and ``valid`` from ``validity_masks`` (negated if needed), with
    ``0 < alpha <= MAX_ALPHA`` in float64."""
    min_mass = _check_vector_arguments(min_size, max_size, min_mass)
    return _problems(min_size, max_size, min_mass)


@st.composite
def _problems(draw: st.DrawFn, min_size: int, max_size: int, min_mass: float) -> BinaryRewardProblem:
    base = draw(_probability_vectors(min_size, max_size, min_mass))
    valid = draw(_validity_masks(base.size))
    problem = BinaryRewardProblem(base, valid)
    return problem if problem.alpha <= MAX_ALPHA else BinaryRewardProblem(base, ~valid)


def _log_uniform(low: float, high: float) -> st.SearchStrategy[float]:
    """``e^u`` with ``u`` uniform in ``[log low, log high]``, clipped to ``[low, high]``."""
    return st.floats(math.log(low), math.log(high)).map(lambda u: min(max(math.exp(u), low), high))


def betas(min_value: float = 1e-6, max_value: float = 1e6) -> st.SearchStrategy[float]:
    """KL temperatures, log-uniform in ``[min_value, max_value]``."""
    low = _check_real("min_value", min_value, 0.0, math.inf, closed_low=False, closed_high=False, range_text="(0, inf)")
    high = _check_real("max_value", max_value, low, math.inf, closed_low=True, closed_high=False, range_text=f"[min_value, inf) = [{low!r}, inf)")
    return _log_uniform(low, high)


def _logit(x: float) -> float:
    return math.log(x) - math.log1p(-x)


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


def alphas(min_value: float = 1e-300, max_value: float = 1 - 1e-15) -> st.SearchStrategy[float]:
    """Base validity rates in ``[min_value, max_value]``, log-uniform in ``alpha`` near 0
    and in ``1 - alpha`` near 1 (``alpha = sigma(z)``, ``z`` uniform on each side of 0)."""
    low = _check_real("min_value", min_value, 0.0, 1.0, closed_low=False, closed_high=False, range_text="(0, 1)")
    high = _check_real("max_value", max_value, low, 1.0, closed_low=True, closed_high=False, range_text=f"[min_value, 1) = [{low!r}, 1)")
    z_low, z_high = _logit(low), _logit(high)
    if z_low < 0 < z_high:
        logits = st.one_of(st.floats(z_low, 0.0), st.floats(0.0, z_high))
    else:
        logits = st.floats(z_low, z_high)
    return logits.map(lambda z: min(max(_sigmoid(z), low), high))


def validity_targets(alpha: float) -> st.SearchStrategy[float]:
    """Validity rates ``mu`` in the open interval ``(alpha, 1)`` reachable by some
    ``beta > 0``: the float just above ``alpha``, the float just below 1, and values
    log-spread in ``mu - alpha`` and in ``1 - mu``."""
    alpha = _check_real("alpha", alpha, 0.0, 1.0, closed_low=False, closed_high=False, range_text="(0, 1)")
    low, high = math.nextafter(alpha, 1.0), math.nextafter(1.0, 0.0)
    if low >= 1.0:
        raise InvalidArgument(f"alpha={alpha!r} leaves no float in (alpha, 1); alpha must be at most {math.nextafter(high, 0.0)!r}")
    above_alpha = _log_uniform(low - alpha, high - alpha).map(lambda d: alpha + d)
    below_one = _log_uniform(1.0 - high, 1.0 - low).map(lambda g: 1.0 - g)
    targets = st.one_of(above_alpha, below_one, st.just(low), st.just(high))
    return targets.map(lambda mu: min(max(mu, low), high))
