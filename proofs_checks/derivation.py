"""Checked derivations: the symbolic evidence layer.

A derivation is a list of steps, each a mathematical fact that SymPy checks on
its own: an identity that reduces to 0, a limit or asymptotic equivalence that
SymPy computes, an inequality reduced to a sign fact, or the minimum of a
convex function. Steps are written with named placeholders (``Z_beta``,
``mu_beta``, ...) whose ``definitions`` are substituted before checking, so the
rendered derivation reads like a proof and is exactly what was checked.

When a step cannot be verified, the step is evaluated with mpmath at random
points of the derivation's ``domain``: a point where it fails is a
counterexample (the derivation is *refuted*); if none is found the derivation
is *inconclusive* ("unable to verify"), never silently passed.

Main definitions
- ``Equal(lhs, rhs, because)``: ``lhs - rhs`` reduces to 0 (after substituting
  ``given`` facts such as ``sum_y q(y) = 1``).
- ``Limit(expr, var, point, value, because)``: ``lim expr = value``.
- ``Asymptotic(expr, approx, var, point, because)``: ``lim expr / approx = 1``.
- ``Sign(expr, sign, because, positive=...)``: ``expr`` is positive / negative /
  non-negative / non-positive, once the listed expressions are known positive.
- ``ConvexMinimum(f, var, at, because)``: ``f'(at) = 0`` and ``f'' > 0``, hence
  ``f >= f(at)``.
- ``Derivation(scope, steps, definitions, domain, complete)``: ``complete`` says
  whether the steps establish the whole claim or only the part named in
  ``scope``.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import mpmath
import sympy as sp

__all__ = [
    "Step",
    "Equal",
    "Limit",
    "Asymptotic",
    "Sign",
    "ConvexMinimum",
    "Derivation",
    "DerivationResult",
    "StepResult",
    "Domain",
    "reduce_sums",
    "sample_point",
    "domain_point",
]

Domain = Mapping[sp.Symbol, tuple[Any, Any]]
"""Bounds ``(low, high)`` per symbol, SymPy expressions that may use earlier symbols."""

SignName = Literal["positive", "negative", "nonnegative", "nonpositive"]

_COUNTEREXAMPLE_TRIES = 64
_COUNTEREXAMPLE_DPS = 40
_MARGIN = sp.Rational(1, 10**20)
"""How far (relative for identities) a value must be off to count as a counterexample."""
EVERYWHERE = "every point of the domain (SymPy shows the step false as stated)"
"""The counterexample of a step that SymPy refutes outright rather than at a sampled point."""


def reduce_sums(expr: sp.Expr) -> sp.Expr:
    """Normal form for expressions with symbolic sums: logs expanded, every
    ``Sum`` split over the terms of its summand, factors that do not depend on
    the summation indices pulled out (``sum_y c f(y) = c sum_y f(y)``), and a
    double sum of a product of one-index factors split into a product of sums
    (``sum_{y,z} f(y) g(z) = (sum_y f(y)) (sum_z g(z))``)."""
    expr = sp.expand(sp.expand_log(expr, force=True))

    def split_term(term: sp.Expr, limits: tuple[Any, ...]) -> sp.Expr:
        cancelled = sp.cancel(term)
        if not sp.fraction(cancelled)[0].is_Add:
            term = cancelled
        groups: dict[Any, list[sp.Expr]] = {}
        for factor in sp.Mul.make_args(term):
            depends = tuple(limit for limit in limits if factor.has(limit[0]))
            key = depends[0] if len(depends) == 1 else (depends or None)
            groups.setdefault(key, []).append(factor)
        result = sp.Mul(*groups.pop(None, []))
        for key, factors in groups.items():
            own = key if isinstance(key[0], tuple) else (key,)
            result *= sp.Sum(sp.Mul(*factors), *own)
        unused = [limit for limit in limits if not term.has(limit[0])]
        for index, low, high in unused:
            result *= high - low + 1
        return result

    def split(s: sp.Sum) -> sp.Expr:
        summand = sp.expand(sp.expand_log(s.function, force=True))
        return sp.Add(*(split_term(term, s.limits) for term in sp.Add.make_args(summand)))

    expr = sp.expand(expr.replace(lambda e: isinstance(e, sp.Sum), split))
    return _rename_indices(expr)


def _rename_indices(expr: sp.Expr) -> sp.Expr:
    """Give every one-index sum over the same range the same index symbol (the
    first by name), so that equal sums compare equal."""
    sums = [e for e in expr.atoms(sp.Sum) if len(e.limits) == 1]
    canonical: dict[tuple[Any, Any], sp.Symbol] = {}
    for s in sorted(sums, key=lambda e: e.limits[0][0].name):
        index, low, high = s.limits[0]
        canonical.setdefault((low, high), index)
    renamed = {}
    for s in sums:
        index, low, high = s.limits[0]
        target = canonical[(low, high)]
        if index != target:
            renamed[s] = sp.Sum(s.function.subs(index, target), (target, low, high))
    return expr.xreplace(renamed) if renamed else expr


def _is_zero(expr: sp.Expr) -> bool:
    """True when ``expr`` provably simplifies to 0 (a chain of cheap to costly rewrites)."""
    for rewrite in (
        lambda e: e,
        sp.cancel,
        lambda e: sp.simplify(e),
        lambda e: sp.simplify(sp.expand_log(e, force=True)),
        lambda e: sp.simplify(sp.logcombine(e, force=True)),
        lambda e: sp.simplify(sp.expand_log(e.replace(sp.log, lambda x: sp.log(sp.factor(sp.cancel(x)))), force=True)),
        lambda e: sp.simplify(sp.powsimp(sp.expand(e.rewrite(sp.exp)), force=True)),
    ):
        try:
            if rewrite(expr) == 0:
                return True
        except (TypeError, NotImplementedError, ValueError):  # pragma: no cover - SymPy internals
            continue
    return False


@dataclass(frozen=True)
class StepResult:
    """The check of one step: ``verified``, ``refuted`` (with a point) or ``inconclusive``."""

    outcome: Literal["verified", "refuted", "inconclusive"]
    detail: str
    counterexample: dict[str, str] | str | None = None


class Step:
    """A derivation step: a statement, why it holds, and how SymPy checks it."""

    because: str

    def statement(self) -> tuple[sp.Expr, str, sp.Expr]:
        """``(left, relation, right)`` for rendering; relation is LaTeX."""
        raise NotImplementedError

    def verify(self, expand: Any) -> StepResult:
        """Check the step; ``expand`` substitutes the derivation's definitions."""
        raise NotImplementedError

    def violation(self, expand: Any) -> sp.Expr | None:
        """An expression that is ``> 0`` exactly where the step fails (for the
        counterexample search), or None if the step cannot be evaluated pointwise."""
        return None

    def to_text(self) -> str:
        left, relation, right = self.statement()
        text_relation = {r"=": "=", r"\to": "->", r"\sim": "~", r">": ">", r"<": "<", r"\ge": ">=", r"\le": "<="}
        return f"{sp.sstr(left)} {text_relation.get(relation, relation)} {sp.sstr(right)}"

    def to_latex(self) -> str:
        left, relation, right = self.statement()
        return f"{sp.latex(left)} {relation} {sp.latex(right)}"


