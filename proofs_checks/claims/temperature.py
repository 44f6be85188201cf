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
from hypothesis import strategies as st

from proofs_checks.claim import register
from proofs_checks.claims.notation import definitions, DOMAIN, MU, Z
from proofs_checks.derivation import Derivation, Equal, Limit, Sign
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
        for target in _targets(ctx, a):
            label = f"alpha={ctx.short(a)}, mu={ctx.short(target)}"
            b = precise.beta_for_validity(a, target)
            yield ctx.equal(f"mu(beta(mu)) = mu ({label})", precise.validity_rate(a, b), target)
            yield ctx.equal(f"1 - mu(beta(mu)) = 1 - mu ({label})", precise.invalidity_rate(a, b), 1 - target)
            # differentiate along the log-odds u = symbolic.logit(mu), far from the pole at mu = 1: d mu/d u = mu (1 - mu)
            # the pole of beta(u) = 1/(u - logit alpha) is at distance 1/beta, and u - logit alpha cancels
            slope = ctx.resolve(lambda: ctx.derivative(lambda u: precise.beta_for_validity(a, precise.sigmoid(u)),
                                                       precise.logit(target), 1 / b), ctx.span(a, b))
            yield ctx.equal(f"d beta/d mu = -beta^2/(mu(1-mu)) ({label})", slope / (target * (1 - target)),
                            -b**2 / (target * (1 - target)))
            yield ctx.equal(f"J* = mu - beta kl(mu||alpha) ({label})", precise.optimal_value(a, b),
                            target - b * precise.kl_budget(a, target))
        try:
            precise.beta_for_validity(a, a / 2)
            yield ctx.fails(f"beta(mu) rejects mu = alpha/2 < alpha (alpha={ctx.short(a)})")
        except DomainError as error:
            yield ctx.holds(f"beta(mu) rejects mu = alpha/2 < alpha (alpha={ctx.short(a)}): {error}")
    for a, b in ctx.alpha_beta_pairs():
        yield ctx.equal(f"mu_beta = sigma(1/beta + logit alpha) (alpha={ctx.short(a)}, beta={ctx.short(b)})",
                        precise.validity_rate(a, b), precise.sigmoid(1 / b + precise.logit(a)))


@BETA_MU.property(alphas().flatmap(lambda a: st.tuples(st.just(a), validity_targets(a))))
def _beta_mu_property(drawn: tuple[float, float]) -> None:
    a, target = drawn
    b = float(closed_form.beta_for_validity(a, target))
    gap = float(np.log1p((target - a) / a) + np.log1p((target - a) / (1 - target)))  # logit mu - logit alpha
    # relative condition numbers of mu and 1 - mu as functions of beta: (1 - mu)/beta and mu/beta
    tolerance_mu = 8 * EPS * (1 + (1 - target) * gap)
    tolerance_rest = 8 * EPS * (1 + target * gap)
    assert abs(closed_form.validity_rate(a, b) - target) <= tolerance_mu * target, "mu(beta(mu)) != mu"
    rest = float(closed_form.invalidity_rate(a, b))
    assert abs(rest - (1 - target)) <= tolerance_rest * (1 - target) + EPS * target, "1 - mu(beta(mu)) != 1 - mu"
    for bad in (a / 2, 1.0):
        try:
            closed_form.beta_for_validity(a, bad)
        except DomainError as error:
            assert "mu" in str(error) and "alpha" in str(error), f"unclear error message: {error}"
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
        label = f"{count} prompts, target={ctx.short(target)}"
        yield ctx.equal(f"mean validity at the solved beta = target ({label})",
                        multi_prompt.mean_validity_mp(chosen, b, weights), target)
        yield ctx.less(f"mean validity strictly decreasing: mu_bar(2 beta) < mu_bar(beta) ({label})",
                       multi_prompt.mean_validity_mp(chosen, 2 * b, weights), multi_prompt.mean_validity_mp(chosen, b, weights))
        if count == 1:
            yield ctx.equal(f"one prompt: beta = beta(mu) ({label})", b, precise.beta_for_validity(chosen[0], target))


@MULTI.property(st.lists(alphas(min_value=1e-6, max_value=1 - 1e-6), min_size=1, max_size=20), st.floats(0.001, 0.999))
def _multi_property(rates: list[float], fraction: float) -> None:
    rates_array = np.array(rates)
    floor = float(np.mean(rates_array))
    target = floor + (1 - floor) * fraction
    if not floor < target < 1:
        return
    b = float(multi_prompt.beta_for_mean_validity(rates_array, target))
    mus = closed_form.validity_rate(rates_array, b)
    slope = float(np.mean(mus * closed_form.invalidity_rate(rates_array, b))) / b  # |d mu_bar / d log beta|
    reached = float(multi_prompt.mean_validity(rates_array, b))
    assert abs(reached - target) <= 16 * EPS * (target + slope), f"mean validity {reached!r} != target {target!r}"
    assert multi_prompt.mean_validity(rates_array, 2 * b) <= reached, "mean validity increased with beta"
    per_prompt = multi_prompt.per_prompt_beta(rates_array[rates_array < target], target)
    order = np.argsort(rates_array[rates_array < target], kind="stable")
    assert np.all(np.diff(per_prompt[order]) >= 0), "per-prompt beta not increasing in alpha"
