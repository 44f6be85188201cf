"""KL budgets and the adaptive KL controller of PPO-style trainers, with a binary reward.

The KL-control optimum ``p_beta`` spends the sequence-level budget
``KL(p_beta || a) = kl(mu_beta || alpha)`` (nats per sequence), which decreases strictly
from ``-log alpha`` (``beta -> 0+``) to 0 (``beta -> inf``); so a budget ``K`` in
``(0, -log alpha)`` buys exactly one validity ``mu`` and one ``beta``. With the logit gap
``g = logit mu - logit alpha = 1/beta``, ``mu - alpha = alpha (1 - alpha) expm1(g)/Z``
with ``Z = 1 + alpha expm1(g)``, and
``kl(mu || alpha) = alpha phi(r_1) + (1 - alpha) phi(r_0)``,
``r_1 = (1 - alpha) expm1(g)/Z``, ``r_0 = -alpha expm1(g)/Z``, ``phi(r) = (1 + r) log1p(r) - r >= 0``:
two non-negative terms, each computed without cancellation (a series for ``|r| <= 1/8``;
``1 + r_0 = (1 - alpha)/Z`` formed directly), so the budget is accurate for every ``g``.

The adaptive controller of the PPO trainers of TRL (``AdaptiveKLController``, before
its removal), verl and OpenRLHF multiplies the coefficient after each batch by
``1 + clip(KL/target - 1, -0.2, 0.2) n/H`` (``n`` samples in the batch, horizon ``H``).
A multiplier is 1 exactly when ``KL = target``; each lies in ``[1 - c, 1 + c]`` with
``c = 0.2 n/H``, so moving ``beta_0`` to ``beta*`` takes at least
``log(beta*/beta_0)/log(1 + c)`` updates upwards and ``log(beta_0/beta*)/(-log(1 - c))``
downwards.

Main definitions
- ``sequence_budget(per_token_kl, length)``: ``K = per_token_kl * length`` (a token mean
  of the KL times the number of tokens is the sequence KL, its sum over tokens).
- ``kl_budget_of_gap(alpha, gap)``: ``kl(mu || alpha)`` at ``logit mu - logit alpha = gap``.
- ``beta_for_kl_budget(alpha, budget)``: the ``beta`` with ``kl(mu_beta || alpha) = budget``,
  by bisection on the float64 bit patterns of the gap ``1/beta``.
- ``controller_multiplier(kl, target, samples, horizon)``: ``1 + clip(kl/target - 1, -0.2, 0.2) n/H``.
- ``controller_step_bounds(samples, horizon)``: ``(1 - c, 1 + c)``.
- ``updates_needed(beta_start, beta_end, samples, horizon)``: the fewest updates that can
  move ``beta_start`` to ``beta_end``.
- ``controller_elasticity(alpha, budget)``: ``E = |d log K/d log beta| = mu (1 - mu)/(beta^2 K)`` at
  the ``beta*`` of the budget ``K`` (``dK/d beta = -mu (1 - mu)/beta^3``, validity-monotone). Near
  ``beta*`` the clip is inactive and ``log beta_{t+1} - log beta* ~ (1 - (n/H) E)(log beta_t - log beta*)``:
  the fixed point attracts when ``(n/H) E < 2`` and the controller oscillates around it otherwise.
- ``kl_budget_of_gap_mp``, ``beta_for_kl_budget_mp``, ``controller_elasticity_mp``: the same at the
  current mpmath precision.
"""

from __future__ import annotations

import math
from typing import Any

import mpmath
import numpy as np

from theory import closed_form, precise
from theory.errors import DomainError, check_float64_input, check_interval, check_scalar

__all__ = [
    "CLIP", "sequence_budget", "kl_budget_of_gap", "beta_for_kl_budget", "controller_multiplier",
    "controller_step_bounds", "updates_needed", "controller_elasticity", "kl_budget_of_gap_mp", "beta_for_kl_budget_mp",
    "controller_elasticity_mp",
]

CLIP = 0.2
"""The controllers clip the proportional error ``KL/target - 1`` to ``[-0.2, 0.2]``."""

_SERIES_RADIUS = 0.125
# phi(r) = r^2 sum_{k>=2} (-r)^(k-2) / (k (k - 1)) for |r| <= 1/8: 20 terms reach 2^-60 relative
_PHI_SERIES = tuple((-1.0) ** (k - 2) / (k * (k - 1)) for k in range(2, 22))


def _scalar(name: str, value: Any, low: float, high: float, **bounds: Any) -> float:
    return float(check_interval(name, check_scalar(name, check_float64_input(name, value)), low, high, **bounds))


def sequence_budget(per_token_kl: float, length: float) -> float:
    """``K = per_token_kl * length``: the sequence-level KL (nats per sequence) of a KL reported
    as a mean over ``length`` tokens. The KL of a sequence is the sum over its tokens of the
    per-token KLs (chain rule), so a token mean times the number of tokens gives it back."""
    per_token_kl = _scalar("per-token KL", per_token_kl, 0, math.inf)
    length = _scalar("length", length, 0, math.inf)
    return per_token_kl * length


