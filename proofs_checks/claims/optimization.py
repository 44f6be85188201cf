"""What the optimizer does: policy-gradient sharpening and gradient noise.

Every point of ``Delta(Y1)`` maximizes the reward, yet vanilla policy gradient
on a tabular softmax policy never raises the entropy of ``q(. | Y1)``: the
optimizer, not the objective, concentrates the policy. The multiplicative
(natural-gradient) update instead follows the tilted path ``p_beta`` exactly.
Small ``beta`` also makes the REINFORCE signal of the KL-control objective
noisy, its variance growing like ``1/beta^2``.

Main statements
- ``pg-flow-sharpening``: along ``d theta_y/dt = q(y)(v(y) - E_q[v])``, with
  ``r = q(. | Y1)``, ``mu = q(Y1)``:
  ``d log r_y/dt = mu (1 - mu)(r_y - sum_z r_z^2)`` and
  ``d H(r)/dt = -mu (1 - mu) Cov_r(log r, r) <= 0``; an exact gradient step
  tilts ``r_y`` by ``exp(eta mu (1 - mu) r_y)`` and never raises ``H(r)``; the
  multiplicative update from ``a`` after total step ``s`` is ``p_{1/s}``; the
  flow collapses (``N_eff -> 1``), with a KL term it ends at ``p_beta``.
- ``gradient-variance``: with ``g = log(q/a) - v/beta``,
  ``Var_q(g) = Var_q(log(q/a)) - 2 Cov_q(log(q/a), v)/beta + q(Y1)(1 - q(Y1))/beta^2``.
"""

from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from proofs_checks.claim import register
from proofs_checks.claims import definitions as d
from proofs_checks.claims.notation import (
    COVARIANCE_PAIRS, CONDITIONAL_COVARIANCE, CONDITIONAL_TOTAL, DOMAIN, ENTROPY_RATE, FLOW_RATE, K_COUNT, K_INDEX,
    LOG_CONDITIONAL_RATE, LOG_RATIO_COVARIANCE, LOG_RATIO_VARIANCE, R_K, RHO, SIGNAL_MEAN, SIGNAL_VARIANCE, STEP, TILT,
    TILTED, VALID_SQUARES, A, M, Q, V, Z, definitions, flow_definitions, total,
)
from proofs_checks.claims.sampling import accurate, arbs, ints, problems_with_policy
from proofs_checks.assumptions import Assumption
from proofs_checks.proof import Asymptotic, Derivation, Equal, Informal, Limit, Part
from proofs_checks.numeric import NumericContext
from theory.sequences import flows
from theory.strategies import betas
from theory import symbolic
from theory.symbolic import alpha, beta

EPS = float(np.finfo(float).eps)

# --- pg-flow-sharpening ---------------------------------------------------------

