"""Claims written by a reviewer, without touching the package: identities, and
what every kind of reviewer claim shares (exact parsing, validated domains,
certified comparisons at points).

A reviewer's Python file calls ``identity_claim`` (here), ``inequality_claim``
(``proofs_checks.reviewer_inequalities``), ``limit_claim`` and
``asymptotic_claim`` (``proofs_checks.reviewer_limits``) or ``problem_claim``
(``proofs_checks.reviewer_problems``) once per claim; ``proofcheck run --extra
FILE.py`` loads it and runs its layers. An identity has three:

- symbolic: a one-step derivation (``proofs_checks.proof``) citing the stated
  domain as its hypothesis: SymPy reduces ``lhs - rhs`` to 0 without forced
  rewrites (``proved`` if it does; if not, a certified point of the domain
  where the two sides differ refutes it, and otherwise the claim is at most
  ``verified``);
- numeric: both sides compared with ``certified.compare`` (``arb`` balls at a
  precision raised until decided) at the exact points of ``Domain.points``:
  corners down to ``10^-1000`` from every bound, both sides of every breakpoint,
  and ``max(cases, 24)`` random points;
- property: the same comparison at the exact points Hypothesis draws with
  ``domain_points``.

A counterexample is certified: an exact rational point where the two sides'
enclosures are disjoint (``Comparison.counterexample()``: the point and both
enclosures). Agreement to ``dps - 10`` digits of the scale is a pass, never a
proof; a point where the balls decide nothing (NaN at every precision up to the
cap) is reported as undecided, never as a counterexample.

Expressions are read exactly: ``1e-20`` is ``1/10^20``, ``0.1`` is ``1/10``.

Main definitions
- ``Vocabulary``: what an expression may use (names, atoms, function heads, the
  one allowed summation); ``SCALARS``: the symbols ``alpha``, ``beta``, ``mu``,
  the functions ``ALLOWED_FUNCTIONS`` (``kl`` is the binary KL, ``kl(x, y) = x
  log(x/y) + (1-x) log((1-x)/(1-y))``), ``pi`` and ``E``, every expression
  evaluable on balls.
- ``parse(text, what, bound=False, vocabulary=SCALARS)``: one expression, read
  exactly, or ``RegistryError`` naming ``what``.
- ``parse_domain(claim_id, domain, used)``: ``{name: (low, high)}`` as a
  validated ``Domain`` (bounds may use earlier symbols, ``"oo"`` an infinite
  upper bound; inside the symbols' meaning, ``proofs_checks.domains``).
- ``domain_hypothesis(domain)``: the hypothesis ``"domain"`` a derivation cites
  (``low < x`` and ``x < high`` for each symbol); ``domain_text(domain)``.
- ``point_cases(region, lhs, relation, rhs, ctx)``: the numeric cases of
  ``lhs relation rhs`` (``=``, ``<``, ``<=``, ``>``, ``>=``) at the points of
  ``Domain.points``; ``attach_point_property(claim, region, lhs, relation, rhs)``:
  the property layer at the points Hypothesis draws. A holding inequality has
  residual 0, a failing one its relative gap.
- ``identity_claim(id, title, lhs, rhs, domain, expected="holds")``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import mpmath
import sympy as sp
from hypothesis import reject
from sympy.codegen.cfunctions import expm1, log1p
from sympy.parsing.sympy_parser import parse_expr, rationalize, standard_transformations

from proofs_checks.assumptions import Assumption
from proofs_checks.certified import Comparison, compare, compile_expr, exact_text
from proofs_checks.claim import Claim, RegistryError, register
from proofs_checks.domains import Domain, DomainSpecError, domain_points
from proofs_checks.numeric import Case, NumericContext
from proofs_checks.proof import Derivation, Equal, Part
from theory.symbolic import alpha, beta, binary_kl, logit, mu, sigmoid

__all__ = ["identity_claim", "parse", "parse_domain", "domain_hypothesis", "domain_text", "point_cases",
           "attach_point_property", "describe", "short_point", "Vocabulary", "SCALARS", "SYMBOLS",
           "ALLOWED_FUNCTIONS"]

SYMBOLS = {"alpha": alpha, "beta": beta, "mu": mu}
ALLOWED_FUNCTIONS = {
    "exp": sp.exp, "log": sp.log, "sqrt": sp.sqrt, "logit": logit, "sigmoid": sigmoid, "kl": binary_kl,
    "log1p": log1p, "expm1": expm1, "Abs": sp.Abs, "Min": sp.Min, "Max": sp.Max, "sign": sp.sign,
    "Piecewise": sp.Piecewise,
}
_CONSTANTS = {"pi": sp.pi, "E": sp.E, "I": sp.I}
_HEADS = (sp.Add, sp.Mul, sp.Pow, sp.exp, sp.log, log1p, expm1, sp.Abs, sp.Min, sp.Max, sp.sign, sp.Piecewise)
_CONDITIONS = (sp.core.relational.Relational, sp.And, sp.Or, sp.Not, sp.logic.boolalg.BooleanAtom)
_TRANSFORMATIONS = standard_transformations + (rationalize,)
_GLOBALS = {"Symbol": sp.Symbol, "Function": sp.Function, "Integer": sp.Integer, "Float": sp.Float,
            "Rational": sp.Rational, "Add": sp.Add, "Mul": sp.Mul, "Pow": sp.Pow}
"""What the parser's generated code may name (``Add``, ``Mul``, ``Pow``: the unevaluated forms)."""
_MIN_POINTS = 24


