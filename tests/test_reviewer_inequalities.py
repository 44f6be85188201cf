"""Reviewer inequality claims: the example file's verdicts, the box proof in the
evidence, and bad input as one line through the command line."""

import re

import pytest

from proofs_checks.claim import REGISTRY
from reviewer_files import EXAMPLES, assert_documented, assert_certified, bad_file_error, examples_run

FILE = EXAMPLES / "reviewer_inequalities.py"
EXPECTED = {
    "review-budget-below-log-alpha": "verified",
    "review-validity-above-base": "proved",
    "review-log1p-above-quadratic": "verified",
    "review-log-alpha-below-700": "refuted",
    "review-budget-below-quadratic": "refuted",
    "review-square-gap": "refuted",
}


@pytest.fixture(scope="module")
def run():
    return examples_run()


def test_the_examples_come_out_as_documented(run) -> None:
    assert_documented(run, FILE, EXPECTED)


def test_a_box_proof_names_its_box_and_is_at_most_verified(run) -> None:
    result = run.results["review-budget-below-log-alpha"]
    numeric = next(e for e in result.evidence if e.layer == "numeric")
    assert numeric.outcome == "passed"
    assert numeric.fields["scope"].startswith("proved on the box alpha in [1e-6, 1 - 1e-6], mu = alpha + "
                                              "u_mu*(1 - alpha) with u_mu in [1e-6, 1 - 1e-6] by branch and bound")
    assert numeric.fields["scope"] in numeric.summary
    assert result.status == "verified"  # the symbolic layer did not prove it on the open domain


def test_every_refutation_is_certified(run) -> None:
    for cid in ("review-log-alpha-below-700", "review-budget-below-quadratic", "review-square-gap"):
        refuted = [e for e in run.results[cid].evidence if e.outcome == "refuted"]
        assert refuted, cid
        for evidence in refuted:
            assert_certified(evidence.counterexample)


def test_a_bound_false_only_at_a_domain_edge_is_refuted_at_a_corner_outside_the_box(run) -> None:
    numeric = next(e for e in run.results["review-log-alpha-below-700"].evidence if e.layer == "numeric")
    assert numeric.counterexample["point"]["alpha"] in ("1e-1000", "1e-300")


def test_a_bound_false_only_near_one_point_is_refuted_by_the_branch_and_bound(run) -> None:
    numeric = next(e for e in run.results["review-square-gap"].evidence if e.layer == "numeric")
    assert "found by branch and bound" in numeric.counterexample["case"]
    point = float(numeric.counterexample["point"]["alpha"])
    assert abs(point - 1 / 3) < 1e-7


BAD = [
    ({"op": '"="'}, "op must be one of <, <=, >, >=; got '='; for an identity use identity_claim"),
    ({"op": '"=<"'}, "op must be one of"),
    ({"lhs": '"alpha + x"'}, "lhs: unknown symbol x"),
    ({"lhs": '"lgo(alpha)"'}, "lhs: unknown function lgo"),
    ({"rhs": '"alpha < 1"'}, "rhs: .* is a relation"),
    ({"lhs": '"1"', "rhs": '"2"'}, "lhs - rhs = -1 is a constant"),
    ({"domain": '{"alpha": ("1/2", "1/2")}'}, r"domain\['alpha'\] = \(1/2, 1/2\): the interval is empty"),
    ({"domain": '{"alpha": ("0", "2")}'}, r"domain\['alpha'\] = \(0, 2\): the upper bound is above 1"),
    ({"domain": '{"beta": ("0", "1")}'}, "domain: no bounds for alpha"),
    ({"box": '{"alpha": ("0", "1/2")}'}, r"box\['alpha'\] = \(0, 1/2\): allowed: floor < low < high < ceiling"),
    ({"box": '{"alpha": ("1/4", "1/E")}'}, r"box\['alpha'\] = \(1/4, 1/E\): the bounds must be rational numbers"),
    ({"box": '{"beta": ("1", "2")}'}, "box: 'beta' is not a symbol of the domain"),
    ({"max_boxes": "0"}, "max_boxes must be a positive integer; got 0"),
    ({"max_seconds": "-1"}, "max_seconds must be a positive number; got -1"),
]


@pytest.mark.parametrize(("override", "message"), BAD)
def test_bad_input_is_one_line_naming_the_claim_and_the_argument(tmp_path, capsys, override: dict,
                                                                 message: str) -> None:
    arguments = {"lhs": '"alpha"', "op": '"<"', "rhs": '"2*alpha"', "domain": '{"alpha": ("0", "1")}', **override}
    call = ", ".join(f"{name}={value}" for name, value in arguments.items())
    body = ("from proofs_checks import inequality_claim\n"
            f"inequality_claim(id='review-bad-inequality', title='bad', {call})\n")
    error = bad_file_error(tmp_path, capsys, body)
    assert "review.py:2: RegistryError: claim 'review-bad-inequality'" in error
    assert re.search(message, error), error
    assert "review-bad-inequality" not in REGISTRY
