"""Properties of every finite problem, written by a reviewer.

``problem_claim(id, title, check)`` states that ``check(problem, beta)`` holds for
every finite binary-reward problem and temperature. ``check`` receives a problem
view (``theory.BinaryRewardProblem`` in float64, or its ``.precise`` mpmath view:
the same methods) and ``beta``, and returns a ``Relation(lhs, op, rhs)`` (or the
tuple ``(lhs, op, rhs)``) between two numbers or two vectors of the same length
(a number against a vector is compared with every entry), ``op`` one of ``=``,
``<``, ``<=``, ``>``, ``>=``, or a bool. Layers:

- property: Hypothesis draws problems (``theory.strategies.problems``: 2 to 64
  outcomes, near-uniform, peaked and near-degenerate bases, masses down to
  ``1e-300``, every validity pattern) and temperatures (``betas``: ``1e-6`` to
  ``1e6``). The check runs in float64 first; a relation it does not confirm (an
  equality off by more than ``FLOAT_TOLERANCE`` relative, an inequality
  violated) is decided at high precision (below): one that holds there passes
  (float64 rounding is not a counterexample), one the high precision cannot
  decide is rejected, one that fails is a counterexample, shrunk by Hypothesis
  to a minimal problem and confirmed again at twice the digits;
- numeric: the check on ``problem.precise`` at the extreme instances of
  ``NumericContext.problems_at_betas`` (``alpha`` from ``1e-300`` to
  ``1 - 1e-15``, ``n`` up to 64, ``beta`` from ``1e-4`` to ``1e6``) and on peaked
  bases (one mass near 1, the others ``1e-300``), each decided at high precision;
- symbolic, when ``symbolic=(lhs, op, rhs)`` is given in the per-outcome model
  (``theory.symbolic.GenericOutcomes``: ``a``, ``v`` for ``a(y)``, ``v(y)`` of a
  generic outcome ``y``, ``p_beta = a e^{v/beta}/Z``, ``p_star = a v/alpha``,
  ``mu_beta``, ``Z``, ``alpha``, ``beta``, ``sum(...)`` over the ``n`` outcomes,
  ``exp``, ``log``, ``sqrt``): a one-step derivation (``Equal``, or ``Sign`` of
  ``lhs - rhs``; split on ``v(y) in {0, 1}`` when the statement has no sum)
  citing the standing assumptions, which proves it for every ``n`` and every
  validity pattern. At registration the symbolic sides are evaluated on a test
  problem and must equal the check's sides there (a statement of the one is then
  a statement of the other; a bool check must agree in truth).

High precision: the check runs on ``problem.precise`` at ``2 dps + 20 + span``
digits and more until two successive values agree to ``10^-(dps+5)``
(``NumericContext.resolve``; ``span`` the digits the closed forms cancel at this
``alpha`` and ``beta``), and the relation is judged with the tolerance
``10^-(dps-10)`` relative (a strict inequality whose sides agree within it is
undecided). This is mpmath, not ball arithmetic: ``check`` is arbitrary code,
so a counterexample is a violation stable across precisions (certificate
method ``mpmath``), never an enclosure.

A ``check`` that raises, or returns something else, is a one-line
``RegistryError`` naming the claim at registration (it is called once on a test
problem) and a failed layer at run time (``CheckError``), never a verdict.

Main definitions
- ``Relation(lhs, op, rhs)``.
- ``problem_claim(id, title, check, expected="holds", symbolic=None)``.
- ``outcomes()``: the vocabulary of the symbolic statement.
- ``CheckError``: a check that raised or returned the wrong type at run time.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np
import sympy as sp
from hypothesis import reject
from mpmath import mpf

from proofs_checks.certified import Comparison, Enclosure, exact_text
from proofs_checks.claim import Claim, RegistryError, register
from proofs_checks.numeric import Case, NumericContext, PrecisionExhausted, rational
from proofs_checks.proof import Derivation, Equal, Part, Sign
from proofs_checks.reviewer import Vocabulary, parse
from theory import strategies
from theory.problem import BinaryRewardProblem, ProblemView
from theory.symbolic import alpha, beta

__all__ = ["Relation", "problem_claim", "outcomes", "CheckError", "RELATIONS", "FLOAT_TOLERANCE"]

RELATIONS = ("=", "<", "<=", ">", ">=")
FLOAT_TOLERANCE = mpf("1e-10")
CONFIRM_DPS = 100
"""The digits of the confirmation of a property counterexample (the property decides at 50)."""
STANDING = ("finite-outputs", "base-positive", "binary-reward", "valid-mass-interior", "temperature-positive")
_TEST_PROBLEM = BinaryRewardProblem([0.1, 0.2, 0.3, 0.4], [1, 0, 0, 1])
_TEST_BETA = 0.7
_SIGNS = {">": "positive", ">=": "nonnegative", "<": "negative", "<=": "nonpositive"}
_SYMPY_RELATIONS = {"=": sp.Eq, "<": sp.StrictLessThan, "<=": sp.LessThan, ">": sp.StrictGreaterThan,
                    ">=": sp.GreaterThan}



@functools.cache
def _notation() -> Any:
    """The per-outcome notation of the package's claims, imported on first use (importing
    the claims package registers every claim)."""
    from proofs_checks.claims import notation

    return notation


@functools.cache
def outcomes() -> Vocabulary:
    """The vocabulary of a symbolic statement in the per-outcome model."""
    n = _notation()
    return Vocabulary(
        names={"a": n.A, "v": n.V, "p_beta": n.TILTED, "p_star": n.FILTERED, "mu_beta": n.MU, "Z": n.Z,
               "alpha": alpha, "beta": beta, "n": n.G.n, "sum": lambda e: n.total(sp.sympify(e)), "exp": sp.exp,
               "log": sp.log, "sqrt": sp.sqrt, "pi": sp.pi, "E": sp.E},
        atoms=frozenset({n.A, n.V, n.MU, n.Z, alpha, beta, n.G.n}), heads=(sp.Add, sp.Mul, sp.Pow, sp.exp, sp.log),
        symbols="a, v, p_beta, p_star, mu_beta, Z, alpha, beta, n",
        allowed="expressions in the per-outcome model: a, v (a(y), v(y) of a generic outcome y), p_beta, p_star, "
                "mu_beta, Z, alpha, beta, sum(...) over the n outcomes, exp, log, sqrt and exact numbers",
        summation=(n.G.y, sp.Integer(1), n.G.n), evaluable=False)


class CheckError(RuntimeError):
    """A reviewer's check that raised or returned something other than a relation or a bool."""


