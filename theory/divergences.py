"""Divergences and entropies of finite distributions, in float64 or in mpmath.

Every function takes vectors of non-negative masses (numpy arrays or sequences;
sequences holding mpmath numbers or strings select the mpmath backend, at the
current ``mp.prec`` with no float64 rounding) and is written once, over the
backend abstraction of :mod:`theory.backend`. Inputs are validated (same length,
1-D, finite, non-negative); only ``renyi_divergence`` requires them to be
normalized (``|sum - 1| <= 1e-9``), the others are defined for any non-negative
masses by the formulas below. No function returns NaN: the degenerate cases are
``0 log 0 = 0``, ``0 log(0/0) = 0`` and ``+inf`` where absolute continuity fails.

Convention for the Amari alpha-divergence (the family of Kruszewski et al.,
ICLR 2026, with ``p = p_*`` the target and ``q`` the policy):
``D_alpha(p || q) = (sum_y p^alpha q^{1-alpha} - 1) / (alpha (alpha - 1))`` for
normalized ``p, q`` and real ``alpha``, evaluated in Amari's form for positive
measures ``sum_y [p^alpha q^{1-alpha} - alpha p - (1-alpha) q] / (alpha (alpha - 1))``
(the same number when ``p`` and ``q`` sum to 1, a sum of non-negative terms
always). Limits: ``alpha -> 1`` gives the forward KL ``KL(p || q)``
(mass-covering), ``alpha -> 0`` the reverse KL ``KL(q || p)`` (mode-seeking);
both are computed exactly at ``alpha in {0, 1}``. Symmetry:
``D_alpha(p || q) = D_{1-alpha}(q || p)``. It is ``+inf`` when ``alpha >= 1``
and ``q(y) = 0 < p(y)``, or ``alpha <= 0`` and ``p(y) = 0 < q(y)``; finite for
``0 < alpha < 1``.

Accuracy (float64): each term is computed to a few units of roundoff relative
to its own value and the non-negative terms are summed with one rounding, so
``kl_divergence``, ``binary_kl``, ``amari_divergence``, ``entropy`` and
``total_variation`` are accurate to a few ulps even when the divergence is far
below the size of the masses (``q`` close to ``p``): the KL is summed as
``sum_y [q log(q/p) - q + p] + (sum q - sum p)``, whose terms
``p phi((q - p)/p) >= 0`` use the series of ``phi(r) = (1+r) log1p(r) - r`` for
``|r| <= 1/2``.

Main definitions
- ``kl_divergence(q, p)``: ``KL(q || p) = sum_y q(y) log(q(y)/p(y))``; with
  ``renormalize=True``, ``KL(q/sum q || p/sum p)`` without rounding the divisions.
- ``binary_kl(x, y)``: ``kl(x || y) = x log(x/y) + (1-x) log((1-x)/(1-y))``,
  ``x, y in [0, 1]``.
- ``total_variation(p, q)``: ``TV(p, q) = (1/2) sum_y |p(y) - q(y)|``.
- ``renyi_divergence(p, q, order)``: ``D_a(p || q) = log(sum_y p^a q^{1-a}) / (a - 1)``
  for ``a in [0, inf]``; ``D_0 = -log q(supp p)``, ``D_1 = KL(p || q)``,
  ``D_inf = log max_{p(y) > 0} p(y)/q(y)``; of the renormalized ``p / sum p``, ``q / sum q``.
- ``amari_divergence(p, q, alpha)``: ``D_alpha(p || q)`` above.
- ``entropy(q)``: ``H(q) = -sum_y q(y) log q(y)`` (nats).
- ``effective_support(q)``: ``exp H(q)``, the number of equally likely outputs
  with the same entropy (``N_eff``).
"""

from __future__ import annotations

import math
from typing import Any

import mpmath
import numpy as np

from theory.backend import Backend, backend_of, check_normalized, log_ratio, logsumexp
from theory.errors import DomainError, ShapeError, check_interval

__all__ = [
    "kl_divergence",
    "binary_kl",
    "total_variation",
    "renyi_divergence",
    "amari_divergence",
    "entropy",
    "effective_support",
]


def _pair(first: Any, second: Any, names: tuple[str, str]) -> tuple[Backend, np.ndarray, np.ndarray]:
    backend = backend_of(first, second)
    u, w = backend.masses(first, names[0]), backend.masses(second, names[1])
    if u.shape != w.shape:
        raise ShapeError(f"{names[0]} and {names[1]} must have the same length; got {u.size} and {w.size}")
    return backend, u, w


