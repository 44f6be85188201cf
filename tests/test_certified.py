"""Certified comparisons: each clause of the verdict rules, on adversarial inputs."""

from fractions import Fraction

import mpmath
import pytest
import sympy as sp
from flint import arb, arb_series, ctx, fmpq
from sympy.codegen.cfunctions import log1p

from proofs_checks.certified import (
    MAX_PREC,
    UnsupportedExpression,
    compare,
    compile_expr,
    enclose,
    exact_fraction,
    exact_text,
)
from theory.symbolic import alpha, beta, binary_kl, logit, mu, sigmoid

R = sp.Rational
MU_BETA = sigmoid(1 / beta + logit(alpha))
PARTITION = 1 - alpha + alpha * sp.exp(1 / beta)
COLD = {alpha: R(3, 10), beta: R(1, 10000)}
"""``beta = 1e-4``: ``1 - mu_beta ~ e^{-10000}``, about ``10^-4343``."""


def interval(bounds: list[str]) -> tuple[mpmath.mpf, mpmath.mpf]:
    """The printed bounds as mpmath numbers (any exponent), with every digit kept."""
    with mpmath.workdps(max(len(b) for b in bounds) + 10):
        return mpmath.mpf(bounds[0]), mpmath.mpf(bounds[1])


def disjoint(certificate: dict) -> bool:
    (a, b), (c, d) = interval(certificate["lhs"]), interval(certificate["rhs"])
    (e, f), (g, h) = (interval(certificate.get(f"{side}_imag", ["0", "0"])) for side in ("lhs", "rhs"))
    return b < c or d < a or f < g or h < e


# --- "=": fails iff the enclosures are disjoint -----------------------------------------

def test_a_difference_of_1e_minus_20_relative_is_certified() -> None:
    result = compare((1 + R(1, 10**20)) * alpha, "=", alpha, {alpha: R(1, 3)})
    assert result.verdict == "fails" and result.method == "arb"
    certificate = result.counterexample()
    assert certificate["point"] == {"alpha": "1/3"} and disjoint(certificate)
    assert set(certificate) >= {"point", "lhs", "rhs", "method", "prec", "detail"}


def test_a_difference_of_1e_minus_30_relative_fails_at_40_digits_and_agrees_at_10() -> None:
    lhs, rhs, point = alpha * (1 + R(1, 10**30)), alpha, {alpha: R(2, 7)}
    assert compare(lhs, "=", rhs, point).verdict == "fails"
    agreed = compare(lhs, "=", rhs, point, agree_digits=10)  # agreement, never a proof
    assert agreed.verdict == "holds" and "agree to 10 digits" in agreed.detail


def test_a_true_identity_holds_by_agreement() -> None:
    kl = binary_kl(mu, alpha)
    through_logits = mu * (logit(mu) - logit(alpha)) + sp.log((1 - mu) / (1 - alpha))
    result = compare(kl, "=", through_logits, {alpha: R(1, 7), mu: R(5, 9)})
    assert result.verdict == "holds" and result.method == "arb"
    (a, b), (c, d) = interval(result.lhs.as_list()), interval(result.rhs.as_list())
    assert a <= d and c <= b


def test_an_exact_zero_side_is_judged_against_the_terms_that_cancel() -> None:
    difference = binary_kl(mu, alpha) - (mu * (logit(mu) - logit(alpha)) + sp.log((1 - mu) / (1 - alpha)))
    result = compare(difference, "=", 0, {alpha: R(1, 7), mu: R(5, 9)})
    assert result.verdict == "holds"
    assert result.rhs.as_list() == ["0", "0"]


def test_a_tiny_value_is_compared_relative_to_itself() -> None:
    for point in ({beta: R(1, 1000)}, {beta: R(1, 10**30)}, {beta: R(1, 10**303)}):
        result = compare(sp.exp(-1 / beta), "=", 2 * sp.exp(-1 / beta), point)
        assert result.verdict == "fails", point
        assert disjoint(result.counterexample())


def test_a_tiny_value_that_is_right_is_not_refuted() -> None:
    lhs = sp.log(sp.exp(-1 / beta) + sp.exp(-2 / beta))
    rhs = -1 / beta + sp.log(1 + sp.exp(-1 / beta))
    for point in ({beta: R(1, 1000)}, {beta: R(1, 10**303)}):
        assert compare(lhs, "=", rhs, point).verdict == "holds"


def test_a_small_argument_is_not_absorbed_by_the_constant_it_is_added_to() -> None:
    assert compare(sp.log(1 + alpha), "=", 2 * alpha, {alpha: R(1, 10**50)}).verdict == "fails"
    assert compare(sp.log(1 + alpha), "=", log1p(alpha), {alpha: R(1, 10**50)}).verdict == "holds"


