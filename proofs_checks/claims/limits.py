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

import math

import mpmath
import numpy as np
import sympy as sp
from flint import arb

from proofs_checks.claim import register
from proofs_checks.claims import definitions as d
from proofs_checks.claims.notation import (
    definitions, DOMAIN, FILTERED, MU, TILT, TILTED, A, M, Q, V, Z, kl, total,
)
from proofs_checks.claims.sampling import (
    accurate, alphas_and_extremes, arbs, betas_and_extremes, ints, kl_terms, problem_inputs, problems_with_policy,
)
from proofs_checks.proof import Apply, Asymptotic, Derivation, Equal, Finite, Limit, Part, Sign
from proofs_checks.standard_results import off_support
from proofs_checks.numeric import NumericContext
from theory import closed_form, divergences, precise, symbolic
from theory.problem import BinaryRewardProblem
from theory.strategies import betas
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
    parts=(
        Part("identity", r"$\mathrm{KL}(p_*\,\|\,p_\beta) = -\log\mu_\beta$.",
             sp.Eq(kl(1, A / alpha, TILTED, V), -sp.log(MU))),
        Part("limit", r"$-\log\mu_\beta \to 0$ as $\beta \to 0^+$.",
             sp.Eq(sp.Limit(-sp.log(MU), beta, 0, "+"), 0)),
        Part("rate", r"$-\log\mu_\beta \sim \frac{1-\alpha}{\alpha} e^{-1/\beta}$ as $\beta \to 0^+$.",
             sp.Eq(sp.Limit(-sp.log(MU) / ((1 - alpha) / alpha * sp.exp(-1 / beta)), beta, 0, "+"), 1)),
        Part("total-variation", r"$\mathrm{TV}(p_\beta, p_*) = \frac12\sum_y |p_\beta(y) - p_*(y)| = 1 - \mu_\beta$.",
             sp.Eq(total(sp.Abs(TILTED - FILTERED)) / 2, 1 - MU)),
    ),
)


