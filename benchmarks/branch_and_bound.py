"""The branch and bound of reviewer inequalities: boxes, time, open boxes and the box.

    python benchmarks/branch_and_bound.py [FILE.py ...]

Reads the ``inequality_claim`` calls of reviewer files (default:
``examples/reviewer_inequalities.py``), runs the branch and bound of each on its
box with its budget (``parse_inequality(...).search()``, the search the claim's
certified layer runs after its point checks) and prints one row per inequality,
after the reference case ``log1p(x) - x + x^2/2 > 0`` on ``[1e-3, 1]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import runpy
import time
from fractions import Fraction
from pathlib import Path

import sympy as sp
from sympy.codegen.cfunctions import log1p

import proofs_checks
from proofs_checks.branch_and_bound import Axis, prove_positive
from proofs_checks.reviewer_inequalities import parse_inequality

DEFAULT = Path(__file__).resolve().parent.parent / "examples" / "reviewer_inequalities.py"


def calls(path: Path) -> list[dict]:
    """The keyword arguments of the file's ``inequality_claim`` calls."""
    found: list[dict] = []
    original = proofs_checks.inequality_claim
    proofs_checks.inequality_claim = lambda **kwargs: found.append(kwargs)
    try:
        runpy.run_path(str(path))
    finally:
        proofs_checks.inequality_claim = original
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, default=[DEFAULT])
    args = parser.parse_args()
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs")
    rows = []
    x = sp.Symbol("x", positive=True)
    start = time.perf_counter()
    outcome = prove_positive(log1p(x) - x + x**2 / 2, [x], [Axis(Fraction(1, 1000), Fraction(1), Fraction(0))])
    rows.append(("log1p(x) - x + x^2/2 > 0", outcome, time.perf_counter() - start, "x in [1e-3, 1]"))
    for path in args.files:
        for kwargs in calls(path):
            inequality = parse_inequality(kwargs["id"], kwargs["lhs"], kwargs["op"], kwargs["rhs"], kwargs["domain"],
                                          kwargs.get("box"), kwargs.get("max_boxes", 20000),
                                          kwargs.get("max_seconds", 60.0))
            start = time.perf_counter()
            outcome = inequality.search()
            rows.append((kwargs["id"], outcome, time.perf_counter() - start, inequality.box))
    width = max(len(row[0]) for row in rows)
    print(f"{'inequality':<{width}}  {'verdict':>9}  {'boxes':>6}  {'seconds':>7}  {'open':>5}  box")
    for name, outcome, seconds, box in rows:
        print(f"{name:<{width}}  {outcome.verdict:>9}  {outcome.boxes:>6}  {seconds:>7.2f}  {len(outcome.open):>5}  {box}")


if __name__ == "__main__":
    main()
