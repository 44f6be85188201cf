"""pytest integration: every layer of every claim is its own test item.

Enable it with ``pytest_plugins = ["proofs_checks.pytest_plugin"]`` in a
``conftest.py``; then ``tests/test_claims.py`` parametrizes over
``claim_layers()`` and ``claim_ids()``. Node ids carry the claim id and the
layer (``test_claim_layer[gibbs-identity-symbolic]``). Options
``--proofcheck-profile``, ``--proofcheck-dps``, ``--proofcheck-seed`` set the run;
the claims table is printed at the end of the session.

Main definitions
- ``ClaimSession``: runs layers on demand (each once), judges statuses from the
  evidence gathered so far, and renders the table.
- fixture ``proofcheck_session``: the session-wide ``ClaimSession``.
"""

from __future__ import annotations

from typing import Any

import pytest

from proofs_checks import load_claims
from proofs_checks.claim import LAYERS, Evidence
from proofs_checks.layers import PROFILES, ExperimentCache, RunConfig, run_layer
from proofs_checks.report import claims_table
from proofs_checks.runner import RunResult, judge

__all__ = ["ClaimSession", "claim_layers", "claim_ids"]


def claim_layers() -> list[tuple[str, str]]:
    """``(claim id, layer)`` for every layer of every registered claim."""
    return [(cid, layer) for cid, claim in load_claims().items() for layer in LAYERS if layer in claim.checks]


def claim_ids() -> list[str]:
    return list(load_claims())


class ClaimSession:
    def __init__(self, config: RunConfig) -> None:
        self.config = config
        self.claims = load_claims()
        self.evidence: dict[str, dict[str, Evidence]] = {}
        self.experiments = ExperimentCache()

    def layer(self, claim_id: str, layer: str) -> Evidence:
        found = self.evidence.setdefault(claim_id, {})
        if layer not in found:
            found[layer] = run_layer(self.claims[claim_id], layer, self.config, self.experiments)  # type: ignore[arg-type]
        return found[layer]

    def result(self) -> RunResult:
        """Judge every claim whose layers have all run (with the claims it uses)."""
        complete = {cid: [by_layer[layer] for layer in LAYERS if layer in by_layer]
                    for cid, by_layer in self.evidence.items()
                    if set(by_layer) == set(self.claims[cid].checks)}
        run = RunResult(self.config, judge(self.claims, complete), self.experiments.results)
        run.seconds = sum(e.seconds for by_layer in self.evidence.values() for e in by_layer.values())
        return run

    def claim(self, claim_id: str) -> Any:
        for layer in self.claims[claim_id].checks:
            self.layer(claim_id, layer)
        for used in self.claims[claim_id].uses:
            self.claim(used)
        return self.result().results[claim_id]


_SESSION: ClaimSession | None = None


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("proofcheck")
    group.addoption("--proofcheck-profile", choices=sorted(PROFILES), default="ci")
    group.addoption("--proofcheck-dps", type=int, default=50)
    group.addoption("--proofcheck-seed", type=int, default=0)


@pytest.fixture(scope="session")
def proofcheck_session(pytestconfig: pytest.Config) -> ClaimSession:
    global _SESSION
    _SESSION = ClaimSession(RunConfig(profile=PROFILES[pytestconfig.getoption("proofcheck_profile")],
                                      dps=pytestconfig.getoption("proofcheck_dps"),
                                      seed=pytestconfig.getoption("proofcheck_seed")))
    return _SESSION


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _SESSION is None or not _SESSION.evidence:
        return
    run = _SESSION.result()
    if run.results:
        terminalreporter.section("proofcheck claims")
        terminalreporter.write_line(claims_table(run))
