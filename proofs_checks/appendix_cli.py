"""The ``proofcheck appendix`` subcommand: the LaTeX appendix of a run, and its staleness check.

- ``proofcheck appendix [-o DIR] [--pdf] [--profile ci|thorough] [--dps N]
  [--seed N] [--extra FILE.py] [--jobs N]``: runs every claim (progress on stderr) and
  writes ``DIR/appendix.tex``, ``DIR/body.tex``, ``DIR/figures/``,
  ``DIR/report.json`` and ``DIR/manifest.json`` (default DIR: ``appendix``);
  with ``--pdf`` also compiles ``DIR/appendix.pdf``. Exit code 0 when every
  claim came out as expected, 1 otherwise or when LaTeX fails, 2 when no LaTeX
  engine is installed.
- ``proofcheck appendix --check DIR [--rerun [--jobs N]]``: exit code 0 when DIR's
  appendix is current, 1 (with one line saying what is stale) otherwise. The
  check runs nothing: it compares the sources, the library versions and the
  reviewer files with those recorded in the manifest, and every generated file
  with its recorded sha256; ``--rerun`` also runs the claims again with the
  recorded profile, dps and seed and compares the evidence hash.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from proofs_checks import load_claims
from proofs_checks.appendix import LatexError, LatexNotInstalled, build_appendix, check_appendix, compile_pdf
from proofs_checks.appendix.manifest import ManifestError
from proofs_checks.claims_cli import Progress, add_run_options, run_config
from proofs_checks.runner import run_claims

__all__ = ["register"]

_PREFIX = "proofcheck appendix"


def _check(directory: Path, rerun: bool, jobs: int) -> int:
    progress = Progress()
    try:
        reasons = check_appendix(directory, rerun=rerun, progress=progress, jobs=jobs)
    except ManifestError as error:
        progress.done()
        print(f"{_PREFIX}: {directory} is not a current appendix: {error}", file=sys.stderr)
        return 1
    progress.done()
    if reasons:
        print(f"{_PREFIX}: {directory} is stale: {'; '.join(reasons)}", file=sys.stderr)
        return 1
    print(f"{directory} is current" + (" (evidence re-run and identical)" if rerun else ""))
    return 0


def _build(args: argparse.Namespace) -> int:
    claims = load_claims(args.extra)
    progress = Progress()
    run = run_claims(claims, run_config(args), progress, jobs=args.jobs)
    progress.done()
    manifest = build_appendix(run, args.output, args.extra)
    print(f"appendix written to {args.output / 'appendix.tex'} ({len(run.results)} claims, "
          f"evidence sha256 {manifest.evidence_sha256[:16]})")
    unexpected = [cid for cid, result in run.results.items() if not result.as_expected]
    if unexpected:
        print(f"{_PREFIX}: {len(unexpected)} claim(s) did not come out as expected: {', '.join(unexpected)}",
              file=sys.stderr)
    if args.pdf:
        try:
            pdf = compile_pdf(args.output)
        except LatexNotInstalled as error:
            print(f"{_PREFIX}: {error}", file=sys.stderr)
            return 2
        except LatexError as error:
            print(f"{_PREFIX}: {error}", file=sys.stderr)
            return 1
        print(f"PDF written to {pdf}")
    return 1 if unexpected else 0


def _appendix(args: argparse.Namespace) -> int:
    if args.check is not None:
        return _check(args.check, args.rerun, args.jobs)
    if args.rerun:
        raise ValueError("--rerun only applies to --check DIR")
    return _build(args)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("appendix", help="run the claims and write the LaTeX appendix (or check one)")
    parser.add_argument("-o", "--output", type=Path, default=Path("appendix"), metavar="DIR",
                        help="directory of the appendix (default: appendix)")
    parser.add_argument("--pdf", action="store_true", help="also compile DIR/appendix.pdf (latexmk or pdflatex)")
    parser.add_argument("--check", type=Path, metavar="DIR",
                        help="exit 1 if the appendix in DIR is stale (sources, libraries, edited files); runs nothing")
    parser.add_argument("--rerun", action="store_true",
                        help="with --check: also re-run the claims with the recorded configuration and compare the evidence")
    add_run_options(parser)
    parser.set_defaults(func=_appendix)
