"""One KL temperature for many prompts (claim ``multi-prompt-beta``).

Prompts ``i = 1..m`` have base validity rates ``alpha_i`` in ``(0, 1)`` and
weights ``w_i > 0``. Weights are normalized by their sum, so any positive
numbers (sample counts, say) can be given; without weights all prompts count
equally. A single ``beta`` gives each prompt the validity
``mu_i(beta) = sigma(1/beta + logit alpha_i)`` and the mean validity
``mu_bar(beta) = sum_i w_i mu_i(beta)``, strictly decreasing from 1 (``beta -> 0+``)
to ``alpha_bar = sum_i w_i alpha_i`` (``beta -> inf``): every target in
``(alpha_bar, 1)`` is reached by exactly one ``beta``.

The root is bracketed provably, with a margin that rounding cannot eat. With
``beta_i`` the temperature at which prompt ``i`` alone reaches the target
(``per_prompt_beta``): at ``beta = min_i beta_i`` every prompt is at or above the
target, so at half of it ``mu_bar > target``. And since
``mu_i - alpha_i = alpha_i (1 - alpha_i) expm1(1/beta) / Z_i <= alpha_i (1 - alpha_i) expm1(1/beta)``
and ``expm1(t/2) <= expm1(t)/2``, at ``beta = 2 / log1p(g / V)``, with
``g = target - alpha_bar`` and ``V = sum_i w_i alpha_i (1 - alpha_i)``, the mean is at
most ``target - g/2``.

Main definitions
- ``mean_validity``: ``mu_bar(beta) = sum_i w_i sigma(1/beta + logit alpha_i)``.
- ``per_prompt_beta``: ``beta_i = 1/(logit mu - logit alpha_i)``, the largest
  ``beta`` at which prompt ``i`` reaches validity ``mu`` (``+inf`` when ``alpha_i >= mu``:
  the prompt is above ``mu`` at every ``beta``); smaller for harder prompts.
- ``beta_for_mean_validity``: the ``beta`` with ``mu_bar(beta) = target``, by
  bisection on the float64 bit patterns of ``beta`` inside the bracket
  ``[min_i beta_i / 2, 2/log1p(g/V)]`` (at most 64 steps, down to adjacent floats).
  The sign of ``mu_bar - target`` is taken in a form without cancellation:
  ``(1 - e^{-1/beta}) sum_i w_i (1 - alpha_i) mu_i - g`` (since
  ``mu_i - alpha_i = (1 - alpha_i) mu_i (1 - e^{-1/beta})``) when ``g <= 1 - target``,
  ``(1 - target) - sum_i w_i (1 - mu_i)`` otherwise; ``alpha_bar`` is computed as
  an exact rational, so feasibility is decided exactly and ``g`` is rounded once.
- ``mean_validity_mp``, ``beta_for_mean_validity_mp``: the same at the current
  mpmath precision (``mpmath.findroot``, bisection on ``log beta``, same bracket).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Iterable, Sequence
from fractions import Fraction
from typing import Any

import mpmath
import numpy as np
from numpy.typing import ArrayLike

from theory import closed_form, precise
from theory.errors import ShapeError, check_beta, check_interval

__all__ = [
    "mean_validity",
    "per_prompt_beta",
    "beta_for_mean_validity",
    "mean_validity_mp",
    "beta_for_mean_validity_mp",
]

_FEASIBLE_LOW = "the weighted mean base rate sum_i w_i alpha_i"
_EXACT_BITS = 2300  # float64 data span 2^-1074 .. 2^1024: sums of their products are exact with this many bits


def _prompts(alphas: ArrayLike, weights: ArrayLike | None) -> tuple[np.ndarray, np.ndarray, float]:
    """The pass rates as a 1-D float64 array, the weights scaled exactly by a power
    of two (so that their sum cannot overflow) and their sum ``total``: the
    normalized weight ``w_i = weights_i / total`` is never rounded where it matters."""
    if np.ndim(alphas) != 1:
        raise ShapeError(f"alphas must be a one-dimensional sequence of pass rates; got shape {np.shape(alphas)}")
    if np.size(alphas) == 0:
        raise ShapeError("alphas must hold at least one prompt; got an empty sequence")
    alphas = check_interval("alphas", alphas, 0, 1)
    if weights is None:
        return alphas, np.ones_like(alphas), float(alphas.size)
    if np.shape(weights) != alphas.shape:
        raise ShapeError(f"weights must have one entry per prompt, shape {alphas.shape}; got shape {np.shape(weights)}")
    weights = check_interval("weights", weights, 0, math.inf)
    weights = np.ldexp(weights, -np.frexp(weights.max())[1])
    return alphas, weights, math.fsum(weights)


def _exact_mean(alphas: np.ndarray, weights: np.ndarray) -> Fraction:
    """``alpha_bar = sum_i weights_i alpha_i / sum_i weights_i`` as an exact rational."""
    return sum(map(operator.mul, map(Fraction, weights), map(Fraction, alphas)), Fraction(0)) / sum(map(Fraction, weights))


def _float_at_or_below(value: Fraction) -> float:
    """The largest float64 ``<= value``: ``target > it`` exactly when ``target > value``."""
    rounded = float(value)
    return math.nextafter(rounded, -math.inf) if Fraction(rounded) > value else rounded


def mean_validity(alphas: ArrayLike, beta: ArrayLike, weights: ArrayLike | None = None) -> np.float64 | np.ndarray:
    """``mu_bar(beta) = sum_i w_i sigma(1/beta + logit alpha_i)``, for a scalar or an
    array of ``beta`` (the result has the shape of ``beta``); as
    ``1 - sum_i w_i (1 - mu_i)`` when it exceeds 1/2, so that it never exceeds 1."""
    alphas, weights, total = _prompts(alphas, weights)
    beta = check_beta(beta)
    per_prompt = alphas.reshape(alphas.shape + (1,) * beta.ndim)
    mean = np.tensordot(weights, closed_form.validity_rate(per_prompt, beta), axes=1) / total
    complement = np.tensordot(weights, closed_form.invalidity_rate(per_prompt, beta), axes=1) / total
    return np.where(mean > 0.5, 1 - complement, mean)[()]


def per_prompt_beta(alphas: ArrayLike, mu: float) -> np.ndarray:
    """``beta_i = 1/(logit mu - logit alpha_i)``, the largest ``beta`` at which prompt
    ``i`` alone reaches validity ``mu``; ``+inf`` when ``alpha_i >= mu``."""
    alphas = check_interval("alphas", alphas, 0, 1)
    mu = float(check_interval("mu", mu, 0, 1))
    return closed_form.beta_for_validity(np.minimum(alphas, mu), mu)


def _bracket(lowest_per_prompt_beta: Any, gap: Any, spread: Any, log1p: Callable[[Any], Any]) -> tuple[Any, Any]:
    """``[min_i beta_i / 2, 2/log1p(g/V)]``, which holds the root with a margin (module docstring)."""
    return lowest_per_prompt_beta / 2, 2 / log1p(gap / spread)


def _check_target(target: Any, mean_base_rate: Any) -> Any:
    return check_interval("target", target, mean_base_rate, 1, low_text=_FEASIBLE_LOW)


def beta_for_mean_validity(alphas: ArrayLike, target: float, weights: ArrayLike | None = None) -> np.float64:
    """The unique ``beta > 0`` with ``sum_i w_i sigma(1/beta + logit alpha_i) = target``,
    for ``target`` in ``(sum_i w_i alpha_i, 1)``; a float64 next to the exact root
    (how near depends on the conditioning of ``mu_bar`` at the root)."""
    alphas, weights, total = _prompts(alphas, weights)
    mean_base_rate = _exact_mean(alphas, weights)
    target = float(_check_target(target, _float_at_or_below(mean_base_rate)))
    gap = float(Fraction(target) - mean_base_rate)  # g = target - alpha_bar > 0, rounded once
    spread = np.dot(weights, alphas * (1 - alphas)) / total
    with np.errstate(divide="ignore"):  # a gap that underflows to 0 leaves the bracket open: high = inf
        low, high = _bracket(np.min(per_prompt_beta(alphas, target)), np.float64(gap), spread, np.log1p)
    normalized = weights / total
    complement_weights = normalized * (1 - alphas)

    def excess_sign(beta: float) -> float:
        """A number with the sign of ``mu_bar(beta) - target``."""
        if gap <= 1 - target:
            gain = -math.expm1(-1 / beta) * float(np.dot(complement_weights, closed_form.validity_rate(alphas, beta)))
            return gain - gap
        return (1 - target) - float(np.dot(normalized, closed_form.invalidity_rate(alphas, beta)))

    low_bits, high_bits = np.float64(low).view(np.int64), np.float64(high).view(np.int64)
    while high_bits - low_bits > 1:
        middle_bits = low_bits + (high_bits - low_bits) // 2
        if excess_sign(float(middle_bits.view(np.float64))) >= 0:
            low_bits = middle_bits
        else:
            high_bits = middle_bits
    low, high = low_bits.view(np.float64), high_bits.view(np.float64)
    return low if abs(excess_sign(float(low))) <= abs(excess_sign(float(high))) else high


def _prompts_mp(alphas: Sequence[Any], weights: Sequence[Any] | None) -> tuple[list[mpmath.mpf], list[mpmath.mpf], mpmath.mpf]:
    """The pass rates, the weights (ones by default) and their sum (exact for float64 weights)."""
    if len(alphas) == 0:
        raise ShapeError("alphas must hold at least one prompt; got an empty sequence")
    alphas = [check_interval("alphas", mpmath.mpf(alpha), 0, 1) for alpha in alphas]
    if weights is None:
        return alphas, [mpmath.mpf(1)] * len(alphas), mpmath.mpf(len(alphas))
    if len(weights) != len(alphas):
        raise ShapeError(f"weights must have one entry per prompt ({len(alphas)}); got {len(weights)}")
    weights = [check_interval("weights", mpmath.mpf(weight), 0, mpmath.inf) for weight in weights]
    with mpmath.extraprec(_EXACT_BITS):
        return alphas, weights, mpmath.fsum(weights)


def _weighted_sum_mp(weights: list[mpmath.mpf], values: Iterable[Any]) -> mpmath.mpf:
    return mpmath.fsum(weight * value for weight, value in zip(weights, values))


def mean_validity_mp(alphas: Sequence[Any], beta: Any, weights: Sequence[Any] | None = None) -> mpmath.mpf:
    """``mu_bar(beta) = sum_i w_i sigma(1/beta + logit alpha_i)`` at the current mpmath precision."""
    alphas, weights, total = _prompts_mp(alphas, weights)
    return _weighted_sum_mp(weights, (precise.validity_rate(alpha, beta) for alpha in alphas)) / total


def beta_for_mean_validity_mp(alphas: Sequence[Any], target: Any, weights: Sequence[Any] | None = None) -> mpmath.mpf:
    """The ``beta`` with ``mu_bar(beta) = target`` at the current mpmath precision:
    ``mpmath.findroot`` by bisection on ``log beta`` inside the same bracket, on
    the same cancellation-free forms of ``mu_bar - target``, halving the bracket
    until its width is below ``2^-(prec + 10)``. ``alpha_bar`` and ``g`` are formed
    with ``_EXACT_BITS`` extra bits, exact for float64 data, before one rounding."""
    alphas, weights, total = _prompts_mp(alphas, weights)
    with mpmath.extraprec(_EXACT_BITS):
        mean_base_rate = _weighted_sum_mp(weights, alphas) / total
        target = _check_target(mpmath.mpf(target), mean_base_rate)
        gap = _weighted_sum_mp(weights, (target - alpha for alpha in alphas)) / total
    gap = +gap
    normalized = [weight / total for weight in weights]
    spread = _weighted_sum_mp(normalized, (alpha * (1 - alpha) for alpha in alphas))
    lowest = min(precise.beta_for_validity(alpha, target) for alpha in alphas if alpha < target)
    low, high = _bracket(lowest, gap, spread, mpmath.log1p)

    def excess(log_beta: mpmath.mpf) -> mpmath.mpf:
        """``mu_bar - target`` in the same cancellation-free forms as the float64 solver."""
        beta = mpmath.exp(log_beta)
        if gap <= 1 - target:
            gain = -mpmath.expm1(-1 / beta) * _weighted_sum_mp(
                normalized, ((1 - alpha) * precise.validity_rate(alpha, beta) for alpha in alphas)
            )
            return gain - gap
        return (1 - target) - _weighted_sum_mp(normalized, (precise.invalidity_rate(alpha, beta) for alpha in alphas))

    bracket = (mpmath.log(low), mpmath.log(high))
    steps = mpmath.mp.prec + 30 + int(mpmath.ceil(mpmath.log(bracket[1] - bracket[0], 2)))
    return mpmath.exp(mpmath.findroot(excess, bracket, solver="bisect", maxsteps=max(steps, 1)))
