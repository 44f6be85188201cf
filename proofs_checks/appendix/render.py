"""Rendering the appendix as LaTeX: the Jinja2 environment over the document model.

Everything the appendix says is read from the document model
(``document.build_document``): the derivation steps are the LaTeX that SymPy
produced from the checked ``Derivation`` objects, with SymPy's verdict in
words; nothing is retyped. Templates use ``<< >>`` for values, ``<% %>`` for
statements and ``<# #>`` for comments, so LaTeX braces need no escaping.

Main definitions
- ``environment()``: the Jinja2 environment over ``templates/`` with the
  filters ``tex`` (``escape_text``), ``prose`` (prose with ``$...$`` math,
  ``prose.to_latex``), ``machine`` (machine text in the suite's ASCII notation:
  labels, findings, summaries, through ``prose.ascii_to_prose`` first),
  ``heading`` (``prose`` for section titles, math with a plain-text bookmark),
  ``formula`` (a step as ``\\pcformula{left}{relation and right}``), ``number``
  (``latex_number``), ``relation`` (``relation_latex``), ``label`` (``label_key``),
  ``ident`` (an id or hash in typewriter, breakable),
  ``mark`` (a layer outcome as a symbol) and ``value`` (``document.readable_value``).
- ``latex_number(value)``: ``m \\times 10^{e}`` with 4 significant digits
  (``10^{e}`` when ``m = 1``), from a float or exactly from an mpmath string
  (``"2.6728e-51"``, ``"+inf"``), so exponents beyond the float64 range are kept.
- ``relation_latex(relation)``: a bound check's relation in math.
- ``render_derivation(evidence)``: the LaTeX of one symbolic evidence (the
  unit of the golden tests); ``render_body(document, graph)``, ``render_document(document)``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

import jinja2

from proofs_checks.appendix.document import Document, certificate_prose, readable_reprs, readable_value, step_views
from proofs_checks.appendix.graph import GraphLayout
from proofs_checks.appendix.latex import escape_text, label_key, split_relation
from proofs_checks.claim import LAYERS, Evidence
from proofs_checks.prose import ProseError, ascii_to_prose, latex_macro_definitions, split_math, to_latex, to_plain

__all__ = ["environment", "latex_number", "relation_latex", "render_derivation", "render_body", "render_document",
           "STATUS_COLOURS", "VERDICT_COLOURS", "machine_latex"]

STATUS_COLOURS = {
    "proved": "8FD18A",
    "verified": "9CC7EC",
    "demonstrated": "CDB5E8",
    "refuted": "F9B66B",
    "contradicted": "F3C98A",
    "inconclusive": "DDDDDD",
    "failed": "EE6A6A",
}
"""Fill colour (HTML hex) of each status, in the graph, the overview table and the badges."""
VERDICT_COLOURS = {
    "holds as stated": "8FD18A",
    "holds with qualification": "F3E08A",
    "not supported": "F9B66B",
    "refuted": "EE6A6A",
    "not examined": "DDDDDD",
    "not checked": "DDDDDD",
}
"""Fill colour of each verdict on a statement of the paper."""
_MARKS = {"passed": r"\textcolor{pcok}{$\checkmark$}", "refuted": r"\textcolor{pcbad}{$\times$}",
          "contradicted": r"\textcolor{pcbad}{$\sim$}",
          "inconclusive": r"\textbf{?}", "failed": r"\textcolor{pcbad}{\textbf{!}}", None: r"\textcolor{pcgrey}{--}"}
"""A layer's outcome as a symbol (``None``: the claim has no such layer)."""
_RELATIONS = {"<": "<", "<=": r"\le", ">": ">", ">=": r"\ge", "==": "="}


def machine_latex(text: str) -> str:
    """Machine text in the suite's ASCII notation (labels, findings, summaries), or prose, as LaTeX;
    Python reprs of drawn values in it are written out (``document.readable_reprs``)."""
    return to_latex(ascii_to_prose(readable_reprs(str(text))))


def _identifier(text: str) -> str:
    """An id or hash for ``\\texttt``: escaped, breakable after each hyphen and every 16 characters."""
    pieces = re.findall(r"[^-]{1,16}-?|-", str(text))
    return r"\allowbreak{}".join(escape_text(piece) for piece in pieces)


