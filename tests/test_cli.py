"""The claim subcommands: list, show, run, the JSON report and bad usage."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from proofs_checks.cli import main
from proofs_checks.report import SCHEMA, without_timings

ROOT = Path(__file__).resolve().parent.parent


def test_list_prints_one_claim_a_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    ids = [line.split()[0] for line in lines]
    assert "gibbs-identity" in ids and "nc-validity-increasing" in ids and len(ids) == len(set(ids))
    assert all(len(line.split()) >= 4 for line in lines)


def test_show_prints_the_derivation_log(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "beta-mu"]) == 0
    out = capsys.readouterr().out
    assert "statement:" in out and "uses: validity-monotone, gibbs-identity" in out
    assert "[symbolic] passed" in out and "verified: identity" in out and "[numeric] passed" in out


def test_run_writes_a_reproducible_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def report(seed: int) -> dict:
        path = tmp_path / f"report-{seed}.json"
        assert main(["run", "degeneracy", "--seed", str(seed), "--jobs", "1", "--json", str(path)]) == 0
        return json.loads(path.read_text())

    first, again, other = report(3), report(3), report(4)
    assert first["schema"] == SCHEMA and first["seed"] == 3 and first["profile"] == "ci" and first["dps"] == 50
    assert set(first["environment"]) == {"python", "sympy", "mpmath", "numpy", "hypothesis"}
    claim = first["claims"][0]
    assert claim["id"] == "degeneracy" and claim["status"] == "proved"
    numeric = next(e for e in claim["evidence"] if e["layer"] == "numeric")
    assert numeric["cases"] >= 20 and isinstance(numeric["max_residual"], str)
    assert without_timings(first) == without_timings(again)
    assert without_timings(first) != without_timings(other)
    assert "degeneracy" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "no-such-claim"], "unknown claim id"),
        (["show", "no-such-claim"], "unknown claim id"),
        (["run", "--dps", "5"], "expected an integer >= 20"),
        (["run", "--seed", "-1"], "expected an integer >= 0"),
        (["run", "--profile", "fast"], "invalid choice"),
        (["run", "--extra", "no/such/file.py"], "no such file"),
    ],
)
def test_bad_usage_is_one_line_and_exit_code_2(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1 and "Traceback" not in err


def test_python_m_runs_the_same_cli() -> None:
    done = subprocess.run([sys.executable, "-m", "proofs_checks", "list"], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0 and done.stdout.startswith("degeneracy")


def test_experiment_runs_plots_and_writes_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    from dataclasses import replace

    from proofs_checks.experiments import EXPERIMENTS
    from proofs_checks.experiments.designs import DESIGN_A
    from proofs_checks.experiments.misspecification import parity_collapse

    monkeypatch.setitem(EXPERIMENTS, "parity-collapse", parity_collapse(replace(DESIGN_A, length=6, n_seeds=1)))
    stem = tmp_path / "parity"
    assert main(["experiment", "parity-collapse", "--plot", str(stem), "--json", str(tmp_path / "r.json")]) == 0
    out = capsys.readouterr().out
    assert "bounds hold" in out and "finding:" in out
    assert (tmp_path / "parity.pdf").stat().st_size > 0 and (tmp_path / "parity.png").stat().st_size > 0
    assert json.loads((tmp_path / "r.json").read_text())["passed"] is True


def test_experiment_rejects_an_unknown_name(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["experiment", "no-such-experiment"]) == 2 and "invalid choice" in capsys.readouterr().err
