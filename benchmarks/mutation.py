"""Mutation benchmark: do the claims catch a wrong value in the mathematics?

    nice -n 10 python benchmarks/mutation.py [--sample N] [--seed S] [--modules closed_form precise ...]
                                             [--jobs 2] [--timeout SECONDS]

Generates every single-point mutant of the library modules ``theory/closed_form.py``,
``precise.py``, ``symbolic.py``, ``problem.py``, ``divergences.py`` and
``multi_prompt.py`` from their syntax trees, keeps the *relevant* ones (those
that change a public value), runs the full claims run on each of a seeded
sample of them, and prints a table per module (mutants generated, relevant,
run, killed, survived, kill rate) and every survivor with its diff. It does
not run in CI: about a minute per mutant on two cores.

Main definitions
- Mutation operators (one edit of the source each): swap ``+``/``-`` and
  ``*``/``/``, ``**`` to ``*``; negate or perturb a numeric constant (``c -> -c``,
  ``c -> c + 1`` for integers, ``c -> 1.001 c`` for floats); negate a comparison
  (``<`` to ``>=``, ``==`` to ``!=``, ...) or move its boundary (``<`` to ``<=``);
  drop a unary minus or a ``not``; swap ``and``/``or``, ``min``/``max``,
  ``log``/``log1p``, ``exp``/``expm1``; replace a returned ``a op b`` or
  ``x if c else y`` by one of its operands.
- The probe: every public function of the mutated module (the methods of
  ``BinaryRewardProblem`` and of its ``precise`` view, the symbolic forms
  evaluated at rational points) at representative inputs of its domain, with
  the extremes ``alpha = 1e-300`` and subnormal, ``1 - alpha = 1e-15``,
  ``beta = 1e-6 .. 1e6`` and ``inf``, ``mu`` next to ``alpha`` and next to 1,
  ``n = 64``, zero masses. A mutant is relevant when some value moves by more
  than ``1e-9`` relative, or becomes NaN, or raises (or hangs) where the
  original did not. Invalid inputs are not probed: the error messages are the
  library tests' business, not the claims'.
- The verdict: the mutated module is written into a temporary copy of the
  committed ``theory/`` and ``proofs_checks/`` (``git archive`` of the commit ``HEAD``
  names when the benchmark starts; the working tree is neither read nor touched) and the claims run there. The analytic layers run first (those that exercise the
  module, then numeric, property and symbolic), on ``--jobs`` processes, and the
  run stops as soon as a claim expected to hold can no longer come out
  as expected (a layer refuted or failed, its required derivation not passed,
  or a numeric or property layer inconclusive where no experiment can
  demonstrate the claim): the full run would then exit with code 1. Otherwise
  ``python -m proofs_checks run --jobs N`` runs in full and its exit code is
  the verdict. First the analytic layers run on an unmutated copy: they must
  come out as expected, and four times their time (at least two minutes)
  bounds a mutant's analytic layers; a run past that, or past ``--timeout``
  in all, counts as killed (a run that does not finish does not pass) and is
  listed.
"""

from __future__ import annotations

import argparse
import ast
import difflib
import json
import math
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
REF = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True,
                     check=True).stdout.strip()
"""The commit whose library and claims are mutated and run: ``HEAD`` when the benchmark starts, kept
for the whole run (the working tree, where others may be editing, is never read or touched, and
later commits do not mix into the measurement)."""
MODULES = ("closed_form", "precise", "symbolic", "problem", "divergences", "multi_prompt")
RELATIVE_CHANGE = 1e-9
FIRST = {
    "closed_form": ("validity-monotone:property", "beta-mu:property", "forward-kl-limit:property"),
    "precise": ("beta-mu:numeric", "validity-monotone:numeric", "forward-kl-limit:numeric"),
    "symbolic": ("gibbs-identity:numeric", "beta-mu:numeric"),
    "problem": ("conditional-invariance:property", "gibbs-identity:property", "degeneracy:property",
                "gibbs-identity:numeric"),
    "divergences": ("reverse-kl-infinite:property", "filtered-selection:property", "reverse-kl-infinite:numeric"),
    "multi_prompt": ("multi-prompt-beta:numeric", "multi-prompt-beta:property"),
}
"""The layers that exercise each module, run first on its mutants (for speed only: when none of
them settles the verdict, every layer runs)."""
PROBE_SECONDS = 10.0


# --- mutants --------------------------------------------------------------------

@dataclass(frozen=True)
class Mutant:
    """One edit of one module: the byte range ``[start, end)`` of its source replaced by ``text``."""

    module: str
    index: int
    operator: str
    line: int
    start: int
    end: int
    text: str

    @property
    def name(self) -> str:
        return f"{self.module}#{self.index}"

    def source(self, original: bytes) -> str:
        return (original[: self.start] + self.text.encode() + original[self.end:]).decode()

    def diff(self, original: bytes) -> str:
        before = original.decode().splitlines()
        after = self.source(original).splitlines()
        lines = difflib.unified_diff(before, after, f"theory/{self.module}.py", f"theory/{self.module}.py", n=0, lineterm="")
        return "\n".join(line for line in lines if not line.startswith("@@"))


_SWAPS = {ast.Add: (ast.Sub, "+", "-"), ast.Sub: (ast.Add, "-", "+"), ast.Mult: (ast.Div, "*", "/"),
          ast.Div: (ast.Mult, "/", "*"), ast.Pow: (ast.Mult, "**", "*")}
