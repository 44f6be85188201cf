"""Checked derivations: the symbolic evidence layer.

A derivation is a list of steps. Each step states one mathematical fact,
says why it holds (``because``: prose with math in ``$...$``), cites what it
assumes, and is checked by SymPy on its own. A step may assume only the
standing assumptions (``proofs_checks.assumptions``), the claim's hypotheses,
parts of the claims its claim ``uses`` (``"gibbs-identity:identity"``),
standard results (``proofs_checks.standard_results``) and earlier steps
(``"step 3"``); the facts it cites are the only ones its check may use, and
the assumptions behind the SymPy assumptions of its symbols (``alpha > 0``
from ``valid-mass-interior``, ...) are recorded with them.

A claim's statement is split into *parts*, each a formal SymPy relation. A
derivation is *complete* when every part is concluded by an *established*
step: one SymPy verified, that is not informal, and whose cited steps are
established. This is matched mechanically, never declared. An ``Informal``
step (an argument SymPy cannot check) is printed and rendered, and makes the
derivation partial.

Checks: a step SymPy verifies is ``verified``. Otherwise its statement is
tested at exact points of the derivation's domain with certified arithmetic
(``proofs_checks.certified``): a point where it certainly fails makes it
``refuted``, with the point and rigorous enclosures of both sides; else it is
``inconclusive``. A step SymPy refutes outright (a limit it computes to another
value, a sign it shows impossible) is ``refuted`` with an exact certificate at
a point. A refuted step that concludes a part refutes the claim; a refuted
intermediate step is an error in the derivation.

Registration rejects: unknown or forward references in ``assumes``; vacuous
steps (both sides the same expression after substituting the definitions, a
sign of a number, a limit of an expression free of its variable); a step that
cites a hypothesis equal to its own conclusion; a case split on ``v(y)``
without ``binary-reward``.

Main definitions
- Steps: ``Equal(lhs, rhs)`` (an identity; with ``cases`` checked in every
  case), ``Sign(expr, sign)``, ``Limit(expr, var, point, value)``,
  ``Asymptotic(expr, approx, var, point)`` (``lim expr/approx = 1``),
  ``ConvexMinimum(f, var, at)`` (``f >= f(at)`` for all ``var``, from
  ``f'(at) = 0`` and ``f'' > 0``), ``Finite(expr)`` (a finite sum of finite
  terms), ``Apply(result, **instance)`` (a standard
  result whose hypotheses are checked), ``Informal(statement, concludes)``.
- ``Part(id, statement, relation)``: one formal part of a claim's statement.
- ``Derivation(scope, steps, definitions, hypotheses, domain)``;
  ``Derivation.check(parts, resolve, seed)`` -> ``DerivationResult``.
- ``reduce_sums(expr)``: the normal form of expressions with symbolic sums.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

import sympy as sp

from proofs_checks.assumptions import BY_ID as STANDING_BY_ID
from proofs_checks.assumptions import Assumption, symbol_sources
from proofs_checks.signs import SIGN_RELATIONS, Fact, Knowledge, SignName, prove_sign
from proofs_checks.simplification import Intervals, TimeLimit, bounded, interval_substitution, is_zero

__all__ = [
    "Step", "Equal", "Sign", "Limit", "Asymptotic", "ConvexMinimum", "Finite", "Apply", "Informal",
    "Part", "Derivation", "DerivationResult", "StepResult", "DerivationError", "reduce_sums",
]

Outcome = Literal["verified", "refuted", "inconclusive", "informal"]
_COUNTEREXAMPLE_POINTS = 24


class DerivationError(ValueError):
    """A derivation that is malformed: a bad reference, a vacuous step, a circular citation."""


# --- sums -----------------------------------------------------------------------

def reduce_sums(expr: sp.Expr) -> sp.Expr:
    """Normal form for expressions with symbolic sums: logs expanded where SymPy's
    assumptions allow it (never forced), every ``Sum`` split over the terms of its
    summand, factors free of the summation index pulled out, a double sum of a
    product of one-index factors split into a product of sums, and equal one-index
    sums given the same index symbol."""
    if not expr.has(sp.Sum):
        return expr
    expr = sp.expand(sp.expand_log(expr))

    def split_term(term: sp.Expr, limits: tuple[Any, ...]) -> sp.Expr:
        cancelled = sp.cancel(term)
        if not sp.fraction(cancelled)[0].is_Add:
            term = cancelled
        groups: dict[Any, list[sp.Expr]] = {}
        for factor in sp.Mul.make_args(term):
            depends = tuple(limit for limit in limits if limit[0] in factor.free_symbols)
            key = depends[0] if len(depends) == 1 else (depends or None)
            groups.setdefault(key, []).append(factor)
        result = sp.Mul(*groups.pop(None, []))
        for key, factors in groups.items():
            own = key if isinstance(key[0], tuple) else (key,)
            result *= sp.Sum(sp.Mul(*factors), *own)
        for index, low, high in limits:
            if index not in term.free_symbols:
                result *= high - low + 1
        return result

    def split(s: sp.Sum) -> sp.Expr:
        summand = sp.expand(sp.expand_log(s.function))
        return sp.Add(*(split_term(term, s.limits) for term in sp.Add.make_args(summand)))

    expr = sp.expand(expr.replace(lambda e: isinstance(e, sp.Sum), split))
    return _rename_indices(expr)


def _rename_indices(expr: sp.Expr) -> sp.Expr:
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


def _eliminate(difference: sp.Expr, equalities: Sequence[sp.Expr]) -> sp.Expr:
    """Subtract multiples of the cited equalities ``D_i = 0`` (in ``reduce_sums``
    normal form) from ``difference``: repeatedly, the sum with the simplest
    coefficient in some relation (numeric coefficients first) is solved for and
    substituted everywhere; a relation left without sums is subtracted (or
    added) whole. An identity that follows linearly from the cited ones thus
    reduces to 0."""
    relations = [sp.expand(reduce_sums(d)) for d in equalities if d != 0]
    difference = reduce_sums(difference)
    while relations:
        best = None
        for index, relation in enumerate(relations):
            atoms = relation.atoms(sp.Sum) or {a for a in relation.atoms(sp.Symbol, sp.Indexed, sp.Product)
                                               if difference.has(a) and not isinstance(a, sp.Dummy)}
            for atom in atoms:
                coefficient = relation.coeff(atom)
                if coefficient == 0 or coefficient.has(sp.Sum) or coefficient.has(atom) or \
                        sp.expand(relation - coefficient * atom).has(atom):
                    continue
                key = (not coefficient.is_number, sp.count_ops(coefficient), sp.default_sort_key(atom))
                if best is None or key < best[0]:
                    best = (key, index, atom, coefficient)
        if best is None:
            break
        _, index, atom, coefficient = best
        solved = sp.expand(atom - relations.pop(index) / coefficient)
        difference = reduce_sums(difference.xreplace({atom: solved}))
        relations = [sp.expand(reduce_sums(r.xreplace({atom: solved}))) for r in relations]
    for relation in relations:
        for combined in (difference - relation, difference + relation):
            if relation != 0 and _algebraically_zero(combined):
                return sp.Integer(0)
    return difference


# --- step context ---------------------------------------------------------------

@dataclass(frozen=True)
class StepContext:
    """What one step's check may use: the definitions and the cited facts."""

    expand: Callable[[Any], sp.Expr]
    facts: tuple[Fact, ...]
    plain: Mapping[sp.Symbol, sp.Symbol] = field(default_factory=dict)
    """Each placeholder with SymPy assumptions -> a twin that is only real: a
    placeholder's sign must be derived, not read off its declaration."""

    def strip(self, expr: Any) -> sp.Expr:
        return sp.sympify(expr).xreplace(self.plain)

    def knowledge(self, expanded: bool = True) -> Knowledge:
        if not expanded:
            return Knowledge.from_facts(Fact(f.source, self.strip(f.relation), f.variables) for f in self.facts)
        return Knowledge.from_facts(Fact(f.source, self.expand(f.relation), f.variables) for f in self.facts)

    @property
    def intervals(self) -> Intervals:
        return self.knowledge().intervals

    def equalities(self) -> list[sp.Expr]:
        """The cited equalities used linearly: neither rewrite rules nor 0/1 facts."""
        return [self.expand(r.lhs - r.rhs) for f in self.facts if not f.variables
                for r in _conjuncts(f.relation) if isinstance(r, sp.Equality) and not _rewrite_rule(r.lhs)
                and not (r.rhs == 0 and isinstance(r.lhs, sp.Mul))
                and not any(isinstance(side, sp.Set) for side in r.args)]