@dataclass(frozen=True)
class Equal(Step):
    """``lhs = rhs``, checked by reducing ``lhs - rhs`` to 0 after substituting
    ``given`` (e.g. ``{Sum(q[y], (y, 1, n)): 1}``); with ``cases`` (a symbol and
    its possible values, e.g. ``v[y]`` in ``(0, 1)``), checked in every case."""

    lhs: sp.Expr
    rhs: sp.Expr
    because: str
    given: Mapping[sp.Expr, sp.Expr] = field(default_factory=dict)
    cases: tuple[sp.Expr, tuple[Any, ...]] | None = None

    def statement(self) -> tuple[sp.Expr, str, sp.Expr]:
        return self.lhs, "=", self.rhs

    def _difference(self, expand: Any) -> sp.Expr:
        return expand(sp.sympify(self.lhs) - sp.sympify(self.rhs)).doit()

    def verify(self, expand: Any) -> StepResult:
        given = {reduce_sums(expand(k)): expand(v) for k, v in self.given.items()}
        if self.cases is None:
            return self._verify(self._difference(expand), given)
        variable, values = self.cases
        for value in values:
            result = self._verify(self._difference(expand).subs(variable, value), given)
            if result.outcome != "verified":
                return StepResult(result.outcome, f"case {variable} = {value}: {result.detail}")
        return StepResult("verified", f"identity in each case {variable} in {set(values)}")

    @staticmethod
    def _verify(difference: sp.Expr, given: Mapping[sp.Expr, sp.Expr]) -> StepResult:
        if difference.has(sp.Sum):
            difference = reduce_sums(reduce_sums(difference).subs(given))
        elif given:
            difference = difference.subs(given)
        if _is_zero(difference):
            return StepResult("verified", "identity: difference reduces to 0")
        return StepResult("inconclusive", f"difference did not reduce to 0: {sp.sstr(sp.simplify(difference))}")

    def violation(self, expand: Any) -> sp.Expr | None:
        difference = self._difference(expand)
        if difference.has(sp.Sum, sp.Indexed):
            return None
        scale = 1 + abs(expand(sp.sympify(self.lhs)).doit()) + abs(expand(sp.sympify(self.rhs)).doit())
        return abs(difference) / scale - _MARGIN


