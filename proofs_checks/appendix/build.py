"""Writing the appendix directory, compiling it, and checking that it is current.

Layout of an appendix directory::

    appendix.tex    standalone document (\\input{body.tex})
    body.tex        the includable body (packages it needs listed at its top)
    figures/        closed-form and experiment figures (PDF for LaTeX, PNG for viewing)
    report.json     the run's JSON report (schema proofcheck-report/1) the body was rendered from
    manifest.json   what it was generated from, and the sha256 of every generated file

Main definitions
- ``build_appendix(run, directory, extra_files, command)``: write all of the above from
  a ``RunResult`` (claims in registry order, ``in_registry_order``); returns
  the ``Manifest``. ``document_of(run, directory, extra_files, command)``: the
  figures and the document model (``document.build_document``) the LaTeX and the
  web pages are rendered from; ``claim_graph_source(document, urls)``: the DOT
  source of the dependency graph.
- ``current_manifest(run, extra_files)``: the manifest the present code and
  libraries would record (``run=None``: without the evidence hash).
- ``check_appendix(directory, rerun=False, progress, jobs=1)``: the reasons
  why the appendix in ``directory`` is stale (empty list: current); with
  ``rerun`` the claims are run again (on ``jobs`` processes) with the recorded
  configuration and the evidence hash is compared too.
- ``compile_pdf(directory)``: ``latexmk -pdf`` if installed, else ``pdflatex``
  twice, in nonstop mode halting on the first error; ``LatexError`` names the
  error and the log, ``LatexNotInstalled`` the Debian packages to install
  (``DEBIAN_PACKAGES``).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from importlib.metadata import version
from pathlib import Path

from proofs_checks import load_claims
from proofs_checks.appendix.document import Document, build_document, command_line
from proofs_checks.appendix.figures import closed_form_figures, experiment_figures
from proofs_checks.appendix.graph import dot_source, layout
from proofs_checks.appendix.manifest import (
    Manifest, combined_digest, evidence_hash, file_digests, file_sha256, read_manifest, source_digests, staleness,
)
from proofs_checks.appendix.render import STATUS_COLOURS, render_body, render_document
from proofs_checks.claim import REGISTRY
from proofs_checks.layers import PROFILES, RunConfig
from proofs_checks.report import environment, report_dict
from proofs_checks.runner import RunResult, run_claims

__all__ = ["build_appendix", "document_of", "claim_graph_source", "in_registry_order", "current_manifest", "check_appendix", "compile_pdf", "LatexError",
           "LatexNotInstalled", "DEBIAN_PACKAGES", "APPENDIX_TEX", "BODY_TEX", "REPORT_JSON", "FIGURES"]

APPENDIX_TEX = "appendix.tex"
BODY_TEX = "body.tex"
REPORT_JSON = "report.json"
FIGURES = "figures"
DEBIAN_PACKAGES = ("texlive-latex-base", "texlive-latex-recommended", "texlive-latex-extra", "texlive-pictures")
"""What the appendix needs on Debian/Ubuntu: booktabs and xcolor are in -recommended, adjustbox
in -extra, TikZ in -pictures; the Computer Modern fonts come with texlive-base."""
_LATEX_TIMEOUT = 600


class LatexError(RuntimeError):
    """LaTeX stopped on an error."""


class LatexNotInstalled(RuntimeError):
    """Neither latexmk nor pdflatex is on the PATH."""


def _versions() -> dict[str, str]:
    """The evidence's library versions, plus those of the figures and templates."""
    return {**environment(), "matplotlib": version("matplotlib"), "jinja2": version("jinja2")}


def _extra_digests(extra_files: Iterable[str | Path]) -> dict[str, str]:
    """sha256 of each reviewer file that exists, by absolute path."""
    return {str(Path(p).resolve()): file_sha256(p) for p in extra_files if Path(p).is_file()}


def current_manifest(run: RunResult | None, extra_files: Iterable[str | Path] = (),
                     config: RunConfig | None = None) -> Manifest:
    """The manifest of an appendix generated now from ``run`` (its evidence hash
    left empty when ``run`` is None; the configuration then comes from ``config``)."""
    config = run.config if run is not None else (config or RunConfig())
    sources = source_digests()
    return Manifest(profile=config.profile.name, dps=config.dps, seed=config.seed,
                    extra=_extra_digests(extra_files), environment=_versions(),
                    evidence_sha256=evidence_hash(report_dict(run)) if run is not None else "",
                    sources_sha256=combined_digest(sources), sources=sources)


def in_registry_order(run: RunResult) -> RunResult:
    """``run`` with its results in registry order (claims not registered last, in run order)."""
    position = {cid: index for index, cid in enumerate(REGISTRY)}
    ordered = sorted(run.results.items(), key=lambda item: position.get(item[0], len(position)))
    return replace(run, results=dict(ordered))


