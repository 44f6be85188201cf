"""What an exact-enumeration experiment returns.

Main definitions
- ``BoundCheck``: one quantitative statement checked on the experiment's
  output (``value`` against ``bound``), e.g. ``N_eff < 1.01`` for the product
  family at ``beta = 0.005``, design A, seed 3.
- ``ExperimentResult``: the experiment's parameters, its table of measured
  rows, its bound checks and free-text findings (what the numbers show,
  including where a stronger reading is not supported).
- ``Experiment``: a named experiment, ``run(seed, progress)`` and
  ``plot(result, stem)`` (writes ``stem.pdf`` and ``stem.png``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["BoundCheck", "ExperimentResult", "Experiment", "Progress"]

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

    @property
    def margin(self) -> float:
        """How far ``value`` is from ``bound``, relative to their size (small: a tight bound)."""
        return abs(self.bound - self.value) / max(abs(self.bound), abs(self.value), 1e-300)

    def describe(self) -> str:
        return f"{self.label}: {self.value:.6g} {self.relation} {self.bound:.6g} [{'ok' if self.passed else 'VIOLATED'}]"


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
        return all(check.passed for check in self.checks)

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
class Experiment:
    """A registered experiment: ``run(seed, progress) -> ExperimentResult`` and
    ``plot(result, stem) -> written paths``."""

    name: str
    title: str
    run: Callable[[int, Progress], ExperimentResult]
    plot: Callable[[ExperimentResult, Path], list[Path]]
    default_seed: int = 0
