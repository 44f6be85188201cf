"""GRPO's KL-regularized iteration and the adaptive KL controller, with a binary reward.

The setting of Mroueh (2025), "Reinforcement Learning with Verifiable Rewards:
GRPO's Effective Loss, Dynamics, and Success Amplification": iteration ``n``
maximizes ``E_pi[A] - beta KL(pi || pi_ref)`` over policies, where the
group-normalized advantage of the previous policy, with success probability
``p = p_{n-1}`` and ``s = sqrt(p (1 - p) + eps)``, is ``w+ = (1 - p)/s`` on valid
outputs and ``-w- = -p/s`` on invalid ones. Its optimum is the KL-control optimum
at the effective temperature ``beta s``, so the success probability follows
``p_n = sigma(logit p_ref + 1/(beta s(p_{n-1})))``; in logit coordinates
``x_n = H(x_{n-1})`` (``theory.grpo``). The adaptive KL controller of PPO-style
trainers multiplies its coefficient by ``1 + clip(KL/target - 1, -0.2, 0.2) n/H``.
The ``grpo-dynamics`` experiment (``proofs_checks.experiments.grpo``) runs both by
exact enumeration on toy sequence models, as the experiment layer of the four
claims that hold.

Main statements
- ``grpo-conditional-invariance``: ``pi_n(. | Y1) = pi_ref(. | Y1)`` and
  ``pi_n(. | Y0) = pi_ref(. | Y0)`` for every iterate.
- ``grpo-success-recursion``: ``pi_n`` is the unique maximizer, ``pi_n = p_{beta s}``, and
  ``p_n = sigma(1/(beta s(p_{n-1})) + logit p_ref) = mu_{beta s(p_{n-1})}``.
- ``grpo-map-bounds``: ``H(x) > logit p_ref``; ``beta^2 eps < (H(x) - logit p_ref)^{-2} <= beta^2 (1/4 + eps)``;
  ``H'(x) = v tanh(x/2)/(2 beta (v + eps)^{3/2})``; ``phi(v) = v sqrt(1 - 4v)/(v + eps)^{3/2}``
  is at most ``phi_max = 2/(sqrt(27 eps)(1 + 4 eps))``.
- ``grpo-fixed-point``: fixed points exist, lie above ``logit p_ref`` and in ``[x_lo, x_hi)``;
  there are at most three; when ``beta sqrt(27 eps)(1 + 4 eps) > 1`` (or the second
  criterion of ``theory.grpo.guaranteed_rate`` holds) there is one and every start converges.
- ``kl-controller-fixed-point``: ``beta -> kl(mu_beta || alpha)`` maps ``(0, inf)`` one to one onto
  ``(0, -log alpha)``; the multiplier exceeds 1 exactly when the KL exceeds the target and
  lies in ``[1 - c, 1 + c]``, ``c = 0.2 n/H``; so the controller's only fixed point is the
  ``beta*`` with ``kl(mu_beta* || alpha) = target`` and reaching it takes at least
  ``|log(beta*/beta_0)|/log(1 + c)`` updates.
- Negative controls (false): ``nc-grpo-sharpens`` (the iteration sharpens ``pi_n(. | Y1)``),
  ``nc-grpo-fixed-point-unique`` (one fixed point for every ``beta``, ``eps``, ``p_ref``),
  ``nc-grpo-iteration-converges`` (the iterates from ``pi_ref`` always converge).
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import mpmath
import numpy as np
import sympy as sp
from flint import arb
from hypothesis import strategies as st

from proofs_checks.assumptions import Assumption
from proofs_checks.certified import Comparison, compare, exact_text
from proofs_checks.claim import register
from proofs_checks.claims import definitions as d
from proofs_checks.claims.notation import (
    A, BINARY, DOMAIN, MG, MU, R, S, TILT, V, definitions, kl, total,
)
from proofs_checks.claims.sampling import (
    accurate, alphas_and_extremes, arbs, instance_point, ints, problem_inputs, within,
)
from proofs_checks.numeric import NumericContext, certify, rational
from proofs_checks.proof import (
    Apply, ConvexMinimum, Derivation, Equal, Informal, Limit, Part, Sign,
)
from proofs_checks.standard_results import bijection
from theory import grpo, kl_control, symbolic
from theory.problem import BinaryRewardProblem
from theory.symbolic import OutcomeModel, alpha, beta

EPS = float(np.finfo(float).eps)

# --- notation ---------------------------------------------------------------------------------

P_PREV = sp.Symbol("p_{n-1}", positive=True)
SPREAD = sp.Symbol("s", positive=True)
"""The group normalization ``s = sqrt(p_{n-1}(1 - p_{n-1}) + eps)``; the identities of one step hold for any ``s > 0``."""
Z_N = sp.Symbol("Z_n", positive=True)
P_N = sp.Symbol("p_n", positive=True)
W_PLUS, W_MINUS = (1 - P_PREV) / SPREAD, P_PREV / SPREAD
ADVANTAGE = W_PLUS * V - W_MINUS * (1 - V)
GRPO_TILTED = A * sp.exp(ADVANTAGE / beta) / Z_N
GRPO_OBJECTIVE = W_PLUS * MG - W_MINUS * (1 - MG) - beta * kl(S, R, A)
"""``L(q) = E_q[A] - beta KL(q || pi_ref) = w+ q(Y1) - w- q(Y0) - beta KL(q || pi_ref)`` for ``q = s r``."""


def step_definitions() -> dict[sp.Symbol, sp.Expr]:
    """``Z_n = alpha e^{w+/beta} + (1 - alpha) e^{-w-/beta}`` and ``p_n = alpha e^{w+/beta} / Z_n``."""
    return {Z_N: alpha * sp.exp(W_PLUS / beta) + (1 - alpha) * sp.exp(-W_MINUS / beta),
            P_N: alpha * sp.exp(W_PLUS / beta) / Z_N}


_STEP = Assumption(
    "grpo-step",
    r"One GRPO step: the previous success probability satisfies $0 < p_{n-1} < 1$ and the group normalization is"
    r" $s = \sqrt{p_{n-1}(1 - p_{n-1}) + \varepsilon} > 0$ ($\varepsilon > 0$); the identities of the step hold for"
    r" every $s > 0$.",
    (sp.Gt(P_PREV, 0, evaluate=False), sp.Lt(P_PREV, 1, evaluate=False), sp.Gt(SPREAD, 0, evaluate=False)),
    (P_PREV, SPREAD))
STEP_ASSUMPTIONS = (*TILT, "grpo-step")
STEP_DOMAIN = {**DOMAIN, P_PREV: (0, 1), SPREAD: (0, 10)}

X = sp.Symbol("x", real=True)
"""The logit of the previous success probability."""
X_POS = sp.Symbol("x", positive=True)
EPSILON = sp.Symbol("varepsilon", positive=True)
U = sp.Symbol("u", positive=True)
VARIANCE = sp.Symbol("v", positive=True)
QUARTER = sp.Rational(1, 4)


def variance_of(x: sp.Expr) -> sp.Expr:
    """``v(x) = sigma(x) sigma(-x) = e^x/(1 + e^x)^2``."""
    return sp.exp(x) / (1 + sp.exp(x)) ** 2


def logit_map(x: sp.Expr) -> sp.Expr:
    """``H(x) = logit alpha + 1/(beta sqrt(v(x) + eps))``."""
    return symbolic.logit(alpha) + 1 / (beta * sp.sqrt(variance_of(x) + EPSILON))


H_X = logit_map(X)
SLOPE = variance_of(X) * (sp.exp(X) - 1) / ((sp.exp(X) + 1) * 2 * beta * (variance_of(X) + EPSILON) ** sp.Rational(3, 2))
"""``H'(x) = v tanh(x/2) / (2 beta (v + eps)^{3/2})`` with ``tanh(x/2) = (e^x - 1)/(e^x + 1)``."""
RIGHT_SLOPE = SLOPE.subs(X, X_POS)
V_OF_U = sp.exp(-U) / 4
LOG_PHI = sp.log(V_OF_U) + sp.log(1 - 4 * V_OF_U) / 2 - sp.Rational(3, 2) * sp.log(V_OF_U + EPSILON)
"""``log phi(v)`` at ``v = e^{-u}/4`` (``u > 0`` covers ``0 < v < 1/4``)."""
U_CRITICAL = sp.log((1 + 12 * EPSILON) / (8 * EPSILON))
"""``v_c = e^{-u_c}/4 = 2 eps/(1 + 12 eps)``."""
LOG_PHI_MAX = sp.log(2 / (sp.sqrt(27 * EPSILON) * (1 + 4 * EPSILON)))
LOG_PHI_V = sp.log(VARIANCE) + sp.log(1 - 4 * VARIANCE) / 2 - sp.Rational(3, 2) * sp.log(VARIANCE + EPSILON)
_EPSILON = Assumption("variance-floor", r"The variance floor is positive: $\varepsilon > 0$.",
                      (sp.Gt(EPSILON, 0, evaluate=False),), (EPSILON,))
_VARIANCE = Assumption("variance-range", r"$v = p(1 - p)$ for some $p \in (0, 1) \setminus \{1/2\}$: $0 < v < 1/4$.",
                       (sp.Gt(VARIANCE, 0, evaluate=False), sp.Lt(VARIANCE, QUARTER, evaluate=False)), (VARIANCE,))
MAP_DOMAIN = {alpha: (0, 1), beta: (0, sp.oo), X: (-60, 60), X_POS: (0, 60), U: (0, 60),
              EPSILON: (0, 10), VARIANCE: (0, QUARTER)}

ONE_VALID_TWO = OutcomeModel(2, 1)
"""Two valid outcomes and one invalid: the smallest instance that can refute a statement about ``pi_n(. | Y1)``."""

# --- helpers of the numeric and property layers -------------------------------------------------


def advantages(validity: list[int], p: Any, eps: Any) -> list[Any]:
    """``A(y) = (1 - p)/s`` on valid and ``-p/s`` on invalid outputs, ``s = sqrt(p(1 - p) + eps)``,
    in the arithmetic of ``p`` (mpmath, arb or SymPy)."""
    spread = (p * (1 - p) + eps).sqrt() if isinstance(p, arb) else (
        sp.sqrt(p * (1 - p) + eps) if isinstance(p, sp.Basic) else mpmath.sqrt(p * (1 - p) + eps))
    return [(1 - p) / spread if v else -p / spread for v in validity]


def grpo_step_definition(base: list[Any], validity: list[int], p: Any, beta_value: Any, eps: Any) -> list[Any]:
    """``pi_n``: the base tilted by ``e^{A/beta}`` and normalized, from the definition of ``A``."""
    return d.tilt(base, advantages(validity, p, eps), beta_value)


def grpo_objective_definition(q: list[Any], base: list[Any], validity: list[int], p: Any, beta_value: Any,
                              eps: Any) -> Any:
    """``L(q) = E_q[A] - beta KL(q || pi_ref)`` from the definitions."""
    return d.expectation(q, advantages(validity, p, eps)) - beta_value * d.kl(q, base)


def success_definition(alpha_value: Any, p: Any, beta_value: Any, eps: Any) -> Any:
    """``p_n = pi_n(Y1)`` of the two-outcome problem ``(alpha, 1 - alpha)``."""
    return grpo_step_definition([alpha_value, 1 - alpha_value], [1, 0], p, beta_value, eps)[0]