def document_of(run: RunResult, directory: str | Path, extra_files: Sequence[str | Path] = (),
                command: str | None = None) -> Document:
    """Write the figures into ``directory/figures`` and return the document model of ``run``."""
    run = in_registry_order(run)
    figures_dir = Path(directory) / FIGURES
    figures_dir.mkdir(parents=True, exist_ok=True)
    closed_form = closed_form_figures(figures_dir)
    by_experiment = experiment_figures(run.experiments, figures_dir)
    return build_document(run, by_experiment, closed_form, command or command_line(run.config, extra_files),
                          _versions())


def claim_graph_source(document: Document, urls: dict[str, str] | None = None) -> str:
    """The DOT source of ``document``'s dependency graph (nodes linked to ``urls`` when given)."""
    results = document.run.results
    return dot_source({v.claim.id: v.claim.uses for v in document.views}, document.numbers,
                      {cid: STATUS_COLOURS[r.status] for cid, r in results.items()},
                      [v.claim.id for v in document.views if v.claim.negative_control], urls)


def build_appendix(run: RunResult, directory: str | Path, extra_files: Sequence[str | Path] = (),
                   command: str | None = None) -> Manifest:
    """Write the appendix of ``run`` into ``directory`` (created if needed) and
    return its manifest; the claims appear in registry order."""
    directory = Path(directory)
    document = document_of(run, directory, extra_files, command)
    run = document.run
    report = report_dict(run)
    manifest = current_manifest(run, extra_files)
    graph = layout(claim_graph_source(document))
    provenance = {
        "evidence_sha256": manifest.evidence_sha256, "sources_sha256": manifest.sources_sha256,
        "profile": manifest.profile, "seed": manifest.seed, "dps": manifest.dps,
        "environment_text": ", ".join(f"{name} {v}" for name, v in manifest.environment.items()),
        "extra": [Path(p).name for p in manifest.extra],
        "claims": report["summary"]["claims"], "as_expected": report["summary"]["as_expected"],
        "passed": report["summary"]["passed"],
    }
    (directory / BODY_TEX).write_text(render_body(document, graph, provenance))
    (directory / APPENDIX_TEX).write_text(render_document(provenance))
    (directory / REPORT_JSON).write_text(json.dumps(report, indent=2, default=str) + "\n")
    generated = [directory / APPENDIX_TEX, directory / BODY_TEX, directory / REPORT_JSON]
    generated += [p for p in (directory / FIGURES).iterdir() if p.suffix in (".pdf", ".png")]
    manifest.generated = file_digests(generated, directory)
    manifest.write(directory)
    return manifest


def check_appendix(directory: str | Path, rerun: bool = False,
                   progress: Callable[[str], None] = lambda line: None, jobs: int = 1) -> list[str]:
    """Why the appendix in ``directory`` is stale (empty: it is current).

    Without ``rerun`` nothing is run: the sources, library versions and reviewer
    files are compared with those recorded, and every generated file with its
    recorded digest. Since a run is determined by the sources, the versions and
    the recorded profile, dps and seed, this is enough to tell that the evidence
    would be the same; ``rerun`` runs the claims again to confirm it."""
    recorded = read_manifest(Path(directory))
    config = RunConfig(profile=PROFILES[recorded.profile], dps=recorded.dps, seed=recorded.seed)
    extra = list(recorded.extra)
    run = None
    if rerun:
        run = run_claims(load_claims([p for p in extra if Path(p).is_file()]), config, progress, jobs=jobs)
    return staleness(Path(directory), current_manifest(run, extra, config))


def _first_error(log: Path) -> str:
    """The first error line of a LaTeX log (``! ...`` or ``file:line: ...``)."""
    if not log.is_file():
        return "no log written"
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith("!") or re.match(r"^[^:\s]+\.tex:\d+: ", line):
            return line.lstrip("! ").strip()
    return "see the log"


def compile_pdf(directory: str | Path) -> Path:
    """Compile ``directory/appendix.tex`` to PDF; the path of the PDF."""
    directory = Path(directory).resolve()
    flags = ["-interaction=nonstopmode", "-halt-on-error", "-file-line-error"]
    if shutil.which("latexmk"):
        passes = [["latexmk", "-pdf", *flags, APPENDIX_TEX]]
    elif shutil.which("pdflatex"):
        passes = [["pdflatex", *flags, APPENDIX_TEX]] * 2
    else:
        raise LatexNotInstalled("neither latexmk nor pdflatex is installed; on Debian/Ubuntu: "
                                f"apt-get install {' '.join(DEBIAN_PACKAGES)}")
    log = directory / APPENDIX_TEX.replace(".tex", ".log")
    for command in passes:
        done = subprocess.run(command, cwd=directory, capture_output=True, timeout=_LATEX_TIMEOUT)
        if done.returncode != 0:
            raise LatexError(f"{command[0]} failed: {_first_error(log)} (log: {log})")
    return directory / APPENDIX_TEX.replace(".tex", ".pdf")
