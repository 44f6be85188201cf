"""The KL-control objective with a binary reward and its optimum.

Reward maximization alone has a whole face of maximizers; the KL-control
objective ``J_beta(q) = E_q[v] - beta KL(q || a)`` has exactly one, the tilted
distribution ``p_beta``, which never reshapes the base inside the valid set.

Main statements
- ``degeneracy``: ``argmax_q E_q[v] = Delta(Y1) = {q : q(Y0) = 0}``, a face closed
  under mixtures and under permutations of ``Y1``, containing ``p_*``.
- ``gibbs-identity``: ``J_beta(q) = beta log Z_beta - beta KL(q || p_beta)``, so
  ``p_beta`` is the unique maximizer and ``J*_beta = beta log Z_beta``.
- ``conditional-invariance``: ``p_beta(. | Y1) = p_*`` and
  ``p_beta(. | Y0) = a(. | Y0)`` for every ``beta``; ``N_eff(p_beta) = N_eff(p_*)``.
- ``filtered-selection``: for fully valid ``q``,
  ``KL(q || a) = KL(q || p_*) - log alpha``; ``p_*`` is the unique minimizer.
"""

from __future__ import annotations

import itertools
import math

import mpmath
import numpy as np
import sympy as sp
from mpmath import mpf

from proofs_checks.claim import register
from proofs_checks.claims import definitions as d
from proofs_checks.claims.notation import (
    BINARY, definitions, DOMAIN, FILTERED, LAMBDA, MG, MU, Q1, Q2, QG, QPI, TILT, TILTED, Y1_SIZE, A, G, M, Q, R, S,
    V, Y, Z, kl, total,
)
from proofs_checks.claims.sampling import (
    accurate, arbs, betas_and_extremes, enclosure, generic_facts_cases, ints, kl_terms, outcome_model_cases,
    problem_inputs, problems_with_policy,
)
from proofs_checks.assumptions import Assumption
from proofs_checks.proof import Apply, Derivation, Equal, Part, Sign
from proofs_checks.standard_results import simplex_dimension
from proofs_checks.numeric import NumericContext
from theory import divergences, precise
from theory.problem import BinaryRewardProblem
from theory.symbolic import alpha, beta

STANDING = r"$\mathcal{Y}$ finite, $a(y) > 0$, $v \in \{0,1\}^{\mathcal{Y}}$, $0 < \alpha < 1$, $\beta > 0$."


def _kl_sum(q: sp.Expr, p: sp.Expr) -> sp.Sum:
    return total(q * sp.log(q / p))



# --- degeneracy -----------------------------------------------------------------

DEGENERACY = register(
    "degeneracy",
    title="Binary reward has no distinguished maximizer",
    source="paper",
    statement=(
        r"$\max_q \mathbb{E}_q[v] = 1$ and $\arg\max_q \mathbb{E}_q[v] = \Delta(\mathcal{Y}_1)"
        r" = \{q : q(\mathcal{Y}_0) = 0\}$: (a) a simplex of dimension $|\mathcal{Y}_1| - 1$, infinite when"
        r" $|\mathcal{Y}_1| \ge 2$; (b) closed under every permutation of $\mathcal{Y}_1$; (c) $p_* \in"
        r" \Delta(\mathcal{Y}_1)$."
    ),
    parts=(
        Part("reward-defect", r"$1 - \mathbb{E}_q[v] = q(\mathcal{Y}_0)$ for every policy $q$.",
             sp.Eq(1 - total(QG * V), total(QG * (1 - V)))),
        Part("maximum", r"$\mathbb{E}_q[v] \le 1$, with equality exactly when $q(\mathcal{Y}_0) = 0$.",
             sp.LessThan(total(QG * V), 1)),
        Part("simplex", r"(a) the maximizers are the probability vectors on $\mathcal{Y}_1$: a simplex of"
             r" dimension $|\mathcal{Y}_1| - 1$, infinite when $|\mathcal{Y}_1| \ge 2$.",
             simplex_dimension(Y1_SIZE)),
        Part("mixtures", r"(a) every mixture $\lambda q_1 + (1 - \lambda) q_2$ of two maximizers is a maximizer.",
             sp.Eq(total((LAMBDA * Q1 + (1 - LAMBDA) * Q2) * V), 1)),
        Part("permutations", r"(b) for a maximizer $q$ and a permutation $\pi$ of $\mathcal{Y}_1$, $q \circ \pi$ is"
             r" a maximizer.", sp.Eq(total(QPI * V), 1)),
        Part("filtered", r"(c) $p_*$ is a probability vector with $\mathbb{E}_{p_*}[v] = 1$.",
             sp.And(sp.Eq(total(FILTERED), 1), sp.Eq(total(FILTERED * V), 1))),
    ),
)

