"""pytest integration: every layer of every claim is its own test item.

The plugin is installed with the package: a ``pytest11`` entry point named
``proofs_checks.pytest_plugin`` loads it in every pytest run of an environment
where proofcheck is installed (a leftover ``pytest_plugins =
["proofs_checks.pytest_plugin"]`` in a ``conftest.py`` is then a no-op;
``-p no:proofs_checks.pytest_plugin`` turns it off). ``tests/test_claims.py``
parametrizes over ``claim_layers()`` and ``claim_ids()``; node ids carry the
claim id and the layer (``test_claim_layer[gibbs-identity-symbolic]``).

Options: ``--proofcheck-profile ci|thorough``, ``--proofcheck-dps N`` (>= 20),
``--proofcheck-seed N`` set the run; ``--proofcheck-jobs N`` the worker
processes (default: the number of CPUs; 1 in a pytest-xdist worker that
computes on demand); ``--proofcheck-extra FILE.py`` (repeatable) loads a
reviewer file at configuration, before collection, so that its claims are
parametrized and tabulated with the package's (a file that does not load is a
usage error).

What is computed is planned from the items left after selection (``-k``,
``-m``, node ids, ``--lf``): the first claim item that runs computes, together
on the worker processes, every layer the selected items ask for (its own layer
for a layer item; every layer of the claim and of the claims it uses for a
status item) and nothing else. Under pytest-xdist with ``--dist loadfile`` or
``--dist loadscope`` a module's items stay on one worker, which plans the same
way; with the other distributions a worker sees only some of the items, so it
computes on demand what each item needs and it has not computed yet (a status
item may then recompute a layer another worker computed; the summary counts
these).

Every item's report carries the evidence computed while it ran, with what is
needed to judge its claim (user property ``proofcheck_evidence``, JSON), so the
process that writes the terminal summary (pytest itself, or the pytest-xdist
controller, which runs no test and may not know a claim registered by a test
module) gathers the evidence of every worker and prints one claims table (the
claims whose layers all ran, in registry order; the time is the sum of their
layer times) and the number of layers computed.

Main definitions
- ``ClaimSession``: computes layers on demand, each once per process, and
  judges statuses from the evidence gathered so far.
- ``claim_layers()``, ``claim_ids()``: the parameters of the claim tests.
- fixture ``proofcheck_session``: the session-wide ``ClaimSession``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from typing import Any

import pytest

from proofs_checks import load_claims
from proofs_checks.claim import LAYERS, Claim, Evidence, RegistryError
from proofs_checks.claims_cli import positive_int
from proofs_checks.layers import PROFILES, ExperimentCache, RunConfig
from proofs_checks.report import claims_table
from proofs_checks.runner import ClaimResult, RunResult, closure, gather_evidence, judge

__all__ = ["ClaimSession", "claim_layers", "claim_ids"]

_EVIDENCE_PROPERTY = "proofcheck_evidence"
_PLAN_AHEAD = "proofcheck_plan_ahead"
_WHOLE_MODULE_DISTRIBUTIONS = ("loadfile", "loadscope")
_TIMING = "sum of layer times"

Task = tuple[str, str]


def claim_layers() -> list[Task]:
    """``(claim id, layer)`` for every layer of every registered claim."""
    return [(cid, layer) for cid, claim in load_claims().items() for layer in LAYERS if layer in claim.checks]


def claim_ids() -> list[str]:
    return list(load_claims())


def _judged(claims: Mapping[str, Claim], evidence: Mapping[str, Mapping[str, Evidence]], config: RunConfig) -> RunResult:
    """The claims whose layers have all run, judged (with the claims they use); the
    time is the sum of their layer times."""
    complete = {cid: [by_layer[layer] for layer in LAYERS if layer in by_layer]
                for cid, by_layer in evidence.items() if cid in claims and set(by_layer) == set(claims[cid].checks)}
    run = RunResult(config, judge(claims, complete))
    run.seconds = sum(result.seconds for result in run.results.values())
    return run


class ClaimSession:
    def __init__(self, config: RunConfig, planned: list[Task], jobs: int) -> None:
        self.config = config
        self.claims = load_claims()
        self.planned = planned
        self.jobs = jobs
        self.evidence: dict[str, dict[str, Evidence]] = {}
        self.experiments = ExperimentCache()
        self.fresh: list[Task] = []  # computed, not yet handed to a test report

    def _has(self, task: Task) -> bool:
        return task[1] in self.evidence.get(task[0], {})

    def _compute(self, needed: Iterable[Task]) -> None:
        """Compute ``needed`` if any of it is missing, together with what is planned."""
        needed = list(needed)
        if all(map(self._has, needed)):
            return
        tasks = [task for task in dict.fromkeys([*self.planned, *needed]) if not self._has(task)]
        for (cid, name), found in gather_evidence(self.claims, tasks, self.config, self.experiments,
                                                  jobs=self.jobs).items():
            self.evidence.setdefault(cid, {})[name] = found
            self.fresh.append((cid, name))

    def layer(self, claim_id: str, layer: str) -> Evidence:
        self._compute([(claim_id, layer)])
        return self.evidence[claim_id][layer]

    def claim(self, claim_id: str) -> ClaimResult:
        """The claim judged with every layer of it and of the claims it uses."""
        self._compute([(cid, layer) for cid in closure(self.claims, [claim_id]) for layer in self.claims[cid].checks])
        return self.result().results[claim_id]

    def result(self) -> RunResult:
        """Every claim whose layers have all run, judged (with the claims it uses)."""
        return _judged(self.claims, self.evidence, self.config)

    def take_fresh(self) -> str:
        """The evidence computed since the last call, with its claims, as JSON for a test report."""
        fresh, self.fresh = self.fresh, []
        order = {cid: index for index, cid in enumerate(self.claims)}
        return json.dumps([{"claim": _claim_to_dict(self.claims[cid], order[cid]),
                            "evidence": self.evidence[cid][layer].to_dict()} for cid, layer in fresh], default=str)


def _claim_to_dict(claim: Claim, order: int) -> dict[str, Any]:
    """What judging and tabulating a claim needs, and its position in the registry."""
    return {"id": claim.id, "title": claim.title, "source": claim.source, "uses": list(claim.uses),
            "expected": claim.expected, "requires_proof": claim.requires_proof, "layers": list(claim.checks),
            "order": order}


def _claim_from_dict(data: dict[str, Any]) -> Claim:
    """The claim of ``_claim_to_dict``, without statement or checks (its layers map to ``None``)."""
    return Claim(id=data["id"], title=data["title"], source=data["source"], statement="", uses=tuple(data["uses"]),
                 expected=data["expected"], requires_proof=data["requires_proof"], checks=dict.fromkeys(data["layers"]))


def _evidence_from_dict(data: dict[str, Any]) -> Evidence:
    """The inverse of ``Evidence.to_dict`` (up to JSON: fields that were not JSON come back as strings)."""
    data = dict(data)
    return Evidence(layer=data.pop("layer"), outcome=data.pop("outcome"), summary=data.pop("summary"),
                    counterexample=data.pop("counterexample", None), seconds=data.pop("seconds", 0.0), fields=data)


def _planned(items: list[pytest.Item]) -> list[Task]:
    """The ``(claim, layer)`` tasks the items ask for: their own layer, or every layer
    of their claim and of the claims it uses."""
    if not any("proofcheck_session" in getattr(item, "fixturenames", ()) for item in items):
        return []
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


def _in_xdist_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def _plans_ahead(config: pytest.Config) -> bool:
    """Whether this process sees every selected item of a module: not a pytest-xdist
    worker, or one under a distribution that keeps a module on one worker."""
    return not _in_xdist_worker(config) or config.workerinput.get(_PLAN_AHEAD, False)


def _run_config(config: pytest.Config) -> RunConfig:
    return RunConfig(profile=PROFILES[config.getoption("proofcheck_profile")],
                     dps=config.getoption("proofcheck_dps"), seed=config.getoption("proofcheck_seed"))


_PLANNED = pytest.StashKey[list]()
_SESSION = pytest.StashKey[ClaimSession]()


class _ClaimsTable:
    """Gathers the evidence the test reports carry and prints the claims table."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.claims: dict[str, tuple[int, Claim]] = {}
        self.evidence: dict[str, dict[str, Evidence]] = {}
        self.computed = 0

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when != "call":
            return
        for name, value in report.user_properties:
            if name == _EVIDENCE_PROPERTY:
                for entry in json.loads(value):
                    cid, evidence = entry["claim"]["id"], _evidence_from_dict(entry["evidence"])
                    self.claims[cid] = (entry["claim"]["order"], _claim_from_dict(entry["claim"]))
                    self.evidence.setdefault(cid, {})[evidence.layer] = evidence
                    self.computed += 1

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.computed:
            return
        config = _run_config(self.config)
        claims = {cid: claim for cid, (_, claim) in sorted(self.claims.items(), key=lambda item: item[1][0])}
        run = _judged(claims, self.evidence, config)
        terminalreporter.section("proofcheck claims")
        if run.results:
            terminalreporter.write_line(claims_table(run, timing=_TIMING))
        layers = sum(map(len, self.evidence.values()))
        repeated = f", {self.computed - layers} of them again in another worker" if self.computed > layers else ""
        terminalreporter.write_line(
            f"proofcheck: {self.computed} claim layer(s) computed{repeated} "
            f"(profile {config.profile.name}, dps {config.dps}, seed {config.seed})")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("proofcheck", "proofcheck claims")
    group.addoption("--proofcheck-profile", choices=sorted(PROFILES), default="ci",
                    help="ci: 200 Hypothesis examples, 24 random numeric cases per claim; thorough: 2000 and 200")
    group.addoption("--proofcheck-dps", type=positive_int(20), default=50, metavar="N",
                    help="mpmath digits of the numeric layer (>= 20; default 50)")
    group.addoption("--proofcheck-seed", type=positive_int(0), default=0, metavar="N",
                    help="seed of every random choice of the claim layers (default 0)")
    group.addoption("--proofcheck-jobs", type=positive_int(1), default=None, metavar="N",
                    help="worker processes for the claim layers (default: the number of CPUs; "
                         "1 in a pytest-xdist worker that computes on demand)")
    group.addoption("--proofcheck-extra", action="append", default=[], metavar="FILE.py",
                    help="a reviewer file whose claims become claim test items (repeatable)")