@dataclass(frozen=True)
class Relation:
    """``lhs op rhs`` between two numbers or vectors (``op`` in ``RELATIONS``)."""

    lhs: Any
    op: str
    rhs: Any


@dataclass(frozen=True)
class _Result:
    """A check's result as numbers: ``op`` (``bool`` for a truth value) and the sides, entry by entry."""

    op: str
    lhs: list[mpf]
    rhs: list[mpf]

    def flat(self) -> list[mpf]:
        return self.lhs + self.rhs


def _numbers(side: Any, what: str) -> list[mpf]:
    """A number or a 1-D vector as a list of mpf."""
    values = np.asarray(side, dtype=object)
    if values.ndim > 1 or values.size == 0:
        raise CheckError(f"{what} must be a number or a non-empty 1-D vector; got shape {values.shape}")
    found = []
    for item in values.reshape(-1):
        if isinstance(item, (bool, np.bool_, str)):
            raise CheckError(f"{what} must hold numbers; got {item!r}")
        try:
            found.append(mpf(item.item() if isinstance(item, np.generic) else item))
        except (TypeError, ValueError):
            raise CheckError(f"{what} must hold real numbers; got {item!r}") from None
    return found


def _normalize(result: Any) -> _Result:
    """The check's return value as a ``_Result`` (``CheckError`` for anything else)."""
    if isinstance(result, (bool, np.bool_)):
        return _Result("bool", [mpf(int(bool(result)))], [])
    if isinstance(result, tuple) and not isinstance(result, Relation) and len(result) == 3:
        result = Relation(*result)
    if not isinstance(result, Relation):
        raise CheckError(f"must return a Relation(lhs, op, rhs), a tuple (lhs, op, rhs) or a bool; got "
                         f"{type(result).__name__}")
    if result.op not in RELATIONS:
        raise CheckError(f"the relation's op must be one of {', '.join(RELATIONS)}; got {result.op!r}")
    lhs, rhs = _numbers(result.lhs, "the relation's lhs"), _numbers(result.rhs, "the relation's rhs")
    if len(lhs) != len(rhs):
        if min(len(lhs), len(rhs)) != 1:
            raise CheckError(f"the relation's sides have lengths {len(lhs)} and {len(rhs)}: give vectors of the same "
                             f"length, or a number")
        lhs, rhs = (lhs * len(rhs), rhs) if len(lhs) == 1 else (lhs, rhs * len(lhs))
    return _Result(result.op, lhs, rhs)


