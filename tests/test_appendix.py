"""The LaTeX appendix: golden derivations, a real pdflatex build, the staleness check, escaping.

The full-document tests build the appendix from the evidence of the session's
``proofcheck_session`` (shared with ``tests/test_claims.py``), so a complete
test run does the claims run only once; the LaTeX build, its PDF and the web
version are made once per session (``tests/appendix_builds.py``) and shared with
``tests/test_appendix_lint.py``. The web version is loaded in headless Chromium.

Golden files (``tests/golden/*.tex``) are regenerated deliberately, never by a
test: ``python tests/test_appendix.py --update-golden``.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from appendix_builds import full_appendix, full_run, full_site
from proofs_checks.appendix import (
    LatexError, LatexNotInstalled, build_appendix, check_appendix, compile_pdf, render_derivation,
)
from proofs_checks.appendix.browser import CHROMIUM_PACKAGE, Browser, BrowserNotInstalled, find_chromium
from proofs_checks.appendix.document import readable_value, summarize_bounds
from proofs_checks.appendix.graph import dot_source, layout, node_label_lines
from proofs_checks.appendix.html import claim_page
from proofs_checks.appendix.latex import escape_text, label_key, split_relation
from proofs_checks.appendix.manifest import MANIFEST_NAME, evidence_hash
from proofs_checks.appendix.render import latex_number
from proofs_checks.claim import REGISTRY, Claim, Evidence
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
def full(proofcheck_session) -> RunResult:
    return full_run(proofcheck_session)


@pytest.fixture(scope="module")
def built(proofcheck_session, tmp_path_factory) -> Path:
    return full_appendix(proofcheck_session, tmp_path_factory)


@pytest.fixture(scope="module")
def site(proofcheck_session, tmp_path_factory) -> Path:
    return full_site(proofcheck_session, tmp_path_factory)


def test_appendix_compiles_and_names_every_claim(full, built: Path) -> None:
    pdf = built / "appendix.pdf"
    assert pdf.is_file()
    log = (built / "appendix.log").read_text(errors="replace")
    assert "Overfull \\hbox" not in log, "a line of the appendix runs into the margin"
    assert "undefined" not in log.lower().replace("undefined references", ""), "an undefined reference or macro"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    missing = [cid for cid in full.results if cid not in text]
    assert not missing, f"claim ids missing from the PDF text: {missing}"
    for figure in ("validity-rate", "forward-kl"):
        assert (built / "figures" / f"{figure}.pdf").is_file()
    for heading in ("Reproducing this run", "Notation", "Standing assumptions", "The paper and the verdicts",
                    "Experiments", "Used by:"):
        assert heading in text, heading
    assert full.experiments and all(f"Experiment {name}" in text.replace("\n", " ") for name in full.experiments)


def test_every_figure_is_referenced_and_fonts_are_embedded_never_type_3(built: Path) -> None:
    body = (built / "body.tex").read_text()
    labels = re.findall(r"\\label\{(fig:[^}]*)\}", body)
    assert labels
    for label in labels:
        assert body.count(f"\\ref{{{label}}}") >= 1, f"figure {label} is never referenced"
    pdfs = [built / "appendix.pdf", *sorted((built / "figures").glob("*.pdf"))]
    for pdf in pdfs:
        fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
        assert fonts or pdf.name != "appendix.pdf"
        for line in fonts:
            assert "Type 3" not in line, f"{pdf.name}: a Type 3 font: {line}"
            assert line.split()[-5] == "yes", f"{pdf.name}: a font is not embedded: {line}"


def test_web_appendix_loads_in_chromium_without_errors_and_reaches_every_claim(full, site: Path, tmp_path: Path) -> None:
    try:
        find_chromium()
    except BrowserNotInstalled:
        pytest.fail(f"no Chromium browser: install the Debian package {CHROMIUM_PACKAGE} (CI installs it)")
    pages = [site / "index.html", *[site / claim_page(cid) for cid in full.results]]
    assert all(page.is_file() for page in pages)
    with Browser() as browser:
        errors, graph_targets = {}, set()
        for page in pages:
            loaded = browser.load(page.resolve().as_uri())
            if loaded.errors:
                errors[page.name] = loaded.errors
            if page.name == "index.html":
                graph_targets = set(browser.evaluate(
                    "Array.from(document.querySelectorAll('.graph svg a')).map(a => new URL("
                    "a.getAttribute('href') || a.getAttribute('xlink:href'), document.baseURI).href)"))
                browser.screenshot(tmp_path / "index.png")
        assert not errors, f"console errors: {errors}"
    assert (tmp_path / "index.png").stat().st_size > 10_000
    unreachable = [cid for cid in full.results if (site / claim_page(cid)).resolve().as_uri() not in graph_targets]
    assert not unreachable, f"claims the graph does not link to: {unreachable}"
    for cid in full.results:
        assert "<mi>\\" not in (site / claim_page(cid)).read_text(), cid


def test_body_states_the_packages_it_needs_and_the_evidence_hash(full, built: Path) -> None:
    body = (built / "body.tex").read_text()
    assert "\\usepackage{amsmath,amssymb,graphicx,booktabs,longtable,tabularx,xcolor,tikz,adjustbox,hyperref}" in body
    assert "\\documentclass" not in body and "\\begin{document}" not in body
    manifest = json.loads((built / MANIFEST_NAME).read_text())
    assert manifest["evidence_sha256"] in body
    report = json.loads((built / "report.json").read_text())
    assert evidence_hash(report) == manifest["evidence_sha256"]
    registry_order = [cid for cid in REGISTRY if cid in full.results]
    assert [c["id"] for c in report["claims"]] == registry_order, "claims are not in registry order"
    for claim_id in full.results:
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


def test_check_with_pdf_checks_the_pdf_and_html_does_not_apply(built: Path, tmp_path: Path, capsys) -> None:
    assert main(["appendix", "--check", str(built), "--pdf"]) == 0
    assert "and so is its PDF" in capsys.readouterr().out
    copy = tmp_path / "copy"
    _copy(built, copy)
    (copy / "appendix.pdf").unlink()
    assert main(["appendix", "--check", str(copy), "--pdf"]) == 1
    assert "appendix.pdf is missing" in capsys.readouterr().err
    assert main(["appendix", "--check", str(built), "--html", str(tmp_path / "site")]) == 2
    assert "--html does not apply" in capsys.readouterr().err


def test_bad_output_paths_and_missing_programs_fail_before_any_run(tmp_path: Path, monkeypatch, capsys) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert main(["appendix", "-o", str(blocker / "sub" / "dir")]) == 2
    assert "-o/--output" in capsys.readouterr().err
    assert main(["appendix", "-o", str(tmp_path / "out"), "--html", str(blocker / "site")]) == 2
    assert "--html" in capsys.readouterr().err
    monkeypatch.setenv("PATH", str(tmp_path))
    assert main(["appendix", "-o", str(tmp_path / "out"), "--pdf"]) == 2
    err = capsys.readouterr().err
    assert "graphviz" in err and "texlive-latex-base" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


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


def test_readable_value_writes_drawn_values_without_python_reprs() -> None:
    assert readable_value("(BinaryRewardProblem([0.5, 0.5], [1, 0]), 1.0)", ("problem", "b")) == (
        "problem: $a = (0.5, 0.5)$, $v = (1, 0)$; b: $1.0$")
    assert readable_value("(array([0.25, 0.75]), 0.5)") == "$(0.25, 0.75)$; $0.5$"


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


def test_bound_summary_counts_ranks_and_keeps_every_violation_but_not_definitional_checks() -> None:
    checks = [{"label": "a", "value": 0.5, "relation": "<", "bound": 1.0, "passed": True},
              {"label": "b", "value": 0.99, "relation": "<", "bound": 1.0, "passed": True},
              {"label": "c", "value": 2.0, "relation": ">", "bound": 1.0, "passed": True},
              {"label": "d", "value": 1.0, "relation": "== (within 1e-12)", "bound": 1.0, "passed": True},
              {"label": "e", "value": 3.0, "relation": "<", "bound": 1.0, "passed": False},
              {"label": "frontier A gamma=0.5: largest logit gradient", "value": 9.99e-10, "relation": "<",
               "bound": 1e-9, "passed": True}]
    summary = summarize_bounds(checks, ("frontier",), tightest=2)
    assert (summary.total, summary.holding) == (6, 5)
    assert [c["label"] for c, _ in summary.tightest] == ["b", "a"]
    assert summary.tightest[0][1] == pytest.approx(0.01)
    assert [c["label"] for c in summary.violated] == ["e"]
    assert summary.definitional == 2


def test_graph_is_laid_out_by_dot_with_controls_in_their_own_cluster() -> None:
    uses = {"a": (), "b": ("a",), "c": ("a", "b"), "nc-d": ("a",)}
    source = dot_source(uses, {c: f"A.1.{i}" for i, c in enumerate(uses, 1)}, dict.fromkeys(uses, "FFFFFF"),
                        ["nc-d"], {c: claim_page(c) for c in uses})
    assert "subgraph cluster_controls" in source and 'URL="claims/b.html"' in source
    laid = layout(source)
    assert {n.id for n in laid.nodes} == set(uses)
    assert {(e.source, e.target) for e in laid.edges} == {("a", "b"), ("a", "c"), ("b", "c"), ("a", "nc-d")}
    assert all(len(e.points) % 3 == 1 for e in laid.edges), "edges are cubic Bezier splines"
    x0, y0, x1, y1 = laid.cluster
    control = next(n for n in laid.nodes if n.id == "nc-d")
    assert x0 < control.x < x1 and y0 < control.y < y1
    assert all(not (x0 < n.x < x1 and y0 < n.y < y1) for n in laid.nodes if n.id != "nc-d")
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
