"""Limit and asymptotic claims written by a reviewer.

``limit_claim`` states ``lim_{var -> point} expr = value`` (one-sided: ``direction``
``"+"`` from above, ``"-"`` from below; ``point`` may be ``oo``, approached from
below, or an expression of earlier symbols such as ``alpha`` for ``mu -> alpha+``;
``value`` may be ``oo`` or ``-oo``); ``asymptotic_claim`` states ``expr ~ approx``,
that is ``lim expr/approx = 1``. The other symbols stay fixed anywhere in their
domain. Three layers:

- symbolic: one ``Limit`` step of ``proofs_checks.proof`` citing the stated
  domain (for an asymptotic claim, the limit of ``expr/approx``, whose conclusion
  is the ``Asymptotic`` relation ``lim expr/approx = 1``); SymPy computes the
  limit, with the domain's intervals when it needs them. This is the only layer
  that can prove the claim, and the only one that can refute it: when SymPy
  computes a different limit exactly (``1/(1 - alpha)`` rather than 1), the step
  is refuted with the two values, certified at a point of the domain.
- numeric: the approach. At parameter points of the other symbols (the corners
  of ``Domain.points`` and random points) and mantissas ``m``, ``var`` runs
  through ``point +- m s w`` (``w`` a power of ten below the room the domain
  leaves) or ``c + m/s`` towards ``oo``, ``s`` in ``STEPS`` (half-decades from
  ``1/10`` to ``10^-6``, then ``10^-8``, ..., ``10^-64``), and the distance
  ``e = expr - value`` (``1/expr`` for an infinite value, ``expr/approx - 1`` for
  an asymptotic claim) is enclosed with balls (``certified.enclose``, precision
  raised up to ``MAX_PREC`` bits; the sequence stops at the first depth it
  cannot enclose). Each enclosure is a case; each sequence gets a trend case
  listing ``|e|`` and the fitted exponents ``log(|e_k|/|e_j|) / log(d_k/d_j)``
  (``d`` the distance to the point, ``1/var`` towards ``oo``), whose residual is
  the last ``|e|``. ``w`` is below ``|point|`` too, so that ``mu -> alpha`` at
  ``alpha = 1e-300`` moves by less than ``alpha``. An enclosure that still
  contains 0 at ``MAX_PREC`` bits ends its sequence (only its upper bound counts).
- property: the same trend at the parameter points Hypothesis draws, over
  ``PROPERTY_STEPS`` (down to ``10^-6``).

What a trend can certify: nothing about a limit. Finitely many points never
prove a limit (a convergence too slow to see, a plateau below the last depth),
and never refute one (``|e|`` certainly far from 0 at every depth does not
exclude a later descent). So a trend *approaches* when at least ``MIN_DEPTHS``
depths are enclosed, ``|e|`` certainly decreases over the last three, the last
fitted exponent is at least ``MIN_EXPONENT`` and the last ``|e|`` is below
``SMALL`` (relative to ``max(1, |value|)``): then the layer passes, and the claim
is at most ``verified`` unless SymPy computed the limit. Any other trend (a
plateau, a wrong rate: ``expr/approx`` tending to ``c != 1``, too few depths)
is an undecided case: the layer is inconclusive, never refuted.

Main definitions
- ``limit_claim(id, title, expr, var, point, value, domain, expected="holds", direction="+")``.
- ``asymptotic_claim(id, title, expr, approx, var, point, domain, expected="holds", direction="+")``.
- ``Approach``: the sequence of one parameter point and mantissa: its points,
  enclosures, fitted exponents and verdict (``approaches``, ``why``).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import mpmath
import sympy as sp
from hypothesis import strategies as st

from proofs_checks.certified import Comparison, compare, enclose, exact_fraction, exact_text
from proofs_checks.claim import Claim, RegistryError, register
from proofs_checks.domains import Domain, domain_points
from proofs_checks.numeric import Case, NumericContext
from proofs_checks.proof import Derivation, Limit, Part
from proofs_checks.reviewer import SYMBOLS, domain_hypothesis, domain_text, parse, parse_domain, short_point

__all__ = ["limit_claim", "asymptotic_claim", "Approach", "STEPS", "PROPERTY_STEPS", "MIN_DEPTHS",
           "MIN_EXPONENT", "SMALL", "MAX_PREC"]

STEPS = tuple(sorted({Fraction(m, 10**k) for k in range(1, 7) for m in (1, 3)} - {Fraction(3, 10)}, reverse=True)) + tuple(
    Fraction(1, 10**k) for k in (8, 12, 16, 24, 32, 48, 64))
"""Steps towards the point: half-decades from 1/10 to 10^-6, then 10^-8, ..., 10^-64."""
PROPERTY_STEPS = STEPS[:12]
MIN_DEPTHS = 3
MIN_EXPONENT = 0.25
SMALL = mpmath.mpf("1e-3")
MAX_PREC = 2**15
MANTISSAS = (1, 3, 7, 2, 5, 9)
MIN_SEQUENCES = 6
_DIGITS = 6


@dataclass
class Approach:
    """One sequence towards the point: ``distances`` (to the point, or ``1/var``), the
    enclosures' magnitudes ``[lower, upper]`` of ``|e|``, and the verdict."""

    parameters: dict[sp.Symbol, sp.Rational]
    values: list[sp.Rational] = field(default_factory=list)
    distances: list[mpmath.mpf] = field(default_factory=list)
    magnitudes: list[tuple[mpmath.mpf, mpmath.mpf]] = field(default_factory=list)
    stopped: str = ""

    def exponents(self) -> list[mpmath.mpf]:
        """The fitted exponent of each step, ``log(|e_k|/|e_j|) / log(d_k/d_j)`` (upper magnitudes)."""
        found = []
        for (d0, (_, u0)), (d1, (_, u1)) in zip(zip(self.distances, self.magnitudes),
                                                zip(self.distances[1:], self.magnitudes[1:])):
            found.append(mpmath.inf if u1 == 0 else mpmath.log(u1 / u0) / mpmath.log(d1 / d0) if u0 > 0
                         else mpmath.mpf("nan"))
        return found

    def verdict(self, scale: mpmath.mpf) -> tuple[bool, str]:
        """Whether the sequence approaches (module header), and why not."""
        if len(self.magnitudes) < MIN_DEPTHS:
            return False, f"only {len(self.magnitudes)} depths enclosed ({self.stopped})"
        last = self.magnitudes[-3:]
        if not all(u1 == 0 or u1 < l0 for (l0, _), (_, u1) in zip(last, last[1:])):
            return False, "|e| does not certainly decrease over the last three depths"
        exponent = self.exponents()[-1]
        if not exponent >= MIN_EXPONENT:
            return False, f"the last fitted exponent {mpmath.nstr(exponent, 3)} is below {MIN_EXPONENT}"
        if not last[-1][1] <= SMALL * scale:
            return False, f"the last |e| = {mpmath.nstr(last[-1][1], 3)} is not below {mpmath.nstr(SMALL * scale, 3)}"
        return True, ""