@dataclass(frozen=True)
class Vocabulary:
    """What a reviewer's expression may use: the ``names`` it reads, the ``atoms`` it may
    contain (symbols, indexed values), the function ``heads``, the one summation
    ``(index, low, high)`` allowed (None: no sums), and whether it must evaluate on balls."""

    names: Mapping[str, Any]
    atoms: frozenset[sp.Basic]
    heads: tuple[type, ...]
    symbols: str
    allowed: str
    summation: tuple[sp.Basic, sp.Basic, sp.Basic] | None = None
    evaluable: bool = True


SCALARS = Vocabulary(
    names={**SYMBOLS, **ALLOWED_FUNCTIONS, **_CONSTANTS}, atoms=frozenset(SYMBOLS.values()), heads=_HEADS,
    symbols="alpha, beta, mu",
    allowed="expressions over alpha, beta, mu with " + ", ".join(ALLOWED_FUNCTIONS) + ", pi, E and exact numbers")


def _check_text(text: str, what: str, vocabulary: Vocabulary) -> None:
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            break
    if depth != 0:
        raise RegistryError(f"{what}: unbalanced parentheses in {text!r}; allowed: {vocabulary.allowed}")
    if "=" in text.replace("<=", "").replace(">=", "").replace("!=", ""):
        raise RegistryError(f"{what}: {text!r} is an equation, not an expression: give its sides separately; "
                            f"allowed: {vocabulary.allowed}")


def _check_tree(expr: Any, text: str, what: str, bound: bool, vocabulary: Vocabulary) -> None:
    """Only the allowed heads, atoms and numbers; relations only as Piecewise conditions."""
    allowed = vocabulary.allowed
    if not isinstance(expr, sp.Expr):
        raise RegistryError(f"{what}: {text!r} is a relation or a truth value, not an expression; allowed: {allowed}")

    def visit(node: Any, condition: bool) -> None:
        if node in vocabulary.atoms:
            return
        if isinstance(node, (sp.Symbol, sp.Indexed, sp.IndexedBase)):
            raise RegistryError(f"{what}: unknown symbol {node} in {text!r}; use {vocabulary.symbols}; "
                                f"allowed: {allowed}")
        if isinstance(node, sp.Sum) and vocabulary.summation is not None:
            if tuple(node.limits) != (tuple(vocabulary.summation),):
                raise RegistryError(f"{what}: a sum in {text!r} must run over the outcomes; allowed: {allowed}")
            visit(node.function, condition)
            return
        if isinstance(node, sp.core.function.AppliedUndef) or (
                isinstance(node, sp.Function) and not isinstance(node, vocabulary.heads)):
            raise RegistryError(f"{what}: unknown function {type(node).__name__} in {text!r}; allowed: {allowed}")
        if node == sp.I:
            raise RegistryError(f"{what}: {text!r} is not real-valued (it contains I); allowed: {allowed}")
        if node in (sp.oo, -sp.oo, sp.zoo, sp.nan):
            if bound and node in (sp.oo, -sp.oo):
                return  # the caller says which bound may be infinite
            raise RegistryError(f"{what}: {text!r} is not a finite expression; allowed: {allowed}")
        if isinstance(node, sp.Piecewise) and sp.Piecewise in vocabulary.heads:
            for value, cond in node.args:
                visit(value, False)
                visit(cond, True)
            return
        if isinstance(node, _CONDITIONS):
            if not condition:
                raise RegistryError(f"{what}: a relation appears in {text!r} outside a Piecewise condition; "
                                    f"allowed: {allowed}")
        elif not (isinstance(node, (sp.Rational, *vocabulary.heads)) or node in (sp.pi, sp.E)):
            raise RegistryError(f"{what}: {type(node).__name__} is not allowed in {text!r}; allowed: {allowed}")
        for arg in node.args:
            visit(arg, condition)

    visit(expr, False)
    if expr.is_extended_real is False:
        raise RegistryError(f"{what}: {text!r} is not real-valued; allowed: {allowed}")


