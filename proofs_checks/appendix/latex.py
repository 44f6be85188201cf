"""LaTeX rendering of free text and of SymPy formulas.

Claim titles, justifications, SymPy verdicts, experiment labels and findings
are plain text written for a terminal; they go into the appendix through
``escape_text``, so that no character of them can break the document. Claim
statements are text with inline ``$...$`` math and go through
``text_with_math``: the math is kept when it is well formed, the rest is
escaped.

Main definitions
- ``escape_text(text)``: every LaTeX special character (``\\ { } $ & # ^ _ % ~``)
  escaped, common Unicode symbols mapped to LaTeX, any other non-ASCII
  character written as ``[U+XXXX name]`` (accented Latin letters as
  LaTeX accents), and break points allowed inside long
  unbroken tokens (formulas written as text).
- ``prose(text)``: ``escape_text`` with the suite's ASCII names of symbols set
  as math: ``beta`` as $\\beta$, ``p_beta`` as $p_\\beta$, ``p_*`` as $p_*$,
  ``N_eff`` as $N_{\\mathrm{eff}}$, ``Y1`` as $\\mathcal{Y}_1$, ``<=`` as
  $\\le$, ``||`` as $\\|$, ... (``SYMBOLS``); other text unchanged. In a
  heading, each symbol is wrapped in ``\\texorpdfstring`` for the PDF bookmarks.
- ``text_with_math(text)``: ``$...$`` segments kept, as ``\\pcmath{...}`` (inline
  math, set on a line of its own and scaled down to fit when it is long), when
  ``is_safe_math`` accepts them; everything else through ``escape_text``.
- ``is_safe_math(math)``: balanced braces, no ``%``, ``#``, ``$`` or commands
  that change the document (``\\input``, ``\\def``, ``\\begin``, ...).
- ``label_key(claim_id)``: the id as a LaTeX label key: letters, digits and
  ``- . _ :`` kept, any other character written ``+XX`` (its code in hex),
  so that distinct ids give distinct keys.
- ``split_relation(formula)``: ``(left, relation and right)`` at the first
  relation (``=``, ``\\ge``, ``\\sim``, ...) outside braces and
  ``\\left ... \\right`` groups, so that a long step can be set on two lines.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["escape_text", "prose", "text_with_math", "is_safe_math", "label_key", "split_relation", "SYMBOLS"]

_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "^": r"\textasciicircum{}",
    "_": r"\_",
    "%": r"\%",
    "~": r"\textasciitilde{}",
    "<": r"\ensuremath{<}",
    ">": r"\ensuremath{>}",
    "|": r"\ensuremath{|}",
}
_UNICODE = {
    "α": r"\alpha", "β": r"\beta", "γ": r"\gamma", "δ": r"\delta", "ε": r"\varepsilon", "η": r"\eta",
    "θ": r"\theta", "λ": r"\lambda", "μ": r"\mu", "π": r"\pi", "σ": r"\sigma", "τ": r"\tau", "φ": r"\phi",
    "Δ": r"\Delta", "Σ": r"\Sigma", "≤": r"\le", "≥": r"\ge", "≈": r"\approx", "≠": r"\ne", "×": r"\times",
    "−": "-", "→": r"\to", "←": r"\leftarrow", "∞": r"\infty", "∈": r"\in", "∩": r"\cap", "∪": r"\cup",
    "·": r"\cdot", "±": r"\pm", "√": r"\surd", "∑": r"\sum", "∂": r"\partial", "∅": r"\emptyset",
}
_TEXT_UNICODE = {"–": "--", "—": "---", "‘": "`", "’": "'", "“": "``", "”": "''", "…": r"\dots{}", "\u00a0": "~"}
_ACCENTS = {"\u0301": "'", "\u0300": "`", "\u0308": '"', "\u0302": "^", "\u0303": "~", "\u0327": "c ", "\u030c": "v "}
"""Combining marks of accented Latin letters and the LaTeX accent commands that set them."""
_LONG_TOKEN = 24
"""Tokens longer than this many characters get break points after operators."""
_BREAK_AFTER = set("*/+-,;=(|")
_RELATIONS = ("=", r"\ge", r"\le", r"\geq", r"\leq", ">", "<", r"\sim", r"\to", r"\ne")
_GREEK = ("alpha", "beta", "gamma", "delta", "eta", "theta", "lambda", "mu", "sigma", "tau", "phi")
SYMBOLS: dict[str, str] = {
    **{name: f"\\{name}" for name in _GREEK},
    **{f"{name}_{index}": f"\\{name}_{index}" for name in _GREEK for index in ("i", "t", "0")},
    "mu_beta": r"\mu_\beta", "p_beta": r"p_\beta", "q_beta": r"q_\beta", "Z_beta": r"Z_\beta",
    "J_beta": r"J_\beta", "J*_beta": r"J^*_\beta", "J*": r"J^*", "p_*": r"p_*", "N_eff": r"N_{\mathrm{eff}}",
    "N_eff*": r"N^*_{\mathrm{eff}}", "Y1": r"\mathcal{Y}_1", "Y0": r"\mathcal{Y}_0", "Q": r"\mathcal{Q}",
    "->": r"\to", "<=": r"\le", ">=": r"\ge", "!=": r"\ne", "||": r"\|",
}
"""ASCII names used in the suite's messages and the LaTeX they stand for."""
_SYMBOL = re.compile("|".join(
    re.escape(name) if not name[0].isalpha() else rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])"
    for name in sorted(SYMBOLS, key=len, reverse=True)))
