"""Sign facts derived from cited facts, never declared.

A ``Sign`` step of a derivation claims that an expression is positive (or
negative, non-negative, non-positive). Its factors' signs may not be declared:
they must follow from facts the step cites (standing assumptions, hypotheses,
earlier steps, parts of used claims). ``prove_sign`` derives the sign with a
few sound tactics and returns the form SymPy decided, so the evidence shows
exactly what was checked.

Main definitions
- ``Fact(source, relation, variables)``: a cited relation; ``variables`` are
  universally quantified (their SymPy assumptions are their domain), as in
  "for all ``t > 0``, ``t - 1 - log t >= 0``".
- ``Knowledge.from_facts(facts)``: what the facts provide: positive and
  non-negative expressions (``g > h`` gives ``g - h > 0``), rewrite rules
  (``Eq(lhs, rhs)`` with a non-numeric ``lhs``), intervals of symbols
  (``lo < x`` and ``x < hi``), and quantified lemmas.
- ``prove_sign(expr, sign, knowledge, cases)``: a ``SignProof`` (the decided
  form and the tactic) or None. Tactics, in order, each applied after the
  rewrite rules and in every case of ``cases`` (a symbol and its values; a
  value that a cited fact makes 0 or 1 is split on when it occurs outside sums):
  1. known signs: every cited positive (non-negative) expression, and its
     negative, is replaced by a fresh positive (non-negative) symbol; lemma
     instances ``g(u)`` whose argument ``u`` is provably in the lemma's domain
     likewise; a sum whose summand has a proven sign is replaced by a symbol of
     that sign (a finite sum of ``n >= 1`` terms);
  2. the change of variables of ``proofs_checks.simplification`` (intervals
     become positivities), with ``e^u = 1 + E`` for ``u > 0`` and
     ``e^u = 1/(1 + E)`` for ``u < 0`` (``E > 0``);
  then SymPy's assumptions decide, on the expression and on its factored form;
  3. for a non-negative (positive) goal: the goal, times 1 or a positive symbol,
     minus a cited non-negative (positive) expression has a known sign (one
     step of linear arithmetic);
  4. a difference of logarithms of positive quantities, combined (without
     forcing) into one ``log x``, has the sign of ``x - 1``;
  5. an expression ``c log A + R`` with one logarithm, ``A > 0`` and ``c`` of
     known sign has the sign of ``c`` times that of ``A - e^{-R/c}`` (``log``
     is increasing).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import sympy as sp

from proofs_checks.simplification import Intervals, TimeLimit, bounded, interval_substitution

__all__ = ["Fact", "Knowledge", "SignProof", "SignName", "prove_sign", "SIGN_RELATIONS"]

SignName = Literal["positive", "negative", "nonnegative", "nonpositive"]
SIGN_RELATIONS: dict[str, tuple[type, str]] = {
    "positive": (sp.StrictGreaterThan, "is_positive"),
    "negative": (sp.StrictLessThan, "is_negative"),
    "nonnegative": (sp.GreaterThan, "is_nonnegative"),
    "nonpositive": (sp.LessThan, "is_nonpositive"),
}


@dataclass(frozen=True)
class Fact:
    """A relation a step may use, with where it comes from."""

    source: str
    relation: sp.Basic
    variables: tuple[sp.Symbol, ...] = ()


@dataclass
class Knowledge:
    """What a set of facts says about signs."""

    positive: list[sp.Expr] = field(default_factory=list)
    nonnegative: list[sp.Expr] = field(default_factory=list)
    rewrites: dict[sp.Expr, sp.Expr] = field(default_factory=dict)
    intervals: dict[sp.Symbol, tuple[sp.Expr, sp.Expr]] = field(default_factory=dict)
    lemmas: list[tuple[sp.Expr, tuple[sp.Symbol, ...], bool]] = field(default_factory=list)
    """``(g, variables, strict)``: ``g > 0`` (strict) or ``g >= 0`` for all values of ``variables``."""
    binary: list[sp.Expr] = field(default_factory=list)
    """Values known to be 0 or 1 (from ``x (1 - x) = 0``): a sign may be shown in each case."""

    @classmethod
    def from_facts(cls, facts: Iterable[Fact]) -> Knowledge:
        knowledge = cls()
        lower: dict[sp.Expr, list[sp.Expr]] = {}
        upper: dict[sp.Expr, list[sp.Expr]] = {}
        for fact in facts:
            for relation in _conjuncts(fact.relation):
                knowledge._add(relation, fact.variables, lower, upper)
        knowledge.intervals = _ordered_intervals(lower, upper)
        return knowledge

    def _add(self, relation: sp.Basic, variables: tuple[sp.Symbol, ...], lower: dict, upper: dict) -> None:
        if isinstance(relation, sp.Equality):
            if relation.rhs == 0 and isinstance(relation.lhs, sp.Mul):
                args = relation.lhs.args
                self.binary += [x for x in args if any(sp.expand(a - (1 - x)) == 0 for a in args)]
            elif not variables and not relation.lhs.is_number:
                self.rewrites[relation.lhs] = relation.rhs
            return
        if not isinstance(relation, sp.core.relational.Relational):
            return
        strict = isinstance(relation, (sp.StrictGreaterThan, sp.StrictLessThan))
        big, small = (relation.lhs, relation.rhs) if isinstance(relation, (sp.StrictGreaterThan, sp.GreaterThan)) \
            else (relation.rhs, relation.lhs)
        difference = big - small
        if variables:
            self.lemmas.append((difference, variables, strict))
            return
        (self.positive if strict else self.nonnegative).append(difference)
        if strict and isinstance(big, (sp.Symbol, sp.Indexed)) and not small.has(big):
            lower.setdefault(big, []).append(small)
        if strict and isinstance(small, (sp.Symbol, sp.Indexed)) and not big.has(small):
            upper.setdefault(small, []).append(big)


def _ordered_intervals(lower: Mapping[sp.Expr, list[sp.Expr]],
                       upper: Mapping[sp.Expr, list[sp.Expr]]) -> dict[sp.Expr, tuple[sp.Expr, sp.Expr]]:
    """One open interval per bounded atom, in an order where a bound only uses atoms
    placed before it (so the change of variables is well defined): numeric bounds
    first, then bounds in already placed atoms; a bound that would make a cycle is
    left out (the interval is then wider, which is still sound)."""
    intervals: dict[sp.Expr, tuple[sp.Expr, sp.Expr]] = {}
    pending = [atom for atom in lower]
    while pending:
        placed = False
        for atom in list(pending):
            def usable(bounds: list[sp.Expr]) -> list[sp.Expr]:
                return [b for b in bounds if all(not b.has(other) for other in pending if other != atom)]
            lows, highs = usable(lower[atom]), usable(upper.get(atom, []))
            if lows:
                intervals[atom] = (max(lows, key=lambda b: (b.is_number, -sp.count_ops(b))) if len(lows) > 1 else lows[0],
                                   _tightest(highs))
                pending.remove(atom)
                placed = True
        if not placed:
            break
    return intervals


def _tightest(highs: list[sp.Expr]) -> sp.Expr:
    """An upper bound among ``highs`` (a symbolic one before a number, since it is tighter
    when it is below the number), or ``oo``."""
    if not highs:
        return sp.oo
    symbolic = [h for h in highs if not h.is_number]
    return symbolic[0] if symbolic else min(highs)


def _conjuncts(relation: sp.Basic) -> list[sp.Basic]:
    return list(relation.args) if isinstance(relation, sp.And) else [relation]


@dataclass(frozen=True)
class SignProof:
    """The form whose sign SymPy decided, and how it was reached."""

    decided: sp.Expr
    tactic: str


def _decide(expr: sp.Expr, sign: SignName) -> bool | None:
    """SymPy's assumptions on ``expr``, its factored form and (for an expression with
    symbols) its simplified form; ``simplify`` is never applied to a number, where it
    guesses closed forms by numerical identification (which overflows on ``e^{10^300}``)."""
    attribute = SIGN_RELATIONS[sign][1]
    forms = [expr, lambda: sp.factor(sp.together(expr))]
    if expr.free_symbols:
        forms.append(lambda: sp.factor(sp.simplify(expr)))
    for form in forms:
        try:
            candidate = bounded(lambda _: form(), None, _DECIDE_SECONDS) if callable(form) else form
        except (TypeError, NotImplementedError, ValueError, RecursionError, ArithmeticError, TimeLimit):
            continue
        value = getattr(candidate, attribute)
        if value is not None:
            return value
    return None


_OPPOSITE: dict[str, SignName] = {"positive": "negative", "negative": "positive",
                                  "nonnegative": "nonpositive", "nonpositive": "nonnegative"}


def _replace_known(expr: sp.Expr, knowledge: Knowledge, depth: int) -> sp.Expr:
    """Tactic 1: known-sign subexpressions, lemma instances and signed sums become signed symbols."""
    known = [(g, "positive") for g in knowledge.positive] + [(g, "nonnegative") for g in knowledge.nonnegative]
    for g, kind in sorted(known, key=lambda pair: -sp.count_ops(pair[0])):
        if g.is_number or g.is_Symbol and getattr(g, f"is_{kind}"):
            continue
        plus, minus = sp.Dummy("K", **{kind: True}), sp.Dummy("K", **{kind: True})
        expr = expr.xreplace({g: plus, -g: -minus})
        expr = expr.subs({g: plus})
    for g, variables, strict in knowledge.lemmas:
        expr = _instantiate(expr, g, variables, "positive" if strict else "nonnegative", knowledge, depth)
    return _replace_sums(expr, knowledge, depth)


def _instantiate(expr: sp.Expr, g: sp.Expr, variables: tuple[sp.Symbol, ...], kind: str, knowledge: Knowledge,
                 depth: int) -> sp.Expr:
    """Replace instances ``g(u)`` whose arguments ``u`` satisfy the variables' assumptions."""
    wilds = {v: sp.Wild(f"W_{v.name}") for v in variables}
    pattern = g.xreplace(wilds)
    replacements = {}
    for sub in sp.preorder_traversal(expr):
        if not isinstance(sub, sp.Expr) or sub.is_Atom:
            continue
        match = sub.match(pattern)
        if not match or any(w not in match for w in wilds.values()):
            continue
        if all(_satisfies(match[wilds[v]], v, knowledge, depth) for v in variables):
            replacements[sub] = sp.Dummy("L", **{kind: True})
    return expr.xreplace(replacements) if replacements else expr


