"""The ``pg-flow`` experiment, shortened (one seed, two temperatures, shorter horizons):
every bound check passes, the rows hold what the findings and the figure use."""

from __future__ import annotations

import pytest

from proofs_checks.experiments import policy_gradient
from proofs_checks.experiments.policy_gradient import EXPERIMENTS


@pytest.fixture(scope="module")
def short_result():
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(policy_gradient, "SEED_COUNT", 1)
        patch.setattr(policy_gradient, "T_END", 1e4)
        patch.setattr(policy_gradient, "CHECKPOINTS", (1e2, 1e3, 1e4))
        patch.setattr(policy_gradient, "BETAS", (1.0, 0.1))
        patch.setattr(policy_gradient, "KL_HORIZON", 6e4)
        patch.setattr(policy_gradient, "DISCRETE_STEPS", 200)
        lines: list[str] = []
        result = EXPERIMENTS[0].run(0, lines.append)
    return result, lines


def test_registered_under_its_claim_name():
    assert [experiment.name for experiment in EXPERIMENTS] == ["pg-flow"]


def test_every_bound_check_passes(short_result):
    result, _ = short_result
    failed = [check.describe() for check in result.checks if not check.passed]
    assert not failed, "\n".join(failed)


def test_checks_cover_every_bound_of_the_design(short_result):
    result, _ = short_result
    labels = "\n".join(check.label for check in result.checks)
    for fragment in (
        "no KL: max increase of H(q(.|Y1)) over",
        "no KL: N_eff at t = 10000",
        "collapses onto the mode of p_*",
        "integrator",
        "beta = 0.1: KL(q||p_beta) at t = 600000",
        "beta = 0.1: max increase of KL(q||p_beta)",
        "min N_eff along the path, beta = 0.1 below beta = 1",
        "time for N_eff to recover",
        "natural gradient: max |log q(.|Y1) - log p_*|",
        "natural gradient: max |log q_s - log p_(1/s)|",
    ):
        assert fragment in labels
    assert sum("exact gradient steps of size eta" in check.label for check in result.checks) == 5


def test_collapse_and_recovery_are_measured(short_result):
    result, lines = short_result
    n_eff_star = result.parameters["n_eff_star"][0]
    no_kl = {row["t"]: row["n_eff"] for row in result.rows if row["kind"] == "checkpoint" and row["beta"] is None}
    assert no_kl[1e2] > no_kl[1e3] > no_kl[1e4]
    paths = {row["beta"]: row for row in result.rows if row["kind"] == "path"}
    assert paths[0.1]["min_n_eff"] < paths[1.0]["min_n_eff"] < n_eff_star
    assert paths[0.1]["t_n_eff_recovered"] > paths[1.0]["t_n_eff_recovered"] > paths[1.0]["t_min_n_eff"]
    assert len(lines) == 1 + 2 + 1
    assert result.to_dict()["passed"] is True


def test_plot_writes_pdf_and_png(short_result, tmp_path):
    result, _ = short_result
    paths = EXPERIMENTS[0].plot(result, tmp_path / "pg_flow")
    assert sorted(path.suffix for path in paths) == [".pdf", ".png"]
    assert all(path.stat().st_size > 0 for path in paths)