def sigmoid_of(x: Any) -> tuple[Any, Any]:
    """``(sigma(x), sigma(-x))`` in the arithmetic of ``x``."""
    if isinstance(x, arb):
        return 1 / (1 + (-x).exp()), 1 / (1 + x.exp())
    return 1 / (1 + mpmath.exp(-x)), 1 / (1 + mpmath.exp(x))


def logit_map_definition(alpha_value: Any, x: Any, beta_value: Any, eps: Any) -> Any:
    """``H(x) = logit pi_n(Y1)`` at ``p_{n-1} = sigma(x)``, from the definitions (naive sums)."""
    p, _ = sigmoid_of(x)
    tilted = grpo_step_definition([alpha_value, 1 - alpha_value], [1, 0], p, beta_value, eps)
    return (tilted[0] / tilted[1]).log() if isinstance(x, arb) else mpmath.log(tilted[0] / tilted[1])


def _map_span(alpha_value: Any, beta_value: Any, eps: Any, x: Any = 0) -> int:
    """Digits the definitions of ``H`` lose: ``sigma(x)`` near 1, ``e^{A/beta}`` and the tiny class."""
    exponent = 1 / (beta_value * mpmath.sqrt(eps)) + abs(x) + abs(mpmath.log(alpha_value)) + abs(mpmath.log1p(-alpha_value))
    return int(mpmath.ceil(exponent / mpmath.ln(10))) + 10


def _gap_sign(alpha_value: arb, beta_value: arb, eps: arb, x: arb) -> int | None:
    """The sign of ``G(x) = x - H(x)`` from the definitions on balls, or None when the ball straddles 0."""
    gap = x - logit_map_definition(alpha_value, x, beta_value, eps)
    if gap > 0:
        return 1
    if gap < 0:
        return -1
    return None


def certified_sign_changes(alpha_value: Any, beta_value: Any, eps: Any, points: list[Any]) -> int | None:
    """How many times ``G = x - H(x)`` certainly changes sign along ``points`` (each a float or mpf,
    increasing), from the definitions on balls (the precision raised up to ``2^15`` bits): a lower
    bound on the number of fixed points (intermediate values). None if a sign stays undecided."""
    from flint import ctx

    prec = 96
    while prec <= 2**15:
        with ctx.workprec(prec):
            signs = [_gap_sign(d.exact(alpha_value, "arb"), d.exact(beta_value, "arb"), d.exact(eps, "arb"),
                               d.exact(x, "arb")) for x in points]
        if all(sign is not None for sign in signs):
            return sum(1 for a, b in zip(signs, signs[1:]) if a != b)
        prec *= 2
    return None


def _bracketing_points(roots: list[Any], x_lo: Any, x_hi: Any) -> list[float]:
    """Points separating the roots (midpoints) and the two ends of ``[x_lo, x_hi]``, as floats."""
    separators = [float((a + b) / 2) for a, b in zip(roots, roots[1:])]
    return [float(x_lo) - 1.0, *separators, float(x_hi) + 1.0]


# --- grpo-conditional-invariance ----------------------------------------------------------------

INVARIANCE = register(
    "grpo-conditional-invariance",
    title="GRPO's iteration keeps the conditional on valid outputs",
    source="extension",
    statement=(
        r"For every iterate $n \ge 1$ of the KL-regularized GRPO iteration, whatever the previous success"
        r" probability $p_{n-1}$ and normalization $s > 0$: $\pi_n = \pi_{\mathrm{ref}} e^{A/\beta}/Z_n$ with"
        r" $A = w_+ = (1 - p_{n-1})/s$ on $\mathcal{Y}_1$ and $A = -w_- = -p_{n-1}/s$ on $\mathcal{Y}_0$ gives"
        r" $\pi_n(\cdot\mid\mathcal{Y}_1) = \pi_{\mathrm{ref}}(\cdot\mid\mathcal{Y}_1)$ and"
        r" $\pi_n(\cdot\mid\mathcal{Y}_0) = \pi_{\mathrm{ref}}(\cdot\mid\mathcal{Y}_0)$: the referee's invariance holds"
        r" for GRPO, and no iterate sharpens the policy inside $\mathcal{Y}_1$."
    ),
    parts=(
        Part("success", r"$\pi_n(\mathcal{Y}_1) = p_n = \alpha e^{w_+/\beta}/Z_n$ with $\alpha = p_{\mathrm{ref}}$.",
             sp.Eq(total(GRPO_TILTED * V), P_N)),
        Part("valid-conditional", r"$\pi_n(y\mid\mathcal{Y}_1) = \pi_n(y) v(y)/p_n = \pi_{\mathrm{ref}}(y\mid\mathcal{Y}_1)$.",
             sp.Eq(GRPO_TILTED * V / P_N, A * V / alpha)),
        Part("invalid-conditional", r"$\pi_n(y\mid\mathcal{Y}_0) = \pi_{\mathrm{ref}}(y\mid\mathcal{Y}_0)$.",
             sp.Eq(GRPO_TILTED * (1 - V) / (1 - P_N), A * (1 - V) / (1 - alpha))),
    ),
)


INVARIANCE.experiment(("grpo-dynamics",), select=lambda check: ": conditional " in check.label)


@INVARIANCE.symbolic
def _invariance_derivation() -> Derivation:
    return Derivation(
        scope="every finite problem (generic outcome $y$, symbolic sums over $n$ outcomes), every previous success"
              " probability $p_{n-1}$ and normalization $s > 0$, hence every iterate $n \\ge 1$",
        definitions=step_definitions(),
        hypotheses=(_STEP,),
        steps=(
            Equal(total(GRPO_TILTED * V), P_N,
                  r"$v e^{A/\beta} = v e^{w_+/\beta}$ for $v \in \{0, 1\}$ and $\sum_y \pi_{\mathrm{ref}} v = \alpha$",
                  assumes=("binary-reward", "finite-outputs", *STEP_ASSUMPTIONS)),
            Equal(GRPO_TILTED * V / P_N, A * V / alpha,
                  r"on $\mathcal{Y}_1$ the tilt $e^{w_+/\beta}$ is the same for every output and cancels in"
                  r" $\pi_n(y)/p_n$; both sides vanish on $\mathcal{Y}_0$", assumes=("binary-reward", *STEP_ASSUMPTIONS),
                  cases=BINARY),
            Equal(GRPO_TILTED * (1 - V) / (1 - P_N), A * (1 - V) / (1 - alpha),
                  r"on $\mathcal{Y}_0$ the tilt is the constant $e^{-w_-/\beta}$, and"
                  r" $1 - p_n = (1 - \alpha)e^{-w_-/\beta}/Z_n$", assumes=("binary-reward", *STEP_ASSUMPTIONS),
                  cases=BINARY),
        ),
        domain=STEP_DOMAIN,
    )


def _random_step(ctx: NumericContext) -> tuple[mpmath.mpf, mpmath.mpf, mpmath.mpf]:
    """``(p_{n-1}, beta, eps)``: a previous success probability in either tail, a variance floor and a
    coefficient with ``1/(beta sqrt(eps)) <= 300`` (so the definitions lose at most ~150 digits)."""
    p = ctx.log_uniform("1e-30", "0.5") if ctx.rng.random() < 0.5 else 1 - ctx.log_uniform("1e-30", "0.5")
    eps = ctx.log_uniform("1e-8", "10")
    b = ctx.log_uniform(1 / (300 * mpmath.sqrt(eps)), "1e4")
    return p, b, eps


@INVARIANCE.numeric
def _invariance_numeric(ctx: NumericContext):
    for problem, base, validity in ctx.problems():
        p, b, eps = _random_step(ctx)
        a = d.expectation(base, validity)
        span = _map_span(a, b, eps)
        label = f"n={len(base)}, alpha={ctx.short(a)}, p={ctx.short(p)}, beta={ctx.short(b)}, eps={ctx.short(eps)}"
        step = ctx.resolve(lambda: grpo_step_definition(base, validity, p, b, eps), span)
        log_step = [mpmath.log(x) for x in step]
        yield ctx.equal_vectors(f"library log pi_n = log(pi_ref e^(A/beta)/Z_n) ({label})",
                                grpo.next_policy_mp(problem, b, p, eps), log_step,
                                [abs(x) + 1 / (b * mpmath.sqrt(eps)) for x in log_step])
        yield ctx.equal_vectors(f"pi_n(.|Y1) = pi_ref(.|Y1) ({label})", d.condition(step, validity, 1),
                                d.condition(base, validity, 1))
        yield ctx.equal_vectors(f"pi_n(.|Y0) = pi_ref(.|Y0) ({label})", d.condition(step, validity, 0),
                                d.condition(base, validity, 0))
        # three iterations from pi_ref: the conditional on Y1 never moves
        policy, previous = list(base), a
        for _ in range(3):
            policy = ctx.resolve(lambda: grpo_step_definition(base, validity, previous, b, eps), span)
            previous = d.expectation(policy, validity)
        yield ctx.equal(f"H(pi_3(.|Y1)) = H(pi_ref(.|Y1)) after three iterations ({label})",
                        d.entropy(d.condition(policy, validity, 1)), d.entropy(d.condition(base, validity, 1)), 1)


def _unit_floats(low: float, high: float) -> st.SearchStrategy[float]:
    """Log-uniform-ish floats in ``[low, high]``: an exponent and a mantissa."""
    return st.floats(math.log10(low), math.log10(high)).map(lambda e: 10.0**e)


def _steps(max_exponent: float = 300.0) -> st.SearchStrategy:
    """``(p, beta, eps)`` with ``p`` in ``[0, 1]``, ``eps`` in ``[1e-12, 1e3]`` and
    ``1/(beta sqrt(eps)) <= max_exponent``."""
    return st.tuples(st.floats(0, 1), _unit_floats(1e-12, 1e3)).flatmap(
        lambda pe: st.tuples(st.just(pe[0]), _unit_floats(1 / (max_exponent * math.sqrt(pe[1])), 1e6), st.just(pe[1])))


@INVARIANCE.property(problem_inputs(max_size=16), _steps())
def _invariance_property(drawn: tuple[np.ndarray, np.ndarray], step: tuple[float, float, float]) -> None:
    """The float64 log pi_n against the definition log(pi_ref e^{A/beta} / Z_n) on balls, within
    16 ulps of |log pi_n| + 1/(beta s) (the exponent the step adds); its conditional on Y1 against
    log pi_ref(. | Y1), within the same."""
    base, valid = drawn
    p, b, eps = step
    problem, v = BinaryRewardProblem(base, valid), ints(valid)
    log_step = grpo.next_policy(problem, b, p, eps)
    exponent = 1 / (b * math.sqrt(p * (1 - p) + eps))
    terms = 1 + np.abs(log_step) + exponent
    accurate(log_step, lambda: [x.log() for x in grpo_step_definition(arbs(base), v, arbs(p), arbs(b), arbs(eps))],
             16, "log pi_n", terms=terms)
    conditional = log_step[valid] - np.logaddexp.reduce(log_step[valid])
    accurate(conditional, lambda: [x.log() for x, keep in zip(d.condition(arbs(base), v, 1), v) if keep], 16,
             "log pi_n(.|Y1)", terms=terms[valid] + np.abs(conditional))