SHARPENING = register(
    "pg-flow-sharpening",
    title="The optimizer sharpens, the objective does not",
    source="extension",
    statement=(
        r"For $q = \mathrm{softmax}(\theta)$ and $\dot\theta_y = q(y)(v(y) - \mathbb{E}_q[v])$, with"
        r" $r = q(\cdot\mid\mathcal{Y}_1)$ and $\mu = q(\mathcal{Y}_1)$: $\frac{d}{dt}\log r_y = \mu(1-\mu)(r_y -"
        r" \sum_z r_z^2)$ and $\frac{d}{dt}H(r) = -\mu(1-\mu)\,\mathrm{Cov}_r(\log r, r) \le 0$, with equality only"
        r" for uniform $r$; an exact gradient step multiplies $r_y$ by $e^{\eta\mu(1-\mu)r_y}$ (up to"
        r" normalization) and never raises $H(r)$. From $a$ with a unique most likely valid output,"
        r" $N_{\mathrm{eff}}(q_t)\to 1$; with a KL term the flow ends at $p_\beta$ after passing close to collapse."
        r" The multiplicative update $q \leftarrow q e^{\eta v}/\mathrm{norm}$ keeps $q(\cdot\mid\mathcal{Y}_1) = p_*$"
        r" and after total step $s$ from $a$ is exactly $p_\beta$ with $\beta = 1/s$."
    ),
    uses=("degeneracy", "conditional-invariance", "gibbs-identity"),
    parts=(
        Part("log-rate", r"$\frac{d}{dt}\log r_y = \mu(1 - \mu)(r_y - \sum_z r_z^2)$ for valid $y$.",
             sp.Eq(V * LOG_CONDITIONAL_RATE, V * M * (1 - M) * (Q / M - VALID_SQUARES / M**2))),
        Part("entropy-rate", r"$\frac{d}{dt}H(r) = -\mu(1 - \mu)\,\mathrm{Cov}_r(\log r, r)$.",
             sp.Eq(ENTROPY_RATE, -FLOW_RATE * CONDITIONAL_COVARIANCE)),
        Part("covariance", r"$\mathrm{Cov}_r(\log r, r) = \frac12\sum_{y,z} r_y r_z(\log r_y - \log r_z)(r_y - r_z)"
             r" \ge 0$, so $\frac{d}{dt}H(r) \le 0$.", sp.GreaterThan(CONDITIONAL_COVARIANCE, 0)),
        Part("exact-step", r"an exact gradient step adds $\eta\mu(1 - \mu) r_y$ to $\theta_y$ on $\mathcal{Y}_1$, a"
             r" tilt of $r$ by an increasing function of $r$.", sp.Eq(V * Q * (V - M), V * M * (1 - M) * (Q / M))),
        Part("multiplicative", r"the multiplicative update after total step $s$ from $a$ is $p_\beta$ at"
             r" $\beta = 1/s$.", sp.Eq(A * sp.exp(STEP * V) / total(A * sp.exp(STEP * V)), (A * sp.exp(V / beta) / symbolic.partition(alpha, beta)).subs(beta, 1 / STEP))),
        Part("collapse", r"From $a$ with a unique most likely valid output, $N_{\mathrm{eff}}(q_t) \to 1$.",
             sp.Eq(sp.Symbol(r"\lim_{t\to\infty} N_{\mathrm{eff}}(q_t)"), 1)),
    ),
)

_FLOW = Assumption(
    "softmax-flow", r"$q = \mathrm{softmax}(\theta)$ has full support and follows $\dot\theta_y = q(y)(v(y) - \mu)$"
    r" with $\mu = q(\mathcal{Y}_1)$: by the chain rule of the softmax, $\frac{d}{dt}\log q_y = \dot\theta_y -"
    r" \sum_z q_z\dot\theta_z$; $r = q(\cdot\mid\mathcal{Y}_1)$ has $K$ values $r_k > 0$ summing to 1 and"
    r" $\rho = \sum_k r_k^2$; the step $s > 0$.",
    (sp.Eq(CONDITIONAL_TOTAL, 1, evaluate=False), sp.Eq(sp.Sum(R_K**2, (K_INDEX, 1, K_COUNT)), RHO, evaluate=False)), (R_K.base, RHO, STEP, K_COUNT))


