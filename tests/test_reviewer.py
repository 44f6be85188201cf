"""Reviewer identity claims: a true identity is proved, a false one refuted with a point."""

from pathlib import Path

import pytest

from proofs_checks import identity_claim, load_claims
from proofs_checks.claim import RegistryError
from proofs_checks.layers import RunConfig
from proofs_checks.runner import run_claims

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "reviewer_identities.py"


def test_the_example_file_gives_proved_and_refuted() -> None:
    claims = load_claims([EXAMPLE])
    chosen = {cid: claims[cid] for cid in ("review-budget-as-logit", "review-budget-wrong-sign")}
    run = run_claims(chosen, RunConfig())
    assert run.results["review-budget-as-logit"].status == "proved"
    wrong = run.results["review-budget-wrong-sign"]
    assert wrong.status == "refuted" and not run.passed
    assert all(e.outcome == "refuted" and e.counterexample for e in wrong.evidence)
    symbolic = next(e for e in wrong.evidence if e.layer == "symbolic")
    assert set(symbolic.counterexample) == {"alpha", "mu"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lhs": "alpha + x", "rhs": "alpha"}, "unknown symbol"),
        ({"lhs": "alpha +", "rhs": "alpha"}, "cannot parse"),
        ({"lhs": "alpha*mu", "rhs": "mu*alpha", "domain": {"alpha": ("0", "1")}}, "no bounds for mu"),
        ({"lhs": "mu", "rhs": "mu", "domain": {"mu": ("alpha", "1"), "alpha": ("0", "1")}}, "earlier symbols"),
        ({"lhs": "alpha", "rhs": "alpha", "domain": {"alpha": ("0",)}}, "pair"),
    ],
)
def test_bad_identity_claims_are_rejected_with_a_reason(kwargs: dict, message: str) -> None:
    arguments = {"id": "review-bad", "title": "bad", "domain": {"alpha": ("0", "1")}, **kwargs}
    with pytest.raises(RegistryError, match=message):
        identity_claim(**arguments)