_NEGATED = {ast.Lt: ">=", ast.LtE: ">", ast.Gt: "<=", ast.GtE: "<", ast.Eq: "!=", ast.NotEq: "==",
            ast.Is: "is not", ast.IsNot: "is", ast.In: "not in", ast.NotIn: "in"}
_BOUNDARY = {ast.Lt: "<=", ast.LtE: "<", ast.Gt: ">=", ast.GtE: ">"}
_COMPARISON_TEXT = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=",
                    ast.Is: "is", ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in"}
_RENAMES = {"log": "log1p", "log1p": "log", "exp": "expm1", "expm1": "exp", "min": "max", "max": "min"}


class _Offsets:
    """Byte offsets of (line, column) positions of a UTF-8 source."""

    def __init__(self, source: bytes) -> None:
        self.starts = [0]
        for line in source.splitlines(keepends=True):
            self.starts.append(self.starts[-1] + len(line))

    def start(self, node: ast.AST) -> int:
        return self.starts[node.lineno - 1] + node.col_offset

    def end(self, node: ast.AST) -> int:
        return self.starts[node.end_lineno - 1] + node.end_col_offset


def _without_comments(text: str) -> str:
    """``text`` with ``# ...`` comments blanked (same length), for locating operator tokens."""
    out, comment = [], False
    for char in text:
        comment = (comment or char == "#") and char != "\n"
        out.append(" " if comment else char)
    return "".join(out)


def _token_at(gap: str, token: str) -> int:
    """The offset of the operator ``token`` in the text between two operands (-1 if absent)."""
    clean = _without_comments(gap)
    index = clean.find(token)
    while index >= 0:
        before = clean[index - 1] if index > 0 else " "
        after = clean[index + len(token)] if index + len(token) < len(clean) else " "
        if token.isalpha() or (before not in "*/<>=!" and after not in "*/=<>"):
            return index
        index = clean.find(token, index + 1)
    return -1


def _skipped_nodes(tree: ast.Module) -> set[int]:
    """Nodes that hold no mathematics: docstrings, f-strings, raise statements, annotations,
    ``__all__``, decorators and imports (ids of the nodes and everything below them)."""
    roots: list[ast.AST] = []
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            roots.append(body[0])
        if isinstance(node, (ast.JoinedStr, ast.Raise, ast.Import, ast.ImportFrom, ast.Assert)):
            roots.append(node)
        if isinstance(node, ast.arg) and node.annotation is not None:
            roots.append(node.annotation)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            roots += node.decorator_list + ([node.returns] if node.returns else [])
        if isinstance(node, ast.ClassDef):
            roots += node.decorator_list
        if isinstance(node, ast.AnnAssign):
            roots.append(node.annotation)
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            roots.append(node)
    return {id(child) for root in roots for child in ast.walk(root)}


def generate(module: str) -> list[Mutant]:
    """Every single-point mutant of ``theory/<module>.py`` (in source order) that still parses."""
    source = committed(f"theory/{module}.py")
    tree = ast.parse(source)
    offsets = _Offsets(source)
    skipped = _skipped_nodes(tree)
    edits: list[tuple[str, int, int, int, str]] = []

    def segment(node: ast.AST) -> str:
        return source[offsets.start(node): offsets.end(node)].decode()

    def token_edit(operator: str, left: ast.AST, right: ast.AST, token: str, replacement: str) -> None:
        gap_start, gap_end = offsets.end(left), offsets.start(right)
        gap = source[gap_start:gap_end].decode()
        where = _token_at(gap, token)
        if where >= 0:
            start = gap_start + len(gap[:where].encode())
            edits.append((operator, left.end_lineno, start, start + len(token.encode()), replacement))

    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.BinOp) and type(node.op) in _SWAPS:
            _, token, replacement = _SWAPS[type(node.op)]
            token_edit(f"swap {token} -> {replacement}", node.left, node.right, token, replacement)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.Not)):
            start = offsets.start(node)
            length = 1 if isinstance(node.op, ast.USub) else offsets.start(node.operand) - start
            edits.append(("drop unary -" if isinstance(node.op, ast.USub) else "drop not", node.lineno, start,
                          start + length, ""))
        elif isinstance(node, ast.Compare):
            lefts = [node.left, *node.comparators[:-1]]
            for op, left, right in zip(node.ops, lefts, node.comparators):
                token = _COMPARISON_TEXT[type(op)]
                token_edit(f"negate {token}", left, right, token, _NEGATED[type(op)])
                if type(op) in _BOUNDARY:
                    token_edit(f"boundary {token}", left, right, token, _BOUNDARY[type(op)])
        elif isinstance(node, ast.BoolOp):
            token = "and" if isinstance(node.op, ast.And) else "or"
            for left, right in zip(node.values, node.values[1:]):
                token_edit(f"swap {token}", left, right, token, "or" if token == "and" else "and")
        elif isinstance(node, ast.Constant) and type(node.value) in (int, float):
            value = node.value
            start, end = offsets.start(node), offsets.end(node)
            if value != 0:
                edits.append(("negate constant", node.lineno, start, end, f"(-{segment(node)})"))
            perturbed = value + 1 if isinstance(value, int) else (value * 1.001 if value != 0 else 1e-3)
            edits.append(("perturb constant", node.lineno, start, end, repr(perturbed)))
        elif isinstance(node, ast.Call):
            function = node.func
            name = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", None)
            if name in _RENAMES:
                end = offsets.end(function)
                edits.append((f"{name} -> {_RENAMES[name]}", function.end_lineno, end - len(name), end, _RENAMES[name]))
        elif isinstance(node, ast.Return) and isinstance(node.value, (ast.BinOp, ast.IfExp)):
            operands = (node.value.left, node.value.right) if isinstance(node.value, ast.BinOp) else (
                node.value.body, node.value.orelse)
            for side, operand in zip(("left", "right"), operands):
                edits.append((f"return the {side} operand", node.lineno, offsets.start(node.value),
                              offsets.end(node.value), f"({segment(operand)})"))
    mutants = []
    for operator, line, start, end, text in sorted(edits, key=lambda e: (e[2], e[3], e[0])):
        candidate = Mutant(module, len(mutants), operator, line, start, end, text)
        try:
            ast.parse(candidate.source(source))
        except SyntaxError:
            continue
        mutants.append(candidate)
    return mutants