def _conjuncts(relation: sp.Basic) -> list[sp.Basic]:
    return list(relation.args) if isinstance(relation, sp.And) else [relation]


@dataclass(frozen=True)
class StepResult:
    """The check of one step. ``certificate`` is a certified counterexample
    (``{"point", "lhs", "rhs", "method", "prec"}``) for a refuted step."""

    outcome: Outcome
    detail: str
    certificate: dict[str, Any] | None = None


# --- steps ----------------------------------------------------------------------

class Step:
    """A derivation step: a statement, why it holds, what it assumes, and its check."""

    kind: ClassVar[str] = "step"
    because: str
    assumes: tuple[str, ...]

    def conclusion(self) -> sp.Basic:
        """The formal relation the step establishes (placeholders not expanded)."""
        raise NotImplementedError

    def variables(self) -> tuple[sp.Symbol, ...]:
        """Symbols the conclusion holds for all values of (their SymPy assumptions are their domain)."""
        return ()

    def verify(self, context: StepContext) -> StepResult:
        raise NotImplementedError

    def pointwise(self, context: StepContext) -> tuple[sp.Expr, str, sp.Expr] | None:
        """``(lhs, relation, rhs)`` to test at points of the domain, or None."""
        return None

    def vacuous(self, expand: Callable[[Any], sp.Expr]) -> str | None:
        """Why the step says nothing, or None."""
        return None

    def refuted_sides(self, context: StepContext) -> tuple[sp.Expr, str, sp.Expr] | None:
        """When SymPy refutes the step outright: the two sides and the relation that
        fails between them, to be evaluated exactly at a point."""
        return self.pointwise(context)

    def to_text(self) -> str:
        return _text(self.conclusion())

    def to_latex(self) -> str:
        return _latex(self.conclusion())


_TEXT_RELATIONS = {"==": "=", ">": ">", "<": "<", ">=": ">=", "<=": "<="}
_LATEX_RELATIONS = {"==": "=", ">": ">", "<": "<", ">=": r"\ge", "<=": r"\le"}


def _text(relation: sp.Basic) -> str:
    if isinstance(relation, sp.core.relational.Relational):
        return f"{sp.sstr(relation.lhs)} {_TEXT_RELATIONS[relation.rel_op]} {sp.sstr(relation.rhs)}"
    if isinstance(relation, sp.Implies):
        return f"if {_text(relation.args[0])} then {_text(relation.args[1])}"
    if isinstance(relation, sp.And):
        return " and ".join(_text(r) for r in relation.args)
    return sp.sstr(relation)


def _latex(relation: sp.Basic) -> str:
    if isinstance(relation, sp.core.relational.Relational):
        return f"{sp.latex(relation.lhs)} {_LATEX_RELATIONS[relation.rel_op]} {sp.latex(relation.rhs)}"
    if isinstance(relation, sp.Implies):
        return rf"{_latex(relation.args[0])} \implies {_latex(relation.args[1])}"
    if isinstance(relation, sp.And):
        return r" \quad\text{and}\quad ".join(_latex(r) for r in relation.args)
    return sp.latex(relation)


def _binary_values(facts: Sequence[Fact]) -> set[sp.Indexed]:
    """The indexed values that a cited fact ``x (1 - x) = 0`` makes 0 or 1."""
    found = set()
    for fact in facts:
        for relation in _conjuncts(fact.relation):
            if isinstance(relation, sp.Equality) and relation.rhs == 0 and isinstance(relation.lhs, sp.Mul):
                args = relation.lhs.args
                found |= {x for x in args if isinstance(x, sp.Indexed) and any(sp.expand(a - (1 - x)) == 0 for a in args)}
    return found


def _binary_linearized(expr: sp.Expr, facts: Sequence[Fact]) -> sp.Expr:
    """Every function of a 0/1 value ``x`` replaced by its interpolant on {0, 1}:
    ``f(x) = f(0) (1 - x) + f(1) x``, in each summand and in each term outside sums."""
    def linear(f: sp.Expr, x: sp.Indexed) -> sp.Expr:
        sums = {s: sp.Dummy("T") for s in f.atoms(sp.Sum)}  # x inside a sum is bound: leave it alone
        g = f.xreplace(sums)
        if not g.has(x) or (g.is_polynomial(x) and sp.degree(g, x) <= 1):
            return f
        back = {dummy: s for s, dummy in sums.items()}
        return (g.subs(x, 0) * (1 - x) + g.subs(x, 1) * x).xreplace(back)

    for x in _binary_values(facts):
        expr = expr.replace(lambda e, x=x: isinstance(e, sp.Sum) and e.function.has(x),
                            lambda e, x=x: sp.Sum(linear(e.function, x), *e.limits))
        expr = sp.Add(*(linear(term, x) for term in sp.Add.make_args(sp.expand(expr))))
    return expr


