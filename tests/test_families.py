"""The nested chain families: normalization, nestedness, moment matching, the
exhaustive support bound of order-1 chains on parity, the long-range
interaction test, and input validation."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from theory.errors import DomainError, ShapeError
from theory.sequences.base_models import log_softmax
from theory.sequences.constraints import no_adjacent_ones, parity
from theory.sequences.families import (
    ChainPolicy,
    PolicyFamily,
    long_range_interaction,
    masked_logsumexp,
    nested_families,
    order_one_supports,
)
from theory.sequences.projections import m_projection
from theory.sequences.space import SequenceSpace
from theory.sequences.targets import log_tilted

SPACES = [SequenceSpace(2, 5), SequenceSpace(3, 4)]


def random_member(family: PolicyFamily, seed: int, scale: float = 2.0) -> ChainPolicy:
    rng = np.random.default_rng(seed)
    tables = tuple(log_softmax(rng.normal(0.0, scale, size=family.table_shape(t))) for t in range(family.space.length))
    return ChainPolicy(family, tables)


def brute_force_log_prob(policy: ChainPolicy) -> np.ndarray:
    """``log q(y) = sum_t log q_t(y_t | context)`` string by string, with the context read off the string."""
    family, space = policy.family, policy.family.space
    values = []
    for string in space.strings:
        total = 0.0
        for t in range(space.length):
            c = family.context_length(t)
            context = int(sum(int(symbol) * space.vocab ** (c - 1 - k) for k, symbol in enumerate(string[t - c : t])))
            total += policy.log_tables[t][context, string[t]]
        values.append(total)
    return np.array(values)


def random_log_distribution(space: SequenceSpace, seed: int) -> np.ndarray:
    return log_softmax(np.random.default_rng(seed).normal(0.0, 2.0, size=space.size))


@pytest.mark.parametrize("space", SPACES, ids=lambda s: f"V{s.vocab}L{s.length}")
def test_every_member_is_a_normalized_distribution(space: SequenceSpace) -> None:
    for order in range(space.length):
        family = PolicyFamily(space, order)
        policy = random_member(family, seed=order)
        log_q = policy.log_prob()
        assert masked_logsumexp(log_q, axis=0) == pytest.approx(0.0, abs=1e-12)
        np.testing.assert_allclose(log_q, brute_force_log_prob(policy), rtol=0, atol=1e-12)


@pytest.mark.parametrize("space", SPACES, ids=lambda s: f"V{s.vocab}L{s.length}")
def test_families_are_nested(space: SequenceSpace) -> None:
    """A member of each family is reproduced exactly by the next one (its M-projection there)."""
    families = nested_families(space)
    assert [family.name for family in families] == ["product", "markov-1", "markov-2", "tabular"]
    for smaller, larger in itertools.combinations(families, 2):
        log_q = random_member(smaller, seed=smaller.order).log_prob()
        np.testing.assert_allclose(m_projection(larger, log_q).log_prob(), log_q, rtol=0, atol=1e-12)


@pytest.mark.parametrize("space", SPACES, ids=lambda s: f"V{s.vocab}L{s.length}")
def test_nesting_is_strict(space: SequenceSpace) -> None:
    """A generic member of a larger family is not in the smaller one."""
    families = nested_families(space)
    for smaller, larger in zip(families, families[1:]):
        log_q = random_member(larger, seed=7).log_prob()
        assert np.max(np.abs(m_projection(smaller, log_q).log_prob() - log_q)) > 1e-3


def test_tabular_family_holds_every_distribution() -> None:
    space = SequenceSpace(3, 3)
    log_p = random_log_distribution(space, seed=1)
    np.testing.assert_allclose(m_projection(PolicyFamily(space, 2), log_p).log_prob(), log_p, rtol=0, atol=1e-12)


@pytest.mark.parametrize("space", SPACES, ids=lambda s: f"V{s.vocab}L{s.length}")
def test_moment_matching_gives_the_conditionals_of_the_marginals(space: SequenceSpace) -> None:
    """``q_t(x | ctx) = p(y_{t-c..t-1} = ctx, y_t = x) / p(y_{t-c..t-1} = ctx)``, summed string by string."""
    p = np.exp(random_log_distribution(space, seed=3))
    strings = space.strings
    for order in (0, 1, 2):
        family = PolicyFamily(space, order)
        projection = m_projection(family, np.log(p))
        for t in range(space.length):
            c = family.context_length(t)
            for context in itertools.product(range(space.vocab), repeat=c):
                in_context = np.all(strings[:, t - c : t] == np.array(context, dtype=np.int8), axis=1)
                index = int(sum(symbol * space.vocab ** (c - 1 - k) for k, symbol in enumerate(context)))
                for x in range(space.vocab):
                    expected = p[in_context & (strings[:, t] == x)].sum() / p[in_context].sum()
                    assert np.exp(projection.log_tables[t][index, x]) == pytest.approx(expected, rel=1e-12)


def test_moment_matching_keeps_the_marginals() -> None:
    """The order-k M-projection has the same (k+1)-window marginals as ``p``."""
    space = SequenceSpace(2, 6)
    log_p = random_log_distribution(space, seed=5)
    family = PolicyFamily(space, 1)
    log_q = m_projection(family, log_p).log_prob()
    for t in range(1, space.length):
        np.testing.assert_allclose(family.cell_logsumexp(log_q, t), family.cell_logsumexp(log_p, t), rtol=0, atol=1e-12)


def test_cell_logsumexp_sums_over_the_cell() -> None:
    space = SequenceSpace(3, 4)
    family = PolicyFamily(space, 1)
    log_w = random_log_distribution(space, seed=8)
    for t in range(space.length):
        cells = family.cell_logsumexp(log_w, t)
        for previous in range(3 if t > 0 else 1):
            for x in range(3):
                mask = space.strings[:, t] == x
                if t > 0:
                    mask &= space.strings[:, t - 1] == previous
                assert cells[previous, x] == pytest.approx(np.log(np.exp(log_w[mask]).sum()), abs=1e-12)


def test_exact_zeros_are_represented() -> None:
    """A point mass is a member of the product family: ``-inf`` log-probabilities are kept."""
    space = SequenceSpace(2, 4)
    mode = np.full(space.size, -np.inf)
    mode[6] = 0.0
    policy = m_projection(PolicyFamily(space, 0), mode)
    np.testing.assert_array_equal(policy.log_prob(), mode)


@pytest.mark.parametrize("length", [2, 3, 4, 5, 6])
def test_order_one_chains_on_parity_support_at_most_two_to_the_half_length(length: int) -> None:
    """Exhaustively: the largest support of an order-1 chain inside the even-parity strings
    has ``2^floor(L/2)`` strings (attained by pairs ``y_{2i+1} = y_{2i}``)."""
    space = SequenceSpace(2, length)
    supports = order_one_supports(space)
    assert supports.shape == (3 * 9 ** (length - 1), space.size)
    fully_valid = ~np.any(supports & ~parity(space.strings), axis=1)
    assert int(np.max(supports[fully_valid].sum(axis=1))) == 2 ** (length // 2)


def test_order_one_supports_are_the_supports_of_chains() -> None:
    """Each enumerated support is the support of a chain with positive weights on the allowed
    entries and zeros elsewhere, and every chain's support is enumerated."""
    space = SequenceSpace(2, 4)
    supports = {tuple(row) for row in order_one_supports(space)}
    family = PolicyFamily(space, 1)
    rng = np.random.default_rng(0)
    for _ in range(200):
        tables = []
        for t in range(space.length):
            shape = family.table_shape(t)
            allowed = rng.random(shape) < 0.6
            allowed[np.arange(shape[0]), rng.integers(0, 2, shape[0])] = True
            tables.append(np.where(allowed, log_softmax(np.where(allowed, rng.normal(size=shape), -np.inf)), -np.inf))
        support = tuple(ChainPolicy(family, tuple(tables)).log_prob() > -np.inf)
        assert support in supports