@dataclass(frozen=True)
class Limit(Step):
    """``lim_{var -> point} expr = value`` (one-sided with ``direction``)."""

    expr: sp.Expr
    var: sp.Symbol
    point: Any
    value: Any
    because: str
    direction: str = "+"

    def statement(self) -> tuple[sp.Expr, str, sp.Expr]:
        return sp.Limit(self.expr, self.var, self.point, self.direction), "=", sp.sympify(self.value)

    def _computed(self, expand: Any) -> sp.Expr:
        return sp.limit(expand(self.expr), self.var, self.point, self.direction)

    def violation(self, expand: Any) -> sp.Expr | None:
        difference = self._computed(expand) - expand(sp.sympify(self.value))
        if not difference.is_finite and difference.is_number:
            return None
        return abs(difference) / (1 + abs(expand(sp.sympify(self.value)))) - _MARGIN

    def verify(self, expand: Any) -> StepResult:
        computed = self._computed(expand)
        if _is_zero(computed - expand(sp.sympify(self.value))) or computed == sp.sympify(self.value):
            return StepResult("verified", f"limit computed by SymPy: {sp.sstr(computed)}")
        if computed.is_number and sp.sympify(self.value).is_number:
            return StepResult("refuted", f"SymPy computes the limit as {sp.sstr(computed)}, not {self.value}")
        return StepResult("inconclusive", f"SymPy computes the limit as {sp.sstr(computed)}")


@dataclass(frozen=True)
class Asymptotic(Step):
    """``expr ~ approx`` as ``var -> point``: ``lim expr / approx = 1``."""

    expr: sp.Expr
    approx: sp.Expr
    var: sp.Symbol
    point: Any
    because: str
    direction: str = "+"

    def statement(self) -> tuple[sp.Expr, str, sp.Expr]:
        return self.expr, r"\sim", self.approx

    def to_latex(self) -> str:
        limit = sp.latex(sp.Symbol(sp.latex(self.var)))
        point = sp.latex(sp.sympify(self.point))
        sign = "^{+}" if self.direction == "+" else "^{-}"
        return f"{sp.latex(self.expr)} \\sim {sp.latex(self.approx)} \\quad ({limit} \\to {point}{sign})"

    def verify(self, expand: Any) -> StepResult:
        ratio = sp.limit(expand(self.expr / self.approx), self.var, self.point, self.direction)
        if _is_zero(ratio - 1):
            return StepResult("verified", "ratio tends to 1 (limit computed by SymPy)")
        if ratio.is_number:
            return StepResult("refuted", f"the ratio tends to {sp.sstr(ratio)}, not 1")
        return StepResult("inconclusive", f"SymPy computes the ratio's limit as {sp.sstr(ratio)}")


_SIGN_TEST = {
    "positive": ("is_positive", ">", "0"),
    "negative": ("is_negative", "<", "0"),
    "nonnegative": ("is_nonnegative", r"\ge", "0"),
    "nonpositive": ("is_nonpositive", r"\le", "0"),
}