def _scalar(backend: Backend, value: Any, name: str, low: Any, high: Any, **ends: bool) -> Any:
    number = backend.number(value)
    return backend.number(check_interval(name, number, low, high, **ends))


def _series_length(backend: Backend, radius: Any, log_size: Any) -> int:
    """The number of terms ``K`` after which a series whose ``k``-th term is at most
    ``radius^(k-2) e^{log_size(k)}`` (relative to its first) is below the unit roundoff."""
    log_roundoff = float(mpmath.log(backend.unit_roundoff)) - 2.0
    if radius == 0:
        return 2
    log_radius = float(mpmath.log(radius))
    k = 2
    while (k - 2) * log_radius + log_size(k) > log_roundoff:
        k += 1
    return k


def _scaled_phi_near_zero(backend: Backend, p: np.ndarray, delta: np.ndarray) -> np.ndarray:
    """``p phi(delta/p)`` for ``|delta| <= p/2``, ``phi(r) = (1+r) log1p(r) - r
    = sum_{k>=2} (-r)^k / (k (k-1))``: ``delta r sum_j (-r)^j / ((j+1)(j+2))``."""
    r = delta / p
    radius = np.max(np.abs(r)) if r.size else 0
    length = _series_length(backend, radius, lambda k: -math.log(k * (k - 1)) + math.log(2))
    accumulated = backend.zeros(r.size)
    for j in range(length - 2, -1, -1):
        accumulated = accumulated * (-r) + backend.number(1) / ((j + 1) * (j + 2))
    return delta * r * accumulated


def _relative_entropy_terms(backend: Backend, q: np.ndarray, p: np.ndarray, delta: np.ndarray) -> np.ndarray:
    """``q log(q/p) - q + p = p phi(delta/p) >= 0`` with ``delta = q - p``: ``p`` where
    ``q = 0``, ``+inf`` where ``q > 0 = p``; the series where ``|delta| <= p/2``, else
    ``q log(q/p) - delta`` (at most a factor 6 of cancellation)."""
    terms = backend.zeros(q.size)
    absent = q == 0
    terms[absent] = p[absent]
    terms[(q > 0) & (p == 0)] = backend.number("inf")
    both = (q > 0) & (p > 0)
    near = both & (np.abs(delta) <= p / 2)
    terms[near] = _scaled_phi_near_zero(backend, p[near], delta[near])
    far = both & ~near
    terms[far] = q[far] * log_ratio(backend, q[far], p[far]) - delta[far]
    return terms


def _generalized_kl(backend: Backend, q: np.ndarray, p: np.ndarray) -> Any:
    """``sum_y [q log(q/p) - q + p]``, equal to ``KL(q || p)`` when ``sum q = sum p``."""
    return backend.fsum(_relative_entropy_terms(backend, q, p, q - p))


def kl_divergence(q: Any, p: Any, *, renormalize: bool = False) -> Any:
    """``KL(q || p) = sum_y q(y) log(q(y)/p(y))``, with ``0 log 0 = 0`` and ``+inf``
    when ``q(y) > 0 = p(y)`` for some ``y``; for any non-negative masses, as
    ``G(q, p) + (Q - P)`` with ``G(q, p) = sum_y [q log(q/p) - q + p]`` (non-negative
    terms), ``Q = sum q``, ``P = sum p`` (the difference summed exactly).

    With ``renormalize=True``: ``KL(q/Q || p/P)``, the divergence of the distributions
    the vectors stand for, without rounding ``q/Q`` and ``p/P`` (``Q > 0`` is required):
    ``G(q, p)/Q + log1p(z) - z`` with ``z = (P - Q)/Q`` when ``|z| <= 2^-26``
    (error ``u (KL + z^2)``), else ``G(q, (Q/P) p)/Q`` (non-negative terms again; error
    ``u (KL + sum |q/Q - p/P| + u)``)."""
    backend, q, p = _pair(q, p, ("q", "p"))
    generalized = _generalized_kl(backend, q, p)
    if generalized == np.inf:
        return backend.output(generalized)
    if not renormalize:
        return backend.output(generalized + backend.fsum(np.concatenate([q, -p])))
    total_q = backend.fsum(q)
    if total_q == 0:
        raise DomainError("q must have a positive total mass to be renormalized; got q = 0")
    z = backend.fsum(np.concatenate([p, -q])) / total_q
    if abs(z) <= 2.0**-26:
        return backend.output(generalized / total_q + _log1p_minus_identity(backend, z))
    return backend.output(_generalized_kl(backend, q, p * (total_q / backend.fsum(p))) / total_q)