def _entry(op: str, left: mpf, right: mpf, tolerance: mpf) -> str:
    """``holds``, ``fails`` or ``undecided`` for one entry (module header)."""
    if mpmath.isnan(left) or mpmath.isnan(right):
        return "undecided"
    if mpmath.isinf(left) or mpmath.isinf(right):
        truth = {"=": left == right, "<": left < right, "<=": left <= right, ">": left > right,
                 ">=": left >= right}[op]
        return "holds" if truth else "fails"
    slack = tolerance * max(abs(left), abs(right))
    if op == "=":
        return "holds" if abs(left - right) <= slack else "fails"
    smaller, larger = (left, right) if op in ("<", "<=") else (right, left)
    if op in ("<=", ">="):
        return "holds" if smaller <= larger + slack else "fails"
    if smaller < larger - slack:
        return "holds"
    return "fails" if smaller > larger + slack else "undecided"


def _judge(result: _Result, tolerance: mpf) -> tuple[str, int | None]:
    """The verdict over every entry (a failing entry wins, then an undecided one) and its index."""
    if result.op == "bool":
        return ("holds" if result.lhs[0] else "fails"), None
    verdicts = [_entry(result.op, x, y, tolerance) for x, y in zip(result.lhs, result.rhs)]
    for wanted in ("fails", "undecided"):
        if wanted in verdicts:
            return wanted, verdicts.index(wanted)
    return "holds", None


def _problem_text(problem: BinaryRewardProblem, beta_value: Any) -> dict[str, str]:
    """The problem and ``beta`` exactly: floats in full ``repr``, mpmath numbers as exact rationals."""
    def exact(x: Any) -> str:
        return repr(float(x)) if isinstance(x, (float, np.floating)) else exact_text(rational(x))

    return {"base": "[" + ", ".join(exact(x) for x in problem.given_base) + "]",
            "valid": str(problem.valid.astype(int).tolist()), "beta": exact(beta_value)}


@dataclass(frozen=True)
class _Check:
    """The reviewer's check, called safely, and decided at high precision."""

    claim_id: str
    function: Callable[[ProblemView, Any], Any]

    def __call__(self, view: ProblemView, beta_value: Any) -> _Result:
        try:
            result = self.function(view, beta_value)
        except Exception as error:  # noqa: BLE001 - any error of the reviewer's code fails the layer
            raise CheckError(f"claim {self.claim_id!r}: check raised {type(error).__name__}: {error} on {view!r} "
                             f"at beta = {beta_value!r}") from None
        try:
            return _normalize(result)
        except CheckError as error:
            raise CheckError(f"claim {self.claim_id!r}: check {error}") from None

    def precise(self, problem: BinaryRewardProblem, beta_value: Any, dps: int) -> tuple[str, str, dict[str, Any]]:
        """``(verdict, detail, certificate)`` at high precision (module header)."""
        ctx = NumericContext(dps, 0, 0)
        beta_mp = mpf(beta_value)
        shape: list[_Result] = []

        def values() -> list[mpf]:
            shape[:] = [self(problem.precise, beta_mp)]
            return shape[0].flat()

        with mpmath.workdps(dps):  # the rarer block's mass, so that 1 - alpha is never formed
            span = ctx.span(min(problem.precise.alpha, problem.precise.one_minus_alpha), beta_mp)
        digits = 2 * dps + 20 + span
        point = _problem_text(problem, beta_value)
        try:
            flat = ctx.resolve(values, span)
        except (PrecisionExhausted, ArithmeticError) as error:
            return "undecided", f"no stable value: {error}", {"point": point}
        size = len(shape[0].lhs)
        result = _Result(shape[0].op, flat[:size], flat[size:])
        verdict, index = _judge(result, ctx.tolerance)
        if result.op == "bool":
            detail = f"check returned {bool(result.lhs[0])} at {digits}+ digits"
            return verdict, detail, {"point": point, "method": "mpmath", "prec": digits, "detail": detail}
        entry = 0 if index is None else index
        left, right = result.lhs[entry], result.rhs[entry]
        where = f" at entry {entry}" if size > 1 else ""
        detail = (f"lhs {result.op} rhs {verdict}{where}: lhs = {mpmath.nstr(left, 20)}, rhs = "
                  f"{mpmath.nstr(right, 20)}, stable to 10^-{dps + 5} between two precisions from {digits} digits "
                  f"(mpmath, not ball arithmetic)")

        def bounds(x: mpf) -> list[str]:
            with mpmath.workdps(digits):
                spread = abs(x) * mpf(10) ** (-dps - 5)
                return [mpmath.nstr(x - spread, dps + 10), mpmath.nstr(x + spread, dps + 10)]

        return verdict, detail, {"point": point, "lhs": bounds(left), "rhs": bounds(right), "method": "mpmath",
                                 "prec": digits, "detail": detail}


