"""Claims, their evidence, and the status computed from it.

A claim is a statement of the paper (or of the referee, or an extension) with
a stable id, registered next to the checks that back it. Each check is an
evidence layer; the claim's status is computed from the layers' outcomes,
never typed by hand.

Main definitions
- ``Claim``: id, title, source (``paper`` / ``review`` / ``extension``),
  LaTeX statement, the ids of the claims it uses, and what is expected
  (``holds``, or ``refuted`` for a negative control). A claim that holds and
  carries a derivation ``requires_proof`` by default: its derivation must pass,
  so that a broken symbolic formula fails the run even though the numeric
  layers alone would still make the claim ``verified``. Layers are attached with
  the decorators ``@claim.symbolic``, ``@claim.numeric``, ``@claim.property``
  and ``@claim.experiment``.
- ``Evidence``: one layer's outcome (``passed``, ``refuted`` with a
  counterexample, ``inconclusive``, ``failed``), a one-line summary and the
  layer's fields (scope and steps; dps, cases and maximum residual; examples;
  experiment checks).
- ``status_of(layers)``:
  ``refuted`` if a layer produced a certified counterexample; else ``failed``
  if a layer failed (a check errored, the library disagreed with the
  definitions, or a derivation step is wrong); else ``proved`` if a complete
  derivation (every part concluded by established steps, no informal step),
  the numeric and the property layers passed (and the experiment, if any);
  else ``demonstrated`` if an experiment passed and no layer is worse than
  inconclusive; else ``verified`` if numeric and property passed; else
  ``inconclusive``. Between ``failed`` and ``proved`` comes ``contradicted``:
  an experiment's bounds failed, numerically (exact enumeration, local
  optimization in float64): evidence against the statement, not a certified
  counterexample.
- ``parts``: the claim's statement split into formal relations
  (``proofs_checks.proof.Part``); ``resolve_part("claim:part")`` looks one up
  for a derivation that cites it. ``check_references`` also builds every
  derivation and validates it (citations, vacuous steps).
- ``REGISTRY``: every registered claim by id; ``register`` refuses duplicates
  and ``check_references`` refuses a used id that is not registered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from proofs_checks.proof import DerivationError, Part

__all__ = [
    "Claim",
    "Evidence",
    "LAYERS",
    "REGISTRY",
    "ESTABLISHED",
    "RegistryError",
    "register",
    "check_references",
    "status_of",
]

Layer = Literal["symbolic", "numeric", "property", "experiment"]
LAYERS: tuple[Layer, ...] = ("symbolic", "numeric", "property", "experiment")
Outcome = Literal["passed", "refuted", "contradicted", "inconclusive", "failed"]
Status = Literal["proved", "verified", "demonstrated", "refuted", "contradicted", "inconclusive", "failed"]
Expected = Literal["holds", "refuted", "contradicted"]
ESTABLISHED: frozenset[str] = frozenset({"proved", "verified", "demonstrated"})
SOURCES = ("paper", "review", "extension")


class RegistryError(ValueError):
    """A claim registered twice, an unknown source or expectation, or a used id
    that is not registered."""


@dataclass
class Evidence:
    """What one layer established about one claim."""

    layer: Layer
    outcome: Outcome
    summary: str
    fields: dict[str, Any] = field(default_factory=dict)
    counterexample: Any = None
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        data = {"layer": self.layer, "outcome": self.outcome, "summary": self.summary, **self.fields}
        if self.counterexample is not None:
            data["counterexample"] = self.counterexample
        data["seconds"] = round(self.seconds, 3)
        return data


@dataclass
class Claim:
    """A registered statement and the checks attached to it (layer -> check)."""

    id: str
    title: str
    source: str
    statement: str
    uses: tuple[str, ...] = ()
    expected: Expected = "holds"
    requires_proof: bool = True
    qualification: str = ""
    parts: tuple[Part, ...] = ()
    checks: dict[Layer, Any] = field(default_factory=dict)

    def part(self, part_id: str) -> Part:
        for part in self.parts:
            if part.id == part_id:
                return part
        raise RegistryError(f"claim {self.id!r} has no part {part_id!r}; its parts: "
                            f"{', '.join(p.id for p in self.parts) or 'none'}")

    @property
    def negative_control(self) -> bool:
        """A claim expected to come out false (refuted, or contradicted by the experiments)."""
        return self.expected != "holds"

    def _attach(self, layer: Layer, check: Any) -> Any:
        if layer in self.checks:
            raise RegistryError(f"claim {self.id!r} already has a {layer} layer")
        self.checks[layer] = check
        return check

    def symbolic(self, build: Callable[[], Any]) -> Callable[[], Any]:
        """Attach the derivation builder ``build() -> Derivation``."""
        return self._attach("symbolic", build)

    def numeric(self, check: Callable[..., Iterable[Any]]) -> Callable[..., Iterable[Any]]:
        """Attach a numeric check ``check(ctx) -> iterable of Case`` (mpmath)."""
        return self._attach("numeric", check)

    def property(self, *strategies: Any, confirm: Callable[..., Any] | None = None
                 ) -> Callable[[Callable[..., None]], Callable[..., None]]:
        """Attach a Hypothesis property: ``test(*drawn)`` over ``strategies``; ``confirm(*drawn)``
        re-checks a failing example from the definitions and returns a certified
        ``Comparison`` (verdict ``holds``, ``fails`` or ``undecided``)."""

        def attach(test: Callable[..., None]) -> Callable[..., None]:
            return self._attach("property", (test, strategies, confirm))

        return attach

    def experiment(self, names: tuple[str, ...], select: Callable[[Any], Any] | None = None) -> None:
        """Attach experiments (by registry name); ``select`` picks which of an
        experiment's bound checks belong to this claim (default: all)."""
        self._attach("experiment", (names, select))


