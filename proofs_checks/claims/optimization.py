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
from proofs_checks.claims.notation import DOMAIN, FACTS, A, M, Q, V, total
from proofs_checks.claims.sampling import accurate, arbs, ints, problems_with_policy
from proofs_checks.derivation import ConvexMinimum, Derivation, Equal, Limit, Sign
from proofs_checks.numeric import NumericContext
from theory.sequences import flows
from theory.strategies import betas
from theory.symbolic import beta

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
)


@SHARPENING.symbolic
def _sharpening_derivation() -> Derivation:
    m, eta, s, r_y, rho = sp.symbols("m eta s r_y rho", positive=True)
    big_s, big_r = sp.symbols("S R", real=True)
    k, z, big_k = sp.symbols("k z K", integer=True, positive=True)
    r = sp.IndexedBase("r", positive=True)
    t = sp.Symbol("t", positive=True)
    weights = {sp.Sum(r[k], (k, 1, big_k)): 1}
    c = m * (1 - m)
    covariance = sp.Sum(r[k] ** 2 * sp.log(r[k]), (k, 1, big_k)) - rho * sp.Sum(r[k] * sp.log(r[k]), (k, 1, big_k))
    rate = sp.Function("N")(s)
    return Derivation(
        scope="derivative identities, the sign of dH/dt, exact steps and the multiplicative path for all n "
              "(symbolic sums); the long-time collapse N_eff -> 1 and the KL-term path are not proved here "
              "(experiment layer)",
        complete=False,
        steps=(
            Equal(total(V * Q * (Q * (V - M) - big_s)), (1 - M) * big_r - M * big_s,
                  "d log q_y/dt = q_y (v_y - m) - S with S = sum_z q_z^2 (v_z - m); "
                  "d mu/dt = sum_y v_y q_y d log q_y/dt, with R = sum_y q_y^2 v_y",
                  given={**FACTS, total(Q**2 * V**2): big_r, total(Q**2 * V): big_r}),
            Equal((m * r_y * (1 - m) - big_s) - ((1 - m) * m**2 * rho - m * big_s) / m, c * (r_y - rho),
                  "for valid y, r_y = q_y/m and d log r_y/dt = d log q_y/dt - (d mu/dt)/m, with R = m^2 sum r^2 "
                  "and rho = sum_z r_z^2"),
            Equal(-sp.Sum(r[k] * c * (r[k] - rho) * (sp.log(r[k]) + 1), (k, 1, big_k)), -c * covariance,
                  "dH(r)/dt = -sum_y r_y (d log r_y/dt)(log r_y + 1) over the K valid outputs",
                  given={**weights, sp.Sum(r[k] ** 2, (k, 1, big_k)): rho}),
            Equal(covariance, sp.Sum(r[k] * r[z] * (sp.log(r[k]) - sp.log(r[z])) * (r[k] - r[z]),
                                     (k, 1, big_k), (z, 1, big_k)) / 2,
                  "Cov_r(log r, r) = (1/2) sum_{y,z} r_y r_z (log r_y - log r_z)(r_y - r_z)",
                  given={**weights, sp.Sum(r[k] ** 2, (k, 1, big_k)): rho}),
            ConvexMinimum((t - 1) * sp.log(t), t, 1, "with t = r_y/r_z each term is r_z^2 (t - 1) log t >= 0, zero iff "
                          "r_y = r_z: dH/dt <= 0, with equality only for uniform r"),
            Equal(eta * (m * r_y) * (1 - m), eta * c * r_y, "an exact step theta += eta q (v - m) adds eta m (1-m) r_y "
                  "to theta_y on Y1, so r_y is multiplied by exp(eta m (1 - m) r_y) up to normalization"),
            Equal(sp.Derivative(sp.log(r_y * sp.exp(s * r_y) / rate), s), r_y - sp.Derivative(rate, s) / rate,
                  "along the tilt r_s(y) = r_y e^{s r_y}/N(s): d log r_s(y)/ds = r_y - E_{r_s}[r], so "
                  "dH(r_s)/ds = -Cov_{r_s}(log r_s, r)"),
            Equal((sp.log(r[k] * sp.exp(s * r[k])) - sp.log(r[z] * sp.exp(s * r[z]))) * (r[k] - r[z]),
                  (sp.log(r[k]) - sp.log(r[z])) * (r[k] - r[z]) + s * (r[k] - r[z]) ** 2,
                  "log r_s is log r plus an increasing function of r, so that covariance is >= 0 as above: "
                  "no step size raises H(r)"),
            Equal(A * sp.exp(s * V), (A * sp.exp(V / beta)).subs(beta, 1 / s),
                  "the multiplicative update after total step s from a is a e^{s v}/norm = p_beta at beta = 1/s, "
                  "whose conditional on Y1 is p_* (conditional-invariance)"),
        ),
        domain=DOMAIN,
    )


def _softmax(theta: list) -> list:
    top = max(theta)
    weights = [mpmath.exp(x - top) for x in theta]
    total_weight = mpmath.fsum(weights)
    return [w / total_weight for w in weights]


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
    title="Small beta makes the gradient noisy",
    source="paper",
    statement=(
        r"The REINFORCE signal of $\mathrm{KL}(q\,\|\,p_\beta)$ for a softmax policy is"
        r" $g(y) = \log\frac{q(y)}{a(y)} - \frac{v(y)}{\beta}$, and $\mathrm{Var}_q(g) ="
        r" \mathrm{Var}_q(\log\frac{q}{a}) - \frac{2}{\beta}\mathrm{Cov}_q(\log\frac{q}{a}, v) +"
        r" \frac{q(\mathcal{Y}_1)(1-q(\mathcal{Y}_1))}{\beta^2}$, which grows like $1/\beta^2$ whenever"
        r" $0 < q(\mathcal{Y}_1) < 1$."
    ),
)


@VARIANCE.symbolic
def _variance_derivation() -> Derivation:
    log_ratio = sp.log(Q / A)
    signal = log_ratio - V / beta
    var_x = sp.Symbol("Var_q(log(q/a))", positive=True)
    cov = sp.Symbol("Cov_q(log(q/a), v)", real=True)
    decomposition = var_x - 2 * cov / beta + M * (1 - M) / beta**2
    return Derivation(
        scope="all n and every validity pattern (generic outcome y, symbolic sums)",
        steps=(
            Equal(total(Q * signal**2) - total(Q * signal) ** 2,
                  (total(Q * log_ratio**2) - total(Q * log_ratio) ** 2)
                  - 2 * (total(Q * log_ratio * V) - M * total(Q * log_ratio)) / beta + M * (1 - M) / beta**2,
                  "expand Var_q(X - v/beta) with sum q v^2 = sum q v = m", given=FACTS),
            Sign(M * (1 - M), "positive", "0 < q(Y1) < 1", positive=(M, 1 - M)),
            Limit(beta**2 * decomposition, beta, 0, M * (1 - M), "so beta^2 Var_q(g) -> q(Y1)(1 - q(Y1)) > 0"),
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
