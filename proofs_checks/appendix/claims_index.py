"""The claims index of the documentation (``docs/claims.md``), generated from the registry.

Main definitions
- ``claims_index_markdown(claims)``: a Markdown page with one table row per
  claim (id, title, source, uses, expected, layers) and then every statement,
  in registry order, the project's macros expanded (standard LaTeX for Markdown
  renderers). ``tests/test_appendix.py`` checks that the committed
  ``docs/claims.md`` equals ``claims_index_markdown(load_claims())``;
  regenerate it with ``python -m proofs_checks.appendix.claims_index > docs/claims.md``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from proofs_checks.claim import LAYERS, Claim
from proofs_checks.prose import ProseError, expand_macros, split_math

__all__ = ["claims_index_markdown"]

_HEADER = """# Claims index

Generated from the claim registry by `python -m proofs_checks.appendix.claims_index > docs/claims.md`;
do not edit by hand (a test fails when this file is not current). Statements are LaTeX, as in the appendix.
Layers: S symbolic derivation, N numeric (mpmath), P property (Hypothesis), E experiment.
The status of each claim is not listed here: it is computed by a run (`proofcheck run`, `proofcheck appendix`).
"""


def _markdown_text(text: str) -> str:
    """Plain text with Markdown's emphasis, link, HTML and table characters escaped."""
    return re.sub(r"([\\`*_\[\]<>|])", r"\\\1", text).replace("\n", " ")


def _standard_latex(text: str) -> str:
    """``text`` with the project's macros expanded in its math, for Markdown renderers."""
    try:
        return "".join(f"${expand_macros(piece)}$" if is_math else piece for is_math, piece in split_math(text))
    except ProseError:
        return text


def claims_index_markdown(claims: Mapping[str, Claim]) -> str:
    """The Markdown claims index of ``claims`` (see the module header)."""
    lines = [_HEADER, "| id | title | source | uses | expected | layers |", "|---|---|---|---|---|---|"]
    for claim in claims.values():
        uses = ", ".join(f"[`{u}`](#{u})" for u in claim.uses) or "(none)"
        layers = "".join(layer[0].upper() if layer in claim.checks else "." for layer in LAYERS)
        lines.append(f"| [`{claim.id}`](#{claim.id}) | {_markdown_text(claim.title)} | {claim.source} | {uses} | "
                     f"{claim.expected} | `{layers}` |")
    lines.append("\n## Statements\n")
    for claim in claims.values():
        lines.append(f"### {claim.id}\n")
        lines.append(f"**{_markdown_text(claim.title)}** ({claim.source}; expected: {claim.expected}; "
                     f"uses: {', '.join(f'`{u}`' for u in claim.uses) or 'none'})\n")
        lines.append(f"{_standard_latex(claim.statement)}\n")
    return "\n".join(lines)


if __name__ == "__main__":
    from proofs_checks import load_claims

    print(claims_index_markdown(load_claims()), end="")