def _heading(text: str) -> str:
    """``machine_latex`` for a section title: each math piece with its plain text for the PDF bookmarks."""
    out = []
    try:
        pieces = split_math(ascii_to_prose(text))
    except ProseError:
        return escape_text(text)
    for is_math, piece in pieces:
        out.append(f"\\texorpdfstring{{${piece}$}}{{{escape_text(to_plain('$' + piece + '$'))}}}" if is_math
                   else escape_text(piece))
    return "".join(out)


def latex_number(value: Any, digits: int = 4) -> str:
    """``value`` in LaTeX math (without ``$``) with ``digits`` significant digits:
    ``1.933 \\times 10^{-49}``, ``10^{-40}``, ``0.01235``, ``0``, ``+\\infty``; read exactly from
    a string, so exponents beyond the float64 range are kept. Anything that is
    not a number is escaped text."""
    text = value if isinstance(value, str) else repr(value)
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        return r"\text{" + escape_text(text) + "}"
    if number.is_nan():
        return r"\mathrm{NaN}"
    if number.is_infinite():
        return r"-\infty" if number < 0 else r"+\infty"
    if number == 0:
        return "0"
    power = number.adjusted()
    if -3 <= power < digits:
        return format(number, f".{digits}g")
    mantissa = round(number.scaleb(-power), digits - 1)
    if abs(mantissa) >= 10:
        mantissa, power = mantissa.scaleb(-1), power + 1
    shown = format(mantissa.normalize(), "f")
    if shown.lstrip("-") == "1":
        return f"{shown[:-1]}10^{{{power}}}"
    return f"{shown} \\times 10^{{{power}}}"


def relation_latex(relation: str) -> str:
    """A bound check's relation in math: ``<=`` as ``\\le``, ``== (within 1e-12)``
    as ``= \\,(\\pm 10^{-12})``."""
    tolerance = re.match(r"==\s*\(within\s*([^)]*)\)", relation)
    if tolerance:
        return rf"= \,(\pm {latex_number(tolerance.group(1))})"
    return _RELATIONS.get(relation.strip(), r"\text{" + escape_text(relation) + "}")


def _formula(latex: str) -> str:
    left, rest = split_relation(latex)
    return f"\\pcformula{{{left}}}{{{rest}}}"


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("proofs_checks.appendix", "templates"),
        block_start_string="<%", block_end_string="%>",
        variable_start_string="<<", variable_end_string=">>",
        comment_start_string="<#", comment_end_string="#>",
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined, autoescape=False,
    )
    env.filters['certificate'] = certificate_prose
    env.filters.update(tex=escape_text, ident=_identifier, prose=to_latex, machine=machine_latex, heading=_heading, formula=_formula, number=latex_number,
                       mark=lambda outcome: _MARKS.get(outcome, r"\textcolor{pcgrey}{--}"), label=label_key, relation=relation_latex,
                       value=readable_value)
    env.globals.update(LAYERS=LAYERS, STATUS_COLOURS=STATUS_COLOURS, VERDICT_COLOURS=VERDICT_COLOURS,
                       MACROS=latex_macro_definitions(), step_views=step_views)
    return env


def render_derivation(evidence: Evidence) -> str:
    """The LaTeX of a symbolic layer's evidence: scope, completeness, definitions,
    and each step with its justification, what it assumes and SymPy's verdict."""
    return environment().get_template("claim.tex.j2").module.derivation(evidence)  # type: ignore[attr-defined]


def render_body(document: Document, graph: GraphLayout, provenance: Mapping[str, Any]) -> str:
    """``body.tex``: front matter, overview, graph, closed forms, experiments, then the claims by group."""
    return environment().get_template("body.tex.j2").render(doc=document, run=document.run, graph=graph,
                                                            provenance=provenance)


def render_document(provenance: Mapping[str, Any]) -> str:
    """``appendix.tex``: a standalone document that ``\\input``s ``body.tex``."""
    return environment().get_template("appendix.tex.j2").render(provenance=provenance)
