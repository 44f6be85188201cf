"""How p_beta approaches p_*, and why p_* cannot be a reverse-KL target.

As ``beta -> 0+`` the tilted distribution ``p_beta`` converges to the filtered
model ``p_*`` in forward KL and in total variation, its validity rate rises
monotonically to 1, and the KL budget rises to ``-log alpha``; yet
``KL(q || p_*)`` is infinite for every full-support ``q``, ``p_beta`` included.

Main statements
- ``forward-kl-limit``: ``KL(p_* || p_beta) = -log mu_beta -> 0``, with
  ``-log mu_beta ~ ((1 - alpha)/alpha) e^{-1/beta}``; ``TV(p_beta, p_*) = 1 - mu_beta``.
- ``validity-monotone``: ``d mu_beta / d beta = -mu_beta (1 - mu_beta) / beta^2 < 0``,
  ``mu_beta -> 1`` (``beta -> 0+``), ``mu_beta -> alpha`` (``beta -> inf``);
  ``KL(p_beta || a) = kl(mu_beta || alpha)`` increases to ``-log alpha``; ``J*_beta -> 1``.
- ``reverse-kl-infinite``: ``q(Y0) > 0`` implies ``KL(q || p_*) = +inf``;
  ``KL(p_* || q) < inf`` for full-support ``q``; ``KL(q || p_beta) ~ (1 - q(Y1))/beta``.
"""

from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from proofs_checks.claim import register
from proofs_checks.claims import definitions as d
from proofs_checks.claims.notation import BINARY, definitions, DOMAIN, FACTS, FILTERED, MU, TILTED, A, V, Z, total
from proofs_checks.claims.sampling import close, problems_with_policy
from proofs_checks.derivation import Asymptotic, Derivation, Equal, Limit, Sign
from proofs_checks.numeric import NumericContext
from theory import closed_form, divergences, precise, symbolic
from theory.problem import BinaryRewardProblem
from theory.sequences.divergences import kl_divergence_from_logs
from theory.strategies import alphas, betas, problems
from theory.symbolic import alpha, beta

# --- forward-kl-limit -----------------------------------------------------------

FORWARD = register(
    "forward-kl-limit",
    title="p_beta converges to p_* in forward KL",
    source="paper",
    statement=(
        r"$\mathrm{KL}(p_*\,\|\,p_\beta) = -\log\mu_\beta \to 0$ as $\beta\to 0^+$, with"
        r" $-\log\mu_\beta \sim \frac{1-\alpha}{\alpha}e^{-1/\beta}$; and $\mathrm{TV}(p_\beta, p_*) = 1-\mu_\beta$."
    ),
    uses=("conditional-invariance",),
)


@FORWARD.symbolic
def _forward_derivation() -> Derivation:
    valid_tilted = A * sp.exp(1 / beta) / Z
    return Derivation(
        scope="all n and every validity pattern (generic outcome y, symbolic sums); limits for symbolic alpha",
        definitions=definitions(),
        steps=(
            Equal(total(V * (A / alpha) * sp.log((A / alpha) / valid_tilted)), -sp.log(MU),
                  "only valid y contribute (0 log 0 = 0); there p_*(y)/p_beta(y) = Z_beta/(alpha e^{1/beta}) = 1/mu_beta",
                  given=FACTS),
            Limit(-sp.log(MU), beta, 0, 0, "mu_beta -> 1 as beta -> 0+"),
            Asymptotic(-sp.log(MU), (1 - alpha) / alpha * sp.exp(-1 / beta), beta, 0,
                       "-log mu_beta = log(1 + ((1-alpha)/alpha) e^{-1/beta}) and log(1 + x) ~ x"),
            Equal((TILTED - FILTERED) * V, -(1 - MU) * FILTERED,
                  "on Y1, p_beta = mu_beta p_* (conditional-invariance), so |p_beta - p_*| = (1 - mu_beta) p_*",
                  cases=BINARY),
            Equal(total((1 - MU) * FILTERED + (1 - V) * A / Z) / 2, 1 - MU,
                  "TV = (1/2)(sum over Y1 of (1 - mu_beta) p_* + sum over Y0 of p_beta) = 1 - mu_beta", given=FACTS),
        ),
        domain=DOMAIN,
    )