def _rewrite_rule(lhs: sp.Expr) -> bool:
    """Whether an equality with this left side is used as a rewrite rule (a derivative,
    a function value, a power): other equalities are used linearly (``_eliminate``)."""
    return isinstance(lhs, (sp.Derivative, sp.Function, sp.Pow, sp.Limit)) and not lhs.has(sp.Sum)


def _rewritten(expr: sp.Expr, context: StepContext) -> sp.Expr:
    """``expr`` with the cited pointwise equalities (``lhs -> rhs``, ``lhs`` neither a
    sum nor a number) and the binary powers applied."""
    rewrites = {context.expand(r.lhs): context.expand(r.rhs) for f in context.facts if not f.variables
                for r in _conjuncts(f.relation) if isinstance(r, sp.Equality) and _rewrite_rule(r.lhs)}
    if rewrites:
        expr = expr.xreplace(rewrites)
    return _binary_linearized(expr, context.facts)


def _sides_equal(difference: sp.Expr, context: StepContext) -> bool:
    intervals = context.intervals
    substitution = interval_substitution(intervals) if intervals else {}
    difference = _rewritten(difference, context)
    difference = difference.subs(substitution)
    equalities = [_binary_linearized(e, context.facts).subs(substitution) for e in context.equalities()
                  if difference.has(sp.Sum) or not e.has(sp.Sum)]
    if equalities or difference.has(sp.Sum):
        difference = _binary_linearized(_eliminate(difference, equalities), context.facts)
    return is_zero(difference)


@dataclass(frozen=True)
class Equal(Step):
    """``lhs = rhs``: ``lhs - rhs``, with the definitions substituted, reduces to 0
    using the cited equalities (linearly) and the cited intervals; with ``cases``
    (``(symbol, values)``, e.g. ``v(y) in {0, 1}``) in every case."""

    lhs: Any
    rhs: Any
    because: str
    assumes: tuple[str, ...] = ()
    cases: tuple[sp.Expr, tuple[Any, ...]] | None = None
    kind: ClassVar[str] = "identity"

    def conclusion(self) -> sp.Basic:
        return sp.Eq(sp.sympify(self.lhs), sp.sympify(self.rhs), evaluate=False)

    def vacuous(self, expand: Callable[[Any], sp.Expr]) -> str | None:
        left, right = expand(self.lhs), expand(self.rhs)
        if left == right:  # written differently (unevaluated), the sides carry SymPy's automatic simplification
            return "both sides are the same expression"
        return None

    def verify(self, context: StepContext) -> StepResult:
        difference = context.expand(sp.sympify(self.lhs) - sp.sympify(self.rhs)).doit()
        if self.cases is None:
            if _sides_equal(difference, context):
                return StepResult("verified", "identity: the difference reduces to 0")
            return StepResult("inconclusive", "the difference did not reduce to 0")
        variable, values = self.cases
        if any(s.function.has(variable) for s in difference.atoms(sp.Sum)):
            return StepResult("inconclusive", f"a case split on {variable} cannot reach inside a sum over y")
        for value in values:
            if not _sides_equal(difference.subs(variable, value), context):
                return StepResult("inconclusive", f"case {variable} = {value}: the difference did not reduce to 0")
        return StepResult("verified", f"identity in each case {variable} in {{{', '.join(map(str, values))}}}")

    def pointwise(self, context: StepContext) -> tuple[sp.Expr, str, sp.Expr] | None:
        return context.expand(self.lhs).doit(), "=", context.expand(self.rhs).doit()


@dataclass(frozen=True)
class Sign(Step):
    """``expr`` is positive / negative / non-negative / non-positive, derived from
    the cited facts by ``proofs_checks.signs.prove_sign`` (first with the
    placeholders kept, then with the definitions substituted)."""

    expr: Any
    sign: SignName
    because: str
    assumes: tuple[str, ...] = ()
    cases: tuple[sp.Expr, tuple[Any, ...]] | None = None
    kind: ClassVar[str] = "sign"

    def conclusion(self) -> sp.Basic:
        relation = SIGN_RELATIONS[self.sign][0]
        return relation(sp.sympify(self.expr), 0, evaluate=False)

    def vacuous(self, expand: Callable[[Any], sp.Expr]) -> str | None:
        return "the expression is a number" if expand(self.expr).is_number else None

    def verify(self, context: StepContext) -> StepResult:
        expanded = context.expand(self.expr).doit()
        if self.sign in ("positive", "negative") and not expanded.has(sp.Sum) and is_zero(expanded, context.intervals):
            return StepResult("refuted", f"the expression is identically 0, so it is not {self.sign}")
        attempts = ((context.strip(self.expr), context.knowledge(expanded=False)),
                    (context.expand(self.expr), context.knowledge()))
        for expr, knowledge in attempts:
            proof = prove_sign(expr, self.sign, knowledge, self.cases)
            if proof is not None:
                return StepResult("verified", f"{self.sign} by {proof.tactic}: {sp.sstr(proof.decided)}")
        if not expanded.free_symbols and getattr(expanded, SIGN_RELATIONS[self.sign][1]) is False:
            return StepResult("refuted", f"{sp.sstr(expanded)} is not {self.sign}")
        return StepResult("inconclusive", f"the sign of {sp.sstr(expanded)} does not follow from the cited facts")

    def pointwise(self, context: StepContext) -> tuple[sp.Expr, str, sp.Expr] | None:
        relation = {"positive": ">", "negative": "<", "nonnegative": ">=", "nonpositive": "<="}[self.sign]
        return context.expand(self.expr).doit(), relation, sp.Integer(0)

    def refuted_sides(self, context: StepContext) -> tuple[sp.Expr, str, sp.Expr] | None:
        """An expression shown identically 0 is exactly 0 at every point."""
        expanded = context.expand(self.expr).doit()
        relation = {"positive": ">", "negative": "<", "nonnegative": ">=", "nonpositive": "<="}[self.sign]
        if expanded.free_symbols and is_zero(expanded, context.intervals):
            return sp.Integer(0), relation, sp.Integer(0)
        return expanded, relation, sp.Integer(0)


