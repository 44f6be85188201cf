"""Misspecified policy families: where the KL-control optimum goes as beta -> 0.

Over a family ``Q`` that does not contain ``p_beta``, maximizing ``J_beta`` is
the I-projection of ``p_beta`` onto ``Q``. As ``beta -> 0+`` it is pushed onto
the fully valid members of ``Q``, and among them onto the one closest to
``p_*``: collapse happens exactly when those members are all low-entropy.

Main statements
- ``parity-product-collapse``: for parity on ``{0,1}^L`` and product
  distributions, ``q(Y1) = (1 + prod_i (1 - 2 p_i))/2``; the only fully valid
  products are point masses; ``q_beta^Q(Y1) >= 1 + beta min_{y in Y1} log a(y) -> 1``,
  so ``N_eff(q_beta^Q) -> 1``.
- ``valid-limit-projection``: if ``Q`` is closed and ``Q ∩ Delta(Y1)`` is not
  empty, ``1 - q_beta^Q(Y1) <= beta (min_{q0} KL(q0 || p_*) - log alpha)`` and
  every limit point of ``q_beta^Q`` minimizes ``KL(q || p_*)`` over ``Q ∩ Delta(Y1)``.
"""

from __future__ import annotations

import itertools

import mpmath
import numpy as np
import sympy as sp
from hypothesis import strategies as st

from proofs_checks.claim import register
from proofs_checks.claims import definitions as d
from proofs_checks.claims.notation import DOMAIN
from proofs_checks.claims.sampling import accurate, arbs, ints, kl_terms, problem_inputs
from proofs_checks.derivation import ConvexMinimum, Derivation, Equal, Limit, Sign
from proofs_checks.numeric import NumericContext
from theory import divergences
from theory.problem import BinaryRewardProblem
from theory.strategies import betas, probability_vectors
from theory.symbolic import alpha, beta

EPS = float(np.finfo(float).eps)

# --- parity-product-collapse ----------------------------------------------------

PARITY = register(
    "parity-product-collapse",
    title="A misspecified family provably collapses",
    source="extension",
    statement=(
        r"$\mathcal{Y} = \{0,1\}^L$, $v(y) = 1$ iff $y$ has an even number of ones, $\mathcal{Q}$ the product"
        r" distributions $q(y) = \prod_i p_i^{y_i}(1-p_i)^{1-y_i}$: (a) $q(\mathcal{Y}_1) = \frac{1 +"
        r" \prod_i(1-2p_i)}{2}$; (b) the only fully valid members of $\mathcal{Q}$ are point masses on valid"
        r" strings; (c) $q^{\mathcal{Q}}_\beta(\mathcal{Y}_1) \ge 1 - \beta\min_{y\in\mathcal{Y}_1}\log(1/a(y))"
        r" \to 1$, so every limit point of $q^{\mathcal{Q}}_\beta$ is a point mass and"
        r" $N_{\mathrm{eff}}(q^{\mathcal{Q}}_\beta)\to 1$, while $N_{\mathrm{eff}}(p_*)$ can be as large as $2^{L-1}$."
    ),
    uses=("gibbs-identity", "filtered-selection"),
)


