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
from flint import arb

from proofs_checks.claim import register
from proofs_checks.claims import definitions as d
from proofs_checks.claims.notation import BINARY, definitions, DOMAIN, FACTS, FILTERED, MU, TILTED, A, V, Z, total
from proofs_checks.claims.sampling import accurate, arbs, ints, kl_terms, problem_inputs, problems_with_policy
from proofs_checks.derivation import Asymptotic, Derivation, Equal, Limit, Sign
from proofs_checks.numeric import NumericContext
from theory import closed_form, divergences, precise, symbolic
from theory.problem import BinaryRewardProblem
from theory.strategies import alphas, betas
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
        a = d.expectation(base, validity)
        span = ctx.span(a, b)
        label = f"n={len(base)}, alpha={ctx.short(a)}, beta={ctx.short(b)}"
        forward = ctx.resolve(lambda: d.kl(d.condition(base, validity, 1), d.tilt(base, validity, b)), span)
        distance = ctx.resolve(lambda: d.total_variation(d.tilt(base, validity, b), d.condition(base, validity, 1)), span)
        invalid = ctx.resolve(lambda: d.expectation(d.tilt(base, validity, b), [1 - v for v in validity]), span)
        yield ctx.equal(f"library KL(p_*||p_beta) of the problem ({label})", lambda: problem.forward_kl_to_filtered(b),
                        forward)
        yield ctx.equal(f"library -log mu_beta = KL(p_*||p_beta) ({label})",
                        lambda: precise.forward_kl_to_filtered(a, b), forward)
        yield ctx.equal(f"library 1 - mu_beta of the problem ({label})", lambda: problem.invalidity_rate(b), invalid)
        yield ctx.equal(f"library TV(p_beta, p_*) ({label})",
                        lambda: divergences.total_variation(problem.tilted(b), problem.filtered),
                        ctx.resolve(lambda: d.total_variation(problem.tilted(b), problem.filtered, masses=True), span),
                        scale=1)
        yield ctx.equal(f"TV(p_beta, p_*) = 1 - mu_beta ({label})", distance, invalid)
        yield ctx.equal(f"KL(p_*||p_beta) = -log mu_beta ({label})", forward,
                        -mpmath.log(ctx.resolve(lambda: d.expectation(d.tilt(base, validity, b), validity), span)))
    for a, b in ctx.alpha_beta_pairs():
        label = f"alpha={ctx.short(a)}, beta={ctx.short(b)}"

        def deviation() -> list[mpmath.mpf]:
            x = (1 - a) / a * mpmath.exp(-1 / b)
            return [abs(d.kl([a, 0 * a], d.tilt([a, 1 - a], [1, 0], b)) / x - 1), x]

        # -log mu = log1p(x) and x/(1+x) <= log1p(x) <= x, so 0 <= 1 - ratio <= x/(1+x) <= x
        yield ctx.at_most(f"|KL(p_*||p_beta)/x - 1| <= x with x = ((1-alpha)/alpha) e^(-1/beta) ({label})",
                          *ctx.resolve(deviation, 2 * ctx.span(a, b)))