def pytest_configure(config: pytest.Config) -> None:
    extra = config.getoption("proofcheck_extra")
    if extra:  # registered before collection parametrizes over the claims
        try:
            load_claims(extra)
        except RegistryError as error:
            raise pytest.UsageError(f"--proofcheck-extra: {str(error).removeprefix('--extra: ')}") from None
    if not _in_xdist_worker(config):
        config.pluginmanager.register(_ClaimsTable(config), "proofcheck-claims-table")


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist controller: tell each worker whether it will see whole modules."""
    node.workerinput[_PLAN_AHEAD] = node.config.getoption("dist") in _WHOLE_MODULE_DISTRIBUTIONS


def pytest_collection_finish(session: pytest.Session) -> None:
    if _plans_ahead(session.config):
        session.config.stash[_PLANNED] = _planned(session.items)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Any:
    try:
        return (yield)
    finally:
        session = item.config.stash.get(_SESSION, None)
        if session is not None and session.fresh:
            item.user_properties.append((_EVIDENCE_PROPERTY, session.take_fresh()))


@pytest.fixture(scope="session")
def proofcheck_session(pytestconfig: pytest.Config) -> ClaimSession:
    jobs = pytestconfig.getoption("proofcheck_jobs") or (os.cpu_count() or 1 if _plans_ahead(pytestconfig) else 1)
    session = ClaimSession(_run_config(pytestconfig), pytestconfig.stash.get(_PLANNED, []), jobs)
    pytestconfig.stash[_SESSION] = session
    return session