def _magnitude(low: str, high: str) -> tuple[mpmath.mpf, mpmath.mpf]:
    """``[lower, upper]`` bounds of ``|x|`` for ``x`` in ``[low, high]``."""
    a, b = mpmath.mpf(low), mpmath.mpf(high)
    upper = max(abs(a), abs(b))
    return (mpmath.mpf(0) if a <= 0 <= b else min(abs(a), abs(b))), upper


def _power_below(expr: sp.Expr, point: Mapping[sp.Symbol, sp.Rational]) -> Fraction | None:
    """The largest power of ten at most ``expr`` (> 0) at the point, or None."""
    enclosure = enclose(expr, point, digits=3)
    if enclosure is None or not exact_fraction(enclosure.low) > 0:
        return None
    low = exact_fraction(enclosure.low)
    exponent = math.floor(math.log10(low.numerator) - math.log10(low.denominator))
    while Fraction(10) ** exponent > low:
        exponent -= 1
    return Fraction(10) ** exponent


@dataclass(frozen=True)
class _Setting:
    """What an approach needs: the distance ``e``, the variable, the point and side, the
    domain, the scale of ``SMALL``, and the sign ``e`` must keep (infinite values)."""

    distance: sp.Expr
    var: sp.Symbol
    point: sp.Expr
    side: int  # +1: from above, -1: from below, 0: towards oo
    region: Domain
    scale: mpmath.mpf
    sign: int = 0

    def start(self, parameters: Mapping[sp.Symbol, sp.Rational]) -> tuple[Fraction, Fraction] | None:
        """``(origin, w)``: the approach runs through ``origin + side m s w`` (or ``origin + m/s``)."""
        low, high = self.region.bounds[self.var]
        if self.side == 0:
            enclosure = enclose(low, parameters, digits=3)
            if enclosure is None:
                return None
            return Fraction(math.ceil(exact_fraction(enclosure.high))), Fraction(1)
        at = sp.sympify(self.point).xreplace(parameters)
        room = (high - self.point) if self.side > 0 else (self.point - low)
        scales = ([] if room.has(sp.oo) else [room]) + ([] if at == 0 else [sp.Abs(self.point)])
        w = min((_power_below(scale, parameters) for scale in scales), default=Fraction(1),
                key=lambda x: math.inf if x is None else x)
        return None if w is None else (Fraction(int(at.p), int(at.q)), w)

    def approach(self, parameters: Mapping[sp.Symbol, sp.Rational], mantissa: int, steps: Sequence[Fraction]
                 ) -> Approach:
        found = Approach(dict(parameters))
        start = self.start(parameters)
        if start is None:
            found.stopped = "no room to approach the point at these parameters"
            return found
        origin, w = start
        for size in steps:
            step = mantissa / size if self.side == 0 else mantissa * size * w
            x = origin + step if self.side >= 0 else origin - step
            value = sp.Rational(x.numerator, x.denominator)
            enclosure = enclose(self.distance, {**parameters, self.var: value}, digits=_DIGITS, max_prec=MAX_PREC)
            if enclosure is None:
                found.stopped = f"stopped at {self.var} = {exact_text(value)}: no enclosure below {MAX_PREC} bits"
                break
            low, high = mpmath.mpf(enclosure.low), mpmath.mpf(enclosure.high)
            if self.sign and not (low > 0 if self.sign > 0 else high < 0):
                found.stopped = f"stopped at {self.var} = {exact_text(value)}: expr is not certainly of the sign " \
                                f"of its claimed infinite limit"
                break
            found.values.append(value)
            found.distances.append(1 / mpmath.mpf(value.p) * value.q if self.side == 0 else mpmath.mpf(step.numerator)
                                   / step.denominator)
            found.magnitudes.append(_magnitude(enclosure.low, enclosure.high))
            if found.magnitudes[-1][0] == 0 and found.magnitudes[-1][1] > 0:
                found.stopped = f"stopped after {self.var} = {exact_text(value)}: |e| is below the resolution of " \
                                f"{MAX_PREC} bits (only its upper bound is known)"
                break
        return found

    def describe(self, found: Approach) -> str:
        """The sequence in one line: the point, ``|e|`` at each depth and the fitted exponents."""
        where = short_point(found.parameters) or "no other symbol"
        if not found.values:
            return f"{self.var} -> {sp.sstr(self.point)} at {where}: {found.stopped}"
        shown = ", ".join(f"{mpmath.nstr(u, 3)} at {_short(v)}" for v, (_, u) in zip(found.values, found.magnitudes))
        rates = ", ".join(mpmath.nstr(p, 3) for p in found.exponents())
        return f"{self.var} -> {sp.sstr(self.point)} at {where}: |e| = {shown}; fitted exponents {rates or 'none'}"


