"""Misspecification experiments: KL-control optima over nested policy families.

Exact-enumeration versions of the claims ``parity-product-collapse``,
``valid-limit-projection``, ``misspecified-collapse`` and
``misspecified-without-collapse`` (the frontier of ``coverage-divergences`` is in
``frontier.py``). For each design, seed and family the ``beta`` path of
``q_beta^Q = argmax_{q in Q} J_beta(q)`` is computed from several starts with
continuation, and the bounds below are checked at every solution (no check is
made in the band ``0.03 < beta < 0.3`` where the validity jump happens, except
monotonicity, which holds for every global optimum path).

Main definitions
- ``parity-collapse`` (design A): tabular ``|N_eff/N_eff* - 1| < 1e-9`` at every
  ``beta``; product at ``beta <= 0.01``: ``N_eff < 1.01`` and ``1 - mu < 1e-9``;
  Markov-1 at ``beta <= 0.01``: ``N_eff <= 2^{L/2}`` (the largest fully valid
  order-1 support, enumerated for ``L <= 6``); product at ``beta >= 1`` within 1% of
  ``N_eff*``; forward KL onto the product family: ``|mu - alpha| < 0.01``, coverage 1;
  valid limit: ``KL(delta_y || p_*) = -log p_*(y)`` and ``q_beta^Q -> delta_{y*}``,
  ``y* = argmax_{Y1} a``.
- ``at-least-ones`` (design B): product at ``beta = 0.005``: ``N_eff <= 2^{L-k} = 16``;
  at ``beta <= 0.01``: ``N_eff`` product < Markov-1 < Markov-2 < tabular;
  ``N_eff`` non-increasing as ``beta`` decreases below 0.5 (relative ``1e-6``).
- ``no-adjacent-control``: ``p_beta`` outside the Markov-1 family at every ``beta``
  (long-range interaction ``> 0``) while ``a`` and ``p_*`` are in it; at
  ``beta <= 0.05`` Markov-1 keeps ``N_eff = N_eff*`` (relative ``1e-6``) and coverage 1,
  the product family keeps less than half: ``N_eff <= 0.5 N_eff*``
  (``PRODUCT_CONTROL_BOUND``; measured 0.15 to 0.35 over seeds 0-4 and
  ``beta <= 0.05``, so a prototype's sharper 0.3 holds for two of the five seeds
  only); ``q_beta^Q -> p_*``. Predictions of the reading
  ``misspecification-implies-collapse`` (a misspecified family collapses): the
  Markov-1 family at ``beta <= 0.05`` below the same ``0.5 N_eff*``.
- ``parity_collapse(design)``, ``at_least_ones(design)``, ``no_adjacent_control(design)``:
  the experiments on a design (default: the full designs; smaller ones for tests).
- ``EXPERIMENTS``: these three on their designs, and ``frontier``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from proofs_checks.experiments.designs import (
    DESIGN_SETUP,
    CONTROL,
    DESIGN_A,
    DESIGN_B,
    Design,
    SeedModel,
    alpha_row,
    bound_check,
    kl_control_row,
    plot_n_eff_ratio,
    seed_model,
    solve_kl_control,
)
from proofs_checks.experiments.frontier import frontier
from proofs_checks.experiments.result import BoundCheck, Experiment, ExperimentResult, Progress, Threshold
from theory.sequences.constraints import CONSTRAINTS
from theory.sequences.divergences import kl_divergence_from_logs
from theory.sequences.families import PolicyFamily, long_range_interaction, order_one_supports
from theory.sequences.projections import Projection, m_projection
from theory.sequences.solution_paths import alpha_projection_path
from theory.sequences.space import SequenceSpace
from theory.sequences.targets import base_validity, log_tilted

__all__ = ["EXPERIMENTS", "parity_collapse", "at_least_ones", "no_adjacent_control", "largest_valid_order_one_support"]

_MIN_ONES = 8
"""The ``k`` of the ``at-least-8-ones`` constraint of design B."""
PRODUCT_CONTROL_BOUND = 0.5
"""Upper bound on the product family's ``N_eff/N_eff*`` in the control design at ``beta <= 0.05``."""
COLLAPSE_READING = "misspecification-implies-collapse"
"""The claim whose predictions the control design tests (``BoundCheck.reading``)."""

