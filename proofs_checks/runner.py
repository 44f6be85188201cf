"""Running claims and judging the run.

Main definitions
- ``ClaimResult``: a claim, its evidence per layer, the computed status, and
  whether it is *fully established* (established, and every claim it uses,
  recursively, is fully established).
- ``gather_evidence(claims, tasks, config, experiments, progress, jobs)``: the
  evidence of chosen ``(claim, layer)`` tasks, on ``jobs`` processes (which
  ignore Ctrl-C: on Ctrl-C the parent cancels what is pending and ends them).
- ``run_claims(claims, config, progress, jobs)``: every layer of every claim,
  judged: a ``RunResult``.
- ``ClaimResult.as_expected``: a claim expected to hold must be fully
  established (and its derivation must pass if it requires a proof); a
  negative control must come out ``refuted``. The run passes
  only if every claim came out as expected.
"""

from __future__ import annotations

import multiprocessing
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from proofs_checks.claim import ESTABLISHED, LAYERS, Claim, Evidence, check_references, status_of
from proofs_checks.layers import ExperimentCache, RunConfig, run_layer

__all__ = ["ClaimResult", "RunResult", "gather_evidence", "run_claims", "judge", "closure"]


@dataclass
class ClaimResult:
    claim: Claim
    evidence: list[Evidence]
    status: str
    fully_established: bool = False

    @property
    def seconds(self) -> float:
        return sum(e.seconds for e in self.evidence)

    @property
    def as_expected(self) -> bool:
        if self.claim.negative_control:
            return self.status == self.claim.expected
        proof_ok = not (self.claim.requires_proof and "symbolic" in self.claim.checks) or any(
            e.layer == "symbolic" and e.outcome == "passed" for e in self.evidence)
        return self.fully_established and proof_ok


@dataclass
class RunResult:
    """Every claim's result, the experiments that ran (by name) and the wall time."""

    config: RunConfig
    results: dict[str, ClaimResult] = field(default_factory=dict)
    experiments: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return all(result.as_expected for result in self.results.values())


def judge(claims: Mapping[str, Claim], evidence: Mapping[str, list[Evidence]]) -> dict[str, ClaimResult]:
    """Statuses from evidence, then full establishment through the ``uses`` graph
    (a claim that uses a claim not in this run is judged on the used claim's
    own evidence only if it was run; otherwise it cannot be fully established)."""
    results = {cid: ClaimResult(claims[cid], evidence[cid], status_of(evidence[cid])) for cid in claims if cid in evidence}
    memo: dict[str, bool] = {}

    def fully(cid: str, path: tuple[str, ...] = ()) -> bool:
        if cid in memo:
            return memo[cid]
        if cid in path or cid not in results:
            return False
        ok = results[cid].status in ESTABLISHED and all(fully(u, (*path, cid)) for u in claims[cid].uses)
        memo[cid] = ok
        return ok

    for cid, result in results.items():
        result.fully_established = fully(cid)
    return results


def closure(claims: Mapping[str, Claim], ids: Iterable[str]) -> list[str]:
    """``ids`` and every claim they use, recursively, in registry order."""
    wanted: set[str] = set()
    stack = list(ids)
    while stack:
        cid = stack.pop()
        if cid not in wanted:
            wanted.add(cid)
            stack.extend(claims[cid].uses)
    return [cid for cid in claims if cid in wanted]


def _layer_task(claim_id: str, layer: str, config: RunConfig) -> Evidence:
    from proofs_checks.claim import REGISTRY

    return run_layer(REGISTRY[claim_id], layer, config)  # type: ignore[arg-type]


def _experiment_task(name: str, seed: int) -> tuple[Any, float]:
    cache = ExperimentCache()
    cache.get(name, seed, lambda line: None)
    return cache.results[name], cache.seconds(name, seed)


