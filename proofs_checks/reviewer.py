"""Identity claims written by a reviewer, without touching the package.

A reviewer's Python file calls ``identity_claim`` once per identity; the
command ``proofcheck run --extra FILE.py`` loads it and runs all three layers:

- symbolic: SymPy tries to reduce ``lhs - rhs`` to 0 (``proved`` if it does;
  if not, a point of the domain where the two sides differ refutes it, and
  otherwise the claim is at most ``verified``);
- numeric: both sides in mpmath at ``dps`` digits at 24+ points of the domain,
  including points near its boundary;
- property: Hypothesis draws points of the domain (both sides evaluated at 40
  digits, so float rounding cannot fake a difference).

Main definitions
- ``identity_claim(id, title, lhs, rhs, domain, expected="holds")``: ``lhs`` and
  ``rhs`` are SymPy-parsable strings over ``alpha``, ``beta``, ``mu`` (and the
  functions ``logit``, ``sigmoid``, ``kl`` = binary KL, ``exp``, ``log``, ...);
  ``domain`` maps each symbol used to ``(low, high)`` bounds, strings that may
  refer to earlier symbols, ``"oo"`` for an infinite upper bound.
"""

from __future__ import annotations

from collections.abc import Mapping

import mpmath
import sympy as sp
from hypothesis import strategies as st
from sympy.parsing.sympy_parser import parse_expr

from proofs_checks.claim import Claim, RegistryError, register
from proofs_checks.derivation import Derivation, Equal, domain_point, sample_point
from proofs_checks.numeric import NumericContext
from theory.symbolic import alpha, beta, binary_kl, logit, mu, sigmoid

__all__ = ["identity_claim", "parse"]

_NAMES = {"alpha": alpha, "beta": beta, "mu": mu, "logit": logit, "sigmoid": sigmoid, "kl": binary_kl}
_BOUNDARY_FRACTIONS = ("1e-6", "0.5", "0.999999")
_PROPERTY_DPS = 40


def parse(text: str, what: str) -> sp.Expr:
    """Parse a reviewer's expression; only the known names may appear as symbols."""
    try:
        expr = parse_expr(text, local_dict=dict(_NAMES))
    except (SyntaxError, TypeError, ValueError, sp.SympifyError) as error:
        raise RegistryError(f"{what}: cannot parse {text!r}: {error}") from error
    unknown = sorted(str(s) for s in expr.free_symbols if s not in (alpha, beta, mu))
    if unknown:
        raise RegistryError(f"{what}: unknown symbol(s) {', '.join(unknown)} in {text!r}; "
                            "use alpha, beta, mu (functions: logit, sigmoid, kl, exp, log, ...)")
    return sp.sympify(expr)


def _parse_domain(domain: Mapping[str, tuple[str, str]], used: set[sp.Symbol]) -> dict[sp.Symbol, tuple[sp.Expr, sp.Expr]]:
    parsed: dict[sp.Symbol, tuple[sp.Expr, sp.Expr]] = {}
    for name, bounds in domain.items():
        if name not in ("alpha", "beta", "mu"):
            raise RegistryError(f"domain: unknown symbol {name!r}; use alpha, beta or mu")
        if not (isinstance(bounds, (tuple, list)) and len(bounds) == 2):
            raise RegistryError(f"domain[{name!r}] must be a pair (low, high); got {bounds!r}")
        low, high = (parse(str(b), f"domain[{name!r}]") for b in bounds)
        later = (low.free_symbols | high.free_symbols) - set(parsed)
        if later:
            raise RegistryError(f"domain[{name!r}]: bounds may only use earlier symbols; "
                                f"{', '.join(sorted(map(str, later)))} is not defined before {name}")
        if low == -sp.oo or low == sp.oo:
            raise RegistryError(f"domain[{name!r}]: the lower bound must be finite; got {bounds[0]!r}")
        parsed[_NAMES[name]] = (low, high)
    missing = sorted(str(s) for s in used - set(parsed))
    if missing:
        raise RegistryError(f"domain: no bounds for {', '.join(missing)}, used in the identity")
    return parsed


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
    bounds = _parse_domain(domain, left.free_symbols | right.free_symbols)
    symbols = list(bounds)
    statement = f"${sp.latex(left)} = {sp.latex(right)}$ for " + ", ".join(
        f"${sp.latex(s)} \\in ({sp.latex(low)}, {sp.latex(high)})$" for s, (low, high) in bounds.items())
    claim = register(id, title=title, source="extension", statement=statement, expected=expected)  # type: ignore[arg-type]
    claim.requires_proof = False
    both = sp.lambdify(symbols, (left, right), modules="mpmath")

    @claim.symbolic
    def _derivation() -> Derivation:
        return Derivation(scope=f"symbolic {', '.join(map(str, symbols))} on the stated domain",
                          steps=(Equal(left, right, "SymPy simplification of lhs - rhs"),), domain=bounds)

    @claim.numeric
    def _numeric(ctx: NumericContext):
        points = [domain_point(bounds, [mpmath.mpf(f)] * len(symbols)) for f in _BOUNDARY_FRACTIONS]
        points += [sample_point(bounds, symbols, ctx.rng) for _ in range(max(ctx.random_cases, 24))]
        for point in points:
            lhs_value, rhs_value = both(*(point[s] for s in symbols))
            label = ", ".join(f"{s}={mpmath.nstr(point[s], 12)}" for s in symbols)
            yield ctx.equal(f"lhs = rhs at {label}", lhs_value, rhs_value)

    fractions = st.lists(st.floats(0.001, 0.999), min_size=len(symbols), max_size=len(symbols))

    @claim.property(fractions)
    def _property(drawn: list[float]) -> None:
        with mpmath.workdps(_PROPERTY_DPS):
            point = domain_point(bounds, drawn)
            lhs_value, rhs_value = both(*(point[s] for s in symbols))
            scale = max(abs(lhs_value), abs(rhs_value), mpmath.mpf(1))
            label = ", ".join(f"{s}={mpmath.nstr(point[s], 17)}" for s in symbols)
            assert abs(lhs_value - rhs_value) <= mpmath.mpf(10) ** (10 - _PROPERTY_DPS) * scale, (
                f"lhs = {mpmath.nstr(lhs_value, 12)} but rhs = {mpmath.nstr(rhs_value, 12)} at {label}")

    return claim
