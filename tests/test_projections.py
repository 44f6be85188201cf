"""Projections onto the chain families: closed forms (tabular I-projection = p_beta,
M-projection = moment matching), monotone block descent, first-order conditions
by finite differences, global optimality against brute-force grids at L = 3,
the solution paths, the validity matching, the log-space divergences against
``theory.divergences``, and the targets."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from theory.divergences import amari_divergence, kl_divergence
from theory.errors import DomainError, ShapeError
from theory.sequences.base_models import independent_base, log_softmax, markov_base
from theory.sequences.constraints import at_least_ones, parity, sum_mod
from theory.sequences.divergences import amari_divergence_from_logs, kl_divergence_from_logs
from theory.sequences.families import ChainPolicy, PolicyFamily, masked_logsumexp
from theory.sequences.metrics import validity
from theory.sequences.projections import Projection, alpha_projection, i_projection, m_projection
from theory.sequences.solution_paths import (
    alpha_projection_path,
    kl_control_at_validity,
    kl_control_path,
    standard_starts,
)
from theory.sequences.space import SequenceSpace
from theory.sequences.targets import base_validity, kl_control_objective, log_filtered, log_tilted

BETAS = (2.0, 1.0, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005)


def model(vocab: int, length: int, seed: int = 0) -> tuple[SequenceSpace, np.ndarray, np.ndarray]:
    """A base model and a constraint: parity for ``V = 2``, ``sum = 0 (mod 3)`` for ``V = 3``."""
    space = SequenceSpace(vocab, length)
    constraint = parity if vocab == 2 else sum_mod(3)
    return space, markov_base(space, seed), constraint(space.strings)


def objective_of(kind: str, log_p: np.ndarray, alpha: float) -> callable:
    if kind == "reverse-kl":
        return lambda log_q: kl_divergence_from_logs(log_q, log_p)
    return lambda log_q: amari_divergence_from_logs(log_p, log_q, alpha)


def solve(kind: str, family: PolicyFamily, log_p: np.ndarray, alpha: float, start: ChainPolicy, **options: float) -> Projection:
    if kind == "reverse-kl":
        return i_projection(family, log_p, start, **options)
    return alpha_projection(family, log_p, alpha, start, **options)


def finite_difference_gradient(policy: ChainPolicy, objective: callable, step: float = 1e-5) -> np.ndarray:
    """Central differences of the objective in every logit ``theta_t(ctx, x)`` (``q_t = softmax(theta_t)``)."""
    gradient = []
    for t, table in enumerate(policy.log_tables):
        for index in np.ndindex(table.shape):
            values = []
            for sign in (1.0, -1.0):
                logits = table.copy()
                logits[index] += sign * step
                tables = list(policy.log_tables)
                tables[t] = log_softmax(logits)
                values.append(objective(ChainPolicy(policy.family, tuple(tables)).log_prob()))
            gradient.append((values[0] - values[1]) / (2 * step))
    return np.array(gradient)


def test_i_projection_onto_the_tabular_family_is_p_beta() -> None:
    """One backward sweep is exact on the tabular family; the path uses the closed form."""
    for vocab, length in ((2, 5), (3, 3)):
        space, log_a, valid = model(vocab, length)
        tabular = PolicyFamily(space, length - 1)
        for beta in (1.0, 0.05):
            log_p = log_tilted(log_a, valid, beta)
            projection = i_projection(tabular, log_p, tabular.uniform())
            assert projection.sweeps <= 2
            np.testing.assert_allclose(projection.log_q, log_p, rtol=0, atol=1e-12)
        for beta, projection in zip(BETAS, kl_control_path(tabular, log_a, valid, BETAS)):
            np.testing.assert_allclose(projection.log_q, log_tilted(log_a, valid, beta), rtol=0, atol=1e-12)
            assert projection.start == "closed-form" and projection.gradient < 1e-12


def test_m_projection_onto_the_product_family_is_the_product_of_the_marginals() -> None:
    space, log_a, valid = model(2, 6)
    log_p_star = log_filtered(log_a, valid)
    p_star = np.exp(log_p_star)
    ones = np.array([p_star[space.strings[:, i] == 1].sum() for i in range(space.length)])
    expected = np.prod(np.where(space.strings == 1, ones, 1.0 - ones), axis=1)
    np.testing.assert_allclose(np.exp(m_projection(PolicyFamily(space, 0), log_p_star).log_prob()), expected, rtol=1e-12, atol=0)


def test_m_projection_is_the_forward_kl_minimizer_among_perturbations() -> None:
    """``KL(p || m_projection(p)) <= KL(p || q)`` for random members ``q`` near it."""
    space, log_a, valid = model(3, 3)
    log_p_star = log_filtered(log_a, valid)
    family = PolicyFamily(space, 1)
    best = m_projection(family, log_p_star)
    reference = kl_divergence_from_logs(log_p_star, best.log_prob())
    rng = np.random.default_rng(0)
    for _ in range(50):
        tables = tuple(log_softmax(table + rng.normal(0.0, 0.1, table.shape)) for table in best.log_tables)
        assert kl_divergence_from_logs(log_p_star, ChainPolicy(family, tables).log_prob()) >= reference - 1e-13


@pytest.mark.parametrize("kind, alpha", [("reverse-kl", 0.0), ("alpha", 0.3), ("alpha", 0.8)])
@pytest.mark.parametrize("vocab, length, order", [(2, 6, 0), (2, 6, 1), (2, 6, 2), (3, 4, 1)])
def test_block_descent_decreases_the_objective_monotonically(kind: str, alpha: float, vocab: int, length: int, order: int) -> None:
    space, log_a, valid = model(vocab, length)
    family = PolicyFamily(space, order)
    log_p = log_tilted(log_a, valid, 0.1) if kind == "reverse-kl" else log_filtered(log_a, valid)
    start = m_projection(family, log_a)
    values = [objective_of(kind, log_p, alpha)(start.log_prob())]
    for sweeps in range(1, 12):
        values.append(solve(kind, family, log_p, alpha, start, max_sweeps=sweeps).objective)
    assert np.all(np.diff(values) <= 1e-13 * (1.0 + np.abs(values[1:])))
    assert values[-1] < values[0]


@pytest.mark.parametrize("kind, alpha", [("reverse-kl", 0.0), ("alpha", 0.2), ("alpha", 0.6)])
@pytest.mark.parametrize("vocab, length, order", [(2, 4, 0), (2, 4, 1), (2, 5, 2), (3, 3, 1)])
def test_first_order_conditions_hold_at_convergence(kind: str, alpha: float, vocab: int, length: int, order: int) -> None:
    """At the returned point the objective's logit gradient vanishes (finite differences, every
    logit of every table), and the solver's own gradient measure agrees."""
    space, log_a, valid = model(vocab, length)
    family = PolicyFamily(space, order)
    log_p = log_tilted(log_a, valid, 0.2) if kind == "reverse-kl" else log_filtered(log_a, valid)
    objective = objective_of(kind, log_p, alpha)
    start = standard_starts(family, log_a, valid)["base"]
    converged = solve(kind, family, log_p, alpha, start)
    assert converged.gradient < 1e-10 and converged.step < 1e-12
    assert np.max(np.abs(finite_difference_gradient(converged.policy, objective))) < 1e-7
    midway = solve(kind, family, log_p, alpha, start, max_sweeps=1)
    numeric = np.max(np.abs(finite_difference_gradient(midway.policy, objective)))
    assert numeric > 1e-4
    assert midway.gradient == pytest.approx(numeric, rel=1e-5)


