"""Domains: validation against the symbols' meaning, and exact points that reach
every bound, far out along an infinite bound, and both sides of every breakpoint."""

import random

import pytest
import sympy as sp
from flint import arb, ctx, fmpq
from hypothesis import HealthCheck, find, given, settings

from proofs_checks.certified import compile_expr
from proofs_checks.domains import MEANING, Domain, DomainSpecError, breakpoints, domain_points
from theory.symbolic import alpha, beta, mu

R, oo = sp.Rational, sp.oo
UNIT = Domain({alpha: (0, 1)})
ORDERED = Domain({alpha: (0, 1), mu: (alpha, 1)})


def test_the_meanings_of_the_reviewer_symbols() -> None:
    assert MEANING == {"alpha": (0, 1), "mu": (0, 1), "beta": (0, oo)}


@pytest.mark.parametrize(
    ("bounds", "message"),
    [
        ({alpha: (-1, 1)}, r"domain\['alpha'\] = \(-1, 1\): the lower bound is below 0.*allowed: alpha in \(0, 1\)"),
        ({beta: (-1, oo)}, r"domain\['beta'\] = \(-1, oo\): the lower bound is below 0.*allowed: beta in \(0, oo\)"),
        ({alpha: (0, 1), mu: (0, 2)}, r"domain\['mu'\] = \(0, 2\): the upper bound is above 1.*allowed: mu in \(0, 1\)"),
        ({alpha: (0, oo)}, r"the upper bound is above 1"),
        ({alpha: (0, sp.pi / 3)}, r"domain\['alpha'\] = \(0, pi/3\): the upper bound is above 1"),
        ({alpha: (R(1, 2), R(1, 2))}, r"domain\['alpha'\] = \(1/2, 1/2\): the interval is empty or reversed"),
        ({alpha: (R(3, 4), R(1, 2))}, r"the interval is empty or reversed"),
        ({alpha: (0, 1), mu: (alpha, alpha)}, r"domain\['mu'\] = \(alpha, alpha\): the interval is empty"),
        ({alpha: (0, 1), mu: (alpha, R(1, 2))}, r"domain\['mu'\] = \(alpha, 1/2\): the interval is empty or "
                                                r"reversed at alpha = 0\.999"),
        ({alpha: (0, 1), mu: (alpha, 2 * alpha)}, r"the upper bound is above 1 at alpha = 0\.999"),
        ({mu: (alpha, 1), alpha: (0, 1)}, r"domain\['mu'\] = \(alpha, 1\): bounds may only use earlier symbols"),
        ({alpha: (-oo, 1)}, r"the lower bound must be finite"),
        ({alpha: (0, 1), mu: (alpha, -oo)}, r"the upper bound must be finite or oo"),
    ],
)
def test_a_bad_domain_names_the_symbol_its_bounds_and_the_allowed_range(bounds: dict, message: str) -> None:
    with pytest.raises(DomainSpecError, match=message):
        Domain(bounds).validate()


@pytest.mark.parametrize(
    "bounds",
    [{alpha: (0, 1), mu: (alpha, 1)}, {beta: (0, oo)}, {alpha: (0, sp.pi / 4)},
     {alpha: (0, 1), mu: (alpha, sp.sqrt(alpha))}, {alpha: (0, 1), mu: (alpha**2, alpha)},
     {alpha: (0, R(1, 10**300))}],
)
def test_good_domains_pass(bounds: dict) -> None:
    Domain(bounds).validate()


def test_a_custom_meaning() -> None:
    with pytest.raises(DomainSpecError, match=r"allowed: alpha in \(0, 1/2\)"):
        UNIT.validate({alpha: (0, R(1, 2))})


def strictly_inside(domain: Domain, point: dict) -> bool:
    """Every coordinate an exact rational, certified (arb at 20000 bits) strictly inside."""
    symbols = list(point)
    if not all(isinstance(point[s], sp.Rational) for s in symbols):
        return False
    with ctx.workprec(20000):
        args = [arb(fmpq(int(point[s].p), int(point[s].q))) for s in symbols]
        for symbol, (low, high) in domain.bounds.items():
            gaps = [symbol - low] + ([] if high == oo else [high - symbol])
            if not all(compile_expr(gap, symbols)(*args) > 0 for gap in gaps):
                return False
    return True


def test_points_are_exact_and_strictly_inside_even_for_irrational_bounds() -> None:
    domain = Domain({alpha: (0, sp.pi / 4), mu: (alpha, sp.sqrt(alpha))})
    points = domain.points(random.Random(3), 30)
    assert len(points) >= 30 + 4 * 3
    assert all(strictly_inside(domain, p) for p in points)