def _satisfies(value: sp.Expr, variable: sp.Symbol, knowledge: Knowledge, depth: int) -> bool:
    """Whether ``value`` provably has the sign assumptions of ``variable``."""
    for kind in ("positive", "negative", "nonnegative", "nonpositive"):
        if getattr(variable, f"is_{kind}") and not variable.is_zero:
            return prove_sign(value, kind, knowledge, depth=depth + 1) is not None  # type: ignore[arg-type]
    return variable.is_real is not True or value.is_real is True


def _replace_sums(expr: sp.Expr, knowledge: Knowledge, depth: int) -> sp.Expr:
    replacements = {}
    for s in expr.atoms(sp.Sum):
        for kind in ("positive", "nonnegative", "negative", "nonpositive"):
            if prove_sign(s.function, kind, knowledge, depth=depth + 1) is not None:  # type: ignore[arg-type]
                replacements[s] = sp.Dummy("S", **{kind: True})
                break
    return expr.xreplace(replacements) if replacements else expr


def _exp_substitution(expr: sp.Expr, knowledge: Knowledge, depth: int) -> sp.Expr:
    """``e^u = 1 + E`` for ``u > 0``, ``e^u = 1/(1 + E)`` for ``u < 0`` (``E > 0``)."""
    replacements = {}
    for power in expr.atoms(sp.exp):
        exponent = power.args[0]
        if prove_sign(exponent, "positive", knowledge, depth=depth + 1) is not None:
            replacements[power] = 1 + sp.Dummy("E", positive=True)
        elif prove_sign(exponent, "negative", knowledge, depth=depth + 1) is not None:
            replacements[power] = 1 / (1 + sp.Dummy("E", positive=True))
    return expr.xreplace(replacements) if replacements else expr


