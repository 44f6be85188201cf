"""The appendix builds the appendix tests share: each is made once per test session.

``full_run(session)`` judges every claim from the session's evidence (the same
run ``tests/test_claims.py`` uses, so the claims run once); ``full_appendix``
builds the LaTeX appendix of it and compiles the PDF, ``full_site`` writes its
web version, and ``partial_run`` restricts the run to a few claims (no new
computation) for the lint test's second build.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from proofs_checks.appendix import build_appendix, compile_pdf
from proofs_checks.appendix.html import build_site
from proofs_checks.runner import RunResult, judge

PARTIAL_CLAIMS = ("gibbs-identity", "beta-mu", "nc-validity-increasing", "misspecification-implies-collapse")
_CACHE: dict[str, Any] = {}


def full_run(session: Any) -> RunResult:
    if "run" not in _CACHE:
        for claim_id in list(session.claims):
            session.claim(claim_id)
        _CACHE["run"] = replace(session.result(), experiments=session.experiments.results)
    return _CACHE["run"]


def full_appendix(session: Any, factory: Any) -> Path:
    """The full appendix directory, with ``appendix.pdf`` compiled."""
    if "appendix" not in _CACHE:
        directory = factory.mktemp("appendix")
        build_appendix(full_run(session), directory)
        compile_pdf(directory)
        _CACHE["appendix"] = directory
    return _CACHE["appendix"]


def full_site(session: Any, factory: Any) -> Path:
    """The full web appendix directory."""
    if "site" not in _CACHE:
        directory = factory.mktemp("site")
        build_site(full_run(session), directory)
        _CACHE["site"] = directory
    return _CACHE["site"]


def partial_run(session: Any) -> RunResult:
    """``full_run`` restricted to ``PARTIAL_CLAIMS`` and the claims they use, judged again."""
    run = full_run(session)
    from proofs_checks.runner import closure

    wanted = closure(session.claims, PARTIAL_CLAIMS)
    claims = {cid: session.claims[cid] for cid in wanted}
    results = judge(claims, {cid: run.results[cid].evidence for cid in wanted})
    names = {name for cid in wanted if "experiment" in claims[cid].checks for name in claims[cid].checks["experiment"][0]}
    return replace(run, results=results, experiments={n: r for n, r in run.experiments.items() if n in names})