# --- the probe ------------------------------------------------------------------

class ProbeTimeout(BaseException):
    """A probe call ran longer than ``PROBE_SECONDS`` (a ``BaseException``, so that no
    ``except Exception`` in the library swallows it)."""


def _alarm(signum: int, frame: Any) -> None:
    raise ProbeTimeout


def load(module: str, source: str) -> types.ModuleType:
    """``source`` executed as a fresh module (the rest of ``theory`` is the original)."""
    name = f"_probed_{module}"
    namespace = types.ModuleType(name)
    namespace.__package__ = "theory"
    sys.modules[name] = namespace
    try:
        exec(compile(source, f"theory/{module}.py", "exec"), namespace.__dict__)
    finally:
        del sys.modules[name]
    return namespace


def _values(value: Any) -> list[Any]:
    """A flat list of the numbers (mpf or float) and texts a probe call returned."""
    import mpmath
    import numpy as np
    import sympy as sp

    if isinstance(value, (list, tuple)):
        return [item for part in value for item in _values(part)]
    if isinstance(value, np.ndarray):
        return [item for part in value.ravel().tolist() for item in _values(part)]
    if isinstance(value, dict):
        return [item for key in sorted(value, key=str) for item in _values(key) + _values(value[key])]
    if isinstance(value, (bool, np.bool_)):
        return [str(bool(value))]
    if isinstance(value, (int, float, np.integer, np.floating)):
        return [float(value)]
    if isinstance(value, mpmath.mpf):
        return [value]
    if isinstance(value, sp.Basic):
        number = value.evalf(30) if not value.free_symbols else None
        if number is not None and number.is_real and number.is_number:
            return [mpmath.mpf(sp.Float(number, 30)._mpf_)] if number.is_finite else [str(number)]
        return [sp.srepr(value)]
    return [repr(value)]


def _moved(first: Any, second: Any) -> bool:
    """Whether two probed values differ by more than ``RELATIVE_CHANGE`` relative (NaN and
    infinities must match exactly; texts must be equal)."""
    import mpmath

    if isinstance(first, str) or isinstance(second, str):
        return first != second
    first, second = mpmath.mpf(first), mpmath.mpf(second)
    if mpmath.isnan(first) or mpmath.isnan(second):
        return not (mpmath.isnan(first) and mpmath.isnan(second))
    if mpmath.isinf(first) or mpmath.isinf(second):
        return first != second
    return abs(first - second) > RELATIVE_CHANGE * max(abs(first), abs(second))


def probe(module: str, source: str) -> dict[str, list[Any]]:
    """Every public value of the module built from ``source``: label -> flat values, or
    ``["raises <Error>"]``; ``{"import": ...}`` alone when the module does not load."""
    import mpmath

    results: dict[str, list[Any]] = {}
    previous = signal.signal(signal.SIGALRM, _alarm)
    try:
        signal.setitimer(signal.ITIMER_REAL, PROBE_SECONDS)
        try:
            namespace = load(module, source)
        except Exception as error:
            return {"import": [f"raises {type(error).__name__}"]}
        with mpmath.workdps(30):
            calls = PROBES[module](namespace)
            while True:
                try:
                    label, call = next(calls)
                except StopIteration:
                    break
                except Exception as error:  # building the inputs (a problem) raised
                    results["inputs"] = [f"raises {type(error).__name__}"]
                    break
                try:
                    results[label] = _values(call())
                except ProbeTimeout:
                    results[label] = ["hangs"]
                    break
                except Exception as error:
                    results[label] = [f"raises {type(error).__name__}"]
    except ProbeTimeout:
        results["timeout"] = ["hangs"]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    return results


def first_change(original: dict[str, list[Any]], mutated: dict[str, list[Any]]) -> str | None:
    """The first probe label whose values moved (or that appeared, disappeared, or raised)."""
    for label in list(original) + [label for label in mutated if label not in original]:
        before, after = original.get(label), mutated.get(label)
        if before is None or after is None or len(before) != len(after):
            return label
        if any(_moved(x, y) for x, y in zip(before, after)):
            return label
    return None


