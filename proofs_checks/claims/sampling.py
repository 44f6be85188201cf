"""Shared pieces of the claims' property and numeric layers: drawn inputs, the
float64 library compared with the definitions, and the symbolic model checked
against the definitions.

A property layer runs the float64 library on inputs drawn by Hypothesis and
compares each value with its definition (``proofs_checks.claims.definitions``)
evaluated on ``arb`` balls at the same inputs. The inputs are floats, hence
exact binary fractions, so the reference is a rigorous enclosure of the exact
value; its precision is raised until the enclosure decides the comparison.
Tolerances are in units in the last place of the exact value (``ulp``): a
tiny value is judged relative to itself, never against an absolute floor.

Main definitions
- ``problem_inputs(min_size, max_size)``: a strategy for ``(base, valid)``, a
  probability vector and a validity mask with ``0 < alpha <= MAX_ALPHA`` in
  float64 (the mask negated otherwise, as ``theory.strategies.problems`` does).
- ``problems_with_policy(max_size)``: ``(base, valid, q)`` with a full-support
  policy ``q`` on the same outputs.
- ``alphas_and_extremes()``, ``betas_and_extremes()``: the Hypothesis ``alphas()`` and
  ``betas()`` or one of ``EXTREME_ALPHAS`` (``5e-324``, ``2^-1022``, ``1e-300``, ``1/2``,
  ``1 - 2^-52``) and ``EXTREME_BETAS`` (``1e-6``, ``1``, ``1e6``, ``inf``), the edges of the
  library's domain, which random draws would rarely hit.
- ``instance_point(base, validity, **scalars)``: the exact coordinates of an instance.
- ``kl_terms(q, p)``: the size of the terms the KL of masses combines.
- ``arbs(values)``: floats (or arrays) as exact ``arb`` balls; ``ints(mask)``: a mask as 0/1;
  ``exact_mpf(x)``: the midpoint of a ball as an mpf; ``temperature(t)``: ``1/t``, ``inf`` at 0.
- ``ulp(x)``: ``2^(max(e, -1021) - 53)`` for the smallest ``|x| = m 2^e`` in the
  ball ``x`` (``1/2 <= m < 1``), ``2^-1074`` when the ball reaches 0: the float64
  spacing at the exact value.
- ``accurate(value, definition, ulps, what, terms)``: assert that the float64
  ``value`` (a number or a vector) is within ``ulps ulp(max(|Y|, terms))`` of the
  exact ``Y = definition()`` (entrywise for vectors), where ``terms`` is the
  size of the terms the library combined (0 when it combines none that cancel,
  so that the value is judged relative to itself).
- ``within(definition, target, allowed, what)``: assert ``|Y - T| <= A`` with the three
  sides evaluated on balls, the precision raised until they decide it.
- ``enclosure(definition)``: the ball of ``definition()`` once it is narrower
  than ``2^-60`` relative (or below ``2^-1100`` absolute).
- ``closed_form_symbolic_cases(ctx)``: numeric cases comparing the SymPy closed
  forms of ``theory.symbolic``, evaluated at the context's instances, with the definitions.
- ``generic_facts_cases(ctx)``: the defining sums of ``theory.symbolic.GenericOutcomes``
  evaluated at instances.
- ``outcome_model_cases(ctx)``: numeric cases comparing ``theory.symbolic.OutcomeModel``
  (base, ``p_*``, ``p_beta``, policies, ``E_q[v]``, ``J_beta``) and the symbolic KL and
  entropy, evaluated at instances, with the definitions.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import mpmath
import numpy as np
import sympy as sp
from flint import arb, ctx
from hypothesis import strategies as st

from proofs_checks.claims import definitions as d
from proofs_checks.numeric import Case, NumericContext
from theory import symbolic
from theory.strategies import MAX_ALPHA, alphas, betas, probability_vectors, validity_masks

__all__ = ["problem_inputs", "problems_with_policy", "alphas_and_extremes", "betas_and_extremes", "arbs", "ints", "exact_mpf", "temperature", "kl_terms", "instance_point", "ulp", "accurate", "within", "enclosure",
           "closed_form_symbolic_cases", "generic_facts_cases", "outcome_model_cases", "START_PREC", "MAX_PREC"]

EXTREME_ALPHAS = (5e-324, 2.0**-1022, 1e-300, 0.5, MAX_ALPHA)
EXTREME_BETAS = (1e-6, 1.0, 1e6, math.inf)
START_PREC = 96
MAX_PREC = 2**15
"""Bits of the reference enclosures: from ``START_PREC``, doubled up to ``MAX_PREC``."""


def problem_inputs(min_size: int = 2, max_size: int = 64) -> st.SearchStrategy:
    """``(base, valid)``: a probability vector and a validity mask with ``0 < alpha`` and
    ``alpha`` at most ``MAX_ALPHA`` in float64 (the mask negated when it would exceed it)."""

    def mask_for(base: np.ndarray) -> st.SearchStrategy:
        def fit(valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            alpha = math.fsum(base[valid]) / math.fsum(base)
            return base, (valid if alpha <= MAX_ALPHA else ~valid)

        return validity_masks(base.size).map(fit)

    return probability_vectors(min_size=min_size, max_size=max_size).flatmap(mask_for)


def alphas_and_extremes() -> st.SearchStrategy[float]:
    """``EXTREME_ALPHAS`` (subnormal ``alpha`` included) or ``theory.strategies.alphas()``."""
    return st.sampled_from(EXTREME_ALPHAS) | alphas()


def betas_and_extremes() -> st.SearchStrategy[float]:
    """``EXTREME_BETAS`` (``beta = inf``, the no-reward limit, included) or ``theory.strategies.betas()``."""
    return st.sampled_from(EXTREME_BETAS) | betas()


def problems_with_policy(max_size: int = 64) -> st.SearchStrategy:
    """``(base, valid, q)``: a problem's inputs and a full-support policy on the same outputs."""
    return problem_inputs(max_size=max_size).flatmap(
        lambda drawn: st.tuples(st.just(drawn[0]), st.just(drawn[1]),
                                probability_vectors(min_size=drawn[0].size, max_size=drawn[0].size)))