# --- grpo-success-recursion ---------------------------------------------------------------------

RECURSION = register(
    "grpo-success-recursion",
    title="GRPO's step is KL-control at the effective temperature beta s",
    source="extension",
    statement=(
        r"For every policy $q$: $L(q) = \mathbb{E}_q[A] - \beta\,\mathrm{KL}(q\,\|\,\pi_{\mathrm{ref}}) = \beta\log Z_n -"
        r" \beta\,\mathrm{KL}(q\,\|\,\pi_n)$, so $\pi_n$ is the unique maximizer; $\pi_n = \pi_{\mathrm{ref}}"
        r" e^{v/(\beta s)}/(1 - \alpha + \alpha e^{1/(\beta s)})$ is the KL-control optimum at the effective"
        r" temperature $\beta s$, and $p_n = \sigma\big(1/(\beta s) + \operatorname{logit} p_{\mathrm{ref}}\big) ="
        r" \mu_{\beta s}$ with $s = \sqrt{p_{n-1}(1 - p_{n-1}) + \varepsilon}$."
    ),
    uses=("gibbs-identity", "beta-mu"),
    qualification=(
        r"The source states $p_n = h_{\varepsilon, p_{\mathrm{ref}}}(p_{n-1})$ with $h(p) = 1/(1 +"
        r" \frac{1-p_{\mathrm{ref}}}{p_{\mathrm{ref}}} e^{-1/(\beta\sqrt{p(1-p)+\varepsilon})})$, the same map as"
        r" derived here; the derivation adds that the step is KL-control at temperature $\beta s$, so every closed"
        r" form of beta-mu applies at $\beta s$."
    ),
    parts=(
        Part("identity", r"$L(q) = \beta\log Z_n - \beta\,\mathrm{KL}(q\,\|\,\pi_n)$ for every policy $q$.",
             sp.Eq(GRPO_OBJECTIVE, beta * sp.log(Z_N) - beta * kl(S, R, GRPO_TILTED))),
        Part("maximum", r"$L(q)/\beta \le \log Z_n$ for every policy $q$: $L(q) \le \beta\log Z_n$ ($\beta > 0$).",
             sp.GreaterThan(sp.log(Z_N), GRPO_OBJECTIVE / beta)),
        Part("unique", r"$L(q) = \beta\log Z_n$ only if $q = \pi_n$.",
             sp.Implies(sp.Eq(kl(S, R, GRPO_TILTED), 0), sp.Eq(S * R, GRPO_TILTED))),
        Part("effective-temperature", r"$\pi_n = \pi_{\mathrm{ref}} e^{v/(\beta s)}/(1 - \alpha + \alpha e^{1/(\beta s)})"
             r" = p_{\beta s}$.",
             sp.Eq(GRPO_TILTED, A * sp.exp(V / (beta * SPREAD)) / symbolic.partition(alpha, beta * SPREAD))),
        Part("recursion", r"$p_n = \sigma(1/(\beta s) + \operatorname{logit} p_{\mathrm{ref}})$.",
             sp.Eq(P_N, symbolic.sigmoid(1 / (beta * SPREAD) + symbolic.logit(alpha)))),
        Part("mu", r"$p_n = \mu_{\beta s}$: the validity rate of KL-control at temperature $\beta s$.",
             sp.Eq(P_N, symbolic.validity_rate(alpha, beta * SPREAD))),
    ),
)


RECURSION.experiment(("grpo-dynamics",), select=lambda check: ": recursion " in check.label)


@RECURSION.symbolic
def _recursion_derivation() -> Derivation:
    return Derivation(
        scope="every finite problem (generic outcome $y$, symbolic sums over $n$ outcomes), every policy $q$ (zeros"
              " allowed), every previous success probability $p_{n-1}$ and normalization $s > 0$",
        definitions=step_definitions(),
        hypotheses=(_STEP,),
        steps=(
            Equal(total(A * sp.exp(ADVANTAGE / beta)), Z_N,
                  r"$e^{A/\beta} = e^{w_+/\beta}$ on $\mathcal{Y}_1$ and $e^{-w_-/\beta}$ on $\mathcal{Y}_0$;"
                  r" $\sum_y \pi_{\mathrm{ref}} v = \alpha$",
                  assumes=("binary-reward", "base-positive", "valid-mass-interior", "finite-outputs")),
            Equal(GRPO_OBJECTIVE, beta * sp.log(Z_N) - beta * kl(S, R, GRPO_TILTED),
                  r"$\log\frac{q}{\pi_n} = \log\frac{q}{\pi_{\mathrm{ref}}} - \frac{A}{\beta} + \log Z_n$ on the support"
                  r" of $q$; average under $q$, with $\mathbb{E}_q[A] = w_+ q(\mathcal{Y}_1) - w_- q(\mathcal{Y}_0)$, and"
                  r" multiply by $\beta$",
                  assumes=("policy", "binary-reward", *STEP_ASSUMPTIONS)),
            Apply("gibbs-inequality", {"support": S, "values": R, "p": GRPO_TILTED},
                  r"$\pi_n > 0$ sums to 1 (step 1), so Gibbs' inequality applies to $q$ and $\pi_n$:"
                  r" $\mathrm{KL}(q\,\|\,\pi_n) \ge 0$, with equality only at $q = \pi_n$; with step 2,"
                  r" $\log Z_n - L(q)/\beta = \mathrm{KL}(q\,\|\,\pi_n) \ge 0$",
                  assumes=("policy", "step 1", *STEP_ASSUMPTIONS)),
            Equal(GRPO_TILTED, A * sp.exp(V / (beta * SPREAD)) / symbolic.partition(alpha, beta * SPREAD),
                  r"$A = (v - p_{n-1})/s$, so $e^{A/\beta} = e^{-p_{n-1}/(\beta s)} e^{v/(\beta s)}$; the constant"
                  r" factor cancels against $Z_n = e^{-p_{n-1}/(\beta s)}(1 - \alpha + \alpha e^{1/(\beta s)})$",
                  assumes=STEP_ASSUMPTIONS),
            Equal(P_N, symbolic.sigmoid(1 / (beta * SPREAD) + symbolic.logit(alpha)),
                  r"$p_n = \frac{\alpha e^{w_+/\beta}}{\alpha e^{w_+/\beta} + (1 - \alpha)e^{-w_-/\beta}}$ and"
                  r" $w_+ + w_- = 1/s$", assumes=STEP_ASSUMPTIONS),
            Equal(P_N, symbolic.validity_rate(alpha, beta * SPREAD),
                  r"beta-mu's $\mu_\beta = \alpha e^{1/\beta}/Z_\beta$ at $\beta s$", assumes=STEP_ASSUMPTIONS),
        ),
        domain=STEP_DOMAIN,
    )


@RECURSION.numeric
def _recursion_numeric(ctx: NumericContext):
    for problem, base, validity in ctx.problems():
        p, b, eps = _random_step(ctx)
        a = d.expectation(base, validity)
        span = _map_span(a, b, eps)
        spread = mpmath.sqrt(p * (1 - p) + eps)
        label = f"n={len(base)}, alpha={ctx.short(a)}, p={ctx.short(p)}, beta={ctx.short(b)}, eps={ctx.short(eps)}"
        step = ctx.resolve(lambda: grpo_step_definition(base, validity, p, b, eps), span)
        success = ctx.resolve(lambda: d.expectation(grpo_step_definition(base, validity, p, b, eps), validity), span)
        yield ctx.equal(f"library p_n = sigma(logit alpha + 1/(beta s)) = pi_n(Y1) ({label})",
                        lambda: grpo.success_map_mp(a, b, p, eps), success)
        yield ctx.equal(f"library H(logit p) = logit pi_n(Y1) ({label})",
                        lambda: grpo.logit_map_mp(a, b, mpmath.log(p) - mpmath.log1p(-p), eps),
                        ctx.resolve(lambda: mpmath.log(d.expectation(grpo_step_definition(base, validity, p, b, eps),
                                                                      validity))
                                    - mpmath.log(1 - d.expectation(grpo_step_definition(base, validity, p, b, eps),
                                                                   validity)), span),
                        1 / (b * spread) + abs(mpmath.log(a)))
        yield ctx.equal_vectors(f"pi_n = p_(beta s), the KL-control optimum at beta s ({label})", step,
                                ctx.resolve(lambda: d.tilt(base, validity, b * spread), span))
        optimum = ctx.resolve(lambda: grpo_objective_definition(step, base, validity, p, b, eps), span)
        scale = abs(optimum) + b * ctx.resolve(lambda: d.kl(step, base), span) + 1 / spread
        yield ctx.equal(f"L(pi_n) = beta log Z_n ({label})", optimum,
                        ctx.resolve(lambda: b * mpmath.log(d.expectation(base, [mpmath.exp(x / b) for x in
                                                                                advantages(validity, p, eps)])), span),
                        scale)
        q = ctx.distribution(len(base))
        yield ctx.at_most(f"L(q) <= L(pi_n) for a random q ({label})",
                          ctx.resolve(lambda: grpo_objective_definition(q, base, validity, p, b, eps), span), optimum,
                          scale)


@RECURSION.property(alphas_and_extremes(), _steps())
def _recursion_property(a: float, step: tuple[float, float, float]) -> None:
    """The float64 p_n, 1 - p_n and H against the definition pi_n(Y1) of the two-outcome problem on
    balls. Rounding beta s moves the exponent 1/(beta s) by 4 ulps of it, which moves p_n by p_n (1 - p_n)
    times that: allowed 4 eps (p_n + p_n (1 - p_n)/(beta s)), plus 4 times the smallest subnormal for an
    underflowing result; 1 - p_n alike; H within 8 ulps of |log alpha| + |log(1 - alpha)| + 1/(beta s)."""
    p, b, eps = step
    effective = float(grpo.effective_temperature(b, p, eps))

    def exact_success() -> arb:
        return success_definition(arbs(a), arbs(p), arbs(b), arbs(eps))

    def allowed(value: arb) -> arb:
        return 4 * arb(EPS) * (value + exact_success() * (1 - exact_success()) / arbs(effective)) + 4 * arb(5e-324)

    within(lambda: arb(float(grpo.success_map(a, b, p, eps))), exact_success, lambda: allowed(exact_success()), "p_n")
    within(lambda: arb(float(grpo.failure_map(a, b, p, eps))), lambda: 1 - exact_success(),
           lambda: allowed(1 - exact_success()), "1 - p_n")
    if 0 < p < 1:
        x = math.log(p) - math.log1p(-p)
        accurate(grpo.logit_map(a, b, x, eps), lambda: logit_map_definition(arbs(a), arbs(x), arbs(b), arbs(eps)), 8,
                 "H(x)", terms=abs(math.log(a)) + abs(math.log1p(-a)) + 1 / effective + abs(x))
    weights = grpo.advantage_weights(p, eps)
    accurate(list(weights), lambda: [abs(w) for w in advantages([1, 0], arbs(p), arbs(eps))], 4, "(w+, w-)")


# --- grpo-map-bounds ----------------------------------------------------------------------------

