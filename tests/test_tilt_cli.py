"""``proofcheck tilt``: outputs against the library, and bad input as one line on
stderr with exit code 2 (never a traceback)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest

from proofs_checks.cli import USAGE_ERROR, main
from theory import closed_form
from theory.multi_prompt import beta_for_mean_validity, per_prompt_beta


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["tilt", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> object:
    code, out, err = run(capsys, *argv, "--json")
    assert (code, err) == (0, "")
    return json.loads(out)


def assert_one_line_error(code: int, out: str, err: str, *fragments: str) -> None:
    assert code == USAGE_ERROR
    assert out == ""
    assert err.startswith("proofcheck tilt: error: ") and err.count("\n") == 1
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, err


@pytest.fixture
def rates_file(tmp_path: Path) -> Path:
    path = tmp_path / "rates.txt"
    path.write_text("# per-prompt pass rates\n0.1\n0.3   # a hard one\n\n0.5\n0.02\n0.9\n")
    return path


# --- one pass rate -------------------------------------------------------------------------


def test_beta_values_give_one_row_each(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--alpha", "0.3", "--beta", "1", "0.1", "0.01")
    assert (code, err) == (0, "")
    header, *rows = out.splitlines()
    assert header.split() == ["alpha", "beta", "mu", "1", "-", "mu", "kl(mu||alpha)", "J*", "KL(p*||p_beta)"]
    assert len(rows) == 3
    for row, beta in zip(rows, (1.0, 0.1, 0.01)):
        mu = closed_form.validity_rate(0.3, beta)
        expected = [0.3, beta, mu, closed_form.invalidity_rate(0.3, beta), closed_form.kl_budget(0.3, mu),
                    closed_form.optimal_value(0.3, beta), closed_form.forward_kl_to_filtered(0.3, beta)]
        assert row.split() == [f"{value:.6g}" for value in expected]


def test_beta_json_matches_the_library(capsys: pytest.CaptureFixture[str]) -> None:
    rows = run_json(capsys, "--alpha", "1e-300", "0.5", "--beta", "0.001", "inf")
    assert [(row["alpha"], row["beta"]) for row in rows] == [(1e-300, 0.001), (1e-300, "inf"), (0.5, 0.001), (0.5, "inf")]
    near_one = rows[2]
    assert near_one["one_minus_mu"] == closed_form.invalidity_rate(0.5, 0.001)  # 1 - mu resolved near mu = 1
    assert near_one["optimal_value"] == closed_form.optimal_value(0.5, 0.001)
    assert rows[3]["mu"] == 0.5 and rows[3]["optimal_value"] == 0.5 and rows[3]["kl_budget"] == 0.0


def test_mu_values_give_the_temperature(capsys: pytest.CaptureFixture[str]) -> None:
    rows = run_json(capsys, "--alpha", "0.3", "--mu", "0.9", "0.999999")
    for row, mu in zip(rows, (0.9, 0.999999)):
        beta = closed_form.beta_for_validity(0.3, mu)
        assert row["beta"] == beta and row["mu"] == mu
        assert row["kl_budget"] == closed_form.kl_budget(0.3, mu)
        assert row["forward_kl_to_filtered"] == closed_form.forward_kl_to_filtered(0.3, beta)
    assert rows[1]["one_minus_mu"] == pytest.approx(1e-6, rel=1e-9)


# --- a file of per-prompt pass rates ----------------------------------------------------------


def test_rates_file_solves_for_one_beta(capsys: pytest.CaptureFixture[str], rates_file: Path) -> None:
    alphas = np.array([0.1, 0.3, 0.5, 0.02, 0.9])
    beta = beta_for_mean_validity(alphas, 0.8)
    code, out, err = run(capsys, "--rates", str(rates_file), "--mu", "0.8")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "target mean validity 0.8 over 5 prompts (mean base rate 0.364)"
    assert lines[1].startswith(f"beta = {beta:.6g}")
    assert lines[3].split() == ["prompt", "alpha", "mu_i", "1", "-", "mu_i", "beta_i", "alone"]
    assert [line.split()[0] for line in lines[4:12]] == ["1", "2", "3", "4", "5", "min", "median", "max"]
    assert lines[8].split()[-1] == "inf"  # alpha = 0.9 is above the target at every beta
    assert "above the target at every beta" in lines[-1]


def test_rates_json_lists_every_prompt(capsys: pytest.CaptureFixture[str], rates_file: Path) -> None:
    result = run_json(capsys, "--rates", str(rates_file), "--mu", "0.8")
    alphas = np.array([0.1, 0.3, 0.5, 0.02, 0.9])
    beta = beta_for_mean_validity(alphas, 0.8)
    assert result["beta"] == beta
    assert [prompt["alpha"] for prompt in result["prompts"]] == list(alphas)
    assert [prompt["mu"] for prompt in result["prompts"]] == list(closed_form.validity_rate(alphas, beta))
    alone = per_prompt_beta(alphas, 0.8)
    assert [prompt["beta_alone"] for prompt in result["prompts"]] == [*alone[:4], "inf"]
    assert result["summary"]["min"]["alpha"] == 0.02 and result["summary"]["median"]["alpha"] == 0.3
    assert np.dot(np.full(5, 0.2), [prompt["mu"] for prompt in result["prompts"]]) == pytest.approx(0.8, rel=1e-14)


def test_weights_and_stdin(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("0.2, 10\n0.6 30  # counts as weights\n"))
    result = run_json(capsys, "--rates", "-", "--mu", "0.9")
    assert result["beta"] == beta_for_mean_validity([0.2, 0.6], 0.9, [10, 30])
    assert [prompt["weight"] for prompt in result["prompts"]] == [10.0, 30.0]
    assert result["mean_base_rate"] == pytest.approx(0.5)


def test_a_line_without_a_weight_has_weight_one(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "rates.txt"
    path.write_text("0.2 3\n0.6\n0.4, 0.5\n")
    result = run_json(capsys, "--rates", str(path), "--mu", "0.9")
    assert [prompt["weight"] for prompt in result["prompts"]] == [3.0, 1.0, 0.5]
    assert result["beta"] == beta_for_mean_validity([0.2, 0.6, 0.4], 0.9, [3, 1, 0.5])
    assert result["mean_base_rate"] == pytest.approx((3 * 0.2 + 0.6 + 0.5 * 0.4) / 4.5)


# --- bad input --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "fragments"),
    [
        ("0.2\n0\n0.5\n", [":2: pass rate 0 has no tilt (nothing is valid to upweight)", "drop the prompt or smooth"]),
        ("0.2\n1.0\n", [":2: pass rate 1 has no tilt (everything is already valid)", "(k + 1)/(n + 2)"]),
        ("0.2\n1.5\n", [":2: pass rate must lie in (0, 1); got 1.5"]),
        ("0.2\nnan\n", [":2: pass rate must lie in (0, 1); got NaN"]),
        ("# header\n0.2\nabc\n", [":3: cannot read 'abc' as a number"]),
        ("0.2 1 7\n", [":1: expected a pass rate and an optional weight; got 3 fields"]),
        ("0.2 1\n0.3 -2\n", [":2: weight must lie in (0, inf); got -2.0"]),
        ("# nothing here\n\n", [": no pass rates found"]),
    ],
)
def test_bad_rates_files_name_the_file_and_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str, fragments: list[str]
) -> None:
    path = tmp_path / "rates.txt"
    path.write_text(content)
    assert_one_line_error(*run(capsys, "--rates", str(path), "--mu", "0.9"), str(path), *fragments)


def test_missing_rates_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing = tmp_path / "missing.txt"
    assert_one_line_error(*run(capsys, "--rates", str(missing), "--mu", "0.9"), f"cannot read rates file {missing}", "No such file")


def test_infeasible_target_names_the_interval(capsys: pytest.CaptureFixture[str], rates_file: Path) -> None:
    assert_one_line_error(
        *run(capsys, "--rates", str(rates_file), "--mu", "0.2"),
        "target must lie in (the weighted mean base rate sum_i w_i alpha_i, 1) = (0.364, 1); got 0.2",
    )


@pytest.mark.parametrize("knob", [["--beta", "0.1"], ["--mu", "0.8", "0.9"]])
def test_rates_need_exactly_one_target(capsys: pytest.CaptureFixture[str], rates_file: Path, knob: list[str]) -> None:
    assert_one_line_error(*run(capsys, "--rates", str(rates_file), *knob), "with --rates, give one target mean validity with --mu")


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["--alpha", "0", "--beta", "1"], "alpha must lie in (0, 1); got 0.0"),
        (["--alpha", "1", "--mu", "0.5"], "alpha must lie in (0, 1); got 1.0"),
        (["--alpha", "0.3", "--beta", "0"], "beta = 0 is not allowed"),
        (["--alpha", "0.3", "--beta", "-1"], "beta must lie in (0, inf]; got -1.0"),
        (["--alpha", "0.3", "--mu", "0.2"], "mu must lie in [alpha, 1) = [0.3, 1); got 0.2"),
        (["--alpha", "0.3", "--mu", "1"], "mu must lie in [alpha, 1) = [0.3, 1); got 1.0"),
    ],
)
def test_bad_values_are_one_line_errors(capsys: pytest.CaptureFixture[str], argv: list[str], fragment: str) -> None:
    assert_one_line_error(*run(capsys, *argv), fragment)


@pytest.mark.parametrize(
    "argv",
    [["--alpha", "abc", "--beta", "1"], ["--alpha", "0.3"], ["--beta", "1"], ["--alpha", "0.3", "--beta", "1", "--mu", "0.5"]],
)
def test_bad_usage_exits_with_code_2(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    assert main(["tilt", *argv]) == USAGE_ERROR
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "error:" in err and "Traceback" not in err