@SHARPENING.symbolic
def _sharpening_derivation() -> Derivation:
    return Derivation(
        scope="every finite problem (symbolic sums over $n$ outcomes and over the $K$ valid outputs); the long-time"
              " collapse is shown by the experiment layer, not here",
        definitions=flow_definitions(),
        hypotheses=(_FLOW,),
        steps=(
            Equal(V * LOG_CONDITIONAL_RATE, V * M * (1 - M) * (Q / M - VALID_SQUARES / M**2),
                  r"$\frac{d}{dt}\log r_y = \frac{d}{dt}\log q_y - \frac{\dot\mu}{\mu}$ with $\dot\mu = \sum_y v_y q_y"
                  r" \frac{d}{dt}\log q_y$, $v^2 = v$, $\sum_y q = 1$ and $\sum_y q v = \mu$",
                  assumes=("softmax-flow", "policy-full-support", "binary-reward", "finite-outputs")),
            Equal(ENTROPY_RATE, -FLOW_RATE * CONDITIONAL_COVARIANCE,
                  r"$\frac{d}{dt}H(r) = -\sum_k r_k \frac{d\log r_k}{dt}(\log r_k + 1)$ with step 1, $\sum_k r_k = 1$"
                  r" and $\sum_k r_k^2 = \rho$", assumes=("softmax-flow",)),
            Equal(CONDITIONAL_COVARIANCE, COVARIANCE_PAIRS,
                  r"$\mathrm{Cov}_r(\log r, r) = \frac12\sum_{k,z} r_k r_z(\log r_k - \log r_z)(r_k - r_z)$",
                  assumes=("softmax-flow",)),
            Informal(r"each term $r_k r_z(\log r_k - \log r_z)(r_k - r_z)$ is $\ge 0$ because $\log$ is increasing,"
                     r" so $\mathrm{Cov}_r(\log r, r) \ge 0$, with equality only for uniform $r$",
                     r"monotonicity of $\log$", assumes=("step 3",),
                     concludes=sp.GreaterThan(CONDITIONAL_COVARIANCE, 0)),
            Equal(V * Q * (V - M), V * M * (1 - M) * (Q / M),
                  r"on $\mathcal{Y}_1$ the gradient $q_y(v_y - \mu) = \mu(1 - \mu) r_y$ with $r_y = q_y/\mu$",
                  assumes=("binary-reward", "policy-full-support")),
            Equal(A * sp.exp(STEP * V) / total(A * sp.exp(STEP * V)), (A * sp.exp(V / beta) / symbolic.partition(alpha, beta)).subs(beta, 1 / STEP),
                  r"the update multiplies $a$ by $e^{s v}$ and normalizes: $p_\beta$ at $\beta = 1/s$, whose"
                  r" conditional on $\mathcal{Y}_1$ is $p_*$ (conditional-invariance)",
                  assumes=("conditional-invariance:valid-conditional", "softmax-flow", "binary-reward", "base-positive",
                           "valid-mass-interior", "finite-outputs")),
            Informal(r"started from $a$ with a unique most likely valid output, $N_{\mathrm{eff}}(q_t) \to 1$ as"
                     r" $t \to \infty$, and with a KL term the flow ends at $p_\beta$",
                     r"shown by the exact-enumeration experiment pg-flow, not derived here",
                     concludes=sp.Eq(sp.Symbol(r"\lim_{t\to\infty} N_{\mathrm{eff}}(q_t)"), 1)),
        ),
        domain=DOMAIN,
    )


