"""The branch and bound: mean-value and Taylor forms close what plain interval
evaluation cannot, splits follow the scale of each axis, a violation stops the
search only once confirmed, and a search that runs out of budget proves nothing."""

from fractions import Fraction

import pytest
import sympy as sp
from flint import arb, fmpq
from sympy.codegen.cfunctions import log1p

from proofs_checks.branch_and_bound import Axis, Budget, prove_positive, split_point, tidy
from proofs_checks.certified import compile_expr
from theory.symbolic import alpha, beta, binary_kl, mu

F = Fraction
x = sp.Symbol("x", positive=True)
CUBIC_GAP = log1p(x) - x + x**2 / 2  # = x^3/3 - x^4/4 + ...: positive, with terms of size x cancelling


def test_log1p_minus_its_quadratic_closes_on_1e_minus_3_to_1_in_few_boxes() -> None:
    outcome = prove_positive(CUBIC_GAP, [x], [Axis(F(1, 1000), F(1), F(0))])
    assert outcome.verdict == "proved" and not outcome.open
    assert outcome.boxes <= 40, outcome.boxes  # 27 at the time of writing


def test_plain_interval_evaluation_does_not_close_it_in_thousands_of_boxes() -> None:
    """Bisection in log x with the naive enclosure alone: the terms of size x cancel to x^3/3."""
    f = compile_expr(CUBIC_GAP, [x])
    boxes, stack = 0, [(F(1, 1000), F(1))]
    while stack and boxes < 3000:
        low, high = stack.pop()
        boxes += 1
        value = f(arb(fmpq(low.numerator, low.denominator)).union(arb(fmpq(high.numerator, high.denominator))))
        if not value > 0:
            cut = split_point(Axis(F(1, 1000), F(1), F(0)), low, high)
            stack += [(low, cut), (cut, high)]
    assert stack, "plain interval evaluation closed the box"


def test_a_tight_bound_in_two_variables_closes_on_the_default_box() -> None:
    """kl(mu || alpha) <= log(1/alpha), the gap vanishing as mu -> 1, with mu = alpha + u (1 - alpha)."""
    u = sp.Symbol("u", positive=True)
    gap = (sp.log(1 / alpha) - binary_kl(mu, alpha)).xreplace({mu: alpha + u * (1 - alpha)})
    edge = F(1, 10**6)
    outcome = prove_positive(gap, [alpha, u], [Axis(edge, 1 - edge, F(0), F(1))] * 2)
    assert outcome.verdict == "proved", (outcome.boxes, len(outcome.open))


def test_factoring_removes_the_dependency_of_a_relative_coordinate() -> None:
    u = sp.Symbol("u", positive=True)
    assert tidy(1 - alpha - u * (1 - alpha)) in ((1 - alpha) * (1 - u), (alpha - 1) * (u - 1))


def test_a_violation_is_handed_to_confirm_and_stops_the_search() -> None:
    seen = []
    outcome = prove_positive(CUBIC_GAP - x**3 / 3, [x], [Axis(F(1, 1000), F(1), F(0))],
                             confirm=lambda point: seen.append(point) or point)
    assert outcome.verdict == "refuted" and outcome.counterexample == seen[0]
    assert isinstance(seen[0][x], Fraction) and F(1, 1000) <= seen[0][x] <= 1


def test_an_unconfirmed_violation_is_not_a_counterexample() -> None:
    outcome = prove_positive(-x, [x], [Axis(F(1, 10), F(1), F(0))], budget=Budget(boxes=50))
    assert outcome.verdict == "undecided" and outcome.exhausted and outcome.counterexample is None


def test_a_bound_touching_zero_inside_the_box_is_never_proved() -> None:
    """(alpha - 1/2)^2 > 0 fails at the midpoint 1/2, exactly; (alpha - 1/3)^2 >= 0 holds
    but touches 0 at 1/3, which no box can exclude: the boxes around it stay open."""
    axis = Axis(F(1, 10), F(9, 10), F(0), F(1))
    strict = prove_positive((alpha - sp.Rational(1, 2)) ** 2, [alpha], [axis], confirm=lambda point: point)
    assert strict.verdict == "refuted" and strict.counterexample[alpha] == F(1, 2)
    weak = prove_positive((alpha - sp.Rational(1, 3)) ** 2, [alpha], [axis], strict=False,
                          budget=Budget(boxes=300), confirm=lambda point: point)
    assert weak.verdict == "undecided" and weak.open and weak.counterexample is None
    nearest = min(weak.open, key=lambda box: abs((box[0][0] + box[1][0]) / 2 - F(1, 3)))
    assert nearest[0][0] <= F(1, 3) <= nearest[1][0]


def test_the_seconds_budget_stops_the_search() -> None:
    outcome = prove_positive((alpha - sp.Rational(1, 3)) ** 2, [alpha], [Axis(F(1, 10), F(9, 10), F(0), F(1))],
                             strict=False, budget=Budget(boxes=10**9, seconds=0.2))
    assert outcome.verdict == "undecided" and outcome.exhausted and outcome.seconds < 5


@pytest.mark.parametrize(("axis", "low", "high", "expected"), [
    (Axis(F(1, 10**6), F(1, 2), F(0), F(1)), F(1, 10**6), F(1, 2), F(71, 10**5)),  # log scale near 0
    (Axis(F(1, 2), 1 - F(1, 10**6), F(0), F(1)), F(1, 2), 1 - F(1, 10**6), 1 - F(71, 10**5)),  # near 1
    (Axis(F(1, 1000), F(1000), F(0)), F(1, 1000), F(1000), F(1)),  # no upper end: log scale both ways
    (Axis(F(1, 4), F(3, 4), F(0), F(1)), F(1, 4), F(3, 4), F(1, 2)),  # away from the ends: midpoint
])
def test_splits_follow_the_scale_of_the_axis(axis: Axis, low: F, high: F, expected: F) -> None:
    assert split_point(axis, low, high) == expected


def test_an_axis_must_be_a_nonempty_interval_inside_its_range() -> None:
    with pytest.raises(ValueError, match="floor <= low < high <= ceiling"):
        Axis(F(1, 2), F(1, 2), F(0), F(1))
    with pytest.raises(ValueError, match="floor <= low < high <= ceiling"):
        Axis(F(1, 2), F(2), F(0), F(1))


def test_wide_balls_keep_their_sign_through_exp_products_and_powers() -> None:
    """e^{1/beta} on beta in [1/215, 1/206]: radius propagation would give a ball around 0."""
    b = arb(fmpq(1, 215)).union(arb(fmpq(1, 206)))
    assert compile_expr(sp.exp(1 / beta), [beta])(b) > 0
    a = arb(fmpq(1, 10**5)).union(arb(fmpq(2, 10**5)))
    assert compile_expr(alpha * sp.exp(1 / beta) / (1 - alpha + alpha * sp.exp(1 / beta)), [alpha, beta])(a, b) > 0
    around = arb(-1).union(arb(1))
    square = compile_expr(alpha**2, [alpha])(around)  # [0, 1] up to rounding, not NaN
    assert square.is_finite() and square.contains(0) and square.contains(1) and square > arb("-1e-6")