def arbs(values: Any) -> Any:
    """A float as an exact ``arb``; a vector of floats as a list of them."""
    if np.ndim(values) == 0:
        return d.exact(float(values), "arb")
    return [d.exact(float(x), "arb") for x in np.asarray(values, dtype=float)]


def ulp(x: arb) -> float:
    """The float64 spacing at the smallest ``|x|`` in the ball (see the module header)."""
    low = x.abs_lower()
    if low.is_zero() or not low.is_finite():
        return math.ldexp(1.0, -1074) if low.is_zero() else math.inf
    man, exp = low.mid().man_exp()
    exponent = int(man).bit_length() + int(exp)  # low in [2^(exponent-1), 2^exponent)
    return math.ldexp(1.0, max(exponent, -1021) - 53)


def _balls(definition: Callable[[], Any]) -> list[arb]:
    value = definition()
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _decide(value: float, exact: arb, ulps: float, terms: float) -> bool | None:
    """True / False when the ball decides ``|value - Y| <= ulps ulp(max(|Y|, terms))``."""
    if not exact.is_finite():
        if exact.is_nan():
            return None
        return bool(math.isinf(value) and (exact > 0) == (value > 0))
    if not math.isfinite(value):
        return False
    allowed = ulps * max(ulp(exact), ulp(arb(terms)) if terms else 0.0)
    error = arb(value) - exact
    if error.abs_upper() <= allowed:
        return True
    if error.abs_lower() > allowed:
        return False
    return None


def accurate(value: Any, definition: Callable[[], Any], ulps: float, what: str, terms: Any = 0.0) -> None:
    """Assert ``|value - Y| <= ulps ulp(max(|Y|, terms))`` for the exact ``Y = definition()``
    (a ball, or a list of balls for a vector ``value``, with ``terms`` a number or one per
    entry), raising the precision of the reference until every entry is decided."""
    values = [float(x) for x in np.ravel(np.asarray(value, dtype=float))]
    sizes = [float(t) for t in np.broadcast_to(np.asarray(terms, dtype=float), (len(values),))]
    prec = START_PREC
    while True:
        with ctx.workprec(prec):
            exact = _balls(definition)
        verdicts = [_decide(x, y, ulps, t) for x, y, t in zip(values, exact, sizes, strict=True)]
        for index, (verdict, x, y) in enumerate(zip(verdicts, values, exact)):
            if verdict is False:
                where = f" (entry {index})" if len(values) > 1 else ""
                raise AssertionError(f"{what}{where}: the library gives {x!r}, the definition {y.mid().str(17)} "
                                     f"(more than {ulps:g} ulp apart)")
        if all(verdicts):
            return
        if prec >= MAX_PREC:
            raise AssertionError(f"{what}: the definition is not resolved at {MAX_PREC} bits")
        prec *= 2


