"""The appendix as a document model: what the PDF and the web pages show, built once from a run.

Both renderings (``render`` for LaTeX, ``html`` for the web) read this model,
so they show the same sections, numbers, links and texts. Every text is read
from objects (the run's evidence, the claim registry, ``notation_table``,
``assumptions``, ``paper``, the experiment registry), never typed into a template.

Main definitions
- ``SUBSECTIONS``: the front subsections, in order; the claim groups follow,
  so a claim's number is ``A.<len(SUBSECTIONS) + group>.<position>``.
- ``Reproduction``: the command, version, git commit, seed, profile and what it
  means, dps, library versions and run time of the run.
- ``StepView``: one derivation step: formula, justification, kind, what it
  assumes, whether it is informal, SymPy's outcome in words.
- ``ClaimView``: a claim's result, evidence by layer, number, the claims it
  uses and that use it, the paper statements it tests, its experiments, its
  bound summary (``summarize_bounds``; definitional checks excluded from the tightest).
- ``ExperimentView``: an experiment's title, setup, thresholds, findings,
  figures and the claims that rest on it.
- ``Document``: all of the above plus the verdicts and the closed-form figures;
  ``build_document(run, experiment_figures, closed_form, command)``.
- ``readable_reprs(text)``: ``text`` with every such repr in it written out.
- ``readable_value(text)``: a drawn value's repr (``(BinaryRewardProblem([..], [..]), 1.0)``)
  as prose (``$a = (0.5, 0.5)$, $v = (1, 0)$; $1.0$``).
"""

from __future__ import annotations

import ast
import re
import subprocess
from decimal import Decimal
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

from proofs_checks import paper
from proofs_checks.prose import ascii_to_prose
from proofs_checks.assumptions import STANDING, Assumption
from proofs_checks.claim import ESTABLISHED, LAYERS, Evidence
from proofs_checks.experiments import EXPERIMENTS, BoundCheck
from proofs_checks.notation_table import NOTATION, Notation
from proofs_checks.runner import ClaimResult, RunResult

__all__ = ["SUBSECTIONS", "TIGHTEST", "Figure", "Reproduction", "StepView", "BoundSummary", "summarize_bounds",
           "ClaimView", "ExperimentView", "Document", "build_document", "readable_value", "status_reason",
           "step_views", "command_line", "readable_reprs"]

SUBSECTIONS = ("Reproducing this run", "Notation", "Standing assumptions", "The paper and the verdicts",
               "Overview of the claims", "Closed forms", "Experiments")
TIGHTEST = 3
_STEP_PHRASES = {
    "identity": "the difference reduces to 0",
    "limit": "SymPy computes the limit",
    "asymptotic": "the ratio tends to 1",
    "sign": "the sign follows from the cited facts",
    "convex-minimum": "zero first derivative and positive second derivative",
    "finite": "a finite sum of finite terms",
    "standard-result": "every hypothesis of the standard result checked",
    "informal": "an informal step, not checked by SymPy",
}


@dataclass(frozen=True)
class Figure:
    """A figure: ``path`` relative to the appendix directory (the PDF; the PNG sits beside it),
    ``caption`` as prose with ``$...$`` math, ``label``."""

    path: str
    caption: str
    label: str

    @property
    def png(self) -> str:
        return str(Path(self.path).with_suffix(".png"))


@dataclass(frozen=True)
class Reproduction:
    command: str
    version: str
    commit: str
    seed: int
    profile: str
    profile_meaning: str
    dps: int
    libraries: Mapping[str, str]
    seconds: float


def command_line(config: Any, extra: Sequence[str] = ()) -> str:
    """The ``proofcheck appendix`` command that reproduces a run of ``config``."""
    parts = ["proofcheck appendix --pdf", f"--profile {config.profile.name}", f"--seed {config.seed}",
             f"--dps {config.dps}"]
    parts += [f"--extra {Path(p).name}" for p in extra]
    return " ".join(parts)


def _git_commit() -> str:
    root = Path(__file__).resolve().parents[2]
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return "not available (not a git checkout)"
    if head.returncode != 0:
        return "not available (not a git checkout)"
    return head.stdout.strip() + (" (with uncommitted changes)" if dirty.stdout.strip() else "")