def _limit(expr: sp.Expr, var: sp.Symbol, point: Any, direction: str, intervals: Intervals) -> sp.Expr:
    """SymPy's limit, extended to finite sums: the expression is tried with the
    factors free of the summation index pulled out of its sums (``reduce_sums``)
    and with its sums only split over the terms of their summands; a sum, product
    or finite sum of terms whose limits are finite has the sum or product of
    those limits; a sum free of ``var`` with a finite summand is a constant (a real
    symbol while SymPy computes); other symbols are replaced by positive
    parameters of their cited intervals when SymPy cannot do without. What SymPy
    cannot compute stays an unevaluated ``Limit``. ``Max``, ``Min``, ``Abs`` and
    ``sign`` are first resolved to the branch they take near the point
    (``_branch_near``)."""
    expr = _branch_near(sp.sympify(expr).doit(), var, point, direction, intervals)
    split = expr.replace(lambda e: isinstance(e, sp.Sum),
                         lambda e: sp.Add(*(sp.Sum(t, *e.limits) for t in sp.Add.make_args(sp.expand(e.function)))))
    computed = sp.Limit(expr, var, point, direction)
    for form in (reduce_sums(expr), split):
        computed = _limit_of(form, var, point, direction, intervals)
        if not computed.has(sp.Limit):
            return computed
    return computed


def _eventual_sign(expr: sp.Expr, var: sp.Symbol, point: Any, direction: str, intervals: Intervals) -> int | None:
    """The sign ``expr`` keeps on a one-sided neighbourhood of the point, or None
    when it cannot be shown. With other symbols, only a sign that
    ``prove_sign`` derives on the whole domain from the cited intervals (SymPy's
    limit of ``sign`` guesses the sign of a symbolic coefficient); in ``var``
    alone, ``lim sign(expr)``, which is -1, 0 or 1 exactly when that sign is
    eventually constant."""
    if expr.free_symbols - {var}:
        knowledge = Knowledge(intervals=dict(intervals))
        for sign, value in (("positive", 1), ("negative", -1)):
            if prove_sign(expr, sign, knowledge) is not None:
                return value
        return None
    try:
        value = sp.limit(sp.sign(expr), var, point, direction)
    except (NotImplementedError, ValueError, TypeError):
        return None
    return int(value) if value in (-1, 0, 1) else None


def _branch_near(expr: sp.Expr, var: sp.Symbol, point: Any, direction: str, intervals: Intervals) -> sp.Expr:
    """``expr`` with each ``Max``, ``Min``, ``Abs`` and ``sign`` that depends on
    ``var`` replaced by the branch it takes on a one-sided neighbourhood of the
    point, innermost first; one whose branch SymPy cannot decide stays."""

    def resolve(e: sp.Expr) -> sp.Expr:
        if not e.has(var):
            return e
        if isinstance(e, (sp.Abs, sp.sign)):
            sign = _eventual_sign(e.args[0], var, point, direction, intervals)
            if sign is None:
                return e
            return sign * e.args[0] if isinstance(e, sp.Abs) else sp.Integer(sign)
        if isinstance(e, (sp.Max, sp.Min)):
            chosen = e.args[0]
            for candidate in e.args[1:]:
                sign = _eventual_sign(candidate - chosen, var, point, direction, intervals)
                if sign is None:
                    return e
                if sign * (1 if isinstance(e, sp.Max) else -1) > 0:
                    chosen = candidate
            return chosen
        return e

    return expr.replace(lambda e: isinstance(e, (sp.Abs, sp.sign, sp.Max, sp.Min)), resolve)


def _limit_of(expr: sp.Expr, var: sp.Symbol, point: Any, direction: str, intervals: Intervals) -> sp.Expr:
    if isinstance(expr, (sp.Add, sp.Mul)) and any(s.function.has(var) for s in expr.atoms(sp.Sum)):
        parts = [_limit_of(part, var, point, direction, intervals) for part in expr.args]
        if all(part.is_finite for part in parts):  # the limit of a sum or product of convergent terms
            return expr.func(*parts)
    if isinstance(expr, sp.Sum) and expr.function.has(var):
        term = _limit_of(expr.function, var, point, direction, intervals)
        if term.is_finite:
            return sp.Sum(term, *expr.limits)
    constants = {s: sp.Dummy("C", real=True) for s in expr.atoms(sp.Sum)
                 if not s.has(var) and s.function.is_finite}
    if constants:
        computed = _limit_of(expr.xreplace(constants), var, point, direction, intervals)
        return computed.xreplace({dummy: s for s, dummy in constants.items()})
    try:
        computed = sp.limit(expr, var, point, direction)
    except (NotImplementedError, ValueError, TypeError):
        return sp.Limit(expr, var, point, direction)
    if computed.has(sp.Limit) and intervals:
        others = {s: b for s, b in intervals.items() if s != var}
        try:
            computed = sp.limit(expr.subs(interval_substitution(others)), var, point, direction)
        except (NotImplementedError, ValueError, TypeError):
            return sp.Limit(expr, var, point, direction)
    return computed


@dataclass(frozen=True)
class Limit(Step):
    """``lim_{var -> point} expr = value`` (one-sided with ``direction``)."""

    expr: Any
    var: sp.Symbol
    point: Any
    value: Any
    because: str
    assumes: tuple[str, ...] = ()
    direction: str = "+"
    kind: ClassVar[str] = "limit"

    def conclusion(self) -> sp.Basic:
        return sp.Eq(sp.Limit(sp.sympify(self.expr), self.var, self.point, self.direction), sp.sympify(self.value),
                     evaluate=False)

    def vacuous(self, expand: Callable[[Any], sp.Expr]) -> str | None:
        return None if expand(self.expr).has(self.var) else f"the expression does not depend on {self.var}"

    def verify(self, context: StepContext) -> StepResult:
        intervals = context.intervals
        computed = _limit(_rewritten(context.expand(self.expr), context), self.var, self.point, self.direction,
                          intervals)
        value = context.expand(self.value)
        if computed == value or (not computed.has(sp.Limit) and _sides_equal(computed - value, context)):
            return StepResult("verified", f"limit computed by SymPy: {sp.sstr(computed)}")
        if not computed.has(sp.Limit):  # a candidate: refuted only with a certified point (Derivation.check)
            return StepResult("refuted", f"SymPy computes the limit as {sp.sstr(computed)}, not {sp.sstr(value)}")
        return StepResult("inconclusive", f"SymPy computes the limit as {sp.sstr(computed)}")

    def refuted_sides(self, context: StepContext) -> tuple[sp.Expr, str, sp.Expr] | None:
        computed = _limit(_rewritten(context.expand(self.expr), context), self.var, self.point, self.direction,
                          context.intervals)
        return None if computed.has(sp.Limit) else (computed, "=", context.expand(self.value))

    def to_text(self) -> str:
        arrow = f"{self.var} -> {self.point}{self.direction}"
        return f"lim[{arrow}] {sp.sstr(sp.sympify(self.expr))} = {sp.sstr(sp.sympify(self.value))}"