def within(definition: Callable[[], arb], target: Callable[[], arb], allowed: Callable[[], arb], what: str) -> None:
    """Assert ``|Y - T| <= A`` for ``Y = definition()``, ``T = target()``, ``A = allowed()`` (all
    evaluated at the same precision), raising the precision until the balls decide it."""
    prec = START_PREC
    while True:
        with ctx.workprec(prec):
            value, goal, bound = definition(), target(), allowed()
            distance = abs(value - goal)
        if distance <= bound:
            return
        if distance > bound:
            raise AssertionError(f"{what}: the definition gives {value.mid().str(17)}, {goal.mid().str(17)} expected "
                                 f"within {bound.mid().str(3)}")
        if prec >= MAX_PREC:
            raise AssertionError(f"{what}: the definition is not resolved at {MAX_PREC} bits")
        prec *= 2


def enclosure(definition: Callable[[], arb]) -> arb:
    """The ball of ``definition()``, once narrower than ``2^-60`` relative or ``2^-1100`` absolute."""
    prec = START_PREC
    while True:
        with ctx.workprec(prec):
            ball = definition()
        if ball.is_finite() and (ball.rad() <= ball.abs_lower() * arb(2) ** -60 or ball.rad() <= arb(2) ** -1100):
            return ball
        if prec >= MAX_PREC:
            raise AssertionError(f"a definition is not resolved at {MAX_PREC} bits: {ball}")
        prec *= 2


def kl_terms(q: np.ndarray, p: np.ndarray) -> float:
    """The size of the terms that ``KL(q || p)`` of masses combines: ``sum_{q > 0} q |log(q/p)|``
    and the masses' difference ``|sum q - sum p|`` (summed exactly)."""
    charged = (q > 0) & (p > 0)
    return float(np.sum(q[charged] * np.abs(np.log(q[charged] / p[charged])))) + abs(
        math.fsum(np.concatenate([q, -p])))


def instance_point(base: Sequence[Any], validity: Sequence[int], **scalars: Any) -> dict[str, Any]:
    """The exact coordinates of a problem instance, for a certificate: ``a[y]``, ``v[y]`` and the scalars."""
    point: dict[str, Any] = {name: value for name, value in scalars.items()}
    for index, (mass, valid) in enumerate(zip(base, validity, strict=True), 1):
        point[f"a[{index}]"], point[f"v[{index}]"] = mass, int(valid)
    return point


def exact_mpf(x: arb) -> mpmath.mpf:
    """The midpoint of a ball as an mpf, exactly (with as many bits as it needs)."""
    man, exp = x.mid().man_exp()
    with mpmath.workprec(max(int(man).bit_length(), 1) + 10):
        return mpmath.ldexp(mpmath.mpf(int(man)), int(exp))


def temperature(t: Any) -> Any:
    """``beta = 1/t``, with ``t = 0`` giving ``beta = inf`` (no tilt)."""
    return mpmath.inf if t == 0 else 1 / t


def ints(mask: Sequence[bool]) -> list[int]:
    """A boolean validity mask as the 0/1 list the definitions take."""
    return [int(bool(x)) for x in mask]


def close(lhs: float, rhs: float, scale: float, what: str, rtol: float = 1e-11) -> None:
    """Assert ``|lhs - rhs| <= rtol * scale`` (``scale``: the size of the terms that were combined)."""
    assert abs(lhs - rhs) <= rtol * scale, f"{what}: {lhs!r} != {rhs!r} (scale {scale:.3g})"


def _evaluator(expressions: Sequence[sp.Expr], symbols: Sequence[sp.Symbol]) -> Callable[..., list[Any]]:
    """The SymPy ``expressions`` as one mpmath function of ``symbols`` (at the working precision)."""
    function = sp.lambdify(list(symbols), list(expressions), modules="mpmath")
    return lambda *values: list(function(*values))