@contextmanager
def _interrupts_held() -> Iterator[None]:
    """Run the block with Ctrl-C held back, then act on it (main thread only, the one
    that handles signals)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: held.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if held and callable(previous):
        previous(signal.SIGINT, None)


@contextmanager
def _worker_pool(jobs: int) -> Iterator[ProcessPoolExecutor]:
    """``jobs`` forked workers that ignore SIGINT; if the parent is interrupted (or
    fails) while they run, the pending tasks are cancelled and the workers
    terminated, so that none outlives the run. The workers are forked at once,
    with Ctrl-C held back until they exist (a KeyboardInterrupt raised in an
    at-fork hook would be lost)."""
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork"),
                               initializer=signal.signal, initargs=(signal.SIGINT, signal.SIG_IGN))
    try:
        with _interrupts_held():
            pool.submit(int)  # the first task forks every worker
        yield pool
    except BaseException:
        workers = list((pool._processes or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.join()
        raise
    pool.shutdown(wait=True)


def gather_evidence(
    claims: Mapping[str, Claim],
    tasks: Iterable[tuple[str, str]],
    config: RunConfig,
    experiments: ExperimentCache,
    progress: Callable[[str], None] = lambda line: None,
    jobs: int = 1,
) -> dict[tuple[str, str], Evidence]:
    """The evidence of each ``(claim id, layer)`` task, on ``jobs`` worker
    processes (forked, so they share the registry, reviewer claims included).
    The experiments that experiment layers rest on run once each, first, and
    land in ``experiments``; results do not depend on ``jobs``."""
    tasks = list(tasks)
    direct = [(cid, layer) for cid, layer in tasks if layer != "experiment"]
    names = sorted({name for cid, layer in tasks if layer == "experiment" for name in claims[cid].checks[layer][0]})
    found: dict[tuple[str, str], Evidence] = {}
    total = len(direct) + len(names)
    if jobs > 1:
        with _worker_pool(jobs) as pool:
            futures = {pool.submit(_experiment_task, name, config.seed): ("experiment", name) for name in names}
            futures.update({pool.submit(_layer_task, cid, layer, config): (cid, layer) for cid, layer in direct})
            for done, future in enumerate(as_completed(futures), 1):
                key = futures[future]
                if key[0] == "experiment":
                    result, seconds = future.result()
                    experiments.put(key[1], config.seed, result, seconds)
                    progress(f"[{done}/{total}] experiment {key[1]} ({seconds:.1f} s)")
                else:
                    found[key] = future.result()
                    progress(f"[{done}/{total}] {key[0]}: {key[1]} {found[key].outcome} ({found[key].seconds:.1f} s)")
    else:
        for done, (cid, layer) in enumerate(direct, 1):
            progress(f"[{done}/{total}] {cid}: {layer} ...")
            found[(cid, layer)] = run_layer(claims[cid], layer, config)  # type: ignore[arg-type]
            progress(f"[{done}/{total}] {cid}: {layer} {found[(cid, layer)].outcome} ({found[(cid, layer)].seconds:.1f} s)")
    for cid, layer in tasks:
        if layer == "experiment":
            found[(cid, layer)] = run_layer(claims[cid], layer, config, experiments, progress)  # type: ignore[arg-type]
    return found


def run_claims(
    claims: Mapping[str, Claim],
    config: RunConfig,
    progress: Callable[[str], None] = lambda line: None,
    jobs: int = 1,
) -> RunResult:
    """Run every layer of every claim in ``claims`` (which must include the
    claims they use) with ``gather_evidence`` and judge the claims."""
    check_references(claims)
    start = time.perf_counter()
    experiments = ExperimentCache()
    tasks = [(cid, layer) for cid, claim in claims.items() for layer in LAYERS if layer in claim.checks]
    found = gather_evidence(claims, tasks, config, experiments, progress, jobs)
    evidence = {cid: [found[(cid, layer)] for layer in LAYERS if layer in claim.checks] for cid, claim in claims.items()}
    result = RunResult(config, judge(claims, evidence), experiments.results)
    result.seconds = time.perf_counter() - start
    return result
