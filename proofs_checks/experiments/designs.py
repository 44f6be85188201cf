"""The toy autoregressive designs of the misspecification experiments, solved exactly.

A design fixes the sequence space (``V = 2``, ``L = 12``), a validity
constraint, a seeded base model and the nested policy families; for each seed
it computes the KL-control optimum ``q_beta^Q = argmin_{q in Q} KL(q || p_beta)``
of every family along the ``beta`` grid (``solution_paths.kl_control_path``)
and measures it. Everything is exact enumeration: no sampling noise.

Main definitions
- ``Design``: constraint, base model, number of seeds, families (by order), grid.
- ``DESIGN_A`` (parity, independent base, 5 seeds), ``DESIGN_B`` (at least 8
  ones, Markov base, 3 seeds), ``CONTROL`` (no two adjacent ones, Markov base,
  one seed), all on ``BETAS``.
- ``SeedModel``: ``log a``, the mask ``v``, ``log p_*`` and ``N_eff* = exp H(p_*)`` of one seed.
- ``solve_kl_control(design, model, family)``: the ``beta`` path, and ``kl_control_row`` /
  ``alpha_row`` turn a solution into a JSON row (``mu``, ``invalid_mass = q(Y0)``,
  ``N_eff``, coverage, ``J_beta`` or ``D_alpha``, ``KL(q || p_beta)``, winning start,
  sweeps, last change, last total-variation move, final logit gradient).
- ``bound_check(label, value, relation, bound, tolerance, reading)``: a ``BoundCheck``.
- ``DESIGN_SETUP``: the setup shared by the designs' experiments (space, base
  generators, families, optimizer, starts and continuation, metrics), as prose.
- ``plot_n_eff_ratio(result, stem)``: validity and ``N_eff / N_eff*`` against ``beta``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from proofs_checks.experiments.plotting import new_figure, save_figure
from proofs_checks.experiments.result import BoundCheck, ExperimentResult
from theory.errors import DomainError
from theory.sequences.base_models import independent_base, markov_base
from theory.sequences.constraints import CONSTRAINTS
from theory.sequences.families import PolicyFamily, masked_logsumexp
from theory.sequences.metrics import coverage, n_eff, validity
from theory.sequences.projections import Projection
from theory.sequences.solution_paths import kl_control_path
from theory.sequences.space import SequenceSpace
from theory.sequences.targets import kl_control_objective, log_filtered, log_tilted
from theory.sequences.divergences import kl_divergence_from_logs

__all__ = [
    "BETAS",
    "Design",
    "DESIGN_A",
    "DESIGN_B",
    "CONTROL",
    "SeedModel",
    "seed_model",
    "solve_kl_control",
    "kl_control_row",
    "alpha_row",
    "bound_check",
    "plot_n_eff_ratio",
    "FAMILY_COLORS",
    "DESIGN_SETUP",
]

BETAS: tuple[float, ...] = (2.0, 1.0, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005)

_BASES: dict[str, Callable[[SequenceSpace, int], np.ndarray]] = {
    "independent": independent_base,
    "markov": markov_base,
}

DESIGN_SETUP: tuple[str, ...] = (
    r"Space: all $2^{12} = 4096$ binary strings of length $L = 12$ ($V = 2$), enumerated exactly: every"
    r" probability, validity, entropy and divergence is an exact sum over the strings in float64 (log-probabilities,"
    " so masses far below $10^{-308}$ and exact zeros are represented). No sampling.",
    r"Base models, one per seed (numpy's default generator seeded with the seed): the independent base"
    r" $a(y) = \prod_i \mathrm{softmax}(w_i)[y_i]$ with logits $w_i \sim N(0, 1)$; the order-1 Markov base"
    r" $a(y) = \mathrm{softmax}(w_0)[y_0] \prod_{i \ge 1} \mathrm{softmax}(W_i[y_{i-1}])[y_i]$ with all logits"
    r" $\sim N(0, 1)$ (time-inhomogeneous transitions).",
    r"Families, nested: product (order 0, $q(y) = \prod_t q_t(y_t)$), Markov-1 and Markov-2 (order $k$:"
    r" $q(y) = \prod_t q_t(y_t \mid y_{t-k..t-1})$ with time-inhomogeneous tables) and tabular (order $L-1$:"
    r" every distribution, so it contains $p_\beta$: the well-specified family).",
    r"Temperatures: $\beta \in \{2, 1, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005\}$.",
    r"Optimizer: $q^{\mathcal{Q}}_\beta = \arg\min_{q \in \mathcal{Q}} \KL(q\,\|\,p_\beta)$ (the KL-control"
    r" optimum) by exact block coordinate descent over the conditional tables (each block update is closed-form),"
    r" sweeping backward over the positions until no update moves $q$ by more than"
    r" $10^{-13} \max(1, \max_y |\log p_\beta(y)|)$ in total variation. This is a local optimizer: every valid"
    r" point mass is a local optimum of the product family at small $\beta$.",
    r"Starts and continuation: each $\beta$ is solved from four starts (the M-projections onto the family of $a$,"
    r" of $p_*$, of $p_*^4$ normalized, and of the point mass on the mode of $p_*$) and from the solutions at the"
    r" neighbouring $\beta$ (continuation down the grid, then up and down again, at most 4 rounds, until nothing"
    r" improves); the smallest objective is kept. The tabular family uses the closed form $p_\beta$.",
    r"Metrics: validity $\mu = q(\mathcal{Y}_1)$, invalid mass $q(\mathcal{Y}_0)$ (computed directly),"
    r" $\Neff(q) = \exp H(q(\cdot \mid \mathcal{Y}_1))$ against $\Neff^* = \Neff(p_*)$, coverage (the"
    r" $p_*$-mass of the valid outputs with $q(y \mid \mathcal{Y}_1) \ge 10^{-3} p_*(y)$).",
)
"""The setup common to the designs' experiments (``Experiment.setup`` adds each design's own)."""

FAMILY_COLORS = {"product": "tab:red", "markov-1": "tab:orange", "markov-2": "tab:green", "tabular": "tab:blue"}


@dataclass(frozen=True)
class Design:
    """``key`` names the design in labels; ``family_names`` are among ``product``,
    ``markov-1``, ``markov-2``, ``tabular``."""

    key: str
    constraint: str
    base: str
    n_seeds: int
    family_names: tuple[str, ...]
    vocab: int = 2
    length: int = 12
    betas: tuple[float, ...] = BETAS

    @property
    def space(self) -> SequenceSpace:
        return SequenceSpace(self.vocab, self.length)

    def seeds(self, first: int) -> list[int]:
        """The seed list ``first, first + 1, ..., first + n_seeds - 1``."""
        if not isinstance(first, int) or first < 0:
            raise DomainError(f"seed must be a non-negative integer; got {first!r}")
        return list(range(first, first + self.n_seeds))

    def families(self) -> list[PolicyFamily]:
        orders = {"product": 0, "markov-1": 1, "markov-2": 2, "tabular": self.length - 1}
        return [PolicyFamily(self.space, orders[name]) for name in self.family_names]

    def parameters(self, first_seed: int) -> dict[str, Any]:
        return {
            "design": self.key,
            "constraint": self.constraint,
            "base": self.base,
            "vocab": self.vocab,
            "length": self.length,
            "seeds": self.seeds(first_seed),
            "families": [family.name for family in self.families()],
            "betas": list(self.betas),
        }


_ALL_FAMILIES = ("product", "markov-1", "markov-2", "tabular")
DESIGN_A = Design("A", "parity", "independent", 5, _ALL_FAMILIES)
DESIGN_B = Design("B", "at-least-8-ones", "markov", 3, _ALL_FAMILIES)
CONTROL = Design("control", "no-adjacent-ones", "markov", 5, ("product", "markov-1", "tabular"))


@dataclass(frozen=True)
class SeedModel:
    """One seed of a design: ``log a``, the validity mask, ``log p_*`` and ``N_eff*``."""

    design: Design
    seed: int
    log_a: np.ndarray
    valid: np.ndarray
    log_p_star: np.ndarray
    n_eff_star: float


def seed_model(design: Design, seed: int) -> SeedModel:
    space = design.space
    log_a = _BASES[design.base](space, seed)
    valid = CONSTRAINTS[design.constraint](space.strings)
    log_p_star = log_filtered(log_a, valid)
    return SeedModel(design, seed, log_a, valid, log_p_star, n_eff(log_p_star, valid))


def solve_kl_control(model: SeedModel, family: PolicyFamily) -> list[Projection]:
    """``q_beta^Q`` for every ``beta`` of the design's grid."""
    return kl_control_path(family, model.log_a, model.valid, model.design.betas)


