"""LaTeX rendering of free text and of SymPy formulas.

Text goes into the appendix through ``escape_text``, so that no character of
it can break the document; prose with inline ``$...$`` math goes through
``proofs_checks.prose.to_latex``, which keeps the math when ``is_safe_math``
accepts it and escapes the rest.

Main definitions
- ``escape_text(text)``: every LaTeX special character (``\\ { } $ & # ^ _ % ~``)
  escaped, common Unicode symbols mapped to LaTeX, any other non-ASCII
  character written as ``[U+XXXX name]`` (accented Latin letters as
  LaTeX accents), and break points allowed inside long
  unbroken tokens (formulas written as text).
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

__all__ = ["escape_text", "is_safe_math", "label_key", "split_relation"]

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
