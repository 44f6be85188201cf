"""``proofcheck tilt``: outputs against the library, and bad input as one line on
stderr with exit code 2 (never a traceback)."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import mpmath
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
    header, *rows, units = out.splitlines()
    assert units.startswith("units: ") and "kl(mu||alpha) and KL(p*||p_beta): nats per sequence" in units
    assert header.split() == ["alpha", "beta", "mu", "1", "-", "mu", "kl(mu||alpha)", "J*", "KL(p*||p_beta)"]
    assert len(rows) == 3
    for row, beta in zip(rows, (1.0, 0.1, 0.01)):
        mu = closed_form.validity_rate(0.3, beta)
        expected = [0.3, beta, mu, closed_form.invalidity_rate(0.3, beta), closed_form.kl_budget(0.3, mu),
                    closed_form.optimal_value(0.3, beta), closed_form.forward_kl_to_filtered(0.3, beta)]
        assert row.split() == [f"{value:.6g}" for value in expected]


def test_beta_json_matches_the_library(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_json(capsys, "--alpha", "1e-300", "0.5", "--beta", "0.001", "inf")
    assert result["units"]["kl_budget"].startswith("nats per sequence")
    rows = result["rows"]
    assert [(row["alpha"], row["beta"]) for row in rows] == [(1e-300, 0.001), (1e-300, "inf"), (0.5, 0.001), (0.5, "inf")]
    near_one = rows[2]
    assert near_one["one_minus_mu"] == closed_form.invalidity_rate(0.5, 0.001)  # 1 - mu resolved near mu = 1
    assert near_one["optimal_value"] == closed_form.optimal_value(0.5, 0.001)
    assert rows[3]["mu"] == 0.5 and rows[3]["optimal_value"] == 0.5 and rows[3]["kl_budget"] == 0.0


def test_mu_values_give_the_temperature(capsys: pytest.CaptureFixture[str]) -> None:
    rows = run_json(capsys, "--alpha", "0.3", "--mu", "0.9", "0.999999")["rows"]
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
    assert "above the target at every beta" in lines[-2]
    assert lines[-1].startswith("units: ")


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


# --- KL budgets, per-token KL and GRPO, against mpmath ----------------------------------------


def _mu_mp(alpha: mpmath.mpf, beta: mpmath.mpf) -> mpmath.mpf:
    """``mu_beta = alpha e^{1/beta} / (alpha e^{1/beta} + 1 - alpha)``, from the definition."""
    weight = alpha * mpmath.exp(1 / beta)
    return weight / (weight + 1 - alpha)


def _budget_mp(alpha: mpmath.mpf, beta: mpmath.mpf) -> mpmath.mpf:
    """``KL(p_beta || a) = mu log(mu/alpha) + (1 - mu) log((1 - mu)/(1 - alpha))``."""
    mu = _mu_mp(alpha, beta)
    return mu * mpmath.log(mu / alpha) + (1 - mu) * mpmath.log((1 - mu) / (1 - alpha))


@pytest.mark.parametrize("alpha", [1e-6, 0.05, 0.5, 0.97])
@pytest.mark.parametrize("fraction", [1e-4, 0.3, 0.9, 0.999])
def test_kl_budget_buys_the_beta_whose_optimum_spends_it(capsys: pytest.CaptureFixture[str], alpha: float,
                                                         fraction: float) -> None:
    budget = -math.log(alpha) * fraction
    result = run_json(capsys, "--alpha", repr(alpha), "--kl-budget", repr(budget))
    (row,) = result["rows"]
    with mpmath.workdps(60):
        a = mpmath.mpf(alpha)
        exact = mpmath.findroot(lambda g: _budget_mp(a, 1 / mpmath.exp(g)) - budget, mpmath.log(1 / row["beta"]))
        beta_exact = 1 / mpmath.exp(exact)
        # beta is a float: its budget is within the slope times its rounding of the target
        assert row["beta"] == pytest.approx(float(beta_exact), rel=1e-12)
        assert row["mu"] == pytest.approx(float(_mu_mp(a, mpmath.mpf(row["beta"]))), rel=1e-13)
        assert row["one_minus_mu"] == pytest.approx(float(1 - _mu_mp(a, mpmath.mpf(row["beta"]))), rel=1e-12)
        assert row["kl_budget"] == pytest.approx(float(_budget_mp(a, mpmath.mpf(row["beta"]))), rel=1e-12)
    assert row["kl_budget"] == pytest.approx(budget, rel=1e-11)


def test_per_token_kl_is_converted_to_the_sequence_budget(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--alpha", "0.05", "--per-token-kl", "0.002", "--length", "512")
    assert (code, err) == (0, "")
    explanation, blank, header, row, units = out.splitlines()
    assert explanation.startswith("0.002 nats per token x 512 tokens = 1.024 nats per sequence")
    assert "sum of its per-token KLs" in explanation and blank == ""
    assert units.startswith("units: ")
    same = run_json(capsys, "--alpha", "0.05", "--kl-budget", repr(0.002 * 512))["rows"]
    assert row.split() == [f"{same[0][key]:.6g}" for key in ("alpha", "beta", "mu", "one_minus_mu", "kl_budget",
                                                              "optimal_value", "forward_kl_to_filtered")]
    result = run_json(capsys, "--alpha", "0.05", "--per-token-kl", "0.002", "--length", "512")
    assert result["conversion"]["sequence_kl_budget"] == 0.002 * 512 and result["rows"] == same


def test_length_prints_every_budget_per_token(capsys: pytest.CaptureFixture[str], rates_file: Path) -> None:
    """``--length L``: the KL budget over ``L``, for one pass rate and for a rates file's mean budget."""
    rows = run_json(capsys, "--alpha", "0.05", "--mu", "0.9", "--length", "512")["rows"]
    beta = 1 / (mpmath.log(9) - mpmath.log(mpmath.mpf(1) / 19))  # logit 0.9 - logit 0.05
    assert rows[0]["per_token_kl"] == pytest.approx(float(_budget_mp(mpmath.mpf("0.05"), beta) / 512), rel=1e-12)
    solution = run_json(capsys, "--rates", str(rates_file), "--mu", "0.8", "--length", "512")
    beta = mpmath.mpf(solution["beta"])
    mean_budget = mpmath.fsum(_budget_mp(mpmath.mpf(a), beta) for a in (0.1, 0.3, 0.5, 0.02, 0.9)) / 5
    assert solution["mean_per_token_kl"] == pytest.approx(float(mean_budget / 512), rel=1e-10)
    code, out, _ = run(capsys, "--rates", str(rates_file), "--mu", "0.8", "--length", "512")
    assert code == 0 and "per token at length 512:" in out