def _measures(model: SeedModel, family: PolicyFamily, projection: Projection) -> dict[str, Any]:
    log_q = projection.log_q
    return {
        "design": model.design.key,
        "seed": model.seed,
        "family": family.name,
        "mu": validity(log_q, model.valid),
        "invalid_mass": float(np.exp(masked_logsumexp(log_q[~model.valid], axis=0))),
        "n_eff": n_eff(log_q, model.valid),
        "n_eff_star": model.n_eff_star,
        "coverage": coverage(log_q, model.log_p_star[model.valid], model.valid),
        "start": projection.start,
        "sweeps": projection.sweeps,
        "change": projection.change,
        "step": projection.step,
        "gradient": projection.gradient,
    }


def kl_control_row(model: SeedModel, family: PolicyFamily, beta: float, projection: Projection) -> dict[str, Any]:
    """One row of the ``beta`` sweep: the measures, ``J_beta(q)`` and ``KL(q || p_beta)``."""
    row = {"projection": "kl-control", "beta": beta, **_measures(model, family, projection)}
    row["J"] = kl_control_objective(projection.log_q, model.log_a, model.valid, beta)
    row["kl_to_tilted"] = kl_divergence_from_logs(projection.log_q, log_tilted(model.log_a, model.valid, beta))
    return row