_MAXIMIZERS = Assumption(
    "maximizers", r"$q_1$, $q_2$ and $q$ are maximizers: probability vectors with $\mathbb{E}_{q_1}[v] ="
    r" \mathbb{E}_{q_2}[v] = 1$ and $q(\mathcal{Y}_0) = 0$; $0 < \lambda < 1$.",
    (sp.Eq(total(Q1), 1, evaluate=False), sp.Eq(total(Q2), 1, evaluate=False), sp.Eq(total(Q1 * V), 1, evaluate=False),
     sp.Eq(total(Q2 * V), 1, evaluate=False), sp.Eq(total(QG * (1 - V)), 0, evaluate=False)),
    (LAMBDA, Q1.base, Q2.base))
_PERMUTATION = Assumption(
    "permutation", r"$\pi$ permutes $\mathcal{Y}_1$ and fixes $\mathcal{Y}_0$: $q \circ \pi$ is a probability vector"
    r" equal to $q$ on $\mathcal{Y}_0$, so $(q\circ\pi)(\mathcal{Y}_0) = q(\mathcal{Y}_0)$.",
    (sp.Eq(total(QPI), 1, evaluate=False), sp.Eq(total(QPI * (1 - V)), total(QG * (1 - V)), evaluate=False)),
    (QPI.base,))


@DEGENERACY.symbolic
def _degeneracy_derivation() -> Derivation:
    return Derivation(
        scope="every finite problem (generic outcome $y$, symbolic sums over $n$ outcomes) and every policy, zeros"
              " allowed",
        hypotheses=(_MAXIMIZERS, _PERMUTATION),
        steps=(
            Equal(1 - total(QG * V), total(QG * (1 - V)),
                  r"$\sum_y q(y) = 1$, so $1 - \mathbb{E}_q[v] = \sum_y q(y)(1 - v(y)) = q(\mathcal{Y}_0)$",
                  assumes=("policy", "finite-outputs")),
            Sign(total(QG * (1 - V)), "nonnegative",
                 r"each term $s(y) r(y) (1 - v(y))$ is $\ge 0$ since $v(y) \in \{0, 1\}$",
                 assumes=("policy", "binary-reward", "finite-outputs")),
            Sign(1 - total(QG * V), "nonnegative",
                 r"by steps 1 and 2, $1 - \mathbb{E}_q[v] = q(\mathcal{Y}_0) \ge 0$, with equality exactly when"
                 r" $q(\mathcal{Y}_0) = 0$", assumes=("step 1", "step 2")),
            Apply("standard-simplex", {"size": Y1_SIZE},
                  r"(a) so the maximizers are the probability vectors on $\mathcal{Y}_1$, a simplex of dimension"
                  r" $|\mathcal{Y}_1| - 1$", assumes=("policy", "binary-reward", "finite-outputs")),
            Equal(total((LAMBDA * Q1 + (1 - LAMBDA) * Q2) * V), 1,
                  r"(a) $\mathbb{E}_q[v]$ is linear in $q$", assumes=("maximizers", "finite-outputs")),
            Equal(total(QPI * V), 1,
                  r"(b) $\mathbb{E}_{q\circ\pi}[v] = 1 - (q\circ\pi)(\mathcal{Y}_0) = 1 - q(\mathcal{Y}_0) = 1$",
                  assumes=("permutation", "maximizers", "policy", "finite-outputs")),
            Equal(total(FILTERED), 1, r"(c) $\sum_y a(y) v(y)/\alpha = \alpha/\alpha$",
                  assumes=("valid-mass-interior", "finite-outputs")),
            Equal(total(FILTERED * V), 1, r"(c) $v^2 = v$, so $\mathbb{E}_{p_*}[v] = \sum_y a(y) v(y)/\alpha = 1$",
                  assumes=("valid-mass-interior", "binary-reward", "finite-outputs")),
        ),
        domain=DOMAIN,
    )