def parse(text: str, what: str, *, bound: bool = False, vocabulary: Vocabulary = SCALARS,
          evaluate: bool = True) -> sp.Expr:
    """Parse a reviewer's expression exactly (decimal literals become rationals);
    ``bound`` also allows ``oo`` and ``-oo``; ``evaluate=False`` keeps the expression
    as written (no automatic simplification). ``RegistryError`` names ``what`` and the problem."""
    text = str(text)
    _check_text(text, what, vocabulary)
    names = {**vocabulary.names, **({"oo": sp.oo} if bound else {})}
    try:
        expr = parse_expr(text, local_dict=names, global_dict=dict(_GLOBALS), transformations=_TRANSFORMATIONS,
                          evaluate=evaluate)
    except Exception as error:  # noqa: BLE001 - any parser failure is the reviewer's input error
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise RegistryError(f"{what}: cannot parse {text!r}: {reason}; allowed: {vocabulary.allowed}") from None
    _check_tree(expr, text, what, bound, vocabulary)
    if vocabulary.evaluable and expr not in (sp.oo, -sp.oo):
        try:
            compile_expr(expr, sorted(expr.free_symbols, key=lambda s: s.name))
        except ValueError as error:
            raise RegistryError(f"{what}: {error}") from None
    return expr


def parse_domain(claim_id: str, domain: Mapping[str, Any], used: set[sp.Symbol]) -> Domain:
    """The reviewer's ``{name: (low, high)}`` as a validated ``Domain`` covering ``used``."""
    if not isinstance(domain, Mapping):
        raise RegistryError(f"claim {claim_id!r}: domain must map symbol names to (low, high); got {domain!r}")
    bounds: dict[sp.Symbol, tuple[sp.Expr, sp.Expr]] = {}
    for name, pair in domain.items():
        if name not in SYMBOLS:
            raise RegistryError(f"claim {claim_id!r}: domain: unknown symbol {name!r}; use alpha, beta or mu")
        what = f"claim {claim_id!r}: domain[{name!r}]"
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
            raise RegistryError(f"{what} must be a pair (low, high); got {pair!r}")
        bounds[SYMBOLS[name]] = (parse(str(pair[0]), what, bound=True), parse(str(pair[1]), what, bound=True))
    missing = sorted(str(s) for s in used - set(bounds))
    if missing:
        raise RegistryError(f"claim {claim_id!r}: domain: no bounds for {', '.join(missing)}, used in the claim")
    parsed = Domain(bounds)
    try:
        parsed.validate()
    except DomainSpecError as error:
        raise RegistryError(f"claim {claim_id!r}: {error}") from None
    return parsed


def domain_text(region: Domain) -> str:
    """The domain in LaTeX prose: ``$\\alpha \\in (0, 1)$, ...``."""
    return ", ".join(f"${sp.latex(s)} \\in ({sp.latex(low)}, {sp.latex(high)})$"
                     for s, (low, high) in region.bounds.items())


def domain_hypothesis(region: Domain) -> Assumption:
    """The hypothesis ``domain``: ``low < x`` and ``x < high`` (finite ``high``) for each symbol."""
    return Assumption("domain", f"The stated domain: {domain_text(region)}.", tuple(
        fact for s, (low, high) in region.bounds.items()
        for fact in (sp.Gt(s, low, evaluate=False), *(() if high == sp.oo else (sp.Lt(s, high, evaluate=False),)))))


def short_point(point: Mapping[Any, sp.Rational]) -> str:
    """A point for a label: exact when short, else 12 digits."""
    parts = []
    for symbol, value in point.items():
        text = exact_text(value)
        parts.append(f"{symbol}={text if len(text) <= 16 else mpmath.nstr(mpmath.mpf(value.p) / value.q, 12)}")
    return ", ".join(parts)


def _residual(comparison: Comparison, relation: str) -> mpmath.mpf:
    """``|lhs - rhs| / S`` for an identity, 0 for a holding inequality, the relative gap of a
    failing one (NaN when unknown)."""
    if relation != "=" and comparison.verdict == "holds":
        return mpmath.mpf(0)
    return mpmath.mpf(comparison.residual) if comparison.residual else mpmath.mpf("nan")


