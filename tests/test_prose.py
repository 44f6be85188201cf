"""Prose with math: one source rendered for LaTeX, plain text and MathML, on every string the claims use."""

from __future__ import annotations

import re

import pytest

from proofs_checks import load_claims
from proofs_checks.assumptions import STANDING
from proofs_checks.experiments import EXPERIMENTS
from proofs_checks.notation_table import NOTATION
from proofs_checks.paper import STATEMENTS
from proofs_checks.prose import ProseError, ascii_to_prose, expand_macros, split_math, to_latex, to_mathml, to_plain


def test_to_plain_reads_as_the_suite_writes_formulas() -> None:
    cases = {
        r"$\beta$": "beta",
        r"$\mu_\beta = \sigma(1/\beta + \logit\alpha)$": "mu_beta = sigma(1/beta + logit alpha)",
        r"$\frac{a}{b}$ and $\frac{1-\alpha}{\alpha}$": "a/b and (1-alpha)/alpha",
        r"$p_\beta(\cdot\mid\mathcal{Y}_1) = p_*$": "p_beta(.|Y1) = p_*",
        r"$\sum_y a(y) = 1$": "sum_y a(y) = 1",
        r"$x \le y \ge z \to 0$": "x <= y >= z -> 0",
        r"$e^{1/\beta}$": "e^(1/beta)",
        r"$\Neff(q) = \exp H(q)$": "N_eff(q) = exp H(q)",
        r"$\KL(q\,\|\,p_\beta)$": "KL(q || p_beta)",
        r"$\mathbb{E}_q[v]$": "E_q[v]",
        r"$\frac{d}{dt}\log r_y$": "d/dt log r_y",
        r"$2^{L/2}$": "2^(L/2)",
        "no math at all": "no math at all",
    }
    for source, plain in cases.items():
        assert to_plain(source) == plain, source


def test_to_latex_escapes_prose_and_keeps_safe_math() -> None:
    assert to_latex(r"for $x_1$, 5% more") == r"for \pcmath{x_1}, 5\% more"
    assert to_latex(r"$\input{f}$") == r"\$\textbackslash{}input\{f\}\$"
    assert to_latex("one $ alone") == r"one \$ alone"


def test_to_mathml_converts_math_and_refuses_unknown_commands() -> None:
    html = to_mathml(r"a < b and $\mu_\beta \le 1$")
    assert html.startswith("a &lt; b and <math") and "<mi>\\" not in html
    with pytest.raises(ProseError, match=r"\\nosuchmacro"):
        to_mathml(r"$\nosuchmacro x$")
    with pytest.raises(ProseError, match="unmatched"):
        split_math("one $ alone")
    assert expand_macros(r"\Neff") == r"{N_{\mathrm{eff}}}"


def test_ascii_to_prose_sets_the_suite_notation_as_math() -> None:
    assert ascii_to_prose("A seed 0 markov-1 beta=0.01: N_eff <= 2^(L/2)") == (
        r"A seed $0$ markov-1 $\beta=0.01$: $\Neff \le 2^{L/2}$")
    assert to_plain(ascii_to_prose("forward KL: |mu - alpha|")) == "forward KL: |mu - alpha|"
    assert ascii_to_prose(r"already $x$ prose") == r"already $x$ prose"


def _claim_texts() -> list[str]:
    texts = []
    for claim in load_claims().values():
        texts += [claim.statement, claim.title, claim.qualification]
        if "symbolic" in claim.checks:
            derivation = claim.checks["symbolic"]()
            texts += [derivation.scope] + [step.because for step in derivation.steps]
    texts += [a.statement for a in STANDING] + [s.text for s in STATEMENTS]
    texts += [text for n in NOTATION for text in (n.meaning, n.definition, f"${n.latex}$")]
    for experiment in EXPERIMENTS.values():
        texts += [experiment.title, *experiment.setup, *experiment.captions.values()]
        texts += [text for t in experiment.thresholds for text in (t.what, t.value, t.reason)]
    return [text for text in texts if text]


def test_every_string_the_claims_use_renders_in_all_three_forms() -> None:
    for text in _claim_texts():
        prose = ascii_to_prose(text)
        plain = to_plain(prose)
        assert "$" not in plain and not re.search(r"\\[A-Za-z]", plain), (text, plain)
        assert "<mi>\\" not in to_mathml(prose), text
        assert "\\pcmath" in to_latex(prose) or "$" not in prose, text