@DEGENERACY.numeric
def _degeneracy_numeric(ctx: NumericContext):
    for problem, base, validity in ctx.problems():
        valid_index = [i for i, v in enumerate(validity) if v]
        p_star = d.condition(base, validity, 1)
        permuted = list(p_star)
        for i, j in zip(valid_index, reversed(valid_index)):
            permuted[i] = p_star[j]
        mixture = [(x + y) / 2 for x, y in zip(p_star, permuted)]
        label = f"n={len(base)}, |Y1|={len(valid_index)}, alpha={ctx.short(d.expectation(base, validity))}"
        yield ctx.equal_vectors(f"library p_* = a(.|Y1) ({label})", problem.filtered, p_star)
        yield ctx.equal(f"library alpha = a(Y1) ({label})", lambda: problem.alpha, d.expectation(base, validity))
        yield ctx.equal(f"library 1 - alpha = a(Y0) ({label})", lambda: problem.one_minus_alpha,
                        d.expectation(base, [1 - v for v in validity]))
        yield ctx.equal_vectors(f"library a = base/sum(base) ({label})", problem.base, d.normalized(base))
        shape = problem.n == len(base) and [bool(x) for x in problem.valid] == [bool(v) for v in validity]
        yield (ctx.holds if shape else ctx.fails)(f"library n and validity mask ({label})")
        yield ctx.equal(f"E_p*[v] = 1 ({label})", d.expectation(p_star, validity), 1)
        yield ctx.equal(f"E[v] = 1 for p_* permuted within Y1 ({label})", d.expectation(permuted, validity), 1)
        yield ctx.equal(f"E[v] = 1 for a mixture of maximizers ({label})", d.expectation(mixture, validity), 1)
        q = ctx.distribution(len(base))
        yield ctx.less(f"E_q[v] < 1 for a full-support q ({label})", d.expectation(q, validity), 1)


@DEGENERACY.property(problem_inputs())
def _degeneracy_property(drawn: tuple[np.ndarray, np.ndarray]) -> None:
    """The float64 problem's alpha = a(Y1), 1 - alpha = a(Y0), a and the maximizer p_* = a(. | Y1)
    against their definitions, within 16 ulps."""
    base, valid = drawn
    problem, v = BinaryRewardProblem(base, valid), ints(valid)
    accurate(problem.alpha, lambda: d.expectation(arbs(base), v), 16, "alpha = a(Y1)")
    accurate(problem.one_minus_alpha, lambda: d.expectation(arbs(base), [1 - x for x in v]), 16, "1 - alpha = a(Y0)")
    accurate(problem.base, lambda: d.normalized(arbs(base)), 16, "a = base/sum(base)")
    accurate(problem.filtered, lambda: d.condition(arbs(base), v, 1), 16, "p_* = a(.|Y1)")


# --- gibbs-identity -------------------------------------------------------------

GIBBS = register(
    "gibbs-identity",
    title="The KL-control objective and its unique optimum",
    source="paper",
    statement=(
        r"For every $q$ and $\beta > 0$: $J_\beta(q) = \beta\log Z_\beta - \beta\,\mathrm{KL}(q\,\|\,p_\beta)$;"
        r" hence $p_\beta$ is the unique maximizer of $J_\beta$ and $J^*_\beta = \beta\log Z_\beta ="
        r" \beta\log(1-\alpha+\alpha e^{1/\beta})$. Also $\mathrm{KL}(q\,\|\,p_\beta) = \mathrm{KL}(q\,\|\,a)"
        r" - q(\mathcal{Y}_1)/\beta + \log Z_\beta$."
    ),
    parts=(
        Part("identity", r"$J_\beta(q) = \beta\log Z_\beta - \beta\,\mathrm{KL}(q\,\|\,p_\beta)$ for every policy $q$.",
             sp.Eq(MG - beta * kl(S, R, A), beta * sp.log(Z) - beta * kl(S, R, TILTED))),
        Part("kl-tilted", r"$\mathrm{KL}(q\,\|\,p_\beta) = \mathrm{KL}(q\,\|\,a) - q(\mathcal{Y}_1)/\beta + \log Z_\beta$.",
             sp.Eq(kl(S, R, TILTED), kl(S, R, A) - MG / beta + sp.log(Z))),
        Part("maximum", r"$J_\beta(q) \le \beta\log Z_\beta$ for every policy $q$.",
             sp.GreaterThan(beta * sp.log(Z), MG - beta * kl(S, R, A))),
        Part("unique", r"$J_\beta(q) = \beta\log Z_\beta$ only if $\mathrm{KL}(q\,\|\,p_\beta) = 0$, that is only if"
             r" $q = p_\beta$: the maximizer is unique.",
             sp.Implies(sp.Eq(kl(S, R, TILTED), 0), sp.Eq(S * R, TILTED))),
        Part("partition", r"$Z_\beta = \sum_y a(y) e^{v(y)/\beta} = 1 - \alpha + \alpha e^{1/\beta}$.",
             sp.Eq(total(A * sp.exp(V / beta)), 1 - alpha + alpha * sp.exp(1 / beta))),
        Part("optimal-value", r"$J_\beta(p_\beta) = \beta\log Z_\beta$: the maximum is attained.",
             sp.Eq(total(TILTED * V) - beta * total(TILTED * sp.log(TILTED / A)), beta * sp.log(Z))),
    ),
)


