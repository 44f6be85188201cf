"""The numeric evidence layer: claims checked in mpmath at ``dps`` digits.

A numeric check is a function ``check(ctx)`` that yields ``Case`` objects, one
per instance: a label, a residual and whether the claim holds there. The
context draws instances from a seeded ``random.Random`` and builds every number
from integers and decimal strings, so nothing in this path passes through
float64 (``--dps 120`` is exact to 120 digits). A case compares the library
with the definitions (``proofs_checks.claims.definitions``) or states the claim
on the definitions; a case of a false statement carries a certificate.

Main definitions
- ``Case(label, residual, holds, certificate, undecided)``: ``certificate`` is a
  certified counterexample (``Comparison.counterexample()``: the exact point,
  enclosures of both sides, the method and the bits used), ``undecided`` marks a
  case that could not be evaluated (NaN, an evaluation error, a definition that
  did not stabilize): neither evidence for nor against the claim.
- ``NumericContext(dps, seed, cases)``: the working precision, the tolerance
  ``10^-(dps-10)``, the instance generators (``alphas``, ``betas``,
  ``alpha_beta_pairs``, ``problems``, ``problems_at_betas``, ``problems_with_zeros``) with fixed extremes (``alpha = 1e-300``,
  ``alpha = 1 - 1e-15``, ``beta = 1e-4`` where ``e^{1/beta}`` overflows float64
  and ``1 - mu_beta`` is below ``10^-4000``, ``beta = 1e6``, ``n`` up to 64) and the case
  constructors ``equal`` (relative residual ``|lhs - rhs| / max(|lhs|, |rhs|, scale)``,
  ``scale`` the size of the terms a side combined: a tiny value is compared
  relative to itself, never to an absolute floor), ``at_most``, ``less``; their
  sides may be thunks, evaluated inside the case so that an error is an
  undecided case naming its instance; ``scope``, which a check may set to what
  its cases establish beyond their points (reported with the evidence).
- ``resolve(thunk, span)``: the value of a naive definition, evaluated with
  enough digits for the cancellation ``span`` of the instance and confirmed at
  a higher precision (two successive values agree to ``10^-(dps+5)``; at most
  ``MAX_DIGITS``).
- ``derivative(f, x, scale)``: a central difference accurate to the precision.
- ``certify(relation, evaluate, point)``: ``lhs relation rhs`` decided with
  ``arb`` balls: ``evaluate()`` returns both sides computed from exact inputs at
  ``flint.ctx.prec``, which is doubled from 64 bits up to ``MAX_PREC`` until the
  balls decide; a ``certified.Comparison`` (``holds``, ``fails`` with its
  counterexample, or ``undecided``).
- ``rational(x)``: a float, mpf or exact ``arb`` as the SymPy rational it equals.
- ``MIN_CASES = 20``: a numeric check with fewer cases fails.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import mpmath
import sympy as sp
from flint import arb, ctx
from mpmath import mpf

from proofs_checks.certified import MAX_PREC, Comparison, Enclosure, exact_text

__all__ = ["Case", "NumericContext", "PrecisionExhausted", "MIN_CASES", "EXTREME_ALPHAS", "EXTREME_BETAS",
           "certify", "rational"]

MIN_CASES = 20
EXTREME_ALPHAS = ("1e-300", "1e-15", "0.5", "1 - 1e-15")
EXTREME_BETAS = ("1e-4", "0.05", "1", "1e3", "1e6")
MAX_DIGITS = 40000
"""The most digits ``resolve`` uses for a naive definition (``beta = 1e-4`` needs about 4400)."""


class PrecisionExhausted(ArithmeticError):
    """A naive definition did not stabilize within ``MAX_DIGITS`` digits."""


@dataclass(frozen=True)
class Case:
    """One instance of a numeric check: ``holds`` up to the tolerance, or not; a failing
    case of a false statement carries its ``certificate``; an ``undecided`` case could
    not be evaluated."""

    label: str
    residual: mpf
    holds: bool
    certificate: dict[str, Any] | None = None
    undecided: bool = False


def _parse(text: str) -> mpf:
    """``"1 - 1e-15"`` and plain decimal strings, evaluated at the current precision."""
    if " - " in text:
        left, right = text.split(" - ")
        return mpf(left) - mpf(right)
    return mpf(text)


class NumericContext:
    """Instances and tolerances for one numeric check at ``dps`` digits."""

    def __init__(self, dps: int, seed: int, cases: int) -> None:
        self.dps = dps
        self.seed = seed
        self.random_cases = cases
        self.rng = random.Random(seed)
        self.scope = ""
        """What the check established beyond its cases (a box proved by branch and bound, the
        range of an approach), set by the check and reported with the evidence."""

    @property
    def tolerance(self) -> mpf:
        """A residual at or below ``10^-(dps-10)`` counts as zero."""
        return mpf(10) ** (10 - self.dps)

    def uniform(self, low: Any = 0, high: Any = 1) -> mpf:
        """A uniform draw in ``(low, high)`` with ``dps + 5`` random digits."""
        digits = self.dps + 5
        fraction = mpf(self.rng.randrange(1, 10**digits)) / mpf(10) ** digits
        return mpf(low) + fraction * (mpf(high) - mpf(low))

    def log_uniform(self, low: Any, high: Any) -> mpf:
        """``exp`` of a uniform draw in ``(log low, log high)``."""
        return mpmath.exp(self.uniform(mpmath.log(_parse(str(low))), mpmath.log(_parse(str(high)))))

    def alphas(self) -> list[mpf]:
        """The extremes, then log-uniform draws in both tails: ``alpha`` down to
        ``1e-300`` and ``1 - alpha`` down to ``1e-15`` (as in the float64 domain)."""
        values = [_parse(text) for text in EXTREME_ALPHAS]
        for index in range(self.random_cases):
            values.append(self.log_uniform("1e-300", "0.5") if index % 2 == 0 else 1 - self.log_uniform("1e-15", "0.5"))
        return values

    def betas(self) -> list[mpf]:
        """The extremes, then log-uniform draws in ``[1e-4, 1e6]``."""
        return [_parse(text) for text in EXTREME_BETAS] + [
            self.log_uniform("1e-4", "1e6") for _ in range(self.random_cases)
        ]

    def alpha_beta_pairs(self) -> list[tuple[mpf, mpf]]:
        """Every extreme alpha with every extreme beta, then random pairs."""
        pairs = [(_parse(a), _parse(b)) for a in EXTREME_ALPHAS for b in EXTREME_BETAS]
        pairs += list(zip(self.alphas()[len(EXTREME_ALPHAS):], self.betas()[len(EXTREME_BETAS):], strict=True))
        return pairs

    def distribution(self, n: int) -> list[mpf]:
        """A random positive distribution of size ``n`` (entries spanning four decades)."""
        weights = [mpf(10) ** self.uniform(-4, 0) for _ in range(n)]
        total = mpmath.fsum(weights)
        return [w / total for w in weights]

    def base_vector(self, n: int, valid_mass: mpf, n_valid: int) -> list[mpf]:
        """A positive base of size ``n`` whose first ``n_valid`` entries sum to
        ``valid_mass`` (random shape, entries spanning several decades)."""
        shape = [mpf(10) ** self.uniform(-6, 0) for _ in range(n)]
        valid_total = mpmath.fsum(shape[:n_valid])
        invalid_total = mpmath.fsum(shape[n_valid:])
        return [w * valid_mass / valid_total for w in shape[:n_valid]] + [
            w * (1 - valid_mass) / invalid_total for w in shape[n_valid:]
        ]

    def problems(self) -> Iterator[tuple[Any, list[mpf], list[int]]]:
        """``(problem, base, validity)`` instances with at least one valid and one
        invalid output: the extreme validity rates, sizes up to 64, and random
        ones (valid outputs first only in the extremes). ``problem`` is the
        precise view of a ``BinaryRewardProblem`` built on ``base``; ``base`` sums
        to 1 only up to rounding, and both the library and the definitions
        (``proofs_checks.claims.definitions``) stand for ``base / sum(base)``."""
        from theory.problem import BinaryRewardProblem

        specs = [(2, 1, _parse(a)) for a in EXTREME_ALPHAS] + [(64, 32, mpf("0.5")), (64, 1, mpf("1e-300"))]
        for _ in range(self.random_cases):
            n = self.rng.randint(2, 64)
            specs.append((n, self.rng.randint(1, n - 1), self.log_uniform("1e-300", "0.999")))
        for index, (n, n_valid, valid_mass) in enumerate(specs):
            base = self.base_vector(n, valid_mass, n_valid)
            validity = [1] * n_valid + [0] * (n - n_valid)
            if index >= len(EXTREME_ALPHAS):
                order = list(range(n))
                self.rng.shuffle(order)
                base, validity = [base[i] for i in order], [validity[i] for i in order]
            problem = BinaryRewardProblem(base, validity).precise
            yield problem, base, validity

    def problems_with_zeros(self) -> Iterator[tuple[Any, list[mpf], list[int]]]:
        """``(problem, base, validity)`` with outputs of zero base mass (one valid and one invalid
        output set to 0, the others positive), sizes 3 to 8, the valid mass at the extremes."""
        from theory.problem import BinaryRewardProblem

        for n_valid, n_invalid, valid_mass in zip((1, 2, 3, 4), (2, 2, 3, 4), (_parse(a) for a in EXTREME_ALPHAS)):
            positive = self.base_vector(n_valid + n_invalid - 2, valid_mass, n_valid - 1) if n_valid > 1 else \
                self.base_vector(n_invalid, valid_mass, 1)
            if n_valid > 1:
                base = [mpf(0)] + positive[: n_valid - 1] + positive[n_valid - 1:] + [mpf(0)]
            else:
                base = positive + [mpf(0)]
            validity = [1] * n_valid + [0] * (len(base) - n_valid)
            yield BinaryRewardProblem(base, validity).precise, base, validity

    def resolve(self, thunk: Any, span: int = 0) -> Any:
        """Evaluate ``thunk()`` (a naive definition returning an mpf or a list of
        them) with ``2 dps + 20 + span`` digits, then with ``dps + 20`` more,
        doubling while the two values disagree. ``span`` is the number of digits
        the definition is known to cancel (see ``span``); without it, two
        insufficient precisions can agree on the same wrong value."""
        digits = 2 * self.dps + 20 + span
        previous = None
        while True:
            with mpmath.workdps(digits):
                value = thunk()
            if previous is not None and self._stable(previous, value):
                return value
            if digits >= MAX_DIGITS:
                raise PrecisionExhausted(f"a naive definition did not stabilize within {MAX_DIGITS} digits")
            step = self.dps + 20 if previous is None else digits
            previous, digits = value, min(digits + step, MAX_DIGITS)

    @staticmethod
    def span(alpha: Any, beta: Any) -> int:
        """Digits lost by the naive sums of a problem with validity rate ``alpha`` at
        temperature ``beta``: ``Z_beta - 1 ~ alpha / beta`` for large ``beta`` and
        ``1 - mu_beta ~ e^{-1/beta}`` for small ``beta``, so about
        ``log10(1/min(alpha, 1 - alpha)) + log10(max(beta, 1)) + 1/(beta ln 10)``."""
        alpha, beta = mpf(alpha), mpf(beta)
        lost = -mpmath.log10(min(alpha, 1 - alpha)) + mpmath.log10(max(beta, 1)) + 1 / (beta * mpmath.ln(10))
        return int(mpmath.ceil(lost))

    def derivative(self, f: Any, x: Any, scale: Any = 1) -> mpf:
        """``f'(x)`` by a central difference with step ``scale * 10^-(dps/2 + 5)``,
        where ``scale`` is the distance over which ``f`` varies (e.g. to a pole):
        the truncation error is then about ``10^-dps`` relative."""
        return mpmath.diff(f, x, h=mpf(scale) * mpf(10) ** (-(self.dps // 2 + 5)))

    def _stable(self, first: Any, second: Any) -> bool:
        if isinstance(first, (list, tuple)):
            return all(self._stable(x, y) for x, y in zip(first, second, strict=True))
        first, second = mpf(first), mpf(second)
        if mpmath.isinf(first) or mpmath.isinf(second) or first == second:
            return first == second
        return abs(first - second) <= mpf(10) ** (-self.dps - 5) * max(abs(first), abs(second))

    def problems_at_betas(self) -> Iterator[tuple[Any, list[mpf], list[int], mpf]]:
        """``problems()`` paired with ``betas()`` in turn: ``(problem, base, validity, beta)``."""
        betas = self.betas()
        for index, (problem, base, validity) in enumerate(self.problems()):
            yield problem, base, validity, betas[index % len(betas)]

    @staticmethod
    def _sides(label: str, *sides: Any) -> list[mpf] | Case:
        """The sides of a case as mpf (calling those given as thunks), or an undecided case
        naming the error or the NaN."""
        values = []
        for side in sides:
            try:
                value = side() if callable(side) else side
                values.append(mpf(value))
            except (ArithmeticError, ValueError, TypeError) as error:
                return Case(f"{label}: {type(error).__name__}: {error}", mpf("nan"), False, undecided=True)
            if mpmath.isnan(values[-1]):
                return Case(f"{label}: NaN", mpf("nan"), False, undecided=True)
        return values

    def equal(self, label: str, lhs: Any, rhs: Any, scale: Any = 0) -> Case:
        """``lhs = rhs`` up to ``tolerance`` relative to ``max(|lhs|, |rhs|, scale)``, where
        ``scale`` is the size of the terms a side combined (two zeros agree); two equal
        infinities agree."""
        sides = self._sides(label, lhs, rhs, scale)
        if isinstance(sides, Case):
            return sides
        lhs, rhs, scale = sides
        if mpmath.isinf(lhs) or mpmath.isinf(rhs):
            agree = lhs == rhs
            return Case(label, mpf(0) if agree else mpf("inf"), agree)
        size = max(abs(lhs), abs(rhs), abs(scale))
        residual = abs(lhs - rhs) / size if size else mpf(0)
        return Case(label, residual, residual <= self.tolerance)

    def equal_vectors(self, label: str, lhs: Any, rhs: Any, scale: Any = 0) -> Case:
        """Entrywise ``lhs = rhs``, each entry relative to itself (or to its ``scale``, one
        number or one per entry); the residual is the largest relative entry error."""
        lhs, rhs = list(lhs), list(rhs)
        scales = list(scale) if isinstance(scale, (list, tuple)) else [scale] * len(lhs)
        cases = [self.equal(label, x, y, s) for x, y, s in zip(lhs, rhs, scales, strict=True)]
        undecided = [c for c in cases if c.undecided]
        if undecided:
            return undecided[0]
        worst = max(cases, key=lambda c: c.residual)
        return Case(label, worst.residual, all(c.holds for c in cases))

    @staticmethod
    def short(value: Any) -> str:
        """A compact rendering of an instance parameter for case labels."""
        return mpmath.nstr(mpf(value), 6)

    @staticmethod
    def holds(label: str) -> Case:
        """A fact that was observed (e.g. an expected exception was raised)."""
        return Case(label, mpf(0), True)

    @staticmethod
    def fails(label: str) -> Case:
        """A fact that was expected and not observed."""
        return Case(label, mpf("inf"), False)

    def at_most(self, label: str, smaller: Any, larger: Any, scale: Any = 0) -> Case:
        """``smaller <= larger`` up to the tolerance, relative to ``max(|smaller|, |larger|, scale)``."""
        sides = self._sides(label, smaller, larger, scale)
        if isinstance(sides, Case):
            return sides
        smaller, larger, scale = sides
        if mpmath.isinf(larger) or mpmath.isinf(smaller):
            holds = smaller <= larger
            return Case(label, mpf(0) if holds else mpf("inf"), holds)
        size = max(abs(smaller), abs(larger), abs(scale))
        residual = max(smaller - larger, mpf(0)) / size if size else mpf(0)
        return Case(label, residual, residual <= self.tolerance)

    def less(self, label: str, smaller: Any, larger: Any, scale: Any = 0) -> Case:
        """``smaller < larger`` by more than the tolerance relative to
        ``max(|smaller|, |larger|, scale)`` (a strict inequality that rounding cannot fake);
        the residual is the relative amount by which ``smaller`` exceeds ``larger`` (0 when
        they are equal: still a violation)."""
        sides = self._sides(label, smaller, larger, scale)
        if isinstance(sides, Case):
            return sides
        smaller, larger, scale = sides
        if mpmath.isinf(larger) or mpmath.isinf(smaller):
            holds = smaller < larger
            return Case(label, mpf(0) if holds else mpf("inf"), holds)
        size = max(abs(smaller), abs(larger), abs(scale))
        gap = (larger - smaller) / size if size else mpf(0)
        return Case(label, max(-gap, mpf(0)), gap > self.tolerance)

    @staticmethod
    def certified(case: Case, comparison: Callable[[], Comparison]) -> Case:
        """A failing ``case`` with the certificate of ``comparison()`` (called only then) when it
        certifies the violation; an undecided comparison makes the case undecided."""
        if case.holds or case.undecided:
            return case
        result = comparison()
        if result.verdict == "fails":
            return Case(case.label, case.residual, False, result.counterexample())
        if result.verdict == "undecided":
            return Case(f"{case.label}: {result.detail}", case.residual, False, undecided=True)
        return case


def _enclosure(ball: arb, prec: int, digits: int) -> Enclosure:
    """``[low, high]`` of a ball as exact decimals rounded outward."""
    if not ball.is_finite():
        infinite = "+inf" if ball > 0 else "-inf"
        return Enclosure(infinite, infinite, prec)
    if ball.is_zero():
        return Enclosure("0", "0", prec)
    mid, rad, exponent = ball.mid_rad_10exp(digits)
    scale = sp.Integer(10) ** int(exponent)
    return Enclosure(exact_text(int(mid - rad) * scale), exact_text(int(mid + rad) * scale), prec)


def _decide(relation: str, lhs: arb, rhs: arb) -> str | None:
    """``holds`` / ``fails`` when the balls decide the relation, else None (``=`` never holds
    on balls: agreement is not a proof)."""
    if relation == "=":
        return "fails" if (lhs < rhs or lhs > rhs) else None
    true, false = {"<": (lhs < rhs, lhs >= rhs), "<=": (lhs <= rhs, lhs > rhs)}[relation]
    return "holds" if true else "fails" if false else None


def certify(relation: str, evaluate: Callable[[], tuple[arb, arb]], point: Mapping[str, Any], *,
            max_prec: int = MAX_PREC) -> Comparison:
    """Decide ``lhs relation rhs`` (``relation`` one of ``=``, ``<``, ``<=``) where
    ``evaluate()`` computes both sides as ``arb`` balls from exact inputs at the current
    ``flint.ctx.prec``; the precision doubles from 64 bits to ``max_prec``. ``point``
    maps the names of the instance's coordinates to their exact values (floats, mpf or
    rationals), rendered exactly in the certificate."""
    point_text = {name: exact_text(rational(value)) for name, value in point.items()}
    prec, reason = 64, "no evaluation"
    while True:
        with ctx.workprec(prec):
            lhs, rhs = evaluate()
        if lhs.is_nan() or rhs.is_nan():
            reason = f"NaN at {prec} bits"
        else:
            verdict = _decide(relation, lhs, rhs)
            if verdict is not None:
                digits = 20
                while True:  # print enough digits that disjoint enclosures print disjoint
                    left, right = _enclosure(lhs, prec, digits), _enclosure(rhs, prec, digits)
                    if verdict != "fails" or digits > prec // 3 + 10 or not _printed_overlap(relation, left, right):
                        break
                    digits *= 2
                return Comparison(verdict, point_text, left, right, "arb",  # type: ignore[arg-type]
                                  f"lhs {relation} rhs {verdict} by the enclosures at {prec} bits")
            reason = f"the enclosures overlap at {prec} bits"
        if prec >= max_prec:
            return Comparison("undecided", point_text, None, None, "arb", f"undecided: {reason}")
        prec = min(2 * prec, max_prec)


def _printed_overlap(relation: str, left: Enclosure, right: Enclosure) -> bool:
    """Whether the printed enclosures fail to show the violation of ``relation``."""
    def value(text: str) -> Fraction | float:
        return float(text) if "inf" in text else Fraction(text)

    if relation == "=":
        return value(left.low) <= value(right.high) and value(right.low) <= value(left.high)
    if relation == "<":
        return value(left.low) < value(right.high)
    return value(left.low) <= value(right.high)


def rational(x: Any) -> sp.Rational:
    """A float, int, numpy float, mpf or exact ``arb`` as the SymPy rational it equals
    (all of them are binary fractions)."""
    if isinstance(x, arb):
        if not x.is_exact():
            raise ValueError(f"an arb ball of positive radius is not an exact number: {x}")
        man, exp = x.man_exp()
        return sp.Integer(int(man)) * sp.Integer(2) ** int(exp)
    if isinstance(x, mpmath.mpf):
        if not mpmath.isfinite(x):
            raise ValueError(f"{x} is not a finite number")
        man, exp = x.man_exp
        return sp.Integer(int(man)) * sp.Integer(2) ** int(exp)
    if isinstance(x, sp.Rational):
        return x
    fraction = Fraction(x)
    return sp.Rational(fraction.numerator, fraction.denominator)