BOUNDS = register(
    "grpo-map-bounds",
    title="Where GRPO's success map sends every iterate, and how steep it is",
    source="extension",
    statement=(
        r"In logit coordinates $x = \operatorname{logit} p_{n-1}$, $H(x) = \operatorname{logit} p_{\mathrm{ref}} +"
        r" 1/(\beta\sqrt{v(x) + \varepsilon})$ with $v(x) = \sigma(x)\sigma(-x)$: $H(x) > \operatorname{logit}"
        r" p_{\mathrm{ref}}$ (every iterate and every fixed point is above $p_{\mathrm{ref}}$);"
        r" $\beta^2\varepsilon < (H(x) - \operatorname{logit} p_{\mathrm{ref}})^{-2} \le \beta^2(1/4 + \varepsilon)$, i.e."
        r" $H(x) \in [x_{\mathrm{lo}}, x_{\mathrm{hi}})$ with $x_{\mathrm{lo}} = \operatorname{logit} p_{\mathrm{ref}} +"
        r" 1/(\beta\sqrt{1/4+\varepsilon})$, $x_{\mathrm{hi}} = \operatorname{logit} p_{\mathrm{ref}} +"
        r" 1/(\beta\sqrt{\varepsilon})$; $H'(x) = v\tanh(x/2)/(2\beta(v + \varepsilon)^{3/2})$, so $|H'(x)| ="
        r" \phi(v(x))/(2\beta)$ with $\phi(v) = v\sqrt{1 - 4v}/(v + \varepsilon)^{3/2}$, and $\phi(v) \le \phi_{\max} ="
        r" 2/(\sqrt{27\varepsilon}(1 + 4\varepsilon))$, attained at $v_c = 2\varepsilon/(1 + 12\varepsilon)$."
    ),
    uses=("grpo-success-recursion",),
    parts=(
        Part("amplification", r"$H(x) > \operatorname{logit} p_{\mathrm{ref}}$ for every $x$.",
             sp.StrictGreaterThan(H_X, symbolic.logit(alpha))),
        Part("location", r"$\beta^2\varepsilon < (H(x) - \operatorname{logit} p_{\mathrm{ref}})^{-2} \le"
             r" \beta^2(1/4 + \varepsilon)$ for every $x$.",
             sp.And(sp.StrictGreaterThan((H_X - symbolic.logit(alpha)) ** -2, beta**2 * EPSILON),
                    sp.LessThan((H_X - symbolic.logit(alpha)) ** -2, beta**2 * (QUARTER + EPSILON)))),
        Part("slope", r"$H'(x) = v(x)\tanh(x/2)/(2\beta(v(x) + \varepsilon)^{3/2})$.",
             sp.Eq(sp.Derivative(H_X, X), SLOPE)),
        Part("phi-bound", r"$\log\phi(v) \le \log\phi(v_c)$ for every $v = e^{-u}/4 \in (0, 1/4)$.",
             sp.GreaterThan(-LOG_PHI, -LOG_PHI.subs(U, U_CRITICAL))),
        Part("phi-max", r"$\log\phi(v_c) = \log\phi_{\max}$: the largest value of $\phi$.",
             sp.Eq(LOG_PHI.subs(U, U_CRITICAL), LOG_PHI_MAX)),
    ),
)


@BOUNDS.symbolic
def _bounds_derivation() -> Derivation:
    return Derivation(
        scope="symbolic $p_{\\mathrm{ref}}$, $\\beta$, $\\varepsilon$ and logit $x$ (every previous success probability)",
        hypotheses=(_EPSILON,),
        steps=(
            Sign(H_X - symbolic.logit(alpha), "positive", r"$H(x) - \operatorname{logit} p_{\mathrm{ref}} ="
                 r" 1/(\beta\sqrt{v + \varepsilon}) > 0$", assumes=("temperature-positive", "variance-floor")),
            Sign((H_X - symbolic.logit(alpha)) ** -2 - beta**2 * EPSILON, "positive",
                 r"$(H - \operatorname{logit} p_{\mathrm{ref}})^{-2} = \beta^2(v + \varepsilon)$ and $v > 0$",
                 assumes=("temperature-positive", "variance-floor")),
            Sign(beta**2 * (QUARTER + EPSILON) - (H_X - symbolic.logit(alpha)) ** -2, "nonnegative",
                 r"$1/4 - v(x) = (e^x - 1)^2/(4(e^x + 1)^2) \ge 0$", assumes=("temperature-positive", "variance-floor")),
            Equal(sp.Derivative(H_X, X), SLOPE,
                  r"$\frac{d}{dx}(v + \varepsilon)^{-1/2} = -\frac{1}{2}(v + \varepsilon)^{-3/2} v'(x)$ with"
                  r" $v'(x) = -v\tanh(x/2)$", assumes=("temperature-positive", "variance-floor")),
            ConvexMinimum(-LOG_PHI, U, U_CRITICAL,
                          r"$-\log\phi(e^{-u}/4)$ has second derivative $\frac{t}{2(1 - t)^2} +"
                          r" \frac{6\varepsilon t}{(t + 4\varepsilon)^2} > 0$ ($t = e^{-u}$) and slope 0 at"
                          r" $e^{-u_c}/4 = v_c$", assumes=("variance-floor",)),
            Equal(LOG_PHI.subs(U, U_CRITICAL), LOG_PHI_MAX,
                  r"at $v_c$: $1 - 4v_c = \frac{1 + 4\varepsilon}{1 + 12\varepsilon}$ and $v_c + \varepsilon ="
                  r" \frac{3\varepsilon(1 + 4\varepsilon)}{1 + 12\varepsilon}$", assumes=("variance-floor",)),
        ),
        domain=MAP_DOMAIN,
    )


def _map_instances(ctx: NumericContext) -> list[tuple[mpmath.mpf, mpmath.mpf, mpmath.mpf, mpmath.mpf]]:
    """``(alpha, beta, eps, x)``: fixed corners (``alpha`` down to ``1e-300``, ``beta = 0.04``, ``eps = 1e-4``, ``x``
    around ``x_c`` and far out) and random ones with ``1/(beta sqrt(eps)) <= 3000``."""
    corners = [(mpmath.mpf(a), mpmath.mpf(b), mpmath.mpf(e), mpmath.mpf(x))
               for a, b, e, x in (("0.2", "0.04", "1e-4", "0"), ("0.2", "0.04", "1e-4", "2500"), ("1e-300", "0.04", "1e-4", "-700"),
                                  ("0.5", "1", "1e-4", "9.2"), ("1e-300", "100", "1e-8", "3"), ("0.999", "5", "1", "-3"))]
    instances = list(corners)
    for a in ctx.alphas()[: ctx.random_cases]:
        eps = ctx.log_uniform("1e-8", "10")
        b = ctx.log_uniform(1 / (3000 * mpmath.sqrt(eps)), "1e3")
        instances.append((a, b, eps, ctx.uniform(-40, 40)))
    return instances


@BOUNDS.numeric
def _bounds_numeric(ctx: NumericContext):
    for a, b, eps, x in _map_instances(ctx):
        label = f"alpha={ctx.short(a)}, beta={ctx.short(b)}, eps={ctx.short(eps)}, x={ctx.short(x)}"
        span = _map_span(a, b, eps, x)
        value = ctx.resolve(lambda: logit_map_definition(a, x, b, eps), span)
        scale = 1 / (b * mpmath.sqrt(eps)) + abs(mpmath.log(a)) + abs(mpmath.log1p(-a))
        yield ctx.equal(f"library H(x) = logit pi_n(Y1) ({label})", lambda: grpo.logit_map_mp(a, b, x, eps), value, scale)
        x_lo, x_hi = grpo.location_mp(a, b, eps)
        yield ctx.at_most(f"x_lo <= H(x) ({label})", x_lo, value, scale)
        yield ctx.at_most(f"H(x) <= x_hi ({label})", value, x_hi)
        yield ctx.equal(f"library x_lo = H(0) ({label})", x_lo, ctx.resolve(lambda: logit_map_definition(a, 0, b, eps),
                                                                            _map_span(a, b, eps)), scale)
        slope = ctx.resolve(lambda: ctx.derivative(lambda t: logit_map_definition(a, t, b, eps), x), span)
        yield ctx.equal(f"library H'(x) = d/dx of the definition ({label})", lambda: grpo.map_slope_mp(b, x, eps), slope)
        bound = 1 / (b * mpmath.sqrt(27 * eps) * (1 + 4 * eps))
        yield ctx.at_most(f"|H'(x)| <= 1/(beta sqrt(27 eps)(1 + 4 eps)) ({label})", abs(slope), bound)
        v_c = 2 * eps / (1 + 12 * eps)
        phi = lambda v: v * mpmath.sqrt(1 - 4 * v) / (v + eps) ** mpmath.mpf(1.5)  # noqa: E731 - the statement's phi
        yield ctx.equal(f"phi(v_c) = 2/(sqrt(27 eps)(1 + 4 eps)) ({label})", phi(v_c), 2 * b * bound)
        yield ctx.at_most(f"phi(v) <= phi(v_c) at a random v ({label})", phi(ctx.uniform(0, "0.25")), phi(v_c))


def _map_draws() -> st.SearchStrategy:
    """``(alpha, beta, eps, x)`` with ``1/(beta sqrt(eps)) <= 1e4``."""
    return st.tuples(alphas_and_extremes(), _unit_floats(1e-12, 1e3), st.floats(-800, 800)).flatmap(
        lambda t: st.tuples(st.just(t[0]), _unit_floats(1e-4 / math.sqrt(t[1]), 1e6), st.just(t[1]), st.just(t[2])))


@BOUNDS.property(_map_draws())
def _bounds_property(drawn: tuple[float, float, float, float]) -> None:
    """The float64 H, H', x_lo, x_hi and k against their definitions on balls: H within 8 ulps of
    |log alpha| + |log(1 - alpha)| + 1/(beta s) + |x|, H' within 16 ulps of its value (beyond |x| = 700, of
    |H'| (|x| + 1.5 |log eps| + 2), its log form), x_lo and x_hi within 8 ulps of their terms; |H'(x)| <= k
    decided on balls."""
    a, b, eps, x = drawn
    exponent = 1 / (b * math.sqrt(eps))
    terms = abs(math.log(a)) + abs(math.log1p(-a)) + exponent + abs(x)
    accurate(grpo.logit_map(a, b, x, eps), lambda: logit_map_definition(arbs(a), arbs(x), arbs(b), arbs(eps)), 8, "H(x)",
             terms=terms)

    def exact_slope() -> arb:
        p, q = sigmoid_of(arbs(x))
        v = p * q
        return v * (p - q) / (2 * arbs(b) * (v + arbs(eps)) ** arb(1.5))

    slope = grpo.map_slope(b, x, eps)
    far = abs(slope) * (abs(x) + 1.5 * abs(math.log(eps)) + 2) if abs(x) >= 700 else 0.0  # its log form
    accurate(slope, exact_slope, 16, "H'(x)", terms=far)
    def exact_location() -> list[arb]:
        log_odds = arbs(a).log() - (1 - arbs(a)).log()
        return [log_odds + 1 / (arbs(b) * (arb(0.25) + arbs(eps)).sqrt()), log_odds + 1 / (arbs(b) * arbs(eps).sqrt())]

    accurate(list(grpo.location(a, b, eps)), exact_location, 8, "(x_lo, x_hi)",
             terms=abs(math.log(a)) + abs(math.log1p(-a)) + exponent)
    bound = grpo.contraction_bound(b, eps)
    accurate(bound, lambda: 1 / (arbs(b) * (27 * arbs(eps)).sqrt() * (1 + 4 * arbs(eps))), 8, "k")
    within(lambda: abs(exact_slope()), lambda: arb(0), lambda: 1 / (arbs(b) * (27 * arbs(eps)).sqrt() * (1 + 4 * arbs(eps))),
           "|H'(x)| <= k")