def _short(value: sp.Rational) -> str:
    text = exact_text(value)
    return text if len(text) <= 16 else mpmath.nstr(mpmath.mpf(value.p) / value.q, 8)


def _check_point(claim_id: str, region: Domain, var: sp.Symbol, point: sp.Expr, direction: str) -> None:
    """``point`` must lie in the closure of ``var``'s interval, on the side ``direction`` approaches from."""
    low, high = region.bounds[var]
    interval = f"domain[{var.name!r}] = ({sp.sstr(low)}, {sp.sstr(high)})"
    if point == sp.oo:
        if high != sp.oo:
            raise RegistryError(f"claim {claim_id!r}: point: oo is outside the closure of {interval}")
        return
    earlier = list(region.bounds)[:list(region.bounds).index(var)]
    unknown = sorted(str(s) for s in point.free_symbols if s not in earlier)
    if unknown:
        raise RegistryError(f"claim {claim_id!r}: point: {sp.sstr(point)} uses {', '.join(unknown)}; a point may "
                            f"use only the symbols before {var} in the domain ({', '.join(map(str, earlier)) or 'none'})")
    if not all(isinstance(node, (sp.Add, sp.Mul, sp.Symbol, sp.Rational)) or (isinstance(node, sp.Pow)
               and node.exp.is_Integer) for node in sp.preorder_traversal(point)):
        raise RegistryError(f"claim {claim_id!r}: point: {sp.sstr(point)} must be a rational number or a rational "
                            f"function of earlier symbols (exact at exact parameters)")
    prefixes = Domain({s: region.bounds[s] for s in earlier}).points(random.Random(0), 8) if earlier else [{}]
    tests = ((low, "<=" if direction == "+" else "<", point),
             *(() if high == sp.oo else ((point, "<" if direction == "+" else "<=", high),)))
    for prefix in prefixes:
        for left, relation, right in tests:
            if compare(left, relation, right, prefix).verdict != "holds":
                at = f" at {short_point(prefix)}" if prefix else ""
                raise RegistryError(f"claim {claim_id!r}: point: {sp.sstr(point)} approached from "
                                    f"{'above' if direction == '+' else 'below'} is outside the closure of "
                                    f"{interval}{at}")