def product_grid_log_q(points: np.ndarray, space: SequenceSpace) -> np.ndarray:
    """``log q(y)`` of the product distributions with ``P(y_i = 1) = p_i`` for every grid point."""
    ones = space.strings.astype(bool)
    grid = np.array(list(itertools.product(points, repeat=space.length)))
    with np.errstate(divide="ignore"):
        return np.where(ones[None, :, :], np.log(grid)[:, None, :], np.log1p(-grid)[:, None, :]).sum(axis=2)


def markov_grid_log_q(points: np.ndarray, space: SequenceSpace) -> np.ndarray:
    """``log q(y)`` of the order-1 chains on ``{0,1}^3`` with parameters
    ``P(y0=1), P(y1=1|0), P(y1=1|1), P(y2=1|0), P(y2=1|1)`` on the grid."""
    grid = np.array(list(itertools.product(points, repeat=5)))
    strings = space.strings.astype(int)
    log_q = np.zeros((grid.shape[0], space.size))
    columns = [np.full(space.size, 0)]
    for t in (1, 2):
        columns.append(1 + 2 * (t - 1) + strings[:, t - 1])
    for t, column in enumerate(columns):
        p_one = grid[:, column]
        with np.errstate(divide="ignore"):
            log_q += np.where(strings[None, :, t] == 1, np.log(p_one), np.log1p(-p_one))
    return log_q


def grid_divergences(kind: str, log_grid: np.ndarray, log_p: np.ndarray, alpha: float) -> np.ndarray:
    """The objective at every grid point, with ``0 log 0 = 0``."""
    q = np.exp(log_grid)
    if kind == "reverse-kl":
        return np.sum(q * (np.where(q > 0, log_grid, 0.0) - log_p[None, :]), axis=1)
    overlap = np.sum(np.exp(alpha * log_p[None, :]) * q ** (1 - alpha), axis=1)
    return (1.0 - overlap) / (alpha * (1.0 - alpha))


