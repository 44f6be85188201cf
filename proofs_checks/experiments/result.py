"""What an exact-enumeration experiment returns.

Main definitions
- ``BoundCheck``: one quantitative statement checked on the experiment's
  output (``value`` against ``bound``), e.g. ``N_eff < 1.01`` for the product
  family at ``beta = 0.005``, design A, seed 3. A check with a ``reading`` (a
  claim id) is not a bound the experiment asserts but the prediction of that
  claim, an unqualified reading of a statement of the paper: it may fail, and
  ``ExperimentResult.passed`` does not count it.
- ``Threshold(what, value, reason)``: a threshold of the checks and why it has its value.
- ``ExperimentResult``: the experiment's parameters, its table of measured
  rows, its bound checks and free-text findings (what the numbers show,
  including where a stronger reading is not supported).
- ``Experiment``: a named experiment, ``run(seed, progress)`` and
  ``plot(result, stem)`` (writes ``stem.pdf`` and ``stem.png``), with what the
  appendix prints about it: ``title``, ``setup`` (the full setup: generators,
  seeds, grids, families, optimizer, tolerances), ``thresholds``, ``definitional``
  (label fragments of the checks that hold by construction: solver tolerances
  and identities, never listed as "tightest") and ``captions`` (per figure part:
  what the figure draws). All text is prose with math in ``$...$``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["BoundCheck", "ExperimentResult", "Experiment", "Progress", "Threshold"]

Progress = Callable[[str], None]
"""A callback receiving one short line per completed unit of work."""


@dataclass(frozen=True)
class BoundCheck:
    """``value`` compared with ``bound`` (``relation`` one of ``<``, ``<=``, ``>``,
    ``>=``, ``==`` within ``tolerance``); ``label`` says where (design, seed,
    family, beta) and what."""

    label: str
    value: float
    relation: str
    bound: float
    passed: bool
    reading: str = ""

    @property
    def margin(self) -> float:
        """How far ``value`` is from ``bound``, relative to their size (small: a tight bound)."""
        return abs(self.bound - self.value) / max(abs(self.bound), abs(self.value), 1e-300)

    def describe(self) -> str:
        if self.reading:
            verdict = f"prediction of {self.reading} {'holds' if self.passed else 'fails'}"
        else:
            verdict = "ok" if self.passed else "VIOLATED"
        return f"{self.label}: {self.value:.6g} {self.relation} {self.bound:.6g} [{verdict}]"


@dataclass
class ExperimentResult:
    """The outcome of one experiment run."""

    name: str
    parameters: dict[str, Any]
    rows: list[dict[str, Any]]
    checks: list[BoundCheck]
    findings: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """Every bound the experiment asserts holds (predictions of readings are not bounds)."""
        return all(check.passed for check in self.checks if not check.reading)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "parameters": self.parameters,
            "rows": self.rows,
            "checks": [asdict(check) for check in self.checks],
            "findings": self.findings,
            "passed": self.passed,
        }


@dataclass(frozen=True)
class Threshold:
    """A threshold of an experiment's checks: what is compared, the value, why this value."""

    what: str
    value: str
    reason: str


@dataclass(frozen=True)
class Experiment:
    """A registered experiment: ``run(seed, progress) -> ExperimentResult`` and
    ``plot(result, stem) -> written paths``, with its description (see the module header)."""

    name: str
    title: str
    run: Callable[[int, Progress], ExperimentResult]
    plot: Callable[[ExperimentResult, Path], list[Path]]
    default_seed: int = 0
    setup: tuple[str, ...] = ()
    thresholds: tuple[Threshold, ...] = ()
    definitional: tuple[str, ...] = ()
    captions: Mapping[str, str] = field(default_factory=dict)

    def is_definitional(self, label: str) -> bool:
        """Whether the check ``label`` holds by construction (a solver tolerance or an identity)."""
        return any(fragment in label for fragment in self.definitional)
