"""The LaTeX appendix: the claims, their evidence and status, rendered from a run.

``proofcheck appendix`` runs the claims and writes a standalone document and
an includable body, the figures and a manifest; ``proofcheck appendix --check
DIR`` fails when DIR's appendix is stale. The modules: ``latex`` (escaping),
``graph`` (dependency-graph layout), ``figures``, ``render`` (Jinja2 templates
and the views they render), ``manifest`` (hashes and the staleness check),
``build`` (the directory, the PDF) and ``claims_index`` (``docs/claims.md``).

Main definitions
- ``build_appendix(run, directory, extra_files) -> Manifest``.
- ``check_appendix(directory, rerun=False) -> list[str]``: why it is stale.
- ``compile_pdf(directory) -> Path``.
- ``render_derivation(evidence) -> str``: the LaTeX of one checked derivation.
- ``claims_index.claims_index_markdown(claims) -> str`` (run as a module to
  print ``docs/claims.md``).
"""

from proofs_checks.appendix.build import (
    DEBIAN_PACKAGES, LatexError, LatexNotInstalled, build_appendix, check_appendix, compile_pdf,
)
from proofs_checks.appendix.render import render_derivation

__all__ = ["build_appendix", "check_appendix", "compile_pdf", "render_derivation", "LatexError",
           "LatexNotInstalled", "DEBIAN_PACKAGES"]