@PARITY.symbolic
def _parity_derivation() -> Derivation:
    p, even, odd, rest, a_y, kl_q = sp.symbols("p_{L+1} E_L O_L A a_y KL_q", positive=True)
    return Derivation(
        scope="all L (induction on the number of positions); every full-support base a",
        steps=(
            Equal(1 - p - p, 1 - 2 * p, "base case L = 1: q(even) - q(odd) = (1 - p_1) - p_1"),
            Equal(even * (1 - p) + odd * p - (odd * (1 - p) + even * p), (1 - 2 * p) * (even - odd),
                  "induction step: appending position L+1 maps (E_L, O_L) to (E_L(1-p) + O_L p, O_L(1-p) + E_L p), so "
                  "q(even) - q(odd) = prod_i (1 - 2 p_i) for every L"),
            Equal(even, (1 + (even - odd)) / 2, "(a) with E_L + O_L = 1: q(Y1) = (1 + prod_i (1 - 2 p_i))/2",
                  given={odd: 1 - even}),
            Sign(rest * p, "positive", "(b) let q(y) = A p_j^{y_j} (1-p_j)^{1-y_j} > 0; flipping bit j gives "
                 "q(y') = A p_j^{1-y_j} (1-p_j)^{y_j}, positive when 0 < p_j < 1 (case y_j = 0) ...",
                 positive=(rest, p)),
            Sign(rest * (1 - p), "positive", "... and (case y_j = 1); y' has the other parity, so q(Y0) > 0 unless "
                 "every p_j is 0 or 1, i.e. unless q is a point mass", positive=(rest, 1 - p)),
            Equal(1 - beta * sp.log(1 / a_y), 1 + beta * sp.log(a_y),
                  "(c) point masses on valid strings are in Q: J_beta(delta_y) = 1 - beta KL(delta_y || a) = 1 + beta log a(y)"),
            Sign(beta * kl_q, "nonnegative", "q(Y1) = J_beta(q) + beta KL(q || a) >= J_beta(q) >= max_y J_beta(delta_y) "
                 "for the optimum q = q_beta^Q (Gibbs' inequality, gibbs-identity)", positive=(beta, kl_q)),
            Limit(beta * sp.log(a_y), beta, 0, 0,
                  "so 1 - q_beta^Q(Y1) <= beta log(1/max_{y in Y1} a(y)) -> 0: limit points are fully valid products, "
                  "hence point masses (b), with N_eff = 1"),
        ),
        domain={**DOMAIN, p: (0, 1), even: (0, 1), a_y: (0, 1)},
    )


def _product_mass(p: list, strings: list[tuple[int, ...]]) -> list:
    """``q(y) = prod_i p_i^{y_i} (1 - p_i)^{1 - y_i}`` for each string."""
    return [mpmath.fprod(pi if bit else 1 - pi for pi, bit in zip(p, y)) for y in strings]


@PARITY.numeric
def _parity_numeric(ctx: NumericContext):
    for length in range(2, 11):
        strings = list(itertools.product((0, 1), repeat=length))
        validity = [int(sum(y) % 2 == 0) for y in strings]
        for draw in range(3):
            p = [ctx.uniform() for _ in range(length)]
            q = _product_mass(p, strings)
            yield ctx.equal(f"q(Y1) = (1 + prod(1 - 2 p_i))/2 (L={length}, draw {draw})",
                            d.expectation(q, validity), (1 + mpmath.fprod(1 - 2 * pi for pi in p)) / 2)
        corner = [ctx.rng.randint(0, 1) for _ in range(length)]
        mass = _product_mass([mpmath.mpf(c) for c in corner], strings)
        yield ctx.equal(f"a 0/1 product is a point mass, valid iff its string is even (L={length})",
                        d.expectation(mass, validity), 1 - sum(corner) % 2)
        base = ctx.distribution(len(strings))
        best = max(range(len(strings)), key=lambda k: base[k] if validity[k] else -1)
        b = ctx.log_uniform("1e-6", "1")
        delta = [mpmath.mpf(int(k == best)) for k in range(len(strings))]
        yield ctx.equal(f"J_beta(delta_y) = 1 + beta log a(y) (L={length}, beta={ctx.short(b)})",
                        d.objective(delta, base, validity, b), 1 + b * mpmath.log(base[best]))


@PARITY.property(st.lists(st.floats(0, 1), min_size=2, max_size=10))
def _parity_property(p: list[float]) -> None:
    strings = np.array(list(itertools.product((0, 1), repeat=len(p))))
    probabilities = np.array(p)
    q = np.prod(np.where(strings == 1, probabilities, 1 - probabilities), axis=1)
    even = strings.sum(axis=1) % 2 == 0
    formula = (1 + np.prod(1 - 2 * probabilities)) / 2
    assert abs(np.sum(q[even]) - formula) <= 4 * len(p) * np.finfo(float).eps, "q(Y1) differs from (1 + prod)/2"
    if np.sum(q[~even]) == 0:
        assert np.count_nonzero(q) == 1, "a fully valid product distribution that is not a point mass"


# --- valid-limit-projection -----------------------------------------------------

