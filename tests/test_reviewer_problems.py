"""Reviewer properties of every finite problem: the example file's verdicts, exact
counterexamples (minimal problems, floats in full), the symbolic statement tied to
the check, and a check that raises or returns the wrong type."""

import re

import numpy as np
import pytest

from proofs_checks import Relation, problem_claim
from proofs_checks.claim import REGISTRY
from proofs_checks.layers import RunConfig, run_layer
from reviewer_files import EXAMPLES, assert_documented, PROFILE, bad_file_error, examples_run

FILE = EXAMPLES / "reviewer_problems.py"
EXPECTED = {
    "review-conditional-entropy": "proved",
    "review-tilt-raises-valid-outputs": "proved",
    "review-tilt-raises-every-output": "refuted",
    "review-forward-kl-finite": "verified",
    "review-reverse-kl-finite": "refuted",
    "review-filtered-never-peaked": "refuted",
}


@pytest.fixture(scope="module")
def run():
    return examples_run()


def test_the_examples_come_out_as_documented(run) -> None:
    assert_documented(run, FILE, EXPECTED)


def test_a_counterexample_is_a_shrunk_problem_shown_exactly(run) -> None:
    layers = {e.layer: e for e in run.results["review-tilt-raises-every-output"].evidence}
    found = layers["property"].counterexample
    assert found["example"] == "(BinaryRewardProblem([0.5, 0.5], [1, 0]), 1.0)"
    assert found["point"] == {"base": "[0.5, 0.5]", "valid": "[1, 0]", "beta": "1.0"}
    assert found["method"] == "mpmath" and "entry 1" in found["detail"]  # the invalid output
    numeric = layers["numeric"].counterexample
    assert set(numeric["point"]) == {"base", "valid", "beta"} and numeric["method"] == "mpmath"


def test_the_symbolic_statement_is_proved_for_every_n(run) -> None:
    symbolic = {e.layer: e for e in run.results["review-conditional-entropy"].evidence}["symbolic"]
    assert symbolic.outcome == "passed" and symbolic.fields["complete"]
    assert symbolic.fields["scope"].startswith("every finite problem")
    assert set(symbolic.fields["steps"][0]["assumes"]) >= {"binary-reward", "finite-outputs", "base-positive"}


def test_a_check_that_raises_at_run_time_fails_its_layers_and_gives_no_verdict() -> None:
    def fragile(problem, beta):
        if problem.n > 4:  # the test problem at registration has 4 outcomes
            raise ZeroDivisionError("too many outcomes")
        return Relation(problem.validity_rate(beta), ">=", problem.alpha)

    claim = problem_claim(id="review-fragile-check", title="t", check=fragile)
    try:
        for layer in ("numeric", "property"):
            evidence = run_layer(claim, layer, RunConfig(profile=PROFILE))
            assert evidence.outcome == "failed", evidence.summary
            assert "CheckError: claim 'review-fragile-check': check raised ZeroDivisionError" in evidence.summary
            assert evidence.counterexample is None
    finally:
        REGISTRY.pop("review-fragile-check")


def test_a_relation_between_a_vector_and_a_number_compares_every_entry() -> None:
    claim = problem_claim(id="review-masses-at-most-one", title="t",
                          check=lambda problem, beta: (problem.tilted(beta), "<=", 1))
    try:
        assert run_layer(claim, "property", RunConfig(profile=PROFILE)).outcome == "passed"
    finally:
        REGISTRY.pop("review-masses-at-most-one")


BAD = [
    ("check=42", "check must be a function check\\(problem, beta\\); got 42"),
    ("check=lambda problem: True", "check must take \\(problem, beta\\)"),
    ("check=lambda problem, beta: 1 / 0", "check raised ZeroDivisionError: division by zero on "
                                          "BinaryRewardProblem\\(\\[0.1, 0.2, 0.3, 0.4\\], \\[1, 0, 0, 1\\]\\)"),
    ("check=lambda problem, beta: problem.alpha", "must return a Relation\\(lhs, op, rhs\\), a tuple \\(lhs, op, rhs\\) "
                                                  "or a bool; got float"),
    ("check=lambda problem, beta: 'yes'", "got str"),
    ("check=lambda problem, beta: (1, '==', 1)", "the relation's op must be one of =, <, <=, >, >=; got '=='"),
    ("check=lambda problem, beta: (problem.base, '<=', problem.base[:2])", "sides have lengths 4 and 2"),
    ("check=lambda problem, beta: (np.ones((2, 2)), '<=', 1)", "must be a number or a non-empty 1-D vector"),
    ("check=lambda problem, beta: ('a', '<=', 1)", "must hold numbers; got 'a'"),
    ("check=CHECK, symbolic=('p_beta', '>=', 'a')", "symbolic: its lhs is \\[.*\\] on the test problem .*, but the "
                                                    "check's lhs is \\[.*\\]: they do not state the same thing"),
    ("check=CHECK, symbolic=('v*p_beta', '<=', 'v*a')", "symbolic: op '<=' differs from the check's '>='"),
    ("check=CHECK, symbolic=('v*q', '>=', 'v*a')", "symbolic lhs: unknown symbol q in 'v\\*q'; use a, v, p_beta"),
    ("check=CHECK, symbolic=('v*p_beta', '>=')", "symbolic must be a tuple \\(lhs, op, rhs\\) of strings"),
    ("check=lambda problem, beta: True, symbolic=('p_beta', '>=', 'a')", "symbolic: the statement is False on the "
                                                                         "test problem .*, but the check returns True"),
]


@pytest.mark.parametrize(("arguments", "message"), BAD)
def test_bad_input_is_one_line_naming_the_claim_and_the_argument(tmp_path, capsys, arguments: str,
                                                                 message: str) -> None:
    body = ("import numpy as np\nfrom proofs_checks import problem_claim\n"
            "CHECK = lambda problem, beta: (problem.valid * problem.tilted(beta), '>=', problem.valid * problem.base)\n"
            f"problem_claim(id='review-bad-problem', title='bad', {arguments})\n")
    error = bad_file_error(tmp_path, capsys, body)
    assert "review.py:4: RegistryError: claim 'review-bad-problem'" in error
    assert re.search(message, error), error
    assert "review-bad-problem" not in REGISTRY
