"""Reviewer identity claims: exact parsing, validated domains, certified verdicts.

Nothing false may come out proved or verified, nothing true refuted; every
counterexample is an exact point with rigorous enclosures of both sides."""

import ast
from pathlib import Path

import pytest
import sympy as sp

from proofs_checks import identity_claim, load_claims
from proofs_checks.certified import exact_text
from proofs_checks.claim import ESTABLISHED, REGISTRY, RegistryError
from proofs_checks.layers import Profile, RunConfig
from proofs_checks.runner import run_claims

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
EXAMPLE, TRICKY = EXAMPLES / "reviewer_identities.py", EXAMPLES / "reviewer_tricky.py"


def registered_ids(path: Path) -> list[str]:
    """The ids a reviewer file registers, read from its ``identity_claim`` calls."""
    calls = [node for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.Call)
             and getattr(node.func, "id", None) == "identity_claim"]
    return [kw.value.value for call in calls for kw in call.keywords if kw.arg == "id"]


def assert_certified(counterexample: dict) -> None:
    """An exact point (each coordinate reads back as a rational) and both enclosures."""
    assert counterexample["point"] and all(exact_text(sp.Rational(v)) == v
                                           for v in counterexample["point"].values() if len(v) < 4000)
    assert len(counterexample["lhs"]) == 2 and len(counterexample["rhs"]) == 2
    assert counterexample["method"] in ("arb", "exact")


def test_the_example_file_gives_established_and_refuted() -> None:
    claims = load_claims([EXAMPLE])
    chosen = {cid: claims[cid] for cid in ("review-budget-as-logit", "review-budget-wrong-sign")}
    run = run_claims(chosen, RunConfig())
    assert run.results["review-budget-as-logit"].status in ESTABLISHED
    wrong = run.results["review-budget-wrong-sign"]
    assert wrong.status == "refuted" and not run.passed
    for evidence in wrong.evidence:
        assert evidence.outcome == "refuted", evidence.summary
        assert_certified(evidence.counterexample)
        assert set(evidence.counterexample["point"]) == {"alpha", "mu"}


def test_tricky_identities_get_no_wrong_verdict() -> None:
    """True identities are never refuted, false ones never proved or verified (the
    branch-cut and float-literal cases included)."""
    ids = registered_ids(TRICKY)
    claims = load_claims([TRICKY])
    config = RunConfig(profile=Profile("reviewer-test", examples=60, numeric_cases=24))
    run = run_claims({cid: claims[cid] for cid in ids}, config)
    wrong = {}
    for cid in ids:
        result = run.results[cid]
        if result.claim.expected == "holds" and result.status == "refuted":
            wrong[cid] = f"true identity refuted: {[e.summary for e in result.evidence]}"
        if result.claim.expected == "refuted" and result.status in ESTABLISHED:
            wrong[cid] = f"false identity {result.status}"
        for evidence in result.evidence:
            if evidence.outcome == "refuted":
                assert_certified(evidence.counterexample)
    assert not wrong, wrong
    for cid in ids:  # a false identity is refuted, a true one established
        expected = run.results[cid].claim.expected
        assert run.results[cid].status == "refuted" if expected == "refuted" else run.results[cid].status in ESTABLISHED, cid


def test_a_float_literal_is_read_exactly() -> None:
    claim = identity_claim(id="review-exact-literal", title="t", lhs="(1 + 1e-20)*alpha", rhs="alpha",
                           domain={"alpha": ("0", "1")}, expected="refuted")
    try:
        assert "100000000000000000001" in claim.statement.replace("{", "").replace("}", "")
    finally:
        REGISTRY.pop("review-exact-literal")


BAD = [
    ({"lhs": "alpha + x"}, "lhs", "unknown symbol x"),
    ({"lhs": "lgo(alpha)"}, "lhs", "unknown function lgo"),
    ({"rhs": "Exp(alpha)"}, "rhs", "unknown function Exp"),
    ({"lhs": "sin(alpha)"}, "lhs", "unknown"),
    ({"lhs": "log(alpha"}, "lhs", "unbalanced parentheses"),
    ({"lhs": "log(alpha))"}, "lhs", "unbalanced parentheses"),
    ({"lhs": "alpha == mu"}, "lhs", "an equation, not an expression"),
    ({"rhs": "alpha = mu"}, "rhs", "an equation, not an expression"),
    ({"lhs": "alpha < mu"}, "lhs", "a relation or a truth value"),
    ({"lhs": "alpha + (alpha < 1)"}, "lhs", "cannot parse|relation"),
    ({"lhs": "I*alpha"}, "lhs", "not real-valued"),
    ({"lhs": "sqrt(-alpha)"}, "lhs", "not real-valued"),
    ({"lhs": "log(-alpha)"}, "lhs", "not real-valued"),
    ({"lhs": "1/0"}, "lhs", "not a finite expression"),
    ({"lhs": "alpha +"}, "lhs", "cannot parse"),
    ({"lhs": "alpha", "rhs": "alpha"}, "claim", "same expression"),
    ({"lhs": "alpha*mu", "rhs": "2*mu*alpha", "domain": {"alpha": ("0", "1")}}, "domain", "no bounds for mu"),
    ({"lhs": "mu", "rhs": "2*mu", "domain": {"mu": ("alpha", "1"), "alpha": ("0", "1")}}, "domain['mu']",
     "earlier symbols"),
    ({"domain": {"alpha": ("0",)}}, "domain['alpha']", "pair"),
    ({"domain": {"alpha": ("-1", "1")}}, "domain['alpha']", r"lower bound is below 0.*allowed: alpha in \(0, 1\)"),
    ({"domain": {"alpha": ("1/2", "1/2")}}, "domain['alpha']", "empty or reversed"),
    ({"domain": {"alpha": ("3/4", "1/2")}}, "domain['alpha']", "empty or reversed"),
    ({"domain": {"alpha": ("0", "2")}}, "domain['alpha']", "upper bound is above 1"),
    ({"domain": {"alpha": ("0", "lgo(1)")}}, "domain['alpha']", "unknown function lgo"),
    ({"domain": {"alpha": ("-oo", "1")}}, "domain['alpha']", "lower bound must be finite"),
    ({"domain": {"gamma": ("0", "1")}}, "domain", "unknown symbol 'gamma'"),
]


@pytest.mark.parametrize(("kwargs", "argument", "message"), BAD)
def test_bad_identity_claims_are_one_line_errors_naming_the_claim_and_argument(kwargs: dict, argument: str,
                                                                                 message: str) -> None:
    arguments = {"id": "review-bad", "title": "bad", "lhs": "alpha", "rhs": "2*alpha",
                 "domain": {"alpha": ("0", "1")}, **kwargs}
    with pytest.raises(RegistryError, match=message) as raised:
        identity_claim(**arguments)
    text = str(raised.value)
    assert "review-bad" in text and argument in text and "\n" not in text
    assert "review-bad" not in REGISTRY