def test_every_bound_is_approached_far_below_float64() -> None:
    points = ORDERED.points(random.Random(0), 24)
    assert all(strictly_inside(ORDERED, p) for p in points)
    alphas = [p[alpha] for p in points]
    assert min(alphas) <= R(1, 10**1000) and min(1 - a for a in alphas) <= R(1, 10**1000)
    gaps = [p[mu] - p[alpha] for p in points]
    assert min(gaps) <= R(1, 10**1000) and min(1 - p[mu] for p in points) <= R(1, 10**1000)
    assert R(1, 10**300) >= min(a for a in alphas if a > R(1, 10**400))  # 1e-300 is visited too


def test_an_infinite_upper_bound_is_sampled_out_to_1e1000() -> None:
    points = Domain({beta: (0, oo)}).points(random.Random(0), 24)
    betas = [p[beta] for p in points]
    assert max(betas) >= 10**1000 and any(10**300 <= b < 10**301 for b in betas)
    assert min(betas) <= R(1, 10**1000) and all(b > 0 for b in betas)


def test_interior_points_have_many_random_digits() -> None:
    points = UNIT.points(random.Random(5), 60)
    interior = [p[alpha] for p in points if R(1, 100) < p[alpha] < R(99, 100)]
    assert len(interior) >= 10
    assert all(p.q >= 10**19 for p in interior)  # not a k/1000 grid: 20 to 40 random digits
    assert sum(p.q >= 10**39 for p in interior) >= 10
    assert len(set(interior)) == len(interior)


def test_points_are_deterministic_for_a_seed() -> None:
    assert ORDERED.points(random.Random(9), 10) == ORDERED.points(random.Random(9), 10)
    assert ORDERED.points(random.Random(9), 10) != ORDERED.points(random.Random(10), 10)


def test_breakpoints_of_piecewise_min_max_abs_and_sign() -> None:
    found = breakpoints([sp.Piecewise((alpha, alpha < R(1, 3)), (1, True)), sp.Max(alpha, mu),
                         sp.Abs(alpha - R(1, 2)), sp.sign(mu - R(1, 4)), sp.Min(alpha, 1 - alpha)])
    expected = [alpha - R(1, 3), alpha - mu, alpha - R(1, 2), mu - R(1, 4), 2 * alpha - 1]
    assert len(found) == len(expected)
    assert all(any(sp.simplify(f - e) == 0 or sp.simplify(f + e) == 0 for f in found) for e in expected)


def test_points_straddle_each_breakpoint_inside_the_interval() -> None:
    exprs = (sp.Abs(alpha - R(1, 2)), sp.Piecewise((mu, mu < alpha + R(1, 10)), (0, True)))
    points = Domain({alpha: (0, R(4, 5)), mu: (alpha, 1)}).points(random.Random(1), 10, exprs)
    near_half = [p[alpha] - R(1, 2) for p in points if abs(p[alpha] - R(1, 2)) < R(1, 10**29)]
    assert any(d > 0 for d in near_half) and any(d < 0 for d in near_half)
    near_switch = [p[mu] - p[alpha] - R(1, 10) for p in points if abs(p[mu] - p[alpha] - R(1, 10)) < R(1, 10**29)]
    assert any(d > 0 for d in near_switch) and any(d < 0 for d in near_switch)


def test_a_root_at_a_bound_gives_no_point_outside() -> None:
    points = ORDERED.points(random.Random(2), 10, (sp.Max(alpha, mu),))
    assert all(strictly_inside(ORDERED, p) for p in points)


@settings(max_examples=150, database=None, deadline=None, suppress_health_check=list(HealthCheck))
@given(domain_points(Domain({alpha: (0, 1), beta: (0, oo), mu: (alpha, 1)}), (sp.Abs(alpha - R(1, 2)),)))
def test_the_strategy_draws_exact_points_inside(point: dict) -> None:
    assert strictly_inside(Domain({alpha: (0, 1), beta: (0, oo), mu: (alpha, 1)}), point)


def test_the_strategy_reaches_extreme_depths_and_shrinks() -> None:
    strategy = domain_points(ORDERED)
    tiny = find(strategy, lambda p: p[alpha] < R(1, 10**400), settings=settings(database=None, max_examples=2000))
    assert strictly_inside(ORDERED, tiny)
    large = find(domain_points(Domain({beta: (0, oo)})), lambda p: p[beta] > 10**500,
                 settings=settings(database=None, max_examples=2000))
    assert large[beta] > 10**500
    straddle = find(domain_points(UNIT, (sp.Abs(alpha - R(1, 2)),)),
                    lambda p: 0 < p[alpha] - R(1, 2) < R(1, 10**20), settings=settings(database=None, max_examples=2000))
    assert straddle[alpha] > R(1, 2)