# Representative inputs: the domain's extremes and a few interior points.
ALPHAS = ("5e-324", "1e-300", "1e-200", "1e-15", "1e-6", "0.05", "0.3", "0.5", "0.7", "0.95", "0.999999",
          "0.999999999999999")
BETAS = ("1e-6", "1e-4", "1e-3", "0.01", "0.05", "0.3", "1", "1.5", "3", "1e3", "1e6", "inf")
FRACTIONS = ("1e-12", "1e-6", "0.01", "0.3", "0.5", "0.9", "0.999999")
PHI_ARGUMENTS = ("-1", "-0.9999", "-0.7", "-0.5", "-0.49", "-0.1", "-1e-10", "0", "1e-10", "0.3", "0.49", "0.5",
                 "2", "1e6")


def _targets(alpha: float) -> list[float]:
    """``mu`` in ``[alpha, 1)``: ``alpha`` itself, the next float, fractions of the gap, ``2 alpha``, the float below 1."""
    above = [alpha, math.nextafter(alpha, 1.0), math.nextafter(1.0, 0.0)]
    above += [alpha + (1 - alpha) * float(f) for f in FRACTIONS]
    if 2 * alpha < 1:
        above.append(2 * alpha)
    return sorted(mu for mu in set(above) if alpha <= mu < 1)


def _closed_form_probes(m: types.ModuleType) -> Iterator[tuple[str, Callable[[], Any]]]:
    import mpmath
    import numpy as np

    alphas = np.array([float(a) for a in ALPHAS])
    betas = np.array([float(b) for b in BETAS])
    grid_a, grid_b = np.meshgrid(alphas, betas)
    for name in ("validity_rate", "invalidity_rate", "log_partition", "optimal_value", "forward_kl_to_filtered"):
        yield f"{name}(grid)", lambda name=name: getattr(m, name)(grid_a, grid_b)
        yield f"{name}(0.3, 2.0)", lambda name=name: getattr(m, name)(0.3, 2.0)
    for a in alphas:
        targets = _targets(float(a))
        yield f"beta_for_validity({a!r}, mu)", lambda a=a, t=targets: m.beta_for_validity(a, np.array(t))
        below = [0.0, 1.0, float(a) / 2, float(a) * 0.99]
        yield f"kl_budget({a!r}, mu)", lambda a=a, t=targets + below: m.kl_budget(a, np.array(t))
    for value, exact in ((1.0, "1.0000000000000000001"), (0.1, "0.1"), (5e-324, "3e-324"), (1e-310, "1.00001e-310"),
                         (-2.5, "-2.5000000001"), (float("inf"), "2e308"), (0.0, "0"), (1e300, "1.0000001e300")):
        yield f"ulp_error({value!r}, {exact})", lambda v=value, e=exact: m.ulp_error(v, mpmath.mpf(e))


def _precise_probes(m: types.ModuleType) -> Iterator[tuple[str, Callable[[], Any]]]:
    from mpmath import mpf

    for a in ALPHAS[1:]:
        for b in BETAS:
            for name in ("validity_rate", "invalidity_rate", "log_partition", "optimal_value", "forward_kl_to_filtered"):
                yield f"{name}({a}, {b})", lambda name=name, a=a, b=b: getattr(m, name)(mpf(a), mpf(b))
        targets = _targets(float(a))
        yield f"beta_for_validity({a}, mu)", lambda a=a, t=targets: [m.beta_for_validity(mpf(a), mu) for mu in t]
        yield f"kl_budget({a}, mu)", lambda a=a, t=targets: [m.kl_budget(mpf(a), mu) for mu in t + [0, 1, float(a) / 2]]
        yield f"logit({a})", lambda a=a: m.logit(mpf(a))
    for t in ("-800", "-30", "-1", "0", "1e-20", "2", "40", "800"):
        yield f"sigmoid({t})", lambda t=t: m.sigmoid(mpf(t))
    for r in PHI_ARGUMENTS:
        yield f"binary_phi({r})", lambda r=r: m.binary_phi(mpf(r))


