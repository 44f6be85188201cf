"""The ``proofcheck experiment`` subcommand: run one exact-enumeration experiment.

``proofcheck experiment NAME [--seed N] [--json PATH] [--plot PATH]`` runs the
experiment (the same code the claims' experiment layer runs), prints its
bound checks (how many hold, the tightest, every violated one) and its
findings, and optionally writes its result as JSON and its figure as
``PATH.pdf`` and ``PATH.png`` (``frontier`` draws one figure per design:
``PATH-A.pdf``, ``PATH-A.png``, ``PATH-B.pdf``, ``PATH-B.png``). Both output
paths are checked before the experiment runs. Exit code 0 when every bound
holds, 1 otherwise (the other codes are those of :mod:`proofs_checks.cli`).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from proofs_checks.claims_cli import Progress, positive_int
from proofs_checks.experiments import EXPERIMENTS
from proofs_checks.preflight import check_output_path

__all__ = ["register"]

_TIGHTEST = 5


def _run(args: argparse.Namespace) -> int:
    if args.json is not None:
        check_output_path(args.json, "--json")
    stem = None
    if args.plot is not None:
        if not Path(args.plot).name:  # the empty path, "/": not a file name
            check_output_path(args.plot, "--plot")
        stem = Path(args.plot).with_suffix("")
        for suffix in (".pdf", ".png"):
            check_output_path(stem.with_suffix(suffix), "--plot")
    experiment = EXPERIMENTS[args.name]
    progress = Progress()
    result = experiment.run(args.seed if args.seed is not None else experiment.default_seed, progress)
    progress.done()
    passed = sum(check.passed for check in result.checks)
    print(f"{experiment.name}: {experiment.title}")
    print(f"{passed}/{len(result.checks)} bounds hold (seeds {result.parameters.get('seeds', '-')})")
    for check in [c for c in result.checks if not c.passed]:
        print(f"  {check.describe()}")
    print("tightest bounds:")
    for check in sorted((c for c in result.checks if c.passed and not c.relation.startswith("==")), key=lambda check: check.margin)[:_TIGHTEST]:
        print(f"  {check.describe()}")
    for finding in result.findings:
        print(f"finding: {finding}")
    if args.json:
        Path(args.json).write_text(json.dumps(result.to_dict(), indent=2, default=float) + "\n")
        print(f"result written to {args.json}")
    if stem is not None:
        for path in experiment.plot(result, stem):
            print(f"figure written to {path}")
    return 0 if result.passed else 1


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("experiment", help="run one exact-enumeration experiment")
    parser.add_argument("name", choices=sorted(EXPERIMENTS), help="the experiment")
    parser.add_argument("--seed", type=positive_int(0), default=None,
                        help="the first seed of the experiment's seed list (default: its own)")
    parser.add_argument("--json", metavar="PATH", help="write the result (rows, checks, findings) as JSON")
    parser.add_argument("--plot", metavar="PATH",
                        help="write the figure to PATH.pdf and PATH.png (frontier: one figure per design, "
                             "PATH-A.pdf, PATH-A.png, PATH-B.pdf, PATH-B.png)")
    parser.set_defaults(func=_run)
