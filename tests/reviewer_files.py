"""What the tests of reviewer files share: the ids a file registers, one run of the
claims of every example file, the shape of a certified counterexample, and a bad
reviewer file through the command line.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest
import sympy as sp

from proofs_checks import load_claims
from proofs_checks.certified import exact_text
from proofs_checks.claim import ESTABLISHED
from proofs_checks.cli import main
from proofs_checks.layers import Profile, RunConfig
from proofs_checks.runner import RunResult, run_claims

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
PROFILE = Profile("reviewer-test", examples=25, numeric_cases=8)
EXAMPLE_FILES = ("reviewer_inequalities.py", "reviewer_limits.py", "reviewer_problems.py")


def registered_ids(path: Path) -> list[str]:
    """The ids a reviewer file registers, read from the ``id=`` of its calls."""
    return [kw.value.value for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.Call)
            for kw in node.keywords if kw.arg == "id" and isinstance(kw.value, ast.Constant)]


@functools.cache
def examples_run() -> RunResult:
    """Every claim of the example files, in one run on two worker processes (made once per session)."""
    files = [EXAMPLES / name for name in EXAMPLE_FILES]
    claims = load_claims(files)
    return run_claims({cid: claims[cid] for path in files for cid in registered_ids(path)},
                      RunConfig(profile=PROFILE), jobs=2)


def assert_documented(run: RunResult, path: Path, expected: dict[str, str]) -> None:
    """The file registers exactly ``expected``'s ids, in order; none gets a wrong verdict and
    each gets the status it documents."""
    assert registered_ids(path) == list(expected)
    assert not wrong_verdicts(run, list(expected))
    assert {cid: run.results[cid].status for cid in expected} == expected


def wrong_verdicts(run: RunResult, ids: list[str]) -> dict[str, str]:
    """Claims expected to hold that were refuted, and false ones proved or verified."""
    wrong = {}
    for cid in ids:
        result = run.results[cid]
        if result.claim.expected == "holds" and result.status == "refuted":
            wrong[cid] = f"true claim refuted: {[e.summary for e in result.evidence]}"
        if result.claim.expected == "refuted" and result.status in ESTABLISHED:
            wrong[cid] = f"false claim {result.status}"
    return wrong


def assert_certified(counterexample: dict) -> None:
    """An exact point (each coordinate reads back as a rational) and both enclosures."""
    assert counterexample["point"] and all(exact_text(sp.Rational(v)) == v
                                           for v in counterexample["point"].values() if len(v) < 4000)
    assert len(counterexample["lhs"]) == 2 and len(counterexample["rhs"]) == 2
    assert counterexample["method"] in ("arb", "exact")


def bad_file_error(tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str) -> str:
    """The one line ``proofcheck list --extra`` prints for a reviewer file (exit code 2)."""
    path = tmp_path / "review.py"
    path.write_text(body)
    code = main(["list", "--extra", str(path)])
    captured = capsys.readouterr()
    assert code == 2, captured
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err, captured.err
    return captured.err
