"""A claim with every layer: the slope of ``log Z_beta`` in ``1/beta`` is ``mu_beta``.

The worked example of ``docs/design.md`` ("Adding a claim"), runnable as it stands:

    proofcheck run --extra examples/log_partition_slope.py log-partition-slope

Main statements
- ``log-partition-slope``: with ``t = 1/beta`` and ``Z = 1 - alpha + alpha e^t``,
  ``d log Z / dt = alpha e^t / Z = sigma(t + logit alpha) = mu_beta``.
"""

from __future__ import annotations

import sympy as sp
from hypothesis import strategies as st

from proofs_checks.claim import register
from proofs_checks.claims import definitions as d
from proofs_checks.claims.sampling import arbs, enclosure
from proofs_checks.numeric import NumericContext
from proofs_checks.proof import Derivation, Equal, Part
from theory import closed_form, precise, symbolic
from theory.strategies import alphas
from theory.symbolic import alpha

t = sp.Symbol("t", positive=True)  # the inverse temperature 1/beta
PARTITION = 1 - alpha + alpha * sp.exp(t)

SLOPE = register(
    "log-partition-slope",
    title="The slope of log Z_beta in 1/beta is mu_beta",
    source="extension",
    statement=r"$\frac{d}{d(1/\beta)}\log Z_\beta = \mu_\beta$ for every $\beta > 0$.",
    uses=("beta-mu",),
    parts=(
        Part("slope", r"$\frac{d}{dt}\log Z = \sigma(t + \operatorname{logit}\alpha)$ with $t = 1/\beta$.",
             sp.Eq(sp.Derivative(sp.log(PARTITION), t), symbolic.sigmoid(t + symbolic.logit(alpha)))),
    ),
)


@SLOPE.symbolic
def _slope_derivation() -> Derivation:
    return Derivation(
        scope="symbolic $\\alpha$ and $t = 1/\\beta$",
        steps=(
            Equal(sp.Derivative(sp.log(PARTITION), t), alpha * sp.exp(t) / PARTITION,
                  r"chain rule: $\frac{d}{dt}\log Z = \frac{dZ/dt}{Z}$ with $\frac{dZ}{dt} = \alpha e^t$",
                  assumes=("valid-mass-interior", "temperature-positive")),
            Equal(alpha * sp.exp(t) / PARTITION, symbolic.sigmoid(t + symbolic.logit(alpha)),
                  r"divide by $\alpha e^t$: the logistic form $\sigma(t + \operatorname{logit}\alpha)$"
                  r" of $\mu_\beta$", assumes=("valid-mass-interior", "beta-mu:sigmoid-form")),
        ),
        domain={alpha: (0, 1), t: (0, sp.oo)},
    )


@SLOPE.numeric
def _slope_numeric(ctx: NumericContext):
    for a, b in ctx.alpha_beta_pairs():
        span = ctx.span(a, b)  # the digits the naive definitions cancel at this instance
        slope = ctx.resolve(lambda: ctx.derivative(lambda s: precise.log_partition(a, 1 / s), 1 / b, scale=min(1 / b, 1)),
                            span)
        yield ctx.equal(f"d log Z / d(1/beta) = p_beta(Y1) (alpha={ctx.short(a)}, beta={ctx.short(b)})",
                        slope, ctx.resolve(lambda: d.validity(a, b), span))


@SLOPE.property(alphas(min_value=1e-6, max_value=1 - 1e-6), st.floats(0.05, 20))
def _slope_property(a: float, b: float) -> None:
    s, h = 1 / b, 1e-5 / b
    slope = (closed_form.log_partition(a, 1 / (s + h)) - closed_form.log_partition(a, 1 / (s - h))) / (2 * h)
    mu = float(enclosure(lambda: d.validity(arbs(a), arbs(b))).mid())  # p_beta(Y1), the definition
    assert abs(slope - mu) <= 1e-6 * mu, f"slope {slope!r} != mu_beta {mu!r} at alpha={a!r}, beta={b!r}"


# --- its negative control: the slope in beta instead of 1/beta -------------------

b = sp.Symbol("beta", positive=True)
SLOPE_IN_BETA = register(
    "nc-log-partition-slope-in-beta",
    title="The slope of log Z_beta in beta is mu_beta (false)",
    source="extension",
    statement=r"$\frac{d}{d\beta}\log Z_\beta = \mu_\beta$ for every $\beta > 0$.",
    uses=("log-partition-slope",),
    expected="refuted",
    parts=(
        Part("slope", r"$\frac{d}{d\beta}\log Z_\beta = \sigma(1/\beta + \operatorname{logit}\alpha)$.",
             sp.Eq(sp.Derivative(sp.log(PARTITION.subs(t, 1 / b)), b),
                   symbolic.sigmoid(1 / b + symbolic.logit(alpha)))),
    ),
)


@SLOPE_IN_BETA.symbolic
def _slope_in_beta_derivation() -> Derivation:
    return Derivation(
        scope="symbolic $\\alpha$ and $\\beta$",
        steps=(Equal(sp.Derivative(sp.log(PARTITION.subs(t, 1 / b)), b), symbolic.sigmoid(1 / b + symbolic.logit(alpha)),
                     r"the slope in $1/\beta$, read as a slope in $\beta$",
                     assumes=("valid-mass-interior", "temperature-positive", "log-partition-slope:slope")),),
        domain={alpha: (0, 1), b: (0, sp.oo)},
    )