@dataclass(frozen=True)
class Asymptotic(Step):
    """``expr ~ approx`` as ``var -> point``: ``lim expr/approx = 1``."""

    expr: Any
    approx: Any
    var: sp.Symbol
    point: Any
    because: str
    assumes: tuple[str, ...] = ()
    direction: str = "+"
    kind: ClassVar[str] = "asymptotic"

    def conclusion(self) -> sp.Basic:
        ratio = sp.sympify(self.expr) / sp.sympify(self.approx)
        return sp.Eq(sp.Limit(ratio, self.var, self.point, self.direction), 1, evaluate=False)

    def vacuous(self, expand: Callable[[Any], sp.Expr]) -> str | None:
        ratio = sp.simplify(expand(self.expr) / expand(self.approx))
        return "the two sides are the same expression" if ratio == 1 else None

    def verify(self, context: StepContext) -> StepResult:
        intervals = context.intervals
        ratio = _limit(context.expand(self.expr / sp.sympify(self.approx)), self.var, self.point, self.direction,
                       intervals)
        if not ratio.has(sp.Limit) and _sides_equal(ratio - 1, context):
            return StepResult("verified", "the ratio tends to 1 (limit computed by SymPy)")
        if ratio.is_number:
            return StepResult("refuted", f"the ratio tends to {sp.sstr(ratio)}, not 1")
        return StepResult("inconclusive", f"SymPy computes the ratio's limit as {sp.sstr(ratio)}")

    def refuted_sides(self, context: StepContext) -> tuple[sp.Expr, str, sp.Expr] | None:
        ratio = _limit(context.expand(self.expr / sp.sympify(self.approx)), self.var, self.point, self.direction,
                       context.intervals)
        return None if ratio.has(sp.Limit) else (ratio, "=", sp.Integer(1))

    def to_text(self) -> str:
        return f"{sp.sstr(sp.sympify(self.expr))} ~ {sp.sstr(sp.sympify(self.approx))} as " \
               f"{self.var} -> {self.point}{self.direction}"

    def to_latex(self) -> str:
        sign = "^{+}" if self.direction == "+" else "^{-}"
        return (f"{sp.latex(sp.sympify(self.expr))} \\sim {sp.latex(sp.sympify(self.approx))} \\quad "
                f"({sp.latex(self.var)} \\to {sp.latex(sp.sympify(self.point))}{sign})")


@dataclass(frozen=True)
class ConvexMinimum(Step):
    """``f(var) >= f(at)`` for every ``var`` in its domain (an interval, given by
    the symbol's SymPy assumptions), because ``f'(at) = 0`` and ``f'' > 0`` there:
    a strictly convex function on an interval is minimal at its critical point."""

    f: Any
    var: sp.Symbol
    at: Any
    because: str
    assumes: tuple[str, ...] = ()
    kind: ClassVar[str] = "convex-minimum"

    def conclusion(self) -> sp.Basic:
        f = sp.sympify(self.f)
        return sp.GreaterThan(f, f.subs(self.var, self.at), evaluate=False)

    def variables(self) -> tuple[sp.Symbol, ...]:
        return (self.var,)

    def vacuous(self, expand: Callable[[Any], sp.Expr]) -> str | None:
        return None if expand(self.f).has(self.var) else f"f does not depend on {self.var}"

    def verify(self, context: StepContext) -> StepResult:
        f = context.expand(self.f)
        slope = sp.diff(f, self.var).subs(self.var, self.at)
        curvature = sp.diff(f, self.var, 2)
        if not is_zero(slope, context.intervals):
            return StepResult("refuted" if sp.simplify(slope).is_number else "inconclusive",
                              f"f'({self.at}) = {sp.sstr(sp.simplify(slope))}, not 0")
        proof = prove_sign(curvature, "positive", context.knowledge())
        if proof is not None:
            return StepResult("verified", f"f'({self.at}) = 0 and f'' = {sp.sstr(sp.simplify(curvature))} > 0")
        return StepResult("inconclusive", f"could not show f'' = {sp.sstr(sp.simplify(curvature))} > 0")

    def pointwise(self, context: StepContext) -> tuple[sp.Expr, str, sp.Expr] | None:
        f = context.expand(self.f)
        return f, ">=", f.subs(self.var, self.at)


@dataclass(frozen=True)
class Finite(Step):
    """``expr < oo``: a finite sum of terms that are finite under the cited facts
    (each term's finiteness decided by SymPy after the cited intervals become
    positive parameters), or an expression SymPy shows finite."""

    expr: Any
    because: str
    assumes: tuple[str, ...] = ()
    kind: ClassVar[str] = "finite"

    def conclusion(self) -> sp.Basic:
        return sp.StrictLessThan(sp.sympify(self.expr), sp.oo, evaluate=False)

    def vacuous(self, expand: Callable[[Any], sp.Expr]) -> str | None:
        return "the expression is a number" if expand(self.expr).is_number else None

    def verify(self, context: StepContext) -> StepResult:
        expr = context.expand(self.expr)
        substitution = interval_substitution(context.intervals)
        terms = [s.function for s in expr.atoms(sp.Sum)] + [expr.xreplace({s: sp.Integer(0) for s in expr.atoms(sp.Sum)})]
        if all(s.limits[0][2].is_integer and s.limits[0][2].is_finite for s in expr.atoms(sp.Sum)) and all(
                sp.simplify(t.subs(substitution)).is_finite for t in terms):
            return StepResult("verified", "a finite sum of finite terms")
        return StepResult("inconclusive", "SymPy could not show every term finite")


