"""Lint of the appendix: no machine text leaks into the LaTeX or the PDF.

Two builds are linted: the full appendix (built once per session, shared with
``tests/test_appendix.py``) and a build of a few claims from the same evidence
(no new computation). Each is read as LaTeX (``body.tex``) and as the text of
the compiled PDF (``pdftotext``), and fails on: carets or underscores outside
math, ``**``, SymPy's ``Sum(``, ``oo`` and ``_P`` dummies, Python reprs, and a
failure line printed twice.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from appendix_builds import full_appendix, partial_run
from proofs_checks.appendix import build_appendix, compile_pdf

_PDF_LEAKS = {
    "a caret outside math": re.compile(r"\^"),
    "an underscore outside math": re.compile(r"_"),
    "a Python power **": re.compile(r"\*\*"),
    "SymPy's Sum(": re.compile(r"\bSum\("),
    "SymPy's oo": re.compile(r"(?<![A-Za-z])oo(?![A-Za-z])"),
    "a SymPy dummy _P": re.compile(r"_P\b"),
    "a Python repr": re.compile(r"\b[A-Z][A-Za-z]+\(\[|\barray\(|\{'|'\}|<[a-z_.]+ object at"),
}
_TEX_LEAKS = {
    "an escaped underscore (machine text)": re.compile(r"\\_"),
    "an escaped caret (machine text)": re.compile(r"\\textasciicircum"),
    "a Python power **": re.compile(r"\*\*"),
    "SymPy's Sum(": re.compile(r"\bSum\("),
}


def _prose_of_tex(tex: str) -> str:
    """``body.tex`` without its comments, typewriter text and PDF bookmark strings (where escaped
    underscores are the file names and ids they stand for)."""
    tex = re.sub(r"(?m)(?<!\\)%.*$", "", tex)
    tex = re.sub(r"\\texttt\{(?:[^{}]|\{[^{}]*\})*\}", "", tex)
    tex = re.sub(r"\\label\{[^}]*\}|\\ref\*?\{[^}]*\}|\\hyperref\[[^\]]*\]", "", tex)
    braced = r"\{(?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*\}"  # up to two levels of nested braces
    return re.sub(rf"(\\texorpdfstring{braced}){braced}", r"\1", tex)


def _leaks(text: str, patterns: dict[str, re.Pattern[str]]) -> list[str]:
    found = []
    for what, pattern in patterns.items():
        for match in pattern.finditer(text):
            found.append(f"{what}: ...{text[max(0, match.start() - 60):match.end() + 40]!r}...")
            break
    return found


_FAILURE = re.compile(r"refuted|failed|inconclusive|counterexample|does not hold|fails", re.I)


def _repeated_lines(text: str) -> list[str]:
    """Long failure lines that appear twice within a few lines of each other (a failure printed twice)."""
    lines = [" ".join(line.split()) for line in text.splitlines()]
    repeated = []
    for index, line in enumerate(lines):
        if len(line) >= 40 and _FAILURE.search(line) and line in lines[index + 1:index + 6]:
            repeated.append(line)
    return repeated


def _pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def builds(proofcheck_session, tmp_path_factory) -> list[Path]:
    partial = tmp_path_factory.mktemp("appendix-partial")
    build_appendix(partial_run(proofcheck_session), partial)
    compile_pdf(partial)
    return [full_appendix(proofcheck_session, tmp_path_factory), partial]


@pytest.mark.parametrize("which", [0, 1], ids=["full", "partial"])
def test_no_machine_text_leaks_into_the_latex(builds: list[Path], which: int) -> None:
    leaks = _leaks(_prose_of_tex((builds[which] / "body.tex").read_text()), _TEX_LEAKS)
    assert not leaks, "\n".join(leaks)


@pytest.mark.parametrize("which", [0, 1], ids=["full", "partial"])
def test_no_machine_text_leaks_into_the_pdf(builds: list[Path], which: int) -> None:
    text = _pdf_text(builds[which] / "appendix.pdf")
    leaks = _leaks(text, _PDF_LEAKS)
    assert not leaks, "\n".join(leaks)
    repeated = _repeated_lines(text)
    assert not repeated, f"lines printed twice: {repeated[:3]}"


def test_the_lint_catches_what_it_looks_for() -> None:
    assert _leaks("x_1 and e^{1/beta}", _PDF_LEAKS)[0].startswith("a caret")
    assert _leaks("Sum(q[y], (y, 1, n)) t**(-2) oo", _PDF_LEAKS)
    assert _leaks("(BinaryRewardProblem([0.5, 0.5], [1, 0]), 1.0)", _PDF_LEAKS)
    assert not _leaks("N eff ≤ 2L/2 and µβ → 1, coverage of p∗", _PDF_LEAKS)
    assert _repeated_lines("step 1 of 1 refuted: SymPy computes the limit\nx\nstep 1 of 1 refuted: SymPy computes the limit")
    assert not _repeated_lines("SymPy: verified: the difference reduces to 0.\nSymPy: verified: the difference reduces to 0.")
    assert _leaks(_prose_of_tex(r"\texttt{proofs\_checks} a\_b"), _TEX_LEAKS)
    assert not _leaks(_prose_of_tex(r"\texttt{proofs\_checks} \texorpdfstring{$p_*$}{p\_*}"), _TEX_LEAKS)