@GIBBS.symbolic
def _gibbs_derivation() -> Derivation:
    return Derivation(
        scope="every finite problem (generic outcome $y$, symbolic sums over $n$ outcomes), every policy $q$ (zeros"
              " allowed) and symbolic $\\alpha$, $\\beta$",
        definitions=definitions(),
        steps=(
            Equal(total(A * sp.exp(V / beta)), Z,
                  r"$e^{v/\beta} = 1 + v(e^{1/\beta} - 1)$ for $v \in \{0, 1\}$, $\sum_y a = 1$ and $\sum_y a v = \alpha$",
                  assumes=("binary-reward", "base-positive", "valid-mass-interior", "finite-outputs")),
            Equal(kl(S, R, TILTED), kl(S, R, A) - MG / beta + sp.log(Z),
                  r"$\log\frac{q}{p_\beta} = \log\frac{q}{a} - \frac{v}{\beta} + \log Z_\beta$ on the support of $q$;"
                  r" average under $q$: $\sum_y q = 1$, $\sum_y q v = q(\mathcal{Y}_1)$",
                  assumes=("policy", "binary-reward", *TILT)),
            Equal(MG - beta * kl(S, R, A), beta * sp.log(Z) - beta * kl(S, R, TILTED),
                  r"multiply step 2 by $\beta$ and rearrange", assumes=("step 2",)),
            Apply("gibbs-inequality", {"support": S, "values": R, "p": TILTED},
                  r"$p_\beta > 0$ sums to 1 (step 1), so Gibbs' inequality applies to $q$ and $p_\beta$",
                  assumes=("policy", "step 1", *TILT)),
            Sign(beta * kl(S, R, TILTED), "nonnegative",
                 r"$\beta > 0$ and $\mathrm{KL}(q\,\|\,p_\beta) \ge 0$ (step 4): with step 3, $J_\beta(q) \le"
                 r" \beta\log Z_\beta$, with equality only at $q = p_\beta$", assumes=("step 4", "temperature-positive")),
            Equal(total(TILTED * V) - beta * total(TILTED * sp.log(TILTED / A)), beta * sp.log(Z),
                  r"$J_\beta(p_\beta) = \mu_\beta - \beta(\mu_\beta/\beta - \log Z_\beta)$, since"
                  r" $\log(p_\beta/a) = v/\beta - \log Z_\beta$ and $\sum_y p_\beta = 1$ (step 1)",
                  assumes=("step 1", "binary-reward", *TILT)),
        ),
        domain=DOMAIN,
    )


@GIBBS.numeric
def _gibbs_numeric(ctx: NumericContext):
    with_zeros = ((problem, base, validity, b) for (problem, base, validity), b in zip(ctx.problems_with_zeros(), ctx.betas()))
    for problem, base, validity, b in itertools.chain(ctx.problems_at_betas(), with_zeros):
        q = ctx.distribution(len(base))
        span = ctx.span(d.expectation(base, validity), b)
        label = f"n={len(base)}, alpha={ctx.short(d.expectation(base, validity))}, beta={ctx.short(b)}"
        objective = ctx.resolve(lambda: d.objective(q, base, validity, b), span)
        optimum = ctx.resolve(lambda: d.objective(d.tilt(base, validity, b), base, validity, b), span)
        log_z = ctx.resolve(lambda: d.log_partition(base, validity, b), span)
        yield ctx.equal(f"library J_beta(q) = E_q[v] - beta KL(q||a) ({label})", lambda: problem.objective(q, b), objective)
        yield ctx.equal(f"library J*_beta = J_beta(p_beta) ({label})", lambda: problem.optimal_value(b), optimum)
        yield ctx.equal(f"library log Z_beta = log sum a e^(v/beta) ({label})", lambda: problem.log_partition(b), log_z)
        yield ctx.equal(f"library closed form log(1 - alpha + alpha e^(1/beta)) ({label})",
                        lambda: precise.log_partition(+d.expectation(base, validity), b), log_z)
        yield ctx.equal(f"library KL(q||a) ({label})", lambda: problem.kl_to_base(q), ctx.resolve(lambda: d.kl(q, base), span))
        log_tilted = ctx.resolve(lambda: [mpmath.log(x) for x in d.tilt(base, validity, b)], span)
        terms = [abs(mpmath.log(x)) + v / b + abs(log_z) for x, v in zip(d.normalized(base), validity)]
        yield ctx.equal_vectors(f"library log p_beta = log a + v/beta - log Z ({label})", problem.log_tilted(b),
                                log_tilted, terms)
        yield ctx.equal(f"J(q) = beta log Z - beta KL(q||p_beta) ({label})", objective,
                        ctx.resolve(lambda: b * d.log_partition(base, validity, b) - b * d.kl(q, d.tilt(base, validity, b)),
                                    span))
        yield ctx.at_most(f"J(q) <= J(p_beta) ({label})", objective, optimum)
    yield from outcome_model_cases(ctx)
    yield from generic_facts_cases(ctx)