def _abridged(text: str) -> str:
    """A bound for a message: long digit strings shortened (the certificate keeps every digit)."""
    return text if len(text) <= 60 else f"{text[:32]}...{text[-16:]} ({len(text)} characters)"


def describe(comparison: Comparison) -> str:
    """A failing comparison in one line: the exact point and both enclosures."""
    point = ", ".join(f"{name}={_abridged(value)}" for name, value in comparison.point.items())
    sides = []
    for name, side in (("lhs", comparison.lhs), ("rhs", comparison.rhs)):
        text = f"[{_abridged(side.low)}, {_abridged(side.high)}]" if side else "undefined"
        if side and side.imag:
            text += f" + [{_abridged(side.imag[0])}, {_abridged(side.imag[1])}]*I"
        sides.append(f"{name} in {text}")
    return f"at {point}: {', '.join(sides)}"


def point_cases(region: Domain, lhs: sp.Expr, relation: str, rhs: sp.Expr, ctx: NumericContext) -> Iterator[Case]:
    """A certified comparison at each point of the domain: a failing case carries its
    certificate; a point the balls cannot decide is an undecided case."""
    statement = f"lhs {relation} rhs"
    for point in region.points(ctx.rng, max(ctx.random_cases, _MIN_POINTS), exprs=(lhs, rhs)):
        comparison = compare(lhs, relation, rhs, point, agree_digits=ctx.dps - 10)
        if comparison.verdict == "holds":
            yield Case(f"{statement} at {short_point(point)}", _residual(comparison, relation), True)
        elif comparison.verdict == "fails":
            yield Case(f"{statement} fails {describe(comparison)}", _residual(comparison, relation), False,
                       certificate=comparison.counterexample())
        else:
            yield Case(f"{statement} undecided at {short_point(point)}: {comparison.detail}", mpmath.mpf("nan"),
                       False, undecided=True)


def attach_point_property(claim: Claim, region: Domain, lhs: sp.Expr, relation: str, rhs: sp.Expr) -> None:
    """The property layer: ``lhs relation rhs`` compared with ``certified.compare`` at the
    exact points Hypothesis draws; a point the balls cannot decide is rejected (it counts
    neither way)."""
    statement = f"lhs {relation} rhs"

    def confirm(point: dict[sp.Symbol, sp.Rational]) -> Comparison:
        return compare(lhs, relation, rhs, point)

    def check(point: dict[sp.Symbol, sp.Rational]) -> None:
        comparison = confirm(point)
        if comparison.verdict == "undecided":
            reject()
        assert comparison.verdict == "holds", f"{statement} fails {describe(comparison)}"

    claim.property(domain_points(region, (lhs, rhs)), confirm=confirm)(check)


def identity_claim(
    *,
    id: str,
    title: str,
    lhs: str,
    rhs: str,
    domain: Mapping[str, tuple[str, str]],
    expected: str = "holds",
) -> Claim:
    """Register ``lhs = rhs`` on ``domain`` with symbolic, numeric and property layers."""
    left, right = parse(lhs, f"claim {id!r}: lhs"), parse(rhs, f"claim {id!r}: rhs")
    if left == right:  # SymPy's automatic simplification under the symbols' assumptions: keep what was written
        left, right = (parse(lhs, f"claim {id!r}: lhs", evaluate=False),
                       parse(rhs, f"claim {id!r}: rhs", evaluate=False))
    if left == right:
        raise RegistryError(f"claim {id!r}: lhs and rhs are the same expression ({sp.sstr(left)}): nothing to check")
    region = parse_domain(id, domain, left.free_symbols | right.free_symbols)
    symbols = list(region.bounds)
    identity = f"${sp.latex(left)} = {sp.latex(right)}$"
    claim = register(id, title=title, source="extension", statement=f"{identity} for {domain_text(region)}",
                     expected=expected,  # type: ignore[arg-type]
                     parts=(Part("identity", identity, sp.Eq(left, right, evaluate=False)),))
    claim.requires_proof = False
    stated = domain_hypothesis(region)

    @claim.symbolic
    def _derivation() -> Derivation:
        return Derivation(scope=f"symbolic {', '.join(map(str, symbols))} on the stated domain",
                          steps=(Equal(left, right, "SymPy reduces lhs - rhs to 0 on the stated domain",
                                       assumes=("domain",)),),
                          hypotheses=(stated,), domain=region.bounds)

    @claim.numeric
    def _numeric(ctx: NumericContext) -> Iterator[Case]:
        yield from point_cases(region, left, "=", right, ctx)

    attach_point_property(claim, region, left, "=", right)
    return claim