@dataclass(frozen=True)
class StepView:
    index: int
    latex: str
    because: str
    kind: str
    assumes: tuple[str, ...]
    outcome: str

    @property
    def informal(self) -> bool:
        return self.kind == "informal"

    @property
    def phrase(self) -> str:
        """SymPy's verdict on the step, in words."""
        if self.outcome == "verified":
            return "verified: " + _STEP_PHRASES.get(self.kind, "checked by SymPy")
        if self.informal:
            return _STEP_PHRASES["informal"]
        return {"refuted": "refuted: false at the point below", "inconclusive": "inconclusive: SymPy could not"
                " decide it and no point where it fails was found"}.get(self.outcome, self.outcome)


def step_views(evidence: Evidence) -> list[StepView]:
    """The steps of a symbolic layer's evidence, with the optional ``kind`` and ``assumes`` fields."""
    return [StepView(index, step.get("latex", ""), step.get("because", ""), str(step.get("kind", "")),
                     tuple(str(a) for a in step.get("assumes", ())), step.get("outcome", ""))
            for index, step in enumerate(evidence.fields.get("steps", []), 1)]


@dataclass(frozen=True)
class BoundSummary:
    """The bound checks of one experiment layer, summarized."""

    total: int
    holding: int
    tightest: tuple[tuple[dict[str, Any], float], ...]
    violated: tuple[dict[str, Any], ...]
    definitional: int


def summarize_bounds(checks: Sequence[Mapping[str, Any]], experiments: Sequence[str] = (),
                     tightest: int = TIGHTEST) -> BoundSummary:
    """Counts, the ``tightest`` holding inequality checks by relative margin (equalities and the
    checks the ``experiments`` call definitional excluded) and every violated check."""
    def definitional(label: str) -> bool:
        return any(EXPERIMENTS[name].is_definitional(label) for name in experiments if name in EXPERIMENTS)

    holding = [c for c in checks if c["passed"]]
    ranked = sorted(((c, BoundCheck(**c).margin) for c in holding
                     if not c["relation"].startswith("==") and not definitional(c["label"])),
                    key=lambda pair: pair[1])
    return BoundSummary(len(checks), len(holding), tuple(ranked[:tightest]),
                        tuple(c for c in checks if not c["passed"]),
                        sum(1 for c in checks if definitional(c["label"]) or c["relation"].startswith("==")))


def status_reason(result: ClaimResult) -> str:
    """Which rule of ``status_of`` gave the status, from the evidence."""
    by_layer = {e.layer: e for e in result.evidence}
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
        experiment = by_layer.get("experiment")
        return f"{derivation}; numeric and property layers passed" + (
            "; experiment passed" if experiment is not None and experiment.outcome == "passed" else "")
    if result.status == "demonstrated":
        return f"experiment passed; {derivation}"
    return f"numeric and property layers passed; {derivation}"


def _literal(node: ast.AST) -> str:
    if isinstance(node, ast.Call):
        name = getattr(node.func, "id", getattr(node.func, "attr", ""))
        if name == "BinaryRewardProblem" and len(node.args) == 2:
            return f"$a = {_literal(node.args[0])}$, $v = {_literal(node.args[1])}$"
        if name == "array" and node.args:
            return _literal(node.args[0])
        return ", ".join(_literal(arg) for arg in node.args)
    if isinstance(node, (ast.Tuple, ast.List)):
        items = [_literal(e) for e in node.elts]
        if len(items) >= 4 and len(set(items)) == 1:
            return f"({items[0]}, \\dots, {items[0]})\\ ({len(items)} \\text{{ equal entries}})"
        return "(" + ", ".join(items) + ")"
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return "-" + _literal(node.operand)
    if isinstance(node, ast.Dict):
        return ", ".join(f"{_name(_literal(k))} = {_literal(v)}" for k, v in zip(node.keys, node.values) if k is not None)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        if re.fullmatch(r"[-+]?\d+(\.\d+)?(e[-+]?\d+)?", node.value):
            return format(Decimal(node.value).normalize(), ".16g")  # shown to 16 digits; the report keeps all
        return node.value
    if isinstance(node, ast.Constant):
        return repr(node.value)
    return ast.unparse(node)


def _name(key: str) -> str:
    """A point's coordinate name as math: Greek letters as symbols."""
    return f"\\{key}" if key in ("alpha", "beta", "gamma", "mu", "eta", "theta", "sigma", "lambda") else key


_REPR_START = re.compile(r"\(?\b(?:[A-Z][A-Za-z]*|array)\(\[|\{'")