@SHARPENING.numeric
def _sharpening_numeric(ctx: NumericContext):
    for problem, base, validity in ctx.problems():
        if len(base) > 16:
            continue
        q = ctx.distribution(len(base))
        theta = [mpmath.log(x) for x in q]
        m = d.expectation(q, validity)
        direction = [x * (v - m) for x, v in zip(q, validity)]

        def conditional(time: mpmath.mpf, steps: list = direction) -> list:
            return d.condition(d.normalized([mpmath.exp(x + time * g) for x, g in zip(theta, steps)]), validity, 1)

        r = conditional(mpmath.mpf(0))
        squares = mpmath.fsum(x**2 for x in r)
        label = f"n={len(base)}, |Y1|={sum(validity)}, mu={ctx.short(m)}"
        rate = ctx.derivative(lambda time: d.entropy(conditional(time)), 0)
        covariance = mpmath.fsum(x**2 * mpmath.log(x) for x in r if x > 0) - squares * mpmath.fsum(
            x * mpmath.log(x) for x in r if x > 0)
        yield ctx.equal(f"dH(r)/dt = -mu(1-mu) Cov_r(log r, r) ({label})", rate, -m * (1 - m) * covariance)
        yield ctx.at_most(f"dH(r)/dt <= 0 ({label})", rate, 0)
        valid_index = [i for i, v in enumerate(validity) if v]
        first = valid_index[0]
        slope = ctx.derivative(lambda time: mpmath.log(conditional(time)[first]), 0)
        yield ctx.equal(f"d log r_y/dt = mu(1-mu)(r_y - sum r^2) ({label})", slope, m * (1 - m) * (r[first] - squares))
        for eta in (mpmath.mpf("0.1"), mpmath.mpf(10), mpmath.mpf(1000)):
            stepped = conditional(eta)
            tilted = [x * mpmath.exp(eta * m * (1 - m) * x) for x in r]
            norm = mpmath.fsum(tilted)
            yield ctx.equal_vectors(f"one step (eta={eta}) tilts r by exp(eta mu(1-mu) r) ({label})",
                                    stepped, [x / norm for x in tilted])
            yield ctx.at_most(f"H(r) does not rise in one step (eta={eta}) ({label})", d.entropy(stepped), d.entropy(r))
        s = ctx.log_uniform("1e-3", "1e3")
        weights = [x * mpmath.exp(s * v) for x, v in zip(base, validity)]
        norm = mpmath.fsum(weights)
        yield ctx.equal_vectors(f"multiplicative path at s={ctx.short(s)} is p_(1/s) ({label})",
                                [w / norm for w in weights], ctx.resolve(lambda: d.tilt(base, validity, 1 / s), ctx.span(problem.alpha, 1 / s)))


@SHARPENING.property(problems_with_policy(), betas(min_value=1e-3, max_value=1e3))
def _sharpening_property(drawn: tuple[np.ndarray, np.ndarray, np.ndarray], eta: float) -> None:
    """An exact reward-gradient step never raises H(r) and dH/dt <= 0 (float64 flows, with the
    rate checked by a central difference); the multiplicative path from a after total step
    s = 1/eta against the definition log p_{1/s}, within 64 ulps of the terms combined."""
    base, valid, q = drawn
    theta = np.log(q)

    def valid_entropy(logits: np.ndarray) -> float:
        log_r = logits[valid] - np.logaddexp.reduce(logits[valid])
        return float(-np.sum(np.exp(log_r) * log_r))

    before = valid_entropy(theta)
    after = valid_entropy(flows.reward_gradient_step(theta, valid, eta))
    assert after <= before + 64 * EPS * max(1.0, before), f"an exact step raised H(r): {before!r} -> {after!r}"
    rate = flows.valid_entropy_rate(theta, valid)
    assert rate <= 64 * EPS, f"dH(r)/dt = {rate!r} > 0"
    step = 1e-6
    gradient = flows.reward_gradient(theta, valid)
    finite_difference = (valid_entropy(theta + step * gradient) - valid_entropy(theta - step * gradient)) / (2 * step)
    assert abs(finite_difference - rate) <= 1e-5 * abs(rate) + 1e-8, \
        f"dH/dt = {rate!r} but the central difference gives {finite_difference!r}"
    s = 1 / eta
    log_base = np.log(base / np.sum(base))
    path = flows.natural_gradient_step(log_base, valid, s)
    log_z = float(np.logaddexp.reduce(log_base + s * valid))
    accurate(path, lambda: [x.log() for x in d.tilt(arbs(base), ints(valid), 1 / arbs(s))], 64,
             "log of the multiplicative path vs log p_(1/s)", terms=1 + np.abs(log_base) + s + abs(log_z))


SHARPENING.experiment(("pg-flow",))


# --- gradient-variance ----------------------------------------------------------

