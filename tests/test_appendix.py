"""The LaTeX appendix: golden derivations, a real pdflatex build, the staleness check, escaping.

The full-document tests build the appendix from the evidence of the session's
``proofcheck_session`` (shared with ``tests/test_claims.py``), so a complete
test run does the claims run only once.

Golden files (``tests/golden/*.tex``) are regenerated deliberately, never by a
test: ``python tests/test_appendix.py --update-golden``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from proofs_checks.appendix import (
    LatexError, LatexNotInstalled, build_appendix, check_appendix, compile_pdf, render_derivation,
)
from proofs_checks.appendix.graph import layout_claim_graph, longest_path_layers, node_label_lines
from proofs_checks.appendix.latex import escape_text, label_key, prose, split_relation, text_with_math
from proofs_checks.appendix.manifest import MANIFEST_NAME, evidence_hash
from proofs_checks.appendix.render import latex_number, summarize_bounds
from proofs_checks.claim import REGISTRY, Claim, Evidence, RegistryError
from proofs_checks.cli import main
from proofs_checks.layers import RunConfig, run_layer
from proofs_checks.runner import ClaimResult, RunResult

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"
GOLDEN_CLAIMS = ("gibbs-identity", "beta-mu", "nc-validity-increasing")
GOLDEN_CONFIG = RunConfig()
HOSTILE = r"50% of a_b & c #1 \ {x} ~y^z $ <|> Dymetman’s ≥ β"


def _symbolic_evidence(session, claim_id: str) -> Evidence:
    """The claim's symbolic evidence at the golden configuration (the session's, when it matches)."""
    if session is not None and session.config == GOLDEN_CONFIG:
        return session.layer(claim_id, "symbolic")
    from proofs_checks import load_claims

    return run_layer(load_claims()[claim_id], "symbolic", GOLDEN_CONFIG)


@pytest.mark.parametrize("claim_id", GOLDEN_CLAIMS)
def test_derivation_latex_matches_golden(proofcheck_session, claim_id: str) -> None:
    rendered = render_derivation(_symbolic_evidence(proofcheck_session, claim_id))
    expected = (GOLDEN / f"{claim_id}.derivation.tex").read_text()
    assert rendered == expected, (f"the LaTeX of {claim_id}'s derivation changed; if intended, regenerate with "
                                  "`python tests/test_appendix.py --update-golden` and review the diff")


# --- the full document -------------------------------------------------------------

@pytest.fixture(scope="module")
def full_run(proofcheck_session) -> RunResult:
    for claim_id in list(proofcheck_session.claims):
        proofcheck_session.claim(claim_id)
    return proofcheck_session.result()


@pytest.fixture(scope="module")
def built(full_run, tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("appendix")
    build_appendix(full_run, directory)
    return directory


def test_appendix_compiles_and_names_every_claim(full_run, built: Path) -> None:
    pdf = compile_pdf(built)
    assert pdf.is_file()
    log = (built / "appendix.log").read_text(errors="replace")
    assert "Overfull \\hbox" not in log, "a line of the appendix runs into the margin"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    missing = [cid for cid in full_run.results if cid not in text]
    assert not missing, f"claim ids missing from the PDF text: {missing}"
    for figure in ("validity-rate", "forward-kl"):
        assert (built / "figures" / f"{figure}.pdf").is_file()


def test_body_states_the_packages_it_needs_and_the_evidence_hash(full_run, built: Path) -> None:
    body = (built / "body.tex").read_text()
    assert "\\usepackage{amsmath,amssymb,graphicx,booktabs,longtable,tabularx,xcolor,tikz,adjustbox,hyperref}" in body
    assert "\\documentclass" not in body and "\\begin{document}" not in body
    manifest = json.loads((built / MANIFEST_NAME).read_text())
    assert manifest["evidence_sha256"] in body
    report = json.loads((built / "report.json").read_text())
    assert evidence_hash(report) == manifest["evidence_sha256"]
    registry_order = [cid for cid in REGISTRY if cid in full_run.results]
    assert [c["id"] for c in report["claims"]] == registry_order, "claims are not in registry order"
    for claim_id in full_run.results:
        assert f"\\label{{claim:{label_key(claim_id)}}}" in body


def test_check_passes_on_a_fresh_appendix_and_names_what_is_stale(built: Path, tmp_path: Path, capsys) -> None:
    assert check_appendix(built) == []
    assert main(["appendix", "--check", str(built)]) == 0

    edited = tmp_path / "edited"
    _copy(built, edited)
    with (edited / "body.tex").open("a") as body:
        body.write("% a hand edit\n")
    assert check_appendix(edited) == ["generated files changed: body.tex"]
    capsys.readouterr()
    assert main(["appendix", "--check", str(edited)]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "stale" in err and "body.tex" in err

    _copy(built, edited)
    manifest = json.loads((edited / MANIFEST_NAME).read_text())
    manifest["sources"]["proofs_checks/claim.py"] = "0" * 64
    manifest["sources_sha256"] = "0" * 64
    manifest["environment"]["sympy"] = "0.0"
    (edited / MANIFEST_NAME).write_text(json.dumps(manifest))
    reasons = check_appendix(edited)
    assert "source files changed: proofs_checks/claim.py" in reasons
    assert any(r.startswith("library versions differ (sympy 0.0 -> ") for r in reasons)

    (edited / "figures" / "forward-kl.pdf").unlink()
    assert "generated files missing: figures/forward-kl.pdf" in check_appendix(edited)


def test_check_of_a_directory_without_manifest_fails(tmp_path: Path, capsys) -> None:
    assert main(["appendix", "--check", str(tmp_path)]) == 1
    assert "no manifest.json" in capsys.readouterr().err


def _copy(source: Path, target: Path) -> None:
    import shutil

    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target)


def test_a_latex_error_names_the_error_and_the_log(tmp_path: Path) -> None:
    (tmp_path / "appendix.tex").write_text("\\documentclass{article}\\begin{document}\\undefinedmacro\\end{document}\n")
    with pytest.raises(LatexError, match=r"Undefined control sequence.*\(log: .*appendix\.log\)"):
        compile_pdf(tmp_path)


def test_without_a_latex_engine_the_debian_packages_are_named(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(LatexNotInstalled, match="texlive-latex-extra"):
        compile_pdf(tmp_path)


# --- hostile text ------------------------------------------------------------------

def _hostile_run() -> RunResult:
    """A run of one made-up claim whose every text field is hostile to LaTeX."""
    claim = Claim(id="hostile_id%#{x}", title=HOSTILE, source="extension",
                  statement=f"For $x_1 > 0$ and {HOSTILE} and $\\input{{evil}}$ and $a % b$ end.",
                  uses=(), expected="refuted")
    steps = [{"statement": "x = y", "latex": r"x_{1} = \frac{y}{2} \quad (\beta \to 0^{+})", "because": HOSTILE,
              "outcome": "refuted", "detail": HOSTILE}]
    evidence = [
        Evidence("symbolic", "refuted", HOSTILE, {"scope": HOSTILE, "complete": False, "steps": steps,
                                                   "definitions": [r"Z_{\beta} = 1 - \alpha"]}, {HOSTILE: HOSTILE}),
        Evidence("numeric", "refuted", HOSTILE, {"dps": 50, "cases": 3, "max_residual": "1.5e-400",
                                                  "tolerance": "1.0e-40", "worst_case": HOSTILE}, HOSTILE),
        Evidence("property", "refuted", HOSTILE, {"examples": 3, "seed": 0}, HOSTILE),
        Evidence("experiment", "refuted", HOSTILE, {
            "experiments": [HOSTILE],
            "checks": [{"label": HOSTILE, "value": 2.0, "relation": "<", "bound": 1.0, "passed": False},
                       {"label": HOSTILE, "value": 0.5, "relation": "<=", "bound": 1.0, "passed": True},
                       {"label": HOSTILE, "value": 1.0, "relation": "== (within 1e-12)", "bound": 1.0, "passed": True}],
            "findings": [HOSTILE, "N_eff in [1, 1] at beta <= 0.01 for p_beta"]}, HOSTILE),
    ]
    return RunResult(RunConfig(), {claim.id: ClaimResult(claim, evidence, "refuted")}, {})


def test_hostile_text_compiles(tmp_path: Path) -> None:
    build_appendix(_hostile_run(), tmp_path)
    body = (tmp_path / "body.tex").read_text()
    assert "\\input{evil}" not in body.replace("\\textbackslash{}input\\{evil\\}", "")
    pdf = compile_pdf(tmp_path)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "50% of a" in text and "& c #1" in text and "{x}" in text


# --- units -------------------------------------------------------------------------

def test_escape_text_escapes_every_special_character() -> None:
    assert escape_text("a_b%c&d#e$f") == r"a\_b\%c\&d\#e\$f"
    assert escape_text("\\{}") == r"\textbackslash{}\{\}"
    assert escape_text("~^") == r"\textasciitilde{}\textasciicircum{}"
    assert escape_text("β ≥ é") == r"\ensuremath{\beta} \ensuremath{\ge} {\'e}"
    assert "[U+2603 snowman]" in escape_text("☃")
    assert r"\allowbreak" in escape_text("alpha*exp(1/beta)/(beta**2*(alpha*exp(1/beta)))")
    assert r"\allowbreak" not in escape_text("short*one")


def test_prose_sets_the_suite_symbols_as_math_and_only_whole_names() -> None:
    assert prose("p_beta -> p_* as beta -> 0") == (r"\ensuremath{p_\beta} \ensuremath{\to} \ensuremath{p_*} as "
                                                   r"\ensuremath{\beta} \ensuremath{\to} 0")
    assert prose("betas alphabet") == "betas alphabet"
    assert prose("N_eff/N_eff*") == r"\ensuremath{N_{\mathrm{eff}}}/\ensuremath{N^*_{\mathrm{eff}}}"
    assert prose("beta", heading=True) == r"\texorpdfstring{\ensuremath{\beta}}{beta}"


def test_text_with_math_keeps_safe_math_only() -> None:
    assert text_with_math(r"for $x_1$, 5% more") == r"for \pcmath{x_1}, 5\% more"
    assert text_with_math(r"$\input{f}$") == r"\$\textbackslash{}input\{f\}\$"
    assert text_with_math("$a}{$") == r"\$a\}\{\$"
    assert text_with_math("one $ alone") == r"one \$ alone"


def test_split_relation_splits_at_the_top_level_relation() -> None:
    assert split_relation(r"\lim_{\beta \to 0^+}\left(x = y\right) = 0") == (r"\lim_{\beta \to 0^+}\left(x = y\right)", "= 0")
    assert split_relation(r"a \ge b") == ("a", r"\ge b")
    assert split_relation(r"a \geq b") == ("a", r"\geq b")
    assert split_relation(r"\log{\left(x \right)}") == (r"\log{\left(x \right)}", "")


def test_label_key_is_injective_on_special_characters() -> None:
    assert label_key("gibbs-identity") == "gibbs-identity"
    assert label_key("a%b") != label_key("a#b")
    assert label_key("a b") == "a+20b"


def test_latex_number_reads_mpmath_strings_exactly() -> None:
    assert latex_number("2.6728e-51") == r"2.673 \times 10^{-51}"
    assert latex_number("1.0e-400") == "10^{-400}"
    assert latex_number("+inf") == r"+\infty"
    assert latex_number(0.0) == "0"
    assert latex_number(0.012345678) == "0.01235"
    assert latex_number("n/a") == r"\text{n/a}"


def test_bound_summary_counts_ranks_and_keeps_every_violation() -> None:
    checks = [{"label": "a", "value": 0.5, "relation": "<", "bound": 1.0, "passed": True},
              {"label": "b", "value": 0.99, "relation": "<", "bound": 1.0, "passed": True},
              {"label": "c", "value": 2.0, "relation": ">", "bound": 1.0, "passed": True},
              {"label": "d", "value": 1.0, "relation": "== (within 1e-12)", "bound": 1.0, "passed": True},
              {"label": "e", "value": 3.0, "relation": "<", "bound": 1.0, "passed": False}]
    summary = summarize_bounds(checks, tightest=2)
    assert (summary.total, summary.holding) == (5, 4)
    assert [c["label"] for c, _ in summary.tightest] == ["b", "a"]
    assert summary.tightest[0][1] == pytest.approx(0.01)
    assert [c["label"] for c in summary.violated] == ["e"]


def test_graph_layers_are_longest_paths_and_edges_follow_uses() -> None:
    uses = {"a": (), "b": ("a",), "c": ("a", "b"), "d": ()}
    assert longest_path_layers(uses) == {"a": 0, "b": 1, "c": 2, "d": 0}
    layout = layout_claim_graph(uses)
    assert layout.layers == 3
    long_edge = next(e for e in layout.edges if (e.source, e.target) == ("a", "c"))
    assert len(long_edge.via) == 1 and long_edge.via[0][0] == next(n.x for n in layout.nodes if n.id == "b")
    with pytest.raises(RegistryError, match="cycle"):
        longest_path_layers({"a": ("b",), "b": ("a",)})
    assert node_label_lines("misspecified-without-collapse") == ("misspecified-", "without-collapse")


def test_claims_index_in_docs_is_current() -> None:
    generated = subprocess.run([sys.executable, "-m", "proofs_checks.appendix.claims_index"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout
    assert (ROOT / "docs" / "claims.md").read_text() == generated, (
        "docs/claims.md is stale: python -m proofs_checks.appendix.claims_index > docs/claims.md")


def _update_golden() -> None:
    from proofs_checks.pytest_plugin import ClaimSession

    session = ClaimSession(GOLDEN_CONFIG, planned=[], jobs=1)
    GOLDEN.mkdir(exist_ok=True)
    for claim_id in GOLDEN_CLAIMS:
        path = GOLDEN / f"{claim_id}.derivation.tex"
        path.write_text(render_derivation(_symbolic_evidence(session, claim_id)))
        print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    if sys.argv[1:] != ["--update-golden"]:
        sys.exit("usage: python tests/test_appendix.py --update-golden")
    _update_golden()