@FORWARD.numeric
def _forward_numeric(ctx: NumericContext):
    for problem, base, validity, b in ctx.problems_at_betas():
        label = f"n={len(base)}, alpha={ctx.short(problem.alpha)}, beta={ctx.short(b)}"
        yield ctx.equal(f"KL(p_*||p_beta) = -log mu_beta ({label})",
                        ctx.resolve(lambda: d.kl(d.condition(base, validity, 1), d.tilt(base, validity, b)), ctx.span(problem.alpha, b)),
                        precise.forward_kl_to_filtered(problem.alpha, b))
        yield ctx.equal(f"TV(p_beta, p_*) = 1 - mu_beta ({label})",
                        ctx.resolve(lambda: d.total_variation(d.tilt(base, validity, b), d.condition(base, validity, 1)), ctx.span(problem.alpha, b)),
                        precise.invalidity_rate(problem.alpha, b))
    for a, b in ctx.alpha_beta_pairs():
        x = (1 - a) / a * mpmath.exp(-1 / b)
        ratio = precise.forward_kl_to_filtered(a, b) / x
        label = f"alpha={ctx.short(a)}, beta={ctx.short(b)}"
        # -log mu = log1p(x) and x/(1+x) <= log1p(x) <= x, so 0 <= 1 - ratio <= x/(1+x) <= x
        yield ctx.at_most(f"|(-log mu)/x - 1| <= x with x = ((1-alpha)/alpha) e^(-1/beta) ({label})",
                          abs(ratio - 1), x)


@FORWARD.property(problems(), betas())
def _forward_property(problem: BinaryRewardProblem, b: float) -> None:
    tv = divergences.total_variation(problem.tilted(b), problem.filtered)
    close(tv, float(problem.invalidity_rate(b)), 1.0, "TV(p_beta, p_*) vs 1 - mu_beta",
          rtol=4 * problem.n * np.finfo(float).eps)
    smaller = b / 2
    assert problem.forward_kl_to_filtered(smaller) <= problem.forward_kl_to_filtered(b), \
        "KL(p_*||p_beta) increased when beta decreased"


# --- validity-monotone ----------------------------------------------------------

MONOTONE = register(
    "validity-monotone",
    title="mu_beta as a function of beta",
    source="paper",
    statement=(
        r"$\frac{d\mu_\beta}{d\beta} = -\frac{\mu_\beta(1-\mu_\beta)}{\beta^2} < 0$; $\mu_\beta\to 1$ as"
        r" $\beta\to 0^+$ and $\mu_\beta\to\alpha$ as $\beta\to\infty$. $\mathrm{KL}(p_\beta\,\|\,a) ="
        r" \mathrm{kl}(\mu_\beta\,\|\,\alpha)$, which increases to $\mathrm{KL}(p_*\,\|\,a) = -\log\alpha$ as"
        r" $\beta\to 0^+$; $J^*_\beta \to 1$ as $\beta\to 0^+$."
    ),
    uses=("gibbs-identity", "filtered-selection"),
)


@MONOTONE.symbolic
def _monotone_derivation() -> Derivation:
    return Derivation(
        scope="symbolic alpha and beta; the KL identity for all n and every validity pattern (symbolic sums)",
        definitions=definitions(),
        steps=(
            Equal(sp.Derivative(MU, beta), -MU * (1 - MU) / beta**2, "differentiate mu_beta = alpha e^{1/beta} / Z_beta"),
            Sign(MU, "positive", "mu_beta = alpha e^{1/beta}/Z_beta with 1 - alpha > 0", positive=(1 - alpha,)),
            Sign(1 - MU, "positive", "1 - mu_beta = (1 - alpha)/Z_beta", positive=(1 - alpha,)),
            Sign(-MU * (1 - MU) / beta**2, "negative", "0 < mu_beta < 1 (previous two steps) and beta^2 > 0",
                 positive=(MU, 1 - MU), expand_definitions=False),
            Limit(MU, beta, 0, 1, "e^{1/beta} -> inf"),
            Limit(MU, beta, sp.oo, alpha, "e^{1/beta} -> 1", direction="-"),
            Equal(sp.log(TILTED / A), V / beta - sp.log(Z), "definition of p_beta, pointwise"),
            Equal(TILTED * V, A * V * sp.exp(1 / beta) / Z, "v(y) in {0, 1}", cases=BINARY),
            Equal(total(A * V * sp.exp(1 / beta) / Z) / beta - sp.log(Z) * total(TILTED), MU / beta - sp.log(Z),
                  "KL(p_beta || a) = sum_y p_beta (v/beta - log Z_beta) = mu_beta/beta - log Z_beta",
                  given={**FACTS, total(A * sp.exp(V / beta)): Z}),
            Equal(symbolic.binary_kl(MU, alpha), MU / beta - sp.log(Z),
                  "kl(mu_beta || alpha) with mu_beta/alpha = e^{1/beta}/Z_beta and (1 - mu_beta)/(1 - alpha) = 1/Z_beta"),
            Equal(symbolic.logit(MU) - symbolic.logit(alpha), 1 / beta, "logit mu_beta = logit alpha + 1/beta"),
            Equal(sp.Derivative(symbolic.binary_kl(MU, alpha), beta), (symbolic.logit(MU) - symbolic.logit(alpha)) * sp.Derivative(MU, beta),
                  "chain rule: d kl(mu || alpha)/d mu = logit mu - logit alpha"),
            Sign(-MU * (1 - MU) / beta**3, "negative",
                 "so d KL(p_beta || a)/d beta = -mu_beta (1 - mu_beta)/beta^3 < 0: the budget grows as beta decreases",
                 positive=(MU, 1 - MU), expand_definitions=False),
            Limit(symbolic.binary_kl(MU, alpha), beta, 0, -sp.log(alpha), "mu_beta -> 1 and kl(1 || alpha) = -log alpha"),
            Limit(beta * sp.log(Z), beta, 0, 1, "beta log(1 - alpha + alpha e^{1/beta}) = 1 + beta log(alpha + "
                  "(1-alpha) e^{-1/beta}) -> 1"),
        ),
        domain=DOMAIN,
    )


