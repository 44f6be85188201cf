"""pytest integration: every layer of every claim is its own test item.

Enable it with ``pytest_plugins = ["proofs_checks.pytest_plugin"]`` in a
``conftest.py``; then ``tests/test_claims.py`` parametrizes over
``claim_layers()`` and ``claim_ids()``. Node ids carry the claim id and the
layer (``test_claim_layer[gibbs-identity-symbolic]``). Options
``--proofcheck-profile``, ``--proofcheck-dps``, ``--proofcheck-seed`` set the run
and ``--proofcheck-jobs`` the worker processes; the claims table is printed at
the end of the session.

Main definitions
- ``ClaimSession``: runs layers on demand, each once: the first layer asked
  for runs every layer the collected tests will ask for, on the worker
  processes (``runner.gather_evidence``); it judges statuses from the evidence
  gathered so far.
- fixture ``proofcheck_session``: the session-wide ``ClaimSession``.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from proofs_checks import load_claims
from proofs_checks.claim import LAYERS, Evidence
from proofs_checks.layers import PROFILES, ExperimentCache, RunConfig
from proofs_checks.report import claims_table
from proofs_checks.runner import RunResult, closure, gather_evidence, judge

__all__ = ["ClaimSession", "claim_layers", "claim_ids"]


def claim_layers() -> list[tuple[str, str]]:
    """``(claim id, layer)`` for every layer of every registered claim."""
    return [(cid, layer) for cid, claim in load_claims().items() for layer in LAYERS if layer in claim.checks]


def claim_ids() -> list[str]:
    return list(load_claims())


class ClaimSession:
    def __init__(self, config: RunConfig, planned: list[tuple[str, str]], jobs: int) -> None:
        self.config = config
        self.claims = load_claims()
        self.planned = planned
        self.jobs = jobs
        self.evidence: dict[str, dict[str, Evidence]] = {}
        self.experiments = ExperimentCache()

    def layer(self, claim_id: str, layer: str) -> Evidence:
        if layer not in self.evidence.get(claim_id, {}):
            tasks = [task for task in self.planned if task[1] not in self.evidence.get(task[0], {})]
            if (claim_id, layer) not in tasks:
                tasks.append((claim_id, layer))
            for (cid, name), found in gather_evidence(self.claims, tasks, self.config, self.experiments,
                                                      jobs=self.jobs).items():
                self.evidence.setdefault(cid, {})[name] = found
        return self.evidence[claim_id][layer]

    def result(self) -> RunResult:
        """Judge every claim whose layers have all run (with the claims it uses)."""
        complete = {cid: [by_layer[layer] for layer in LAYERS if layer in by_layer]
                    for cid, by_layer in self.evidence.items()
                    if set(by_layer) == set(self.claims[cid].checks)}
        run = RunResult(self.config, judge(self.claims, complete), self.experiments.results)
        run.seconds = sum(e.seconds for by_layer in self.evidence.values() for e in by_layer.values())
        return run

    def claim(self, claim_id: str) -> Any:
        for cid in closure(self.claims, [claim_id]):
            for layer in self.claims[cid].checks:
                self.layer(cid, layer)
        return self.result().results[claim_id]


def _planned(items: list[pytest.Item]) -> list[tuple[str, str]]:
    """The ``(claim, layer)`` tasks the collected items ask for: their own layer, or
    every layer of their claim and of the claims it uses."""
    claims, tasks = load_claims(), []
    for item in items:
        params = getattr(item, "callspec", None)
        claim_id = params.params.get("claim_id") if params else None
        if claim_id not in claims:
            continue
        if "layer" in params.params:
            tasks.append((claim_id, params.params["layer"]))
        else:
            tasks += [(cid, layer) for cid in closure(claims, [claim_id]) for layer in claims[cid].checks]
    return list(dict.fromkeys(tasks))


_SESSION: ClaimSession | None = None
_PLANNED = pytest.StashKey[list]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("proofcheck")
    group.addoption("--proofcheck-profile", choices=sorted(PROFILES), default="ci")
    group.addoption("--proofcheck-dps", type=int, default=50)
    group.addoption("--proofcheck-seed", type=int, default=0)
    group.addoption("--proofcheck-jobs", type=int, default=os.cpu_count() or 1)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    config.stash[_PLANNED] = _planned(items)


@pytest.fixture(scope="session")
def proofcheck_session(pytestconfig: pytest.Config) -> ClaimSession:
    global _SESSION
    _SESSION = ClaimSession(RunConfig(profile=PROFILES[pytestconfig.getoption("proofcheck_profile")],
                                      dps=pytestconfig.getoption("proofcheck_dps"),
                                      seed=pytestconfig.getoption("proofcheck_seed")),
                            pytestconfig.stash.get(_PLANNED, []), pytestconfig.getoption("proofcheck_jobs"))
    return _SESSION


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _SESSION is None or not _SESSION.evidence:
        return
    run = _SESSION.result()
    if run.results:
        terminalreporter.section("proofcheck claims")
        terminalreporter.write_line(claims_table(run))