@FORWARD.property(problem_inputs(), betas())
def _forward_property(drawn: tuple[np.ndarray, np.ndarray], b: float) -> None:
    """The float64 KL(p_* || p_beta) = -log mu_beta (closed form, within 2 ulps, and of the
    problem, within 16), 1 - mu_beta and TV of the float64 p_beta and p_* against the
    definitions."""
    base, valid = drawn
    problem, v = BinaryRewardProblem(base, valid), ints(valid)
    alpha = float(problem.alpha)
    accurate(closed_form.forward_kl_to_filtered(alpha, b),
             lambda: d.kl([arbs(alpha), arb(0)], d.tilt([arbs(alpha), 1 - arbs(alpha)], [1, 0], arbs(b))), 2,
             "closed-form -log mu_beta")
    accurate(problem.forward_kl_to_filtered(b), lambda: d.kl(d.condition(arbs(base), v, 1), d.tilt(arbs(base), v, arbs(b))),
             16, "KL(p_*||p_beta)")
    accurate(problem.invalidity_rate(b), lambda: d.expectation(d.tilt(arbs(base), v, arbs(b)), [1 - x for x in v]), 16,
             "1 - mu_beta")
    tilted, filtered = problem.tilted(b), problem.filtered
    accurate(divergences.total_variation(tilted, filtered),
             lambda: d.total_variation(arbs(tilted), arbs(filtered), masses=True), 16, "TV", terms=1.0)


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
        span = ctx.span(a, b)
        m = +ctx.resolve(lambda: d.validity(a, b), span)  # rounded: the library's input
        one_minus = ctx.resolve(lambda: d.invalidity(a, b), span)
        yield ctx.equal(f"library mu_beta = p_beta(Y1) ({label})", lambda: precise.validity_rate(a, b), m)
        yield ctx.equal(f"library 1 - mu_beta = p_beta(Y0) ({label})", lambda: precise.invalidity_rate(a, b), one_minus)
        # differentiate the smaller of mu and 1 - mu (the other may round to 1): d(1 - mu)/d beta = -d mu/d beta
        smaller, sign = (d.invalidity, -1) if m > one_minus else (d.validity, 1)
        slope = sign * ctx.resolve(lambda: ctx.derivative(lambda t: smaller(a, t), b, b), span)
        yield ctx.equal(f"d mu/d beta = -mu (1 - mu)/beta^2 ({label})", slope, -m * one_minus / b**2)
        yield ctx.at_most(f"1 - mu_beta <= ((1-alpha)/alpha) e^(-1/beta) ({label})", one_minus,
                          (1 - a) / a * mpmath.exp(-1 / b))
        yield ctx.at_most(f"mu_beta - alpha <= alpha (1-alpha) expm1(1/beta) ({label})",
                          ctx.resolve(lambda: d.validity(a, b) - a, span), a * (1 - a) * mpmath.expm1(1 / b))
        budget = ctx.resolve(lambda: d.kl(d.tilt([a, 1 - a], [1, 0], b), [a, 1 - a]), span)
        yield ctx.equal(f"library kl(mu||alpha) at mu = mu_beta ({label})", lambda: precise.kl_budget(a, m),
                        ctx.resolve(lambda: d.binary_kl(m, a), span))
        yield ctx.at_most(f"KL(p_beta||a) <= -log alpha ({label})", budget, -mpmath.log(a))
        yield ctx.at_most(f"KL(p_beta||a) grows as beta halves ({label})", budget,
                          ctx.resolve(lambda: d.kl(d.tilt([a, 1 - a], [1, 0], b / 2), [a, 1 - a]), ctx.span(a, b / 2)))
        optimum = ctx.resolve(lambda: d.objective(d.tilt([a, 1 - a], [1, 0], b), [a, 1 - a], [1, 0], b), span)
        yield ctx.at_most(f"1 - J*_beta <= -beta log alpha ({label})", 1 - optimum, -b * mpmath.log(a))
    for problem, base, validity, b in ctx.problems_at_betas():
        span = ctx.span(d.expectation(base, validity), b)
        m = ctx.resolve(lambda: d.expectation(d.tilt(base, validity, b), validity), span)
        yield ctx.equal(f"library mu_beta of the problem (n={len(base)}, beta={ctx.short(b)})",
                        lambda: problem.validity_rate(b), m)
        # kl(mu || alpha) amplifies the rounding of mu when mu is close to alpha: compose at stable precision
        yield ctx.equal(f"KL(p_beta||a) = kl(mu_beta||alpha) (n={len(base)}, beta={ctx.short(b)})",
                        ctx.resolve(lambda: d.kl(d.tilt(base, validity, b), base), span),
                        ctx.resolve(lambda: d.binary_kl(d.expectation(d.tilt(base, validity, b), validity),
                                                        d.expectation(base, validity)), span))