def _parameter_points(others: Domain | None, ctx_rng: random.Random, count: int) -> list[dict[sp.Symbol, sp.Rational]]:
    if others is None:
        return [{}]
    unique: list[dict[sp.Symbol, sp.Rational]] = []
    for point in others.points(ctx_rng, count):
        if point not in unique:
            unique.append(point)
    return unique


def _sequences(points: Sequence[dict[sp.Symbol, sp.Rational]]) -> list[tuple[dict[sp.Symbol, sp.Rational], int]]:
    """Each parameter point with mantissa 1, then more mantissas until ``MIN_SEQUENCES``."""
    chosen = [(p, 1) for p in points]
    for mantissa in MANTISSAS[1:]:
        if len(chosen) >= MIN_SEQUENCES:
            break
        chosen += [(p, mantissa) for p in points]
    return chosen


def _approach_claim(claim_id: str, title: str, kind: str, expr: str, var: str, point: str, value: str | None,
                    approx: str | None, domain: Mapping[str, Any], expected: str, direction: str) -> Claim:
    """The common constructor of ``limit_claim`` (``value``) and ``asymptotic_claim`` (``approx``)."""
    what = f"claim {claim_id!r}"
    if var not in SYMBOLS:
        raise RegistryError(f"{what}: var must be one of alpha, beta, mu; got {var!r}")
    if direction not in ("+", "-"):
        raise RegistryError(f"{what}: direction must be '+' (from above) or '-' (from below); got {direction!r}")
    variable = SYMBOLS[var]
    body = parse(expr, f"{what}: expr")
    if variable not in body.free_symbols:
        raise RegistryError(f"{what}: expr does not depend on var {var}: {sp.sstr(body)}")
    target = parse(point, f"{what}: point", bound=True)
    if target == -sp.oo:
        raise RegistryError(f"{what}: point: -oo is outside the closure of every domain ({var} > 0)")
    if kind == "limit":
        limit = parse(value, f"{what}: value", bound=True)
        distance = 1 / body if limit in (sp.oo, -sp.oo) else body - limit
        others_used = limit.free_symbols
    else:
        limit = parse(approx, f"{what}: approx")
        if limit == 0 or variable not in sp.simplify(body / limit).free_symbols:
            raise RegistryError(f"{what}: approx: expr/approx = {sp.sstr(sp.simplify(body / limit))} must depend on "
                                f"{var}: give an approximation, not a multiple of expr")
        distance = body / limit - 1
        others_used = limit.free_symbols
    region = parse_domain(claim_id, domain, body.free_symbols | others_used | target.free_symbols | {variable})
    for symbol, (low, high) in region.bounds.items():
        if symbol != variable and variable in (sp.sympify(low).free_symbols | sp.sympify(high).free_symbols):
            raise RegistryError(f"{what}: domain[{symbol.name!r}] depends on {var}, the limit variable: the other "
                                f"symbols must stay fixed while {var} moves")
    _check_point(claim_id, region, variable, target, direction)
    side_text = "-" if target == sp.oo else direction
    arrow = f"{sp.latex(variable)} \\to {sp.latex(target)}{'' if target == sp.oo else '^{' + direction + '}'}"
    if kind == "limit":
        relation = sp.Eq(sp.Limit(body, variable, target, side_text), limit, evaluate=False)
        statement = f"$\\lim_{{{arrow}}} {sp.latex(body)} = {sp.latex(limit)}$"
    else:
        relation = sp.Eq(sp.Limit(body / limit, variable, target, side_text), 1, evaluate=False)
        statement = f"${sp.latex(body)} \\sim {sp.latex(limit)}$ as ${arrow}$"
    claim = register(claim_id, title=title, source="extension", statement=f"{statement} for {domain_text(region)}",
                     expected=expected,  # type: ignore[arg-type]
                     parts=(Part(kind, statement, relation),))
    claim.requires_proof = False
    stated = domain_hypothesis(region)
    fixed = [s for s in region.bounds if s != variable]

    @claim.symbolic
    def _derivation() -> Derivation:
        step = Limit(body, variable, target, limit, "SymPy computes the limit on the stated domain",
                     assumes=("domain",), direction=side_text) if kind == "limit" else Limit(
            body / limit, variable, target, 1, "SymPy computes the limit of expr/approx on the stated domain",
            assumes=("domain",), direction=side_text)
        return Derivation(scope=f"symbolic {', '.join(s.name for s in fixed) or var} on the stated domain",
                          steps=(step,), hypotheses=(stated,), domain=region.bounds)

    infinite = kind == "limit" and limit in (sp.oo, -sp.oo)
    scale = mpmath.mpf(1) if kind != "limit" or infinite or limit.free_symbols else max(
        mpmath.mpf(1), abs(mpmath.mpf(sp.N(limit, 20))))
    setting = _Setting(distance, variable, target, 0 if target == sp.oo else 1 if direction == "+" else -1,
                       region, scale, sign=(1 if limit == sp.oo else -1) if infinite else 0)
    others = Domain({s: region.bounds[s] for s in fixed}) if fixed else None
    toward = f"{var} -> {sp.sstr(target)}{'' if target == sp.oo else direction}"

    @claim.numeric
    def _numeric(ctx: NumericContext) -> Iterator[Case]:
        """One case per enclosed depth of each sequence, then the sequence's trend (module header)."""
        sequences = _sequences(_parameter_points(others, ctx.rng, max(2, ctx.random_cases // 4)))
        deepest = 0
        for parameters, mantissa in sequences:
            found = setting.approach(parameters, mantissa, STEPS)
            for at, (_, upper) in zip(found.values, found.magnitudes):
                yield Case(f"|e| <= {mpmath.nstr(upper, 3)} at {short_point({**parameters, variable: at})}",
                           mpmath.mpf(0), True)
            deepest = max(deepest, len(found.values))
            approaches, why = found.verdict(setting.scale)
            if approaches:
                yield Case(f"approaches: {setting.describe(found)}", found.magnitudes[-1][1], True)
            else:
                yield Case(f"no approach seen ({why}): {setting.describe(found)}", mpmath.mpf("nan"), False,
                           undecided=True)
        ctx.scope = (f"a numeric trend, not a proof: {toward} through {len(sequences)} sequences, up to "
                     f"{deepest} depths of {var} enclosed")

    def confirm(parameters: dict[sp.Symbol, sp.Rational], mantissa: int) -> Comparison:
        """A trend never certifies a counterexample."""
        return Comparison("undecided", {str(s): exact_text(v) for s, v in parameters.items()}, None, None, "arb",
                          "a numeric trend is neither a proof nor a counterexample of a limit")

    def _property(parameters: dict[sp.Symbol, sp.Rational], mantissa: int) -> None:
        found = setting.approach(parameters, mantissa, PROPERTY_STEPS)
        approaches, why = found.verdict(setting.scale)
        assert approaches, f"no approach seen ({why}): {setting.describe(found)}"

    drawn = domain_points(others) if others is not None else st.just({})
    claim.property(drawn, st.integers(1, 9), confirm=confirm)(_property)
    return claim


def limit_claim(*, id: str, title: str, expr: str, var: str, point: str, value: str,
                domain: Mapping[str, tuple[str, str]], expected: str = "holds", direction: str = "+") -> Claim:
    """Register ``lim_{var -> point} expr = value`` (from above for ``direction="+"``)."""
    return _approach_claim(id, title, "limit", expr, var, point, value, None, domain, expected, direction)


def asymptotic_claim(*, id: str, title: str, expr: str, approx: str, var: str, point: str,
                     domain: Mapping[str, tuple[str, str]], expected: str = "holds", direction: str = "+") -> Claim:
    """Register ``expr ~ approx`` as ``var -> point``: ``lim expr/approx = 1``."""
    return _approach_claim(id, title, "asymptotic", expr, var, point, None, approx, domain, expected, direction)
