"""The ``proofcheck appendix`` subcommand: the LaTeX and web appendix of a run, and its staleness check.

- ``proofcheck appendix [-o DIR] [--pdf] [--html SITE] [--profile ci|thorough]
  [--dps N] [--seed N] [--extra FILE.py] [--jobs N]``: runs every claim (progress
  on stderr) and writes ``DIR/appendix.tex``, ``DIR/body.tex``, ``DIR/figures/``,
  ``DIR/report.json`` and ``DIR/manifest.json`` (default DIR: ``appendix``);
  with ``--pdf`` also compiles ``DIR/appendix.pdf``; with ``--html SITE`` also
  writes the web version into SITE (``SITE/index.html``, one page per claim).
  The output paths and the external programs (``dot``; ``pdflatex`` with
  ``--pdf``) are checked before anything is computed: a path that cannot be
  written or a missing program is one line and exit code 2, naming the Debian
  packages to install. Exit code 0 when every claim came out as expected, 1
  otherwise or when LaTeX fails.
- ``proofcheck appendix --check DIR [--pdf] [--rerun [--jobs N]]``: exit code 0 when
  DIR's appendix is current, 1 (with one line saying what is stale) otherwise.
  The check runs nothing: it compares the sources, the library versions and the
  reviewer files with those recorded in the manifest, and every generated file
  with its recorded sha256; with ``--pdf`` it also checks that ``DIR/appendix.pdf``
  exists and was compiled from this evidence (its text, read by ``pdftotext``,
  carries the recorded evidence sha256); ``--rerun`` also runs the claims again
  with the recorded profile, dps and seed and compares the evidence hash.
  ``--html`` does not apply to ``--check`` (an error).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

from proofs_checks import load_claims
from proofs_checks.appendix import (
    DEBIAN_PACKAGES, LatexError, build_appendix, check_appendix, compile_pdf,
)
from proofs_checks.appendix.graph import DOT_PACKAGE
from proofs_checks.appendix.manifest import ManifestError, read_manifest
from proofs_checks.claims_cli import Progress, add_run_options, run_config
from proofs_checks.preflight import check_output_path, require_programs
from proofs_checks.runner import run_claims

__all__ = ["register", "PDF_PROGRAMS", "PDFTOTEXT_PACKAGE"]

_PREFIX = "proofcheck appendix"
PDF_PROGRAMS = {"pdflatex": " ".join(DEBIAN_PACKAGES)}
"""What ``--pdf`` runs, and the Debian packages that provide it."""
PDFTOTEXT_PACKAGE = "poppler-utils"


def _output_directory(path: Path, option: str) -> Path:
    """``path`` once a directory can be written there (it exists as a directory, or can be created)."""
    if path.is_dir():
        check_output_path(path / "manifest.json", option)
    else:
        check_output_path(path, option)
    return path


def _pdf_is_current(directory: Path) -> str | None:
    """Why ``directory/appendix.pdf`` is not compiled from the recorded evidence (None: it is)."""
    pdf = directory / "appendix.pdf"
    if not pdf.is_file():
        return f"{pdf.name} is missing"
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, timeout=300).stdout
    if read_manifest(directory).evidence_sha256 not in re.sub(r"\s+", "", text):
        return f"{pdf.name} was not compiled from this evidence"
    return None


def _check(directory: Path, rerun: bool, jobs: int, pdf: bool) -> int:
    if pdf:
        require_programs({"pdftotext": PDFTOTEXT_PACKAGE})
    progress = Progress()
    try:
        reasons = check_appendix(directory, rerun=rerun, progress=progress, jobs=jobs)
        if pdf:
            reasons += [reason for reason in [_pdf_is_current(directory)] if reason]
    except ManifestError as error:
        progress.done()
        print(f"{_PREFIX}: {directory} is not a current appendix: {error}", file=sys.stderr)
        return 1
    progress.done()
    if reasons:
        print(f"{_PREFIX}: {directory} is stale: {'; '.join(reasons)}", file=sys.stderr)
        return 1
    print(f"{directory} is current" + (" (evidence re-run and identical)" if rerun else "")
          + (", and so is its PDF" if pdf else ""))
    return 0


def _build(args: argparse.Namespace) -> int:
    _output_directory(args.output, "-o/--output")
    if args.html is not None:
        _output_directory(args.html, "--html")
    require_programs({"dot": DOT_PACKAGE, **(PDF_PROGRAMS if args.pdf else {})})
    claims = load_claims(args.extra)
    progress = Progress()
    run = run_claims(claims, run_config(args), progress, jobs=args.jobs)
    progress.done()
    command = " ".join(["proofcheck", *sys.argv[1:]]) if sys.argv[1:2] == ["appendix"] else None
    manifest = build_appendix(run, args.output, args.extra, command)
    print(f"appendix written to {args.output / 'appendix.tex'} ({len(run.results)} claims, "
          f"evidence sha256 {manifest.evidence_sha256[:16]})")
    if args.html is not None:
        from proofs_checks.appendix.html import build_site

        print(f"web appendix written to {build_site(run, args.html, args.extra, command)}")
    unexpected = [cid for cid, result in run.results.items() if not result.as_expected]
    if unexpected:
        print(f"{_PREFIX}: {len(unexpected)} claim(s) did not come out as expected: {', '.join(unexpected)}",
              file=sys.stderr)
    if args.pdf:
        try:
            pdf = compile_pdf(args.output)
        except LatexError as error:
            print(f"{_PREFIX}: {error}", file=sys.stderr)
            return 1
        print(f"PDF written to {pdf}")
    return 1 if unexpected else 0


def _appendix(args: argparse.Namespace) -> int:
    if args.check is not None:
        if args.html is not None:
            raise ValueError("--html does not apply to --check DIR (the check reads the LaTeX appendix)")
        return _check(args.check, args.rerun, args.jobs, args.pdf)
    if args.rerun:
        raise ValueError("--rerun only applies to --check DIR")
    return _build(args)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("appendix", help="run the claims and write the LaTeX and web appendix (or check one)")
    parser.add_argument("-o", "--output", type=Path, default=Path("appendix"), metavar="DIR",
                        help="directory of the appendix (default: appendix)")
    parser.add_argument("--pdf", action="store_true",
                        help="also compile DIR/appendix.pdf (with --check: also check that the PDF is current)")
    parser.add_argument("--html", type=Path, metavar="SITE", help="also write the web appendix into SITE")
    parser.add_argument("--check", type=Path, metavar="DIR",
                        help="exit 1 if the appendix in DIR is stale (sources, libraries, edited files); runs nothing")
    parser.add_argument("--rerun", action="store_true",
                        help="with --check: also re-run the claims with the recorded configuration and compare the evidence")
    add_run_options(parser)
    parser.set_defaults(func=_appendix)