@dataclass(frozen=True)
class Sign(Step):
    """``expr`` has the stated sign, once each expression in ``positive`` (and
    ``nonnegative``) is replaced by a positive (non-negative) symbol: the sign
    fact the step reduces to. With ``expand_definitions=False`` the placeholders
    are kept, so that e.g. ``mu_beta`` and ``1 - mu_beta`` can be declared positive."""

    expr: sp.Expr
    sign: SignName
    because: str
    positive: Sequence[sp.Expr] = ()
    nonnegative: Sequence[sp.Expr] = ()
    expand_definitions: bool = True

    def statement(self) -> tuple[sp.Expr, str, sp.Expr]:
        _, relation, zero = _SIGN_TEST[self.sign]
        return self.expr, relation, sp.Integer(int(zero))

    def verify(self, expand: Any) -> StepResult:
        prepare = expand if self.expand_definitions else sp.sympify
        expr = prepare(self.expr).doit()
        declared = [(prepare(k), "positive") for k in self.positive] + [(prepare(k), "nonnegative") for k in self.nonnegative]
        for known, assumption in sorted(declared, key=lambda pair: -sp.count_ops(pair[0])):
            symbol = sp.Dummy("P", **{assumption: True})
            expr = expr.xreplace({known: symbol}).subs(known, symbol)  # xreplace also reaches inside sums
        attribute = _SIGN_TEST[self.sign][0]
        if getattr(expr, attribute) is None:
            expr = sp.factor(sp.simplify(expr))
        if getattr(expr, attribute) is True:
            return StepResult("verified", f"sign fact: {sp.sstr(expr)} is {self.sign} (declared factors positive)")
        if getattr(expr, attribute) is False:
            return StepResult("refuted", f"{sp.sstr(expr)} is provably not {self.sign}")
        return StepResult("inconclusive", f"SymPy could not decide the sign of {sp.sstr(expr)}")

    def violation(self, expand: Any) -> sp.Expr | None:
        expr = expand(self.expr).doit()
        if expr.has(sp.Sum, sp.Indexed):
            return None
        wrong_way = -expr if self.sign in ("positive", "nonnegative") else expr
        return wrong_way - _MARGIN


@dataclass(frozen=True)
class ConvexMinimum(Step):
    """``f(var) >= f(at)`` on the domain of ``var``, because ``f'(at) = 0`` and
    ``f'' > 0`` there (strict convexity)."""

    f: sp.Expr
    var: sp.Symbol
    at: sp.Expr
    because: str

    def statement(self) -> tuple[sp.Expr, str, sp.Expr]:
        return self.f, r"\ge", self.f.subs(self.var, self.at)

    def verify(self, expand: Any) -> StepResult:
        f = expand(self.f)
        slope = sp.simplify(sp.diff(f, self.var).subs(self.var, self.at))
        curvature = sp.simplify(sp.diff(f, self.var, 2))
        if slope != 0:
            return StepResult("refuted" if slope.is_number else "inconclusive", f"f'({self.at}) = {slope}, not 0")
        if curvature.is_positive:
            return StepResult("verified", f"f'({self.at}) = 0 and f'' = {sp.sstr(curvature)} > 0")
        return StepResult("inconclusive", f"could not show f'' = {sp.sstr(curvature)} > 0")

    def violation(self, expand: Any) -> sp.Expr | None:
        f = expand(self.f)
        return f.subs(self.var, self.at) - f - _MARGIN


def domain_point(domain: Domain, fractions: Sequence[Any], extra: Sequence[sp.Symbol] = (),
                 extra_fractions: Sequence[Any] = ()) -> dict[sp.Symbol, mpmath.mpf]:
    """The point of ``domain`` at the given fractions (one per domain symbol, in
    order, each in ``(0, 1)``), at the current mpmath precision: for a finite
    interval ``low + t (high - low)``; for ``(low, oo)``, ``low + e^{12 t - 6}``.
    ``extra`` symbols (not in ``domain``) are positive block weights, each
    ``t / (k + 1)`` for ``k`` such symbols, so that eliminated last weights stay
    positive."""
    point: dict[sp.Symbol, mpmath.mpf] = {}
    for (symbol, (low, high)), fraction in zip(domain.items(), fractions, strict=True):
        fraction = mpmath.mpf(fraction)
        low_value = mpmath.mpf(sp.N(sp.sympify(low).subs(point), mpmath.mp.dps))
        high_expr = sp.sympify(high)
        if high_expr == sp.oo:
            point[symbol] = low_value + mpmath.exp(12 * fraction - 6)
        else:
            high_value = mpmath.mpf(sp.N(high_expr.subs(point), mpmath.mp.dps))
            point[symbol] = low_value + fraction * (high_value - low_value)
    for symbol, fraction in zip(extra, extra_fractions, strict=True):
        point[symbol] = mpmath.mpf(fraction) / (len(extra) + 1)
    return point