def _symbolic_probes(m: types.ModuleType) -> Iterator[tuple[str, Callable[[], Any]]]:
    import sympy as sp

    points = [(sp.Rational(3, 10), sp.Rational(7, 10), sp.Rational(1, 2)), (sp.Rational(1, 1000), sp.Rational(1, 20),
              sp.Rational(99, 100)), (sp.Rational(9, 10), sp.Rational(30), sp.Rational(95, 100))]
    for a, b, mu in points:
        at = {m.alpha: a, m.beta: b, m.mu: mu}
        for name in ("partition", "validity_rate", "invalidity_rate", "log_partition", "optimal_value",
                     "forward_kl_to_filtered"):
            yield f"{name}({a}, {b})", lambda name=name, at=at: getattr(m, name)(m.alpha, m.beta).subs(at)
        for name in ("beta_for_validity", "kl_budget", "binary_kl"):
            yield f"{name}({a}, {mu})", lambda name=name, at=at: getattr(m, name)(m.alpha, m.mu).subs(at)
        yield f"binary_kl({mu}, {a})", lambda at=at: m.binary_kl(m.mu, m.alpha).subs(at)
        yield f"sigmoid({b})", lambda b=b: m.sigmoid(b)
        yield f"logit({a})", lambda a=a: m.logit(a)
    rational = [sp.Rational(1, 5), sp.Rational(3, 10), sp.Rational(1, 2)]
    yield "kl_divergence", lambda: m.kl_divergence(rational, [sp.Rational(1, 3)] * 3)
    yield "kl_divergence with a zero", lambda: m.kl_divergence([0, sp.Rational(1, 2), sp.Rational(1, 2)], rational)
    yield "entropy", lambda: m.entropy(rational)
    yield "entropy with a zero", lambda: m.entropy([0, sp.Rational(1, 4), sp.Rational(3, 4)])
    for sizes in ((1, 1), (2, 1), (1, 2), (3, 2)):
        model = m.OutcomeModel(*sizes)
        symbols = sorted(set().union(*(sp.sympify(x).free_symbols for x in model.base + model.policy)) | {m.beta},
                         key=str)
        at = {s: sp.Rational(1, 5 + k) for k, s in enumerate(symbols)}
        at[model.policy_mass] = sp.Rational(2, 5)
        for name in ("base", "filtered", "policy", "valid_policy", "filtered_weights", "invalid_weights"):
            yield f"OutcomeModel{sizes}.{name}", lambda model=model, name=name, at=at: [
                sp.sympify(x).subs(at) for x in getattr(model, name)]
        yield f"OutcomeModel{sizes}.n, validity", lambda model=model: (model.n, model.validity)
        yield f"OutcomeModel{sizes}.tilted", lambda model=model, at=at: [x.subs(at) for x in model.tilted()]
        yield f"OutcomeModel{sizes}.tilted(2)", lambda model=model, at=at: [x.subs(at) for x in model.tilted(sp.Integer(2))]
        yield f"OutcomeModel{sizes}.expected_reward", lambda model=model, at=at: model.expected_reward(model.policy).subs(at)
        yield f"OutcomeModel{sizes}.objective", lambda model=model, at=at: model.objective(model.policy).subs(at)
        yield f"OutcomeModel{sizes}.objective(valid)", lambda model=model, at=at: model.objective(model.valid_policy).subs(at)
    generic = m.GenericOutcomes()
    yield "GenericOutcomes.facts", lambda: {str(k): str(v) for k, v in generic.facts.items()}
    yield "GenericOutcomes.total", lambda: str(generic.total(generic.a[generic.y]))


def _problems(m: types.ModuleType) -> list[tuple[str, Any]]:
    import numpy as np

    rng = np.random.default_rng(0)
    wide = 10.0 ** -rng.uniform(0, 6, 64)
    wide /= wide.sum()
    inputs = [
        ("[0.3, 0.7]", [0.3, 0.7], [1, 0]),
        ("4 outputs", [0.1, 0.2, 0.3, 0.4], [1, 0, 1, 0]),
        ("alpha = 1e-300", [1e-300, 1.0], [1, 0]),
        ("1 - alpha = 2^-40", [1 - 2.0**-40, 2.0**-40], [1, 0]),
        ("a zero mass", [0.5, 0.0, 0.25, 0.25], [1, 1, 0, 0]),
        ("n = 64", wide, [int(k % 3 == 0) for k in range(64)]),
        ("decimal strings", ["0.25", "0.25", "0.5"], [1, 0, 0]),
    ]
    return [(label, m.BinaryRewardProblem(base, valid)) for label, base, valid in inputs]


def _problem_probes(m: types.ModuleType) -> Iterator[tuple[str, Callable[[], Any]]]:
    import numpy as np

    for label, problem in _problems(m):
        for view_name in ("float64", "precise"):
            view = problem if view_name == "float64" else problem.precise
            where = f"{label}, {view_name}"
            for name in ("n", "valid", "base", "alpha", "one_minus_alpha", "filtered"):
                yield f"{name} ({where})", lambda view=view, name=name: getattr(view, name)
            q = np.linspace(1, 2, problem.n)
            q = q / q.sum()
            for b in BETAS:
                beta = float(b)
                for name in ("log_tilted", "tilted", "validity_rate", "invalidity_rate", "forward_kl_to_filtered",
                             "log_partition", "optimal_value"):
                    yield f"{name}({b}) ({where})", lambda view=view, name=name, beta=beta: getattr(view, name)(beta)
                yield f"objective(q, {b}) ({where})", lambda view=view, q=q, beta=beta: view.objective(q, beta)
                yield f"objective(p_*, {b}) ({where})", lambda view=view, beta=beta: view.objective(
                    problem.filtered, beta)
            yield f"objective(base, inf) ({where})", lambda view=view: view.objective(problem.base, float("inf"))
            for q_label, vector in (("q", q), ("p_*", problem.filtered), ("p_1", problem.tilted(1.0))):
                yield f"kl_to_base({q_label}) ({where})", lambda view=view, v=vector: view.kl_to_base(v)
                yield f"n_eff({q_label}) ({where})", lambda view=view, v=vector: view.n_eff(v)


def _divergence_inputs() -> list[tuple[str, Any, Any]]:
    import numpy as np

    rng = np.random.default_rng(1)
    p = rng.uniform(0.1, 1, 6)
    p /= p.sum()
    q = rng.uniform(0.1, 1, 6)
    q /= q.sum()
    near = p * (1 + 1e-6 * rng.uniform(-1, 1, 6))
    near /= near.sum()
    tiny = np.array([1e-300, 1e-200, 0.5, 0.5 - 1e-200])
    return [
        ("p, q", p, q),
        ("p, p", p, p.copy()),
        ("p, p(1 + 1e-6)", p, near),
        ("zero in p", np.array([0.0, 0.5, 0.5]), np.array([0.2, 0.3, 0.5])),
        ("zero in q", np.array([0.2, 0.3, 0.5]), np.array([0.0, 0.5, 0.5])),
        ("tiny masses", tiny, tiny[::-1].copy()),
        ("disjoint", np.array([1.0, 0.0]), np.array([0.0, 1.0])),
    ]