def outcome_model_cases(ctx: NumericContext) -> Iterator[Case]:
    """``theory.symbolic.OutcomeModel`` (the block-form model of the derivations) and the
    symbolic ``kl_divergence`` and ``entropy``, evaluated at instances (weights drawn, the
    extreme ``alpha`` and ``beta`` of the context) against the definitions on the same
    base, validity and policy."""
    pairs = list(zip(ctx.alphas()[:4], ctx.betas()))
    for (n_valid, n_invalid), (a, b) in zip(((1, 1), (2, 1), (1, 2), (3, 2), (2, 3), (1, 3)), pairs + pairs[:2]):
        model = symbolic.OutcomeModel(n_valid, n_invalid)
        s, t = ctx.distribution(n_valid), ctx.distribution(n_invalid)
        r, u, m = ctx.distribution(n_valid), ctx.distribution(n_invalid), ctx.uniform()
        weights = {}
        for prefix, drawn in (("s", s), ("t", t), ("r", r), ("u", u)):
            weights.update({sp.Symbol(f"{prefix}_{k + 1}", positive=True): w for k, w in enumerate(drawn[:-1])})
        symbols = [symbolic.alpha, symbolic.beta, model.policy_mass, *weights]
        values = [a, b, m, *weights.values()]
        base = [a * x for x in s] + [(1 - a) * x for x in t]
        policy = [m * x for x in r] + [(1 - m) * x for x in u]
        validity = [1] * n_valid + [0] * n_invalid
        label = f"OutcomeModel({n_valid}, {n_invalid}), alpha={ctx.short(a)}, beta={ctx.short(b)}"
        span = ctx.span(a, b)

        def evaluate(*expressions: sp.Expr) -> list[Any]:
            function = _evaluator(expressions, symbols)
            return ctx.resolve(lambda: function(*values), span)

        yield ctx.equal_vectors(f"symbolic a ({label})", evaluate(*model.base), base)
        yield ctx.equal_vectors(f"symbolic p_* ({label})", evaluate(*model.filtered), d.condition(base, validity, 1))
        yield ctx.equal_vectors(f"symbolic p_beta ({label})", evaluate(*model.tilted()),
                                ctx.resolve(lambda: d.tilt(base, validity, b), span))
        yield ctx.equal_vectors(f"symbolic q ({label})", evaluate(*model.policy), policy)
        yield ctx.equal_vectors(f"symbolic valid q ({label})", evaluate(*model.valid_policy),
                                d.condition(policy, validity, 1))
        reward, objective, valid_objective, divergence, entropy = evaluate(
            model.expected_reward(model.policy), model.objective(model.policy), model.objective(model.valid_policy),
            symbolic.kl_divergence(model.policy, model.base), symbolic.entropy(model.filtered))
        yield ctx.equal(f"symbolic E_q[v] ({label})", reward, d.expectation(policy, validity))
        yield ctx.equal(f"symbolic J_beta(q) ({label})", objective,
                        ctx.resolve(lambda: d.objective(policy, base, validity, b), span))
        yield ctx.equal(f"symbolic J_beta(q(.|Y1)) ({label})", valid_objective,
                        ctx.resolve(lambda: d.objective(d.condition(policy, validity, 1), base, validity, b), span))
        yield ctx.equal(f"symbolic KL(q||a) ({label})", divergence, ctx.resolve(lambda: d.kl(policy, base), span))
        yield ctx.equal(f"symbolic H(p_*) ({label})", entropy, d.entropy(d.condition(base, validity, 1)))
        shape = model.n == n_valid + n_invalid and tuple(model.validity) == tuple(validity)
        yield (ctx.holds if shape else ctx.fails)(f"symbolic n and validity ({label})")