# --- deep cancellation ------------------------------------------------------------------

def test_one_minus_mu_beta_is_enclosed_relative_to_its_own_size() -> None:
    enclosure = enclose(1 - MU_BETA, COLD)
    assert enclosure is not None and enclosure.prec >= 14000
    low, high = interval(enclosure.as_list())
    assert 0 < low <= high and (high - low) <= low / 10**30
    assert mpmath.mpf("1e-4344") < low < mpmath.mpf("1e-4342")


def test_kl_at_a_deeply_cancelled_mu_is_not_nan_once_the_precision_suffices() -> None:
    result = compare(beta * sp.log(PARTITION), "=", MU_BETA - beta * binary_kl(MU_BETA, alpha), COLD)
    assert result.verdict == "holds" and result.lhs.prec >= 14000


def test_a_false_identity_hidden_below_10_to_the_minus_4000_is_refuted_through_its_log() -> None:
    true = compare(sp.log(1 - MU_BETA), "=", sp.log((1 - alpha) / PARTITION), COLD)
    false = compare(sp.log(1 - MU_BETA), "=", sp.log(2 * (1 - alpha) / PARTITION), COLD)
    assert true.verdict == "holds" and false.verdict == "fails"
    assert disjoint(false.counterexample()) and false.counterexample()["prec"] >= 14000


def test_a_cancellation_of_4000_digits_decides_an_inequality() -> None:
    tiny = R(1, 10**4000)
    assert compare((1 + alpha) - 1, ">", 0, {alpha: tiny}).verdict == "holds"
    assert compare((1 + alpha) - 1, "<", 2 * alpha, {alpha: tiny}).verdict == "holds"
    assert compare((1 + alpha) - 1, ">", 2 * alpha, {alpha: tiny}).verdict == "fails"


# --- inequalities and ties --------------------------------------------------------------

@pytest.mark.parametrize(("relation", "verdict"), [("<", "fails"), ("<=", "holds"), (">", "fails"), (">=", "holds")])
def test_a_tie_the_balls_cannot_decide_is_decided_exactly(relation: str, verdict: str) -> None:
    result = compare(alpha, relation, R(1, 3), {alpha: R(1, 3)})
    assert (result.verdict, result.method) == (verdict, "exact")


def test_a_transcendental_tie_is_exact_only_when_sympy_sees_it() -> None:
    same = compare(sp.log(alpha), "<", sp.log(alpha), {alpha: R(1, 3)})
    assert (same.verdict, same.method) == ("fails", "exact")  # log(1/3) - log(1/3) is 0 exactly
    hidden = compare(sp.log(4 * alpha) / 2, "<=", sp.log(2 * sp.sqrt(alpha)), {alpha: R(1, 3)}, max_prec=1024)
    assert hidden.verdict == "undecided" and "1024 bits" in hidden.detail
    softplus = alpha * sp.log(1 + sp.exp(1 / alpha))  # 1 + alpha log(1 + e^{-1/alpha}): no ball separates it from 1
    tie = compare(softplus, ">=", 1, {alpha: R(1, 10**300)})
    assert (tie.verdict, tie.method) == ("holds", "exact")
    assert compare(softplus, "<", 1, {alpha: R(1, 10**300)}).verdict == "fails"
    # SymPy's assumptions on this number say "non-positive" (floating point); the balls say positive
    assert compare(log1p(alpha), ">", alpha - alpha**2 / 2, {alpha: R(1, 10**300)}).verdict == "holds"
    assert compare(sp.exp(alpha), "<", sp.exp(alpha) + R(1, 10**100), {alpha: R(1, 3)}).verdict == "holds"


@pytest.mark.parametrize(("relation", "verdict"), [("<", "holds"), ("<=", "holds"), (">", "fails"), (">=", "fails")])
def test_strict_and_weak_inequalities_are_certified_by_the_balls(relation: str, verdict: str) -> None:
    result = compare(sp.exp(alpha), relation, sp.exp(alpha) * (1 + R(1, 10**60)), {alpha: R(1, 3)})
    assert (result.verdict, result.method) == (verdict, "arb")


# --- NaN, undefined and non-real values -------------------------------------------------

def test_nan_at_every_precision_is_undecided_never_a_counterexample() -> None:
    result = compare(sp.log(alpha - R(1, 3)), "=", 0, {alpha: R(1, 3) + R(1, 10**5000)}, max_prec=4096)
    assert result.verdict == "undecided"
    assert "NaN at every precision up to 4096 bits" in result.detail and "log" in result.detail


def test_an_undefined_value_is_undecided_and_named() -> None:
    result = compare(alpha * sp.log(alpha), "=", 0, {alpha: R(0)})
    assert result.verdict == "undecided" and "log of 0" in result.detail