def _divergence_probes(m: types.ModuleType) -> Iterator[tuple[str, Callable[[], Any]]]:
    import mpmath
    import numpy as np

    for label, p, q in _divergence_inputs():
        for backend, (u, w) in (("float64", (p, q)), ("mpmath", ([mpmath.mpf(x) for x in p], [mpmath.mpf(x) for x in q]))):
            where = f"{label}, {backend}"
            yield f"kl_divergence ({where})", lambda u=u, w=w: m.kl_divergence(u, w)
            yield f"kl_divergence reversed ({where})", lambda u=u, w=w: m.kl_divergence(w, u)
            yield f"total_variation ({where})", lambda u=u, w=w: m.total_variation(u, w)
            yield f"entropy ({where})", lambda u=u: m.entropy(u)
            yield f"effective_support ({where})", lambda u=u: m.effective_support(u)
            for order in ("0", "0.3", "0.5", "0.999", "1", "1.001", "2", "5", "inf"):
                yield f"renyi_divergence {order} ({where})", lambda u=u, w=w, o=order: m.renyi_divergence(
                    u, w, float(o) if backend == "float64" else mpmath.mpf(o))
            for a in ("-1", "0", "1e-6", "0.3", "0.5", "0.7", "1", "1.5", "3"):
                yield f"amari_divergence {a} ({where})", lambda u=u, w=w, a=a: m.amari_divergence(
                    u, w, float(a) if backend == "float64" else mpmath.mpf(a))
    scaled = (np.array([0.2, 0.5]), np.array([0.3, 0.4]))
    yield "kl_divergence of unnormalized masses", lambda: m.kl_divergence(*scaled)
    yield "kl_divergence renormalized", lambda: m.kl_divergence(*scaled, renormalize=True)
    yield "kl_divergence renormalized, nearly normalized", lambda: m.kl_divergence(
        np.array([0.3, 0.7 + 1e-12]), np.array([0.4, 0.6]), renormalize=True)
    yield "kl_divergence renormalized, mpmath", lambda: m.kl_divergence(
        [mpmath.mpf("0.2"), mpmath.mpf("0.5")], [mpmath.mpf("0.3"), mpmath.mpf("0.4")], renormalize=True)
    points = ("0", "1e-300", "1e-10", "0.3", "0.5", "0.7", "0.9999999999", "1")
    yield "binary_kl(x, y)", lambda: [m.binary_kl(float(x), float(y)) for x in points for y in points]
    yield "binary_kl(x, y), mpmath", lambda: [m.binary_kl(mpmath.mpf(x), mpmath.mpf(y)) for x in points for y in points]


def _multi_prompt_probes(m: types.ModuleType) -> Iterator[tuple[str, Callable[[], Any]]]:
    import mpmath
    import numpy as np

    sets = (([0.3], None), ([0.1, 0.5, 0.9], None), ([0.1, 0.5, 0.9], [1.0, 2.0, 3.0]), ([1e-6, 0.2, 0.99], None),
            ([1e-300, 0.5], [3.0, 1.0]))
    for rates, weights in sets:
        where = f"{rates}, weights {weights}"
        floor = float(np.average(rates, weights=weights))
        betas = np.array([1e-3, 0.1, 1.0, 10.0, 1e6])
        yield f"mean_validity ({where})", lambda r=rates, w=weights: m.mean_validity(r, betas, w)
        yield f"mean_validity scalar ({where})", lambda r=rates, w=weights: m.mean_validity(r, 0.5, w)
        for mu in (0.5, 0.95, 0.999):
            yield f"per_prompt_beta({mu}) ({where})", lambda r=rates, mu=mu: m.per_prompt_beta(r, mu)
        for target in (floor + (1 - floor) * 1e-6, (1 + floor) / 2, 1 - 1e-6):
            yield f"beta_for_mean_validity({target!r}) ({where})", lambda r=rates, w=weights, t=target: (
                m.beta_for_mean_validity(r, t, w))
            yield f"beta_for_mean_validity_mp({target!r}) ({where})", lambda r=rates, w=weights, t=target: (
                m.beta_for_mean_validity_mp(r, t, w))
        for beta in ("1e-3", "0.5", "1e6"):
            yield f"mean_validity_mp({beta}) ({where})", lambda r=rates, w=weights, b=beta: m.mean_validity_mp(
                r, mpmath.mpf(b), w)


PROBES: dict[str, Callable[[types.ModuleType], Iterator[tuple[str, Callable[[], Any]]]]] = {
    "closed_form": _closed_form_probes,
    "precise": _precise_probes,
    "symbolic": _symbolic_probes,
    "problem": _problem_probes,
    "divergences": _divergence_probes,
    "multi_prompt": _multi_prompt_probes,
}


# --- the verdict ----------------------------------------------------------------