def _log1p_minus_identity(backend: Backend, z: Any) -> Any:
    """``log1p(z) - z = phi(z) - z log1p(z)`` for ``|z| <= 1/2``, with
    ``phi(z) = (1+z) log1p(z) - z ~ z^2/2`` by its series (a factor 3 of cancellation)."""
    one = backend.zeros(1) + 1
    return _scaled_phi_near_zero(backend, one, one * z)[0] - z * backend.log1p(z)


def binary_kl(x: Any, y: Any) -> Any:
    """``kl(x || y) = x log(x/y) + (1-x) log((1-x)/(1-y))`` for ``x, y in [0, 1]``,
    as ``y phi(d/y) + (1-y) phi(-d/(1-y))`` with ``d = x - y`` (``0 log 0 = 0``;
    ``+inf`` when ``y in {0, 1}`` and ``x != y``)."""
    backend = backend_of([x, y])
    x = _scalar(backend, x, "x", 0, 1, closed_low=True, closed_high=True)
    y = _scalar(backend, y, "y", 0, 1, closed_low=True, closed_high=True)
    q, p, delta = backend.zeros(2), backend.zeros(2), backend.zeros(2)
    q[:], p[:], delta[:] = (x, 1 - x), (y, 1 - y), (x - y, y - x)
    return backend.output(backend.fsum(_relative_entropy_terms(backend, q, p, delta)))


def total_variation(p: Any, q: Any) -> Any:
    """``TV(p, q) = (1/2) sum_y |p(y) - q(y)|``."""
    backend, p, q = _pair(p, q, ("p", "q"))
    return backend.output(backend.fsum(np.abs(p - q)) / 2)


def _amari_terms(backend: Backend, p: np.ndarray, q: np.ndarray, alpha: Any) -> np.ndarray:
    """The non-negative terms ``[p^alpha q^{1-alpha} - alpha p - (1-alpha) q] / (alpha (alpha - 1))``
    for ``alpha <= 1/2``, ``alpha != 0``. Where ``p, q > 0``, with ``L = log(p/q)``:
    ``q f(L)``, ``f(L) = (expm1(alpha L) - alpha expm1(L)) / (alpha (alpha - 1))
    = sum_{k>=2} L^k h_k / k!``, ``h_k = 1 + alpha + ... + alpha^{k-2}``, by the
    series when ``|L|, |alpha L| <= 1/2`` and by the closed form otherwise."""
    scale = alpha * (alpha - 1)
    terms = backend.zeros(p.size)
    only_p = (p > 0) & (q == 0)
    terms[only_p] = p[only_p] / (1 - alpha)
    only_q = (p == 0) & (q > 0)
    terms[only_q] = q[only_q] / alpha if alpha > 0 else backend.number("inf")
    both = (p > 0) & (q > 0)
    log_ratios = log_ratio(backend, p[both], q[both])
    scaled = alpha * log_ratios
    small = (np.abs(log_ratios) <= 0.5) & (np.abs(scaled) <= 0.5)
    values = backend.zeros(log_ratios.size)
    values[small] = _amari_series(backend, log_ratios[small], alpha)
    q_both, p_both = q[both], p[both]
    large = ~small
    expm1_part = backend.zeros(log_ratios.size)  # q (e^{alpha L} - 1)
    moderate = large & (np.abs(scaled) <= 1)
    expm1_part[moderate] = q_both[moderate] * backend.expm1(scaled[moderate])
    steep = large & (np.abs(scaled) > 1) & (scaled <= backend.exp_limit)
    expm1_part[steep] = q_both[steep] * backend.exp(scaled[steep]) - q_both[steep]
    huge = large & (scaled > backend.exp_limit)
    expm1_part[huge] = backend.exp(scaled[huge] + backend.log(q_both[huge])) - q_both[huge]
    values[large] = (expm1_part[large] - alpha * (p_both[large] - q_both[large])) / scale
    values[small] = q_both[small] * values[small]
    terms[both] = values
    return terms


def _amari_series(backend: Backend, log_ratios: np.ndarray, alpha: Any) -> np.ndarray:
    """``sum_{k>=2} L^k h_k(alpha) / k!`` with ``h_2 = 1``, ``h_{k+1} = 1 + alpha h_k``,
    for ``|L|, |alpha L| <= 1/2`` (the ``k``-th term is at most ``(k-1) L^2 (1/2)^{k-2} / k!``)."""
    radius = max(np.max(np.abs(log_ratios)), abs(alpha) * np.max(np.abs(log_ratios))) if log_ratios.size else 0
    length = _series_length(backend, radius, lambda k: math.log(k - 1) - math.lgamma(k + 1) + math.log(2))
    power = log_ratios * log_ratios / 2
    weight = backend.number(1)
    total = power * weight
    for k in range(3, length + 1):
        power = power * log_ratios / k
        weight = 1 + alpha * weight
        total = total + power * weight
    return total