REGISTRY: dict[str, Claim] = {}


def register(
    id: str,
    *,
    title: str,
    source: str,
    statement: str,
    uses: Iterable[str] = (),
    expected: Expected = "holds",
    qualification: str = "",
    parts: Iterable[Part] = (),
) -> Claim:
    """Create and register a claim; layers are attached with its decorators.
    ``qualification`` says how the claim qualifies the paper's statement it
    tests (empty when it tests the statement as written); ``parts`` split the
    statement into formal relations (see ``proofs_checks.proof``)."""
    if id in REGISTRY:
        raise RegistryError(f"claim id {id!r} is already registered")
    if source not in SOURCES:
        raise RegistryError(f"claim {id!r}: source must be one of {SOURCES}; got {source!r}")
    if expected not in ("holds", "refuted", "contradicted"):
        raise RegistryError(f"claim {id!r}: expected must be 'holds', 'refuted' or 'contradicted'; got {expected!r}")
    claim = Claim(id=id, title=title, source=source, statement=statement, uses=tuple(uses), expected=expected,
                  qualification=qualification, parts=tuple(parts))
    if len({p.id for p in claim.parts}) != len(claim.parts):
        raise RegistryError(f"claim {id!r}: part ids must be unique")
    REGISTRY[id] = claim
    return claim


def check_references(claims: Mapping[str, Claim]) -> None:
    """Raise ``RegistryError`` if a claim uses an id that is not registered, or
    has no evidence layer at all."""
    for claim in claims.values():
        missing = [used for used in claim.uses if used not in claims]
        if missing:
            raise RegistryError(f"claim {claim.id!r} uses {', '.join(map(repr, missing))}, which is not registered")
        if not claim.checks:
            raise RegistryError(f"claim {claim.id!r} has no evidence layer")
        if "symbolic" in claim.checks:
            _validate_derivation(claim, claims)


def resolve_part(reference: str) -> tuple[Any, tuple[Any, ...]]:
    """The relation of a used claim's part, ``"claim-id:part-id"`` (no quantified variables)."""
    claim_id, _, part_id = reference.partition(":")
    if claim_id not in REGISTRY:
        raise RegistryError(f"{reference!r}: no claim {claim_id!r}")
    return REGISTRY[claim_id].part(part_id).relation, ()


def _validate_derivation(claim: Claim, claims: Mapping[str, Claim]) -> None:
    """A malformed derivation (a bad citation, a vacuous step) is a registration error."""
    from proofs_checks.proof import Derivation

    derivation = claim.checks["symbolic"]()
    if not isinstance(derivation, Derivation):
        raise RegistryError(f"claim {claim.id!r}: its symbolic layer must build a proofs_checks.proof.Derivation")
    try:
        derivation.validate(claim.uses, resolve_part)
    except (DerivationError, RegistryError) as error:
        raise RegistryError(f"claim {claim.id!r}: {error}") from None


def status_of(evidence: Iterable[Evidence]) -> Status:
    """The status that the layers' outcomes support (see the module header)."""
    by_layer = {e.layer: e for e in evidence}
    outcomes = [e.outcome for e in by_layer.values()]
    if "refuted" in outcomes:
        return "refuted"
    if "failed" in outcomes:
        return "failed"
    if "contradicted" in outcomes:
        return "contradicted"

    def passed(layer: Layer) -> bool:
        return layer in by_layer and by_layer[layer].outcome == "passed"

    experiment_ok = passed("experiment") if "experiment" in by_layer else True
    analytic = passed("numeric") and passed("property")
    complete_proof = passed("symbolic") and by_layer["symbolic"].fields.get("complete", False)
    if complete_proof and analytic and experiment_ok:
        return "proved"
    if passed("experiment") and all(o in ("passed", "inconclusive") for o in outcomes):
        return "demonstrated"
    if analytic and experiment_ok:
        return "verified"
    return "inconclusive"