def _phi(r: float) -> float:
    """``phi(r) = (1 + r) log1p(r) - r`` for ``r > -1`` (series for ``|r| <= 1/8``)."""
    if abs(r) <= _SERIES_RADIUS:
        total = 0.0
        for coefficient in reversed(_PHI_SERIES):
            total = total * r + coefficient
        return r * r * total
    return (1 + r) * math.log1p(r) - r


def _budget(alpha: float, gap: float) -> float:
    """``alpha phi(r_1) + (1 - alpha) phi(r_0)`` (module docstring); a term with ``|r| > 1/8`` as
    ``mu log(1 + r_1) - d`` or ``(1 - mu) log(1 + r_0) + d`` (``d = mu - alpha``). For ``g <= 1``
    everything comes from ``expm1(g)`` and ``Z = 1 + alpha expm1(g)``; for ``g > 1`` from
    ``log D = log(alpha + (1 - alpha) e^{-g})``, formed in log space so that a subnormal
    ``alpha`` or ``e^{-g}`` loses nothing: ``mu = alpha/D``, ``1 - mu = (1 - alpha) e^{-g}/D``."""
    if gap > 1:
        log_alpha, log_complement, log_tail = math.log(alpha), math.log1p(-alpha), math.log1p(-math.exp(-gap))
        top, other = max(log_alpha, log_complement - gap), min(log_alpha, log_complement - gap)
        log_d = top + math.log1p(math.exp(other - top))
        mu, one_minus_mu = math.exp(log_alpha - log_d), math.exp(log_complement - gap - log_d)
        d = math.exp(log_alpha + log_complement + log_tail - log_d)
        # r_1 = (1 - alpha)(1 - e^{-g})/D, capped where it only decides that the series does not apply
        r1, r0 = math.exp(min(log_complement + log_tail - log_d, 1.0)), -math.exp(log_alpha + log_tail - log_d)
        log_valid, log_invalid = -log_d, -gap - log_d
    else:
        e = math.expm1(gap)
        z = 1 + alpha * e
        mu, one_minus_mu, d = alpha * math.exp(gap) / z, (1 - alpha) / z, alpha * (1 - alpha) * e / z
        r1, r0 = (1 - alpha) * e / z, -alpha * e / z
        log_valid, log_invalid = gap - math.log1p(alpha * e), -math.log1p(alpha * e)
    valid_term = alpha * _phi(r1) if r1 <= _SERIES_RADIUS else mu * log_valid - d
    invalid_term = (1 - alpha) * _phi(r0) if -r0 <= _SERIES_RADIUS else one_minus_mu * log_invalid + d
    return valid_term + invalid_term


def kl_budget_of_gap(alpha: float, gap: float) -> float:
    """``kl(mu || alpha)`` (nats per sequence) for the validity ``mu`` at logit gap
    ``gap = logit mu - logit alpha = 1/beta`` (``gap = inf``: ``-log alpha``)."""
    alpha = _scalar("alpha", alpha, 0, 1)
    gap = _scalar("gap", gap, 0, math.inf, closed_low=True, closed_high=True)
    if math.isinf(gap):
        return -math.log(alpha)
    return _budget(alpha, gap)


def _check_budget(alpha: float, budget: Any, log: Any) -> Any:
    return check_interval("KL budget", budget, 0, -log(alpha), low_text="0", high_text="-log alpha")


def beta_for_kl_budget(alpha: float, budget: float) -> float:
    """The unique ``beta > 0`` whose optimum spends ``KL(p_beta || a) = kl(mu_beta || alpha) = budget``
    (nats per sequence), for ``budget`` in ``(0, -log alpha)``: bisection on the float64 bit
    patterns of the gap ``g = 1/beta`` over ``(0, 2^1023]``, down to adjacent floats."""
    alpha = _scalar("alpha", alpha, 0, 1)
    budget = float(_check_budget(alpha, check_scalar("KL budget", check_float64_input("KL budget", budget)), math.log))
    low_bits, high_bits = np.float64(0.0).view(np.int64), np.float64(2.0**1023).view(np.int64)
    if _budget(alpha, 2.0**1023) < budget:  # within rounding of -log alpha: the largest gap
        return 1 / 2.0**1023
    while high_bits - low_bits > 1:
        middle_bits = low_bits + (high_bits - low_bits) // 2
        if _budget(alpha, float(middle_bits.view(np.float64))) < budget:
            low_bits = middle_bits
        else:
            high_bits = middle_bits
    low, high = float(low_bits.view(np.float64)), float(high_bits.view(np.float64))
    gap = high if low == 0 or abs(_budget(alpha, high) - budget) <= abs(_budget(alpha, low) - budget) else low
    return 1 / gap


def controller_step_bounds(samples: float, horizon: float) -> tuple[float, float]:
    """``(1 - c, 1 + c)`` with ``c = 0.2 n/H``: the range of one multiplier. ``c < 1`` is
    required (a multiplier ``1 - c <= 0`` would make the coefficient non-positive)."""
    samples = _scalar("samples", samples, 0, math.inf)
    horizon = _scalar("horizon", horizon, 0, math.inf)
    c = CLIP * samples / horizon
    if not c < 1:
        raise DomainError(f"samples/horizon must lie in (0, 5) so that 1 - 0.2 n/H > 0; got {samples / horizon!r}")
    return 1 - c, 1 + c