VALID_LIMIT = register(
    "valid-limit-projection",
    title="Where the misspecified optimum goes as beta -> 0",
    source="extension",
    statement=(
        r"Let $\mathcal{Q}$ be closed with $\mathcal{Q}\cap\Delta(\mathcal{Y}_1) \ne \emptyset$ and"
        r" $q^{\mathcal{Q}}_\beta \in \arg\max_{\mathcal{Q}} J_\beta$. Then $1 - q^{\mathcal{Q}}_\beta(\mathcal{Y}_1)"
        r" \le \beta\,(\min_{q_0\in\mathcal{Q}\cap\Delta(\mathcal{Y}_1)}\mathrm{KL}(q_0\,\|\,p_*) - \log\alpha) \to 0$"
        r" and every limit point of $q^{\mathcal{Q}}_\beta$ as $\beta\to 0^+$ minimizes $\mathrm{KL}(q\,\|\,p_*)$"
        r" over $\mathcal{Q}\cap\Delta(\mathcal{Y}_1)$."
    ),
    uses=("filtered-selection", "gibbs-identity"),
)


@VALID_LIMIT.symbolic
def _valid_limit_derivation() -> Derivation:
    k0, kb, gap, m_b, q_y, a_y = sp.symbols("K_0 K_beta G m_beta q_y a_y", positive=True)
    return Derivation(
        scope="every finite Y and every closed family Q with a fully valid member (symbolic KL values)",
        steps=(
            Equal(1 - beta * (k0 - sp.log(alpha)), 1 - beta * k0 + beta * sp.log(alpha),
                  "J_beta(q0) = 1 - beta KL(q0 || a) = 1 - beta (KL(q0 || p_*) - log alpha) for fully valid q0 "
                  "(filtered-selection), with K_0 = KL(q0 || p_*)"),
            Equal(1 - m_b, beta * (k0 - sp.log(alpha)) - beta * kb - gap,
                  "J_beta(q_beta) = m_beta - beta K_beta and G = J_beta(q_beta) - J_beta(q0) >= 0 (optimality)",
                  given={gap: m_b - beta * kb - (1 - beta * k0 + beta * sp.log(alpha))}),
            Sign(beta * kb + gap, "nonnegative", "K_beta = KL(q_beta || a) >= 0 and G >= 0: "
                 "1 - q_beta(Y1) <= beta (K_0 - log alpha)", positive=(beta, kb), nonnegative=(gap,)),
            Limit(beta * (k0 - sp.log(alpha)), beta, 0, 0, "so q_beta(Y1) -> 1: every limit point is fully valid"),
            Equal(kb, (k0 - sp.log(alpha)) - (1 - m_b) / beta - gap / beta,
                  "rearranged: KL(q_beta || a) <= KL(q0 || a) = K_0 - log alpha",
                  given={gap: m_b - beta * kb - (1 - beta * k0 + beta * sp.log(alpha))}),
            Limit(q_y * sp.log(q_y / a_y), q_y, 0, 0, "KL(. || a) is continuous on the simplex when a > 0 (the only "
                  "candidate discontinuity, q(y) -> 0, is removable): a limit point q_bar has KL(q_bar || a) <= "
                  "KL(q0 || a), i.e. KL(q_bar || p_*) <= KL(q0 || p_*) for every fully valid q0 in Q"),
            ConvexMinimum(sp.Symbol("t", positive=True) - 1 - sp.log(sp.Symbol("t", positive=True)),
                          sp.Symbol("t", positive=True), 1,
                          "KL(q || p_*) >= 0 (Gibbs' inequality), so the minimum over Q ∩ Delta(Y1) is attained (Q closed)"),
        ),
        domain={**DOMAIN, k0: (0, 10), a_y: (0, 1)},
    )


def _finite_family(ctx: NumericContext, validity: list[int], members: int) -> tuple[list, list]:
    """A finite (hence closed) family: full-support members and fully valid members."""
    full_support = [ctx.distribution(len(validity)) for _ in range(members)]
    valid_index = [i for i, v in enumerate(validity) if v]
    fully_valid = []
    for _ in range(members):
        weights = ctx.distribution(len(valid_index))
        member = [mpmath.mpf(0)] * len(validity)
        for i, w in zip(valid_index, weights):
            member[i] = w
        fully_valid.append(member)
    return full_support, fully_valid