@GIBBS.property(problems_with_policy(), betas_and_extremes())
def _gibbs_property(drawn: tuple[np.ndarray, np.ndarray, np.ndarray], b: float) -> None:
    """The float64 J_beta(q), J*_beta = J_beta(p_beta), log Z_beta, log p_beta and KL(q || a)
    against their definitions, within 16 ulps of the value or of the terms combined."""
    base, valid, q = drawn
    problem, v = BinaryRewardProblem(base, valid), ints(valid)
    divergence = float(np.sum(q * np.log(q / base)))
    accurate(problem.kl_to_base(q), lambda: d.kl(arbs(q), arbs(base)), 16, "KL(q||a)")
    accurate(problem.objective(q, b), lambda: d.objective(arbs(q), arbs(base), v, arbs(b)), 16, "J_beta(q)",
             terms=1 + b * abs(divergence))
    accurate(problem.optimal_value(b), lambda: d.optimal_value(arbs(base), v, arbs(b)), 16, "J*_beta = J_beta(p_beta)")
    accurate(problem.log_partition(b), lambda: d.log_partition(arbs(base), v, arbs(b)), 16, "log Z_beta")
    log_z = float(np.log(base[valid].sum() * np.exp(min(1 / b, 700.0)) + base[~valid].sum())) + max(1 / b - 700.0, 0.0)
    # log a(y | Y_v) of a rounded quotient near 1 is off by its rounding, about 2^-53 absolute: hence the 1
    accurate(problem.log_tilted(b), lambda: [x.log() for x in d.tilt(arbs(base), v, arbs(b))], 16, "log p_beta",
             terms=1 + np.abs(np.log(base)) + np.asarray(v) / b + abs(log_z))


# --- conditional-invariance -----------------------------------------------------

CONDITIONAL = register(
    "conditional-invariance",
    title="No concentration at the optimum",
    source="review",
    statement=(
        r"For every $\beta > 0$: $p_\beta(\cdot\mid\mathcal{Y}_1) = p_*$ and $p_\beta(\cdot\mid\mathcal{Y}_0) ="
        r" a(\cdot\mid\mathcal{Y}_0)$, i.e. $p_\beta = \mu_\beta p_* + (1-\mu_\beta)\,a(\cdot\mid\mathcal{Y}_0)$;"
        r" hence $H(p_\beta(\cdot\mid\mathcal{Y}_1)) = H(p_*)$ and $N_{\mathrm{eff}}(p_\beta) ="
        r" N_{\mathrm{eff}}(p_*)$ for every $\beta$."
    ),
    uses=("gibbs-identity",),
    parts=(
        Part("validity", r"$p_\beta(\mathcal{Y}_1) = \mu_\beta = \alpha e^{1/\beta}/Z_\beta$.",
             sp.Eq(total(TILTED * V), MU)),
        Part("valid-conditional", r"$p_\beta(y \mid \mathcal{Y}_1) = p_\beta(y) v(y)/\mu_\beta = p_*(y)$.",
             sp.Eq(TILTED * V / MU, FILTERED)),
        Part("invalid-conditional", r"$p_\beta(y \mid \mathcal{Y}_0) = a(y \mid \mathcal{Y}_0)$.",
             sp.Eq(TILTED * (1 - V) / (1 - MU), A * (1 - V) / (1 - alpha))),
        Part("mixture", r"$p_\beta = \mu_\beta p_* + (1 - \mu_\beta)\,a(\cdot\mid\mathcal{Y}_0)$.",
             sp.Eq(TILTED, MU * FILTERED + (1 - MU) * A * (1 - V) / (1 - alpha))),
        Part("entropy", r"$H(p_\beta(\cdot\mid\mathcal{Y}_1)) = H(p_*)$.",
             sp.Eq(-total(V * TILTED / MU * sp.log(TILTED / MU)), -total(V * A / alpha * sp.log(A / alpha)))),
        Part("effective-number", r"$N_{\mathrm{eff}}(p_\beta) = e^{H(p_\beta(\cdot\mid\mathcal{Y}_1))} = N_{\mathrm{eff}}(p_*)$.",
             sp.Eq(sp.exp(-total(V * TILTED / MU * sp.log(TILTED / MU))), sp.exp(-total(V * A / alpha * sp.log(A / alpha))))),
    ),
)