def test_order_one_supports_refuse_large_spaces() -> None:
    with pytest.raises(DomainError, match="at most"):
        order_one_supports(SequenceSpace(2, 9))


def test_long_range_interaction_vanishes_on_the_family_and_detects_p_beta() -> None:
    """Zero (to rounding) on full-support members; ``1/beta`` for ``p_beta`` with the
    no-adjacent-ones constraint and a Markov base (``misspecified-without-collapse``)."""
    space = SequenceSpace(2, 6)
    markov = PolicyFamily(space, 1)
    log_a = random_member(markov, seed=2).log_prob()
    assert long_range_interaction(markov, log_a) < 1e-12
    valid = no_adjacent_ones(space.strings)
    for beta in (2.0, 0.1, 0.005):
        assert long_range_interaction(markov, log_tilted(log_a, valid, beta)) == pytest.approx(1.0 / beta, rel=1e-9)
    markov_2 = PolicyFamily(space, 2)
    assert long_range_interaction(markov_2, random_member(markov_2, seed=4).log_prob()) < 1e-12
    assert long_range_interaction(markov, random_member(markov_2, seed=4).log_prob()) > 1e-3


def test_long_range_interaction_needs_full_support() -> None:
    space = SequenceSpace(2, 3)
    log_p = np.full(space.size, -np.inf)
    log_p[0] = 0.0
    with pytest.raises(DomainError, match="log_p"):
        long_range_interaction(PolicyFamily(space, 0), log_p)


def test_short_strings_merge_the_coinciding_orders() -> None:
    assert [family.name for family in nested_families(SequenceSpace(2, 2))] == ["product", "tabular"]
    assert [family.name for family in nested_families(SequenceSpace(2, 3))] == ["product", "markov-1", "tabular"]
    assert PolicyFamily(SequenceSpace(2, 3), 7).is_tabular


def test_bad_members_are_rejected_with_the_argument_named() -> None:
    family = PolicyFamily(SequenceSpace(2, 3), 1)
    good = random_member(family, seed=0).log_tables
    with pytest.raises(ShapeError, match="one table per position"):
        ChainPolicy(family, good[:2])
    with pytest.raises(ShapeError, match=r"log_tables\[1\]"):
        ChainPolicy(family, (good[0], good[0], good[2]))
    with pytest.raises(DomainError, match=r"row normalization of log_tables\[2\]"):
        ChainPolicy(family, (good[0], good[1], good[2] - 0.1))
    with pytest.raises(DomainError, match=r"log_tables\[0\].*NaN"):
        ChainPolicy(family, (np.array([[np.nan, 0.0]]), good[1], good[2]))
    with pytest.raises(DomainError, match="order"):
        PolicyFamily(SequenceSpace(2, 3), -1)