# --- grpo-fixed-point ---------------------------------------------------------------------------

X_STAR = sp.Symbol("x^*", real=True)
ITERATE = sp.Symbol("x_n", real=True)
START = sp.Symbol("x_0", real=True)
N_STEPS = sp.Symbol("n", integer=True, nonnegative=True)
RATE = sp.Symbol("k", positive=True)
FIXED_COUNT = sp.Symbol(r"N_{\mathrm{fix}}", integer=True, nonnegative=True)
"""The number of fixed points of ``H``."""

FIXED_POINT = register(
    "grpo-fixed-point",
    title="GRPO's success iteration: fixed points, their number, and when the iteration converges",
    source="extension",
    statement=(
        r"For every $\beta > 0$, $\varepsilon > 0$ and $p_{\mathrm{ref}} \in (0, 1)$, $H$ has a fixed point $x^*$, and"
        r" every fixed point satisfies $x^* \in [x_{\mathrm{lo}}, x_{\mathrm{hi}})$, so $p^* = \sigma(x^*) > p_{\mathrm{ref}}$."
        r" $H$ decreases for $x < 0$ and increases for $x > 0$; $G(x) = x - H(x)$ has $G' \ge 1$ for $x \le 0$ and,"
        r" for $x > 0$, $G' < 0$ exactly where $\phi(v(x)) > 2\beta$, an interval ($\phi$ is unimodal in $v$): $H$ has one,"
        r" two or three fixed points, three exactly when $\operatorname{logit} p_{\mathrm{ref}}$ lies strictly between the"
        r" values of $\ell(x) = x - 1/(\beta\sqrt{v(x) + \varepsilon})$ at the two ends of that interval. If $k ="
        r" 1/(\beta\sqrt{27\varepsilon}(1 + 4\varepsilon)) < 1$, $H$ is a contraction: one fixed point, and"
        r" $|x_n - x^*| \le k^n|x_0 - x^*|$ from every start. If $x_{\mathrm{lo}} \ge x_c = \operatorname{arccosh}"
        r" \frac{1 + 8\varepsilon}{4\varepsilon}$ and $r = \phi(v(x_{\mathrm{lo}}))/(2\beta) < 1$ (e.g. $\beta = 0.04$,"
        r" $\varepsilon = 10^{-4}$, $p_{\mathrm{ref}} \ge 10^{-14}$), there is one fixed point and $|x_n - x^*| \le"
        r" r^{n-1}|x_1 - x^*|$. A fixed point with $|H'(x^*)| < 1$ attracts nearby starts, one with $|H'(x^*)| > 1$"
        r" repels them."
    ),
    uses=("grpo-map-bounds", "grpo-success-recursion"),
    qualification=(
        r"The source states that the iteration converges (locally) to a fixed point $p^* > p_{\mathrm{ref}}$. Derived"
        r" here: $p^* > p_{\mathrm{ref}}$ holds for every fixed point and every iterate $n \ge 1$ (grpo-map-bounds);"
        r" existence, the count and the convergence criteria rest on informal steps (intermediate values, Banach's"
        r" fixed-point theorem), checked numerically and by exact enumeration; the fixed point is not unique in"
        r" general (three at $\beta = 1$, $\varepsilon = 10^{-4}$, $p_{\mathrm{ref}} = 0.2$: nc-grpo-fixed-point-unique) and"
        r" the iterates from $\pi_{\mathrm{ref}}$ need not converge (a 2-cycle at $p_{\mathrm{ref}} = 10^{-3}$, $\beta = 3$,"
        r" $\varepsilon = 10^{-6}$: nc-grpo-iteration-converges)."
    ),
    parts=(
        Part("monotone", r"$H'(x) > 0$ for $x > 0$; as $v$ is even and $\tanh(x/2)$ odd, $H'(-x) = -H'(x) < 0$: $H$"
             r" decreases for $x < 0$ and increases for $x > 0$.", sp.StrictGreaterThan(RIGHT_SLOPE, 0)),
        Part("unimodal", r"$\frac{d}{dv}\log\phi(v) = \frac{2\varepsilon - (1 + 12\varepsilon)v}{2v(1 - 4v)(v + \varepsilon)}$:"
             r" $\phi$ increases below $v_c$ and decreases above.",
             sp.Eq(sp.Derivative(LOG_PHI_V, VARIANCE),
                   (2 * EPSILON - (1 + 12 * EPSILON) * VARIANCE) / (2 * VARIANCE * (1 - 4 * VARIANCE) * (VARIANCE + EPSILON)))),
        Part("existence", r"$H$ has at least one fixed point $x^* = H(x^*)$, in $[x_{\mathrm{lo}}, x_{\mathrm{hi}})$.",
             sp.GreaterThan(FIXED_COUNT, 1)),
        Part("at-most-three", r"$H$ has at most three fixed points.", sp.LessThan(FIXED_COUNT, 3)),
        Part("contraction", r"If $k < 1$: $|x_n - x^*| \le k^n |x_0 - x^*|$ from every start.",
             sp.LessThan(sp.Abs(ITERATE - X_STAR), RATE**N_STEPS * sp.Abs(START - X_STAR))),
    ),
)


FIXED_POINT.experiment(("grpo-dynamics",), select=lambda check: ": fixed point " in check.label)


@FIXED_POINT.symbolic
def _fixed_point_derivation() -> Derivation:
    return Derivation(
        scope="symbolic $p_{\\mathrm{ref}}$, $\\beta$, $\\varepsilon$; the existence, the count and the convergence"
              " criteria by informal steps",
        hypotheses=(_EPSILON, _VARIANCE),
        steps=(
            Sign(sp.exp(X_POS) - 1, "positive", r"$e^x > 1$ for $x > 0$", assumes=()),
            Sign(RIGHT_SLOPE, "positive", r"$H'(x) = v\tanh(x/2)/(2\beta(v + \varepsilon)^{3/2})$ (grpo-map-bounds:slope):"
                 r" every factor is positive, $e^x - 1$ by step 1",
                 assumes=("step 1", "temperature-positive", "variance-floor")),
            Equal(sp.Derivative(LOG_PHI_V, VARIANCE),
                  (2 * EPSILON - (1 + 12 * EPSILON) * VARIANCE) / (2 * VARIANCE * (1 - 4 * VARIANCE) * (VARIANCE + EPSILON)),
                  r"$\frac{1}{v} - \frac{2}{1 - 4v} - \frac{3}{2(v + \varepsilon)}$ over one denominator",
                  assumes=("variance-floor", "variance-range")),
            Informal(r"Existence: $G(x) = x - H(x)$ is continuous with $G(x_{\mathrm{lo}}) \le 0 < G(x_{\mathrm{hi}})$,"
                     r" since $H$ maps the line into $[x_{\mathrm{lo}}, x_{\mathrm{hi}})$ (grpo-map-bounds:location);"
                     r" by the intermediate value theorem $G$ has a root there, and every root is in that interval.",
                     "intermediate values", assumes=("grpo-map-bounds:location",),
                     concludes=sp.GreaterThan(FIXED_COUNT, 1)),
            Informal(r"At most three: $G' = 1 - H'$ is at least 1 for $x \le 0$ ($H'(-x) = -H'(x) \le 0$, step 2); for"
                     r" $x > 0$, $H' = \phi(v(x))/(2\beta)$ and $v(x)$ decreases from $1/4$ to 0, so by step 3 $\phi(v(x))$ increases"
                     r" up to $x_c$ (where $v = v_c$) and then decreases: $G' < 0$ on one interval $(x_a, x_b)$ (empty when"
                     r" $\phi_{\max} \le 2\beta$). $G$ increases, decreases, increases: at most three roots, three exactly"
                     r" when $G(x_a) > 0 > G(x_b)$, i.e. $\ell(x_b) < \operatorname{logit} p_{\mathrm{ref}} < \ell(x_a)$.",
                     "monotone pieces", assumes=("step 2", "step 3"), concludes=sp.LessThan(FIXED_COUNT, 3)),
            Informal(r"Contraction: $|H'(x)| = \phi(v(x))/(2\beta) \le \phi_{\max}/(2\beta) = k$ for every $x$"
                     r" (grpo-map-bounds:slope, phi-bound); if $k < 1$, Banach's fixed-point theorem gives one fixed point"
                     r" and $|x_n - x^*| \le k^n|x_0 - x^*|$. If instead $x_{\mathrm{lo}} \ge x_c$, then on"
                     r" $[x_{\mathrm{lo}}, x_{\mathrm{hi}}]$, which $H$ maps into itself, $0 \le H' \le \phi(v(x_{\mathrm{lo}}))/(2\beta)"
                     r" = r$ ($\phi(v(x))$ decreases for $x \ge x_c$); if $r < 1$ the same theorem applies from $x_1$ on.",
                     "Banach's fixed-point theorem", assumes=("grpo-map-bounds:slope", "grpo-map-bounds:phi-bound"),
                     concludes=sp.LessThan(sp.Abs(ITERATE - X_STAR), RATE**N_STEPS * sp.Abs(START - X_STAR))),
            Informal(r"Local behaviour: near a fixed point $H(x) - x^* = H'(\xi)(x - x^*)$; with $|H'(x^*)| < 1$ the"
                     r" distance shrinks geometrically near $x^*$, with $|H'(x^*)| > 1$ it grows.", "mean value theorem"),
        ),
        domain=MAP_DOMAIN,
    )


_FIXED_CORNERS = (("0.2", "0.04", "1e-4"), ("0.2", "1", "1e-4"), ("0.01", "1", "1e-4"), ("1e-300", "0.04", "1e-4"),
                  ("0.5", "1", "1"), ("0.001", "3", "1e-6"), ("0.999", "0.01", "1e-2"), ("0.2", "3", "1e-4"))


def _fixed_instances(ctx: NumericContext) -> list[tuple[mpmath.mpf, mpmath.mpf, mpmath.mpf]]:
    """Corners (a contraction, the practical regime, three fixed points, a repelling lower fixed point, a
    2-cycle) and random ``(alpha, beta, eps)`` with ``1/(beta sqrt(eps)) <= 3000``."""
    instances = [tuple(mpmath.mpf(t) for t in corner) for corner in _FIXED_CORNERS]
    for a in ctx.alphas()[: ctx.random_cases]:
        eps = ctx.log_uniform("1e-8", "10")
        instances.append((a, ctx.log_uniform(1 / (3000 * mpmath.sqrt(eps)), "1e3"), eps))
    return instances


