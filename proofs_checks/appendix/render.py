"""Rendering the appendix from a run: the Jinja2 environment and the views it renders.

Everything the appendix says about a claim is read from the run's evidence
(``RunResult``): the derivation steps are the LaTeX that SymPy produced from
the checked ``Derivation`` objects, with SymPy's verdict on each; nothing is
retyped. Templates use ``<< >>`` for values, ``<% %>`` for statements and
``<# #>`` for comments, so LaTeX braces need no escaping.

Main definitions
- ``environment()``: the Jinja2 environment over ``templates/`` with the
  filters ``tex`` (``escape_text``), ``prose``, ``heading`` (``prose`` for
  section titles), ``math`` (``text_with_math``), ``formula`` (a step as
  ``\\pcformula{left}{relation and right}``), ``number`` (``latex_number``),
  ``relation`` (``relation_latex``), ``label`` (``label_key``) and ``mark``
  (a layer outcome as a symbol).
- ``latex_number(value)``: ``m \\times 10^{e}`` with 4 significant digits
  (``10^{e}`` when ``m = 1``), from a float or exactly from an mpmath string
  (``"2.6728e-51"``, ``"+inf"``), so exponents beyond the float64 range are kept.
- ``relation_latex(relation)``: a bound check's relation in math.
- ``BoundSummary``, ``summarize_bounds(checks)``: how many bound checks hold,
  the ``TIGHTEST`` holding inequalities by relative margin
  ``|bound - value| / max(|value|, |bound|)`` (``BoundCheck.margin``), and
  every violated check.
- ``status_reason(result)``: the rule of ``status_of`` that gave the status.
- ``ClaimView``: a claim's result, its evidence by layer, bound summaries, the
  figures shown with it and those it refers to.
- ``render_derivation(evidence)``: the LaTeX of one symbolic evidence (the
  unit of the golden tests); ``render_body(...)``, ``render_document(...)``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

import jinja2

from proofs_checks.appendix.figures import Figure
from proofs_checks.appendix.graph import GraphLayout
from proofs_checks.appendix.latex import escape_text, label_key, prose, split_relation, text_with_math
from proofs_checks.claim import ESTABLISHED, LAYERS, Evidence
from proofs_checks.experiments import BoundCheck
from proofs_checks.runner import ClaimResult, RunResult

__all__ = ["environment", "latex_number", "relation_latex", "BoundSummary", "summarize_bounds", "status_reason",
           "ClaimView", "claim_views", "render_derivation", "render_body", "render_document", "TIGHTEST",
           "STATUS_COLOURS"]

TIGHTEST = 3
STATUS_COLOURS = {
    "proved": "8FD18A",
    "verified": "9CC7EC",
    "demonstrated": "CDB5E8",
    "refuted": "F9B66B",
    "failed": "EE6A6A",
}
"""Fill colour (HTML hex) of each status, in the graph, the overview table and the badges."""
_MARKS = {"passed": r"\textcolor{pcok}{$\checkmark$}", "refuted": r"\textcolor{pcbad}{$\times$}",
          "inconclusive": r"\textbf{?}", "failed": r"\textcolor{pcbad}{\textbf{!}}", None: r"\textcolor{pcgrey}{--}"}
"""A layer's outcome as a symbol (``None``: the claim has no such layer)."""
_RELATIONS = {"<": "<", "<=": r"\le", ">": ">", ">=": r"\ge", "==": "="}


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


@dataclass(frozen=True)
class BoundSummary:
    """The bound checks of one experiment layer, summarized."""

    total: int
    holding: int
    tightest: tuple[tuple[dict[str, Any], float], ...]
    violated: tuple[dict[str, Any], ...]


def summarize_bounds(checks: Sequence[Mapping[str, Any]], tightest: int = TIGHTEST) -> BoundSummary:
    """Counts, the ``tightest`` holding inequality checks (smallest relative
    margin, as ``proofcheck experiment`` ranks them) and every violated check."""
    holding = [c for c in checks if c["passed"]]
    ranked = sorted(((c, BoundCheck(**c).margin) for c in holding if not c["relation"].startswith("==")),
                    key=lambda pair: pair[1])
    return BoundSummary(len(checks), len(holding), tuple(ranked[:tightest]),
                        tuple(c for c in checks if not c["passed"]))


