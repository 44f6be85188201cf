"""Every layer of every registered claim as a test item, then each claim's status.

A layer of a claim expected to hold must pass (a derivation of a reviewer-style
claim that does not require a proof may be inconclusive); every layer of a
negative control must come out as expected (refuted, with a certified
counterexample; or contradicted by its experiment, for the unqualified readings
of the paper).
"""

import pytest

from proofs_checks.pytest_plugin import claim_ids, claim_layers


@pytest.mark.parametrize(("claim_id", "layer"), claim_layers(), ids=[f"{c}-{l}" for c, l in claim_layers()])
def test_claim_layer(proofcheck_session, claim_id: str, layer: str) -> None:
    claim = proofcheck_session.claims[claim_id]
    evidence = proofcheck_session.layer(claim_id, layer)
    if claim.negative_control:
        assert evidence.outcome == claim.expected, f"{claim_id} [{layer}] not {claim.expected}: {evidence.summary}"
        assert evidence.counterexample, f"{claim_id} [{layer}] {claim.expected} without a counterexample"
        if claim.expected == "refuted" and layer != "experiment":
            assert "point" in str(evidence.counterexample) or "certified" in evidence.summary, \
                f"{claim_id} [{layer}] refuted without a certified point: {evidence.counterexample}"
    else:
        allowed = {"passed"} if claim.requires_proof or layer != "symbolic" else {"passed", "inconclusive"}
        assert evidence.outcome in allowed, f"{claim_id} [{layer}] {evidence.outcome}: {evidence.summary}"


@pytest.mark.parametrize("claim_id", claim_ids())
def test_claim_status(proofcheck_session, claim_id: str) -> None:
    result = proofcheck_session.claim(claim_id)
    assert result.as_expected, f"{claim_id}: status {result.status}, fully established: {result.fully_established}"