@MONOTONE.numeric
def _monotone_numeric(ctx: NumericContext):
    for a, b in ctx.alpha_beta_pairs():
        label = f"alpha={ctx.short(a)}, beta={ctx.short(b)}"
        m, one_minus = precise.validity_rate(a, b), precise.invalidity_rate(a, b)
        # differentiate the smaller of mu and 1 - mu (the other may round to 1): d(1 - mu)/d beta = -d mu/d beta
        smaller, sign = (precise.invalidity_rate, -1) if m > one_minus else (precise.validity_rate, 1)
        slope = sign * ctx.derivative(lambda t: smaller(a, t), b, b)
        yield ctx.equal(f"d mu/d beta = -mu (1 - mu)/beta^2 ({label})", slope, -m * one_minus / b**2)
        yield ctx.at_most(f"1 - mu_beta <= ((1-alpha)/alpha) e^(-1/beta) ({label})", one_minus,
                          (1 - a) / a * mpmath.exp(-1 / b))
        yield ctx.at_most(f"mu_beta - alpha <= alpha (1-alpha) expm1(1/beta) ({label})", m - a,
                          a * (1 - a) * mpmath.expm1(1 / b))
        budget = precise.kl_budget(a, m)
        yield ctx.at_most(f"kl(mu_beta || alpha) <= -log alpha ({label})", budget, -mpmath.log(a))
        yield ctx.at_most(f"kl budget grows as beta halves ({label})", budget, precise.kl_budget(a, precise.validity_rate(a, b / 2)))
        yield ctx.at_most(f"1 - J*_beta <= -beta log alpha ({label})", 1 - precise.optimal_value(a, b), -b * mpmath.log(a))
    for problem, base, validity, b in ctx.problems_at_betas():
        # kl(mu || alpha) amplifies the rounding of mu when mu is close to alpha: compose at stable precision
        yield ctx.equal(f"KL(p_beta||a) = kl(mu_beta||alpha) (n={len(base)}, beta={ctx.short(b)})",
                        ctx.resolve(lambda: d.kl(d.tilt(base, validity, b), base), ctx.span(problem.alpha, b)),
                        ctx.resolve(lambda: precise.kl_budget(problem.alpha, problem.validity_rate(b)), ctx.span(problem.alpha, b)))


@MONOTONE.property(alphas(), betas(), betas())
def _monotone_property(a: float, b1: float, b2: float) -> None:
    small, large = min(b1, b2), max(b1, b2)
    assert closed_form.validity_rate(a, small) >= closed_form.validity_rate(a, large), "mu_beta increased with beta"
    assert closed_form.invalidity_rate(a, small) <= closed_form.invalidity_rate(a, large), "1 - mu_beta decreased with beta"
    budget_small = closed_form.kl_budget(a, closed_form.validity_rate(a, small))
    budget_large = closed_form.kl_budget(a, closed_form.validity_rate(a, large))
    eps = np.finfo(float).eps
    assert budget_small >= budget_large * (1 - 8 * eps), "the KL budget decreased as beta decreased"
    assert budget_small <= -np.log(a) * (1 + 8 * eps), "the KL budget exceeds -log alpha"
    assert closed_form.optimal_value(a, small) <= 1 + 4 * eps, "J*_beta exceeds 1"


# --- reverse-kl-infinite --------------------------------------------------------

REVERSE = register(
    "reverse-kl-infinite",
    title="p_* cannot be a reverse-KL target",
    source="paper",
    statement=(
        r"If $q(\mathcal{Y}_0) > 0$ then $\mathrm{KL}(q\,\|\,p_*) = +\infty$; in particular for every"
        r" full-support $q$ and for $p_\beta$ at every $\beta > 0$, although $\mathrm{KL}(p_*\,\|\,p_\beta)\to 0$."
        r" In contrast $\mathrm{KL}(p_*\,\|\,q) < \infty$ for full-support $q$. For fixed full-support $q$,"
        r" $\mathrm{KL}(q\,\|\,p_\beta) \sim (1 - q(\mathcal{Y}_1))/\beta \to +\infty$ as $\beta\to 0^+$."
    ),
    uses=("gibbs-identity", "forward-kl-limit"),
)