@CONDITIONAL.symbolic
def _conditional_derivation() -> Derivation:
    return Derivation(
        scope="every finite problem (generic outcome $y$, symbolic sums over $n$ outcomes), symbolic $\\alpha$ and $\\beta$",
        definitions=definitions(),
        steps=(
            Equal(total(TILTED * V), MU, r"$v e^{v/\beta} = v e^{1/\beta}$ and $\sum_y a v = \alpha$",
                  assumes=("binary-reward", "finite-outputs", *TILT)),
            Equal(TILTED * V / MU, FILTERED,
                  r"on $\mathcal{Y}_1$, $p_\beta(y)/\mu_\beta = \frac{a(y) e^{1/\beta}/Z_\beta}{\alpha e^{1/\beta}/Z_\beta}"
                  r" = a(y)/\alpha$; both sides vanish on $\mathcal{Y}_0$", assumes=("binary-reward", *TILT),
                  cases=BINARY),
            Equal(TILTED * (1 - V) / (1 - MU), A * (1 - V) / (1 - alpha),
                  r"on $\mathcal{Y}_0$, $p_\beta(y) = a(y)/Z_\beta$ and $1 - \mu_\beta = (1 - \alpha)/Z_\beta$",
                  assumes=("binary-reward", *TILT), cases=BINARY),
            Equal(TILTED, MU * FILTERED + (1 - MU) * A * (1 - V) / (1 - alpha),
                  r"$p_\beta = p_\beta v + p_\beta (1 - v)$ with steps 2 and 3", assumes=("binary-reward", *TILT),
                  cases=BINARY),
            Equal(-total(V * TILTED / MU * sp.log(TILTED / MU)), -total(V * A / alpha * sp.log(A / alpha)),
                  r"the two conditionals on $\mathcal{Y}_1$ are equal term by term (step 2)",
                  assumes=("binary-reward", "finite-outputs", *TILT)),
            Equal(sp.exp(-total(V * TILTED / MU * sp.log(TILTED / MU))), sp.exp(-total(V * A / alpha * sp.log(A / alpha))),
                  r"exponentiate step 5", assumes=("binary-reward", "finite-outputs", *TILT)),
        ),
        domain=DOMAIN,
    )


@CONDITIONAL.numeric
def _conditional_numeric(ctx: NumericContext):
    with_zeros = ((problem, base, validity, b) for (problem, base, validity), b in zip(ctx.problems_with_zeros(), ctx.betas()))
    for problem, base, validity, b in itertools.chain(ctx.problems_at_betas(), with_zeros):
        span = ctx.span(d.expectation(base, validity), b)
        tilted = [+x for x in ctx.resolve(lambda: d.tilt(base, validity, b), span)]  # rounded: the library's input
        label = f"n={len(base)}, alpha={ctx.short(d.expectation(base, validity))}, beta={ctx.short(b)}"
        yield ctx.equal_vectors(f"library p_beta = a e^(v/beta)/Z_beta ({label})", problem.tilted(b), tilted)
        yield ctx.equal(f"library mu_beta = p_beta(Y1) ({label})", lambda: problem.validity_rate(b),
                        ctx.resolve(lambda: d.expectation(d.tilt(base, validity, b), validity), span))
        yield ctx.equal_vectors(f"p_beta(.|Y1) = p_* ({label})",
                                ctx.resolve(lambda: d.condition(d.tilt(base, validity, b), validity, 1), span),
                                d.condition(base, validity, 1))
        yield ctx.equal_vectors(f"p_beta(.|Y0) = a(.|Y0) ({label})",
                                ctx.resolve(lambda: d.condition(d.tilt(base, validity, b), validity, 0), span),
                                d.condition(base, validity, 0))
        n_eff = mpmath.exp(d.entropy(d.condition(tilted, validity, 1)))
        yield ctx.equal(f"library N_eff(p_beta) = exp H(p_beta(.|Y1)) ({label})", lambda: problem.n_eff(tilted), n_eff)
        yield ctx.equal(f"N_eff(p_beta) = N_eff(p_*) ({label})", n_eff, mpmath.exp(d.entropy(d.condition(base, validity, 1))))


