"""Nested autoregressive policy families over an enumerated sequence space.

A member of the order-``k`` family is a chain whose time-inhomogeneous
conditionals look back at most ``k`` positions,
``q(y) = prod_t q_t(y_t | y_{t-c_t}, ..., y_{t-1})`` with ``c_t = min(t, k)``.
Order 0 is the product of per-position marginals, orders 1 and 2 are the
order-1 and order-2 Markov chains, and order ``L - 1`` is the tabular family
(every distribution on ``Y``, by the chain rule). The families are nested:
an order-``k`` member is an order-``k + 1`` member whose conditionals ignore
their oldest context symbol. Conditionals are stored as log-probabilities, so
that exact zeros (``-inf``) and masses far below the float64 range are both
represented.

Main definitions
- ``PolicyFamily(space, order)``: the order-``k`` family; the block of
  position ``t`` is the table ``log q_t(x | ctx)`` of shape ``(V^{c_t}, V)``.
  Strings are lexicographic (position 0 most significant), so the outputs
  sharing a block cell ``(ctx, x)`` (positions ``t - c_t .. t``) form the
  middle axis of the view ``(V^{t - c_t}, V^{c_t + 1}, V^{L - 1 - t})``.
- ``PolicyFamily.term(table, t)``: ``log q_t(y_t | y_{t-c_t..t-1})`` for every ``y``.
- ``PolicyFamily.cell_logsumexp(log_w, t)``: ``log sum_{y : (y_{t-c_t..t-1}, y_t) = (ctx, x)} w(y)``.
- ``ChainPolicy(family, log_tables)``: a member;
  ``log_prob() = sum_t log q_t(y_t | y_{t-c_t..t-1})`` over the whole space.
- ``nested_families(space)``: product, Markov-1, Markov-2 and tabular, in
  increasing capacity (orders that coincide for short strings are merged).
- ``order_one_supports(space)``: every support of an order-1 chain, by exhaustive
  enumeration of its allowed first symbols and transitions (small spaces only).
- ``long_range_interaction(family, log_p)``: the largest second difference of
  ``log p`` between two positions more than ``k`` apart; zero on the
  full-support members of the order-``k`` family, so a positive value proves
  ``p`` is not in the family.
- ``masked_logsumexp(log_w, axis)``: ``log sum e^{log_w}`` along axes, ``-inf``
  for an all ``-inf`` slice; ``log_normalize_rows(log_w)``: ``log w - log sum_x w``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from theory.errors import DomainError, ShapeError, check_interval
from theory.sequences.space import SequenceSpace

__all__ = [
    "PolicyFamily",
    "ChainPolicy",
    "nested_families",
    "order_one_supports",
    "long_range_interaction",
    "masked_logsumexp",
    "log_normalize_rows",
    "NORMALIZATION_TOLERANCE",
]

NORMALIZATION_TOLERANCE = 1e-9
"""Largest ``|log sum_x q_t(x | ctx)|`` accepted for a conditional table row."""

_FAMILY_NAMES = {0: "product", 1: "markov-1", 2: "markov-2"}

_MAX_SUPPORT_CELLS = 2 * 10**7


def masked_logsumexp(log_w: np.ndarray, axis: tuple[int, ...] | int) -> np.ndarray:
    """``log sum e^{log_w}`` along ``axis``; ``-inf`` where every entry is ``-inf``."""
    top = np.max(log_w, axis=axis, keepdims=True)
    shift = np.where(np.isfinite(top), top, 0.0)
    with np.errstate(divide="ignore"):
        total = np.log(np.sum(np.exp(log_w - shift), axis=axis, keepdims=True)) + shift
    return np.squeeze(total, axis=axis)


def log_normalize_rows(log_w: np.ndarray) -> np.ndarray:
    """``log w(x) - log sum_x' w(x')`` along the last axis (rows must not be all ``-inf``)."""
    return log_w - masked_logsumexp(log_w, axis=-1)[..., None]


@dataclass(frozen=True)
class PolicyFamily:
    """The order-``order`` chains on ``space`` (``order >= L - 1`` is the tabular family)."""

    space: SequenceSpace
    order: int

    def __post_init__(self) -> None:
        if not isinstance(self.order, int) or self.order < 0:
            raise DomainError(f"order must be an integer >= 0; got {self.order!r}")
        if self.order > self.space.length - 1:
            object.__setattr__(self, "order", self.space.length - 1)

    @property
    def is_tabular(self) -> bool:
        """Order ``L - 1``: the family is the whole simplex over ``Y``."""
        return self.order == self.space.length - 1

    @property
    def name(self) -> str:
        return "tabular" if self.is_tabular else _FAMILY_NAMES.get(self.order, f"markov-{self.order}")

    def context_length(self, t: int) -> int:
        """``c_t = min(t, k)``."""
        return min(t, self.order)

    def table_shape(self, t: int) -> tuple[int, int]:
        """``(V^{c_t}, V)``: one row per context, one column per symbol."""
        return (self.space.vocab ** self.context_length(t), self.space.vocab)

    def block_shape(self, t: int) -> tuple[int, int, int]:
        """``(V^{t - c_t}, V^{c_t + 1}, V^{L - 1 - t})``: older prefix, block cell, suffix."""
        vocab, c = self.space.vocab, self.context_length(t)
        return (vocab ** (t - c), vocab ** (c + 1), vocab ** (self.space.length - 1 - t))

    def term(self, table: np.ndarray, t: int) -> np.ndarray:
        """``log q_t(y_t | y_{t-c_t..t-1})`` for every string ``y`` of the space."""
        return np.broadcast_to(table.reshape(1, -1, 1), self.block_shape(t)).reshape(-1)

    def cell_logsumexp(self, log_w: np.ndarray, t: int) -> np.ndarray:
        """``log sum_{y in cell (ctx, x) of block t} w(y)``, shape ``(V^{c_t}, V)``."""
        return masked_logsumexp(log_w.reshape(self.block_shape(t)), axis=(0, 2)).reshape(self.table_shape(t))

    def uniform(self) -> ChainPolicy:
        """The uniform distribution on ``Y`` (every conditional uniform)."""
        level = -np.log(self.space.vocab)
        return ChainPolicy(self, tuple(np.full(self.table_shape(t), level) for t in range(self.space.length)))


@dataclass(frozen=True)
class ChainPolicy:
    """A member of ``family``: ``log_tables[t][ctx, x] = log q_t(x | ctx)``, each row normalized."""

    family: PolicyFamily
    log_tables: tuple[np.ndarray, ...]

    def __post_init__(self) -> None:
        length = self.family.space.length
        if len(self.log_tables) != length:
            raise ShapeError(f"log_tables must hold one table per position ({length}); got {len(self.log_tables)}")
        for t, table in enumerate(self.log_tables):
            if table.shape != self.family.table_shape(t):
                raise ShapeError(
                    f"log_tables[{t}] must have shape {self.family.table_shape(t)} for the {self.family.name} family; "
                    f"got {table.shape}"
                )
            check_interval(f"log_tables[{t}]", table, -np.inf, NORMALIZATION_TOLERANCE, closed_low=True, closed_high=True)
            row_log_mass = masked_logsumexp(table, axis=1)
            check_interval(
                f"log sum_x q_{t}(x | ctx) (row normalization of log_tables[{t}])",
                row_log_mass,
                -NORMALIZATION_TOLERANCE,
                NORMALIZATION_TOLERANCE,
                closed_low=True,
                closed_high=True,
            )

    def log_prob(self) -> np.ndarray:
        """``log q(y) = sum_t log q_t(y_t | y_{t-c_t..t-1})`` over ``space.strings``."""
        return sum(self.family.term(table, t) for t, table in enumerate(self.log_tables))


def order_one_supports(space: SequenceSpace) -> np.ndarray:
    """Every support ``{y : q(y) > 0}`` of an order-1 chain, one boolean row per support
    pattern: an allowed set of first symbols and, at each step, an allowed set of next
    symbols for each previous symbol (all non-empty). Rows may repeat."""
    vocab, length = space.vocab, space.length
    subsets = np.array([[(mask >> x) & 1 for x in range(vocab)] for mask in range(1, 2**vocab)], dtype=bool)
    transitions = subsets[np.stack(np.meshgrid(*[np.arange(len(subsets))] * vocab, indexing="ij"), -1).reshape(-1, vocab)]
    count = len(subsets) * len(transitions) ** (length - 1) * space.size
    if count > _MAX_SUPPORT_CELLS:
        raise DomainError(
            f"enumerating the order-1 supports of {space.vocab}**{space.length} strings needs {count} cells; "
            f"at most {_MAX_SUPPORT_CELLS} are allowed (use a shorter length)"
        )
    strings = space.strings
    support = subsets[:, strings[:, 0]]
    for t in range(1, length):
        step = transitions[:, strings[:, t - 1], strings[:, t]]
        support = (support[:, None, :] & step[None, :, :]).reshape(-1, space.size)
    return support


def long_range_interaction(family: PolicyFamily, log_p: np.ndarray) -> float:
    """``max |log p(y^{i:x, j:x'}) - log p(y^{i:x, j:0}) - log p(y^{i:0, j:x'}) + log p(y^{i:0, j:0})|``
    over positions ``j - i > k`` (``k`` the order), symbols and the other positions:
    zero for every full-support member of the order-``k`` family, whose ``log q`` is a
    sum of terms each involving positions at most ``k`` apart."""
    check_interval("log_p", log_p, -np.inf, np.inf)
    space = family.space
    if np.size(log_p) != space.size:
        raise ShapeError(f"log_p must have one entry per string ({space.size}); got {np.size(log_p)}")
    tensor = np.asarray(log_p, dtype=np.float64).reshape((space.vocab,) * space.length)
    largest = 0.0
    for i in range(space.length):
        along_i = tensor - np.take(tensor, [0], axis=i)
        for j in range(i + family.order + 1, space.length):
            largest = max(largest, float(np.max(np.abs(along_i - np.take(along_i, [0], axis=j)))))
    return largest


def nested_families(space: SequenceSpace) -> tuple[PolicyFamily, ...]:
    """Product, Markov-1, Markov-2, tabular (distinct orders only), increasing capacity."""
    orders = sorted({min(order, space.length - 1) for order in (0, 1, 2, space.length - 1)})
    return tuple(PolicyFamily(space, order) for order in orders)
