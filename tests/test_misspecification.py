"""Fast versions of the misspecification experiments (small L, one seed; the control
design at its full size), their bound checks, rows, findings and figures. The full
designs run through the experiment registry."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import pytest

from proofs_checks.experiments.designs import CONTROL, DESIGN_A, DESIGN_B, bound_check
from proofs_checks.experiments.frontier import frontier
from proofs_checks.experiments.misspecification import (
    EXPERIMENTS,
    at_least_ones,
    largest_valid_order_one_support,
    no_adjacent_control,
    parity_collapse,
)
from proofs_checks.experiments.result import ExperimentResult
from theory.errors import DomainError

SMALL_A = replace(DESIGN_A, length=8, n_seeds=1)
SMALL_B = replace(DESIGN_B, length=10, n_seeds=1)
FRONTIER_B = replace(SMALL_B, family_names=("product", "tabular"))


def run(experiment, seed: int = 0) -> tuple[ExperimentResult, list[str]]:
    lines: list[str] = []
    return experiment.run(seed, lines.append), lines


@pytest.fixture(scope="module")
def parity_result() -> tuple[ExperimentResult, list[str]]:
    return run(parity_collapse(SMALL_A))


@pytest.fixture(scope="module")
def at_least_result() -> tuple[ExperimentResult, list[str]]:
    return run(at_least_ones(SMALL_B))


@pytest.fixture(scope="module")
def control_result() -> tuple[ExperimentResult, list[str]]:
    return run(no_adjacent_control(CONTROL))


@pytest.fixture(scope="module")
def frontier_result() -> tuple[ExperimentResult, list[str]]:
    return run(frontier((SMALL_A, FRONTIER_B)))


def failures(result: ExperimentResult) -> list[str]:
    return [check.describe() for check in result.checks if not check.passed and not check.reading]


def labels(result: ExperimentResult, text: str) -> list[str]:
    return [check.label for check in result.checks if text in check.label]


def test_registry_names_and_seed_lists() -> None:
    assert [experiment.name for experiment in EXPERIMENTS] == ["parity-collapse", "at-least-ones", "no-adjacent-control", "frontier"]
    assert DESIGN_A.seeds(0) == [0, 1, 2, 3, 4] and DESIGN_B.seeds(2) == [2, 3, 4] and CONTROL.seeds(0) == [0, 1, 2, 3, 4]
    with pytest.raises(DomainError, match="seed"):
        DESIGN_A.seeds(-1)


def test_parity_design_passes_every_bound(parity_result) -> None:
    result, lines = parity_result
    assert failures(result) == []
    assert len(lines) == 4
    for what in ("tabular beta=0.005: |N_eff/N_eff* - 1|", "product beta=0.01: N_eff", "product beta=0.005: 1 - mu",
                 "markov-1 beta=0.01: N_eff <= 2^(L/2)", "product beta=2: |N_eff/N_eff* - 1|", "forward KL: |mu - alpha|",
                 "forward KL: coverage", "valid limit: KL(delta_y* || p_*)", "valid limit: 1 - q(y*)", "largest fully even-parity support"):
        assert labels(result, what), what
    in_band = [check for check in result.checks if "beta=0.1:" in check.label or "beta=0.05:" in check.label]
    assert all("tabular" in check.label for check in in_band)


def test_parity_product_collapses_to_the_best_valid_string(parity_result) -> None:
    result, _ = parity_result
    final = next(row for row in result.rows if row["family"] == "product" and row.get("beta") == 0.005)
    assert final["n_eff"] == pytest.approx(1.0, abs=1e-9) and final["coverage"] < 0.2
    tabular = [row for row in result.rows if row["family"] == "tabular"]
    assert all(row["n_eff"] == pytest.approx(row["n_eff_star"], rel=1e-9) for row in tabular)


def test_at_least_ones_design_passes_every_bound(at_least_result) -> None:
    result, _ = at_least_result
    assert failures(result) == []
    assert labels(result, "product beta=0.005: N_eff <= 2^(L-k) = 4")
    assert len(labels(result, " vs ")) == 2 * 3
    assert labels(result, "markov-2 beta=0.005: N_eff(beta=0.005) / N_eff(beta=0.01) - 1")


def test_control_design_recovers_p_star_in_the_markov_family(control_result) -> None:
    result, _ = control_result
    assert failures(result) == []
    markov = [row for row in result.rows if row["family"] == "markov-1" and row["beta"] <= 0.05]
    assert all(abs(row["n_eff"] / row["n_eff_star"] - 1.0) <= 1e-6 and row["coverage"] == pytest.approx(1.0) for row in markov)
    interactions = [check for check in result.checks if "p_beta not in family" in check.label]
    assert len(interactions) == len(CONTROL.betas) * len(result.parameters["seeds"])
    assert all(check.value == pytest.approx(1.0 / float(check.label.split("beta=")[1].split(":")[0]), rel=1e-9) for check in interactions)


def test_frontier_matches_validities_and_keeps_forward_kl_coverage(frontier_result) -> None:
    result, lines = frontier_result
    assert failures(result) == []
    assert len(lines) == 6
    forward = [row for row in result.rows if row.get("alpha") == 1.0]
    assert len(forward) == 6 and all(row["coverage"] == pytest.approx(1.0, abs=1e-12) for row in forward)
    matched = [row for row in result.rows if "matched_alpha" in row]
    assert matched
    jumps = [row for row in result.rows if row["projection"] == "kl-control-jump"]
    assert {row["design"] for row in jumps} == {"A"}
    assert any("not supported beyond gamma = 1" in line for line in result.findings)


@pytest.mark.parametrize("fixture", ["parity_result", "at_least_result", "control_result", "frontier_result"])
def test_results_are_json_serializable_and_finite(fixture: str, request: pytest.FixtureRequest) -> None:
    result, _ = request.getfixturevalue(fixture)
    text = json.dumps(result.to_dict(), allow_nan=False)
    assert json.loads(text)["name"] == result.name
    for row in result.rows:
        for value in row.values():
            assert isinstance(value, (str, int, float, bool, list)), (row, value)
            if isinstance(value, float):
                assert math.isfinite(value), row


def test_figures_are_written(parity_result, frontier_result, tmp_path: Path) -> None:
    written = parity_collapse(SMALL_A).plot(parity_result[0], tmp_path / "parity")
    assert sorted(path.name for path in written) == ["parity.pdf", "parity.png"]
    written = frontier((SMALL_A, FRONTIER_B)).plot(frontier_result[0], tmp_path / "frontier")
    assert sorted(path.name for path in written) == ["frontier-A.pdf", "frontier-A.png", "frontier-B.pdf", "frontier-B.png"]
    assert all(path.stat().st_size > 0 for path in written)


def test_largest_fully_valid_order_one_support() -> None:
    assert [largest_valid_order_one_support(length) for length in range(2, 7)] == [2, 2, 4, 4, 8]


def test_bound_checks_compare_and_never_pass_nan() -> None:
    assert bound_check("x", 1.0, "<", 2.0).passed and not bound_check("x", 2.0, "<", 2.0).passed
    assert bound_check("x", 2.0, "<=", 2.0).passed and bound_check("x", 3.0, ">", 2.0).passed
    assert bound_check("x", 1.0 + 1e-13, "==", 1.0, 1e-12).passed and not bound_check("x", 1.1, "==", 1.0, 1e-12).passed
    assert not bound_check("x", float("nan"), "<", 2.0).passed and not bound_check("x", float("nan"), ">=", 2.0).passed
    with pytest.raises(DomainError, match="relation"):
        bound_check("x", 1.0, "~", 1.0)
