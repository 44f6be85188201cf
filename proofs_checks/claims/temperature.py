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

import mpmath
import numpy as np
import sympy as sp
from flint import arb
from hypothesis import strategies as st

from proofs_checks.claim import register
from proofs_checks.claims import definitions as d
from proofs_checks.claims.notation import definitions, DOMAIN, MU, Z
from proofs_checks.claims.sampling import (
    accurate, arbs, closed_form_symbolic_cases, enclosure, exact_mpf, temperature, ulp, within,
)
from proofs_checks.derivation import Derivation, Equal, Limit, Sign
from proofs_checks.numeric import NumericContext
from theory import closed_form, multi_prompt, precise, symbolic
from theory.errors import DomainError
from theory.strategies import alphas, betas, validity_targets
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
)


@BETA_MU.symbolic
def _beta_mu_derivation() -> Derivation:
    return Derivation(
        scope="symbolic alpha, beta and mu",
        definitions=definitions(),
        steps=(
            Equal(MU, symbolic.sigmoid(1 / beta + symbolic.logit(alpha)), "alpha e^{1/beta}/(1 - alpha + alpha e^{1/beta}) = "
                  "1/(1 + e^{-1/beta} (1 - alpha)/alpha)"),
            Equal(symbolic.beta_for_validity(alpha, MU), beta, "logit mu_beta - logit alpha = 1/beta: beta(mu) inverts mu_beta"),
            Equal(MU - alpha, alpha * (1 - alpha) * (sp.exp(1 / beta) - 1) / Z, "put mu_beta - alpha over Z_beta"),
            Sign(alpha * (1 - alpha) * (sp.exp(1 / beta) - 1) / Z, "positive",
                 "e^{1/beta} > 1 for beta > 0 and Z_beta > 0: no beta gives mu <= alpha",
                 positive=(1 - alpha, sp.exp(1 / beta) - 1), expand_definitions=False),
            Sign(1 - MU, "positive", "1 - mu_beta = (1 - alpha)/Z_beta: no beta gives mu >= 1", positive=(1 - alpha,)),
            Equal(sp.Derivative(symbolic.beta_for_validity(alpha, mu), mu), -symbolic.beta_for_validity(alpha, mu) ** 2 / (mu * (1 - mu)),
                  "d/d mu of 1/(logit mu - logit alpha), with d logit mu / d mu = 1/(mu (1 - mu))"),
            Equal(MU - beta * symbolic.binary_kl(MU, alpha), beta * sp.log(Z),
                  "J*_beta = E_{p_beta}[v] - beta KL(p_beta || a) with KL(p_beta || a) = kl(mu_beta || alpha) "
                  "(validity-monotone)"),
        ),
        domain=DOMAIN,
    )


def _targets(ctx: NumericContext, a: mpmath.mpf) -> list[mpmath.mpf]:
    """Targets in ``(alpha, 1)``: just above alpha, just below 1, and in between."""
    gap = 1 - a
    return [a + gap * ctx.log_uniform("1e-30", "1e-3"), 1 - gap * ctx.log_uniform("1e-30", "1e-3"), a + gap * ctx.uniform()]


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
        for m in (mpmath.mpf(0), mpmath.mpf(1), a / 2):  # kl(0||alpha) = -log(1 - alpha), kl(1||alpha) = -log alpha
            yield ctx.equal(f"library kl(mu||alpha) (alpha={ctx.short(a)}, mu={ctx.short(m)})",
                            lambda: precise.kl_budget(a, m), ctx.resolve(lambda: d.binary_kl(m, a), ctx.span(a, 1)))
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
    for text in ("-1", "-0.9999", "-0.7", "-0.5", "-0.49", "-0.1", "-1e-10", "1e-10", "0.3", "0.49", "0.5", "2", "1e6"):
        r = mpmath.mpf(text)
        # phi(r) = (1 + r) log(1 + r) - r is the KL term q log(q/p) - q + p at p = 1, q = 1 + r
        yield ctx.equal(f"library phi({text})", lambda: precise.binary_phi(r),
                        ctx.resolve(lambda: d.kl([1 + r], [mpmath.mpf(1)], masses=True) - r, 2 * ctx.dps))
    yield from closed_form_symbolic_cases(ctx)


@BETA_MU.property(alphas().flatmap(lambda a: st.tuples(st.just(a), validity_targets(a))), betas())
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
    error = abs(arb(value) - exact) / ulp(exact)  # the definition of the error in ulps
    accurate(closed_form.ulp_error(value, exact_mpf(exact)), lambda: error, 2, "ulp_error")
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
)


@MULTI.symbolic
def _multi_derivation() -> Derivation:
    i, m = sp.symbols("i m", integer=True, positive=True)
    w, alpha_i, mu_i = (sp.IndexedBase(name, positive=True) for name in ("w", "alpha", "mu"))
    a_i = sp.Symbol("alpha_i", positive=True)
    prompt_mu = symbolic.sigmoid(1 / beta + symbolic.logit(a_i))
    return Derivation(
        scope="any number m of prompts (symbolic sums over i = 1..m), symbolic beta and alpha_i",
        steps=(
            Equal(sp.Derivative(prompt_mu, beta), -prompt_mu * (1 - prompt_mu) / beta**2,
                  "per prompt, as in validity-monotone"),
            Sign(sp.Sum(-w[i] * mu_i[i] * (1 - mu_i[i]) / beta**2, (i, 1, m)), "negative",
                 "d mu_bar/d beta = -sum_i w_i mu_i (1 - mu_i)/beta^2 < 0, since 0 < mu_i < 1 (beta-mu)",
                 positive=(1 - mu_i[i],)),
            Limit(prompt_mu, beta, 0, 1, "each mu_i -> 1, so mu_bar -> sum_i w_i = 1 as beta -> 0+"),
            Limit(prompt_mu, beta, sp.oo, a_i, "each mu_i -> alpha_i, so mu_bar -> sum_i w_i alpha_i as beta -> inf",
                  direction="-"),
            Equal(sp.Derivative(symbolic.beta_for_validity(a_i, mu), a_i),
                  1 / (a_i * (1 - a_i) * (symbolic.logit(mu) - symbolic.logit(a_i)) ** 2),
                  "continuity and strict monotonicity give exactly one beta per target; per prompt, differentiate "
                  "beta_i = 1/(logit mu - logit alpha_i)"),
            Sign(1 / (a_i * (1 - a_i) * (symbolic.logit(mu) - symbolic.logit(a_i)) ** 2), "positive",
                 "so beta_i increases with alpha_i ((logit mu - logit alpha_i)^2 > 0 as alpha_i < mu < 1)",
                 positive=(1 - a_i, (symbolic.logit(mu) - symbolic.logit(a_i)) ** 2)),
        ),
        domain={**DOMAIN, a_i: (0, 1)},
    )


@MULTI.numeric
def _multi_numeric(ctx: NumericContext):
    alphas_pool = ctx.alphas()
    for case in range(ctx.random_cases):
        count = 1 + case % 12
        chosen = [alphas_pool[ctx.rng.randrange(len(alphas_pool))] for _ in range(count)]
        weights = ctx.distribution(count)
        floor = mpmath.fsum(w * a for w, a in zip(weights, chosen))
        target = floor + (1 - floor) * ctx.uniform("0.001", "0.999")
        b = multi_prompt.beta_for_mean_validity_mp(chosen, target, weights)
        span = max(ctx.span(a, b) for a in chosen)

        def mean(beta: mpmath.mpf) -> mpmath.mpf:
            return mpmath.fsum(w * d.validity(a, beta) for w, a in zip(weights, chosen)) / mpmath.fsum(weights)

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