@dataclass(frozen=True)
class Apply(Step):
    """A standard result (``proofs_checks.standard_results``) applied to an
    instance: its hypotheses are checked like steps, its conclusion is instantiated."""

    result: str
    instance: Mapping[str, Any]
    because: str
    assumes: tuple[str, ...] = ()
    kind: ClassVar[str] = "standard-result"

    def _standard(self) -> Any:
        from proofs_checks.standard_results import RESULTS

        if self.result not in RESULTS:
            raise DerivationError(f"unknown standard result {self.result!r}; known: {', '.join(RESULTS)}")
        return RESULTS[self.result]

    def conclusion(self) -> sp.Basic:
        return self._standard().conclusion(**self.instance)

    def verify(self, context: StepContext) -> StepResult:
        standard = self._standard()
        if "var" in self.instance:
            var, low, high = self.instance["var"], self.instance["low"], self.instance["high"]
            interval = [sp.StrictGreaterThan(var, low)] + ([] if high == sp.oo else [sp.StrictLessThan(var, high)])
            context = StepContext(context.expand, (*context.facts, Fact("the interval", sp.And(*interval))),
                                  context.plain)
        instance = {key: context.expand(value) if isinstance(value, sp.Basic) else value
                    for key, value in self.instance.items()}
        for obligation in standard.hypotheses(**instance):
            checked = obligation.verify(context)
            if checked.outcome != "verified":
                return StepResult("inconclusive", f"hypothesis of {self.result} not shown: {obligation.to_text()} "
                                                  f"({checked.detail})")
        return StepResult("verified", f"{self.result}: every hypothesis checked")

    def to_text(self) -> str:
        return f"[{self.result}] {_text(self.conclusion())}"


@dataclass(frozen=True)
class Informal(Step):
    """An argument SymPy cannot check: printed and rendered, never verified; it
    makes the derivation partial. ``concludes`` is the relation it argues for, if any."""

    statement: str
    because: str
    assumes: tuple[str, ...] = ()
    concludes: sp.Basic | None = None
    kind: ClassVar[str] = "informal"

    def conclusion(self) -> sp.Basic:
        return self.concludes if self.concludes is not None else sp.true

    def verify(self, context: StepContext) -> StepResult:
        return StepResult("informal", "an argument in prose, not checked by SymPy")

    def to_text(self) -> str:
        return self.statement

    def to_latex(self) -> str:
        return self.statement


# --- parts, derivations ----------------------------------------------------------

@dataclass(frozen=True)
class Part:
    """One formal part of a claim's statement: an id, its statement in prose
    (math in ``$...$``) and the SymPy relation that formalizes it."""

    id: str
    statement: str
    relation: sp.Basic

    def __post_init__(self) -> None:
        if isinstance(self.relation, sp.logic.boolalg.BooleanAtom):
            raise DerivationError(f"part {self.id!r}: the relation evaluated to {self.relation} when it was built;"
                                  " write it with evaluate=False so that a step must conclude it")


@dataclass(frozen=True)
class DerivationResult:
    """The checked derivation: per-step results, which established step concludes
    each part, and the layer outcome (``passed`` when every formal step was
    verified, ``refuted`` when a refuted step concludes a part, ``failed`` when an
    intermediate step is refuted, else ``inconclusive``)."""

    outcome: Literal["passed", "refuted", "failed", "inconclusive"]
    steps: tuple[StepResult, ...]
    assumes: tuple[tuple[str, ...], ...]
    concludes: dict[str, int]
    complete: bool
    counterexample: dict[str, Any] | None = None


Resolver = Callable[[str], tuple[sp.Basic, tuple[sp.Symbol, ...]]]
"""Looks up a used claim's part (``"claim-id:part-id"``): its relation and quantified variables."""


