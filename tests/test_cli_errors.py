"""Every way a ``proofcheck`` command can end: one exit code each and at most one line on
stderr, never a traceback. In-process through ``proofs_checks.cli.main``; a closed pipe
and Ctrl-C through real subprocesses."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from proofs_checks import experiment_cli
from proofs_checks.cli import (EXIT_BROKEN_PIPE, EXIT_INTERNAL_ERROR, EXIT_INTERRUPTED, EXIT_OK, EXIT_UNEXPECTED,
                               USAGE_ERROR, main)
from proofs_checks.preflight import MissingProgramError, OutputPathError, check_output_path, require_programs

ROOT = Path(__file__).resolve().parent.parent
PROGRESS = re.compile(r"^\[\d+/\d+\] ")


def one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err, captured.err
    return captured.err.strip()


def must_not_compute(*args: object, **kwargs: object) -> None:
    raise AssertionError("computed before the output path was checked")


# ---- a reviewer file that does not load: file, line and error, exit 2 ----------------------------


@pytest.mark.parametrize(
    ("source", "line", "error"),
    [
        ('x = 1\nraise RuntimeError("boom")\n', 2, "RuntimeError: boom"),
        ("x = (\n", 1, "SyntaxError: '(' was never closed"),
        ("import no_such_module_for_proofcheck\n", 1, "ModuleNotFoundError: No module named 'no_such_module_for_proofcheck'"),
        ('from proofs_checks import identity_claim\n\nidentity_claim(id="half", title="t", lhs="alpha")\n', 3,
         "TypeError: identity_claim() missing 2 required keyword-only arguments: 'rhs' and 'domain'"),
        ("def helper():\n    return 1 / 0\n\nhelper()\n", 2, "ZeroDivisionError: division by zero"),
    ],
    ids=["raises", "syntax-error", "bad-import", "missing-argument", "inside-a-function"],
)
def test_a_reviewer_file_that_fails_names_the_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                            source: str, line: int, error: str) -> None:
    path = tmp_path / "review.py"
    path.write_text(source)
    assert main(["list", "--extra", str(path)]) == USAGE_ERROR
    assert one_line_error(capsys) == f"proofcheck list: error: reviewer file {path}:{line}: {error}"


# ---- output paths are checked before anything is computed, exit 2 --------------------------------


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/proc/r.json", "--json: cannot write /proc/r.json: "),
        ("{tmp}", "--json: {tmp} is a directory; give a file path"),
        ("{tmp}/missing/r.json", "--json: directory {tmp}/missing does not exist (for {tmp}/missing/r.json)"),
        ("", "--json: the path is empty; give a file path"),
    ],
)
def test_run_checks_its_json_path_first(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch, path: str, message: str) -> None:
    monkeypatch.setattr("proofs_checks.claims_cli.run_claims", must_not_compute)
    assert main(["run", "degeneracy", "--json", path.format(tmp=tmp_path)]) == USAGE_ERROR
    assert one_line_error(capsys).startswith("proofcheck run: error: " + message.format(tmp=tmp_path))


@pytest.mark.parametrize(
    ("option", "path", "message"),
    [
        ("--json", "/proc/r.json", "--json: cannot write /proc/r.json: "),
        ("--plot", "/proc/figure", "--plot: cannot write /proc/figure.pdf: "),
        ("--plot", "{tmp}/missing/figure", "--plot: directory {tmp}/missing does not exist"),
        ("--plot", "", "--plot: the path is empty; give a file path"),
    ],
)
def test_experiment_checks_its_output_paths_first(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch, option: str, path: str,
                                                  message: str) -> None:
    monkeypatch.setattr(experiment_cli, "EXPERIMENTS", {name: None for name in experiment_cli.EXPERIMENTS})
    assert main(["experiment", "pg-flow", option, path.format(tmp=tmp_path)]) == USAGE_ERROR
    assert one_line_error(capsys).startswith("proofcheck experiment: error: " + message.format(tmp=tmp_path))


def test_check_output_path_creates_nothing_and_keeps_an_existing_file(tmp_path: Path) -> None:
    assert check_output_path(tmp_path / "new.json", "--json") == tmp_path / "new.json"
    assert not (tmp_path / "new.json").exists()
    kept = tmp_path / "kept.json"
    kept.write_text("old")
    assert check_output_path(kept, "--json") == kept and kept.read_text() == "old"
    with pytest.raises(OutputPathError, match=r"^--out: invalid path 'a\\x00b': "):
        check_output_path("a\0b", "--out")


def test_require_programs_names_the_missing_programs_and_their_debian_packages() -> None:
    require_programs({"sh": "dash"})
    with pytest.raises(MissingProgramError) as info:
        require_programs({"sh": "dash", "no-such-tex": "texlive-latex-base", "no-such-pdftotext": "poppler-utils",
                          "no-such-latexmk": "texlive-latex-base"})
    assert str(info.value) == ("no-such-tex, no-such-pdftotext, no-such-latexmk not found on PATH; "
                               "on Debian/Ubuntu: apt-get install texlive-latex-base poppler-utils")
    assert isinstance(info.value, ValueError)


# ---- outcomes: 0 as expected, 1 not as expected (run and show alike) -------------------------------


@pytest.fixture(scope="module")
def false_identity(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A reviewer file with one false identity, expected to hold."""
    path = tmp_path_factory.mktemp("reviewer") / "false_identity.py"
    path.write_text('from proofs_checks import identity_claim\n\n'
                    'identity_claim(id="cli-doubled-alpha", title="alpha equals 2 alpha (false)", lhs="2*alpha",\n'
                    '               rhs="alpha", domain={"alpha": ("0", "1")})\n')
    return path