def readable_reprs(text: str) -> str:
    """``text`` with each Python repr of a drawn value in it (``(BinaryRewardProblem([..], [..]), 1.0)``,
    ``array([..])``) written out by ``readable_value``."""
    out, position = [], 0
    for match in _REPR_START.finditer(text):
        if match.start() < position:
            continue
        depth, end = 0, match.start()
        for end in range(match.start(), len(text)):
            depth += {"(": 1, "[": 1, "{": 1, ")": -1, "]": -1, "}": -1}.get(text[end], 0)
            if depth == 0:
                break
        out += [text[position:match.start()], readable_value(text[match.start():end + 1])]
        position = end + 1
    return "".join(out) + text[position:]


_SHOWN_DIGITS = 24
"""Significant digits of an exact number shown in the document (the report keeps every digit)."""


def _exact_number(text: str) -> str:
    """An exact decimal or fraction (a point coordinate or an enclosure bound) as LaTeX math:
    scientific notation as ``\\times 10^{k}``, long mantissas cut with an ellipsis."""
    text = str(text).strip()
    if text in ("+oo", "-oo"):
        return ("-" if text[0] == "-" else "") + r"\infty"
    mantissa, _, exponent = text.partition("e")
    if "/" in mantissa:
        numerator, denominator = mantissa.split("/")
        return rf"\frac{{{_exact_number(numerator)}}}{{{_exact_number(denominator)}}}"
    sign = "-" if mantissa.startswith("-") else ""
    digits = mantissa.lstrip("+-")
    if len(digits.replace(".", "")) > _SHOWN_DIGITS:
        digits = digits[:_SHOWN_DIGITS + 1] + r"\ldots"
    return sign + digits + (rf" \times 10^{{{int(exponent)}}}" if exponent else "")


def certificate_prose(certificate: Mapping[str, Any], names: Sequence[str] = ()) -> str:
    """A certified counterexample in words: the instance or drawn example, the exact point, the
    enclosures of the two sides and how they were obtained (prose with ``$...$`` math)."""
    sentences = []
    if certificate.get("case"):
        sentences.append(f"case: {ascii_to_prose(str(certificate['case']))}")
    if certificate.get("example"):
        sentences.append(f"drawn example: {readable_value(str(certificate['example']), names)}")
    point = certificate.get("point") or {}
    if point:
        coordinates = ", ".join(rf"{_symbol(name)} = {_exact_number(value)}" for name, value in point.items())
        sentences.append(f"at ${coordinates}$ (exact)")
    if "lhs" in certificate and "rhs" in certificate:
        lhs, rhs = (", ".join(_exact_number(b) for b in certificate[side]) for side in ("lhs", "rhs"))
        sentences.append(rf"the left side lies in $[{lhs}]$ and the right side in $[{rhs}]$")
    method = certificate.get("method")
    if method == "arb":
        sentences.append(f"ball arithmetic at {certificate.get('prec', '?')} bits")
    elif method == "exact":
        sentences.append("decided exactly by SymPy at the point")
    return "; ".join(sentences) + "."


def _symbol(name: str) -> str:
    """A symbol name of the suite as LaTeX (``alpha`` -> ``\\alpha``, ``s_1`` -> ``s_{1}``)."""
    base, _, index = str(name).partition("_")
    greek = {"alpha", "beta", "mu", "gamma", "lambda", "eta", "rho"}
    head = rf"\{base}" if base in greek else base
    return f"{head}_{{{index}}}" if index else head


def readable_value(text: str, names: Sequence[str] = ()) -> str:
    """A drawn value (a repr) as prose: problems as their $a$ and $v$, arrays as tuples; the items
    of a top-level tuple named by ``names`` when there are as many."""
    try:
        tree = ast.parse(str(text).strip(), mode="eval").body
    except SyntaxError:
        return str(text)
    items = list(tree.elts) if isinstance(tree, ast.Tuple) else [tree]
    shown = []
    for index, item in enumerate(items):
        value = _literal(item)
        value = value if "$" in value else f"${value}$"
        shown.append(f"{names[index]}: {value}" if len(names) == len(items) else value)
    return "; ".join(shown)


