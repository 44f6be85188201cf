"""The temperature beta and the validity rate mu it buys.

The validity rate of the optimum is a logistic function of ``1/beta``, so
``beta`` can be set from a target validity instead of by hand; with many
prompts one ``beta`` serves all, and hard prompts dictate it.

Main statements
- ``beta-mu``: ``mu_beta = sigma(1/beta + logit alpha)``; on ``alpha < mu < 1``,
  ``beta(mu) = 1/(logit mu - logit alpha)`` with
  ``d beta/d mu = -beta^2/(mu (1 - mu))``; ``KL(p_beta || a) = kl(mu || alpha)`` and
  ``J*_beta = mu - beta kl(mu || alpha) = beta log Z_beta``; a target outside
  ``(alpha, 1)`` is an error naming that interval.
- ``multi-prompt-beta``: the mean validity ``sum_i w_i sigma(1/beta + logit alpha_i)``
  is strictly decreasing in ``beta``, from 1 to ``sum_i w_i alpha_i``, so each
  target in between has exactly one ``beta``; the per-prompt
  ``beta_i = 1/(logit mu - logit alpha_i)`` is increasing in ``alpha_i``.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import sympy as sp
from flint import arb
from hypothesis import strategies as st

from proofs_checks.claim import register
from proofs_checks.claims import definitions as d
from proofs_checks.claims.notation import (
    ALPHA_I, definitions, DOMAIN, MEAN_VALIDITY, MU, PROMPTS, TILT, TILTED, W_I, A, Z, kl,
)
from proofs_checks.claims.sampling import (
    accurate, alphas_and_extremes, arbs, betas_and_extremes, closed_form_symbolic_cases, enclosure, exact_mpf,
    temperature, ulp, within,
)
from proofs_checks.assumptions import Assumption
from proofs_checks.proof import Apply, Derivation, Equal, Part, Sign
from proofs_checks.standard_results import bijection
from proofs_checks.numeric import NumericContext
from theory import closed_form, multi_prompt, precise, symbolic
from theory.errors import DomainError
from theory.strategies import alphas, validity_targets
from theory.symbolic import alpha, beta, mu

EPS = float(np.finfo(float).eps)

# --- beta-mu --------------------------------------------------------------------

BETA_MU = register(
    "beta-mu",
    title="Explicit beta <-> mu formulas",
    source="paper",
    statement=(
        r"$\mu_\beta = \sigma(1/\beta + \operatorname{logit}\alpha)$; on $\alpha < \mu < 1$,"
        r" $\beta(\mu) = 1/(\operatorname{logit}\mu - \operatorname{logit}\alpha)$, and no $\beta > 0$ gives"
        r" $\mu \le \alpha$ or $\mu \ge 1$; $\frac{d\beta}{d\mu} = -\frac{\beta^2}{\mu(1-\mu)}$;"
        r" $\mathrm{KL}(p_\beta\,\|\,a) = \mathrm{kl}(\mu\,\|\,\alpha)$;"
        r" $J^*_\beta = \mu - \beta\,\mathrm{kl}(\mu\,\|\,\alpha) = \beta\log Z_\beta$."
    ),
    uses=("validity-monotone", "gibbs-identity"),
    parts=(
        Part("sigmoid-form", r"$\mu_\beta = \sigma(1/\beta + \operatorname{logit}\alpha)$.",
             sp.Eq(MU, symbolic.sigmoid(1 / beta + symbolic.logit(alpha)))),
        Part("range", r"$\beta \mapsto \mu_\beta$ is strictly decreasing and maps $(0, \infty)$ onto $(\alpha, 1)$:"
             r" every target $\mu \in (\alpha, 1)$ has exactly one $\beta > 0$, and no $\beta > 0$ gives"
             r" $\mu \le \alpha$ or $\mu \ge 1$.", bijection(MU, beta, 0, sp.oo, 1, alpha)),
        Part("inverse", r"$\beta(\mu) = 1/(\operatorname{logit}\mu - \operatorname{logit}\alpha)$ solves"
             r" $\mu_{\beta(\mu)} = \mu$.",
             sp.Eq(symbolic.validity_rate(alpha, symbolic.beta_for_validity(alpha, mu)), mu)),
        Part("inverse-of-forward", r"$\beta(\mu_\beta) = \beta$.",
             sp.Eq(symbolic.beta_for_validity(alpha, MU), beta)),
        Part("derivative", r"$\frac{d\beta}{d\mu} = -\frac{\beta(\mu)^2}{\mu(1-\mu)}$.",
             sp.Eq(sp.Derivative(symbolic.beta_for_validity(alpha, mu), mu),
                   -symbolic.beta_for_validity(alpha, mu) ** 2 / (mu * (1 - mu)))),
        Part("budget", r"$\mathrm{KL}(p_\beta\,\|\,a) = \mathrm{kl}(\mu_\beta\,\|\,\alpha)$.",
             sp.Eq(kl(1, TILTED, A), symbolic.binary_kl(MU, alpha))),
        Part("value", r"$J^*_\beta = \mu_\beta - \beta\,\mathrm{kl}(\mu_\beta\,\|\,\alpha) = \beta\log Z_\beta$.",
             sp.Eq(MU - beta * symbolic.binary_kl(MU, alpha), beta * sp.log(Z))),
    ),
)

_TARGET = Assumption("target-in-range", r"The target validity satisfies $\alpha < \mu < 1$.",
                     (sp.Gt(mu, alpha, evaluate=False), sp.Lt(mu, 1, evaluate=False)), (mu,))


@BETA_MU.symbolic
def _beta_mu_derivation() -> Derivation:
    return Derivation(
        scope="symbolic $\\alpha$, $\\beta$ and $\\mu$",
        definitions=definitions(),
        hypotheses=(_TARGET,),
        steps=(
            Equal(MU, symbolic.sigmoid(1 / beta + symbolic.logit(alpha)),
                  r"$\frac{\alpha e^{1/\beta}}{1 - \alpha + \alpha e^{1/\beta}} = \frac{1}{1 + e^{-1/\beta}(1-\alpha)/\alpha}$",
                  assumes=TILT),
            Apply("monotone-bijection", {"f": MU, "var": beta, "low": 0, "high": sp.oo, "at_low": 1, "at_high": alpha},
                  r"$\mu_\beta$ is differentiable with $\frac{d\mu_\beta}{d\beta} < 0$, tends to 1 at $0^+$ and to"
                  r" $\alpha$ at $\infty$ (validity-monotone)", assumes=("validity-monotone:decreasing", *TILT)),
            Equal(symbolic.validity_rate(alpha, symbolic.beta_for_validity(alpha, mu)), mu,
                  r"$1/\beta(\mu) + \operatorname{logit}\alpha = \operatorname{logit}\mu$ and $\sigma \circ"
                  r" \operatorname{logit}$ is the identity", assumes=("valid-mass-interior", "target-in-range")),
            Equal(symbolic.beta_for_validity(alpha, MU), beta,
                  r"$\operatorname{logit}\mu_\beta - \operatorname{logit}\alpha = 1/\beta$", assumes=TILT),
            Equal(sp.Derivative(symbolic.beta_for_validity(alpha, mu), mu),
                  -symbolic.beta_for_validity(alpha, mu) ** 2 / (mu * (1 - mu)),
                  r"$\frac{d}{d\mu}\operatorname{logit}\mu = \frac{1}{\mu(1-\mu)}$",
                  assumes=("valid-mass-interior", "target-in-range")),
            Equal(kl(1, TILTED, A), symbolic.binary_kl(MU, alpha), r"validity-monotone",
                  assumes=("validity-monotone:budget",)),
            Equal(MU - beta * symbolic.binary_kl(MU, alpha), beta * sp.log(Z),
                  r"$J^*_\beta = \mathbb{E}_{p_\beta}[v] - \beta\,\mathrm{KL}(p_\beta\,\|\,a)$ with"
                  r" $\mathrm{kl}(\mu_\beta\,\|\,\alpha) = \mu_\beta/\beta - \log Z_\beta$", assumes=TILT),
        ),
        domain={**DOMAIN},
    )


@BETA_MU.numeric
def _beta_mu_numeric(ctx: NumericContext):
    for a in ctx.alphas():
        gap = 1 - a  # targets in (alpha, 1): just above alpha, just below 1, and in between
        targets = [a + gap * ctx.log_uniform("1e-30", "1e-3"), 1 - gap * ctx.log_uniform("1e-30", "1e-3"),
                   a + gap * ctx.uniform()]
        for target in targets:
            label = f"alpha={ctx.short(a)}, mu={ctx.short(target)}"
            b = precise.beta_for_validity(a, target)
            span = ctx.span(a, b)
            # beta(mu) is defined as the temperature at which p_beta(Y1) = mu
            yield ctx.equal(f"library beta(mu): p_beta(Y1) = mu at beta = beta(mu) ({label})",
                            ctx.resolve(lambda: d.validity(a, b), span), target)
            yield ctx.equal(f"library beta(mu): p_beta(Y0) = 1 - mu at beta = beta(mu) ({label})",
                            ctx.resolve(lambda: d.invalidity(a, b), span), 1 - target)
            # d beta/d mu of the library (along the log-odds u of mu, far from the pole at mu = 1) against
            # 1/(d mu/d beta) of the definition (through the smaller of mu and 1 - mu, which cannot round to 1)
            slope = ctx.resolve(lambda: ctx.derivative(lambda u: precise.beta_for_validity(a, precise.sigmoid(u)),
                                                       precise.logit(target), 1 / b), span) / (target * (1 - target))
            smaller, sign = (d.invalidity, -1) if target > 1 - target else (d.validity, 1)
            rate = sign * ctx.resolve(lambda: ctx.derivative(lambda t: smaller(a, t), b, b), span)
            yield ctx.equal(f"library d beta/d mu = 1/(d mu/d beta) ({label})", slope, 1 / rate)
            yield ctx.equal(f"d beta/d mu = -beta^2/(mu(1-mu)) ({label})", 1 / rate, -b**2 / (target * (1 - target)))
            optimum = ctx.resolve(lambda: d.objective(d.tilt([a, 1 - a], [1, 0], b), [a, 1 - a], [1, 0], b), span)
            budget = ctx.resolve(lambda: d.binary_kl(target, a), span)
            yield ctx.equal(f"J*_beta = mu - beta kl(mu||alpha) ({label})", optimum, target - b * budget)
            yield ctx.equal(f"library J*_beta at beta(mu) ({label})", lambda: precise.optimal_value(a, b), optimum)
            yield ctx.equal(f"library kl(mu||alpha) ({label})", lambda: precise.kl_budget(a, target), budget)
        for m in (mpmath.mpf(0), mpmath.mpf(1), a / 2, a):  # kl(0||alpha) = -log(1 - alpha), kl(1||alpha) = -log alpha
            yield ctx.equal(f"library kl(mu||alpha) (alpha={ctx.short(a)}, mu={ctx.short(m)})",
                            lambda: precise.kl_budget(a, m), ctx.resolve(lambda: d.binary_kl(m, a), ctx.span(a, 1)))
        # beta = inf, the no-reward limit: p_inf = a
        inf = mpmath.inf
        yield ctx.equal(f"library beta(alpha) = inf (alpha={ctx.short(a)})", lambda: precise.beta_for_validity(a, a), inf)
        for name, definition in (("validity_rate", lambda: d.validity(a, inf)),
                                 ("invalidity_rate", lambda: d.invalidity(a, inf)),
                                 ("log_partition", lambda: d.log_partition([a, 1 - a], [1, 0], inf)),
                                 ("optimal_value", lambda: d.optimal_value([a, 1 - a], [1, 0], inf)),
                                 ("forward_kl_to_filtered", lambda: d.kl([a, 0 * a], [a, 1 - a]))):
            yield ctx.equal(f"library {name} at beta = inf (alpha={ctx.short(a)})",
                            lambda: getattr(precise, name)(a, inf), ctx.resolve(definition, ctx.span(a, 1)))
        try:
            precise.beta_for_validity(a, a / 2)
            yield ctx.fails(f"beta(mu) rejects mu = alpha/2 < alpha (alpha={ctx.short(a)})")
        except DomainError as error:
            yield ctx.holds(f"beta(mu) rejects mu = alpha/2 < alpha (alpha={ctx.short(a)}): {error}")
    for a, b in ctx.alpha_beta_pairs():
        label = f"alpha={ctx.short(a)}, beta={ctx.short(b)}"
        span = ctx.span(a, b)
        yield ctx.equal(f"library mu_beta = sigma(1/beta + logit alpha) = p_beta(Y1) ({label})",
                        lambda: precise.validity_rate(a, b), ctx.resolve(lambda: d.validity(a, b), span))
        yield ctx.equal(f"library 1 - mu_beta = p_beta(Y0) ({label})", lambda: precise.invalidity_rate(a, b),
                        ctx.resolve(lambda: d.invalidity(a, b), span))
        yield ctx.equal(f"library log Z_beta ({label})", lambda: precise.log_partition(a, b),
                        ctx.resolve(lambda: d.log_partition([a, 1 - a], [1, 0], b), span))
        yield ctx.equal(f"library J*_beta ({label})", lambda: precise.optimal_value(a, b),
                        ctx.resolve(lambda: d.objective(d.tilt([a, 1 - a], [1, 0], b), [a, 1 - a], [1, 0], b), span))
        # sigma(t) is p(Y1) of the tilt of (1/2, 1/2) at temperature 1/t; logit inverts it
        t = 1 / b + precise.logit(a)
        yield ctx.equal(f"library sigma(1/beta + logit alpha) ({label})", lambda: precise.sigmoid(t),
                        ctx.resolve(lambda: d.tilt([1, 1], [1, 0], temperature(t))[0], span))
        yield ctx.equal(f"library logit: sigma(logit alpha) = alpha ({label})",
                        ctx.resolve(lambda: d.tilt([1, 1], [1, 0], temperature(precise.logit(a)))[0], span), a)
    # ulp_error(y, Y) = |y - Y| / ulp(Y), ulp(Y) = 2^(max(e, -1021) - 53) for |Y| = m 2^e, 1/2 <= m < 1; an
    # infinite y is exact for a Y past the largest float by half an ulp, which rounds to it
    largest = mpmath.mpf(2) ** 1024 - mpmath.mpf(2) ** 970
    for value, exact in ((1.0, 1 + mpmath.mpf(2) ** -60), (0.1, mpmath.mpf("0.1")), (5e-324, mpmath.mpf("3e-324")),
                         (-2.5, mpmath.mpf("-2.5000000001")), (1e300, mpmath.mpf("1e300") * (1 + mpmath.mpf(2) ** -40)),
                         (math.inf, mpmath.mpf("2e308")), (-math.inf, mpmath.mpf("-2e308")), (math.inf, mpmath.mpf("1e308")),
                         (0.0, mpmath.mpf(0)), (0.0, mpmath.mpf("1e-400"))):
        if math.isinf(value) or exact == 0:
            ulps = mpmath.mpf(0) if (math.isinf(value) and abs(exact) >= largest and value * exact > 0) or (
                value == exact) else mpmath.inf
        else:
            ulps = abs(mpmath.mpf(value) - exact) / mpmath.ldexp(1, max(mpmath.frexp(abs(exact))[1], -1021) - 53)
        yield ctx.equal(f"library ulp_error({value!r}, {mpmath.nstr(exact, 12)}), a float64 rounded once",
                        lambda: closed_form.ulp_error(value, exact), float(ulps))
    for text in ("-1", "-0.9999", "-0.7", "-0.5", "-0.49", "-0.1", "-1e-10", "0", "1e-10", "0.3", "0.49", "0.5", "2", "1e6"):
        r = mpmath.mpf(text)
        # phi(r) = (1 + r) log(1 + r) - r is the KL term q log(q/p) - q + p at p = 1, q = 1 + r
        yield ctx.equal(f"library phi({text})", lambda: precise.binary_phi(r),
                        ctx.resolve(lambda: d.kl([1 + r], [mpmath.mpf(1)], masses=True) - r, 2 * ctx.dps))
    yield from closed_form_symbolic_cases(ctx)


@BETA_MU.property(alphas_and_extremes().flatmap(lambda a: st.tuples(st.just(a), validity_targets(a))),
                  betas_and_extremes())
def _beta_mu_property(drawn: tuple[float, float], b: float) -> None:
    """The float64 beta(mu): p_beta(Y1) of the definition at it is mu, up to the 2 ulps of
    beta (mu moves by mu (1 - mu)/beta per unit of beta); mu_beta, kl(mu || alpha), log Z_beta
    and ulp_error against their definitions; targets outside (alpha, 1) are errors naming
    the interval."""
    a, target = drawn
    beta_of_mu = float(closed_form.beta_for_validity(a, target))

    def allowed() -> arb:
        return arb(4 * EPS) * arbs(target) * (1 - arbs(target)) / arbs(beta_of_mu)

    within(lambda: d.validity(arbs(a), arbs(beta_of_mu)), lambda: arbs(target), allowed, "p_beta(Y1) = mu at beta(mu)")
    within(lambda: d.invalidity(arbs(a), arbs(beta_of_mu)), lambda: 1 - arbs(target), allowed,
           "p_beta(Y0) = 1 - mu at beta(mu)")
    accurate(closed_form.validity_rate(a, b), lambda: d.validity(arbs(a), arbs(b)), 2, "mu_beta = p_beta(Y1)")
    accurate(closed_form.kl_budget(a, target), lambda: d.binary_kl(arbs(target), arbs(a)), 3, "kl(mu||alpha)")
    accurate(closed_form.log_partition(a, b), lambda: d.log_partition([arbs(a), 1 - arbs(a)], [1, 0], arbs(b)), 2,
             "log Z_beta")
    value = float(closed_form.validity_rate(a, b))
    exact = enclosure(lambda: d.validity(arbs(a), arbs(b))).mid()
    # the definition of the error in ulps: |y - Y| / ulp(Y)
    accurate(closed_form.ulp_error(value, exact_mpf(exact)), lambda: abs(arb(value) - exact) / arb(ulp(exact)), 2,
             "ulp_error")
    for bad in (a / 2, 1.0):
        try:
            closed_form.beta_for_validity(a, bad)
        except DomainError as error_message:
            assert "mu" in str(error_message) and "alpha" in str(error_message), f"unclear error message: {error_message}"
        else:
            raise AssertionError(f"beta_for_validity accepted the infeasible target mu={bad!r}")


# --- multi-prompt-beta ----------------------------------------------------------

MULTI = register(
    "multi-prompt-beta",
    title="One beta for many prompts",
    source="extension",
    statement=(
        r"With weights $w_i > 0$, $\sum_i w_i = 1$ and base validity rates $\alpha_i$, a single $\beta$ gives"
        r" $\bar\mu(\beta) = \sum_i w_i\,\sigma(1/\beta + \operatorname{logit}\alpha_i)$, strictly decreasing in"
        r" $\beta$; every target in $(\sum_i w_i\alpha_i, 1)$ is reached by exactly one $\beta$ (a guaranteed"
        r" bracketing root solve). The per-prompt $\beta_i = 1/(\operatorname{logit}\mu -"
        r" \operatorname{logit}\alpha_i)$ is increasing in $\alpha_i$: hard prompts force a small $\beta$."
    ),
    uses=("beta-mu", "validity-monotone"),
    parts=(
        Part("one-beta", r"$\bar\mu$ is strictly decreasing on $(0, \infty)$ and maps it onto $(\sum_i w_i \alpha_i, 1)$:"
             r" every target in that interval is reached by exactly one $\beta$.",
             bijection(MEAN_VALIDITY, beta, 0, sp.oo, 1, PROMPTS.sum(W_I * ALPHA_I))),
        Part("hard-prompts", r"$\frac{\partial\beta_i}{\partial\alpha_i} > 0$ for $\alpha_i < \mu < 1$.",
             sp.StrictGreaterThan(sp.Derivative(symbolic.beta_for_validity(ALPHA_I, mu), ALPHA_I), 0)),
    ),
)

_PROMPTS = Assumption(
    "prompts", r"$m \ge 1$ prompts with weights $w_i > 0$, $\sum_i w_i = 1$, and base validity rates"
    r" $0 < \alpha_i < 1$; a common target $\alpha_i < \mu < 1$ for the per-prompt temperature.",
    (sp.Eq(PROMPTS.sum(W_I), 1, evaluate=False), sp.Gt(ALPHA_I, 0, evaluate=False), sp.Lt(ALPHA_I, 1, evaluate=False),
     sp.Gt(mu, ALPHA_I, evaluate=False), sp.Lt(mu, 1, evaluate=False), sp.Gt(W_I, 0, evaluate=False)),
    (PROMPTS.count, W_I.base, ALPHA_I.base, mu))


@MULTI.symbolic
def _multi_derivation() -> Derivation:
    return Derivation(
        scope="any number $m$ of prompts (symbolic sums over $i = 1..m$), symbolic $\\beta$, $\\alpha_i$ and $w_i$",
        hypotheses=(_PROMPTS,),
        steps=(
            Apply("monotone-bijection",
                  {"f": MEAN_VALIDITY, "var": beta, "low": 0, "high": sp.oo, "at_low": 1,
                   "at_high": PROMPTS.sum(W_I * ALPHA_I)},
                  r"each $\mu_i$ is differentiable and strictly decreasing in $\beta$ (beta-mu), so is their"
                  r" positive combination; at $0^+$ each $\mu_i \to 1$ and $\bar\mu \to \sum_i w_i = 1$, at $\infty$"
                  r" each $\mu_i \to \alpha_i$ (the limits of a finite sum, term by term)",
                  assumes=("beta-mu:range", "prompts", "temperature-positive")),
            Sign(symbolic.logit(mu) - symbolic.logit(ALPHA_I), "positive",
                 r"$\operatorname{logit}$ is increasing and $\alpha_i < \mu$", assumes=("prompts",)),
            Sign(sp.Derivative(symbolic.beta_for_validity(ALPHA_I, mu), ALPHA_I), "positive",
                 r"$\frac{\partial\beta_i}{\partial\alpha_i} = \frac{1}{\alpha_i(1-\alpha_i)(\operatorname{logit}\mu"
                 r" - \operatorname{logit}\alpha_i)^2} > 0$ by step 2", assumes=("prompts", "step 2")),
        ),
        domain={**DOMAIN},
    )


@MULTI.numeric
def _multi_numeric(ctx: NumericContext):
    alphas_pool = ctx.alphas()
    for case in range(ctx.random_cases):
        count = 1 + case % 12
        chosen = [alphas_pool[ctx.rng.randrange(len(alphas_pool))] for _ in range(count)]
        # weights: none (equal), a distribution, or counts summing to anything
        weights = [None, ctx.distribution(count), [mpmath.mpf(ctx.rng.randint(1, 50)) for _ in range(count)]][case % 3]
        weight = [mpmath.mpf(1)] * count if weights is None else weights
        floor = mpmath.fsum(w * a for w, a in zip(weight, chosen)) / mpmath.fsum(weight)
        target = floor + (1 - floor) * ctx.uniform("0.001", "0.999")
        b = multi_prompt.beta_for_mean_validity_mp(chosen, target, weights)
        span = max(ctx.span(a, b) for a in chosen)

        def mean(beta: mpmath.mpf) -> mpmath.mpf:
            return mpmath.fsum(w * d.validity(a, beta) for w, a in zip(weight, chosen)) / mpmath.fsum(weight)

        label = f"{count} prompts, target={ctx.short(target)}"
        reached = ctx.resolve(lambda: mean(b), span)
        yield ctx.equal(f"library beta: sum_i w_i p_beta(Y1 | prompt i) = target ({label})", reached, target)
        yield ctx.equal(f"library mean validity ({label})", lambda: multi_prompt.mean_validity_mp(chosen, b, weights),
                        reached)
        yield ctx.less(f"mean validity strictly decreasing: mu_bar(2 beta) < mu_bar(beta) ({label})",
                       ctx.resolve(lambda: mean(2 * b), span), reached)


@MULTI.property(st.lists(alphas(min_value=1e-6, max_value=1 - 1e-6), min_size=1, max_size=20).flatmap(
    lambda rates: st.tuples(st.just(rates), st.none() | st.lists(st.floats(0.01, 100), min_size=len(rates),
                                                                    max_size=len(rates)))), st.floats(0.001, 0.999))
def _multi_property(drawn: tuple[list[float], list[float] | None], fraction: float) -> None:
    """The float64 solver: the weighted mean of the definitions' p_beta(Y1) at its beta is the
    target, up to the float64 root's rounding (16 eps times the target and the slope of
    the mean in log beta); the float64 mean validity (at one and at several beta) and the
    per-prompt beta_i (p_{beta_i}(Y1) of prompt i = mu, up to their 2 ulps) against the
    definitions."""
    rates, weights = drawn
    rates_array = np.array(rates)
    weights_array = None if weights is None else np.array(weights)
    floor = float(np.average(rates_array, weights=weights_array))
    target = floor + (1 - floor) * fraction
    if not floor < target < 1:
        return
    b = float(multi_prompt.beta_for_mean_validity(rates_array, target, weights_array))
    weight = [arb(1)] * len(rates) if weights is None else arbs(weights_array)

    def mean(beta: float) -> arb:
        total = arb(0)
        for w, rate in zip(weight, rates):
            total += w * d.validity(arbs(rate), arbs(beta))
        return total / sum(weight, arb(0))

    def slope(beta: float) -> arb:
        total = arb(0)
        for w, rate in zip(weight, rates):
            total += w * d.validity(arbs(rate), arbs(beta)) * d.invalidity(arbs(rate), arbs(beta))
        return total / sum(weight, arb(0)) / arbs(beta)

    within(lambda: mean(b), lambda: arbs(target), lambda: arb(16 * EPS) * (arbs(target) + slope(b)),
           f"mean validity = target at beta = {b!r}")
    accurate(multi_prompt.mean_validity(rates_array, b, weights_array), lambda: mean(b), 4 + 2 * len(rates),
             "mean validity")
    betas_array = np.array([b, 2 * b])
    accurate(multi_prompt.mean_validity(rates_array, betas_array, weights_array), lambda: [mean(b), mean(2 * b)],
             4 + 2 * len(rates), "mean validity at two temperatures")
    below = rates_array[rates_array < target]
    for rate, beta_i in zip(below, multi_prompt.per_prompt_beta(below, target)):
        within(lambda: d.validity(arbs(rate), arbs(float(beta_i))), lambda: arbs(target),
               lambda: arb(4 * EPS) * arbs(target) * (1 - arbs(target)) / arbs(float(beta_i)),
               f"p_beta_i(Y1) = mu for the prompt with alpha = {rate!r}")
