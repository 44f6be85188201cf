"""Inequality claims written by a reviewer: ``lhs op rhs`` on a domain.

``inequality_claim`` registers three layers:

- symbolic: a one-step derivation, a ``Sign`` step on ``lhs - rhs`` citing the
  stated domain (``low < x < high`` for each symbol) as its hypothesis; when
  SymPy derives the sign the claim is proved on the whole open domain (a point
  of the domain where the inequality certainly fails refutes it);
- numeric, the certified layer: ``certified.compare`` at the exact points of
  ``Domain.points`` (corners down to ``10^-1000`` from every bound, breakpoints,
  random points), then a branch and bound (``proofs_checks.branch_and_bound``)
  that proves ``lhs - rhs`` of the right sign on a compact box of the domain,
  named in the layer's scope. A proof on a box is not a proof on the open
  domain: with only the box proved the claim is at most ``verified``; a box the
  search leaves open (budget spent, or too narrow) makes the layer
  inconclusive and is reported (how many, where); a point of the box where the
  inequality certainly fails is a certified counterexample;
- property: ``certified.compare`` at the exact points Hypothesis draws.

The box. Each symbol is a coordinate of the box: the symbol itself when its
domain bounds are rational numbers (``oo`` allowed above), else its relative
position ``u`` in its interval (``x = low + u (high - low)``, ``u`` in ``(0, 1)``)
or its offset ``s`` above the lower bound (``x = low + s``, ``s > 0``). By default
a bounded coordinate runs from ``10^-6`` of its width above its lower end to
``10^-6`` below its upper end (``alpha`` in ``[1e-6, 1 - 1e-6]``), an unbounded one
from ``10^-3`` to ``10^3`` above its lower end (``beta`` in ``[1e-3, 1e3]``);
``box={"beta": ("1/100", "100")}`` sets a coordinate's range (exact rationals
strictly inside the coordinate's range).

Main definitions
- ``inequality_claim(id, title, lhs, op, rhs, domain, expected="holds", box=None,
  max_boxes=20000, max_seconds=60)``: ``op`` in ``<, <=, >, >=``; the budget of
  the branch and bound is ``max_boxes`` boxes and ``max_seconds`` seconds.
- ``parse_inequality(claim_id, lhs, op, rhs, domain, box, max_boxes, max_seconds)``:
  the validated ``Inequality``; ``Inequality.search()`` runs the branch and bound
  on its box (``Inequality.box``, in words).
- ``Coordinate``: one axis of the box: the symbol, the axis variable, the
  ``branch_and_bound.Axis`` and the symbol as a function of the axis variables.
- ``coordinates(region, box)``: the box of a domain (see above).
- ``box_text(coordinates)``: the box in words, for the scope.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import mpmath
import sympy as sp

from proofs_checks.branch_and_bound import Axis, Budget, Outcome, prove_positive
from proofs_checks.certified import Comparison, compare, enclose, exact_fraction, exact_text
from proofs_checks.claim import Claim, RegistryError, register
from proofs_checks.domains import Domain
from proofs_checks.numeric import Case, NumericContext
from proofs_checks.proof import Derivation, Part, Sign
from proofs_checks.reviewer import (
    attach_point_property, describe, domain_hypothesis, domain_text, parse, parse_domain, point_cases,
)

__all__ = ["inequality_claim", "parse_inequality", "Inequality", "Coordinate", "coordinates", "box_text",
           "OPERATORS", "EDGE", "SPAN"]

OPERATORS = {">": ("positive", sp.StrictGreaterThan), ">=": ("nonnegative", sp.GreaterThan),
             "<": ("negative", sp.StrictLessThan), "<=": ("nonpositive", sp.LessThan)}
EDGE = Fraction(1, 10**6)
"""A bounded coordinate's default range stops this fraction of its width short of each end."""
SPAN = (Fraction(1, 10**3), Fraction(10**3))
"""An unbounded coordinate's default range, above its lower end."""
_SHOWN_OPEN = 3


@dataclass(frozen=True)
class Coordinate:
    """One axis of the box: ``symbol`` (a domain symbol) is ``value``, a function of the
    axis variables; ``variable`` is the axis (the symbol itself when ``relative`` is False)."""

    symbol: sp.Symbol
    variable: sp.Symbol
    axis: Axis
    value: sp.Expr
    relative: bool