@CONDITIONAL.property(problem_inputs(), betas_and_extremes())
def _conditional_property(drawn: tuple[np.ndarray, np.ndarray], b: float) -> None:
    """The float64 p_beta and mu_beta against the definition a e^{v/beta} / Z_beta, within
    16 ulps; N_eff of the float64 p_beta against exp H(p_beta(. | Y1)), within 16 ulps per unit of H."""
    base, valid = drawn
    problem, v = BinaryRewardProblem(base, valid), ints(valid)
    accurate(problem.tilted(b), lambda: d.tilt(arbs(base), v, arbs(b)), 16, "p_beta")
    accurate(problem.validity_rate(b), lambda: d.expectation(d.tilt(arbs(base), v, arbs(b)), v), 16, "mu_beta")
    tilted = problem.tilted(b)
    if np.sum(tilted[valid]) > 0:
        entropy = float(np.log(problem.n_eff(tilted)))
        accurate(problem.n_eff(tilted), lambda: d.entropy(d.condition(arbs(tilted), v, 1)).exp(), 16 * (1 + entropy),
                 "N_eff(p_beta)")


# --- filtered-selection ---------------------------------------------------------

FILTERED_SELECTION = register(
    "filtered-selection",
    title="p_* is the KL-closest fully valid distribution",
    source="paper",
    statement=(
        r"For every $q$ with $q(\mathcal{Y}_0) = 0$: $\mathrm{KL}(q\,\|\,a) = \mathrm{KL}(q\,\|\,p_*) - \log\alpha$."
        r" So $p_*$ is the unique minimizer of $\mathrm{KL}(q\,\|\,a)$ over fully valid $q$, with minimum"
        r" $-\log\alpha$."
    ),
    uses=("gibbs-identity",),
    parts=(
        Part("decomposition", r"$\mathrm{KL}(q\,\|\,a) = \mathrm{KL}(q\,\|\,p_*) - \log\alpha$ for every fully valid $q$.",
             sp.Eq(kl(S, R, A, V), kl(S, R, A / alpha, V) - sp.log(alpha))),
        Part("minimum", r"$\mathrm{KL}(q\,\|\,a) \ge -\log\alpha$ for every fully valid $q$.",
             sp.GreaterThan(kl(S, R, A, V), -sp.log(alpha))),
        Part("unique", r"equality only if $\mathrm{KL}(q\,\|\,p_*) = 0$, that is only if $q = p_*$.",
             sp.Implies(sp.Eq(kl(S, R, A / alpha, V), 0), sp.Eq(V * S * R, V * A / alpha))),
        Part("attained", r"$\mathrm{KL}(p_*\,\|\,a) = -\log\alpha$.", sp.Eq(kl(1, A / alpha, A, V), -sp.log(alpha))),
    ),
)

_FULLY_VALID = Assumption(
    "fully-valid", r"$q$ is fully valid: $q(y) = v(y) s(y) r(y)$ (zero on $\mathcal{Y}_0$, $s$ its support indicator on"
    r" $\mathcal{Y}_1$, $r > 0$), a probability vector: $\sum_y v s r = 1$.",
    (sp.Eq(total(V * S * R), 1, evaluate=False), sp.Eq(S * (1 - S), 0, evaluate=False), sp.Gt(R, 0, evaluate=False)), (G.s, G.r))