def status_reason(result: ClaimResult) -> str:
    """Which rule of ``status_of`` gave the status, from the evidence."""
    by_layer = {e.layer: e for e in result.evidence}

    def outcome(layer: str) -> str | None:
        return by_layer[layer].outcome if layer in by_layer else None

    symbolic = by_layer.get("symbolic")
    if result.status == "refuted":
        layers = [e.layer for e in result.evidence if e.outcome == "refuted"]
        return f"counterexample found by the {', '.join(layers)} layer{'s' if len(layers) > 1 else ''}"
    if result.status == "failed":
        layers = [e.layer for e in result.evidence if e.outcome == "failed"]
        if layers:
            return f"the {', '.join(layers)} layer{'s' if len(layers) > 1 else ''} failed to run"
        return "the layers that passed do not establish the claim"
    if symbolic is None:
        derivation = "no derivation"
    elif symbolic.outcome != "passed":
        derivation = f"derivation {symbolic.outcome}"
    elif not symbolic.fields.get("complete", False):
        derivation = "derivation partial (it covers only its stated scope)"
    else:
        derivation = "complete derivation"
    if result.status == "proved":
        return f"{derivation}; numeric and property layers passed" + (
            "; experiment passed" if outcome("experiment") == "passed" else "")
    if result.status == "demonstrated":
        return f"experiment passed; {derivation}"
    return f"numeric and property layers passed; {derivation}"


@dataclass
class ClaimView:
    """What the appendix shows for one claim."""

    result: ClaimResult
    evidence: dict[str, Evidence]
    bounds: BoundSummary | None
    figures: list[Figure] = field(default_factory=list)
    figures_elsewhere: list[Figure] = field(default_factory=list)

    @property
    def claim(self) -> Any:
        return self.result.claim

    @property
    def reason(self) -> str:
        return status_reason(self.result)

    @property
    def starred(self) -> bool:
        """Established on its own evidence, but uses a claim that is not fully established."""
        return self.result.status in ESTABLISHED and not self.result.fully_established


def claim_views(run: RunResult, experiment_figures: Mapping[str, list[Figure]]) -> list[ClaimView]:
    """One view per claim in run order; an experiment's figures appear with the
    first claim that uses the experiment, and later claims refer to them."""
    shown: set[str] = set()
    views = []
    for result in run.results.values():
        evidence = {e.layer: e for e in result.evidence}
        experiment = evidence.get("experiment")
        view = ClaimView(result, evidence, summarize_bounds(experiment.fields.get("checks", [])) if experiment else None)
        for name in (experiment.fields.get("experiments", []) if experiment else []):
            target = view.figures_elsewhere if name in shown else view.figures
            target.extend(experiment_figures.get(name, []))
            shown.add(name)
        views.append(view)
    return views


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
    env.filters.update(tex=escape_text, prose=prose, heading=lambda text: prose(text, heading=True), math=text_with_math, formula=_formula,
                       number=latex_number, mark=lambda outcome: _MARKS[outcome], label=label_key,
                       relation=relation_latex)
    env.globals.update(LAYERS=LAYERS, STATUS_COLOURS=STATUS_COLOURS)
    return env


def render_derivation(evidence: Evidence) -> str:
    """The LaTeX of a symbolic layer's evidence: scope, completeness, definitions,
    and each step with its justification and SymPy's verdict."""
    return environment().get_template("claim.tex.j2").module.derivation(evidence)  # type: ignore[attr-defined]


def render_body(run: RunResult, views: Sequence[ClaimView], graph: GraphLayout,
                closed_form: Sequence[Figure], provenance: Mapping[str, Any]) -> str:
    """``body.tex``: overview, dependency graph, closed-form figures, then the
    analytic claims, the experiment claims and the negative controls."""
    groups = [
        ("Analytic claims", [v for v in views if not v.claim.negative_control and "experiment" not in v.evidence]),
        ("Claims with experiments", [v for v in views if not v.claim.negative_control and "experiment" in v.evidence]),
        ("Negative controls", [v for v in views if v.claim.negative_control]),
    ]
    return environment().get_template("body.tex.j2").render(
        run=run, views=views, groups=[g for g in groups if g[1]], graph=graph, closed_form=closed_form,
        provenance=provenance)


def render_document(provenance: Mapping[str, Any]) -> str:
    """``appendix.tex``: a standalone document that ``\\input``s ``body.tex``."""
    return environment().get_template("appendix.tex.j2").render(provenance=provenance)