def alpha_row(model: SeedModel, family: PolicyFamily, alpha: float, projection: Projection) -> dict[str, Any]:
    """One row of the alpha sweep: the measures and ``D_alpha(p_* || q)``."""
    return {"projection": "alpha-divergence", "alpha": alpha, **_measures(model, family, projection), "divergence": projection.objective}


_RELATIONS: dict[str, Callable[[float, float, float], bool]] = {
    "<": lambda value, bound, tolerance: value < bound,
    "<=": lambda value, bound, tolerance: value <= bound,
    ">": lambda value, bound, tolerance: value > bound,
    ">=": lambda value, bound, tolerance: value >= bound,
    "==": lambda value, bound, tolerance: abs(value - bound) <= tolerance,
}


def bound_check(label: str, value: float, relation: str, bound: float, tolerance: float = 0.0,
                reading: str = "") -> BoundCheck:
    """``value relation bound`` (``==`` means within ``tolerance``); NaN never passes; ``reading``:
    the claim whose prediction this is (see ``BoundCheck``)."""
    if relation not in _RELATIONS:
        raise DomainError(f"relation must be one of {sorted(_RELATIONS)}; got {relation!r}")
    value, bound = float(value), float(bound)
    shown = f"== (within {tolerance:.0e})" if relation == "==" else relation
    passed = not np.isnan(value) and _RELATIONS[relation](value, bound, tolerance)
    return BoundCheck(label, value, shown, bound, bool(passed), reading)


def plot_n_eff_ratio(result: ExperimentResult, stem: Path) -> list[Path]:
    """Left: invalid mass ``1 - mu`` against ``beta``; right: ``N_eff / N_eff*`` against ``beta``
    (log axes; one line per seed, one colour per family)."""
    fig, (left, right) = new_figure(2, height=2.7)
    rows = [row for row in result.rows if row["projection"] == "kl-control"]
    floor = 1e-16
    for family in result.parameters["families"]:
        for seed in result.parameters["seeds"]:
            mine = sorted((row for row in rows if row["family"] == family and row["seed"] == seed), key=lambda row: row["beta"])
            betas = [row["beta"] for row in mine]
            label = family if seed == result.parameters["seeds"][0] else None
            style = {"color": FAMILY_COLORS[family], "marker": "o", "markersize": 2.5, "linewidth": 1.0, "alpha": 0.8}
            left.plot(betas, [max(row["invalid_mass"], floor) for row in mine], label=label, **style)
            right.plot(betas, [row["n_eff"] / row["n_eff_star"] for row in mine], label=label, **style)
    for axis in (left, right):
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel(r"KL temperature $\beta$")
        axis.grid(True, which="major", linewidth=0.3)
    left.set_ylabel(r"invalid mass $1-\mu$ (floored at $10^{-16}$)")
    right.set_ylabel(r"$N_{\mathrm{eff}} / N_{\mathrm{eff}}^*$")
    fig.legend(*left.get_legend_handles_labels(), loc="outside lower center", ncols=len(result.parameters["families"]),
               frameon=False,
               title=f"family (one line per seed: {', '.join(map(str, result.parameters['seeds']))})")
    fig.suptitle(f"Design {result.parameters['design']}: {result.parameters['constraint']}, "
                 f"{result.parameters['base']} base, L = {result.parameters['length']}", fontsize=9)
    return save_figure(fig, stem)