_DRIVER = """
import json, multiprocessing, os, sys
from concurrent.futures import ProcessPoolExecutor, as_completed
import proofs_checks.cli  # the modules the command line loads, before the first layer
import proofs_checks.layers
from hypothesis import Phase
from proofs_checks import load_claims
from proofs_checks.layers import RunConfig, run_layer

# No shrinking here: it only makes a failure's example smaller, never a failure a pass, and this phase
# stops on failures alone; a run that would pass is decided by the full command.
class _Phases:
    explicit, generate, shrink = Phase.explicit, Phase.generate, Phase.explicit
proofs_checks.layers.Phase = _Phases

claims, config = load_claims(), RunConfig()
order = ("numeric", "property", "symbolic")  # the quick layers first: a kill is usually found there
tasks = [(cid, layer) for layer in order for cid, claim in claims.items() if layer in claim.checks]
first = [tuple(task.split(":")) for task in sys.argv[2:]]
tasks = [task for task in first if task in tasks] + [task for task in tasks if task not in first]

def run(cid, layer):
    return run_layer(claims[cid], layer, config)

def settled(claim, evidence):
    if claim.negative_control:
        return False
    if evidence.outcome in ("refuted", "failed", "contradicted"):
        return True
    if evidence.layer == "symbolic" and claim.requires_proof:
        return evidence.outcome != "passed"
    return evidence.outcome == "inconclusive" and "experiment" not in claim.checks

pool = ProcessPoolExecutor(max_workers=int(sys.argv[1]), mp_context=multiprocessing.get_context("fork"))
futures = {pool.submit(run, cid, layer): (cid, layer) for cid, layer in tasks}
verdict = None
for future in as_completed(futures):
    cid, layer = futures[future]
    evidence = future.result()
    if settled(claims[cid], evidence):
        verdict = {"claim": cid, "layer": layer, "outcome": evidence.outcome, "summary": evidence.summary}
        break
print("VERDICT " + json.dumps(verdict), flush=True)
os._exit(0)  # the caller ends the workers still running, with the whole process group
"""


@dataclass
class Verdict:
    killed: bool
    detail: str
    seconds: float


def _run_in(directory: Path, command: list[str], timeout: float) -> tuple[int | None, str]:
    """Run ``command`` in ``directory`` with the copy on the path, in its own process group, until
    the command itself exits or ``timeout``; then end the whole group (workers still running
    included). ``(exit code or None on timeout, stdout and stderr)``."""
    env = {**os.environ, "PYTHONPATH": str(directory), "PYTHONHASHSEED": "0"}
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(command, cwd=directory, env=env, stdout=log, stderr=subprocess.STDOUT, text=True,
                                   start_new_session=True)
        try:
            code: int | None = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            code = None
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()
        log.seek(0)
        return code, log.read()


def _settled(output: str) -> tuple[Any, ...]:
    """``(verdict,)`` from the driver's ``VERDICT`` line (``(None,)``: nothing settled), ``()`` without one."""
    for line in output.splitlines():
        if line.startswith("VERDICT "):
            return (json.loads(line[len("VERDICT "):]),)
    return ()


def _first_unexpected(table: str) -> str:
    for line in table.splitlines():
        if line.rstrip().endswith("UNEXPECTED"):
            fields = line.split()
            return f"{fields[0]} ({fields[-3]})"
    return "no claim marked unexpected"


