"""Reviewer limit and asymptotic claims: the example file's verdicts (a trend never
proves nor refutes: only SymPy does), the rate in the evidence, and bad input."""

import re

import pytest

from proofs_checks.claim import REGISTRY
from proofs_checks.reviewer_limits import Approach, MIN_EXPONENT, limit_claim
from proofs_checks.layers import RunConfig, run_layer
from reviewer_files import EXAMPLES, assert_documented, PROFILE, bad_file_error, examples_run

FILE = EXAMPLES / "reviewer_limits.py"
EXPECTED = {
    "review-value-at-high-temperature": "proved",
    "review-budget-supremum": "proved",
    "review-value-gap-faster-than-beta": "proved",
    "review-value-gap-linear": "refuted",
    "review-budget-quadratic": "proved",
    "review-budget-quadratic-wrong-constant": "refuted",
    "review-budget-gap-rate": "proved",
    "review-budget-gap-rate-wrong": "refuted",
    "review-max-log": "proved",
    "review-max-log-wrong-rate": "refuted",
    "review-max-log-parameter": "inconclusive",
}


@pytest.fixture(scope="module")
def run():
    return examples_run()


def test_the_examples_come_out_as_documented(run) -> None:
    assert_documented(run, FILE, EXPECTED)


def test_a_trend_never_refutes_and_a_wrong_rate_is_never_verified(run) -> None:
    for cid in ("review-value-gap-linear", "review-budget-quadratic-wrong-constant", "review-budget-gap-rate-wrong",
                "review-max-log-wrong-rate", "review-max-log-parameter"):
        layers = {e.layer: e for e in run.results[cid].evidence}
        assert layers["numeric"].outcome == "inconclusive" and layers["property"].outcome == "inconclusive", cid
        assert "no approach seen" in layers["numeric"].summary
    refuted = {e.layer: e for e in run.results["review-budget-quadratic-wrong-constant"].evidence}["symbolic"]
    assert refuted.outcome == "refuted" and refuted.counterexample["method"] in ("arb", "exact")


def test_the_approach_shows_the_rate(run) -> None:
    numeric = {e.layer: e for e in run.results["review-value-gap-faster-than-beta"].evidence}["numeric"]
    assert numeric.fields["scope"].startswith("a numeric trend, not a proof: beta -> 0+")
    worst = numeric.fields["worst_case"]
    assert worst.startswith("approaches: beta -> 0") and "fitted exponents" in worst


def test_a_plateau_and_a_slow_approach_are_not_approaches() -> None:
    mpf = __import__("mpmath").mpf
    plateau = Approach({}, distances=[mpf(10) ** -k for k in range(1, 13)],
                       magnitudes=[(mpf(10) ** -9 + mpf(10) ** -k,) * 2 for k in range(1, 13)])
    approaches, why = plateau.verdict(mpf(1))
    assert not approaches and "fitted exponent" in why
    slow = Approach({}, distances=[mpf(10) ** -k for k in (1, 2, 4, 8)],
                    magnitudes=[(1 / mpf(k), 1 / mpf(k)) for k in (1, 2, 4, 8)])
    assert not slow.verdict(mpf(1))[0] and slow.exponents()[-1] < MIN_EXPONENT
    fast = Approach({}, distances=[mpf(10) ** -k for k in (1, 2, 3)],
                    magnitudes=[(mpf(10) ** -k, mpf(10) ** -k) for k in (1, 2, 3)])
    assert fast.verdict(mpf(1)) == (True, "")


def test_a_limit_point_inside_the_domain_is_an_ordinary_limit() -> None:
    claim = limit_claim(id="review-limit-interior", title="t", expr="exp(alpha)", var="alpha", point="1/2",
                        value="exp(1/2)", domain={"alpha": ("0", "1")})
    try:
        assert run_layer(claim, "numeric", RunConfig(profile=PROFILE)).outcome == "passed"
    finally:
        REGISTRY.pop("review-limit-interior")


BAD = [
    ({"var": '"gamma"'}, "var must be one of alpha, beta, mu; got 'gamma'"),
    ({"var": '"mu"'}, "expr does not depend on var mu"),
    ({"direction": '"up"'}, "direction must be '\\+' \\(from above\\) or '-' \\(from below\\); got 'up'"),
    ({"point": '"2"'}, r"point: 2 approached from above is outside the closure of domain\['beta'\] = \(0, 1\)"),
    ({"point": '"1"'}, r"point: 1 approached from above is outside the closure"),
    ({"point": '"oo"'}, r"point: oo is outside the closure of domain\['beta'\] = \(0, 1\)"),
    ({"point": '"-oo"'}, "point: -oo is outside the closure of every domain"),
    ({"point": '"alpha"'}, "domain: no bounds for alpha"),
    ({"point": '"log(2)/2"'}, "point: log\\(2\\)/2 must be a rational number or a rational function"),
    ({"value": '"1 +"'}, "value: cannot parse"),
    ({"expr": '"beta*x"'}, "expr: unknown symbol x"),
    ({"domain": '{"beta": ("1", "0")}'}, r"domain\['beta'\] = \(1, 0\): the interval is empty"),
    ({"domain": '{"beta": ("0", "1"), "mu": ("beta", "1")}', "expr": '"beta*mu"'},
     r"domain\['mu'\] depends on beta, the limit variable"),
]


@pytest.mark.parametrize(("override", "message"), BAD)
def test_bad_input_is_one_line_naming_the_claim_and_the_argument(tmp_path, capsys, override: dict,
                                                                 message: str) -> None:
    arguments = {"expr": '"beta*log(beta)"', "var": '"beta"', "point": '"0"', "value": '"0"',
                 "domain": '{"beta": ("0", "1")}', **override}
    call = ", ".join(f"{name}={value}" for name, value in arguments.items())
    body = f"from proofs_checks import limit_claim\nlimit_claim(id='review-bad-limit', title='bad', {call})\n"
    error = bad_file_error(tmp_path, capsys, body)
    assert "review.py:2: RegistryError: claim 'review-bad-limit'" in error
    assert re.search(message, error), error
    assert "review-bad-limit" not in REGISTRY


def test_an_approximation_that_is_a_multiple_of_the_expression_is_refused(tmp_path, capsys) -> None:
    body = ("from proofs_checks import asymptotic_claim\n"
            "asymptotic_claim(id='review-bad-rate', title='bad', expr='beta**2', approx='2*beta**2', var='beta',\n"
            "                 point='0', domain={'beta': ('0', '1')})\n")
    error = bad_file_error(tmp_path, capsys, body)
    assert "claim 'review-bad-rate': approx: expr/approx = 1/2 must depend on beta" in error