def _symbolic_value(expr: sp.Expr, problem: BinaryRewardProblem, beta_value: Any) -> list[sp.Float]:
    """A symbolic side on a concrete problem: one value per outcome when it has a term
    outside the sums over ``y``, else one value."""
    base = [sp.Float(mpmath.nstr(x, 40), 40) for x in problem.precise.base]
    valid = [int(x) for x in problem.valid]
    n = _notation()
    expr = sp.sympify(expr)
    for _ in range(2):
        expr = expr.subs(n.definitions())
    entries = {n.G.a[i + 1]: a for i, a in enumerate(base)} | {n.G.v[i + 1]: v for i, v in enumerate(valid)}
    expr = expr.replace(lambda e: isinstance(e, sp.Sum), lambda e: e.subs(n.G.n, len(base)).doit().xreplace(entries))
    scalars = {alpha: sp.Float(mpmath.nstr(problem.precise.alpha, 40), 40), beta: sp.Float(mpmath.nstr(mpf(beta_value), 40), 40),
               n.G.n: len(base)}
    if expr.has(n.A) or expr.has(n.V):
        return [sp.N(expr.xreplace({n.A: a, n.V: v, **scalars}), 30) for a, v in zip(base, valid)]
    return [sp.N(expr.xreplace(scalars), 30)]


def _symbolic_statement(claim_id: str, symbolic: Any, check: _Check) -> tuple[sp.Expr, str, sp.Expr]:
    """The parsed symbolic statement, after checking that it states what ``check`` computes on the test problem."""
    what = f"claim {claim_id!r}: symbolic"
    if not (isinstance(symbolic, (tuple, list)) and len(symbolic) == 3):
        raise RegistryError(f"{what} must be a tuple (lhs, op, rhs) of strings; got {symbolic!r}")
    lhs, op, rhs = symbolic
    if op not in RELATIONS:
        raise RegistryError(f"{what}: op must be one of {', '.join(RELATIONS)}; got {op!r}")
    left = parse(lhs, f"{what} lhs", vocabulary=outcomes())
    right = parse(rhs, f"{what} rhs", vocabulary=outcomes())
    with mpmath.workdps(40):
        computed = check(_TEST_PROBLEM.precise, mpf(_TEST_BETA))
        sides = [[mpf(str(x)) for x in _symbolic_value(side, _TEST_PROBLEM, _TEST_BETA)] for side in (left, right)]
    test = f"the test problem {_TEST_PROBLEM!r} at beta = {_TEST_BETA}"
    close = mpf("1e-25")
    if computed.op == "bool":
        size = max(map(len, sides))
        stated = [x * len(sides[1]) if len(x) == 1 else x for x in sides] if size > 1 else sides
        truth = all(_entry(op, x, y, close) == "holds" for x, y in zip(*stated))
        if truth != bool(computed.lhs[0]):
            raise RegistryError(f"{what}: the statement is {truth} on {test}, but the check returns "
                                f"{bool(computed.lhs[0])}: they do not state the same thing")
        return left, op, right
    if op != computed.op:
        raise RegistryError(f"{what}: op {op!r} differs from the check's {computed.op!r}")
    for name, stated, found in (("lhs", sides[0], computed.lhs), ("rhs", sides[1], computed.rhs)):
        stated = stated * len(found) if len(stated) == 1 and len(found) > 1 else stated
        agree = len(stated) == len(found) and all(
            abs(x - y) <= close * max(abs(x), abs(y), mpf(1)) for x, y in zip(stated, found))
        if not agree:
            shown = ", ".join(mpmath.nstr(x, 8) for x in stated[:4])
            raise RegistryError(f"{what}: its {name} is [{shown}] on {test}, but the check's {name} is "
                                f"[{', '.join(mpmath.nstr(y, 8) for y in found[:4])}]: they do not state the same thing")
    return left, op, right


def _extremes() -> Iterator[tuple[BinaryRewardProblem, str]]:
    """Peaked bases: one output of mass near 1, the others ``1e-300``, valid or invalid."""
    tiny = mpf("1e-300")
    for peak_valid in (True, False):
        validity = [1 if (i % 2 == 0) == peak_valid else 0 for i in range(16)]
        base = [1 - 15 * tiny] + [tiny] * 15
        yield BinaryRewardProblem(base, validity), f"peaked n=16, the peak {'valid' if peak_valid else 'invalid'}"