@pytest.mark.parametrize("kind, alpha", [("reverse-kl", 0.0), ("alpha", 0.5)])
@pytest.mark.parametrize("order", [0, 1])
def test_projections_beat_every_point_of_a_brute_force_grid(kind: str, order: int, alpha: float) -> None:
    """At ``L = 3`` the multi-start projection is at least as good as every point of a grid
    over the whole closed family, boundary included (product: 101^3 points, Markov-1: 17^5),
    and within the grid's resolution of the best one."""
    space = SequenceSpace(2, 3)
    log_a, valid = independent_base(space, 4), parity(space.strings)
    family = PolicyFamily(space, order)
    if kind == "reverse-kl":
        log_p = log_tilted(log_a, valid, 0.3)
        found = kl_control_path(family, log_a, valid, [0.3])[0]
    else:
        log_p = log_filtered(log_a, valid)
        found = alpha_projection_path(family, log_a, valid, [alpha])[0]
    points = np.linspace(0.0, 1.0, 101) if order == 0 else np.linspace(0.0, 1.0, 17)
    log_grid = (product_grid_log_q if order == 0 else markov_grid_log_q)(points, space)
    grid_best = float(np.min(grid_divergences(kind, log_grid, log_p, alpha)))
    assert found.objective <= grid_best + 1e-12
    assert found.objective >= grid_best - (1e-3 if order == 0 else 5e-2)


def test_standard_starts_include_the_best_point_mass() -> None:
    space, log_a, valid = model(2, 5)
    starts = standard_starts(PolicyFamily(space, 0), log_a, valid)
    assert set(starts) == {"base", "filtered", "sharpened", "mode"}
    mode = starts["mode"].log_prob()
    assert np.count_nonzero(mode > -np.inf) == 1
    assert int(np.argmax(mode)) == int(np.argmax(np.where(valid, log_a, -np.inf)))


def test_alpha_path_ends_are_the_closed_forms() -> None:
    """``alpha = 1``: the M-projection of ``p_*``; the tabular family: ``p_*`` at every alpha."""
    space, log_a, valid = model(2, 6)
    log_p_star = log_filtered(log_a, valid)
    product = PolicyFamily(space, 0)
    forward = alpha_projection_path(product, log_a, valid, [1.0])[0]
    np.testing.assert_allclose(forward.log_q, m_projection(product, log_p_star).log_prob(), rtol=0, atol=1e-12)
    for projection in alpha_projection_path(PolicyFamily(space, 5), log_a, valid, [1.0, 0.5, 0.1]):
        np.testing.assert_allclose(np.exp(projection.log_q), np.exp(log_p_star), rtol=0, atol=1e-12)


def test_kl_control_path_keeps_the_best_objective_over_its_starts() -> None:
    """No single start, solved alone at any beta, beats the path's solution."""
    space, log_a, valid = model(2, 6, seed=3)
    family = PolicyFamily(space, 0)
    path = kl_control_path(family, log_a, valid, BETAS)
    for beta, solution in zip(BETAS, path):
        log_p = log_tilted(log_a, valid, beta)
        for name, start in standard_starts(family, log_a, valid).items():
            assert solution.objective <= i_projection(family, log_p, start, name).objective + 1e-12


def test_validity_matching_hits_the_target_and_reports_jumps() -> None:
    space = SequenceSpace(2, 8)
    log_a, valid = markov_base(space, 0), at_least_ones(5)(space.strings)
    family = PolicyFamily(space, 1)
    path = kl_control_path(family, log_a, valid, BETAS)
    mus = [validity(solution.log_q, valid) for solution in path]
    target = 0.5 * (mus[2] + mus[3])
    beta, solution = kl_control_at_validity(family, log_a, valid, target, (BETAS[2], path[2]), (BETAS[3], path[3]))
    assert BETAS[3] <= beta <= BETAS[2]
    assert abs(validity(solution.log_q, valid) - target) <= 1e-4

    space = SequenceSpace(2, 8)
    log_a, valid = independent_base(space, 0), parity(space.strings)
    product = PolicyFamily(space, 0)
    path = kl_control_path(product, log_a, valid, BETAS)
    mus = [validity(solution.log_q, valid) for solution in path]
    jump = next(i for i in range(len(BETAS) - 1) if mus[i + 1] - mus[i] > 0.4)
    middle = 0.5 * (mus[jump] + mus[jump + 1])
    assert kl_control_at_validity(product, log_a, valid, middle, (BETAS[jump], path[jump]), (BETAS[jump + 1], path[jump + 1])) is None