def closed_form_symbolic_cases(ctx: NumericContext) -> Iterator[Case]:
    """The SymPy closed forms of ``theory.symbolic`` (``partition``, ``validity_rate``,
    ``invalidity_rate``, ``log_partition``, ``optimal_value``, ``forward_kl_to_filtered``,
    ``beta_for_validity``, ``kl_budget``, ``binary_kl``, ``sigmoid``, ``logit``), evaluated
    at the context's ``(alpha, beta)`` pairs, against the definitions on the two-outcome
    problem ``a = (alpha, 1 - alpha)``, ``v = (1, 0)``."""
    a_, b_, m_ = symbolic.alpha, symbolic.beta, symbolic.mu
    forms = _evaluator([symbolic.partition(a_, b_), symbolic.validity_rate(a_, b_), symbolic.invalidity_rate(a_, b_),
                        symbolic.log_partition(a_, b_), symbolic.optimal_value(a_, b_),
                        symbolic.forward_kl_to_filtered(a_, b_), symbolic.sigmoid(1 / b_), symbolic.logit(a_)],
                       [a_, b_])
    inverse = _evaluator([symbolic.beta_for_validity(a_, m_), symbolic.kl_budget(a_, m_), symbolic.binary_kl(m_, a_)],
                         [a_, m_])
    for a, b in ctx.alpha_beta_pairs()[::3]:
        span = 2 * ctx.span(a, b)
        label = f"alpha={ctx.short(a)}, beta={ctx.short(b)}"
        partition, mu, rest, log_z, optimum, forward, sigma, logit = ctx.resolve(lambda: forms(a, b), span)
        base, validity = [a, 1 - a], [1, 0]
        tilted = ctx.resolve(lambda: d.tilt(base, validity, b), span)
        yield ctx.equal(f"symbolic Z_beta ({label})", partition, ctx.resolve(lambda: mpmath.exp(d.log_partition(base, validity, b)), span))
        yield ctx.equal(f"symbolic mu_beta ({label})", mu, tilted[0])
        yield ctx.equal(f"symbolic 1 - mu_beta ({label})", rest, tilted[1])
        yield ctx.equal(f"symbolic log Z_beta ({label})", log_z, ctx.resolve(lambda: d.log_partition(base, validity, b), span))
        yield ctx.equal(f"symbolic J*_beta ({label})", optimum,
                        ctx.resolve(lambda: d.objective(d.tilt(base, validity, b), base, validity, b), span))
        yield ctx.equal(f"symbolic -log mu_beta ({label})", forward,
                        ctx.resolve(lambda: d.kl([a, 0 * a], d.tilt(base, validity, b)), span))
        yield ctx.equal(f"symbolic sigma(1/beta) ({label})", sigma, ctx.resolve(lambda: d.tilt([1, 1], validity, b)[0], span))
        yield ctx.equal(f"symbolic logit: sigma(logit alpha) = alpha ({label})",
                        ctx.resolve(lambda: d.tilt([1, 1], validity, temperature(logit))[0], span), a)
        m = a + (1 - a) * ctx.uniform()
        inverse_beta, budget, kl = ctx.resolve(lambda: inverse(a, m), span)
        yield ctx.equal(f"symbolic beta(mu): p_beta(Y1) = mu at beta(mu) ({label}, mu={ctx.short(m)})",
                        ctx.resolve(lambda: d.validity(a, inverse_beta), span), m)
        yield ctx.equal(f"symbolic kl(mu||alpha) ({label}, mu={ctx.short(m)})", budget, ctx.resolve(lambda: d.binary_kl(m, a), span))
        yield ctx.equal(f"symbolic binary kl ({label}, mu={ctx.short(m)})", kl, ctx.resolve(lambda: d.binary_kl(m, a), span))


def generic_facts_cases(ctx: NumericContext) -> Iterator[Case]:
    """The defining sums of ``theory.symbolic.GenericOutcomes`` (``sum a = sum q = 1``,
    ``sum a v = alpha``, ``sum q v = m``, the facts every generic derivation rests on),
    expanded at instances of size ``n`` and evaluated on them, against the definitions."""
    generic = symbolic.GenericOutcomes()
    for _, base, validity in itertools.islice(ctx.problems(), 6):
        n, q = len(base), ctx.distribution(len(base))
        a = d.normalized(base)
        names = {}
        for indexed, values in ((generic.a, a), (generic.q, q), (generic.v, validity)):
            for k, value in enumerate(values, 1):
                names[indexed[k]] = (sp.Dummy(), value)
        names[symbolic.alpha] = (sp.Dummy(), d.expectation(base, validity))
        names[generic.m] = (sp.Dummy(), d.expectation(q, validity))
        symbols = [dummy for dummy, _ in names.values()]
        values = [value for _, value in names.values()]
        for lhs, rhs in generic.facts.items():
            sides = [sp.sympify(side).subs(generic.n, n).doit().xreplace({k: v[0] for k, v in names.items()})
                     for side in (lhs, rhs)]
            left, right = _evaluator(sides, symbols)(*values)
            yield ctx.equal(f"symbolic fact {lhs} = {rhs} (n={n})", left, right, scale=1)