def problem_claim(
    *,
    id: str,
    title: str,
    check: Callable[[ProblemView, Any], Any],
    expected: str = "holds",
    symbolic: tuple[str, str, str] | None = None,
) -> Claim:
    """Register "``check(problem, beta)`` holds for every finite problem and ``beta > 0``"."""
    if not callable(check):
        raise RegistryError(f"claim {id!r}: check must be a function check(problem, beta); got {check!r}")
    try:
        inspect.signature(check).bind(_TEST_PROBLEM, _TEST_BETA)
    except TypeError as error:
        raise RegistryError(f"claim {id!r}: check must take (problem, beta): {error}") from None
    except ValueError:
        pass  # a builtin without a signature: calling it below tells
    safe = _Check(id, check)
    try:
        safe(_TEST_PROBLEM, _TEST_BETA)
        with mpmath.workdps(30):
            safe(_TEST_PROBLEM.precise, mpf(_TEST_BETA))
    except CheckError as error:
        raise RegistryError(str(error)) from None
    statement_parts = None if symbolic is None else _symbolic_statement(id, symbolic, safe)
    described = title if statement_parts is None else (
        f"${sp.latex(_SYMPY_RELATIONS[statement_parts[1]](statement_parts[0], statement_parts[2], evaluate=False))}$")
    parts = () if statement_parts is None else (Part("property", described, _SYMPY_RELATIONS[statement_parts[1]](
        statement_parts[0], statement_parts[2], evaluate=False)),)
    claim = register(id, title=title, source="extension",
                     statement=f"For every finite problem and every $\\beta > 0$: {described}",
                     expected=expected,  # type: ignore[arg-type]
                     parts=parts)
    claim.requires_proof = False

    if statement_parts is not None:
        left, op, right = statement_parts
        per_outcome = not (left.has(sp.Sum) or right.has(sp.Sum))

        @claim.symbolic
        def _derivation() -> Derivation:
            notation = _notation()
            cases = notation.BINARY if per_outcome else None
            if op == "=":
                step = Equal(left, right, "SymPy reduces lhs - rhs to 0 from the standing assumptions",
                             assumes=STANDING, cases=cases)
            else:
                step = Sign(left - right, _SIGNS[op], "SymPy derives the sign of lhs - rhs from the standing "
                            "assumptions", assumes=STANDING, cases=cases)
            return Derivation(scope="every finite problem (generic outcome $y$, symbolic sums over $n$ outcomes), "
                                    "symbolic $\\alpha$ and $\\beta$",
                              steps=(step,), definitions=notation.definitions(), domain=notation.DOMAIN)

    @claim.numeric
    def _numeric(ctx: NumericContext) -> Iterator[Case]:
        """The check at the extreme instances, each decided at high precision."""
        instances = [(BinaryRewardProblem(base, validity), beta_value,
                      f"n={len(base)}, alpha={ctx.short(problem.alpha)}, beta={ctx.short(beta_value)}")
                     for problem, base, validity, beta_value in ctx.problems_at_betas()]
        instances += [(problem, mpf(b), f"{label}, beta={b}") for problem, label in _extremes()
                      for b in ("1e-4", "1", "1e6")]
        for problem, beta_value, label in instances:
            verdict, detail, certificate = safe.precise(problem, beta_value, ctx.dps)
            if verdict == "holds":
                yield Case(f"holds at {label}", mpf(0), True)
            elif verdict == "fails":
                yield Case(f"fails at {label}", mpf("inf"), False, certificate=certificate)
            else:
                yield Case(f"undecided at {label}: {detail}", mpf("nan"), False, undecided=True)

    def confirm(problem: BinaryRewardProblem, beta_value: float) -> Comparison:
        """The shrunk example again, at ``CONFIRM_DPS`` digits."""
        verdict, detail, certificate = safe.precise(problem, beta_value, CONFIRM_DPS)
        sides = [Enclosure(*certificate[name], certificate["prec"]) if name in certificate else None
                 for name in ("lhs", "rhs")]
        return Comparison(verdict, certificate["point"], sides[0], sides[1], "mpmath", detail)  # type: ignore[arg-type]

    def _property(problem: BinaryRewardProblem, beta_value: float) -> None:
        if _judge(safe(problem, beta_value), FLOAT_TOLERANCE)[0] == "holds":
            return
        verdict, detail, _ = safe.precise(problem, beta_value, 50)
        if verdict == "undecided":
            reject()
        assert verdict == "holds", detail

    claim.property(strategies.problems(), strategies.betas(), confirm=confirm)(_property)
    return claim