def _grpo_path_mp(alpha: float, beta: float, eps: float, steps: int) -> list[mpmath.mpf]:
    """``p_n = pi_n(Y1)`` of the two-outcome problem, ``pi_n = pi_ref e^{A/beta}/Z_n``, from the definition."""
    p, path = mpmath.mpf(alpha), []
    for _ in range(steps):
        spread = mpmath.sqrt(p * (1 - p) + eps)
        valid, invalid = alpha * mpmath.exp((1 - p) / (spread * beta)), (1 - alpha) * mpmath.exp(-p / (spread * beta))
        p = valid / (valid + invalid)
        path.append(p)
    return path


@pytest.mark.parametrize(("beta", "eps"), [(1.0, 0.1), (1.0, 1e-4), (3.0, 1e-6), (0.3, 0.01)])
def test_grpo_iterates_and_fixed_points_match_mpmath(capsys: pytest.CaptureFixture[str], rates_file: Path, beta: float,
                                                     eps: float) -> None:
    table = run_json(capsys, "--rates", str(rates_file), "--grpo", "--beta", repr(beta), "--eps", repr(eps),
                     "--steps", "6")
    assert table["units"]["beta"].startswith("advantage per nat") and (table["beta"], table["eps"]) == (beta, eps)
    with mpmath.workdps(50):
        for prompt, alpha in zip(table["prompts"], [0.1, 0.3, 0.5, 0.02, 0.9]):
            path = _grpo_path_mp(alpha, beta, eps, 6)
            for p, q, exact in zip(prompt["iterates"], prompt["iterate_failures"], path):
                assert p == pytest.approx(float(exact), rel=1e-12) and q == pytest.approx(float(1 - exact), rel=1e-9)

            def gap(x: mpmath.mpf) -> mpmath.mpf:  # x - logit p_1 from p_0 = sigma(x), by the definition
                return x - _grpo_logit_from(alpha, beta, eps, x)

            for x in prompt["fixed_point_logits"]:
                assert abs(gap(mpmath.mpf(x))) <= 1e-12 * (1 + abs(x) + 1 / (beta * math.sqrt(eps)))
            # the fixed points are all the sign changes of x - H(x) on a fine grid of [x_lo, x_hi]
            low = mpmath.log(alpha / (1 - alpha)) + 1 / (beta * mpmath.sqrt(mpmath.mpf(1) / 4 + eps)) - 1
            high = mpmath.log(alpha / (1 - alpha)) + 1 / (beta * mpmath.sqrt(eps)) + 1
            signs = [gap(low + (high - low) * k / 2000) > 0 for k in range(2001)]
            assert sum(s != t for s, t in zip(signs, signs[1:])) == len(prompt["fixed_points"])
            assert all(p > alpha for p in prompt["fixed_points"])