def _amari_sum(backend: Backend, p: np.ndarray, q: np.ndarray, alpha: Any) -> Any:
    """``sum_y [p^alpha q^{1-alpha} - alpha p - (1-alpha) q] / (alpha (alpha - 1))`` for any real ``alpha``."""
    if alpha == 1:
        return _generalized_kl(backend, p, q)
    if alpha == 0:
        return _generalized_kl(backend, q, p)
    if alpha > 0.5:
        p, q, alpha = q, p, 1 - alpha
    return backend.fsum(_amari_terms(backend, p, q, alpha))


def amari_divergence(p: Any, q: Any, alpha: Any) -> Any:
    """``D_alpha(p || q) = (sum_y p^alpha q^{1-alpha} - 1) / (alpha (alpha - 1))`` for
    normalized ``p, q`` (Amari's positive-measure form in general, see the module
    header); ``KL(p || q)`` at ``alpha = 1``, ``KL(q || p)`` at ``alpha = 0``."""
    backend, p, q = _pair(p, q, ("p", "q"))
    alpha = _scalar(backend, alpha, "alpha", -np.inf, np.inf)
    return backend.output(_amari_sum(backend, p, q, alpha))


def renyi_divergence(p: Any, q: Any, order: Any) -> Any:
    """``D_a(p || q) = log(sum_y p^a q^{1-a}) / (a - 1)`` for ``a in [0, inf]``:
    ``-log q(supp p)`` at ``a = 0``, ``KL(p || q)`` at ``a = 1``, ``log max_{p > 0} p/q``
    at ``a = inf``; ``+inf`` when ``q(y) = 0 < p(y)`` and ``a >= 1``, or when the
    supports are disjoint. ``p`` and ``q`` must sum to 1 within ``1e-9``; the value
    is that of ``p / P`` and ``q / Q`` (``P = sum p``, ``Q = sum q``). Where it is near 0
    it is ``log1p(a (a-1) A) / (a - 1)`` with ``A = D^Amari_a(p || q) / (P^a Q^{1-a})``,
    which is exact to first order in ``P - 1`` and ``Q - 1`` (the second order leaves
    at most ``a (P - Q)^2 / 2``)."""
    backend, p, q = _pair(p, q, ("p", "q"))
    check_normalized(backend, p, "p")
    check_normalized(backend, q, "q")
    order = _scalar(backend, order, "order", 0, np.inf, closed_low=True, closed_high=True)
    support = p > 0
    if order == 0:
        outside, inside = backend.fsum(q[~support]), backend.fsum(q[support])
        return backend.output("inf" if inside == 0 else backend.log1p(outside / inside))  # log(Q / q(supp p))
    if order >= 1 and np.any(support & (q == 0)):
        return backend.output("inf")
    log_total_p = backend.log1p(backend.fsum(np.append(p, -1)))
    log_total_q = backend.log1p(backend.fsum(np.append(q, -1)))
    if order == 1:
        return backend.output(_generalized_kl(backend, p, q) * backend.exp(-log_total_p))
    both = support & (q > 0)
    if not np.any(both):
        return backend.output("inf")
    log_ratios = log_ratio(backend, p[both], q[both])
    if order == np.inf:
        return backend.output(np.max(log_ratios) - log_total_p + log_total_q)
    log_scale = order * log_total_p + (1 - order) * log_total_q  # log(P^a Q^{1-a})
    log_total = logsumexp(backend, order * log_ratios + backend.log(q[both])) - log_scale
    if abs(log_total) > 0.5:
        return backend.output(log_total / (order - 1))
    amari = _amari_sum(backend, p, q, order) * backend.exp(-log_scale)
    return backend.output(backend.log1p(order * (order - 1) * amari) / (order - 1))


def entropy(q: Any) -> Any:
    """``H(q) = -sum_y q(y) log q(y)`` in nats, with ``0 log 0 = 0``."""
    backend = backend_of(q)
    q = backend.masses(q, "q")
    charged = q[q > 0]
    return backend.output(backend.fsum(-charged * backend.log(charged)))


def effective_support(q: Any) -> Any:
    """``N_eff(q) = exp H(q)``: ``k`` for the uniform distribution on ``k`` outputs."""
    backend = backend_of(q)
    return backend.output(backend.exp(backend.number(entropy(q))))