_MAX_DEPTH = 3
_DECIDE_SECONDS = 5
"""How long one normal form of a sign question may take (SymPy's simplify can run unbounded)."""


def prove_sign(expr: Any, sign: SignName, knowledge: Knowledge, cases: tuple[sp.Expr, Sequence[Any]] | None = None,
               depth: int = 0) -> SignProof | None:
    """A proof that ``expr`` has ``sign`` from ``knowledge`` (see the module header), or None."""
    expr = sp.sympify(expr)
    if knowledge.rewrites:
        expr = expr.xreplace(knowledge.rewrites)
    expr = expr.doit()
    if cases is not None:
        variable, values = cases
        proofs = [prove_sign(expr.subs(variable, value), sign, knowledge, depth=depth) for value in values]
        if all(proofs):
            return SignProof(sp.Tuple(*(p.decided for p in proofs)), f"in each case {variable} in {set(values)}")
        return None
    if _decide(expr, sign):
        return SignProof(expr, "SymPy's assumptions")
    if depth > _MAX_DEPTH:
        return None
    for x in knowledge.binary:
        if expr.has(x) and not any(s.function.has(x) for s in expr.atoms(sp.Sum)):
            return prove_sign(expr, sign, knowledge, (x, (0, 1)), depth)
    replaced = _replace_known(expr, knowledge, depth)
    if replaced != expr and _decide(replaced, sign):
        return SignProof(replaced, "cited signs")
    substitution = interval_substitution(knowledge.intervals) if knowledge.intervals else {}
    for start in (replaced, expr):
        substituted = _exp_substitution(start.subs(substitution), knowledge, depth)
        if substituted != start and _decide(substituted, sign):
            return SignProof(substituted, "cited intervals as positive parameters")
    if sign in ("nonnegative", "positive") and depth < _MAX_DEPTH:
        for g, kind in [(g, "positive") for g in knowledge.positive] + [(g, "nonnegative") for g in knowledge.nonnegative]:
            if not g.free_symbols & expr.free_symbols:
                continue
            for factor in [sp.Integer(1)] + sorted((x for x in g.free_symbols if x.is_positive), key=sp.default_sort_key):
                rest = sp.expand(factor * expr - g)
                if rest != factor * expr and prove_sign(
                        rest, "nonnegative" if kind == "positive" or sign == "nonnegative" else "positive",
                        knowledge, depth=_MAX_DEPTH):
                    return SignProof(sp.Add(g, rest, evaluate=False) / factor,
                                     f"a cited {kind} term plus a remainder of known sign")
    combined = sp.logcombine(substituted)
    if isinstance(combined, sp.log):
        argument = sp.factor(sp.together(combined.args[0]))
        if argument.is_positive and prove_sign(sp.factor(sp.together(argument - 1)), sign, Knowledge(),
                                               depth=depth + 1):
            return SignProof(sp.log(argument), "a logarithm compared with 1 (log x has the sign of x - 1)")
    try:
        return bounded(lambda _: _exponentiated(expr, sign, knowledge, depth), None, _EXPONENTIATED_SECONDS)
    except TimeLimit:
        return None