def controller_multiplier(kl: float, target: float, samples: float, horizon: float) -> float:
    """``1 + clip(kl/target - 1, -0.2, 0.2) n/H``: the factor the adaptive controller applies
    to the KL coefficient after a batch of ``n = samples`` whose KL estimate is ``kl``."""
    kl = _scalar("kl", kl, -math.inf, math.inf)
    target = _scalar("target", target, 0, math.inf)
    controller_step_bounds(samples, horizon)
    return 1 + min(max(kl / target - 1, -CLIP), CLIP) * float(samples) / float(horizon)


def updates_needed(beta_start: float, beta_end: float, samples: float, horizon: float) -> int:
    """The fewest controller updates that can take the coefficient from ``beta_start`` to
    ``beta_end``: ``ceil(log(beta_end/beta_start)/log(1 + c))`` upwards,
    ``ceil(log(beta_start/beta_end)/(-log(1 - c)))`` downwards, 0 when they are equal."""
    beta_start = _scalar("beta_start", beta_start, 0, math.inf)
    beta_end = _scalar("beta_end", beta_end, 0, math.inf)
    low, high = controller_step_bounds(samples, horizon)
    if beta_end == beta_start:
        return 0
    ratio = math.log(beta_end) - math.log(beta_start)
    return math.ceil(ratio / math.log(high) if ratio > 0 else -ratio / -math.log(low))


def controller_elasticity(alpha: float, budget: float) -> float:
    """``E = mu (1 - mu) / (beta^2 K)`` at ``beta* = beta_for_kl_budget(alpha, K)``, ``K = budget``."""
    beta = beta_for_kl_budget(alpha, budget)
    spread = float(closed_form.validity_rate(alpha, beta)) * float(closed_form.invalidity_rate(alpha, beta))
    return spread / (beta * beta * float(budget))


# --- mpmath -------------------------------------------------------------------------------------

def kl_budget_of_gap_mp(alpha: Any, gap: Any) -> mpmath.mpf:
    """``kl(mu || alpha)`` at logit gap ``gap``, at the current mpmath precision (the same two
    non-negative terms, ``phi`` from ``theory.precise.binary_phi``)."""
    alpha = check_interval("alpha", mpmath.mpf(alpha), 0, 1)
    gap = check_interval("gap", mpmath.mpf(gap), 0, mpmath.inf, closed_low=True, closed_high=True)
    if mpmath.isinf(gap):
        return -mpmath.log(alpha)
    e = mpmath.expm1(gap)
    ratio = e / (1 + alpha * e)
    # -alpha ratio >= -1 exactly; rounding may push it an ulp below
    return alpha * precise.binary_phi((1 - alpha) * ratio) + (1 - alpha) * precise.binary_phi(max(-alpha * ratio, mpmath.mpf(-1)))


def beta_for_kl_budget_mp(alpha: Any, budget: Any) -> mpmath.mpf:
    """The ``beta`` with ``kl(mu_beta || alpha) = budget`` at the current mpmath precision: Newton's method on
    ``u = log gap`` (``d kl/du = g^2 mu (1 - mu)``), kept inside a bracket found by doubling and bisected
    whenever a Newton step would leave it, until a step is below ``2^-prec`` relative."""
    alpha = check_interval("alpha", mpmath.mpf(alpha), 0, 1)
    budget = _check_budget(alpha, mpmath.mpf(budget), mpmath.log)
    low, high = mpmath.mpf(-1), mpmath.mpf(1)
    while kl_budget_of_gap_mp(alpha, mpmath.exp(low)) >= budget:
        low *= 2
    while kl_budget_of_gap_mp(alpha, mpmath.exp(high)) <= budget:
        high *= 2
    u = (low + high) / 2
    for _ in range(4 * mpmath.mp.prec):
        gap = mpmath.exp(u)
        excess = kl_budget_of_gap_mp(alpha, gap) - budget
        if excess == 0:
            break
        low, high = (u, high) if excess < 0 else (low, u)
        slope = gap**2 * precise.validity_rate(alpha, 1 / gap) * precise.invalidity_rate(alpha, 1 / gap)
        step = u - excess / slope if slope > 0 else low
        following = step if low < step < high else (low + high) / 2
        if abs(following - u) <= (abs(u) + 1) * mpmath.mpf(2) ** (-mpmath.mp.prec):
            u = following
            break
        u = following
    return mpmath.exp(-u)


def controller_elasticity_mp(alpha: Any, budget: Any) -> mpmath.mpf:
    """``E = mu (1 - mu)/(beta^2 K)`` at ``beta*`` at the current mpmath precision."""
    beta = beta_for_kl_budget_mp(alpha, budget)
    return precise.validity_rate(alpha, beta) * precise.invalidity_rate(alpha, beta) / (beta**2 * mpmath.mpf(budget))