def _rate(a: Any, b: Any, eps: Any) -> Any:
    """The rate of the two sufficient criteria of the statement, from their formulas, or None."""
    k = 1 / (b * mpmath.sqrt(27 * eps) * (1 + 4 * eps))
    if k < 1:
        return k
    x_lo = mpmath.log(a) - mpmath.log1p(-a) + 1 / (b * mpmath.sqrt(mpmath.mpf(1) / 4 + eps))
    if x_lo < mpmath.acosh((1 + 8 * eps) / (4 * eps)):
        return None
    p, q = sigmoid_of(x_lo)
    v = p * q
    rate = v * mpmath.sqrt(1 - 4 * v) / (v + eps) ** mpmath.mpf(1.5) / (2 * b)
    return rate if rate < 1 else None


@FIXED_POINT.numeric
def _fixed_point_numeric(ctx: NumericContext):
    for a, b, eps in _fixed_instances(ctx):
        label = f"alpha={ctx.short(a)}, beta={ctx.short(b)}, eps={ctx.short(eps)}"
        roots = grpo.fixed_points_mp(a, b, eps)
        x_lo, x_hi = grpo.location_mp(a, b, eps)
        scale = 1 / (b * mpmath.sqrt(eps)) + abs(mpmath.log(a)) + abs(mpmath.log1p(-a))
        for root in roots:
            yield ctx.equal(f"library fixed point: H(x*) = x* from the definitions ({label}, x*={ctx.short(root)})", root,
                            ctx.resolve(lambda: logit_map_definition(a, root, b, eps), _map_span(a, b, eps, root)), scale)
            yield ctx.less(f"x* > logit alpha: p* > p_ref ({label}, x*={ctx.short(root)})", mpmath.log(a / (1 - a)), root,
                           scale)
        # an independent count: sign changes of G = x - H(x) on a grid of [x_lo, x_hi] cannot exceed the fixed points
        grid = [x_lo + (x_hi - x_lo) * k / 100 for k in range(101)]
        signs = [x - grpo.logit_map_mp(a, b, x, eps) > 0 for x in grid]
        changes = sum(1 for s, t in zip(signs, signs[1:]) if s != t)
        yield ctx.at_most(f"sign changes of x - H(x) on a 101-point grid <= library fixed points ({label})", changes,
                          len(roots))
        yield ctx.at_most(f"at most three fixed points ({label})", len(roots), 3)
        rate = _rate(a, b, eps)
        if rate is not None:
            path = grpo.iterate_mp(a, b, eps, 30)
            worst = max(abs(x - roots[0]) - rate ** (n - 1) * abs(path[1] - roots[0]) for n, x in enumerate(path[1:], 1))
            yield ctx.at_most(f"|x_n - x*| <= r^(n-1) |x_1 - x*| for n <= 30, r = {ctx.short(rate)} ({label})", worst, 0,
                              scale)
            yield ctx.equal(f"a guaranteed rate means one fixed point ({label})", len(roots), 1)
        elif len(roots) == 3:
            yield ctx.at_most(f"the middle of three fixed points repels: H'(x*) >= 1 ({label})", 1,
                              ctx.resolve(lambda: ctx.derivative(lambda t: logit_map_definition(a, t, b, eps), roots[1]),
                                          _map_span(a, b, eps, roots[1])))


def _fixed_draws() -> st.SearchStrategy:
    """``(alpha, beta, eps)`` with ``1/(beta sqrt(eps)) <= 3000``."""
    return st.tuples(alphas_and_extremes(), _unit_floats(1e-10, 1e2)).flatmap(
        lambda t: st.tuples(st.just(t[0]), _unit_floats(1 / (3000 * math.sqrt(t[1])), 1e3), st.just(t[1])))


@FIXED_POINT.property(_fixed_draws())
def _fixed_point_property(drawn: tuple[float, float, float]) -> None:
    """Every float64 fixed point x* is a root of G(x) = x - H(x): G from the definitions on balls
    changes sign between x* - delta and x* + delta, delta = 16 ulps of |x*| + 1/(beta sqrt(eps)); with a
    guaranteed rate r, the float64 iterates satisfy |x_n - x*| <= r^(n-1) |x_1 - x*| + 64 ulps for 40 steps."""
    a, b, eps = drawn
    roots = grpo.fixed_points(a, b, eps)
    scale = abs(math.log(a)) + abs(math.log1p(-a)) + 1 / (b * math.sqrt(eps))
    for root in roots:
        delta = 16 * math.ulp(abs(root) + scale)
        changes = certified_sign_changes(a, b, eps, [root - delta, root + delta])
        assert changes == 1, f"x* = {root!r} is not a certified sign change of x - H(x) (changes: {changes})"
    rate = grpo.guaranteed_rate(a, b, eps)
    if rate is not None:
        assert len(roots) == 1, f"a guaranteed rate {rate!r} but {len(roots)} fixed points"
        path = grpo.iterate(a, b, eps, 40)
        allowance = 64 * math.ulp(abs(roots[0]) + scale)
        for n, x in enumerate(path[1:], 1):
            assert abs(x - roots[0]) <= rate ** (n - 1) * abs(path[1] - roots[0]) + allowance, \
                f"|x_{n} - x*| = {abs(x - roots[0])!r} exceeds the contraction bound"


# --- kl-controller-fixed-point -------------------------------------------------------------------

BUDGET = symbolic.binary_kl(MU, alpha)
"""``kl(mu_beta || alpha) = KL(p_beta || a)`` (validity-monotone:budget)."""
TARGET = sp.Symbol("T", positive=True)
K_ABOVE = sp.Symbol(r"K_{+}", positive=True)
K_BELOW = sp.Symbol(r"K_{-}", nonnegative=True)
STEP_SIZE = sp.Symbol("c", positive=True)
"""``c = 0.2 n/H``: the largest relative change of one update."""
CLIPPED = sp.Symbol("e", real=True)
"""The clipped proportional error ``e = clip(K/T - 1, -0.2, 0.2)``."""


def multiplier(kl_value: sp.Expr) -> sp.Expr:
    """``1 + clip(K/T - 1, -1/5, 1/5) n/H`` with ``n/H = 5c``."""
    fifth = sp.Rational(1, 5)
    return 1 + 5 * STEP_SIZE * sp.Min(sp.Max(kl_value / TARGET - 1, -fifth), fifth)


_CONTROLLER = Assumption(
    "controller",
    r"The controller's target is $T > 0$ and one update changes the coefficient by at most the factor $1 \pm c$,"
    r" $c = 0.2 n/H \in (0, 1)$; $K_+ > T$ and $0 \le K_- < T$ are measured KLs above and below the target.",
    (sp.Gt(STEP_SIZE, 0, evaluate=False), sp.Lt(STEP_SIZE, 1, evaluate=False), sp.Gt(K_ABOVE, TARGET, evaluate=False),
     sp.Lt(K_BELOW, TARGET, evaluate=False)),
    (TARGET, K_ABOVE, K_BELOW, STEP_SIZE))
_CLIP_LOW = Assumption("clip-low", r"$e = \operatorname{clip}(K/T - 1, -0.2, 0.2) \ge -0.2$ (the clip's lower end).",
                       (sp.Ge(5 * CLIPPED, -1, evaluate=False),), (CLIPPED,))
_CLIP_HIGH = Assumption("clip-high", r"$e = \operatorname{clip}(K/T - 1, -0.2, 0.2) \le 0.2$ (the clip's upper end).",
                        (sp.Le(5 * CLIPPED, 1, evaluate=False),), (CLIPPED,))

CONTROLLER = register(
    "kl-controller-fixed-point",
    title="The adaptive KL controller's fixed point is the beta whose optimum spends the target KL",
    source="extension",
    statement=(
        r"The controller of TRL's former PPO trainer, verl and OpenRLHF sets $\beta \leftarrow \beta\,(1 +"
        r" \operatorname{clip}(K/T - 1, -0.2, 0.2)\,n/H)$ after a batch of $n$ samples with measured KL $K$. With the"
        r" exact optimum $p_\beta$ at each $\beta$, $K = \mathrm{KL}(p_\beta\,\|\,a) = \mathrm{kl}(\mu_\beta\,\|\,\alpha)$,"
        r" which decreases strictly from $-\log\alpha$ to 0 (validity-monotone); so for every target $T \in (0,"
        r" -\log\alpha)$ exactly one $\beta^*$ has $\mathrm{kl}(\mu_{\beta^*}\,\|\,\alpha) = T$. The multiplier exceeds 1"
        r" when $K > T$ and is below 1 when $K < T$: $\beta^*$ is the controller's only fixed point, and it moves"
        r" $\beta$ towards $\beta^*$. Each multiplier lies in $[1 - c, 1 + c]$, $c = 0.2 n/H$, so reaching $\beta^*$ from"
        r" $\beta_0$ takes at least $\log(\beta^*/\beta_0)/\log(1 + c)$ updates upwards and"
        r" $\log(\beta_0/\beta^*)/(-\log(1 - c))$ downwards. A KL measured as a mean over $L$ tokens puts the fixed"
        r" point at the sequence budget $T L$."
    ),
    uses=("validity-monotone",),
    parts=(
        Part("budget-bijection", r"$\beta \mapsto \mathrm{kl}(\mu_\beta\,\|\,\alpha)$ is strictly decreasing and maps"
             r" $(0, \infty)$ onto $(0, -\log\alpha)$.", bijection(BUDGET, beta, 0, sp.oo, -sp.log(alpha), 0)),
        Part("raises", r"$K_+ > T$: the multiplier exceeds 1.", sp.StrictGreaterThan(multiplier(K_ABOVE), 1)),
        Part("lowers", r"$K_- < T$: the multiplier is below 1.", sp.StrictLessThan(multiplier(K_BELOW), 1)),
        Part("step-range", r"$1 - c \le 1 + 5ce \le 1 + c$: one update changes $\beta$ by a factor in $[1 - c, 1 + c]$.",
             sp.And(sp.GreaterThan(1 + 5 * STEP_SIZE * CLIPPED, 1 - STEP_SIZE),
                    sp.LessThan(1 + 5 * STEP_SIZE * CLIPPED, 1 + STEP_SIZE))),
    ),
)


CONTROLLER.experiment(("grpo-dynamics",), select=lambda check: ": controller " in check.label)