@dataclass
class ClaimView:
    """What the document shows for one claim."""

    result: ClaimResult
    evidence: dict[str, Evidence]
    number: str = ""
    used_by: list[str] = field(default_factory=list)
    statements: list[paper.Statement] = field(default_factory=list)
    bounds: BoundSummary | None = None

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

    @property
    def experiments(self) -> list[str]:
        experiment = self.evidence.get("experiment")
        return list(experiment.fields.get("experiments", [])) if experiment else []

    @property
    def steps(self) -> list[StepView]:
        return step_views(self.evidence["symbolic"]) if "symbolic" in self.evidence else []

    @property
    def property_tested(self) -> str:
        """What the property layer tested: the test's docstring, or the claim's statement in float64."""
        check = self.claim.checks.get("property")
        doc = (check[0].__doc__ or "").strip() if check else ""
        if doc:
            return " ".join(doc.split())
        drawn = ", ".join(str(s).split("(")[0].replace("_", " ") for s in (check[1] if check else ()))
        return f"the statement, in float64, at random instances drawn by Hypothesis ({drawn})"

    @property
    def property_names(self) -> tuple[str, ...]:
        import inspect

        check = self.claim.checks.get("property")
        return tuple(inspect.signature(check[0]).parameters) if check else ()


@dataclass
class ExperimentView:
    name: str
    title: str
    number: str
    setup: tuple[str, ...]
    thresholds: tuple[Any, ...]
    findings: list[str]
    figures: list[Figure]
    claims: list[str]
    seconds: float | None = None


@dataclass
class Document:
    run: RunResult
    reproduction: Reproduction
    notation: tuple[Notation, ...]
    assumptions: tuple[Assumption, ...]
    verdicts: list[paper.Verdict]
    views: list[ClaimView]
    groups: list[tuple[str, str, list[ClaimView]]]
    experiments: list[ExperimentView]
    closed_form: list[Figure]

    def view(self, claim_id: str) -> ClaimView:
        return next(v for v in self.views if v.claim.id == claim_id)

    @property
    def numbers(self) -> dict[str, str]:
        return {v.claim.id: v.number for v in self.views}


def _groups(views: Sequence[ClaimView]) -> list[tuple[str, str, list[ClaimView]]]:
    groups = [
        ("analytic", "Analytic claims",
         [v for v in views if not v.claim.negative_control and "experiment" not in v.evidence]),
        ("experimental", "Claims with experiments",
         [v for v in views if not v.claim.negative_control and "experiment" in v.evidence]),
        ("controls", "Negative controls and unqualified readings", [v for v in views if v.claim.negative_control]),
    ]
    return [g for g in groups if g[2]]


def build_document(run: RunResult, experiment_figures: Mapping[str, list[Figure]], closed_form: Sequence[Figure],
                   command: str, libraries: Mapping[str, str]) -> Document:
    """The document model of ``run`` (its results in the order they are to be shown)."""
    profile = run.config.profile
    reproduction = Reproduction(
        command=command, version=version("proofcheck"), commit=_git_commit(), seed=run.config.seed,
        profile=profile.name,
        profile_meaning=(f"{profile.examples} Hypothesis examples and {profile.numeric_cases} random numeric cases"
                         " per claim"),
        dps=run.config.dps, libraries=dict(libraries), seconds=run.seconds)
    views = []
    for result in run.results.values():
        evidence = {e.layer: e for e in result.evidence}
        view = ClaimView(result, evidence)
        experiment = evidence.get("experiment")
        if experiment is not None:
            view.bounds = summarize_bounds(experiment.fields.get("checks", []), experiment.fields.get("experiments", []))
        views.append(view)
    groups = _groups(views)
    for group_index, (_, _, members) in enumerate(groups, len(SUBSECTIONS) + 1):
        for position, view in enumerate(members, 1):
            view.number = f"A.{group_index}.{position}"
    order = [v for _, _, members in groups for v in members]
    for view in order:
        view.used_by = [other.claim.id for other in order if view.claim.id in other.claim.uses]
        view.statements = [s for s in paper.STATEMENTS if view.claim.id in s.claims]
    experiments = []
    section = SUBSECTIONS.index("Experiments") + 1
    for index, (name, result) in enumerate(run.experiments.items(), 1):
        experiment = EXPERIMENTS[name]
        experiments.append(ExperimentView(
            name=name, title=experiment.title, number=f"A.{section}.{index}", setup=experiment.setup,
            thresholds=experiment.thresholds, findings=list(result.findings),
            figures=list(experiment_figures.get(name, [])),
            claims=[v.claim.id for v in order if name in v.experiments]))
    return Document(run, reproduction, NOTATION, STANDING, paper.verdicts(run.results), order, groups, experiments,
                    list(closed_form))