_EXPONENTIATED_SECONDS = 3
"""How long tactic 5 may search (its new goal, ``A - e^{-R/c}``, goes through every tactic again)."""


def _exponentiated(expr: sp.Expr, sign: SignName, knowledge: Knowledge, depth: int) -> SignProof | None:
    """Tactic 5: ``c log A + R = c (log A - log e^{-R/c})`` has the sign of ``c`` times that
    of ``A - e^{-R/c}``, for ``A > 0`` and ``c`` of known strict sign."""
    logs = sp.expand(expr).atoms(sp.log)
    if len(logs) != 1 or depth >= _MAX_DEPTH:
        return None
    (logarithm,) = logs
    collected = sp.collect(sp.expand(expr), logarithm, evaluate=False)
    coefficient, rest = collected.get(logarithm, sp.Integer(0)), collected.get(sp.Integer(1), sp.Integer(0))
    if set(collected) - {logarithm, sp.Integer(1)} or coefficient.has(logarithm) or rest.has(logarithm):
        return None
    argument = logarithm.args[0]
    if prove_sign(argument, "positive", knowledge, depth=depth + 1) is None:
        return None
    for coefficient_sign, wanted in (("positive", sign), ("negative", _OPPOSITE[sign])):
        if prove_sign(coefficient, coefficient_sign, knowledge, depth=depth + 1) is None:  # type: ignore[arg-type]
            continue
        difference = argument - sp.exp(-rest / coefficient)
        proof = prove_sign(difference, wanted, knowledge, depth=depth + 1)
        if proof is not None:
            return SignProof(proof.decided, f"log is increasing: the sign of {sp.sstr(coefficient)} times that of"
                                            f" {sp.sstr(difference)}, by {proof.tactic}")
        return None
    return None
