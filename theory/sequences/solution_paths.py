"""Global search for the projections along a parameter grid: several starts and continuation.

The I-projection of ``p_beta`` onto a misspecified family has many local
optima (every valid point mass is one for the product family at small
``beta``), and the solution from a single start can stay on a low-validity
branch. Each grid point is therefore solved from a fixed set of starts and from
the solutions at the neighbouring grid points (continuation down the grid,
then up the grid, repeated until no solution improves), and the smallest
objective is kept. Closed forms need no search: the I-projection onto the
tabular family is ``p_beta`` itself, its alpha-projections are ``p_*``, and the
forward-KL (``alpha = 1``) projection onto any family is the M-projection; they
are still passed through the solver once, which measures their stationarity.

Main definitions
- ``standard_starts(family, log_a, valid)``: the M-projections of ``a``
  (``"base"``), ``p_*`` (``"filtered"``), ``p_*^4 / sum p_*^4`` (``"sharpened"``) and
  of the point mass on the mode of ``p_*`` (``"mode"``, a point mass of the family).
- ``kl_control_path(family, log_a, valid, betas)``: ``q_beta^Q = argmin_{q in Q} KL(q || p_beta)``
  for each ``beta``, equivalently ``argmax_{q in Q} J_beta(q)``.
- ``alpha_projection_path(family, log_a, valid, alphas)``: ``argmin_{q in Q} D_alpha(p_* || q)``
  for each ``alpha in (0, 1]`` (``alpha = 1``: the M-projection of ``p_*``).
- ``kl_control_at_validity(family, log_a, valid, mu, upper, lower)``: the KL-control
  solution whose validity ``q(Y1)`` matches ``mu``, by bracketing ``beta`` between two
  solutions of the path (Illinois regula falsi in ``log beta``); ``None`` if ``mu``
  falls in a jump of the validity.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

from theory.errors import DomainError, check_beta, check_interval
from theory.sequences.families import ChainPolicy, PolicyFamily, masked_logsumexp
from theory.sequences.metrics import validity
from theory.sequences.projections import Projection, alpha_projection, best_projection, i_projection, m_projection
from theory.sequences.targets import log_filtered, log_tilted

__all__ = [
    "standard_starts",
    "kl_control_path",
    "alpha_projection_path",
    "SHARPENING_POWER",
    "MAX_CONTINUATION_ROUNDS",
    "CLOSED_FORM",
    "kl_control_at_validity",
    "VALIDITY_MATCH_TOLERANCE",
]

SHARPENING_POWER = 4.0
"""The ``"sharpened"`` start is the M-projection of ``p_*^4`` (normalized)."""

MAX_CONTINUATION_ROUNDS = 4
"""At most this many up-then-down continuation rounds over the grid."""

CLOSED_FORM = "closed-form"
"""The start name of a solution known in closed form (its stationarity is still measured)."""

VALIDITY_MATCH_TOLERANCE = 1e-4
"""``kl_control_at_validity`` stops when the validity is this close to the target."""

_IMPROVEMENT = 1e-12
_MAX_BRACKET_STEPS = 60


def standard_starts(family: PolicyFamily, log_a: np.ndarray, valid: np.ndarray) -> dict[str, ChainPolicy]:
    """``"base"``, ``"filtered"``, ``"sharpened"``, ``"mode"``: M-projections of ``a``, ``p_*``,
    ``p_*^4`` and ``delta_{argmax p_*}`` onto ``family``."""
    log_p_star = log_filtered(log_a, valid)
    sharpened = SHARPENING_POWER * log_p_star
    mode = np.full(family.space.size, -np.inf)
    mode[int(np.argmax(log_p_star))] = 0.0
    return {
        "base": m_projection(family, log_a),
        "filtered": m_projection(family, log_p_star),
        "sharpened": m_projection(family, sharpened - masked_logsumexp(sharpened, axis=0)),
        "mode": m_projection(family, mode),
    }


def _continuation(
    grid: Sequence[float],
    solve: Callable[[float, ChainPolicy, str], Projection],
    starts: dict[str, ChainPolicy],
) -> list[Projection]:
    """Best solution at each grid point over ``starts`` and the neighbours' solutions:
    one pass from the largest to the smallest grid value, then passes up and down
    the grid, each warm-started from the previous point, until a pass improves nothing."""
    order = sorted(range(len(grid)), key=lambda i: -grid[i])
    best: dict[int, Projection] = {}
    for position, i in enumerate(order):
        candidates = [solve(grid[i], start, name) for name, start in starts.items()]
        if position > 0:
            candidates.append(solve(grid[i], best[order[position - 1]].policy, "continuation-down"))
        best[i] = best_projection(candidates)
    passes = [(order[::-1], "continuation-up"), (order, "continuation-down")] * MAX_CONTINUATION_ROUNDS
    for sequence, name in passes:
        improved = False
        for previous, i in zip(sequence, sequence[1:]):
            candidate = solve(grid[i], best[previous].policy, name)
            if candidate.objective < best[i].objective - _IMPROVEMENT * (1.0 + abs(best[i].objective)):
                best[i], improved = candidate, True
        if not improved:
            break
    return [best[i] for i in range(len(grid))]


def _check_grid(name: str, grid: Sequence[float]) -> list[float]:
    if len(grid) == 0 or len(set(grid)) != len(grid):
        raise DomainError(f"{name} must be a non-empty grid of distinct values; got {list(grid)!r}")
    return [float(value) for value in grid]


def kl_control_path(
    family: PolicyFamily,
    log_a: np.ndarray,
    valid: np.ndarray,
    betas: Sequence[float],
    extra_starts: Mapping[str, ChainPolicy] | None = None,
) -> list[Projection]:
    """``argmin_{q in family} KL(q || p_beta)`` for each ``beta`` (in the order given),
    from ``standard_starts`` plus ``extra_starts``, with continuation."""
    betas = _check_grid("betas", betas)
    for beta in betas:
        _check_finite_beta(beta)
    targets = {beta: log_tilted(log_a, valid, beta) for beta in betas}

    def solve(beta: float, start: ChainPolicy, name: str) -> Projection:
        return i_projection(family, targets[beta], start, name)

    if family.is_tabular:
        return [solve(beta, m_projection(family, targets[beta]), CLOSED_FORM) for beta in betas]
    return _continuation(betas, solve, standard_starts(family, log_a, valid) | dict(extra_starts or {}))


def alpha_projection_path(
    family: PolicyFamily,
    log_a: np.ndarray,
    valid: np.ndarray,
    alphas: Sequence[float],
    extra_starts: Mapping[str, ChainPolicy] | None = None,
) -> list[Projection]:
    """``argmin_{q in family} D_alpha(p_* || q)`` for each ``alpha in (0, 1]`` (in the order given),
    from ``standard_starts`` (``"filtered"`` renamed ``"forward-kl"``) plus ``extra_starts``, with continuation."""
    alphas = _check_grid("alphas", alphas)
    for alpha in alphas:
        check_interval("alpha", alpha, 0, 1, closed_high=True)
    log_p_star = log_filtered(log_a, valid)

    def solve(alpha: float, start: ChainPolicy, name: str) -> Projection:
        return alpha_projection(family, log_p_star, alpha, start, name)

    forward = m_projection(family, log_p_star)
    closed = {alpha: solve(alpha, forward, CLOSED_FORM) for alpha in alphas if family.is_tabular or alpha == 1.0}
    searched = [alpha for alpha in alphas if alpha not in closed]
    if searched:
        starts = standard_starts(family, log_a, valid)
        starts["forward-kl"] = starts.pop("filtered")
        closed.update(zip(searched, _continuation(searched, solve, starts | dict(extra_starts or {}))))
    return [closed[alpha] for alpha in alphas]


def kl_control_at_validity(
    family: PolicyFamily,
    log_a: np.ndarray,
    valid: np.ndarray,
    mu: float,
    upper: tuple[float, Projection],
    lower: tuple[float, Projection],
    *,
    tol: float = VALIDITY_MATCH_TOLERANCE,
) -> tuple[float, Projection] | None:
    """A KL-control solution with validity within ``tol`` of ``mu``, searched between the
    solutions ``upper = (beta_u, q_u)`` (validity at most ``mu``) and ``lower = (beta_l, q_l)``
    (validity at least ``mu``, ``beta_l < beta_u``) by regula falsi with the Illinois
    modification on ``logit q(Y1) - logit mu`` as a function of ``log beta`` (bisection where
    a validity rounds to 1); each new point is solved from both bracket ends and the better
    objective kept. ``None`` when the bracket closes first (``beta_u / beta_l < 1 + 1e-6``):
    ``mu`` then lies in a jump of the validity along the path."""
    check_interval("mu", mu, 0, 1)
    for beta, _ in (upper, lower):
        _check_finite_beta(beta)
    ends = [(float(upper[0]), upper[1]), (float(lower[0]), lower[1])]
    gaps = [_validity_gap(solution, valid, mu) for _, solution in ends]
    weights = [1.0, 1.0]
    last_side = -1
    for _ in range(_MAX_BRACKET_STEPS):
        for beta, solution in ends:
            if abs(validity(solution.log_q, valid) - mu) <= tol:
                return beta, solution
        (beta_u, solution_u), (beta_l, solution_l) = ends
        if not gaps[0] <= 0.0 <= gaps[1] or beta_u / beta_l < 1.0 + 1e-6:
            return None
        log_u, log_l = np.log(beta_u), np.log(beta_l)
        scaled_u, scaled_l = weights[0] * gaps[0], weights[1] * gaps[1]
        if np.isfinite(scaled_u) and np.isfinite(scaled_l):
            middle = log_u + (log_l - log_u) * scaled_u / (scaled_u - scaled_l)
        else:
            middle = 0.5 * (log_u + log_l)
        beta = float(np.exp(middle))
        solution = _solved_at(family, log_a, valid, beta, {"bracket-upper": solution_u.policy, "bracket-lower": solution_l.policy})
        gap = _validity_gap(solution, valid, mu)
        side = 0 if gap < 0.0 else 1
        ends[side], gaps[side] = (beta, solution), gap
        weights[side] = 1.0
        weights[1 - side] = weights[1 - side] / 2.0 if side == last_side else 1.0
        last_side = side
    return None


def _validity_gap(solution: Projection, valid: np.ndarray, mu: float) -> float:
    """``logit q(Y1) - logit mu`` (``+inf`` when ``q(Y1)`` rounds to 1)."""
    reached = validity(solution.log_q, valid)
    return float("inf") if reached >= 1.0 else _logit(reached) - _logit(mu)


def _solved_at(family: PolicyFamily, log_a: np.ndarray, valid: np.ndarray, beta: float, starts: Mapping[str, ChainPolicy]) -> Projection:
    target = log_tilted(log_a, valid, beta)
    return best_projection(i_projection(family, target, start, name) for name, start in starts.items())


def _logit(mu: float) -> float:
    return float(np.log(mu) - np.log1p(-mu))


def _check_finite_beta(beta: float) -> None:
    check_beta(beta)
    check_interval("beta", beta, 0, np.inf)
