"""The paper's statements and the verdict rule of ``proofs_checks.paper``."""

from __future__ import annotations

from proofs_checks import load_claims
from proofs_checks.claim import Claim, Evidence
from proofs_checks.paper import STATEMENTS, VERDICTS, Statement, verdict
from proofs_checks.runner import ClaimResult


def _result(claim_id: str, status: str, qualification: str = "", refuting: str = "numeric",
            fully: bool = True) -> ClaimResult:
    claim = Claim(claim_id, claim_id, "paper", "statement", qualification=qualification)
    outcome = status if status in ("refuted", "contradicted") else "passed"
    return ClaimResult(claim, [Evidence(refuting, outcome, "")], status, fully_established=fully)


STATEMENT = Statement("s", "abstract", "abstract, sentence 1", "text", ("a", "b"))


def test_every_statement_names_registered_claims_and_where_it_comes_from() -> None:
    claims = load_claims()
    for statement in STATEMENTS:
        assert statement.source in ("abstract", "referee report", "reply")
        assert statement.where.startswith(statement.source.split()[0])
        assert all(cid in claims for cid in statement.claims), statement.id
        assert statement.claims or statement.note


def test_holds_as_stated_needs_every_unqualified_claim_to_hold() -> None:
    results = {"a": _result("a", "proved"), "b": _result("b", "demonstrated")}
    assert verdict(STATEMENT, results).verdict == "holds as stated"
    results["b"] = _result("b", "verified", fully=False)
    assert verdict(STATEMENT, results).verdict == "not supported"


def test_a_qualified_claim_that_holds_gives_its_qualification() -> None:
    results = {"a": _result("a", "contradicted", refuting="experiment"), "b": _result("b", "demonstrated", "only for X")}
    found = verdict(STATEMENT, results)
    assert found.verdict == "holds with qualification" and found.qualification == "only for X"
    assert [s.contradicted for s in found.standings] == [True, False]


def test_a_certified_counterexample_refutes_and_an_experiment_alone_does_not() -> None:
    results = {"a": _result("a", "refuted", refuting="symbolic"), "b": _result("b", "failed", fully=False)}
    assert verdict(STATEMENT, results).verdict == "refuted"
    results["a"] = _result("a", "refuted", refuting="experiment")
    assert verdict(STATEMENT, results).verdict == "not supported"


def test_statements_without_claims_or_missing_from_the_run() -> None:
    assert verdict(Statement("c", "abstract", "abstract, sentence 2", "t", note="context"), {}).verdict == "not examined"
    assert verdict(STATEMENT, {"a": _result("a", "proved")}).verdict == "not checked"
    assert set(VERDICTS) == {"not examined", "not checked", "holds as stated", "holds with qualification",
                             "refuted", "not supported"}