@REVERSE.symbolic
def _reverse_derivation() -> Derivation:
    q_y, p_y = sp.symbols("q_y p_y", positive=True)
    kl_q_a = sp.Symbol(r"\mathrm{KL}(q\|a)", positive=True)
    w = sp.Symbol("w", positive=True)
    kl_q_tilted = kl_q_a - (1 - w) / beta + sp.log(Z)
    return Derivation(
        scope="any outcome with q(y) > 0 = p_*(y); symbolic alpha, beta and q(Y0) = w > 0 for the rate",
        definitions=definitions(),
        steps=(
            Limit(q_y * sp.log(q_y / p_y), p_y, 0, sp.oo,
                  "a term with q(y) > 0 = p(y) is +inf (the convention is this limit): KL(q || p_*) = +inf when q(Y0) > 0"),
            Sign(1 - MU, "positive", "p_beta(Y0) = 1 - mu_beta = (1 - alpha)/Z_beta > 0 for every beta > 0",
                 positive=(1 - alpha,)),
            Limit(p_y * sp.log(p_y / q_y), p_y, 0, 0,
                  "terms of KL(p_* || q) with p_*(y) = 0 vanish and the others are finite when q(y) > 0"),
            Limit(beta * kl_q_tilted, beta, 0, w,
                  "KL(q || p_beta) = KL(q || a) - q(Y1)/beta + log Z_beta (gibbs-identity), q(Y1) = 1 - w"),
            Asymptotic(kl_q_tilted, w / beta, beta, 0, "hence KL(q || p_beta) ~ (1 - q(Y1))/beta -> +inf"),
        ),
        domain={**DOMAIN, w: (0, 1)},
    )


@REVERSE.numeric
def _reverse_numeric(ctx: NumericContext):
    for problem, base, validity, b in ctx.problems_at_betas():
        q = ctx.distribution(len(base))
        label = f"n={len(base)}, alpha={ctx.short(problem.alpha)}, beta={ctx.short(b)}"
        yield ctx.equal(f"KL(q||p_*) = +inf for full-support q ({label})", divergences.kl_divergence(q, problem.filtered), mpmath.inf)
        yield ctx.equal(f"KL(p_beta||p_*) = +inf ({label})", divergences.kl_divergence(problem.tilted(b), problem.filtered), mpmath.inf)
        yield ctx.less(f"KL(p_*||q) < inf ({label})", d.kl(problem.filtered, q), mpmath.inf)
        valid_mass = d.expectation(q, validity)
        kl_q_a = d.kl(q, base)
        # beta KL(q||p_beta) - (1 - q(Y1)) = beta KL(q||a) + beta log(alpha + (1-alpha) e^{-1/beta}), in [beta log alpha, beta KL(q||a)]
        yield ctx.at_most(f"|beta KL(q||p_beta) - q(Y0)| <= beta (KL(q||a) - log alpha) ({label})",
                          abs(b * ctx.resolve(lambda: d.kl(q, d.tilt(base, validity, b)), ctx.span(problem.alpha, b)) - (1 - valid_mass)),
                          b * (kl_q_a - mpmath.log(problem.alpha)))


@REVERSE.property(problems_with_policy(), betas())
def _reverse_property(drawn: tuple[BinaryRewardProblem, np.ndarray], b: float) -> None:
    problem, q = drawn
    assert divergences.kl_divergence(q, problem.filtered) == np.inf, "KL(q||p_*) finite for a full-support q"
    assert divergences.kl_divergence(problem.tilted(b), problem.filtered) == np.inf or problem.invalidity_rate(b) < np.finfo(
        float).tiny, "KL(p_beta||p_*) finite although p_beta(Y0) is a normal float"
    assert np.isfinite(divergences.kl_divergence(problem.filtered, q)), "KL(p_*||q) infinite for a full-support q"
    invalid_mass = float(np.sum(q[~problem.valid]))
    bound = b * (divergences.kl_divergence(q, problem.base) - np.log(problem.alpha))
    scaled = b * kl_divergence_from_logs(np.log(q), problem.log_tilted(b))
    # the bound can be tight (q(Y0) >> a(Y0)); float inputs carry eps-level errors in each log, times beta
    slack = 8 * problem.n * np.finfo(float).eps * (scaled + invalid_mass + bound + b)
    assert abs(scaled - invalid_mass) <= bound + slack, \
        "beta KL(q||p_beta) is not within beta (KL(q||a) - log alpha) of q(Y0)"