@VALID_LIMIT.numeric
def _valid_limit_numeric(ctx: NumericContext):
    for problem, base, validity in ctx.problems():
        full_support, fully_valid = _finite_family(ctx, validity, members=3)
        family = full_support + fully_valid
        k0 = min(d.kl(q, problem.filtered) for q in fully_valid)
        label = f"n={len(base)}, alpha={ctx.short(problem.alpha)}"
        for b in (mpmath.mpf("0.1"), mpmath.mpf("1e-3"), mpmath.mpf("1e-6")):
            best = max(family, key=lambda q: d.objective(q, base, validity, b))
            yield ctx.at_most(f"1 - q_beta(Y1) <= beta (K_0 - log alpha) ({label}, beta={ctx.short(b)})",
                              1 - d.expectation(best, validity), b * (k0 - mpmath.log(problem.alpha)))
        # once beta KL(q0 || a) < 1 - q(Y1) for every valid q0 and every other q, valid members win, and among
        # them J_beta = 1 - beta KL(q0 || a) is largest for the member closest to p_* (filtered-selection)
        largest_kl = max(d.kl(q, base) for q in fully_valid)
        smallest_gap = min(1 - d.expectation(q, validity) for q in full_support)
        small = smallest_gap / (2 * largest_kl + 1)
        best = max(family, key=lambda q: d.objective(q, base, validity, small))
        yield ctx.equal(f"small-beta optimum minimizes KL(q||p_*) over the valid members ({label})",
                        d.kl(best, problem.filtered), k0)


VALID_LIMIT.experiment(("parity-collapse", "no-adjacent-control"), select=lambda check: "valid limit" in check.label)


def _finite_families() -> st.SearchStrategy:
    """A problem's inputs with a finite family: 1-4 full-support members and 1-4 fully valid ones."""

    def family(drawn: tuple[np.ndarray, np.ndarray]) -> st.SearchStrategy:
        base, valid = drawn
        n_valid = int(valid.sum())
        valid_weights = probability_vectors(min_size=n_valid, max_size=n_valid) if n_valid >= 2 else st.just(np.ones(1))
        return st.tuples(st.just(base), st.just(valid),
                         st.lists(probability_vectors(min_size=base.size, max_size=base.size), min_size=1, max_size=4),
                         st.lists(valid_weights, min_size=1, max_size=4))

    return problem_inputs(max_size=16).flatmap(family)


@VALID_LIMIT.property(_finite_families(), betas(max_value=1.0))
def _valid_limit_property(drawn: tuple, b: float) -> None:
    """Over a finite family: the float64 J_beta of every member and KL(q0 || p_*) of the fully
    valid ones against their definitions (16 ulps of the value or of the terms combined),
    then 1 - q_beta(Y1) <= beta (K_0 - log alpha) for the member q_beta maximizing J_beta."""
    base, valid, full_support, valid_weights = drawn
    problem, v = BinaryRewardProblem(base, valid), ints(valid)
    valid_members = []
    for weights in valid_weights:
        member = np.zeros(problem.n)
        member[valid] = weights
        valid_members.append(member)
    family = full_support + valid_members
    objective, sizes = [], []
    for q in family:
        value = problem.objective(q, b)
        positive = q > 0
        sizes.append(1 + b * float(np.sum(q[positive] * np.abs(np.log(q[positive] / base[positive])))))
        accurate(value, lambda: d.objective(arbs(q), arbs(base), v, arbs(b)), 16, "J_beta(q)", terms=sizes[-1])
        objective.append(value)
    best = family[int(np.argmax(objective))]
    distances = []
    for q in valid_members:
        value = divergences.kl_divergence(q, problem.filtered)
        accurate(value, lambda: d.kl(arbs(q), arbs(problem.filtered), masses=True), 16, "KL(q0||p_*)",
                 terms=kl_terms(q, problem.filtered))
        distances.append(value)
    bound = b * (min(distances) - np.log(problem.alpha))
    shortfall = float(np.sum(best[~valid]))
    # the argmax may pick a member whose J is within the float64 errors (16 ulps of the terms) of the best one's,
    # which loosens the bound by that much; K_0 carries 16 ulps of its own
    assert shortfall <= bound + 32 * EPS * (max(sizes) + bound), \
        f"1 - q_beta(Y1) = {shortfall!r} exceeds beta (K_0 - log alpha) = {bound!r}"