_UNSAFE_MATH = re.compile(
    r"\\(input|include|def|edef|gdef|xdef|let|catcode|begin|end|newcommand|renewcommand|providecommand|"
    r"write|immediate|openout|read|csname|makeatletter|section|item|par|verb)(?![A-Za-z])")


def _escape_char(char: str) -> str:
    if char in _SPECIAL:
        return _SPECIAL[char]
    if char.isascii():
        return char
    if char in _UNICODE:
        return f"\\ensuremath{{{_UNICODE[char]}}}"
    if char in _TEXT_UNICODE:
        return _TEXT_UNICODE[char]
    decomposed = unicodedata.normalize("NFD", char)
    if len(decomposed) == 2 and decomposed[0].isascii() and decomposed[1] in _ACCENTS:
        return f"{{\\{_ACCENTS[decomposed[1]]}{decomposed[0]}}}"
    name = unicodedata.name(char, "")
    return f"[U+{ord(char):04X}{' ' + name.lower() if name else ''}]"


def _escape_token(token: str, breakable: bool) -> str:
    pieces = []
    for char in token:
        pieces.append(_escape_char(char))
        if breakable and char in _BREAK_AFTER:
            pieces.append(r"\allowbreak{}")
    return "".join(pieces)


def escape_text(text: str) -> str:
    """``text`` as LaTeX that typesets the same characters; long unbroken tokens
    may break after ``* / + - , ; = ( |``."""
    return "".join(" " if token.isspace() else _escape_token(token, len(token) > _LONG_TOKEN)
                   for token in re.split(r"(\s+)", str(text)) if token)


def prose(text: str, heading: bool = False) -> str:
    """``text`` escaped, with the names of ``SYMBOLS`` set as math; in a
    ``heading`` each symbol also carries its plain name for PDF bookmarks."""
    out = []
    for token in re.split(r"(\s+)", str(text)):
        if not token or token.isspace():
            out.append(" " if token else "")
            continue
        breakable, start = len(token) > _LONG_TOKEN, 0
        for match in _SYMBOL.finditer(token):
            out.append(_escape_token(token[start:match.start()], breakable))
            math = f"\\ensuremath{{{SYMBOLS[match.group()]}}}"
            out.append(f"\\texorpdfstring{{{math}}}{{{escape_text(match.group())}}}" if heading else math)
            start = match.end()
        out.append(_escape_token(token[start:], breakable))
    return "".join(out)


def is_safe_math(math: str) -> bool:
    """True when ``math`` can be set in ``$...$`` without affecting anything else:
    balanced braces, no comment, parameter or math-shift characters, no command
    that defines, inputs or opens environments."""
    depth = 0
    escaped = False
    for char in math:
        if escaped:
            escaped = False
            continue
        if char == "\\":
            escaped = True
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth < 0:
                return False
        elif char in "%#$":
            return False
    return depth == 0 and not escaped and not _UNSAFE_MATH.search(math) and math.strip() != ""


def text_with_math(text: str) -> str:
    """Text with inline ``$...$`` math: safe math kept (as ``\\pcmath{...}``), the
    rest escaped. An unmatched ``$`` is typeset as a dollar sign."""
    parts = re.split(r"(?<!\\)\$", str(text))
    if len(parts) % 2 == 0:  # an odd number of $: nothing is math
        return escape_text(text)
    out = []
    for index, part in enumerate(parts):
        if index % 2 == 0:
            out.append(escape_text(part))
        elif is_safe_math(part):
            out.append(f"\\pcmath{{{part}}}")
        else:
            out.append(escape_text(f"${part}$"))
    return "".join(out)


def label_key(claim_id: str) -> str:
    """``claim_id`` with every character outside ``[A-Za-z0-9-._:]`` (and ``+``) as ``+XX``."""
    return "".join(c if c.isascii() and (c.isalnum() or c in "-._:") else f"+{ord(c):02X}" for c in str(claim_id))


def split_relation(formula: str) -> tuple[str, str]:
    """``(left, rest)`` where ``rest`` starts with the first top-level relation of
    ``formula``; ``(formula, "")`` when there is none."""
    depth = 0
    index = 0
    while index < len(formula):
        if formula.startswith(r"\left", index) and not formula[index + 5:index + 6].isalpha():
            depth += 1
            index += 5
            continue
        if formula.startswith(r"\right", index) and not formula[index + 6:index + 7].isalpha():
            depth -= 1
            index += 6
            continue
        char = formula[index]
        if char == "\\" and index + 1 < len(formula) and not formula[index + 1].isalpha():
            index += 2  # an escaped character such as \{ or \|
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif depth == 0 and index > 0 and formula[index - 1] == " ":
            for relation in _RELATIONS:
                end = index + len(relation)
                if formula.startswith(relation, index) and (end == len(formula) or formula[end] in " {"):
                    return formula[:index].rstrip(), formula[index:]
        index += 1
    return formula, ""