@dataclass(frozen=True)
class Derivation:
    """A derivation with its scope (what it covers: "all n, by block reduction",
    "n <= 6 outcomes", ...), its steps, the definitions of its placeholders, the
    claim's hypotheses, and the domain where its steps are tested pointwise."""

    scope: str
    steps: tuple[Step, ...]
    definitions: Mapping[sp.Symbol, sp.Expr] = field(default_factory=dict)
    hypotheses: tuple[Assumption, ...] = ()
    domain: Mapping[sp.Symbol, tuple[Any, Any]] = field(default_factory=dict)

    def expand(self, expr: Any) -> sp.Expr:
        """Substitute the definitions (which may refer to each other)."""
        resolved = dict(self.definitions)
        for _ in range(len(resolved)):
            resolved = {symbol: sp.sympify(value).subs(resolved) for symbol, value in resolved.items()}
        return sp.sympify(expr).subs(resolved)

    # - structure -
    def validate(self, uses: Sequence[str], resolve: Resolver) -> None:
        """Raise ``DerivationError`` for a malformed derivation (see the module header)."""
        hypotheses = {h.id: h for h in self.hypotheses}
        for number, step in enumerate(self.steps, 1):
            where = f"step {number} ({step.kind})"
            for reference in step.assumes:
                self._check_reference(reference, number, uses, hypotheses, resolve, where)
            reason = step.vacuous(self.expand)
            if reason:
                raise DerivationError(f"{where} is vacuous: {reason}")
            cases = getattr(step, "cases", None)
            if cases is not None and "binary-reward" not in step.assumes and not any(
                    h in step.assumes for h in hypotheses):
                raise DerivationError(f"{where} splits cases on {cases[0]} without citing binary-reward")
            conclusion = step.conclusion()
            for reference in step.assumes:
                if reference in hypotheses and any(_same(conclusion, fact) for fact in hypotheses[reference].facts):
                    raise DerivationError(f"{where} cites hypothesis {reference!r}, which is its own conclusion")

    @staticmethod
    def _check_reference(reference: str, number: int, uses: Sequence[str], hypotheses: Mapping[str, Any],
                         resolve: Resolver, where: str) -> None:
        if reference.startswith("step "):
            cited = reference.removeprefix("step ")
            if not cited.isdigit() or not 1 <= int(cited) < number:
                raise DerivationError(f"{where} cites {reference!r}: only earlier steps may be cited")
            return
        if reference in STANDING_BY_ID or reference in hypotheses:
            return
        claim_id = reference.split(":", 1)[0]
        if claim_id in uses:
            resolve(reference)
            return
        from proofs_checks.standard_results import RESULTS

        if reference in RESULTS:
            return
        raise DerivationError(f"{where} cites {reference!r}, which is neither a standing assumption, a hypothesis, "
                              f"a used claim, a standard result nor an earlier step")

    # - checking -
    def _facts(self, step: Step, established: Mapping[int, tuple[sp.Basic, tuple[sp.Symbol, ...]]],
               resolve: Resolver) -> tuple[Fact, ...]:
        hypotheses = {h.id: h for h in self.hypotheses}
        facts: list[Fact] = []
        for reference in step.assumes:
            if reference.startswith("step "):
                number = int(reference.removeprefix("step "))
                if number in established:
                    relation, variables = established[number]
                    facts.append(Fact(reference, relation, variables))
            elif reference in STANDING_BY_ID:
                facts += [Fact(reference, r) for r in STANDING_BY_ID[reference].facts]
            elif reference in hypotheses:
                facts += [Fact(reference, r) for r in hypotheses[reference].facts]
            elif ":" in reference:
                relation, variables = resolve(reference)
                facts.append(Fact(reference, relation, variables))
        return tuple(facts)

    def recorded_assumptions(self, step: Step) -> tuple[str, ...]:
        """What a step assumes: its citations, then the assumptions behind the SymPy
        assumptions of the symbols it involves (``alpha > 0``: ``valid-mass-interior``)."""
        expr = self.expand(step.conclusion()) if not isinstance(step, Informal) else sp.true
        implied = [source for source in symbol_sources(expr, self.hypotheses) if source not in step.assumes]
        return tuple(dict.fromkeys((*step.assumes, *implied)))

    def check(self, parts: Sequence[Part] = (), resolve: Resolver | None = None, seed: int = 0) -> DerivationResult:
        """Check every step, then match the parts to the established steps."""
        resolve = resolve or _no_used_claims
        results: list[StepResult] = []
        established: dict[int, tuple[sp.Basic, tuple[sp.Symbol, ...]]] = {}
        verified_steps: set[int] = set()
        plain = {symbol: sp.Symbol(symbol.name, real=True) for symbol in self.definitions}
        for number, step in enumerate(self.steps, 1):
            context = StepContext(self.expand, self._facts(step, established, resolve), plain)
            result = step.verify(context)
            if result.outcome in ("inconclusive", "refuted"):
                result = self._test_pointwise(step, context, result, random.Random(seed * 1000 + number))
            results.append(result)
            if result.outcome == "verified":
                verified_steps.add(number)
                cited = [int(r.removeprefix("step ")) for r in step.assumes if r.startswith("step ")]
                if all(c in established for c in cited):
                    established[number] = (step.conclusion(), step.variables())
        concludes = {part.id: number for part in parts
                     for number in [self._concluding_step(part, established)] if number is not None}
        complete = bool(parts) and len(concludes) == len(parts) and all(s.kind != "informal" for s in self.steps)
        refuted = [n for n, r in enumerate(results, 1) if r.outcome == "refuted"]
        part_refuted = [n for n in refuted if any(_same(self.steps[n - 1].conclusion(), p.relation) for p in parts)]
        formal = [r for s, r in zip(self.steps, results) if s.kind != "informal"]
        if part_refuted:
            outcome = "refuted"
            counterexample = results[part_refuted[0] - 1].certificate
        elif refuted:
            outcome, counterexample = "failed", results[refuted[0] - 1].certificate
        else:
            outcome = "passed" if all(r.outcome == "verified" for r in formal) else "inconclusive"
            counterexample = None
        return DerivationResult(outcome, tuple(results), tuple(self.recorded_assumptions(s) for s in self.steps),
                                concludes, complete, counterexample)

    def _concluding_step(self, part: Part, established: Mapping[int, tuple[sp.Basic, tuple]]) -> int | None:
        """The established step that concludes the part: for each conjunct of the
        part, the first established step stating it (the same relation, sides
        differing by 0), else, for an equality, the last established equality when
        the conjunct follows linearly from the established equalities, or, for an
        inequality, the first established inequality of its kind that differs from
        it by such a consequence; the part is concluded at the last step it needs."""
        equalities = [self.expand(r.lhs - r.rhs) for relation, variables in established.values() if not variables
                      for r in _conjuncts(relation) if isinstance(r, sp.Equality)
                      and not any(isinstance(side, sp.Set) for side in r.args)]
        last_equality = max((n for n, (relation, variables) in established.items() if not variables
                             and any(isinstance(r, sp.Equality) for r in _conjuncts(relation))), default=None)
        found: list[int] = []
        for conjunct in _conjuncts(part.relation):
            numbers = [n for n, (relation, _) in established.items()
                       if any(self._matches(conjunct, c) for c in _conjuncts(relation))]
            sets = any(isinstance(side, sp.Set) for side in getattr(conjunct, "args", ()))
            wanted = None if sets else _normal(self.expand(conjunct))
            if not numbers and wanted is not None and wanted[0] == "eq" and equalities and \
                    not _algebraically_zero(reduce_sums(wanted[1])) and \
                    _algebraically_zero(_eliminate(wanted[1], equalities)):
                numbers = [last_equality]
            if not numbers and wanted is not None and wanted[0] != "eq":
                numbers = [n for n, (relation, _) in established.items()
                           if any(self._matches(conjunct, c, equalities) for c in _conjuncts(relation)
                                  if (_normal(self.expand(c)) or ("",))[0] == wanted[0])]
            if not numbers:
                return None
            found.append(min(numbers))
        return max(found)

    def _matches(self, wanted: sp.Basic, have: sp.Basic, equalities: Sequence[sp.Expr] = ()) -> bool:
        return _same(self.expand(wanted), self.expand(have), equalities)

    def _test_pointwise(self, step: Step, context: StepContext, result: StepResult, rng: random.Random) -> StepResult:
        """Look for a certified counterexample at exact points of the domain; a step
        SymPy refuted outright gets an exact one at a point (else it is inconclusive)."""
        from proofs_checks import certified
        from proofs_checks.domains import Domain

        statement = step.pointwise(context)
        if result.outcome == "inconclusive" and statement is not None and self.domain:
            lhs, relation, rhs = statement
            symbols = lhs.free_symbols | rhs.free_symbols  # both sides: their difference may cancel a symbol
            if not (lhs - rhs).has(sp.Sum, sp.Indexed) and symbols <= set(self.domain):
                for point in Domain(self._restricted_domain(symbols)).points(rng, _COUNTEREXAMPLE_POINTS,
                                                                            exprs=(lhs, rhs)):
                    comparison = certified.compare(lhs, relation, rhs, point)
                    if comparison.verdict == "fails":
                        where = ", ".join(f"{name} = {value}" for name, value in comparison.point.items())
                        return StepResult("refuted", f"false at {where}: {comparison.detail}",
                                          comparison.counterexample())
        if result.outcome != "refuted":
            return result
        certificate = self._exact_certificate(step, context, rng)
        if certificate is None:
            return StepResult("inconclusive", f"{result.detail} (no certified point could be given)")
        return StepResult("refuted", result.detail, certificate)

    def _exact_certificate(self, step: Step, context: StepContext, rng: random.Random) -> dict[str, Any] | None:
        """For a step SymPy refuted outright: its two sides at an exact point of the
        domain, evaluated exactly by SymPy and enclosed with balls."""
        from proofs_checks import certified
        from proofs_checks.domains import Domain

        sides = step.refuted_sides(context)
        if sides is None:
            return None
        lhs, relation, rhs = sides
        symbols = sorted(lhs.free_symbols | rhs.free_symbols, key=lambda x: x.name)
        if any(x not in self.domain for x in symbols) or (lhs - rhs).has(sp.Sum, sp.Indexed):
            return None
        domain = self._restricted_domain(set(symbols))
        points = Domain(domain).points(rng, 1) if domain else [{}]
        point = points[0]
        exact = [sp.nsimplify(side.subs(point)) if side.free_symbols else side for side in (lhs, rhs)]
        infinite = [side for side in exact if side in (sp.oo, -sp.oo)]
        if infinite:
            if exact[0] == exact[1]:
                return None
            bounds = [["+oo", "+oo"] if side == sp.oo else ["-oo", "-oo"] if side == -sp.oo
                      else certified.enclose(side, {}).as_list() for side in exact]
            return {"point": {x.name: certified.exact_text(sp.Rational(v)) for x, v in point.items()},
                    "lhs": bounds[0], "rhs": bounds[1], "method": "exact",
                    "detail": f"SymPy computes {sp.sstr(exact[0])} against {sp.sstr(exact[1])}"}
        comparison = certified.compare(lhs, relation, rhs, point)
        return comparison.counterexample() if comparison.verdict == "fails" else None

    def _restricted_domain(self, symbols: set[sp.Symbol]) -> dict[sp.Symbol, tuple[Any, Any]]:
        """The domain of ``symbols`` and of the symbols their bounds use, in the domain's order."""
        needed = set(symbols)
        for symbol in reversed(list(self.domain)):
            if symbol in needed:
                needed |= {x for bound in self.domain[symbol] for x in sp.sympify(bound).free_symbols}
        return {x: bounds for x, bounds in self.domain.items() if x in needed}

    # - rendering -
    def to_text(self, results: Sequence[StepResult] = ()) -> str:
        lines = [f"scope: {self.scope}"]
        for hypothesis in self.hypotheses:
            lines.append(f"  hypothesis {hypothesis.id}: {hypothesis.statement}")
        for symbol, definition in self.definitions.items():
            lines.append(f"  where {symbol} = {sp.sstr(definition)}")
        for number, step in enumerate(self.steps, 1):
            mark = f"  [{results[number - 1].outcome}: {results[number - 1].detail}]" if number <= len(results) else ""
            assumes = self.recorded_assumptions(step)
            cited = f" [assumes {', '.join(assumes)}]" if assumes else ""
            lines.append(f"  ({number}) {step.to_text()}\n      because {step.because}{cited}{mark}")
        return "\n".join(lines)

    def definitions_latex(self) -> list[str]:
        return [f"{sp.latex(symbol)} = {sp.latex(definition)}" for symbol, definition in self.definitions.items()]