@MONOTONE.property(alphas(), betas())
def _monotone_property(a: float, b: float) -> None:
    """The float64 closed forms mu_beta, 1 - mu_beta and J*_beta within 2 ulps of their
    definitions, and kl(mu || alpha) at the float64 mu_beta within 3 ulps of the
    definition kl((mu, 1 - mu) || (alpha, 1 - alpha))."""
    accurate(closed_form.validity_rate(a, b), lambda: d.validity(arbs(a), arbs(b)), 2, "mu_beta")
    accurate(closed_form.invalidity_rate(a, b), lambda: d.invalidity(arbs(a), arbs(b)), 2, "1 - mu_beta")
    accurate(closed_form.optimal_value(a, b),
             lambda: d.objective(d.tilt([arbs(a), 1 - arbs(a)], [1, 0], arbs(b)), [arbs(a), 1 - arbs(a)], [1, 0], arbs(b)),
             2, "J*_beta")
    m = float(closed_form.validity_rate(a, b))
    accurate(closed_form.kl_budget(a, m), lambda: d.binary_kl(arbs(m), arbs(a)), 3, "kl(mu_beta || alpha)")


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
    orders = (mpmath.mpf(0), mpmath.mpf("0.5"), mpmath.mpf(1), mpmath.mpf(2), mpmath.inf)
    exponents = (mpmath.mpf(-1), mpmath.mpf(0), mpmath.mpf("0.3"), mpmath.mpf(1), mpmath.mpf(2))
    for problem, base, validity, b in ctx.problems_at_betas():
        q = ctx.distribution(len(base))
        a = d.expectation(base, validity)
        p_star = d.condition(base, validity, 1)
        span = ctx.span(a, b)
        label = f"n={len(base)}, alpha={ctx.short(a)}, beta={ctx.short(b)}"
        yield ctx.equal(f"library KL(q||p_*) = +inf for full-support q ({label})",
                        lambda: divergences.kl_divergence(q, p_star), d.kl(q, p_star, masses=True))
        tilted = [+x for x in ctx.resolve(lambda: d.tilt(base, validity, b), span)]  # rounded: the library's input
        yield ctx.equal(f"library KL(p_beta||p_*) = +inf ({label})", lambda: divergences.kl_divergence(tilted, p_star),
                        d.kl(tilted, p_star, masses=True))
        yield ctx.equal(f"library KL(p_*||q) ({label})", lambda: divergences.kl_divergence(p_star, q),
                        d.kl(p_star, q, masses=True))
        yield ctx.less(f"KL(p_*||q) < inf ({label})", d.kl(p_star, q), mpmath.inf)
        valid_mass = d.expectation(q, validity)
        kl_q_a = d.kl(q, base)
        # beta KL(q||p_beta) - (1 - q(Y1)) = beta KL(q||a) + beta log(alpha + (1-alpha) e^{-1/beta}), in [beta log alpha, beta KL(q||a)]
        yield ctx.at_most(f"|beta KL(q||p_beta) - q(Y0)| <= beta (KL(q||a) - log alpha) ({label})",
                          abs(b * ctx.resolve(lambda: d.kl(q, d.tilt(base, validity, b)), span) - (1 - valid_mass)),
                          b * (kl_q_a - mpmath.log(a)))
        # the alpha- and Renyi divergences of p_* and q, which interpolate between the two KLs, and the entropies
        for order in orders:
            yield ctx.equal(f"library Renyi D_{mpmath.nstr(order, 2)}(p_*||q) ({label})",
                            lambda: divergences.renyi_divergence(p_star, q, order), d.renyi(p_star, q, order))
        yield ctx.equal(f"library Renyi D_2(q||p_*) = +inf ({label})",
                        lambda: divergences.renyi_divergence(q, p_star, 2), d.renyi(q, p_star, mpmath.mpf(2)))
        for exponent in exponents:
            yield ctx.equal(f"library Amari D_{mpmath.nstr(exponent, 2)}(p_*||q) ({label})",
                            lambda: divergences.amari_divergence(p_star, q, exponent),
                            ctx.resolve(lambda: d.amari(p_star, q, exponent, masses=True), span))
        yield ctx.equal(f"library H(q) ({label})", lambda: divergences.entropy(q), d.entropy(q, masses=True))
        yield ctx.equal(f"library exp H(p_*) ({label})", lambda: divergences.effective_support(p_star),
                        mpmath.exp(d.entropy(p_star, masses=True)))
        yield ctx.equal(f"library kl(q(Y1)||alpha) ({label})", lambda: divergences.binary_kl(valid_mass, a),
                        ctx.resolve(lambda: d.binary_kl(valid_mass, a), span))


@REVERSE.property(problems_with_policy(), betas())
def _reverse_property(drawn: tuple[np.ndarray, np.ndarray, np.ndarray], b: float) -> None:
    """The float64 KL(q || p_*) = +inf, KL(p_* || q), the Renyi and Amari divergences of p_*
    and q, the entropy and kl(q(Y1) || alpha) against their definitions (16 ulps, times the
    conditioning |order log(p/q)| of the powers p^order q^(1-order))."""
    base, valid, q = drawn
    problem = BinaryRewardProblem(base, valid)
    filtered = problem.filtered
    accurate(divergences.kl_divergence(q, filtered), lambda: d.kl(arbs(q), arbs(filtered), masses=True), 16, "KL(q||p_*)")
    accurate(divergences.kl_divergence(filtered, q), lambda: d.kl(arbs(filtered), arbs(q), masses=True), 16,
             "KL(p_*||q)", terms=kl_terms(filtered, q))
    ratios = np.abs(np.log(filtered[valid] / q[valid]))
    for order in (0.0, 0.5, 2.0, np.inf):
        exact_order = order if order in (0.0, np.inf) else arbs(order)
        condition = 1 + (float(np.max(ratios)) * (order if np.isfinite(order) else 1))
        accurate(divergences.renyi_divergence(filtered, q, order), lambda: d.renyi(arbs(filtered), arbs(q), exact_order),
                 16 * condition, f"Renyi D_{order}(p_*||q)", terms=float(np.max(ratios)) if order == np.inf else 0.0)
    accurate(divergences.renyi_divergence(q, filtered, 2.0), lambda: d.renyi(arbs(q), arbs(filtered), arbs(2.0)), 16,
             "Renyi D_2(q||p_*)")
    for exponent in (-1.0, 0.0, 0.3, 1.0, 2.0):
        condition = 1 + abs(exponent) * float(np.max(ratios))
        accurate(divergences.amari_divergence(filtered, q, exponent),
                 lambda: d.amari(arbs(filtered), arbs(q), arbs(exponent), masses=True), 16 * condition,
                 f"Amari D_{exponent}(p_*||q)")
    accurate(divergences.entropy(q), lambda: d.entropy(arbs(q), masses=True), 16, "H(q)")
    entropy = float(divergences.entropy(filtered))
    accurate(divergences.effective_support(filtered), lambda: d.entropy(arbs(filtered), masses=True).exp(),
             16 * (1 + entropy), "exp H(p_*)")
    mass, alpha = float(np.sum(q[valid])), float(problem.alpha)
    accurate(divergences.binary_kl(mass, alpha), lambda: d.binary_kl(arbs(mass), arbs(alpha)), 16, "kl(q(Y1)||alpha)")
