"""The web version of the appendix: a static site rendered from the same document model as the PDF.

``proofcheck appendix --html DIR`` writes ``DIR/index.html`` (reproduction,
notation, standing assumptions, the paper and the verdicts, the overview
table, the dependency graph as an SVG from ``dot`` whose nodes link to the
claim pages, the closed forms and the experiments), one page per claim
(``DIR/claims/<id>.html``: statement, parts, qualification, derivation with
what each step assumes, evidence, status badge, uses and used-by links),
``DIR/style.css`` and the figures as PNG. Math is MathML from ``latex2mathml``
(``prose.to_mathml``), so the pages render with no network access; nothing is
loaded from outside the directory.

Main definitions
- ``claim_page(claim_id)``: the path of a claim's page relative to the site root.
- ``render_site(document, graph_svg)``: ``{relative path: HTML text}``.
- ``build_site(run, directory, extra_files, command)``: write the site; the path of ``index.html``.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from proofs_checks.appendix.build import FIGURES, claim_graph_source, document_of
from proofs_checks.appendix.document import Document, certificate_prose, readable_value, step_views
from proofs_checks.appendix.graph import svg
from proofs_checks.appendix.render import STATUS_COLOURS, VERDICT_COLOURS
from proofs_checks.claim import LAYERS
from proofs_checks.prose import ascii_to_prose, to_mathml
from proofs_checks.runner import RunResult

__all__ = ["claim_page", "render_site", "build_site"]

_FILE_SAFE = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._")


def claim_page(claim_id: str) -> str:
    """``claims/<id>.html``, with characters unsafe in a file name written ``_XX`` (hex)."""
    return "claims/" + "".join(c if c in _FILE_SAFE else f"_{ord(c):02X}" for c in claim_id) + ".html"


def _prose(text: Any) -> Markup:
    """Prose with ``$...$`` math as HTML with MathML."""
    return Markup(to_mathml(str(text)))


def _machine(text: Any) -> Markup:
    """Machine text in the suite's ASCII notation (labels, findings, summaries) as HTML with MathML."""
    return Markup(to_mathml(ascii_to_prose(str(text))))


def _formula(latex: str) -> Markup:
    return Markup(to_mathml(f"${latex}$").replace('display="inline"', 'display="block"'))


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("proofs_checks.appendix", "templates/site"),
                             autoescape=True, trim_blocks=True, lstrip_blocks=True,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    env.filters['certificate'] = certificate_prose
    env.filters.update(prose=_prose, machine=_machine, formula=_formula, value=readable_value, page=claim_page)
    env.globals.update(LAYERS=LAYERS, STATUS_COLOURS=STATUS_COLOURS, VERDICT_COLOURS=VERDICT_COLOURS,
                       step_views=step_views)
    return env


def render_site(document: Document, graph_svg: str) -> dict[str, str]:
    """Every page of the site by path relative to its root."""
    env = _environment()
    pages = {"index.html": env.get_template("index.html.j2").render(doc=document, graph_svg=Markup(graph_svg),
                                                                     root="")}
    claim_template = env.get_template("claim.html.j2")
    for view in document.views:
        pages[claim_page(view.claim.id)] = claim_template.render(doc=document, view=view, root="../")
    pages["style.css"] = env.get_template("style.css").render()
    return pages


def build_site(run: RunResult, directory: str | Path, extra_files: Sequence[str | Path] = (),
               command: str | None = None) -> Path:
    """Write the web appendix of ``run`` into ``directory``; the path of its ``index.html``."""
    directory = Path(directory)
    document = document_of(run, directory, extra_files, command)
    urls = {view.claim.id: claim_page(view.claim.id) for view in document.views}
    pages = render_site(document, svg(claim_graph_source(document, urls)))
    for relative, text in pages.items():
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for stale in (directory / FIGURES).glob("*.pdf"):
        stale.unlink()
    return directory / "index.html"