def test_run_and_show_exit_1_when_a_claim_is_not_as_expected(capsys: pytest.CaptureFixture[str],
                                                             false_identity: Path) -> None:
    assert main(["run", "--jobs", "1", "--extra", str(false_identity), "cli-doubled-alpha"]) == EXIT_UNEXPECTED
    assert "UNEXPECTED" in capsys.readouterr().out
    assert main(["show", "--extra", str(false_identity), "cli-doubled-alpha"]) == EXIT_UNEXPECTED
    last = capsys.readouterr().out.splitlines()[-1]
    assert last.startswith("status: refuted, NOT as expected (expected: holds; ")


def test_show_prints_the_status_and_exits_0_when_as_expected(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "nc-validity-increasing"]) == EXIT_OK
    last = capsys.readouterr().out.splitlines()[-1]
    assert last.startswith("status: refuted, as expected (expected: refuted; judged on this claim's evidence alone")


# ---- internal errors: one line and a hint, the traceback with --debug ------------------------------


def broken(*args: object) -> None:
    raise ZeroDivisionError("division by zero")


def test_an_internal_error_is_one_line_with_a_hint(capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("proofs_checks.claims_cli.load_claims", broken)
    assert main(["list"]) == EXIT_INTERNAL_ERROR
    assert one_line_error(capsys) == ("proofcheck list: internal error: ZeroDivisionError: division by zero "
                                      "(rerun with --debug for the traceback)")


@pytest.mark.parametrize("argv", [["--debug", "list"], ["list", "--debug"]])
def test_debug_shows_the_traceback(monkeypatch: pytest.MonkeyPatch, argv: list[str]) -> None:
    monkeypatch.setattr("proofs_checks.claims_cli.load_claims", broken)
    with pytest.raises(ZeroDivisionError):
        main(argv)


def test_bad_input_stays_exit_2_under_debug(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--debug", "tilt", "--alpha", "0", "--beta", "1"]) == USAGE_ERROR
    assert one_line_error(capsys) == "proofcheck tilt: error: alpha must lie in (0, 1); got 0.0"


@pytest.mark.parametrize(("raised", "code", "err"), [(KeyboardInterrupt, EXIT_INTERRUPTED, "proofcheck: interrupted\n"),
                                                     (BrokenPipeError, EXIT_BROKEN_PIPE, "")])
def test_interrupt_and_closed_pipe_in_process(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                              raised: type[BaseException], code: int, err: str) -> None:
    def interrupted(*args: object) -> None:
        raise raised()

    monkeypatch.setattr("proofs_checks.claims_cli.load_claims", interrupted)
    assert main(["list"]) == code
    assert capsys.readouterr() == ("", err)


# ---- real processes: a closed pipe, Ctrl-C ---------------------------------------------------------


def proofcheck(*argv: str) -> list[str]:
    return [sys.executable, "-m", "proofs_checks", *argv]


@pytest.mark.parametrize("argv", [["list"], ["tilt", "--alpha", "0.05", "--beta", "1", "0.3", "0.1", "0.03"]])
def test_a_pipe_closed_early_ends_quietly_with_120(argv: list[str]) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # like `| head -1` that has already exited
    try:
        done = subprocess.run(proofcheck(*argv), stdout=write_end, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                              timeout=120)
    finally:
        os.close(write_end)
    assert (done.returncode, done.stderr) == (EXIT_BROKEN_PIPE, "")


def test_a_pipe_closed_by_head_in_a_shell_is_quiet() -> None:
    done = subprocess.run(["bash", "-c", f"{' '.join(proofcheck('list'))} | head -1; exit ${{PIPESTATUS[0]}}"],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode in (EXIT_OK, EXIT_BROKEN_PIPE)  # 0 when everything fit in the pipe before head left
    assert done.stdout.count("\n") == 1 and done.stderr == ""


def children(pid: int) -> set[int]:
    found = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found |= {int(child) for child in (task / "children").read_text().split()}
    return found


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs /proc to see the worker processes")
def test_ctrl_c_is_one_line_exit_130_and_leaves_no_worker() -> None:
    process = subprocess.Popen(proofcheck("run", "coverage-divergences", "--jobs", "2"), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, cwd=ROOT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not (workers := children(process.pid)) and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.1)
        assert workers, "the run started no worker process"
        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in a terminal does: the whole process group
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == EXIT_INTERRUPTED
    assert [line for line in err.splitlines() if not PROGRESS.match(line)] == ["proofcheck: interrupted"], err
    assert out == ""
    for pid in workers:
        assert not Path(f"/proc/{pid}").exists(), f"worker {pid} outlived the run"
    with pytest.raises(ProcessLookupError):
        os.killpg(process.pid, 0)  # nothing is left in the process group
