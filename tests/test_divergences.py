"""Divergences and entropies against brute-force mpmath sums, their conventions
(``0 log 0 = 0``, ``+inf`` off the support, never NaN), the Amari and Renyi
limits, the mpmath path at 120 digits, and input validation.

Float64 results are judged in units of the roundoff ``u = 2^-53`` against the
explicit sum evaluated in mpmath on the same float inputs. Each divergence is
computed as a sum of non-negative terms, each to a few ``u`` (a factor of at
most 6, resp. 16 for the Amari closed form, of cancellation inside a term), so
the bound is ``32 u`` (KL) and ``64 u`` (Amari) times the sum of the terms,
plus a few subnormal units for terms that underflow.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from mpmath import mp, mpf

from theory.closed_form import kl_budget
from theory.divergences import (
    amari_divergence,
    binary_kl,
    effective_support,
    entropy,
    kl_divergence,
    renyi_divergence,
    total_variation,
)
from theory.errors import DomainError, ShapeError
from theory.strategies import alphas, probability_vectors, validity_targets

U = 2.0**-53
SUBNORMAL = 2.0**-1074
REFERENCE_DPS = 400  # masses down to 1e-300 next to masses near 1: 300 digits of cancellation, 100 to spare


@st.composite
def vector_pairs(draw: st.DrawFn, max_size: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """Two probability vectors of one length: independent, or the second a
    multiplicative perturbation of the first of relative size down to ``1e-14``."""
    p = draw(probability_vectors(max_size=max_size))
    if draw(st.booleans()):
        return p, draw(probability_vectors(min_size=p.size, max_size=p.size))
    scale = 10.0 ** -draw(st.floats(0, 14))
    noise = np.array(draw(st.lists(st.floats(-1, 1), min_size=p.size, max_size=p.size)))
    q = p * np.exp(scale * noise)
    return p, q / math.fsum(q)


def with_zeros(draw: st.DrawFn, vector: np.ndarray) -> np.ndarray:
    zeros = draw(st.lists(st.booleans(), min_size=vector.size, max_size=vector.size))
    return np.where(zeros, 0.0, vector)


def mp_vector(vector: np.ndarray) -> list[mpf]:
    return [mpf(float(x)) for x in vector]


def reference_kl_parts(q: np.ndarray, p: np.ndarray) -> tuple[mpf, mpf, mpf]:
    """``(KL, sum of the terms q log(q/p) - q + p, sum q - sum p)`` by explicit sums."""
    with mp.workdps(REFERENCE_DPS):
        Q, P = mp_vector(q), mp_vector(p)
        value = mpmath.fsum(x * mpmath.log(x / y) for x, y in zip(Q, P) if x > 0)
        terms = mpmath.fsum((x * mpmath.log(x / y) if x > 0 else 0) - x + y for x, y in zip(Q, P))
        return value, terms, mpmath.fsum(Q + [-y for y in P])  # fsum is exact before its one rounding


def reference_amari(p: np.ndarray, q: np.ndarray, alpha: float) -> mpf:
    """``sum [p^a q^{1-a} - a p - (1-a) q] / (a (a - 1))`` by explicit sums (``0^0 = 1``)."""
    with mp.workdps(REFERENCE_DPS):
        a = mpf(alpha)
        terms = [x**a * y ** (1 - a) - a * x - (1 - a) * y for x, y in zip(mp_vector(p), mp_vector(q))]
        return mpmath.fsum(terms) / (a * (a - 1))


def assert_close(value: float, reference: mpf, bound: float) -> None:
    error = abs(mpf(value) - reference)
    assert error <= bound, f"value {value!r}, reference {mpmath.nstr(reference, 20)}, error {mpmath.nstr(error, 5)} > bound {bound:.3g}"


# ---- KL divergence ---------------------------------------------------------------


@given(vector_pairs())
def test_kl_divergence_matches_the_explicit_sum_within_32_ulp_of_its_terms(pair: tuple[np.ndarray, np.ndarray]) -> None:
    q, p = pair
    reference, terms, total_difference = reference_kl_parts(q, p)
    bound = 32 * U * float(terms + abs(total_difference)) + q.size * 4 * SUBNORMAL
    assert_close(kl_divergence(q, p), reference, bound)


@given(st.data())
def test_kl_divergence_with_zero_masses_follows_the_support_conventions(data: st.DataObject) -> None:
    q, p = data.draw(vector_pairs())
    q, p = with_zeros(data.draw, q), with_zeros(data.draw, p)
    value = kl_divergence(q, p)
    assert not math.isnan(value)
    if np.any((q > 0) & (p == 0)):
        assert value == math.inf
    else:
        reference, terms, total_difference = reference_kl_parts(q, p)
        assert_close(value, reference, 32 * U * float(terms + abs(total_difference)) + q.size * 4 * SUBNORMAL)


def test_kl_divergence_degenerate_cases_are_stated_values() -> None:
    assert kl_divergence([0.0, 1.0], [0.0, 1.0]) == 0.0  # 0 log(0/0) = 0
    assert kl_divergence([0.0, 1.0], [0.5, 0.5]) == pytest.approx(math.log(2), rel=4 * U)  # 0 log 0 = 0
    assert kl_divergence([0.5, 0.5], [0.0, 1.0]) == math.inf  # support fails
    assert kl_divergence([0.0, 0.0], [0.0, 0.0]) == 0.0
    p = np.array([0.1, 0.2, 0.7])
    assert kl_divergence(p, p) == 0.0


def test_kl_divergence_does_not_require_normalization() -> None:
    """The definition ``sum q log(q/p)`` is evaluated as given: ``q = 2p`` gives ``2 log 2``."""
    p = np.array([0.25, 0.75])
    assert kl_divergence(2 * p, p) == pytest.approx(2 * math.log(2), rel=8 * U)


def test_kl_divergence_of_nearby_vectors_keeps_full_relative_accuracy() -> None:
    """``KL(q || p) ~ d^2/2`` for ``q = (1/2 + d, 1/2 - d)``: a float64 sum of ``q log(q/p)``
    would lose every digit at ``d = 1e-9``; the term-wise form keeps them."""
    d = 1e-9
    q, p = np.array([0.5 + d, 0.5 - d]), np.array([0.5, 0.5])
    reference, terms, total_difference = reference_kl_parts(q, p)
    assert abs(mpf(kl_divergence(q, p)) - reference) <= 32 * U * float(terms + abs(total_difference))
    assert float(reference) == pytest.approx(2 * d * d, rel=1e-6)


@given(vector_pairs(), st.floats(0.1, 10))
def test_renormalized_kl_divergence_matches_the_explicit_sum_on_renormalized_vectors(pair: tuple[np.ndarray, np.ndarray], scale: float) -> None:
    """``KL(q/Q || p/P)`` without rounding the divisions: ``32 u (KL + z^2)`` when the totals
    agree (``|z| <= 2^-26``), ``32 u (KL + 2 TV + u)`` after rescaling ``p`` otherwise (the
    rounding of the rescaled ``p`` enters each term to first order in ``q/p - 1``)."""
    q, p = pair
    for p_given in (p, p * scale):
        with mp.workdps(REFERENCE_DPS):
            Q, P = mp_vector(q), mp_vector(p_given)
            z = float((mpmath.fsum(P) - mpmath.fsum(Q)) / mpmath.fsum(Q))
            Q, P = [x / mpmath.fsum(Q) for x in Q], [y / mpmath.fsum(P) for y in P]
            reference = mpmath.fsum(x * mpmath.log(x / y) for x, y in zip(Q, P) if x > 0)
            spread = float(mpmath.fsum(abs(x - y) for x, y in zip(Q, P)))
        slack = z * z if abs(z) <= 2.0**-26 else spread + U
        assert_close(kl_divergence(q, p_given, renormalize=True), reference, 32 * U * (float(reference) + slack) + q.size * 4 * SUBNORMAL)


def test_renormalized_kl_divergence_of_proportional_vectors_is_zero() -> None:
    p = np.array([0.1, 0.2, 0.3, 0.4])
    for scale in (1.0, 1 + 1e-12, 3.0, 1e-5):
        assert abs(kl_divergence(p * scale, p, renormalize=True)) <= 4 * U * U
    assert kl_divergence([1.0, 0.0], [1.0, 1e-17], renormalize=True) == pytest.approx(math.log1p(1e-17), rel=4 * U)
    with pytest.raises(DomainError, match="q must have a positive total mass"):
        kl_divergence([0.0, 0.0], [0.5, 0.5], renormalize=True)


# ---- binary KL -------------------------------------------------------------------


@given(alphas().flatmap(lambda a: st.tuples(st.just(a), validity_targets(a))))
def test_binary_kl_matches_mpmath_and_the_kl_budget(pair: tuple[float, float]) -> None:
    alpha, mu = pair
    with mp.workdps(REFERENCE_DPS):
        x, y = mpf(mu), mpf(alpha)
        reference = x * mpmath.log(x / y) + (1 - x) * mpmath.log((1 - x) / (1 - y))
    value = binary_kl(mu, alpha)
    assert_close(value, reference, 32 * U * float(reference) + 4 * SUBNORMAL)
    assert_close(value, mpf(float(kl_budget(alpha, mu))), 40 * U * float(reference) + 8 * SUBNORMAL)


def test_binary_kl_at_the_ends_of_the_interval() -> None:
    assert binary_kl(0, 0) == 0.0 and binary_kl(1, 1) == 0.0
    assert binary_kl(0.5, 0) == math.inf and binary_kl(0.5, 1) == math.inf
    assert binary_kl(0, 0.5) == pytest.approx(math.log(2), rel=4 * U)
    assert binary_kl(1, 1e-300) == pytest.approx(300 * math.log(10), rel=4 * U)
    assert binary_kl(0.3, 0.3) == 0.0


def test_binary_kl_equals_the_two_outcome_kl_divergence() -> None:
    for x, y in [(0.2, 0.7), (1e-12, 0.5), (0.999, 1e-3)]:
        assert binary_kl(x, y) == pytest.approx(kl_divergence([x, 1 - x], [y, 1 - y]), rel=64 * U)


# ---- total variation, entropy ----------------------------------------------------


@given(vector_pairs())
def test_total_variation_matches_the_explicit_sum(pair: tuple[np.ndarray, np.ndarray]) -> None:
    p, q = pair
    with mp.workdps(REFERENCE_DPS):
        reference = mpmath.fsum(abs(x - y) for x, y in zip(mp_vector(p), mp_vector(q))) / 2
    value = total_variation(p, q)
    assert_close(value, reference, 2 * U * float(reference))
    assert value == total_variation(q, p) and 0 <= value <= 1


@given(probability_vectors(), st.data())
def test_entropy_matches_the_explicit_sum(p: np.ndarray, data: st.DataObject) -> None:
    p = with_zeros(data.draw, p)
    with mp.workdps(REFERENCE_DPS):
        reference = -mpmath.fsum(x * mpmath.log(x) for x in mp_vector(p) if x > 0)
    assert_close(entropy(p), reference, 8 * U * float(reference) + p.size * 4 * SUBNORMAL)


def test_uniform_distributions_have_entropy_log_k_and_effective_support_k() -> None:
    for k in (1, 2, 7, 64):
        uniform = np.full(k, 1.0 / k)
        assert entropy(uniform) == pytest.approx(math.log(k), rel=8 * U, abs=8 * U)
        assert effective_support(np.concatenate([uniform, np.zeros(3)])) == pytest.approx(k, rel=16 * U)


# ---- Amari alpha-divergence ------------------------------------------------------

AMARI_ORDERS = [-1e3, -3.0, -1e-9, 0.0, 1e-9, 0.25, 0.5, 0.75, 1 - 1e-9, 1.0, 1 + 1e-9, 2.5, 1e3]


@given(vector_pairs(), st.sampled_from(AMARI_ORDERS))
def test_amari_divergence_matches_the_positive_measure_sum_within_64_ulp(pair: tuple[np.ndarray, np.ndarray], alpha: float) -> None:
    p, q = pair
    if alpha in (0.0, 1.0):
        reference = reference_kl_parts(p, q)[1] if alpha == 1.0 else reference_kl_parts(q, p)[1]
    else:
        reference = reference_amari(p, q, alpha)
    value = amari_divergence(p, q, alpha)
    if mpmath.isinf(reference) or float(reference) > 1e300:
        assert value >= 1e300
    else:
        # p^alpha q^{1-alpha} = q e^{alpha L}: the rounding of L = log(p/q) is amplified by |alpha L|
        both = (p > 0) & (q > 0)
        amplification = 1 + float(np.max(np.abs(alpha * np.log(p[both] / q[both])), initial=0.0))
        assert_close(value, reference, 64 * U * amplification * float(reference) + p.size * 4 * SUBNORMAL)


@given(vector_pairs(max_size=8))
def test_amari_divergence_tends_to_forward_and_reverse_kl(pair: tuple[np.ndarray, np.ndarray]) -> None:
    """``D_alpha(p || q) = KL(p || q)`` at ``alpha = 1`` and ``KL(q || p)`` at ``alpha = 0``, and
    ``D_alpha`` approaches them to first order: the gap at ``h = 1e-8`` is about a hundredth
    of the gap at ``h = 1e-6`` (up to the rounding of the values)."""
    p, q = pair
    forward, reverse = amari_divergence(p, q, 1.0), amari_divergence(p, q, 0.0)
    assert forward == pytest.approx(kl_divergence(p, q), rel=64 * U, abs=4 * U)
    assert reverse == pytest.approx(kl_divergence(q, p), rel=64 * U, abs=4 * U)
    for limit, at in ((forward, lambda h: 1 + h), (reverse, lambda h: h)):
        for sign in (1, -1):
            coarse = abs(amari_divergence(p, q, at(sign * 1e-6)) - limit)
            fine = abs(amari_divergence(p, q, at(sign * 1e-8)) - limit)
            assert fine <= coarse / 50 + 256 * U * limit + 1e-300


@given(vector_pairs())
def test_amari_divergence_is_symmetric_under_alpha_to_one_minus_alpha(pair: tuple[np.ndarray, np.ndarray]) -> None:
    p, q = pair
    for alpha in (0.25, -2.0, 3.0):
        assert amari_divergence(p, q, alpha) == amari_divergence(q, p, 1 - alpha)


def test_amari_divergence_at_one_half_is_a_squared_hellinger_distance() -> None:
    p, q = np.array([0.1, 0.6, 0.3]), np.array([0.5, 0.25, 0.25])
    hellinger = 2 * sum((math.sqrt(x) - math.sqrt(y)) ** 2 for x, y in zip(p, q))
    assert amari_divergence(p, q, 0.5) == pytest.approx(hellinger, rel=16 * U)


def test_amari_divergence_is_infinite_exactly_where_the_formula_is() -> None:
    p, q = np.array([0.5, 0.5]), np.array([1.0, 0.0])
    assert amari_divergence(p, q, 2.0) == math.inf  # alpha > 1, q = 0 < p
    assert amari_divergence(p, q, 1.0) == math.inf  # KL(p || q)
    assert amari_divergence(q, p, -1.0) == math.inf  # alpha < 0, p = 0 < q
    assert amari_divergence(q, p, 0.0) == math.inf  # KL(p || q) again, as the reverse KL of (q, p)
    assert amari_divergence(p, q, 0.3) == pytest.approx((1 - 0.5**0.3) / (0.3 * 0.7), rel=16 * U)  # finite for 0 < alpha < 1
    disjoint = amari_divergence([1.0, 0.0], [0.0, 1.0], 0.25)
    assert disjoint == pytest.approx(1 / (0.25 * 0.75), rel=4 * U)


# ---- Renyi divergence ------------------------------------------------------------

RENYI_ORDERS = [0.0, 1e-9, 0.5, 1 - 1e-9, 1.0, 1 + 1e-9, 2.0, 50.0, math.inf]


def reference_renyi(p: np.ndarray, q: np.ndarray, order: float) -> mpf:
    """``D_a(p / sum p || q / sum q)`` by explicit sums."""
    with mp.workdps(REFERENCE_DPS):
        P, Q, a = mp_vector(p), mp_vector(q), mpf(order)
        P, Q = [x / mpmath.fsum(P) for x in P], [y / mpmath.fsum(Q) for y in Q]
        if order == 0:
            return -mpmath.log(mpmath.fsum(y for x, y in zip(P, Q) if x > 0))
        if order == 1:
            return mpmath.fsum(x * mpmath.log(x / y) if y > 0 else mpmath.inf for x, y in zip(P, Q) if x > 0)
        if order == math.inf:
            return mpmath.log(max(x / y if y > 0 else mpmath.inf for x, y in zip(P, Q) if x > 0))
        return mpmath.log(mpmath.fsum(x**a * y ** (1 - a) for x, y in zip(P, Q))) / (a - 1)


def normalization_errors(p: np.ndarray, q: np.ndarray) -> tuple[float, float]:
    """``(sum p - 1, sum q - 1)``, exactly."""
    with mp.workdps(REFERENCE_DPS):
        return float(mpmath.fsum(mp_vector(p)) - 1), float(mpmath.fsum(mp_vector(q)) - 1)


def renyi_normalization_slack(p: np.ndarray, q: np.ndarray, order: float) -> float:
    """The part of the error due to the normalization errors ``e_p, e_q`` of the inputs:
    they are removed to first order, which leaves ``a (e_p - e_q)^2 / 2`` (the second
    order of ``log1p(a (a-1) A)/(a-1)``) and the rounding of ``log1p(e_p)``, ``log1p(e_q)``."""
    e_p, e_q = normalization_errors(p, q)
    weight = 1.0 if order == math.inf else order
    return (1 + weight) * (e_p - e_q) ** 2 + 64 * U * (1 + weight) * (abs(e_p) + abs(e_q))


@given(vector_pairs(), st.sampled_from(RENYI_ORDERS))
def test_renyi_divergence_matches_the_explicit_sum(pair: tuple[np.ndarray, np.ndarray], order: float) -> None:
    """Near 0 the value is ``log1p(a (a-1) D^Amari)/(a-1)``, relative error ``64 u (1 + max |a L|)``
    with ``L = log(p/q)``, plus the normalization slack; elsewhere ``log sum e^{a L + log q}``
    carries an absolute error ``64 u max |a L + log q| / |a - 1|``."""
    p, q = pair
    reference = reference_renyi(p, q, order)
    value = renyi_divergence(p, q, order)
    log_ratios = np.log(p / q)
    amplification = 1 + float(np.max(np.abs(log_ratios))) * (order if order < math.inf else 1)
    bound = 64 * U * amplification * float(abs(reference)) + renyi_normalization_slack(p, q, order) + 1e-300
    if order not in (0, 1, math.inf) and abs(float(reference) * (order - 1)) > 0.5:
        exponents = np.abs(order * log_ratios) + np.abs(np.log(q))
        bound = 64 * U * float(np.max(exponents)) / abs(order - 1)
    assert_close(value, reference, bound)


@given(vector_pairs(max_size=8))
def test_renyi_divergence_is_non_decreasing_in_its_order(pair: tuple[np.ndarray, np.ndarray]) -> None:
    p, q = pair
    values = [renyi_divergence(p, q, order) for order in RENYI_ORDERS]
    for (smaller, larger), order in zip(zip(values, values[1:]), RENYI_ORDERS[1:]):
        slack = 2 * renyi_normalization_slack(p, q, order)
        assert larger >= smaller * (1 - 64 * U) - slack - 1e-300


def test_renyi_divergence_special_orders() -> None:
    p, q = np.array([0.5, 0.5, 0.0]), np.array([0.25, 0.25, 0.5])
    assert renyi_divergence(p, q, 0) == pytest.approx(math.log(2), rel=4 * U)  # -log q(supp p)
    assert renyi_divergence(p, q, math.inf) == pytest.approx(math.log(2), rel=4 * U)  # log max p/q
    assert renyi_divergence(p, q, 1) == pytest.approx(kl_divergence(p, q), rel=8 * U)
    assert renyi_divergence(q, p, 1) == math.inf and renyi_divergence(q, p, 2) == math.inf
    assert renyi_divergence(q, p, 0.5) == pytest.approx(-2 * math.log(2 * math.sqrt(0.125)), rel=8 * U)
    assert renyi_divergence([1.0, 0.0], [0.0, 1.0], 0.5) == math.inf  # disjoint supports


# ---- the mpmath path -------------------------------------------------------------


def test_mpmath_path_at_120_digits_matches_explicit_sums_on_decimal_inputs() -> None:
    p_text = ["0.1", "0.2", "0.3", "0.4"]
    q_text = ["0.4", "0.3", "0.2", "0.1"]
    with mp.workdps(120):
        tolerance = mpf(10) ** -115
        P, Q = [mpf(x) for x in p_text], [mpf(x) for x in q_text]
        with mp.workdps(150):
            kl = mpmath.fsum(x * mpmath.log(x / y) for x, y in zip(Q, P))
            half = mpf(1) / 2
            amari = (mpmath.fsum(mpmath.sqrt(x * y) for x, y in zip(P, Q)) - 1) / (half * (half - 1))
            renyi = mpmath.log(mpmath.fsum(x * x / y for x, y in zip(P, Q)))
            tv = mpmath.fsum(abs(x - y) for x, y in zip(P, Q)) / 2
            h = -mpmath.fsum(x * mpmath.log(x) for x in P)
            bkl = binary_kl_reference(mpf("0.1"), mpf("0.3"))
        for value, reference in [
            (kl_divergence(q_text, p_text), kl),
            (amari_divergence(p_text, q_text, "0.5"), amari),
            (renyi_divergence(p_text, q_text, 2), renyi),
            (total_variation(p_text, q_text), tv),
            (entropy(p_text), h),
            (binary_kl("0.1", "0.3"), bkl),
        ]:
            assert isinstance(value, mpf)
            assert abs(value - reference) <= tolerance * abs(reference)


def binary_kl_reference(x: mpf, y: mpf) -> mpf:
    return x * mpmath.log(x / y) + (1 - x) * mpmath.log((1 - x) / (1 - y))


def test_mpmath_path_does_not_round_through_float64() -> None:
    """``0.1`` as a decimal string and as the float ``0.1`` differ by ``5.5e-18``: at 60 digits
    the two KLs differ, so a float64 detour would show."""
    with mp.workdps(60):
        exact = kl_divergence(["0.1", "0.9"], ["0.2", "0.8"])
        from_floats = kl_divergence([mpf(0.1), mpf(0.9)], [mpf(0.2), mpf(0.8)])
        reference = binary_kl_reference(mpf("0.1"), mpf("0.2"))
        assert abs(exact - reference) <= mpf(10) ** -55
        assert abs(from_floats - reference) > mpf(10) ** -20


def test_mpmath_path_keeps_masses_below_the_float64_range() -> None:
    with mp.workdps(40):
        value = kl_divergence(["1e-400", "1"], ["1e-500", "1"])
        reference = mpf("1e-400") * mpmath.log(mpf("1e100"))
        assert abs(value - reference) <= mpf(10) ** -35 * reference


# ---- input validation ------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda: kl_divergence([0.5, 0.5], [1.0]), ShapeError, "same length"),
        (lambda: kl_divergence([[0.5, 0.5]], [[0.5, 0.5]]), ShapeError, "1-D"),
        (lambda: kl_divergence([], []), ShapeError, "non-empty"),
        (lambda: kl_divergence([-0.1, 1.1], [0.5, 0.5]), DomainError, "q must lie in [0, inf)"),
        (lambda: kl_divergence([0.5, 0.5], [math.nan, 0.5]), DomainError, "p must lie in [0, inf); got NaN"),
        (lambda: kl_divergence([0.5, 0.5], [math.inf, 0.5]), DomainError, "got inf"),
        (lambda: kl_divergence(["0.5", "x"], ["0.5", "0.5"]), DomainError, "q[1] must be a real number"),
        (lambda: kl_divergence(["0.5", "-0.5"], ["0.5", "0.5"]), DomainError, "q[1] must lie in [0, inf)"),
        (lambda: binary_kl(1.5, 0.5), DomainError, "x must lie in [0, 1]"),
        (lambda: binary_kl(0.5, -0.1), DomainError, "y must lie in [0, 1]"),
        (lambda: renyi_divergence([0.5, 0.5], [0.5, 0.5], -1), DomainError, "order must lie in [0, inf]"),
        (lambda: renyi_divergence([0.5, 0.5], [0.5, 0.5], math.nan), DomainError, "order"),
        (lambda: renyi_divergence([0.5, 0.4], [0.5, 0.5], 2), DomainError, "sum of p"),
        (lambda: amari_divergence([0.5, 0.5], [0.5, 0.5], math.inf), DomainError, "alpha must lie in (-inf, inf)"),
        (lambda: total_variation([0.5, 0.5], [0.2, 0.3, 0.5]), ShapeError, "same length"),
        (lambda: entropy([0.5, -0.5]), DomainError, "q must lie in [0, inf)"),
    ],
)
def test_bad_input_raises_a_domain_error_naming_the_argument(call, error, words) -> None:
    with pytest.raises(error) as info:
        call()
    assert words in str(info.value)