def _rational(expr: sp.Expr) -> bool:
    return isinstance(expr, sp.Rational)


def _range(claim_id: str, name: str, given: Any, floor: Fraction, ceiling: Fraction | None,
           default: tuple[Fraction, Fraction]) -> tuple[Fraction, Fraction]:
    """The coordinate's ``[low, high]``: the reviewer's, validated, or the default."""
    if given is None:
        return default
    what = f"claim {claim_id!r}: box[{name!r}]"
    if not (isinstance(given, (tuple, list)) and len(given) == 2):
        raise RegistryError(f"{what} must be a pair (low, high) of exact numbers; got {given!r}")
    low, high = (parse(str(v), what) for v in given)
    if not (_rational(low) and _rational(high)):
        raise RegistryError(f"{what} = ({given[0]}, {given[1]}): the bounds must be rational numbers")
    low, high = Fraction(int(low.p), int(low.q)), Fraction(int(high.p), int(high.q))
    top = "oo" if ceiling is None else exact_text(sp.Rational(ceiling.numerator, ceiling.denominator))
    if not (floor < low < high and (ceiling is None or high < ceiling)):
        raise RegistryError(f"{what} = ({given[0]}, {given[1]}): allowed: floor < low < high < ceiling, "
                            f"a compact box strictly inside ({exact_text(sp.Rational(floor.numerator, floor.denominator))}, "
                            f"{top})")
    return low, high


def coordinates(claim_id: str, region: Domain, box: Mapping[str, Any] | None = None) -> list[Coordinate]:
    """The box of the domain (see the module header); ``box`` maps symbol names to ranges."""
    box = dict(box or {})
    unknown = sorted(set(box) - {s.name for s in region.bounds})
    if unknown:
        raise RegistryError(f"claim {claim_id!r}: box: {', '.join(map(repr, unknown))} is not a symbol of the "
                            f"domain ({', '.join(s.name for s in region.bounds)})")
    found: list[Coordinate] = []
    values: dict[sp.Symbol, sp.Expr] = {}
    for symbol, (low, high) in region.bounds.items():
        direct = _rational(low) and (high == sp.oo or _rational(high))
        if direct:
            floor = Fraction(int(low.p), int(low.q))
            ceiling = None if high == sp.oo else Fraction(int(high.p), int(high.q))
            variable, value = symbol, symbol
        else:
            floor, ceiling = Fraction(0), None if high == sp.oo else Fraction(1)
            variable = sp.Symbol(f"{'s' if high == sp.oo else 'u'}_{symbol.name}", positive=True)
            start = low.xreplace(values)
            value = start + variable if high == sp.oo else start + variable * (high.xreplace(values) - start)
        if ceiling is None:
            default = (floor + SPAN[0], floor + SPAN[1])
        else:
            width = ceiling - floor
            default = (floor + EDGE * width, ceiling - EDGE * width)
        low_end, high_end = _range(claim_id, symbol.name, box.get(symbol.name), floor, ceiling, default)
        found.append(Coordinate(symbol, variable, Axis(low_end, high_end, floor, ceiling), value, not direct))
        values[symbol] = value
    return found


def _number(q: Fraction) -> str:
    """An exact endpoint: a power of ten as ``1e-6``, ``0.999999`` as ``1 - 1e-6``, else ``exact_text``."""
    def power(x: Fraction) -> str | None:
        whole = x.denominator if x.numerator == 1 else x.numerator if x.denominator == 1 else 0
        digits = len(str(whole)) - 1
        if whole != 10**digits or digits <= 2:
            return None
        return f"1e{-digits if x.numerator == 1 else digits}"

    if q > 0 and (ten := power(q)) is not None:
        return ten
    if 0 < 1 - q < 1 and (ten := power(1 - q)) is not None:
        return f"1 - {ten}"
    return exact_text(sp.Rational(q.numerator, q.denominator))