@CONTROLLER.symbolic
def _controller_derivation() -> Derivation:
    return Derivation(
        scope="symbolic $\\alpha$, $\\beta$, target $T$, measured KL $K$ and step $c$",
        definitions=definitions(),
        hypotheses=(_CONTROLLER, _CLIP_LOW, _CLIP_HIGH),
        steps=(
            Limit(BUDGET, beta, sp.oo, 0, r"$\mu_\beta \to \alpha$ and $\mathrm{kl}(\alpha\,\|\,\alpha) = 0$", assumes=TILT,
                  direction="-"),
            Apply("monotone-bijection", {"f": BUDGET, "var": beta, "low": 0, "high": sp.oo, "at_low": -sp.log(alpha),
                                         "at_high": 0},
                  r"$\frac{d}{d\beta}\mathrm{kl}(\mu_\beta\,\|\,\alpha) < 0$ (validity-monotone:budget-decreasing), the"
                  r" limit $-\log\alpha$ at $0^+$ (validity-monotone:budget-limit) and 0 at $\infty$ (step 1)",
                  assumes=(*TILT, "validity-monotone:budget-decreasing", "validity-monotone:budget-limit", "step 1")),
            Sign(multiplier(K_ABOVE) - 1, "positive", r"$K_+/T - 1 > 0$, so its clip is in $(0, 1/5]$",
                 assumes=("controller",)),
            Sign(multiplier(K_BELOW) - 1, "negative", r"$K_-/T - 1 < 0$, so its clip is in $[-1/5, 0)$",
                 assumes=("controller",)),
            Sign(STEP_SIZE * (5 * CLIPPED + 1), "nonnegative", r"$5e \ge -1$ and $c > 0$", assumes=("clip-low",)),
            Sign(STEP_SIZE * (1 - 5 * CLIPPED), "nonnegative", r"$5e \le 1$ and $c > 0$", assumes=("clip-high",)),
            Informal(r"Fixed point: with $K = \mathrm{kl}(\mu_\beta\,\|\,\alpha)$ the multiplier is 1 only at $K = T$,"
                     r" i.e. at the one $\beta^*$ of step 2; for $\beta < \beta^*$, $K > T$ and $\beta$ grows (step 3), for"
                     r" $\beta > \beta^*$, $K < T$ and $\beta$ shrinks (step 4). A KL averaged over $L$ tokens is"
                     r" $K/L$, so its target $T$ is reached at $K = TL$.", "composition of steps 2-4",
                     assumes=("step 2", "step 3", "step 4")),
            Informal(r"Updates: $\beta_N = \beta_0\prod_{t<N} m_t$ with $1 - c \le m_t \le 1 + c$ (steps 5 and 6), so"
                     r" $(1 - c)^N \le \beta_N/\beta_0 \le (1 + c)^N$; reaching $\beta^* > \beta_0$ needs $N \ge"
                     r" \log(\beta^*/\beta_0)/\log(1 + c)$ and $\beta^* < \beta_0$ needs $N \ge \log(\beta_0/\beta^*)/(-\log(1 -"
                     r" c))$.", "induction on $N$", assumes=("step 5", "step 6")),
        ),
        domain={**DOMAIN, TARGET: (0, 10), K_ABOVE: (TARGET, 20), K_BELOW: (0, TARGET), STEP_SIZE: (0, 1),
                CLIPPED: (sp.Rational(-1, 5), sp.Rational(1, 5))},
    )


def _controller_definition(kl_value: Any, target: Any, samples: Any, horizon: Any) -> Any:
    """The frameworks' update factor, branch by branch: ``e = kl/target - 1`` clipped to ``[-0.2, 0.2]``, times ``n/H``."""
    error = kl_value / target - 1
    clipped = mpmath.mpf("-0.2") if error < mpmath.mpf("-0.2") else mpmath.mpf("0.2") if error > mpmath.mpf("0.2") else error
    return 1 + clipped * samples / horizon


def _fewest_updates(start: Any, end: Any, c: Any) -> int:
    """The fewest updates from ``start`` to ``end`` by multiplying with ``1 + c`` (or ``1 - c``) each time."""
    count, value = 0, start
    while (end > start and value < end) or (end < start and value > end):
        value *= (1 + c) if end > start else (1 - c)
        count += 1
    return count


@CONTROLLER.numeric
def _controller_numeric(ctx: NumericContext):
    for index, a in enumerate(ctx.alphas()):
        target = -mpmath.log(a) * ctx.uniform("0.001", "0.9")
        label = f"alpha={ctx.short(a)}, T={ctx.short(target)}"
        b = kl_control.beta_for_kl_budget_mp(a, target)
        spend = lambda t: ctx.resolve(lambda: d.kl(d.tilt([a, 1 - a], [1, 0], t), [a, 1 - a]), ctx.span(a, t))  # noqa: E731
        yield ctx.equal(f"library beta*: KL(p_beta* || a) = T ({label})", spend(b), target)
        yield ctx.less(f"KL(p_(2 beta*) || a) < T ({label})", spend(2 * b), target)
        yield ctx.less(f"T < KL(p_(beta*/2) || a) ({label})", target, spend(b / 2))
        yield ctx.equal(f"library kl(mu || alpha) at gap 1/beta* ({label})", lambda: kl_control.kl_budget_of_gap_mp(a, 1 / b),
                        ctx.resolve(lambda: d.binary_kl(d.validity(a, b), a), ctx.span(a, b)))
        # the exact controller, K_t = KL(p_beta_t || a), with n/H = min(1/E, 4) (E = |d log K/d log beta| at beta*;
        # the linearized error is multiplied by r = |1 - (n/H) E| < 1 each update) from beta* (1 + u/20): the
        # fewest updates (while the clip acts) and then enough for r^t < 10^-(dps+5); on every eighth alpha
        if index % 8:
            continue
        elasticity = kl_control.controller_elasticity_mp(a, target)
        ratio = min(1 / elasticity, 4)
        rate = max(abs(1 - ratio * elasticity), mpmath.mpf("1e-3"))
        beta_t = b * (1 + ctx.uniform("-0.05", "0.05"))
        linear = int(mpmath.ceil((ctx.dps + 5) * mpmath.log(10) / -mpmath.log(rate)))
        for _ in range(kl_control.updates_needed(float(beta_t), float(b), float(ratio), 1) + linear):
            beta_t *= _controller_definition(kl_control.kl_budget_of_gap_mp(a, 1 / beta_t), target, ratio, 1)
        yield ctx.equal(f"the exact controller with n/H = {ctx.short(ratio)} ends at beta* ({label})", beta_t, b)
    for _ in range(ctx.random_cases):
        # c = 0.2 n/H >= 1.28e-3 keeps the count by single updates below 4000
        samples, horizon = mpmath.mpf(ctx.rng.randint(64, 4096)), mpmath.mpf(ctx.rng.choice((1e3, 1e4)))
        target, kl_value = ctx.log_uniform("1e-3", "100"), ctx.log_uniform("1e-4", "1e3")
        label = f"n={int(samples)}, H={int(horizon)}, T={ctx.short(target)}, K={ctx.short(kl_value)}"
        factor = _controller_definition(kl_value, target, samples, horizon)
        c = samples / horizon / 5
        yield ctx.at_most(f"1 - c <= multiplier <= 1 + c ({label})", abs(factor - 1), c)
        start, end = ctx.log_uniform("0.01", "1"), ctx.log_uniform("0.01", "1")
        yield ctx.equal(f"library updates needed = fewest updates of factor 1 +/- c ({label})",
                        kl_control.updates_needed(float(start), float(end), float(samples), float(horizon)),
                        _fewest_updates(mpmath.mpf(float(start)), mpmath.mpf(float(end)), mpmath.mpf(float(samples)) /
                                        mpmath.mpf(float(horizon)) / 5))


@CONTROLLER.property(alphas_and_extremes(), st.floats(1e-6, 1 - 1e-6), st.integers(1, 8192), st.sampled_from((1e3, 1e4, 1e5)))
def _controller_property(a: float, fraction: float, samples: int, horizon: float) -> None:
    """The float64 beta* spends the target on balls up to its rounding (3 ulps of the gap g = 1/beta*
    times the slope g mu (1 - mu) of the budget in g, plus the budget's own error); the float64 budget
    kl(mu || alpha) at gap g within 16 ulps of kl (4 + |log alpha| + |log(1 - alpha)| + g); the multiplier
    within 4 ulps of 1 + c; the fewest updates against a count by single updates."""
    target = -math.log(a) * fraction
    if not 0 < target < -math.log(a) or target < 1e-300:
        return
    b = kl_control.beta_for_kl_budget(a, target)
    g = 1 / b
    amplification = 4 + abs(math.log(a)) + abs(math.log1p(-a)) + g

    def spent() -> arb:
        return d.kl(d.tilt([arbs(a), 1 - arbs(a)], [1, 0], arbs(b)), [arbs(a), 1 - arbs(a)])

    def slope() -> arb:
        mu = d.validity(arbs(a), arbs(b))
        return arbs(g) * mu * (1 - mu)

    within(spent, lambda: arbs(target), lambda: 3 * arb(math.ulp(g)) * slope() + 32 * arb(EPS) * amplification * arbs(target),
           "KL(p_beta* || a) = T")
    accurate(kl_control.kl_budget_of_gap(a, g), lambda: d.binary_kl(d.validity(arbs(a), 1 / arbs(g)), arbs(a)), 16,
             "kl(mu || alpha) at gap g", terms=target * amplification)
    if samples / horizon >= 5:  # outside the controller's domain (1 - 0.2 n/H <= 0): an error, tested elsewhere
        return
    kl_value = target * (0.5 + fraction)
    accurate(kl_control.controller_multiplier(kl_value, target, samples, horizon),
             lambda: 1 + max(min(arbs(kl_value) / arbs(target) - 1, arb(0.2)), arb(-0.2)) * samples / arbs(horizon), 4,
             "multiplier", terms=1 + 0.2 * samples / horizon)
    start, end = fraction * 10, (1 - fraction) * 10
    c = mpmath.mpf(samples) / mpmath.mpf(horizon) / 5
    if abs(math.log(end / start)) / c < 1e4:  # the count, by one multiplication per update
        with mpmath.workdps(60):
            fewest = _fewest_updates(mpmath.mpf(start), mpmath.mpf(end), c)
        assert kl_control.updates_needed(start, end, samples, horizon) == fewest, \
            f"updates_needed({start!r}, {end!r}) differs from the count {fewest}"


# --- negative controls --------------------------------------------------------------------------

def _negative(claim_id: str, title: str, statement: str, refutes: str, claim: sp.Basic):
    """A false variant of ``refutes``: its one part, ``claim``, is the false statement."""
    return register(claim_id, title=title, source="extension", statement=statement, uses=(refutes,), expected="refuted",
                    parts=(Part("claim", statement, claim),))


GRPO_ENTROPY, REFERENCE_ENTROPY = sp.Symbol("H_n"), sp.Symbol(r"H_{\mathrm{ref}}")


def _one_step_entropies(model: OutcomeModel) -> dict[sp.Symbol, sp.Expr]:
    """``H(pi_1(. | Y1))`` and ``H(pi_ref(. | Y1))`` of the model, ``pi_1`` tilted by the advantage."""
    tilted = [a * sp.exp((W_PLUS if v else -W_MINUS) / beta) for a, v in zip(model.base, model.validity)]
    valid = tilted[: model.n_valid]
    return {GRPO_ENTROPY: symbolic.entropy([x / sp.Add(*valid) for x in valid]),
            REFERENCE_ENTROPY: symbolic.entropy(list(model.filtered_weights))}


SHARPENS = _negative(
    "nc-grpo-sharpens", "GRPO's iteration sharpens the conditional on valid outputs (false)",
    r"$H(\pi_n(\cdot\mid\mathcal{Y}_1)) < H(\pi_{\mathrm{ref}}(\cdot\mid\mathcal{Y}_1))$: a GRPO step concentrates the"
    r" policy inside $\mathcal{Y}_1$.", "grpo-conditional-invariance",
    sp.StrictLessThan(GRPO_ENTROPY, REFERENCE_ENTROPY))