def _grpo_logit_from(alpha: float, beta: float, eps: float, x: mpmath.mpf) -> mpmath.mpf:
    """``logit pi_1(Y1) = log(alpha e^{w+/beta}) - log((1 - alpha) e^{-w-/beta})`` from ``p_0 = sigma(x)``, with
    ``1 - p_0 = sigma(-x)`` formed directly."""
    p, q = 1 / (1 + mpmath.exp(-x)), 1 / (1 + mpmath.exp(x))
    spread = mpmath.sqrt(p * q + eps)
    return mpmath.log(alpha * mpmath.exp(q / (spread * beta))) - mpmath.log((1 - alpha) * mpmath.exp(-p / (spread * beta)))


def test_grpo_table_states_units_and_far_tails(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--alpha", "0.2", "0.001", "--grpo", "--beta", "0.04", "--eps", "1e-4", "--steps", "3")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].startswith("GRPO with beta = 0.04, eps = 0.0001: p_n = sigma(")
    assert lines[2].split() == ["prompt", "alpha", "p_1", "p_2", "p_3", "1", "-", "p_3", "p*", "1", "-", "p*", "rate"]
    first = lines[3].split()
    assert first[5].startswith("e^-2498.6")  # 1 - p_3 below the float64 range, as e^-logit
    assert float(first[-1]) < 1e-10  # a guaranteed rate: x_lo beyond x_c
    assert lines[-1].startswith("units: ")


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["--alpha", "0.3", "--kl-budget", "2"], "KL budget must lie in (0, -log alpha) = (0, 1.20397"),
        (["--alpha", "0.3", "--kl-budget", "0"], "KL budget must lie in (0, -log alpha)"),
        (["--alpha", "0.3", "--per-token-kl", "0.1"], "--per-token-kl needs --length"),
        (["--alpha", "0.3", "--grpo", "--beta", "1", "--eps", "1", "--length", "3"], "it does not apply to --grpo"),
        (["--alpha", "0.3", "--beta", "1", "--length", "-3"], "--length must lie in (0, inf); got -3.0"),
        (["--alpha", "0.3", "--per-token-kl", "-1", "--length", "3"], "per-token KL must lie in (0, inf); got -1.0"),
        (["--alpha", "0.3", "--per-token-kl", "0.1", "--length", "0"], "length must lie in (0, inf); got 0.0"),
        (["--alpha", "0.3", "--per-token-kl", "1", "--length", "3"], "KL budget must lie in (0, -log alpha)"),
        (["--alpha", "0.3", "--grpo", "--beta", "1"], "with --grpo, give one --beta and the variance floor --eps"),
        (["--alpha", "0.3", "--grpo", "--mu", "0.9", "--eps", "1"], "with --grpo, give one --beta"),
        (["--alpha", "0.3", "--grpo", "--beta", "1", "--eps", "0"], "eps must lie in (0, inf); got 0.0"),
        (["--alpha", "0.3", "--grpo", "--beta", "inf", "--eps", "1"], "beta must lie in (0, inf); got inf"),
        (["--alpha", "0.3", "--grpo", "--beta", "1", "--eps", "1", "--steps", "0"], "--steps must lie in [1, 1000]; got 0"),
        (["--alpha", "0.3", "--beta", "1", "--eps", "1"], "--eps is GRPO's variance floor: use it with --grpo"),
        (["--alpha", "1", "--grpo", "--beta", "1", "--eps", "1"], "alpha must lie in (0, 1); got 1.0"),
    ],
)
def test_new_modes_reject_bad_values_in_one_line(capsys: pytest.CaptureFixture[str], argv: list[str], fragment: str) -> None:
    assert_one_line_error(*run(capsys, *argv), fragment)