def box_text(found: Sequence[Coordinate], box: tuple[Sequence[Fraction], Sequence[Fraction]] | None = None) -> str:
    """``alpha in [1e-6, 1 - 1e-6], mu = alpha + u (1 - alpha) with u in [...]`` (for ``box``, or the whole box)."""
    lows, highs = box if box is not None else ([c.axis.low for c in found], [c.axis.high for c in found])
    parts = []
    for coordinate, low, high in zip(found, lows, highs):
        interval = f"[{_number(low)}, {_number(high)}]"
        if coordinate.relative:
            parts.append(f"{coordinate.symbol} = {sp.sstr(coordinate.value)} with {coordinate.variable} in {interval}")
        else:
            parts.append(f"{coordinate.symbol} in {interval}")
    return ", ".join(parts)


def _exact_point(found: Sequence[Coordinate], at: Mapping[sp.Symbol, Fraction], region: Domain
                 ) -> dict[sp.Symbol, sp.Rational] | None:
    """The domain point of the axis values ``at``: exact when the symbols' values are rational
    there, else each rounded to 40 digits and kept only if certainly inside its interval."""
    axes = {c.variable: sp.Rational(at[c.variable].numerator, at[c.variable].denominator) for c in found}
    point: dict[sp.Symbol, sp.Rational] = {}
    for coordinate in found:
        value = coordinate.value.xreplace(axes)
        if not _rational(value):
            enclosure = enclose(value, {}, digits=40)
            if enclosure is None:
                return None
            middle = (exact_fraction(enclosure.low) + exact_fraction(enclosure.high)) / 2
            value = sp.Rational(middle.numerator, middle.denominator)
            low, high = region.bounds[coordinate.symbol]
            inside = [compare(low, "<", coordinate.symbol, {**point, coordinate.symbol: value})]
            if high != sp.oo:
                inside.append(compare(coordinate.symbol, "<", high, {**point, coordinate.symbol: value}))
            if any(c.verdict != "holds" for c in inside):
                return None
        point[coordinate.symbol] = value
    return point


def _open_text(found: Sequence[Coordinate], outcome: Outcome) -> str:
    """How many boxes are open and where: their hull and the first few."""
    lows = [min(box[0][i] for box in outcome.open) for i in range(len(found))]
    highs = [max(box[1][i] for box in outcome.open) for i in range(len(found))]
    shown = "; ".join(box_text(found, box) for box in outcome.open[:_SHOWN_OPEN])
    return f"{len(outcome.open)} boxes open, within {box_text(found, (lows, highs))} (first: {shown})"


@dataclass(frozen=True)
class Inequality:
    """A parsed and validated inequality: its sides, domain, box and budget."""

    claim_id: str
    left: sp.Expr
    op: str
    right: sp.Expr
    region: Domain
    found: tuple[Coordinate, ...]
    budget: Budget

    @property
    def box(self) -> str:
        return box_text(self.found)

    def confirm(self, at: dict[sp.Symbol, Fraction]) -> Comparison | None:
        """A certified failure at the domain point of the axis values ``at``, or None."""
        point = _exact_point(self.found, at, self.region)
        if point is None:
            return None
        comparison = compare(self.left, self.op, self.right, point)
        return comparison if comparison.verdict == "fails" else None

    def search(self) -> Outcome:
        """The branch and bound of ``lhs - rhs`` (``rhs - lhs`` for ``<``, ``<=``) on the box."""
        difference = self.left - self.right if self.op in (">", ">=") else self.right - self.left
        in_axes = sp.sympify(difference).xreplace({c.symbol: c.value for c in self.found})
        return prove_positive(in_axes, [c.variable for c in self.found], [c.axis for c in self.found],
                              strict=self.op in (">", "<"), budget=self.budget, confirm=self.confirm)

    def case(self, outcome: Outcome, ctx: NumericContext) -> Case:
        """The search's case, with its scope set on ``ctx``."""
        statement, box = f"lhs {self.op} rhs", self.box
        if outcome.verdict == "proved":
            ctx.scope = f"proved on the box {box} by branch and bound ({outcome.boxes} boxes)"
            return Case(f"{statement} on the box {box}: {outcome.boxes} boxes, none open", mpmath.mpf(0), True)
        if outcome.verdict == "refuted":
            comparison = outcome.counterexample
            ctx.scope = f"refuted on the box {box} by branch and bound ({outcome.boxes} boxes)"
            return Case(f"{statement} fails {describe(comparison)} (found by branch and bound after {outcome.boxes} "
                        f"boxes)", mpmath.mpf(comparison.residual or "nan"), False,
                        certificate=comparison.counterexample())
        why = (f"budget of {self.budget.boxes} boxes and {self.budget.seconds:g} s spent" if outcome.exhausted
               else "boxes too narrow to split")
        ctx.scope = f"undecided on the box {box}: {len(outcome.open)} boxes open after {outcome.boxes}"
        return Case(f"{statement} undecided on the box {box} ({why}): {_open_text(self.found, outcome)}",
                    mpmath.mpf("nan"), False, undecided=True)