@FILTERED_SELECTION.symbolic
def _filtered_derivation() -> Derivation:
    return Derivation(
        scope="every finite problem (generic outcome $y$, symbolic sums over $n$ outcomes), every fully valid $q$"
              " (zeros allowed) and symbolic $\\alpha$",
        hypotheses=(_FULLY_VALID,),
        steps=(
            Equal(kl(S, R, A, V), kl(S, R, A / alpha, V) - sp.log(alpha),
                  r"on $\mathcal{Y}_1$, $a = \alpha\,p_*$: $\log\frac{q}{a} = \log\frac{q}{p_*} - \log\alpha$; average"
                  r" under $q$, which sums to 1", assumes=("fully-valid", "valid-mass-interior", "base-positive")),
            Apply("gibbs-inequality", {"support": S, "values": R, "p": A / alpha, "within": V},
                  r"$p_* = a/\alpha$ on $\mathcal{Y}_1$ is a positive probability vector there, so Gibbs' inequality"
                  r" applies to $q$ and $p_*$ on $\mathcal{Y}_1$",
                  assumes=("fully-valid", "valid-mass-interior", "base-positive", "binary-reward", "finite-outputs")),
            Sign(kl(S, R, A, V) + sp.log(alpha), "nonnegative",
                 r"by steps 1 and 2, $\mathrm{KL}(q\,\|\,a) + \log\alpha = \mathrm{KL}(q\,\|\,p_*) \ge 0$",
                 assumes=("step 1", "step 2")),
            Equal(kl(1, A / alpha, A, V), -sp.log(alpha),
                  r"$\mathrm{KL}(p_*\,\|\,a) = \sum_{\mathcal{Y}_1} \frac{a}{\alpha}\log\frac{1}{\alpha}$",
                  assumes=("valid-mass-interior", "base-positive", "binary-reward", "finite-outputs")),
        ),
        domain=DOMAIN,
    )


@FILTERED_SELECTION.numeric
def _filtered_numeric(ctx: NumericContext):
    for problem, base, validity in ctx.problems():
        valid_index = [i for i, v in enumerate(validity) if v]
        weights = ctx.distribution(len(valid_index))
        q = [mpf(0)] * len(base)
        for i, w in zip(valid_index, weights):
            q[i] = w
        a = d.expectation(base, validity)
        p_star = d.condition(base, validity, 1)
        span = ctx.span(a, 1)
        label = f"n={len(base)}, |Y1|={len(valid_index)}, alpha={ctx.short(a)}"
        kl_q_a = ctx.resolve(lambda: d.kl(q, base), span)
        yield ctx.equal(f"library KL(q||a) of the masses ({label})", lambda: divergences.kl_divergence(q, base),
                        ctx.resolve(lambda: d.kl(q, base, masses=True), span))
        yield ctx.equal(f"library KL(q||a) renormalized ({label})",
                        lambda: divergences.kl_divergence(q, base, renormalize=True), kl_q_a)
        yield ctx.equal(f"library KL(q||p_*) ({label})", lambda: divergences.kl_divergence(q, p_star),
                        ctx.resolve(lambda: d.kl(q, p_star, masses=True), span))
        yield ctx.equal(f"library KL(q||a) of the problem ({label})", lambda: problem.kl_to_base(q), kl_q_a)
        yield ctx.equal(f"KL(q||a) = KL(q||p_*) - log alpha ({label})", kl_q_a, d.kl(q, p_star) - mpmath.log(a))
        yield ctx.equal(f"KL(p_*||a) = -log alpha ({label})", ctx.resolve(lambda: d.kl(p_star, base), span), -mpmath.log(a))
        if len(valid_index) >= 2:
            yield ctx.less(f"KL(p_*||a) < KL(q||a) for valid q != p_* ({label})", d.kl(p_star, base), kl_q_a)


@FILTERED_SELECTION.property(problems_with_policy())
def _filtered_property(drawn: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    """For a fully valid q: the float64 KL(q || a) (of the masses, renormalized, and of the
    problem) and KL(q || p_*) against the definitions, within 16 ulps of the value or of
    the terms the library combines (the masses' deviation from normalization)."""
    base, valid, q = drawn
    problem = BinaryRewardProblem(base, valid)
    masses = np.where(valid, q, 0.0)
    accurate(divergences.kl_divergence(masses, base), lambda: d.kl(arbs(masses), arbs(base), masses=True), 16,
             "KL(q||a) of the masses", terms=kl_terms(masses, base))
    policy = masses / np.sum(masses)
    # renormalized, the library's error is u (KL + sum_y |q/Q - p/P| + z^2), z = (P - Q)/Q: the distance between
    # the distributions and the squared mismatch of the totals (log1p(z) - z when the totals are this close)
    for value, target, name in ((divergences.kl_divergence(policy, base, renormalize=True), base, "KL(q||a) renormalized"),
                                (divergences.kl_divergence(policy, problem.filtered, renormalize=True), problem.filtered,
                                 "KL(q||p_*) renormalized"),
                                (problem.kl_to_base(policy), base, "KL(q||a) of the problem")):
        spread = float(2 * enclosure(lambda: d.total_variation(arbs(policy), arbs(target))).mid())
        mismatch = math.fsum(np.concatenate([target, -policy])) / math.fsum(policy)
        accurate(value, lambda: d.kl(arbs(policy), arbs(target)), 16, name, terms=spread + mismatch**2)