def sample_point(domain: Domain, symbols: Sequence[sp.Symbol], rng: random.Random) -> dict[sp.Symbol, mpmath.mpf]:
    """A random point of ``domain`` (see ``domain_point``) with fractions drawn
    from ``rng`` in ``[0.001, 0.999]``; no float64 is involved."""
    extra = [s for s in symbols if s not in domain]
    draw = [mpmath.mpf(rng.randint(1, 999)) / 1000 for _ in range(len(domain) + len(extra))]
    return domain_point(domain, draw[: len(domain)], extra, draw[len(domain):])


@dataclass(frozen=True)
class DerivationResult:
    """The outcome of checking every step of a derivation."""

    outcome: Literal["passed", "refuted", "inconclusive"]
    steps: tuple[StepResult, ...]
    counterexample: dict[str, str] | str | None = None


@dataclass(frozen=True)
class Derivation:
    """A checked derivation with an explicit scope ("all n, by block reduction",
    "n <= 6 outcomes", ...). ``complete`` is False when the steps establish only
    the part of the claim named in ``scope``."""

    scope: str
    steps: tuple[Step, ...]
    definitions: Mapping[sp.Symbol, sp.Expr] = field(default_factory=dict)
    domain: Domain = field(default_factory=dict)
    complete: bool = True

    def expand(self, expr: Any) -> sp.Expr:
        """Substitute the definitions (which may refer to each other) in one pass."""
        resolved = dict(self.definitions)
        for _ in range(len(resolved)):
            resolved = {symbol: value.subs(resolved) for symbol, value in resolved.items()}
        return sp.sympify(expr).subs(resolved)

    def check(self, seed: int = 0) -> DerivationResult:
        results = []
        for index, step in enumerate(self.steps):
            result = step.verify(self.expand)
            if result.outcome != "verified":
                point = self._counterexample(step, random.Random(seed * 1000 + index))
                if point is not None:
                    result = StepResult("refuted", result.detail, point)
                elif result.outcome == "refuted":
                    result = StepResult("refuted", result.detail, EVERYWHERE)
            results.append(result)
            if result.outcome != "verified":
                outcome = "refuted" if result.outcome == "refuted" else "inconclusive"
                return DerivationResult(outcome, tuple(results), result.counterexample)
        return DerivationResult("passed", tuple(results))

    def _counterexample(self, step: Step, rng: random.Random) -> dict[str, str] | None:
        violation = step.violation(self.expand)
        if violation is None:
            return None
        symbols = sorted(violation.free_symbols, key=lambda s: s.name)
        function = sp.lambdify(symbols, violation, modules="mpmath")

        def evaluate(point: dict[sp.Symbol, mpmath.mpf], dps: int) -> mpmath.mpf | None:
            with mpmath.workdps(dps):
                try:
                    value = function(*(point[s] for s in symbols))
                except Exception:  # noqa: BLE001 - a point where the step cannot be evaluated is no evidence
                    return None
                return value if mpmath.isfinite(value) else None

        for _ in range(_COUNTEREXAMPLE_TRIES):
            with mpmath.workdps(_COUNTEREXAMPLE_DPS):
                point = sample_point(self.domain, symbols, rng)
            low, high = evaluate(point, _COUNTEREXAMPLE_DPS), evaluate(point, 2 * _COUNTEREXAMPLE_DPS)
            # a violation counts only if doubling the precision confirms it (no cancellation artefact)
            if low is not None and high is not None and low > 0 and high > 0 and abs(low - high) <= abs(high) / 1000:
                return {s.name: mpmath.nstr(point[s], 12) for s in symbols}
        return None

    def to_text(self, results: Sequence[StepResult] = ()) -> str:
        lines = [f"scope: {self.scope}"]
        for symbol, definition in self.definitions.items():
            lines.append(f"  where {symbol} = {sp.sstr(definition)}")
        for index, step in enumerate(self.steps, 1):
            mark = f"  [{results[index - 1].outcome}: {results[index - 1].detail}]" if index <= len(results) else ""
            lines.append(f"  ({index}) {step.to_text()}\n      because {step.because}{mark}")
        return "\n".join(lines)

    def to_latex_steps(self) -> list[tuple[str, str]]:
        """``(formula, justification)`` per step, formulas in LaTeX math mode."""
        return [(step.to_latex(), step.because) for step in self.steps]

    def definitions_latex(self) -> list[str]:
        return [f"{sp.latex(symbol)} = {sp.latex(definition)}" for symbol, definition in self.definitions.items()]