@SHARPENS.symbolic
def _sharpens_derivation() -> Derivation:
    return Derivation(
        scope="$n = 3$ outcomes, 2 valid (one instance suffices to refute)",
        definitions=_one_step_entropies(ONE_VALID_TWO),
        hypotheses=(_STEP,),
        steps=(Sign(GRPO_ENTROPY - REFERENCE_ENTROPY, "negative",
                    r"the claim: $H(\pi_n(\cdot\mid\mathcal{Y}_1)) - H(\pi_{\mathrm{ref}}(\cdot\mid\mathcal{Y}_1)) < 0$",
                    assumes=STEP_ASSUMPTIONS),),
        domain={alpha: (0, 1), beta: (0, sp.oo), ONE_VALID_TWO.filtered_weights[0]: (0, 1), P_PREV: (0, 1),
                SPREAD: (0, 10)},
    )


def _entropy_tie(base: Any, validity: Any, p: Any, b: Any, eps: Any) -> Comparison:
    """``H(pi_1(. | Y1)) < H(pi_ref(. | Y1))`` decided exactly: with the instance as exact rationals, the
    definitions give the same entropy."""
    exact = [d.exact(x, "sympy") for x in base]
    ints_ = [int(v) for v in validity]
    step = grpo_step_definition(exact, ints_, d.exact(p, "sympy"), d.exact(b, "sympy"), d.exact(eps, "sympy"))
    sides = [d.entropy(d.condition(step, ints_, 1)), d.entropy(d.condition(exact, ints_, 1))]
    comparison = compare(sides[0], "<", sides[1], {})
    point = {k: exact_text(rational(v)) for k, v in instance_point(base, ints_, p=p, beta=b, eps=eps).items()}
    return replace(comparison, point=point)


@SHARPENS.numeric
def _sharpens_numeric(ctx: NumericContext):
    for problem, base, validity in ctx.problems():
        if len(base) > 16:
            continue
        p, b, eps = _random_step(ctx)
        step = ctx.resolve(lambda: grpo_step_definition(base, validity, p, b, eps), _map_span(d.expectation(base, validity), b, eps))
        case = ctx.less(f"H(pi_1(.|Y1)) < H(pi_ref(.|Y1)) (n={len(base)}, p={ctx.short(p)}, beta={ctx.short(b)})",
                        d.entropy(d.condition(step, validity, 1)), d.entropy(d.condition(base, validity, 1)), 1)
        yield ctx.certified(case, lambda: _entropy_tie(base, validity, p, b, eps))


def _sharpens_confirm(drawn: tuple[np.ndarray, np.ndarray], step: tuple[float, float, float]) -> Comparison:
    return _entropy_tie(drawn[0], drawn[1], *step)


@SHARPENS.property(problem_inputs(max_size=12), _steps(), confirm=_sharpens_confirm)
def _sharpens_property(drawn: tuple[np.ndarray, np.ndarray], step: tuple[float, float, float]) -> None:
    """The claimed strict decrease of H(pi_1(. | Y1)) below H(pi_ref(. | Y1)) after one float64 GRPO
    step; a violation is confirmed exactly from the definitions."""
    problem = BinaryRewardProblem(*drawn)
    p, b, eps = step
    log_step = grpo.next_policy(problem, b, p, eps)
    after = float(np.log(problem.n_eff(np.exp(log_step))))
    before = float(np.log(problem.n_eff(problem.base)))
    assert after < before, f"H(pi_1(.|Y1)) = {after!r} is not below H(pi_ref(.|Y1)) = {before!r}"


ELL_PRIME = sp.Derivative(X - 1 / sp.sqrt(variance_of(X) + sp.Rational(1, 10**4)), X)
"""``l'(x)`` at ``beta = 1``, ``eps = 10^-4``: ``l(x) = x - 1/(beta s(x))`` is the reference logit whose map has ``x`` as a fixed point."""

UNIQUE = _negative(
    "nc-grpo-fixed-point-unique", "GRPO's success iteration has one fixed point (false)",
    r"For every $\beta > 0$, $\varepsilon > 0$ and $p_{\mathrm{ref}}$, $H$ has exactly one fixed point; equivalently, for"
    r" fixed $\beta$ and $\varepsilon$, $\ell(x) = x - 1/(\beta\sqrt{v(x) + \varepsilon})$ (the reference logit for which"
    r" $x$ is a fixed point) is strictly increasing: $\ell'(x) > 0$.", "grpo-fixed-point",
    sp.StrictGreaterThan(ELL_PRIME, 0))


@UNIQUE.symbolic
def _unique_derivation() -> Derivation:
    return Derivation(
        scope="$\\beta = 1$, $\\varepsilon = 10^{-4}$ (one instance suffices to refute)",
        steps=(Sign(ELL_PRIME, "positive", r"the claim: $\ell'(x) = 1 - H'(x) > 0$ for every $x$"),),
        domain={X: (0, 20)},
    )


def _count_certificate(a: Any, b: Any, eps: Any) -> Comparison:
    """``number of fixed points <= 1`` refuted: ``x - H(x)`` from the definitions on balls changes sign at least
    twice along points separating the library's fixed points (intermediate values)."""
    with mpmath.workdps(30):
        roots = grpo.fixed_points_mp(a, b, eps)
        x_lo, x_hi = grpo.location_mp(a, b, eps)
    points = _bracketing_points(roots, x_lo, x_hi)

    def sides() -> tuple[arb, arb]:
        changes = certified_sign_changes(a, b, eps, points)
        return (arb.nan() if changes is None else arb(changes)), arb(1)

    return certify("<=", sides, {"alpha": a, "beta": b, "eps": eps})


_UNIQUE_CORNERS = (("0.2", "1", "1e-4"), ("0.01", "1", "1e-4"), ("1e-300", "0.04", "1e-4"), ("0.2", "3", "1e-4"),
                   ("0.001", "3", "1e-6"))


@UNIQUE.numeric
def _unique_numeric(ctx: NumericContext):
    instances = [tuple(float(t) for t in corner) for corner in _UNIQUE_CORNERS]
    while len(instances) < 20:
        instances.append((float(ctx.log_uniform("1e-3", "0.5")), float(ctx.log_uniform("0.5", "3")),
                          float(ctx.log_uniform("1e-6", "1e-3"))))
    for a, b, eps in instances:
        roots = grpo.fixed_points_mp(a, b, eps)
        case = ctx.at_most(f"number of fixed points <= 1 (alpha={a:.6g}, beta={b:.6g}, eps={eps:.6g})", len(roots), 1)
        yield ctx.certified(case, lambda: _count_certificate(a, b, eps))


@UNIQUE.property(st.floats(1e-3, 0.5), st.floats(0.5, 3), _unit_floats(1e-6, 1e-3), confirm=_count_certificate)
def _unique_property(a: float, b: float, eps: float) -> None:
    """The claimed uniqueness on the float64 fixed-point search; a violation is confirmed by certified
    sign changes of x - H(x) from the definitions."""
    roots = grpo.fixed_points(a, b, eps)
    assert len(roots) == 1, f"{len(roots)} fixed points: {list(roots)}"


CONVERGES = register(
    "nc-grpo-iteration-converges", title="GRPO's iterates from pi_ref always converge (false)", source="extension",
    statement=(r"For every $\beta > 0$, $\varepsilon > 0$ and $p_{\mathrm{ref}}$, the iterates $p_n$ from $\pi_0 ="
               r" \pi_{\mathrm{ref}}$ converge (to a fixed point of $H$)."),
    uses=("grpo-fixed-point",), expected="refuted")


_CYCLE_STEPS = 400
"""Iterations allowed for the iterates from ``logit alpha`` to reach the 2-cycle."""


def _cycle_certificate(a: float, b: float, eps: float) -> Comparison:
    """``eventual |x_{n+1} - x_n| <= 0`` refuted by a certified 2-cycle: an interval ``J`` around the even
    iterates with ``H(H(J))`` inside ``J`` and ``H(J)`` at a positive distance ``delta`` from ``J``, which the
    iterates from ``logit alpha`` (balls) enter; then ``|x_{n+1} - x_n| >= delta`` for every later ``n``."""
    path = grpo.iterate(a, b, eps, _CYCLE_STEPS)
    centre, other = float(path[-2]), float(path[-1])
    radius = abs(centre - other) / 64

    def image(x: arb) -> arb:
        return logit_map_definition(d.exact(a, "arb"), x, d.exact(b, "arb"), d.exact(eps, "arb"))

    def sides() -> tuple[arb, arb]:
        low, high = arb(centre) - arb(radius), arb(centre) + arb(radius)
        pieces = [low + (high - low) * arb(k) / 64 for k in range(65)]
        mapped = [image(x.union(y)) for x, y in zip(pieces, pieces[1:])]
        inside = all(image(m).lower() >= low and image(m).upper() <= high for m in mapped)
        above = all(m.lower() > high for m in mapped)
        below = all(m.upper() < low for m in mapped)
        x = d.exact(a, "arb").log() - (1 - d.exact(a, "arb")).log()  # x_0 = logit alpha: pi_0 = pi_ref
        entered = False
        for _ in range(_CYCLE_STEPS):
            x = image(x)
            if x.lower() >= low and x.upper() <= high:
                entered = True
                break
        if not (inside and (above or below) and entered):
            return arb.nan(), arb(0)
        distances = [m.lower() - high if above else low - m.upper() for m in mapped]
        gap = distances[0]
        for distance in distances[1:]:
            gap = gap.min(distance)
        return gap, arb(0)

    # the cycles have moderate logits, where 128 bits keep the balls tight; an undecided certificate is no evidence
    return certify("<=", sides, {"alpha": a, "beta": b, "eps": eps}, max_prec=128)


_CYCLE_CORNERS = ((0.001, 3.0, 1e-6), (0.003, 2.0, 1e-4), (0.001, 4.4, 1e-8), (0.003, 1.66, 1e-6))


@CONVERGES.numeric
def _converges_numeric(ctx: NumericContext):
    instances = list(_CYCLE_CORNERS)
    while len(instances) < 20:
        instances.append((float(ctx.uniform("0.001", "0.003")), float(ctx.uniform("2", "3")),
                          float(ctx.log_uniform("1e-8", "1e-4"))))
    for a, b, eps in instances:
        path = grpo.iterate_mp(a, b, eps, 200)
        case = ctx.at_most(f"converged: |x_200 - x_199| <= 1e-20 (alpha={a:.6g}, beta={b:.6g}, eps={eps:.6g})",
                           abs(path[-1] - path[-2]), mpmath.mpf("1e-20"))
        yield ctx.certified(case, lambda: _cycle_certificate(a, b, eps))


@CONVERGES.property(st.floats(0.001, 0.003), st.floats(2.0, 3.0), _unit_floats(1e-8, 1e-4), confirm=_cycle_certificate)
def _converges_property(a: float, b: float, eps: float) -> None:
    """The claimed convergence on the float64 iterates: after 400 steps they must not alternate between
    two values more than 1e-3 apart; a violation is confirmed by a certified 2-cycle."""
    path = grpo.iterate(a, b, eps, _CYCLE_STEPS)
    step, period = abs(path[-1] - path[-2]), abs(path[-1] - path[-3])
    assert not (step > 1e-3 * (1 + abs(path[-1])) and period < 1e-9 * (1 + abs(path[-1]))), \
        f"the iterates alternate between {path[-2]!r} and {path[-1]!r}"
