"""Running one evidence layer of one claim.

Main definitions
- ``Profile``: how thorough a run is (``ci``: 200 Hypothesis examples and 24
  random numeric cases per claim; ``thorough``: 2000 and 200).
- ``RunConfig(profile, dps, seed)``: everything that determines a run; the same
  config gives the same evidence (timings aside).
- ``run_layer(claim, layer, config, experiments)``: the ``Evidence`` of that layer.
  A certified violation (a numeric case with a certificate, a property
  assertion its ``confirm`` certifies at high precision, a failing derivation
  step with a point where it fails) is a counterexample: outcome ``refuted``.
  A violated experiment bound is evidence measured in float64 (exact
  enumeration, local optimization), not a certificate: outcome
  ``contradicted``. A numeric case or property assertion
  that fails without a certificate is the library disagreeing with the
  definitions: outcome ``failed``; an undecided case or check (NaN, an
  evaluation error, the precision cap) gives ``inconclusive``. Any other
  exception is outcome ``failed``, with the error as summary.

Every module a run may use is imported before the first layer runs: Hypothesis
draws some values from the constants of loaded modules, so importing a module
midway would change the examples of the layers after it.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable, UnsatisfiedAssumption

from proofs_checks import proof
from proofs_checks.claim import Claim, Evidence, Layer, resolve_part
from proofs_checks.experiments import EXPERIMENTS
from proofs_checks.numeric import MIN_CASES, Case, NumericContext

__all__ = ["Profile", "PROFILES", "RunConfig", "run_layer", "ExperimentCache", "describe"]


@dataclass(frozen=True)
class Profile:
    """Sizes of a run: Hypothesis examples and random numeric cases per claim."""

    name: str
    examples: int
    numeric_cases: int


PROFILES = {
    "ci": Profile("ci", examples=200, numeric_cases=24),
    "thorough": Profile("thorough", examples=2000, numeric_cases=200),
}


@dataclass(frozen=True)
class RunConfig:
    profile: Profile = PROFILES["ci"]
    dps: int = 50
    seed: int = 0


def describe(value: Any) -> str:
    """A faithful one-line rendering of a drawn value (floats with all digits)."""
    if isinstance(value, np.ndarray):
        return np.array2string(value, precision=17, separator=", ", max_line_width=10**6, threshold=10**6)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, mpmath.mpf):
        return mpmath.nstr(value, 20)
    if isinstance(value, (tuple, list)):
        return "(" + ", ".join(describe(v) for v in value) + ")"
    return repr(value)


class ExperimentCache:
    """Runs each experiment once per (name, seed) and keeps the result and its run time."""

    def __init__(self) -> None:
        self._results: dict[tuple[str, int], tuple[Any, float]] = {}

    @property
    def results(self) -> dict[str, Any]:
        """The experiments run so far, by name."""
        return {name: result for (name, _), (result, _) in self._results.items()}

    def put(self, name: str, seed_value: int, result: Any, seconds: float) -> None:
        self._results[(name, seed_value)] = (result, seconds)

    def get(self, name: str, seed_value: int, progress: Callable[[str], None]) -> Any:
        key = (name, seed_value)
        if key not in self._results:
            start = time.perf_counter()
            result = EXPERIMENTS[name].run(seed_value, progress)
            self.put(name, seed_value, result, time.perf_counter() - start)
        return self._results[key][0]

    def seconds(self, name: str, seed_value: int) -> float:
        return self._results[(name, seed_value)][1]


def _symbolic(claim: Claim, config: RunConfig) -> Evidence:
    derivation: proof.Derivation = claim.checks["symbolic"]()
    result = derivation.check(claim.parts, resolve_part, config.seed)
    steps = []
    for number, (step, checked, assumes) in enumerate(zip(derivation.steps, result.steps, result.assumes), 1):
        entry = {"number": number, "kind": step.kind, "statement": step.to_text(), "latex": step.to_latex(),
                 "because": step.because, "assumes": list(assumes), "outcome": checked.outcome,
                 "detail": checked.detail}
        if checked.certificate is not None:
            entry["certificate"] = checked.certificate
        steps.append(entry)
    informal = [s["number"] for s in steps if s["kind"] == "informal"]
    fields = {"scope": derivation.scope, "complete": result.complete, "steps": steps,
              "concludes": result.concludes, "definitions": derivation.definitions_latex(),
              "hypotheses": [{"id": h.id, "statement": h.statement} for h in derivation.hypotheses]}
    formal = len(steps) - len(informal)
    concluded = f"{len(result.concludes)}/{len(claim.parts)} parts concluded"
    if result.outcome == "passed":
        summary = f"{formal} steps checked by SymPy, {concluded}; scope: {derivation.scope}"
        if not result.complete:
            missing = [p.id for p in claim.parts if p.id not in result.concludes]
            summary += " (partial: " + "; ".join(
                ([f"informal step(s) {', '.join(map(str, informal))}"] if informal else [])
                + ([f"not concluded: {', '.join(missing)}"] if missing else [])) + ")"
        return Evidence("symbolic", "passed", summary, fields)
    first = next(s for s in steps if s["outcome"] not in ("verified", "informal"))
    summary = f"step {first['number']} of {len(steps)} {first['outcome']}: {first['detail']}"
    if result.outcome == "failed":
        summary = f"the derivation is wrong: {summary}"
    return Evidence("symbolic", result.outcome, summary, fields, result.counterexample)


def _numeric(claim: Claim, config: RunConfig) -> Evidence:
    """A failing case with a certificate refutes the claim; a failing case without one
    (the library disagrees with the definitions, or a violation nobody certified) fails
    the layer; an undecided case (NaN, an evaluation error, the precision cap) makes it
    inconclusive unless something failed."""
    with mpmath.workdps(config.dps):
        context = NumericContext(config.dps, config.seed, config.profile.numeric_cases)
        cases: list[Case] = []
        try:
            for case in claim.checks["numeric"](context):
                cases.append(case)
        except ArithmeticError as error:  # a definition that did not stabilize, or a point nobody could decide
            cases.append(Case(f"after case {len(cases)}: {type(error).__name__}: {error}", mpmath.mpf("nan"), False,
                              undecided=True))
        decided = [c for c in cases if not c.undecided]
        undecided = [c for c in cases if c.undecided]
        worst = max(decided, key=lambda c: c.residual, default=None)
        failing = [c for c in decided if not c.holds]
        uncertified = [c for c in failing if c.certificate is None]
        fields = {
            "dps": config.dps,
            "cases": len(cases),
            "max_residual": mpmath.nstr(worst.residual, 5) if worst else "n/a",
            "tolerance": mpmath.nstr(context.tolerance, 3),
            "worst_case": worst.label if worst else None,
            "undecided": len(undecided),
        }
        if context.scope:
            fields["scope"] = context.scope
        if uncertified:
            first = uncertified[0]
            summary = (f"{len(uncertified)} of {len(cases)} cases fail without a certificate; the library disagrees "
                       f"with the definition at {first.label} (residual {mpmath.nstr(first.residual, 5)})")
            return Evidence("numeric", "failed", summary, fields)
        if failing:
            first = failing[0]
            counterexample = {"case": first.label, **first.certificate}
            summary = (f"{len(failing)} of {len(cases)} cases fail at {config.dps} digits, certified; first: "
                       f"{first.label} ({first.certificate.get('detail', first.certificate.get('method'))})")
            return Evidence("numeric", "refuted", summary, fields, counterexample)
        if undecided:
            summary = f"{len(undecided)} of {len(cases)} cases undecided; first: {undecided[0].label}"
            return Evidence("numeric", "inconclusive", summary, fields)
        if len(cases) < MIN_CASES:
            return Evidence("numeric", "failed", f"only {len(cases)} cases (at least {MIN_CASES} needed)", fields)
        summary = f"{len(cases)} cases at {config.dps} digits, max residual {fields['max_residual']}"
        if context.scope:
            summary += f"; {context.scope}"
        return Evidence("numeric", "passed", summary, fields)


def _property(claim: Claim, config: RunConfig) -> Evidence:
    """A failed assertion is a candidate: the property's ``confirm(*drawn)`` re-checks the
    statement at the failing example from the definitions, with certified arithmetic.
    A certified violation refutes the claim; a statement that holds there means the
    float64 library is inaccurate (failed); an undecided one is inconclusive. Without a
    ``confirm``, a failed assertion is the library disagreeing with the definitions
    (failed). An example the test rejects (``reject()``: the comparison was undecided)
    counts neither way; when Hypothesis finds too few decided examples the layer is
    inconclusive."""
    test, strategies, confirm = claim.checks["property"]
    calls = rejected = 0
    failing: tuple[Any, ...] | None = None

    def wrapped(values: tuple[Any, ...]) -> None:
        nonlocal calls, rejected, failing
        calls += 1
        try:
            test(*values)
        except UnsatisfiedAssumption:
            rejected += 1
            raise
        except Exception:
            failing = values
            raise

    runner = settings(
        database=None,
        max_examples=config.profile.examples,
        deadline=None,
        derandomize=False,
        print_blob=False,
        report_multiple_bugs=False,
        suppress_health_check=list(HealthCheck),
        phases=(Phase.explicit, Phase.generate, Phase.shrink),
    )(seed(config.seed)(given(st.tuples(*strategies))(wrapped)))
    fields: dict[str, Any] = {"seed": config.seed}
    try:
        runner()
    except Unsatisfiable:
        fields["examples"], fields["rejected"] = calls, rejected
        return Evidence("property", "inconclusive", f"{rejected} of {calls} examples were rejected as undecided:"
                        " too few decided the statement", fields)
    except AssertionError as violation:
        fields["examples"] = calls
        example = describe(failing)
        message = str(violation).strip().splitlines()[0] if str(violation).strip() else "assertion failed"
        if confirm is None:
            return Evidence("property", "failed", f"the library disagrees with the definition after {calls} examples: "
                            f"{message} at {example}", fields)
        comparison = confirm(*failing)
        if comparison.verdict == "fails":
            return Evidence("property", "refuted", f"counterexample after {calls} examples: {message}; certified: "
                            f"{comparison.detail}", fields, {"example": example, **comparison.counterexample()})
        if comparison.verdict == "holds":
            return Evidence("property", "failed", f"float64 disagreed after {calls} examples ({message} at {example}), "
                            f"but the statement holds there at high precision: {comparison.detail}", fields)
        return Evidence("property", "inconclusive", f"after {calls} examples: {message} at {example}, and the "
                        f"high-precision check is undecided: {comparison.detail}", fields)
    fields["examples"], fields["rejected"] = calls - rejected, rejected
    undecided = f", {rejected} more rejected as undecided" if rejected else ""
    return Evidence("property", "passed", f"{calls - rejected} examples passed{undecided} (seed {config.seed})", fields)


def _experiment(claim: Claim, config: RunConfig, experiments: ExperimentCache,
                progress: Callable[[str], None]) -> Evidence:
    names, select = claim.checks["experiment"]
    checks, findings, summaries = [], [], []
    for name in names:
        result = experiments.get(name, config.seed, progress)
        chosen = [c for c in result.checks if select is None or select(c)]
        checks += chosen
        findings += result.findings
        summaries.append(f"{name}: {sum(c.passed for c in chosen)}/{len(chosen)} bounds hold")
    fields = {
        "experiments": list(names),
        "checks": [{"label": c.label, "value": c.value, "relation": c.relation, "bound": c.bound,
                    "passed": c.passed} for c in checks],
        "findings": findings,
    }
    violated = [c for c in checks if not c.passed]
    if not checks:
        return Evidence("experiment", "failed", "no bound checks selected", fields)
    if violated:
        return Evidence("experiment", "contradicted", "; ".join(summaries), fields, violated[0].describe())
    return Evidence("experiment", "passed", "; ".join(summaries), fields)


def run_layer(claim: Claim, layer: Layer, config: RunConfig, experiments: ExperimentCache | None = None,
              progress: Callable[[str], None] = lambda line: None) -> Evidence:
    """Run one layer and time it; an unexpected exception gives outcome ``failed``."""
    start = time.perf_counter()
    try:
        if layer == "symbolic":
            evidence = _symbolic(claim, config)
        elif layer == "numeric":
            evidence = _numeric(claim, config)
        elif layer == "property":
            evidence = _property(claim, config)
        else:
            evidence = _experiment(claim, config, experiments or ExperimentCache(), progress)
    except Exception as error:  # a check that errors is a failure, not a counterexample
        where = traceback.extract_tb(error.__traceback__)[-1]
        evidence = Evidence(layer, "failed", f"{type(error).__name__}: {error} (at {where.filename}:{where.lineno})")
    evidence.seconds = time.perf_counter() - start
    if layer == "experiment" and experiments is not None and evidence.outcome != "failed":
        # the time of the experiments this evidence rests on, whether they ran now or earlier
        evidence.seconds = sum(experiments.seconds(name, config.seed) for name in claim.checks["experiment"][0])
    return evidence