VARIANCE = register(
    "gradient-variance",
    title="At a fixed policy the REINFORCE signal's variance grows like 1/beta^2, its relative noise does not",
    source="paper",
    statement=(
        r"For a fixed full-support policy $q$, the REINFORCE signal of $\mathrm{KL}(q\,\|\,p_\beta)$ for a softmax"
        r" policy is $g(y) = \log\frac{q(y)}{a(y)} - \frac{v(y)}{\beta}$, and $\mathrm{Var}_q(g) ="
        r" \mathrm{Var}_q(\log\frac{q}{a}) - \frac{2}{\beta}\mathrm{Cov}_q(\log\frac{q}{a}, v) +"
        r" \frac{q(\mathcal{Y}_1)(1-q(\mathcal{Y}_1))}{\beta^2}$, which grows like $1/\beta^2$ whenever"
        r" $0 < q(\mathcal{Y}_1) < 1$. The mean signal $\mathbb{E}_q[g] = \mathrm{KL}(q\,\|\,a) -"
        r" q(\mathcal{Y}_1)/\beta$ grows like $1/\beta$, so the relative noise $\mathrm{Var}_q(g)/\mathbb{E}_q[g]^2$"
        r" tends to $(1 - q(\mathcal{Y}_1))/q(\mathcal{Y}_1)$; at $q = p_\beta$ the signal is constant and its"
        r" variance is 0."
    ),
    qualification=(
        r"The paper's ``small $\beta$ makes the gradient noisy'' holds at a fixed policy and in absolute terms"
        r" only: the $1/\beta^2$ growth is a change of scale shared by the mean signal, the relative noise levels"
        r" off, and at the optimum $p_\beta$ the variance is exactly 0."
    ),
    parts=(
        Part("variance", r"$\mathrm{Var}_q(g) = \mathrm{Var}_q(\log\frac{q}{a}) - \frac{2}{\beta}\mathrm{Cov}_q(\log"
             r"\frac{q}{a}, v) + \frac{q(\mathcal{Y}_1)(1 - q(\mathcal{Y}_1))}{\beta^2}$.",
             sp.Eq(SIGNAL_VARIANCE, LOG_RATIO_VARIANCE - 2 * LOG_RATIO_COVARIANCE / beta + M * (1 - M) / beta**2)),
        Part("growth", r"$\mathrm{Var}_q(g) \sim \frac{q(\mathcal{Y}_1)(1 - q(\mathcal{Y}_1))}{\beta^2}$ as"
             r" $\beta \to 0^+$.", sp.Eq(sp.Limit(SIGNAL_VARIANCE / (M * (1 - M) / beta**2), beta, 0, "+"), 1)),
        Part("relative-noise", r"$\mathrm{Var}_q(g)/\mathbb{E}_q[g]^2 \to (1 - q(\mathcal{Y}_1))/q(\mathcal{Y}_1)$ as"
             r" $\beta \to 0^+$.", sp.Eq(sp.Limit(SIGNAL_VARIANCE / SIGNAL_MEAN**2, beta, 0, "+"), (1 - M) / M)),
        Part("zero-at-optimum", r"At $q = p_\beta$ the signal is the constant $-\log Z_\beta$, so its variance is 0.",
             sp.Eq(sp.log(TILTED / A) - V / beta, -sp.log(Z))),
    ),
)