def parse_inequality(claim_id: str, lhs: str, op: str, rhs: str, domain: Mapping[str, Any],
                     box: Mapping[str, Any] | None = None, max_boxes: int = 20000,
                     max_seconds: float = 60.0) -> Inequality:
    """The arguments of ``inequality_claim``, validated (``RegistryError`` naming the claim and the argument)."""
    if op not in OPERATORS:
        hint = "; for an identity use identity_claim" if op in ("=", "==") else ""
        raise RegistryError(f"claim {claim_id!r}: op must be one of <, <=, >, >=; got {op!r}{hint}")
    left, right = parse(lhs, f"claim {claim_id!r}: lhs"), parse(rhs, f"claim {claim_id!r}: rhs")
    if not (left - right).free_symbols:
        raise RegistryError(f"claim {claim_id!r}: lhs - rhs = {sp.sstr(left - right)} is a constant: nothing to "
                            f"check on a domain")
    if isinstance(max_boxes, bool) or not isinstance(max_boxes, int) or max_boxes < 1:
        raise RegistryError(f"claim {claim_id!r}: max_boxes must be a positive integer; got {max_boxes!r}")
    if isinstance(max_seconds, bool) or not isinstance(max_seconds, (int, float)) or not max_seconds > 0:
        raise RegistryError(f"claim {claim_id!r}: max_seconds must be a positive number; got {max_seconds!r}")
    region = parse_domain(claim_id, domain, left.free_symbols | right.free_symbols)
    return Inequality(claim_id, left, op, right, region, tuple(coordinates(claim_id, region, box)),
                      Budget(max_boxes, float(max_seconds)))


def inequality_claim(
    *,
    id: str,
    title: str,
    lhs: str,
    op: str,
    rhs: str,
    domain: Mapping[str, tuple[str, str]],
    expected: str = "holds",
    box: Mapping[str, tuple[str, str]] | None = None,
    max_boxes: int = 20000,
    max_seconds: float = 60.0,
) -> Claim:
    """Register ``lhs op rhs`` on ``domain`` with symbolic, certified (numeric) and property layers."""
    inequality = parse_inequality(id, lhs, op, rhs, domain, box, max_boxes, max_seconds)
    left, right, region = inequality.left, inequality.right, inequality.region
    sign, relation = OPERATORS[op]
    stated_relation = relation(left, right, evaluate=False)
    claim = register(id, title=title, source="extension",
                     statement=f"${sp.latex(stated_relation)}$ for {domain_text(region)}",
                     expected=expected,  # type: ignore[arg-type]
                     parts=(Part("inequality", f"${sp.latex(stated_relation)}$", stated_relation),))
    claim.requires_proof = False
    stated = domain_hypothesis(region)

    @claim.symbolic
    def _derivation() -> Derivation:
        return Derivation(scope=f"symbolic {', '.join(s.name for s in region.bounds)} on the stated (open) domain",
                          steps=(Sign(left - right, sign, "SymPy derives the sign of lhs - rhs from the stated domain",
                                      assumes=("domain",)),),
                          hypotheses=(stated,), domain=region.bounds)

    @claim.numeric
    def _numeric(ctx: NumericContext) -> Iterator[Case]:
        """The points of the domain, then, unless one refuted the claim, the branch and bound on the box."""
        refuted = False
        for case in point_cases(region, left, op, right, ctx):
            refuted = refuted or case.certificate is not None
            yield case
        if not refuted:
            yield inequality.case(inequality.search(), ctx)

    attach_point_property(claim, region, left, op, right)
    return claim