Paths = dict[str, list[Projection]]
Rows = list[dict[str, Any]]
SeedChecks = Callable[[SeedModel, dict[str, PolicyFamily], Paths, Rows], tuple[Rows, list[BoundCheck]]]
"""Design-specific checks of one seed, from its paths and rows; returns extra rows and the checks."""


def _label(model: SeedModel, family: str, beta: float | None, what: str) -> str:
    where = f" beta={beta:g}" if beta is not None else ""
    return f"{model.design.key} seed {model.seed} {family}{where}: {what}"


def _ratio(row: dict[str, Any]) -> float:
    return row["n_eff"] / row["n_eff_star"]


def _run_design(name: str, design: Design, first_seed: int, progress: Progress, seed_checks: SeedChecks) -> ExperimentResult:
    """Solve every (seed, family) path, then the checks common to all designs and ``seed_checks``."""
    rows: Rows = []
    checks: list[BoundCheck] = []
    for seed in design.seeds(first_seed):
        model = seed_model(design, seed)
        families = {family.name: family for family in design.families()}
        paths: Paths = {}
        for family_name, family in families.items():
            started = time.perf_counter()
            paths[family_name] = solve_kl_control(model, family)
            new_rows = [kl_control_row(model, family, beta, solution) for beta, solution in zip(design.betas, paths[family_name])]
            rows.extend(new_rows)
            last = new_rows[-1]
            progress(
                f"{design.key} seed {seed} {family_name}: at beta={last['beta']:g} mu={last['mu']:.6f} "
                f"N_eff={last['n_eff']:.4g} (N_eff*={model.n_eff_star:.4g}) [{time.perf_counter() - started:.1f}s]"
            )
        seed_rows = [row for row in rows if row["seed"] == seed]
        checks.extend(_tabular_invariance(model, seed_rows))
        extra_rows, seed_bounds = seed_checks(model, families, paths, seed_rows)
        rows.extend(extra_rows)
        checks.extend(seed_bounds)
    return ExperimentResult(name, design.parameters(first_seed), rows, checks)


def _rows_of(rows: Rows, family: str) -> dict[float, dict[str, Any]]:
    return {row["beta"]: row for row in rows if row["family"] == family and row["projection"] == "kl-control"}


def _tabular_invariance(model: SeedModel, rows: Rows) -> list[BoundCheck]:
    """``conditional-invariance``: ``N_eff(p_beta) = N_eff*`` at every ``beta``."""
    return [
        bound_check(_label(model, "tabular", beta, "|N_eff/N_eff* - 1|"), abs(_ratio(row) - 1.0), "<", 1e-9)
        for beta, row in _rows_of(rows, "tabular").items()
    ]


def largest_valid_order_one_support(length: int) -> int:
    """``max |S|`` over supports ``S`` of order-1 chains on ``{0,1}^length`` with ``S`` inside the
    even-parity strings (exhaustive enumeration)."""
    space = SequenceSpace(2, length)
    supports = order_one_supports(space)
    fully_valid = ~np.any(supports & ~CONSTRAINTS["parity"](space.strings), axis=1)
    return int(np.max(np.sum(supports[fully_valid], axis=1)))


