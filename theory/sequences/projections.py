"""Exact projections onto the nested chain families, by exact block updates.

Maximizing ``J_beta`` over a family ``Q`` is minimizing ``KL(q || p_beta)``
over ``Q`` (``J_beta(q) = beta log Z_beta - beta KL(q || p_beta)``): the
I-projection. The M-projection ``argmin_q KL(p || q)`` is closed-form (moment
matching). The Amari alpha-divergence projections of ``p = p_*``, with
``D_alpha(p || q) = (sum p^alpha q^{1-alpha} - 1) / (alpha (alpha - 1))``
(``alpha -> 1``: ``KL(p_* || q)``; ``alpha -> 0``: ``KL(q || p_*)``, infinite off
``Delta(Y1)``), need an optimizer for ``alpha in (0, 1)``.

Both optimizers are block coordinate descent over the conditional tables, with
an exact minimizer for each block. Write ``q(y) = q_t(y_t | ctx_t) r_t(y)``
with ``r_t = prod_{s != t} q_s``; the outputs of a cell ``(ctx, x)`` of block
``t`` carry the ``r_t``-mass ``w(ctx) = q(y_{t-c_t..t-1} = ctx)``, the same for
every ``x``. Then, row by row of the table:
- reverse KL: ``KL(q || p) = sum_ctx w(ctx) sum_x q_t(x | ctx) (log q_t(x | ctx) + G(ctx, x)) + const``
  with ``G(ctx, x) = E_{r_t}[log r_t(y) - log p(y) | cell (ctx, x)]``, so the block
  minimizer is ``q_t(x | ctx) ∝ exp(-G(ctx, x))``;
- alpha in ``(0, 1]``: ``sum_y p^alpha q^{1-alpha} = sum_{ctx, x} q_t(x | ctx)^{1-alpha} B(ctx, x)``
  with ``B(ctx, x) = sum_{cell (ctx, x)} p^alpha r_t^{1-alpha}`` (concave in the row), so
  the block minimizer is ``q_t(x | ctx) ∝ B(ctx, x)^{1/alpha}`` (at ``alpha = 1``:
  moment matching of ``p`` given ``r_t > 0``).
Rows with ``w(ctx) = 0`` do not enter the objective and are left unchanged.
Sweeps run backward (``t = L - 1, ..., 0``; one backward sweep is exact on the
tabular family) until no block update of a sweep moves ``q`` by more than
``tol max(1, max_y |log p(y)|)`` in total variation
(``TV = sum_ctx w(ctx) TV(q_t(. | ctx), q_t'(. | ctx))``); the factor is the
scale of the cell costs, whose rounding bounds how small a move can be resolved.
Each solve reports that last move, the objective's decrease over the last
sweep, and the largest logit gradient ``max |d objective / d theta_t(ctx, x)|`` at the
returned point (``q_t = softmax(theta_t)``), computed from the same cell
statistics: ``w(ctx) q_t(x | ctx) (g(ctx, x) - sum_x' q_t(x' | ctx) g(ctx, x'))``
with ``g = log q_t + G`` (reverse KL); ``-(s - q_t sum_x' s) / alpha`` with
``s = q_t^{1-alpha} B`` (alpha).

Main definitions
- ``m_projection(family, log_p)``: ``q_t(x | ctx) = p(ctx, x) / p(ctx)`` (uniform rows where ``p(ctx) = 0``).
- ``i_projection(family, log_p, start)``: a stationary point of ``KL(q || p)`` over the family.
- ``alpha_projection(family, log_p, alpha, start)``: a stationary point of ``D_alpha(p || q)``.
- ``Projection``: the policy, ``log q``, the objective, the start's name, the
  number of sweeps, the last sweep's decrease of the objective and largest
  total-variation move, and the final logit gradient.
- ``best_projection(candidates)``: the candidate with the smallest objective.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from theory.errors import DomainError, ShapeError, check_interval
from theory.sequences.divergences import amari_unchecked, kl_unchecked
from theory.sequences.families import ChainPolicy, PolicyFamily, log_normalize_rows, masked_logsumexp
from theory.sequences.targets import check_log_distribution

__all__ = [
    "Projection",
    "m_projection",
    "i_projection",
    "alpha_projection",
    "best_projection",
    "DEFAULT_TOLERANCE",
    "DEFAULT_MAX_SWEEPS",
]

DEFAULT_TOLERANCE = 1e-13
"""Stop when no block update of a sweep moves ``q`` by more than this (times
``max(1, max_y |log p(y)|)``) in total variation."""

DEFAULT_MAX_SWEEPS = 5000


@dataclass(frozen=True)
class Projection:
    """A solved projection: ``policy`` and its ``log_q``; ``objective``, the divergence there;
    ``start``, the name of the start it was reached from; ``sweeps``; ``change``, the
    objective's decrease over the last sweep; ``step``, the largest total-variation move of a
    block update in the last sweep; ``gradient``, the largest logit gradient at ``policy``."""

    policy: ChainPolicy
    log_q: np.ndarray
    objective: float
    start: str
    sweeps: int
    change: float
    step: float
    gradient: float


def _checked_target(family: PolicyFamily, log_p: np.ndarray) -> np.ndarray:
    log_p = check_log_distribution("log_p", log_p)
    if log_p.shape != (family.space.size,):
        raise ShapeError(f"log_p must have one entry per output ({family.space.size}); got shape {log_p.shape}")
    return log_p


def m_projection(family: PolicyFamily, log_p: np.ndarray) -> ChainPolicy:
    """``argmin_q KL(p || q)``: the family's conditionals of ``p``'s marginals,
    ``q_t(x | ctx) = p(ctx, x) / p(ctx)``; rows of contexts with ``p(ctx) = 0`` are uniform."""
    log_p = _checked_target(family, log_p)
    tables = []
    for t in range(family.space.length):
        log_joint = family.cell_logsumexp(log_p, t)
        unseen = np.all(log_joint == -np.inf, axis=1, keepdims=True)
        tables.append(log_normalize_rows(np.where(unseen, 0.0, log_joint)))
    return ChainPolicy(family, tuple(tables))


@dataclass(frozen=True)
class _Block:
    """What the update of table ``t`` sees: ``prefix = log q(y_{<t})`` (``V^t`` entries),
    ``suffix = log q(y_{>t} | y_{<=t})`` (every output) and ``log_mass = log w(ctx)``, shape ``(V^{c_t}, 1)``."""

    family: PolicyFamily
    t: int
    prefix: np.ndarray
    suffix: np.ndarray
    log_mass: np.ndarray

    def log_rest(self) -> np.ndarray:
        """``log r_t(y) = log q(y_{<t}) + log q(y_{>t} | y_{<=t})``."""
        return (self.suffix.reshape(self.prefix.size, -1) + self.prefix[:, None]).reshape(-1)


class _BlockObjective:
    """A divergence to ``p`` whose block minimizer is ``q_t(x | ctx) ∝ exp(score(ctx, x))``."""

    def __init__(self, log_p: np.ndarray) -> None:
        self.log_p = log_p

    def value(self, log_q: np.ndarray) -> float:
        raise NotImplementedError

    def score(self, block: _Block) -> np.ndarray:
        """``score(ctx, x)``, shape ``(V^{c_t}, V)``; ``-inf`` everywhere on rows the objective ignores."""
        raise NotImplementedError

    def gradient(self, block: _Block, table: np.ndarray) -> np.ndarray:
        """``d objective / d theta_t(ctx, x)`` at ``q_t = softmax(theta_t) = exp(table)``."""
        raise NotImplementedError

    def minimizer(self, block: _Block, table: np.ndarray) -> np.ndarray:
        """The block minimizer; rows the objective ignores are left as they are."""
        score = self.score(block)
        seen = np.any(score > -np.inf, axis=1, keepdims=True)
        return np.where(seen, log_normalize_rows(np.where(seen, score, 0.0)), table)


_MOST_NEGATIVE = np.finfo(np.float64).min
"""Stands for ``log 0`` where ``0 log 0 = 0`` must come out of ``exp(l) * (l - c)``."""


class _ReverseKL(_BlockObjective):
    def value(self, log_q: np.ndarray) -> float:
        return kl_unchecked(log_q, self.log_p)

    def _cost(self, block: _Block) -> np.ndarray:
        """``G(ctx, x)`` up to a constant per context (the prefix term, which does not depend on ``x``)."""
        older, _, later = block.family.block_shape(block.t)
        contexts = block.log_mass.shape[0]
        log_mass = np.where(np.isfinite(block.log_mass), block.log_mass, 0.0)
        older_given_context = np.exp(block.prefix.reshape(older, contexts) - log_mass.T)
        suffix = np.maximum(block.suffix, _MOST_NEGATIVE).reshape(older, contexts, -1, later)
        suffix_cost = np.sum(np.exp(suffix) * (suffix - self.log_p.reshape(suffix.shape)), axis=3)
        return np.einsum("ac,acx->cx", older_given_context, suffix_cost)

    def score(self, block: _Block) -> np.ndarray:
        return np.where(np.isfinite(block.log_mass), -self._cost(block), -np.inf)

    def gradient(self, block: _Block, table: np.ndarray) -> np.ndarray:
        q = np.exp(table)
        local = q * (np.maximum(table, _MOST_NEGATIVE) + self._cost(block))
        return np.exp(block.log_mass) * (local - q * local.sum(axis=1, keepdims=True))


class _AlphaDivergence(_BlockObjective):
    def __init__(self, log_p: np.ndarray, alpha: float) -> None:
        super().__init__(log_p)
        self.alpha = alpha

    def value(self, log_q: np.ndarray) -> float:
        return amari_unchecked(self.log_p, log_q, self.alpha)

    def _log_b(self, block: _Block) -> np.ndarray:
        """``log B(ctx, x) = log sum_{cell} p^alpha r_t^{1-alpha}``."""
        alpha = self.alpha
        return block.family.cell_logsumexp(alpha * self.log_p + _power_of_log(block.log_rest(), 1.0 - alpha), block.t)

    def score(self, block: _Block) -> np.ndarray:
        return self._log_b(block) / self.alpha

    def gradient(self, block: _Block, table: np.ndarray) -> np.ndarray:
        s = np.exp(_power_of_log(table, 1.0 - self.alpha) + self._log_b(block))
        return -(s - np.exp(table) * s.sum(axis=1, keepdims=True)) / self.alpha


def _power_of_log(log_w: np.ndarray, power: float) -> np.ndarray:
    """``log(w^power)`` with ``0^0 = 0`` (``-inf`` stays ``-inf``, so ``q^0`` is the support indicator)."""
    with np.errstate(invalid="ignore"):
        return np.where(log_w > -np.inf, power * log_w, -np.inf)


def _total_variation_move(block: _Block, old: np.ndarray, new: np.ndarray) -> float:
    """``TV(q_old, q_new) = sum_ctx w(ctx) (1/2) sum_x |q_new(x | ctx) - q_old(x | ctx)|`` for a change of one table."""
    return float(0.5 * np.sum(np.exp(block.log_mass[:, 0]) * np.sum(np.abs(np.exp(new) - np.exp(old)), axis=1)))


def _backward_sweep(
    family: PolicyFamily,
    tables: list[np.ndarray],
    visit: Callable[[_Block, np.ndarray], np.ndarray],
) -> np.ndarray:
    """Visit ``t = L - 1, ..., 0``, the prefix from the current tables and the suffix
    from the tables already visited; ``tables[t]`` becomes ``visit(block, tables[t])``.
    Returns the final ``log q``."""
    vocab, length = family.space.vocab, family.space.length
    prefixes = [np.zeros(1)]
    for t in range(length - 1):
        c = family.context_length(t)
        older = prefixes[t].reshape(vocab ** (t - c), vocab**c, 1)
        prefixes.append((older + tables[t].reshape(1, vocab**c, vocab)).reshape(-1))
    suffix = np.zeros(family.space.size)
    for t in reversed(range(length)):
        c = family.context_length(t)
        log_mass = masked_logsumexp(prefixes[t].reshape(vocab ** (t - c), vocab**c), axis=0)[:, None]
        tables[t] = visit(_Block(family, t, prefixes[t], suffix, log_mass), tables[t])
        suffix = suffix + family.term(tables[t], t)
    return suffix


def _descend(objective: _BlockObjective, start: ChainPolicy, start_name: str, tol: float, max_sweeps: int) -> Projection:
    family = start.family
    tables = list(start.log_tables)
    value = objective.value(start.log_prob())
    change, step, sweeps = float("inf"), float("inf"), 0
    moves: list[float] = []

    def update(block: _Block, table: np.ndarray) -> np.ndarray:
        updated = objective.minimizer(block, table)
        moves.append(_total_variation_move(block, table, updated))
        return updated

    finite_log_p = objective.log_p[np.isfinite(objective.log_p)]
    resolution = tol * max(1.0, float(np.max(np.abs(finite_log_p))))
    while sweeps < max_sweeps and step > resolution:
        moves.clear()
        new_value = objective.value(_backward_sweep(family, tables, update))
        change = 0.0 if new_value == value else value - new_value
        value, step, sweeps = new_value, max(moves), sweeps + 1

    gradients: list[float] = []

    def measure(block: _Block, table: np.ndarray) -> np.ndarray:
        gradients.append(float(np.max(np.abs(objective.gradient(block, table)))))
        return table

    log_q = _backward_sweep(family, tables, measure)
    policy = ChainPolicy(family, tuple(tables))
    return Projection(policy, log_q, objective.value(log_q), start_name, sweeps, float(change), step, max(gradients))


def _check_solver(start: ChainPolicy, family: PolicyFamily, tol: float, max_sweeps: int) -> None:
    if start.family != family:
        raise DomainError(f"start must be a member of the {family.name} family; got a member of {start.family.name}")
    check_interval("tol", tol, 0, 1, closed_low=True)
    if not isinstance(max_sweeps, int) or max_sweeps < 1:
        raise DomainError(f"max_sweeps must be an integer >= 1; got {max_sweeps!r}")


def i_projection(
    family: PolicyFamily,
    log_p: np.ndarray,
    start: ChainPolicy,
    start_name: str = "start",
    *,
    tol: float = DEFAULT_TOLERANCE,
    max_sweeps: int = DEFAULT_MAX_SWEEPS,
) -> Projection:
    """A stationary point of ``KL(q || p)`` over ``family``, reached from ``start``
    by exact block updates ``q_t(x | ctx) ∝ exp(-G(ctx, x))``; ``p`` must have full support."""
    log_p = _checked_target(family, log_p)
    if not np.all(np.isfinite(log_p)):
        raise DomainError("log_p must be finite for an I-projection: KL(q || p) is +inf for every q charging a zero of p")
    _check_solver(start, family, tol, max_sweeps)
    return _descend(_ReverseKL(log_p), start, start_name, tol, max_sweeps)


def alpha_projection(
    family: PolicyFamily,
    log_p: np.ndarray,
    alpha: float,
    start: ChainPolicy,
    start_name: str = "start",
    *,
    tol: float = DEFAULT_TOLERANCE,
    max_sweeps: int = DEFAULT_MAX_SWEEPS,
) -> Projection:
    """A stationary point of ``D_alpha(p || q)`` over ``family`` for ``alpha in (0, 1]``,
    reached from ``start`` by exact block updates ``q_t(x | ctx) ∝ B(ctx, x)^{1/alpha}``.
    At ``alpha = 1`` the global minimizer is ``m_projection(family, log_p)``."""
    log_p = _checked_target(family, log_p)
    alpha = float(check_interval("alpha", alpha, 0, 1, closed_high=True))
    _check_solver(start, family, tol, max_sweeps)
    return _descend(_AlphaDivergence(log_p, alpha), start, start_name, tol, max_sweeps)


def best_projection(candidates: Iterable[Projection]) -> Projection:
    """The candidate with the smallest objective (the first one among ties)."""
    candidates = list(candidates)
    if not candidates:
        raise DomainError("best_projection needs at least one candidate; got none")
    return min(candidates, key=lambda projection: projection.objective)