@VARIANCE.symbolic
def _variance_derivation() -> Derivation:
    return Derivation(
        scope="every finite problem (generic outcome $y$, symbolic sums over $n$ outcomes), every full-support $q$,"
              " symbolic $\\beta$",
        definitions=definitions(),
        steps=(
            Equal(SIGNAL_VARIANCE, LOG_RATIO_VARIANCE - 2 * LOG_RATIO_COVARIANCE / beta + M * (1 - M) / beta**2,
                  r"expand $\mathbb{E}_q[g^2] - \mathbb{E}_q[g]^2$ with $v^2 = v$, $\sum_y q = 1$ and $\sum_y q v ="
                  r" q(\mathcal{Y}_1)$", assumes=("policy-full-support", "binary-reward", "base-positive",
                                                   "temperature-positive", "finite-outputs")),
            Asymptotic(SIGNAL_VARIANCE, M * (1 - M) / beta**2, beta, 0,
                       r"the other terms are $O(1/\beta)$; $0 < q(\mathcal{Y}_1) < 1$",
                       assumes=("policy-full-support", "binary-reward", "base-positive", "temperature-positive",
                                "finite-outputs")),
            Limit(SIGNAL_VARIANCE / SIGNAL_MEAN**2, beta, 0, (1 - M) / M,
                  r"$\mathbb{E}_q[g] = \mathrm{KL}(q\,\|\,a) - q(\mathcal{Y}_1)/\beta \sim -q(\mathcal{Y}_1)/\beta$",
                  assumes=("policy-full-support", "binary-reward", "base-positive", "temperature-positive",
                           "finite-outputs")),
            Equal(sp.log(TILTED / A) - V / beta, -sp.log(Z),
                  r"$\log(p_\beta/a) = v/\beta - \log Z_\beta$", assumes=TILT),
        ),
        domain=DOMAIN,
    )


@VARIANCE.numeric
def _variance_numeric(ctx: NumericContext):
    for problem, base, validity, b in ctx.problems_at_betas():
        q = ctx.distribution(len(base))
        signal = [mpmath.log(x / y) - v / b for x, y, v in zip(q, base, validity)]
        mean = d.expectation(q, signal)
        variance = d.expectation(q, [(g - mean) ** 2 for g in signal])
        log_ratio = [mpmath.log(x / y) for x, y in zip(q, base)]
        mean_x = d.expectation(q, log_ratio)
        m = d.expectation(q, validity)
        var_x = d.expectation(q, [(x - mean_x) ** 2 for x in log_ratio])
        cov = d.expectation(q, [(x - mean_x) * (v - m) for x, v in zip(log_ratio, validity)])
        label = f"n={len(base)}, beta={ctx.short(b)}"
        yield ctx.equal(f"Var_q(g) decomposition ({label})", variance, var_x - 2 * cov / b + m * (1 - m) / b**2)
        yield ctx.at_most(f"|beta^2 Var_q(g) - m(1-m)| <= beta (2|Cov| + beta Var) ({label})",
                          abs(b**2 * variance - m * (1 - m)), b * (2 * abs(cov) + b * var_x))


@VARIANCE.property(problems_with_policy(), betas())
def _variance_property(drawn: tuple[np.ndarray, np.ndarray, np.ndarray], b: float) -> None:
    """The float64 variance of the REINFORCE signal against its decomposition
    Var_q(log(q/a)) - 2 Cov_q(log(q/a), v)/beta + q(Y1)(1 - q(Y1))/beta^2 summed in float64."""
    base, valid, q = drawn
    log_q, log_a = np.log(q), np.log(base / np.sum(base))
    variance = flows.reinforce_signal_variance(log_q, log_a, valid, b)
    x = log_q - log_a
    m, invalid_mass = float(np.sum(q[valid])), float(np.sum(q[~valid]))  # 1 - m summed, not subtracted
    var_x = float(np.sum(q * (x - np.sum(q * x)) ** 2))
    cov = float(np.sum(q * (x - np.sum(q * x)) * (valid - m)))
    decomposition = var_x - 2 * cov / b + m * invalid_mass / b**2
    scale = var_x + 2 * abs(cov) / b + m * invalid_mass / b**2
    # a rounding error delta in g or in its mean moves Var_q(g) by 2 sqrt(Var) |delta| + delta^2, with
    # |delta| <= n eps max|g|: a variance below (n eps max|g|)^2 is not resolved in float64
    signal = float(np.max(np.abs(x))) + 1 / b
    delta = 4 * q.size * EPS * signal
    tolerance = 64 * EPS * scale + 2 * np.sqrt(scale) * delta + delta**2
    assert abs(variance - decomposition) <= tolerance, f"Var_q(g) = {variance!r} != decomposition {decomposition!r}"
