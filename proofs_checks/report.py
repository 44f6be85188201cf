"""The run's report: a JSON document and a plain-text claims table.

Main definitions
- ``SCHEMA = "proofcheck-report/2"``.
- ``report_dict(run)``: ``{"schema", "seed", "profile", "dps", "environment",
  "assumptions": [{"id", "statement"}], "standard_results": [{"id", "statement"}],
  "claims": [{"id", "title", "source", "statement", "parts": [{"id", "statement"}],
  "uses", "expected", "qualification", "status", "fully_established", "as_expected",
  "seconds", "evidence": [...]}], "summary"}``. Symbolic evidence carries
  ``steps[]`` with ``kind``, ``assumes`` (assumption ids, used-claim parts,
  standard results, ``step N``), ``outcome``, ``detail``, and ``concludes``
  (``{part id: step number}``); a certified counterexample is ``{"point":
  {symbol: exact string}, "lhs": [low, high], "rhs": [low, high], "method",
  "prec"}``. Every field of ``proofcheck-report/1`` is kept. Apart from the
  ``seconds`` fields, the same seed gives the same document.
- ``claims_table(run, timing="wall time")``: one line per claim with its layers'
  outcomes (``+`` passed, ``x`` refuted, ``?`` inconclusive, ``!`` failed, ``.`` no
  such layer), status and time; the summary line says what ``run.seconds`` is
  (``timing``: the run's wall time, or the sum of its layer times).
"""

from __future__ import annotations

import json
import platform
from collections import Counter
from importlib.metadata import version
from pathlib import Path
from typing import Any

from proofs_checks.assumptions import STANDING
from proofs_checks.claim import LAYERS
from proofs_checks.runner import RunResult
from proofs_checks.standard_results import RESULTS

__all__ = ["SCHEMA", "environment", "report_dict", "without_timings", "write_report", "claims_table"]

SCHEMA = "proofcheck-report/2"
_MARKS = {"passed": "+", "refuted": "x", "contradicted": "~", "inconclusive": "?", "failed": "!"}


def environment() -> dict[str, str]:
    """Versions of Python and the libraries the evidence depends on."""
    return {"python": platform.python_version(),
            **{name: version(name) for name in ("sympy", "mpmath", "numpy", "hypothesis")}}


def report_dict(run: RunResult) -> dict[str, Any]:
    claims = []
    for result in run.results.values():
        claim = result.claim
        claims.append({
            "id": claim.id,
            "title": claim.title,
            "source": claim.source,
            "statement": claim.statement,
            "parts": [{"id": part.id, "statement": part.statement} for part in claim.parts],
            "uses": list(claim.uses),
            "expected": claim.expected,
            "qualification": claim.qualification,
            "status": result.status,
            "fully_established": result.fully_established,
            "as_expected": result.as_expected,
            "seconds": round(result.seconds, 3),
            "evidence": [e.to_dict() for e in result.evidence],
        })
    statuses = Counter(result.status for result in run.results.values())
    return {
        "schema": SCHEMA,
        "seed": run.config.seed,
        "profile": run.config.profile.name,
        "dps": run.config.dps,
        "environment": environment(),
        "assumptions": [{"id": a.id, "statement": a.statement} for a in STANDING],
        "standard_results": [{"id": r.id, "statement": r.statement} for r in RESULTS.values()],
        "claims": claims,
        "summary": {
            "claims": len(claims),
            "as_expected": sum(c["as_expected"] for c in claims),
            "passed": run.passed,
            "by_status": dict(sorted(statuses.items())),
            "seconds": round(run.seconds, 3),
        },
    }


def without_timings(node: Any) -> Any:
    """The report (or any part of it) without its ``seconds`` fields: what the same
    seed, profile and dps reproduce exactly."""
    if isinstance(node, dict):
        return {key: without_timings(value) for key, value in node.items() if key != "seconds"}
    if isinstance(node, list):
        return [without_timings(value) for value in node]
    return node


def write_report(run: RunResult, path: Path) -> None:
    Path(path).write_text(json.dumps(report_dict(run), indent=2, default=str) + "\n")


def claims_table(run: RunResult, timing: str = "wall time") -> str:
    width = max([len(cid) for cid in run.results] + [5])
    header = f"{'claim':<{width}}  {'source':<9}  {'expected':<12}  SNPE  {'status':<12}  {'time':>7}  result"
    lines = [header, "-" * len(header)]
    for cid, result in run.results.items():
        outcomes = {e.layer: e.outcome for e in result.evidence}
        marks = "".join(_MARKS[outcomes[layer]] if layer in outcomes else "." for layer in LAYERS)
        status = result.status
        if status in ("proved", "verified", "demonstrated") and not result.fully_established:
            status += "*"
        verdict = "ok" if result.as_expected else "UNEXPECTED"
        lines.append(f"{cid:<{width}}  {result.claim.source:<9}  {result.claim.expected:<12}  {marks}  "
                     f"{status:<12}  {result.seconds:6.1f}s  {verdict}")
    counts = Counter(result.status for result in run.results.values())
    expected = sum(result.as_expected for result in run.results.values())
    lines.append("-" * len(header))
    lines.append(f"{expected}/{len(run.results)} claims as expected ("
                 + ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
                 + f") in {run.seconds:.1f} s ({timing}); layers S=symbolic N=numeric P=property E=experiment; "
                 "+ passed, x refuted, ~ contradicted, ? inconclusive, ! failed; * = uses a claim that is not established")
    return "\n".join(lines)