@FORWARD.symbolic
def _forward_derivation() -> Derivation:
    return Derivation(
        scope="every finite problem (generic outcome $y$, symbolic sums over $n$ outcomes); limits for symbolic"
              " $\\alpha$",
        definitions=definitions(),
        steps=(
            Equal(kl(1, A / alpha, TILTED, V), -sp.log(MU),
                  r"only valid $y$ contribute ($0\log 0 = 0$), where $p_*(y)/p_\beta(y) ="
                  r" Z_\beta/(\alpha e^{1/\beta}) = 1/\mu_\beta$; $\sum_y p_* = 1$",
                  assumes=("binary-reward", "finite-outputs", *TILT)),
            Limit(-sp.log(MU), beta, 0, 0, r"$\mu_\beta \to 1$ as $\beta \to 0^+$", assumes=TILT),
            Asymptotic(-sp.log(MU), (1 - alpha) / alpha * sp.exp(-1 / beta), beta, 0,
                       r"$-\log\mu_\beta = \log(1 + x)$ with $x = \frac{1-\alpha}{\alpha}e^{-1/\beta} \to 0$, and"
                       r" $\log(1 + x) \sim x$", assumes=TILT),
            Equal(total(sp.Abs(TILTED - FILTERED)) / 2, 1 - MU,
                  r"on $\mathcal{Y}_1$, $|p_\beta - p_*| = (1 - \mu_\beta) p_*$ (conditional-invariance); on"
                  r" $\mathcal{Y}_0$, $|p_\beta - p_*| = p_\beta$; the two blocks sum to $2(1 - \mu_\beta)$",
                  assumes=("conditional-invariance:valid-conditional", "binary-reward", "finite-outputs", *TILT)),
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


@FORWARD.property(problem_inputs(), betas_and_extremes())
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
    parts=(
        Part("derivative", r"$\frac{d\mu_\beta}{d\beta} = -\frac{\mu_\beta(1-\mu_\beta)}{\beta^2}$.",
             sp.Eq(sp.Derivative(MU, beta), -MU * (1 - MU) / beta**2)),
        Part("decreasing", r"$\frac{d\mu_\beta}{d\beta} < 0$.", sp.StrictLessThan(sp.Derivative(MU, beta), 0)),
        Part("limit-zero", r"$\mu_\beta \to 1$ as $\beta \to 0^+$.", sp.Eq(sp.Limit(MU, beta, 0, "+"), 1)),
        Part("limit-infinity", r"$\mu_\beta \to \alpha$ as $\beta \to \infty$.",
             sp.Eq(sp.Limit(MU, beta, sp.oo, "-"), alpha)),
        Part("budget", r"$\mathrm{KL}(p_\beta\,\|\,a) = \mathrm{kl}(\mu_\beta\,\|\,\alpha)$.",
             sp.Eq(kl(1, TILTED, A), symbolic.binary_kl(MU, alpha))),
        Part("budget-decreasing", r"$\frac{d}{d\beta}\mathrm{kl}(\mu_\beta\,\|\,\alpha) < 0$: the budget grows as"
             r" $\beta$ decreases.", sp.StrictLessThan(sp.Derivative(symbolic.binary_kl(MU, alpha), beta), 0)),
        Part("budget-limit", r"$\mathrm{kl}(\mu_\beta\,\|\,\alpha) \to -\log\alpha = \mathrm{KL}(p_*\,\|\,a)$ as"
             r" $\beta \to 0^+$.", sp.Eq(sp.Limit(symbolic.binary_kl(MU, alpha), beta, 0, "+"), -sp.log(alpha))),
        Part("value-limit", r"$J^*_\beta = \beta\log Z_\beta \to 1$ as $\beta \to 0^+$.",
             sp.Eq(sp.Limit(beta * sp.log(Z), beta, 0, "+"), 1)),
    ),
)


@MONOTONE.symbolic
def _monotone_derivation() -> Derivation:
    return Derivation(
        scope="symbolic $\\alpha$ and $\\beta$; the KL identity for every finite problem (symbolic sums over $n$"
              " outcomes)",
        definitions=definitions(),
        steps=(
            Equal(sp.Derivative(MU, beta), -MU * (1 - MU) / beta**2,
                  r"differentiate $\mu_\beta = \alpha e^{1/\beta}/Z_\beta$", assumes=TILT),
            Sign(MU, "positive", r"$\mu_\beta = \alpha e^{1/\beta}/Z_\beta$ with $\alpha > 0$ and $Z_\beta > 0$",
                 assumes=TILT),
            Sign(1 - MU, "positive", r"$1 - \mu_\beta = (1 - \alpha)/Z_\beta$ with $\alpha < 1$", assumes=TILT),
            Sign(sp.Derivative(MU, beta), "negative",
                 r"by step 1, with $0 < \mu_\beta < 1$ (steps 2 and 3) and $\beta^2 > 0$",
                 assumes=("step 1", "step 2", "step 3")),
            Limit(MU, beta, 0, 1, r"$e^{1/\beta} \to \infty$", assumes=TILT),
            Limit(MU, beta, sp.oo, alpha, r"$e^{1/\beta} \to 1$", assumes=TILT, direction="-"),
            Equal(kl(1, TILTED, A), MU / beta - sp.log(Z),
                  r"$\log(p_\beta/a) = v/\beta - \log Z_\beta$; average under $p_\beta$, which sums to 1 and"
                  r" gives $\mathcal{Y}_1$ the mass $\mu_\beta$", assumes=("binary-reward", "finite-outputs", *TILT)),
            Equal(symbolic.binary_kl(MU, alpha), MU / beta - sp.log(Z),
                  r"$\mu_\beta/\alpha = e^{1/\beta}/Z_\beta$ and $(1 - \mu_\beta)/(1 - \alpha) = 1/Z_\beta$",
                  assumes=TILT),
            Equal(sp.Derivative(symbolic.binary_kl(MU, alpha), beta), -MU * (1 - MU) / beta**3,
                  r"chain rule: $\frac{d}{d\mu}\mathrm{kl}(\mu\,\|\,\alpha) = \operatorname{logit}\mu -"
                  r" \operatorname{logit}\alpha = 1/\beta$ at $\mu = \mu_\beta$, times step 1", assumes=TILT),
            Sign(sp.Derivative(symbolic.binary_kl(MU, alpha), beta), "negative",
                 r"by step 9, with $0 < \mu_\beta < 1$", assumes=("step 9", "step 2", "step 3")),
            Limit(symbolic.binary_kl(MU, alpha), beta, 0, -sp.log(alpha),
                  r"$\mu_\beta \to 1$ and $\mathrm{kl}(1\,\|\,\alpha) = -\log\alpha = \mathrm{KL}(p_*\,\|\,a)$"
                  r" (filtered-selection)", assumes=("filtered-selection:attained", *TILT)),
            Limit(beta * sp.log(Z), beta, 0, 1,
                  r"$\beta\log Z_\beta = 1 + \beta\log(\alpha + (1 - \alpha)e^{-1/\beta}) \to 1$", assumes=TILT),
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


@MONOTONE.property(alphas_and_extremes(), betas_and_extremes())
def _monotone_property(a: float, b: float) -> None:
    """The float64 closed forms mu_beta, 1 - mu_beta and J*_beta within 2 ulps of their
    definitions (beta = inf and subnormal alpha included), and kl(mu || alpha) at the
    float64 mu_beta within 3 ulps of the definition kl((mu, 1 - mu) || (alpha, 1 - alpha))."""
    accurate(closed_form.validity_rate(a, b), lambda: d.validity(arbs(a), arbs(b)), 2, "mu_beta")
    accurate(closed_form.invalidity_rate(a, b), lambda: d.invalidity(arbs(a), arbs(b)), 2, "1 - mu_beta")
    accurate(closed_form.optimal_value(a, b), lambda: d.optimal_value([arbs(a), 1 - arbs(a)], [1, 0], arbs(b)), 2,
             "J*_beta")
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
    parts=(
        Part("off-support", r"$\mathrm{KL}(q\,\|\,p_*) = +\infty$ when $q(y) > 0$ at an invalid $y$ (where $p_*(y) = 0$).",
             off_support(Q, FILTERED)),
        Part("tilted", r"$\mathrm{KL}(p_\beta\,\|\,p_*) = +\infty$ for every $\beta > 0$: $p_\beta(y) > 0$ on"
             r" $\mathcal{Y}_0$.", off_support(TILTED, FILTERED)),
        Part("forward-finite", r"$\mathrm{KL}(p_*\,\|\,q) < \infty$ for every full-support $q$.",
             sp.StrictLessThan(kl(1, A / alpha, Q, V), sp.oo, evaluate=False)),
        Part("growth", r"For fixed full-support $q$, $\mathrm{KL}(q\,\|\,p_\beta) = \mathrm{KL}(q\,\|\,a) -"
             r" q(\mathcal{Y}_1)/\beta + \log Z_\beta \sim (1 - q(\mathcal{Y}_1))/\beta$ as $\beta \to 0^+$.",
             sp.Eq(sp.Limit((kl(1, Q, A) - M / beta + sp.log(Z)) / ((1 - M) / beta), beta, 0, "+"), 1)),
    ),
)


@REVERSE.symbolic
def _reverse_derivation() -> Derivation:
    return Derivation(
        scope="every finite problem (generic outcome $y$, symbolic sums over $n$ outcomes), every full-support $q$,"
              " symbolic $\\alpha$ and $\\beta$",
        definitions=definitions(),
        steps=(
            Apply("kl-off-support", {"q": Q, "p": FILTERED, "at": V},
                  r"$p_*(y) = a(y) v(y)/\alpha = 0$ at an invalid $y$, where $q(y) > 0$",
                  assumes=("policy-full-support", "valid-mass-interior", "base-positive")),
            Apply("kl-off-support", {"q": TILTED, "p": FILTERED, "at": V},
                  r"$p_\beta(y) = a(y)/Z_\beta > 0$ at an invalid $y$", assumes=TILT),
            Finite(kl(1, A / alpha, Q, V),
                   r"each term $v\,\frac{a}{\alpha}\log\frac{a/\alpha}{q}$ is finite since $a, q > 0$; $n$ is finite",
                   assumes=("policy-full-support", "valid-mass-interior", "base-positive", "finite-outputs")),
            Asymptotic(kl(1, Q, A) - M / beta + sp.log(Z), (1 - M) / beta, beta, 0,
                       r"$\log Z_\beta = 1/\beta + \log\alpha + o(1)$ and $\mathrm{KL}(q\,\|\,a)$ does not depend on"
                       r" $\beta$; the form of $\mathrm{KL}(q\,\|\,p_\beta)$ is gibbs-identity's",
                       assumes=("gibbs-identity:kl-tilted", "policy-full-support", "finite-outputs", *TILT)),
        ),
        domain=DOMAIN,
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
    # the Renyi and Amari divergences between p_*, q and a q' within a factor e^(1/2) of q (their series)
    near = q * np.exp(0.45 * np.sin(np.arange(q.size)))
    near /= np.sum(near)
    for (first, p), (second, r) in ((("p_*", filtered), ("q", q)), (("q", q), ("p_*", filtered)), (("q", q), ("q'", near))):
        both = (p > 0) & (r > 0)
        ratio = float(np.max(np.abs(np.log(p[both] / r[both]))))
        for order in (0.0, 0.5, 0.999, 2.0, np.inf):
            exact_order = order if order in (0.0, np.inf) else arbs(order)
            condition = 1 + ratio * (order if np.isfinite(order) else 1)
            accurate(divergences.renyi_divergence(p, r, order), lambda: d.renyi(arbs(p), arbs(r), exact_order),
                     16 * condition, f"Renyi D_{order}({first}||{second})", terms=ratio if order == np.inf else 0.0)
        for exponent in (-1.0, 0.0, 0.3, 0.5, 0.999, 1.0, 2.0):
            accurate(divergences.amari_divergence(p, r, exponent),
                     lambda: d.amari(arbs(p), arbs(r), arbs(exponent), masses=True), 16 * (1 + abs(exponent) * ratio),
                     f"Amari D_{exponent}({first}||{second})")
    accurate(divergences.entropy(q), lambda: d.entropy(arbs(q), masses=True), 16, "H(q)")
    entropy = float(divergences.entropy(filtered))
    accurate(divergences.effective_support(filtered), lambda: d.entropy(arbs(filtered), masses=True).exp(),
             16 * (1 + entropy), "exp H(p_*)")
    mass, alpha = math.fsum(q[valid]) / math.fsum(q), float(problem.alpha)  # at most 1, unlike a float64 sum
    accurate(divergences.binary_kl(mass, alpha), lambda: d.binary_kl(arbs(mass), arbs(alpha)), 16, "kl(q(Y1)||alpha)")