def _copy(directory: Path) -> None:
    """``theory/`` and ``proofs_checks/`` as committed (``REF``), into ``directory``."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", REF, "theory", "proofs_checks"],
                             capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(directory)], input=archive, check=True)


def committed(path: str) -> bytes:
    """A file of the repository as committed (``REF``)."""
    return subprocess.run(["git", "-C", str(ROOT), "show", f"{REF}:{path}"], capture_output=True, check=True).stdout


def baseline(jobs: int) -> float:
    """The analytic layers on an unmutated copy: they must all come out as expected (else
    no verdict on a mutant would mean anything); their wall time."""
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="mutant-") as work:
        _copy(Path(work))
        code, output = _run_in(Path(work), [sys.executable, "-c", _DRIVER, str(jobs)], 3600)
    if code != 0 or _settled(output) != (None,):
        raise SystemExit(f"the claims do not come out as expected on the unmodified library: {output.strip()[-300:]}")
    return time.perf_counter() - start


def verdict(mutant: Mutant, original: bytes, jobs: int, analytic_timeout: float, timeout: float) -> Verdict:
    """Whether the claims run fails on the mutated copy (see the module header)."""
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="mutant-") as work:
        directory = Path(work)
        _copy(directory)
        (directory / "theory" / f"{mutant.module}.py").write_text(mutant.source(original))
        code, output = _run_in(directory, [sys.executable, "-c", _DRIVER, str(jobs), *FIRST[mutant.module]],
                               analytic_timeout)
        remaining = timeout - (time.perf_counter() - start)
        if code is None:
            return Verdict(True, "timeout (analytic layers)", time.perf_counter() - start)
        found = _settled(output)
        if code != 0 or not found:  # the claims cannot even be loaded: the command fails too
            return Verdict(True, f"the claims run does not start (exit {code}): {output.strip()[-160:]}",
                           time.perf_counter() - start)
        settled = found[0]
        if settled:
            detail = f"{settled['claim']} [{settled['layer']}] {settled['outcome']}: {settled['summary'][:120]}"
            return Verdict(True, detail, time.perf_counter() - start)
        code, output = _run_in(directory, [sys.executable, "-m", "proofs_checks", "run", "--jobs", str(jobs)],
                               max(remaining, 1.0))
    seconds = time.perf_counter() - start
    if code is None:
        return Verdict(True, "timeout (full run)", seconds)
    if code != 0:
        return Verdict(True, f"full run exit {code}: {_first_unexpected(output)}", seconds)
    return Verdict(False, "full run passed", seconds)


# --- the benchmark --------------------------------------------------------------

def _sample(relevant: dict[str, list[Mutant]], size: int | None, seed: int) -> dict[str, list[Mutant]]:
    """A seeded sample of ``size`` relevant mutants, allocated to the modules in proportion
    to their relevant mutants (at least 5 each, or all of them)."""
    total = sum(map(len, relevant.values()))
    if size is None or size >= total:
        return relevant
    rng = random.Random(seed)
    quota = {module: min(len(found), max(5, round(size * len(found) / total))) for module, found in relevant.items()}
    return {module: sorted(rng.sample(found, quota[module]), key=lambda m: m.index) for module, found in relevant.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=None, help="how many relevant mutants to run (default: all)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--modules", nargs="+", choices=MODULES, default=list(MODULES))
    parser.add_argument("--jobs", type=int, default=2, help="worker processes of each claims run")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds before a whole claims run counts as hanging")
    parser.add_argument("--probe-only", action="store_true", help="generate and probe, do not run the claims")
    args = parser.parse_args()

    snapshot = tempfile.TemporaryDirectory(prefix="mutant-")
    _copy(Path(snapshot.name))
    sys.path.insert(0, snapshot.name)  # the probe's imports: the committed library
    if not args.probe_only:
        analytic = baseline(args.jobs)
        analytic_timeout = max(4 * analytic, 120.0)
        print(f"unmutated: the analytic layers come out as expected in {analytic:.0f} s; a mutant's analytic layers "
              f"time out after {analytic_timeout:.0f} s", file=sys.stderr, flush=True)
    originals = {module: committed(f"theory/{module}.py") for module in args.modules}
    generated: dict[str, list[Mutant]] = {}
    relevant: dict[str, list[Mutant]] = {}
    changes: dict[str, str] = {}
    for module in args.modules:
        start = time.perf_counter()
        generated[module] = generate(module)
        reference = probe(module, originals[module].decode())
        relevant[module] = []
        for mutant in generated[module]:
            change = first_change(reference, probe(module, mutant.source(originals[module])))
            if change is not None:
                relevant[module].append(mutant)
                changes[mutant.name] = change
        print(f"probed {module}: {len(generated[module])} mutants, {len(relevant[module])} relevant "
              f"({time.perf_counter() - start:.0f} s)", file=sys.stderr, flush=True)
    chosen = _sample(relevant, args.sample, args.seed)
    verdicts: dict[str, Verdict] = {}
    if not args.probe_only:
        count, done = sum(map(len, chosen.values())), 0
        for module in args.modules:
            for mutant in chosen[module]:
                done += 1
                verdicts[mutant.name] = verdict(mutant, originals[module], args.jobs, analytic_timeout, args.timeout)
                outcome = "killed" if verdicts[mutant.name].killed else "SURVIVED"
                print(f"[{done}/{count}] {mutant.name} line {mutant.line} {mutant.operator}: {outcome} "
                      f"({verdicts[mutant.name].seconds:.0f} s) {verdicts[mutant.name].detail}", file=sys.stderr, flush=True)

    print(f"mutation benchmark: commit {REF[:12]}, seed {args.seed}, sample {args.sample or 'all'}, jobs {args.jobs}")
    header = f"{'module':<14}{'generated':>11}{'relevant':>10}{'run':>6}{'killed':>8}{'survived':>10}{'rate':>8}"
    print(header)
    print("-" * len(header))
    totals = [0, 0, 0, 0, 0]
    for module in args.modules:
        ran = [verdicts[m.name] for m in chosen[module] if m.name in verdicts]
        killed = sum(v.killed for v in ran)
        row = [len(generated[module]), len(relevant[module]), len(ran), killed, len(ran) - killed]
        totals = [t + r for t, r in zip(totals, row)]
        rate = f"{100 * killed / len(ran):.1f}%" if ran else "-"
        print(f"{module:<14}{row[0]:>11}{row[1]:>10}{row[2]:>6}{row[3]:>8}{row[4]:>10}{rate:>8}")
    print("-" * len(header))
    rate = f"{100 * totals[3] / totals[2]:.1f}%" if totals[2] else "-"
    print(f"{'total':<14}{totals[0]:>11}{totals[1]:>10}{totals[2]:>6}{totals[3]:>8}{totals[4]:>10}{rate:>8}")
    timeouts = [name for name, v in verdicts.items() if v.detail.startswith("timeout")]
    if timeouts:
        print(f"counted as killed because the run hung: {', '.join(timeouts)}")
    survivors = [m for module in args.modules for m in chosen[module] if m.name in verdicts and not verdicts[m.name].killed]
    for mutant in survivors:
        print(f"\nsurvivor {mutant.name} ({mutant.operator}, line {mutant.line}; first public change: "
              f"{changes[mutant.name]})")
        print(mutant.diff(originals[mutant.module]))


if __name__ == "__main__":
    main()