def test_a_side_that_is_not_real_is_refuted_on_the_principal_branch() -> None:
    result = compare(sp.log(alpha - 1) + sp.log(mu - 1), "=", sp.log((alpha - 1) * (mu - 1)),
                     {alpha: R(1, 3), mu: R(1, 2)})
    assert result.verdict == "fails" and "not real" in result.detail
    certificate = result.counterexample()
    assert "lhs_imag" in certificate and disjoint(certificate)


def test_sides_that_agree_only_as_complex_numbers_are_undecided() -> None:
    lhs, rhs = sp.sqrt(alpha - 1) * sp.sqrt(alpha - 2), -sp.sqrt((1 - alpha) * (2 - alpha))
    result = compare(lhs, "=", rhs, {alpha: R(1, 3)})
    assert result.verdict == "undecided" and "not real" in result.detail


# --- points and expressions -------------------------------------------------------------

def test_a_point_must_be_exact_and_complete() -> None:
    with pytest.raises(ValueError, match="exact rational"):
        compare(alpha, "=", alpha, {alpha: 0.5})
    with pytest.raises(ValueError, match="no value for mu"):
        compare(alpha, "=", mu, {alpha: R(1, 2)})
    with pytest.raises(ValueError, match="relation must be one of"):
        compare(alpha, "==", alpha, {alpha: R(1, 2)})


def test_an_unknown_head_is_named() -> None:
    with pytest.raises(UnsupportedExpression, match="sin"):
        compile_expr(sp.sin(alpha), [alpha])


def test_a_float_is_its_exact_binary_value() -> None:
    assert compare(sp.Float(0.1), "=", R(1, 10), {}).verdict == "fails"
    assert compare(sp.Float(0.5), "=", R(1, 2), {}).verdict == "holds"


def test_piecewise_min_max_abs_sign() -> None:
    branches = sp.Piecewise((alpha, alpha < R(1, 3)), (1 - 2 * alpha, True))
    assert compare(branches, "=", R(1, 3), {alpha: R(1, 3)}).verdict == "holds"  # both branches agree at the tie
    assert compare(branches, "=", R(1, 4), {alpha: R(1, 4)}).verdict == "holds"
    assert compare(sp.Max(alpha, mu), "=", mu, {alpha: R(1, 3), mu: R(1, 2)}).verdict == "holds"
    assert compare(sp.Min(alpha, 1 - alpha), "=", alpha, {alpha: R(2, 3)}).verdict == "fails"
    assert compare(sp.Abs(alpha - R(1, 2)), "=", R(1, 2) - alpha, {alpha: R(1, 10**400)}).verdict == "holds"
    assert compare(sp.sign(alpha - mu), "=", -1, {alpha: R(1, 3), mu: R(1, 3) + R(1, 10**1000)}).verdict == "holds"


def test_series_arguments_give_taylor_coefficients() -> None:
    function = compile_expr(sp.exp(alpha) * sp.log(alpha), [alpha])
    with ctx.workprec(128):
        series = function(arb_series([arb(fmpq(1, 2)), 1], prec=3))
        derivative = series.coeffs()[1]
        expected = arb(fmpq(1, 2)).exp() * (arb(fmpq(1, 2)).log() + 2)
    assert (derivative - expected).abs_upper() < arb(10) ** -30


def test_enclose_accepts_a_ball_around_zero_only_at_the_precision_cap() -> None:
    zero = sp.log(alpha**2) - 2 * sp.log(alpha)
    assert zero != 0
    enclosure = enclose(zero, {alpha: R(1, 3)}, max_prec=1024)
    assert enclosure is not None and enclosure.prec == 1024
    low, high = exact_fraction(enclosure.low), exact_fraction(enclosure.high)
    assert low <= 0 <= high
    assert enclose(sp.log(alpha), {alpha: R(0)}) is None


def test_enclosures_are_rounded_outward() -> None:
    enclosure = enclose(alpha, {alpha: R(1, 3)})
    low, high = exact_fraction(enclosure.low), exact_fraction(enclosure.high)
    assert low < Fraction(1, 3) < high and high - low < Fraction(1, 10**30)


@pytest.mark.parametrize("value", [R(3, 8), R(-15, 10**400), R(10**20), R(7, 3), R(1, 2**70), R(0), R(1, 10**5000)])
def test_point_text_reads_back_exactly(value: sp.Rational) -> None:
    text = exact_text(value)
    assert exact_fraction(text) == Fraction(int(value.p), int(value.q))
    if len(text) < 4000:
        assert sp.Rational(text) == value


def test_the_precision_cap_is_documented() -> None:
    assert MAX_PREC == 2**17