def test_projection_inputs_are_checked() -> None:
    space, log_a, valid = model(2, 4)
    family = PolicyFamily(space, 1)
    start = family.uniform()
    with pytest.raises(DomainError, match="log_p must be finite"):
        i_projection(family, log_filtered(log_a, valid), start)
    with pytest.raises(DomainError, match="start must be a member of the markov-1 family"):
        i_projection(family, log_a, PolicyFamily(space, 0).uniform())
    with pytest.raises(DomainError, match="alpha"):
        alpha_projection(family, log_a, 0.0, start)
    with pytest.raises(DomainError, match="tol"):
        i_projection(family, log_a, start, tol=-1.0)
    with pytest.raises(DomainError, match="max_sweeps"):
        i_projection(family, log_a, start, max_sweeps=0)
    with pytest.raises(ShapeError, match="log_p must have one entry per output"):
        m_projection(family, log_a[:8] - masked_logsumexp(log_a[:8], axis=0))
    with pytest.raises(DomainError, match="log sum_y exp"):
        m_projection(family, log_a + 0.1)
    with pytest.raises(DomainError, match="beta = 0 is not allowed"):
        kl_control_path(family, log_a, valid, [0.0])
    with pytest.raises(DomainError, match="distinct"):
        kl_control_path(family, log_a, valid, [0.5, 0.5])


def test_log_space_divergences_agree_with_the_mass_versions() -> None:
    rng = np.random.default_rng(1)
    for _ in range(20):
        log_p, log_q = log_softmax(rng.normal(0, 3, 30)), log_softmax(rng.normal(0, 3, 30))
        p, q = np.exp(log_p), np.exp(log_q)
        assert kl_divergence_from_logs(log_q, log_p) == pytest.approx(kl_divergence(q, p), rel=1e-12)
        for alpha in (0.0, 0.1, 0.5, 0.9, 1.0):
            assert amari_divergence_from_logs(log_p, log_q, alpha) == pytest.approx(amari_divergence(p, q, alpha), rel=1e-10)


def test_log_space_divergences_handle_zeros_and_masses_below_the_float_range() -> None:
    log_p = np.array([0.0, -np.inf])
    log_q = np.log(np.array([0.5, 0.5]))
    assert kl_divergence_from_logs(log_q, log_p) == np.inf
    assert kl_divergence_from_logs(log_p, log_q) == pytest.approx(np.log(2.0), rel=1e-15)
    assert amari_divergence_from_logs(log_p, log_q, 0.0) == np.inf
    assert np.isfinite(amari_divergence_from_logs(log_p, log_q, 0.5))
    log_q = np.array([np.log1p(-1e-200), np.log(1e-200)])
    log_p = np.array([0.0, -5000.0])
    assert kl_divergence(np.exp(log_q), np.exp(log_p)) == np.inf
    expected = 1e-200 * (np.log(1e-200) + 5000.0) + (1 - 1e-200) * np.log1p(-1e-200)
    assert kl_divergence_from_logs(log_q, log_p) == pytest.approx(expected, rel=1e-12)
    point_mass = np.array([0.0, -np.inf])
    assert kl_divergence_from_logs(point_mass, np.log(np.array([0.25, 0.75]))) == pytest.approx(-np.log(0.25), rel=1e-15)


def test_targets_satisfy_the_gibbs_identity() -> None:
    """``J_beta(q) = beta log Z_beta - beta KL(q || p_beta)`` with ``Z_beta = sum_y a(y) e^{v(y)/beta}``."""
    space, log_a, valid = model(2, 6, seed=2)
    q = log_softmax(np.random.default_rng(0).normal(0, 2, space.size))
    for beta in (5.0, 0.3, 0.01):
        log_z = masked_logsumexp(log_a + np.where(valid, 1.0 / beta, 0.0), axis=0)
        expected = beta * log_z - beta * kl_divergence_from_logs(q, log_tilted(log_a, valid, beta))
        assert kl_control_objective(q, log_a, valid, beta) == pytest.approx(expected, rel=1e-10, abs=1e-12)
    assert np.exp(log_filtered(log_a, valid))[~valid].sum() == 0.0
    assert np.exp(log_filtered(log_a, valid)).sum() == pytest.approx(1.0, rel=1e-14)
    assert base_validity(log_a, valid) == pytest.approx(np.exp(log_a[valid]).sum(), rel=1e-14)
    np.testing.assert_allclose(log_tilted(log_a, valid, np.inf), log_a, rtol=0, atol=1e-14)


def test_targets_reject_degenerate_problems() -> None:
    space = SequenceSpace(2, 3)
    log_a = independent_base(space, 0)
    with pytest.raises(DomainError):
        log_filtered(log_a, np.zeros(space.size, dtype=bool))
    with pytest.raises(DomainError):
        log_tilted(log_a, np.ones(space.size, dtype=bool), 1.0)
    with pytest.raises(DomainError, match="beta"):
        log_tilted(log_a, parity(space.strings), 0.0)