def _parity_checks(model: SeedModel, families: dict[str, PolicyFamily], paths: Paths, rows: Rows) -> tuple[Rows, list[BoundCheck]]:
    checks = []
    length = model.design.length
    product, markov = _rows_of(rows, "product"), _rows_of(rows, "markov-1")
    for beta, row in product.items():
        if beta <= 0.01:
            checks.append(bound_check(_label(model, "product", beta, "N_eff"), row["n_eff"], "<", 1.01))
            checks.append(bound_check(_label(model, "product", beta, "1 - mu"), row["invalid_mass"], "<", 1e-9))
        if beta >= 1:
            checks.append(bound_check(_label(model, "product", beta, "|N_eff/N_eff* - 1|"), abs(_ratio(row) - 1.0), "<", 0.01))
    for beta, row in markov.items():
        if beta <= 0.01:
            checks.append(bound_check(_label(model, "markov-1", beta, "N_eff <= 2^(L/2)"), row["n_eff"], "<=", 2.0 ** (length // 2)))

    forward = alpha_projection_path(families["product"], model.log_a, model.valid, [1.0])[0]
    forward_row = alpha_row(model, families["product"], 1.0, forward)
    alpha = base_validity(model.log_a, model.valid)
    checks.append(bound_check(_label(model, "product", None, "forward KL: |mu - alpha|"), abs(forward_row["mu"] - alpha), "<", 0.01))
    checks.append(bound_check(_label(model, "product", None, "forward KL: coverage"), forward_row["coverage"], "==", 1.0, 1e-12))

    best = int(np.argmax(np.where(model.valid, model.log_a, -np.inf)))
    point_mass = np.full(model.log_a.size, -np.inf)
    point_mass[best] = 0.0
    checks.append(
        bound_check(
            _label(model, "product", None, "valid limit: KL(delta_y* || p_*) vs -log p_*(y*)"),
            kl_divergence_from_logs(point_mass, model.log_p_star),
            "==",
            -model.log_p_star[best],
            1e-12,
        )
    )
    smallest = int(np.argmin(model.design.betas))
    beta_min = model.design.betas[smallest]
    limit = paths["product"][smallest]
    checks.append(
        bound_check(
            _label(model, "product", beta_min, "valid limit: 1 - q(y*), y* = argmax_{Y1} a"),
            float(-np.expm1(limit.log_q[best])),
            "<",
            1e-9,
        )
    )
    return [forward_row], checks


def _parity_summary(result: ExperimentResult) -> None:
    for length in range(2, 7):
        largest = largest_valid_order_one_support(length)
        result.checks.append(
            bound_check(f"A order-1 chains on {{0,1}}^{length}: largest fully even-parity support", largest, "==", 2 ** (length // 2))
        )
    result.findings.extend(_parity_findings(result))


def _parity_findings(result: ExperimentResult) -> list[str]:
    rows = [row for row in result.rows if row["projection"] == "kl-control"]
    small = [row for row in rows if row["beta"] <= 0.01]
    findings = []
    for family in result.parameters["families"]:
        values = [row["n_eff"] for row in small if row["family"] == family]
        ratios = [_ratio(row) for row in small if row["family"] == family]
        findings.append(
            f"Design {result.parameters['design']}, {family}: at beta <= 0.01, N_eff in [{min(values):.4g}, {max(values):.4g}] "
            f"(N_eff/N_eff* in [{min(ratios):.3g}, {max(ratios):.3g}]) over seeds {result.parameters['seeds']}"
        )
    jumps = []
    for seed in result.parameters["seeds"]:
        product = sorted((row for row in rows if row["family"] == "product" and row["seed"] == seed), key=lambda row: -row["beta"])
        collapsed = [row["beta"] for row in product if row["mu"] > 0.99]
        jumps.append(f"seed {seed}: {max(collapsed):g}" if collapsed else f"seed {seed}: none")
    findings.append(f"Design {result.parameters['design']}, product family, largest beta with mu > 0.99 (the validity jump): "
                    + ", ".join(jumps))
    forward = [row for row in result.rows if row["projection"] == "alpha-divergence"]
    findings.append(
        f"Design {result.parameters['design']}, forward KL onto the product family: mu in "
        f"[{min(row['mu'] for row in forward):.6f}, {max(row['mu'] for row in forward):.6f}], coverage "
        f"{min(row['coverage'] for row in forward):.6f}: it keeps every valid output but gains no validity over the base model"
    )
    return findings


def _at_least_checks(model: SeedModel, families: dict[str, PolicyFamily], paths: Paths, rows: Rows) -> tuple[Rows, list[BoundCheck]]:
    checks = []
    by_family = {name: _rows_of(rows, name) for name in families}
    free = model.design.length - _MIN_ONES
    beta_min = min(model.design.betas)
    checks.append(bound_check(_label(model, "product", beta_min, f"N_eff <= 2^(L-k) = {2**free}"), by_family["product"][beta_min]["n_eff"], "<=", 2.0**free))
    names = list(families)
    for beta in model.design.betas:
        if beta <= 0.01:
            for smaller, larger in zip(names, names[1:]):
                checks.append(
                    bound_check(
                        _label(model, f"{smaller} vs {larger}", beta, f"N_eff({smaller}) - N_eff({larger})"),
                        by_family[smaller][beta]["n_eff"] - by_family[larger][beta]["n_eff"],
                        "<",
                        0.0,
                    )
                )
    grid = sorted((beta for beta in model.design.betas if beta <= 0.5), reverse=True)
    for name in names:
        for larger, smaller in zip(grid, grid[1:]):
            increase = by_family[name][smaller]["n_eff"] / by_family[name][larger]["n_eff"] - 1.0
            checks.append(
                bound_check(_label(model, name, smaller, f"N_eff(beta={smaller:g}) / N_eff(beta={larger:g}) - 1"), increase, "<=", 1e-6)
            )
    return [], checks


def _at_least_summary(result: ExperimentResult) -> None:
    rows = [row for row in result.rows if row["beta"] == min(DESIGN_B.betas)]
    for family in result.parameters["families"]:
        ratios = [_ratio(row) for row in rows if row["family"] == family]
        coverages = [row["coverage"] for row in rows if row["family"] == family]
        result.findings.append(
            f"Design {result.parameters['design']}, {family}: at beta = {min(DESIGN_B.betas):g}, N_eff/N_eff* in [{min(ratios):.3g}, {max(ratios):.3g}], "
            f"coverage in [{min(coverages):.3g}, {max(coverages):.3g}] over seeds {result.parameters['seeds']}"
        )
    result.findings.append(f"Design {result.parameters['design']}: collapse is gradual in beta and ordered by capacity: "
                           "product < markov-1 < markov-2 < tabular")


def _control_checks(model: SeedModel, families: dict[str, PolicyFamily], paths: Paths, rows: Rows) -> tuple[Rows, list[BoundCheck]]:
    checks = []
    markov = families["markov-1"]
    checks.append(bound_check(_label(model, "markov-1", None, "a in family: long-range interaction of log a"), long_range_interaction(markov, model.log_a), "<", 1e-9))
    checks.append(
        bound_check(
            _label(model, "markov-1", None, "p_* in family: KL(p_* || M-projection of p_*)"),
            kl_divergence_from_logs(model.log_p_star, m_projection(markov, model.log_p_star).log_prob()),
            "==",
            0.0,
            1e-12,
        )
    )
    for beta in model.design.betas:
        interaction = long_range_interaction(markov, log_tilted(model.log_a, model.valid, beta))
        checks.append(bound_check(_label(model, "markov-1", beta, "p_beta not in family: long-range interaction of log p_beta"), interaction, ">", 0.0))
    for beta, row in _rows_of(rows, "markov-1").items():
        if beta <= 0.05:
            checks.append(bound_check(_label(model, "markov-1", beta, "|N_eff/N_eff* - 1|"), abs(_ratio(row) - 1.0), "<=", 1e-6))
            checks.append(bound_check(_label(model, "markov-1", beta, "coverage"), row["coverage"], "==", 1.0, 1e-12))
    for beta, row in _rows_of(rows, "product").items():
        if beta <= 0.05:
            checks.append(bound_check(_label(model, "product", beta, "N_eff/N_eff*"), _ratio(row), "<=", PRODUCT_CONTROL_BOUND))
    for beta, row in _rows_of(rows, "markov-1").items():
        if beta <= 0.05:
            checks.append(bound_check(_label(model, "markov-1", beta, "N_eff/N_eff* if a misspecified family collapsed"),
                                      _ratio(row), "<=", PRODUCT_CONTROL_BOUND, reading=COLLAPSE_READING))
    smallest = int(np.argmin(model.design.betas))
    limit = paths["markov-1"][smallest].log_q
    distance = 0.5 * float(np.sum(np.abs(np.exp(limit) - np.exp(model.log_p_star))))
    checks.append(bound_check(_label(model, "markov-1", model.design.betas[smallest], "valid limit: TV(q, p_*)"), distance, "<", 1e-9))
    return [], checks


def _control_summary(result: ExperimentResult) -> None:
    for family in result.parameters["families"]:
        rows = [row for row in result.rows if row["family"] == family and row["beta"] <= 0.05]
        result.findings.append(
            f"Design {result.parameters['design']}, {family}: at beta <= 0.05, N_eff/N_eff* in [{min(map(_ratio, rows)):.7g}, {max(map(_ratio, rows)):.7g}], "
            f"coverage in [{min(row['coverage'] for row in rows):.4g}, {max(row['coverage'] for row in rows):.4g}]"
        )
    smallest = min(CONTROL.betas)
    per_seed = ", ".join(f"seed {row['seed']}: {_ratio(row):.3f}" for row in result.rows
                         if row["family"] == "product" and row["beta"] == smallest)
    result.findings.append(f"Design {result.parameters['design']}, product family at beta = {smallest:g}, N_eff/N_eff* per seed: {per_seed}")
    result.findings.append(
        f"Design {result.parameters['design']}: the Markov-1 family is misspecified at every beta (p_beta has a long-range interaction 1/beta) "
        "yet recovers p_*: misspecification alone does not imply collapse"
    )


_CAPTION = (r"Left: the invalid mass $1 - \mu$ of $q^{\mathcal{Q}}_\beta$ against $\beta$; right: $\Neff / \Neff^*$."
            " Log axes; one colour per family and one line per seed (markers at the grid points); invalid masses"
            r" below $10^{-16}$ are drawn at $10^{-16}$.")
_TABULAR_THRESHOLD = Threshold(
    r"tabular family, $|\Neff/\Neff^* - 1|$ at every $\beta$", r"$< 10^{-9}$",
    r"the tabular optimum is $p_\beta$, and $\Neff(p_\beta) = \Neff^*$ exactly (conditional-invariance); $10^{-9}$"
    " leaves room for float64 rounding of an entropy over 2048 valid strings")


def _design_setup(design: Design, own: str) -> tuple[str, ...]:
    seeds = design.seeds(0)
    return DESIGN_SETUP + (
        f"Design {design.key}: constraint {design.constraint}, {design.base} base, seeds"
        f" {seeds[0]}-{seeds[-1]} (the run's seed shifts the list), families {', '.join(design.family_names)}. " + own,)


def _design_experiment(
    name: str, title: str, design: Design, seed_checks: SeedChecks, summary: Callable[[ExperimentResult], None],
    own_setup: str, thresholds: tuple[Threshold, ...], definitional: tuple[str, ...],
) -> Experiment:
    """An experiment that solves ``design``, checks it seed by seed, then adds ``summary``."""

    def run(first_seed: int, progress: Progress) -> ExperimentResult:
        result = _run_design(name, design, first_seed, progress, seed_checks)
        summary(result)
        return result

    return Experiment(name, title, run, plot_n_eff_ratio, setup=_design_setup(design, own_setup),
                      thresholds=(_TABULAR_THRESHOLD, *thresholds),
                      definitional=("tabular beta=", *definitional), captions={"": _CAPTION})


def parity_collapse(design: Design = DESIGN_A) -> Experiment:
    """The ``parity-collapse`` experiment on ``design`` (parity constraint)."""
    title = r"Parity constraint: the product family collapses to one valid string, order-1 Markov to at most $2^{L/2}$"
    own = (r"Checks are made at $\beta \le 0.01$ (collapse) and $\beta \ge 1$ (no collapse yet); none in the band"
           r" $0.03 < \beta < 0.3$ where the product family's validity jumps from about $1/2$ to almost 1 (its"
           " position depends on the seed). Also: the forward-KL projection of $p_*$ onto the product family, and an"
           r" exhaustive enumeration of the supports of order-1 chains on $\{0,1\}^L$, $L = 2, \dots, 6$.")
    thresholds = (
        Threshold(r"product family at $\beta \le 0.01$: $\Neff$", r"$< 1.01$",
                  r"a single string has $\Neff = 1$; 1.01 is within 1% of one string, far from any spread over two"
                  " valid strings"),
        Threshold(r"product family at $\beta \le 0.01$: invalid mass $1 - \mu$", r"$< 10^{-9}$",
                  "the optimum is a valid point mass; $10^{-9}$ bounds what the solver's tolerance ($10^{-13}$ in"
                  " total variation per block update) and float64 leave"),
        Threshold(r"product family at $\beta \ge 1$: $|\Neff/\Neff^* - 1|$", r"$< 0.01$",
                  r"the base model is itself a product and the tilt is mild at $\beta \ge 1$: no collapse yet; 1%"
                  " is the tolerance for 'no collapse'"),
        Threshold(r"Markov-1 family at $\beta \le 0.01$: $\Neff$", r"$\le 2^{L/2} = 64$",
                  r"no order-1 chain supported on even-parity strings has more than $2^{\lfloor L/2 \rfloor}$ strings"
                  r" in its support (enumerated exhaustively for $L \le 6$), and $\Neff$ is at most the support size"),
        Threshold(r"forward KL onto the product family: $|\mu - \alpha|$", r"$< 0.01$",
                  r"'gains no validity': both $\mu$ and $\alpha$ are $(1 + \prod_i(1 - 2p_i))/2$ for marginals $p_i$"
                  r" near those of $a$, i.e. close to $1/2$; 0.01 is the tolerance of that statement"),
        Threshold(r"the limit: $1 - q(y^*)$ at $\beta = 0.005$, $y^*$ the most likely valid string", r"$< 10^{-9}$",
                  "valid-limit-projection: the limit is the point mass on $y^*$; same tolerance as the invalid mass"),
    )
    return _design_experiment("parity-collapse", title, design, _parity_checks, _parity_summary, own, thresholds,
                              ("valid limit: KL(delta_y*", "largest fully even-parity support", "forward KL: coverage"))


def at_least_ones(design: Design = DESIGN_B) -> Experiment:
    """The ``at-least-ones`` experiment on ``design`` (at least 8 ones)."""
    title = "At least 8 ones: gradual collapse ordered by family capacity"
    own = (r"Checks are made at $\beta = 0.005$ (the bound on the product family), at $\beta \le 0.01$ (the order"
           r" of the families) and at $\beta \le 0.5$ (monotonicity in $\beta$).")
    thresholds = (
        Threshold(r"product family at $\beta = 0.005$: $\Neff$", r"$\le 2^{L-k} = 16$",
                  "a fully valid product distribution forces a one at 8 or more positions (else its all-zeros-where-"
                  "allowed string would be invalid), so its support has at most $2^{12-8}$ strings"),
        Threshold(r"at $\beta \le 0.01$: $\Neff$ of a family minus that of the next larger family", r"$< 0$",
                  r"nesting orders the optimal values, not $\Neff$: a strict order of $\Neff$ is the finding itself"),
        Threshold(r"each family, $\beta' < \beta \le 0.5$: $\Neff(\beta')/\Neff(\beta) - 1$", r"$\le 10^{-6}$",
                  r"'does not increase as $\beta$ decreases', up to the solver's accuracy on $\Neff$"),
    )
    return _design_experiment("at-least-ones", title, design, _at_least_checks, _at_least_summary, own, thresholds, ())


def no_adjacent_control(design: Design = CONTROL) -> Experiment:
    """The ``no-adjacent-control`` experiment on ``design`` (no two adjacent ones)."""
    title = "No two adjacent ones: a misspecified Markov-1 family that does not collapse"
    own = (r"The Markov-1 family contains $a$ and $p_*$ (a Markov chain times pairwise factors is a Markov chain) but"
           r" not $p_\beta$ at any $\beta$: its long-range interaction (the part of $\log q$ that no sum of"
           r" functions of adjacent pairs can express) is measured. Checks on the optima are made at $\beta \le 0.05$.")
    thresholds = (
        Threshold(r"long-range interaction of $\log a$", r"$< 10^{-9}$",
                  "zero for an order-1 chain; $10^{-9}$ is float64 rounding over 4096 strings"),
        Threshold(r"long-range interaction of $\log p_\beta$", r"$> 0$",
                  r"it is $1/\beta$ in exact arithmetic: $p_\beta$ is outside the family at every $\beta$"),
        Threshold(r"Markov-1 at $\beta \le 0.05$: $|\Neff/\Neff^* - 1|$", r"$\le 10^{-6}$",
                  r"'no collapse', up to the solver's accuracy on $\Neff$"),
        Threshold(r"Markov-1 at $\beta = 0.005$: $\mathrm{TV}(q, p_*)$", r"$< 10^{-9}$",
                  r"valid-limit-projection: the limit is $p_*$ itself, which is in the family"),
        Threshold(r"product family at $\beta \le 0.05$: $\Neff/\Neff^*$", r"$\le 0.5$",
                  "the product family loses more than half of the valid outputs (measured 0.15 to 0.35 over the five"
                  " seeds); a sharper 0.3 holds for two seeds only, so it is not claimed"),
        Threshold(r"Markov-1 at $\beta \le 0.05$: $\Neff/\Neff^*$ (a prediction, expected to fail)", r"$\le 0.5$",
                  "what the unqualified reading 'a misspecified family collapses' predicts, with the bound that the"
                  " product family, which does collapse here, satisfies"),
    )
    return _design_experiment("no-adjacent-control", title, design, _control_checks, _control_summary, own, thresholds,
                              ("p_* in family: KL(p_* || M-projection", "coverage"))


EXPERIMENTS: tuple[Experiment, ...] = (parity_collapse(), at_least_ones(), no_adjacent_control(), frontier())