def _no_used_claims(reference: str) -> tuple[sp.Basic, tuple[sp.Symbol, ...]]:
    raise DerivationError(f"no used claims are available to resolve {reference!r}")


def _normal(relation: sp.Basic) -> tuple[str, sp.Expr] | None:
    """``(kind, d)`` with the relation saying ``d = 0`` (kind ``eq``), ``d > 0``
    (``gt``) or ``d >= 0`` (``ge``)."""
    if isinstance(relation, sp.Equality):
        return "eq", relation.lhs - relation.rhs
    if isinstance(relation, (sp.StrictGreaterThan, sp.GreaterThan)):
        return ("gt" if isinstance(relation, sp.StrictGreaterThan) else "ge"), relation.lhs - relation.rhs
    if isinstance(relation, (sp.StrictLessThan, sp.LessThan)):
        return ("gt" if isinstance(relation, sp.StrictLessThan) else "ge"), relation.rhs - relation.lhs
    return None


def _same(first: sp.Basic, second: sp.Basic, equalities: Sequence[sp.Expr] = ()) -> bool:
    """Whether two relations state the same thing: the same kind of relation whose
    sides differ by an expression that is algebraically 0 (after subtracting
    multiples of ``equalities``, each ``D = 0``), or implications/conjunctions of such."""
    if isinstance(first, sp.Implies) and isinstance(second, sp.Implies):
        return all(_same(x, y, equalities) for x, y in zip(first.args, second.args))
    if isinstance(first, sp.And) and isinstance(second, sp.And):
        return len(first.args) == len(second.args) and all(
            any(_same(x, y, equalities) for y in second.args) for x in first.args)
    if first == second:
        return True
    if any(isinstance(side, sp.Set) or side.has(sp.oo, -sp.oo) for r in (first, second) for side in getattr(r, "args", ())):
        return isinstance(first, sp.core.relational.Relational) and isinstance(second, sp.core.relational.Relational) \
            and first.canonical == second.canonical
    one, other = _normal(first), _normal(second)
    if one is None or other is None or one[0] != other[0]:
        return False
    if _algebraically_zero(reduce_sums(one[1])):
        # a statement true by algebra alone is the same as another only side by side
        pairs = ((first.lhs, second.lhs), (first.rhs, second.rhs)), ((first.lhs, second.rhs), (first.rhs, second.lhs))
        return any(all(_algebraically_zero(reduce_sums(x - y)) for x, y in pair) for pair in pairs[:1 + (one[0] == "eq")])
    for candidate in ((one[1] - other[1]), (one[1] + other[1])) if one[0] == "eq" else (one[1] - other[1],):
        if _algebraically_zero(reduce_sums(candidate)):
            return True
        if equalities and _algebraically_zero(_eliminate(candidate, equalities)):
            return True
    return False


def _algebraically_zero(expr: sp.Expr) -> bool:
    """Whether ``expr`` is 0 as a rational function of its sums, exponentials and
    logarithms taken as opaque atoms: two statements are the same only if one is
    a rearrangement of the other, never merely because both are true."""
    if expr == 0:
        return True
    for normal_form, seconds in ((sp.cancel, 5), (lambda e: sp.cancel(sp.expand(e)), 5)):
        try:
            if bounded(normal_form, expr, seconds) == 0:
                return True
        except (TimeLimit, TypeError, NotImplementedError, ValueError):
            continue
    return False
