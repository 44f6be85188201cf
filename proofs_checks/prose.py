"""Prose with mathematics: one source, rendered for LaTeX, the terminal and the web.

Justifications, statements, findings and captions are written as text with
inline math in ``$...$`` (LaTeX inside, e.g. ``"since $e^{1/\\beta} > 1$"``).
The same source is set in the PDF, printed on the terminal and shown on the web
page, so the three cannot say different things.

Main definitions
- ``MACROS``: the project's LaTeX macros (``\\KL``, ``\\Neff``, ``\\logit``) and
  their expansions; ``expand_macros(math)`` replaces them, and
  ``latex_macro_definitions()`` gives the ``\\providecommand`` lines for a preamble.
- ``split_math(text)``: ``[(is_math, piece), ...]``, split at unescaped ``$``; an
  odd number of ``$`` is a ``ProseError``.
- ``to_latex(text)``: the text outside math escaped (``latex.escape_text``), the
  math kept as ``\\pcmath{...}`` when ``latex.is_safe_math`` accepts it.
- ``to_plain(text)``: readable plain text: ``\\beta`` -> ``beta``,
  ``\\mu_\\beta`` -> ``mu_beta``, ``\\frac{a}{b}`` -> ``a/b`` (``(a)/(b)`` when
  either is compound), ``\\mathcal{Y}_1`` -> ``Y1``, ``\\sum_y`` -> ``sum_y``,
  ``\\le`` -> ``<=``, ``e^{1/\\beta}`` -> ``e^(1/beta)``, fonts dropped.
- ``to_mathml(text)``: HTML: the text escaped, each math piece converted by
  ``latex2mathml`` after ``expand_macros``; a command the converter does not
  know (output containing ``<mi>\\``) is a ``ProseError``.
"""

from __future__ import annotations

import html
import re

__all__ = ["MACROS", "ProseError", "expand_macros", "latex_macro_definitions", "split_math", "to_latex",
           "to_plain", "to_mathml"]

MACROS: dict[str, str] = {
    r"\KL": r"\mathrm{KL}",
    r"\Neff": r"N_{\mathrm{eff}}",
    r"\logit": r"\operatorname{logit}",
}
"""The project's macros (no arguments) and what they stand for."""
_MACRO = re.compile("|".join(rf"{re.escape(name)}(?![A-Za-z])" for name in sorted(MACROS, key=len, reverse=True)))


class ProseError(ValueError):
    """Prose whose math cannot be rendered: an unmatched ``$`` or an unknown command."""


def expand_macros(math: str) -> str:
    """``math`` with every macro of ``MACROS`` replaced by its expansion (in braces)."""
    return _MACRO.sub(lambda match: "{" + MACROS[match.group()] + "}", math)


def latex_macro_definitions() -> str:
    """``\\providecommand`` lines defining ``MACROS`` for a LaTeX preamble."""
    return "\n".join(rf"\providecommand{{{name}}}{{{body}}}" for name, body in MACROS.items())


def split_math(text: str) -> list[tuple[bool, str]]:
    """``text`` cut at unescaped ``$``: ``(False, text)`` and ``(True, math)`` pieces in order."""
    parts = re.split(r"(?<!\\)\$", str(text))
    if len(parts) % 2 == 0:
        raise ProseError(f"unmatched $ in {text!r}")
    return [(index % 2 == 1, part) for index, part in enumerate(parts) if part or index % 2 == 1]


def to_latex(text: str) -> str:
    """``text`` as LaTeX: prose escaped, safe math kept (see the module header)."""
    from proofs_checks.appendix.latex import escape_text, is_safe_math

    try:
        pieces = split_math(text)
    except ProseError:
        return escape_text(text)
    out = []
    for is_math, piece in pieces:
        if not is_math:
            out.append(escape_text(piece))
        elif is_safe_math(piece):
            out.append(f"\\pcmath{{{piece}}}")
        else:
            out.append(escape_text(f"${piece}$"))
    return "".join(out)


# --- LaTeX math as plain text ----------------------------------------------------------

_GREEK = ("alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta", "iota", "kappa",
          "lambda", "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "phi", "varphi", "chi", "psi", "omega",
          "Gamma", "Delta", "Theta", "Lambda", "Sigma", "Phi", "Psi", "Omega")
_SYMBOLS: dict[str, str] = {
    **{name: name for name in _GREEK},
    "le": " <= ", "leq": " <= ", "ge": " >= ", "geq": " >= ", "ne": " != ", "neq": " != ", "to": " -> ",
    "rightarrow": " -> ", "leftarrow": " <- ", "mapsto": " -> ", "Rightarrow": " => ", "iff": " <=> ",
    "approx": " ~= ", "sim": " ~ ", "lesssim": " <~ ", "gtrsim": " >~ ", "ll": " << ", "gg": " >> ",
    "infty": "inf", "cdot": ".", "cdots": "...", "ldots": "...", "dots": "...", "times": " x ", "pm": " +- ",
    "mid": "|", "|": " || ", "lVert": "||", "rVert": "||", "Vert": "||", "in": " in ", "notin": " not in ",
    "subseteq": " subset of ", "subset": " subset of ", "cap": " cap ", "cup": " cup ", "setminus": " \\ ",
    "emptyset": "{}", "forall": "for all ", "exists": "exists ", "partial": "d", "nabla": "grad ",
    "log": "log", "ln": "ln", "exp": "exp", "sum": "sum", "prod": "prod", "lim": "lim", "max": "max",
    "min": "min", "sup": "sup", "inf": "inf", "arg": "arg", "argmax": "argmax", "argmin": "argmin",
    "det": "det", "langle": "<", "rangle": ">", "{": "{", "}": "}", "%": "%", "$": "$", "#": "#", "&": "&",
    "_": "_", ",": " ", ";": " ", ":": " ", "!": "", " ": " ", "quad": "  ", "qquad": "  ", "colon": ":",
    "lbrace": "{", "rbrace": "}", "star": "*", "ast": "*", "circ": " o ", "neg": "not ", "land": " and ",
    "lor": " or ", "top": "T", "ell": "l", "prime": "'", "vert": "|", "backslash": "\\",
}
_FONTS = {"mathrm", "mathit", "mathbf", "mathsf", "mathtt", "mathcal", "mathbb", "mathfrak", "mathscr",
          "boldsymbol", "text", "textrm", "textit", "textbf", "texttt", "emph", "operatorname", "mbox",
          "displaystyle", "textstyle", "scriptstyle"}
_IGNORED = {"left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "limits", "nolimits"}
_ACCENTS = {"dot": "'", "ddot": "''", "hat": "^", "tilde": "~", "bar": "_bar", "overline": "_bar", "vec": ""}
_FRACTIONS = {"frac", "tfrac", "dfrac"}
_BOUNDARY = "\x00"
"""Marks the ends of a command's word, so that ``\\log r`` stays two words but ``\\mu_\\beta`` one."""
_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|[{}^_]|\s+|.", re.S)


def _parse(tokens: list[str], position: int, until_brace: bool) -> tuple[list, int]:
    """A list of items (strings or nested lists for ``{...}`` groups) up to the matching ``}``."""
    items: list = []
    while position < len(tokens):
        token = tokens[position]
        position += 1
        if token == "{":
            group, position = _parse(tokens, position, True)
            items.append(group)
        elif token == "}":
            if until_brace:
                return items, position
            continue
        else:
            items.append(token)
    return items, position


def _argument(items: list, index: int) -> tuple[object, int]:
    """The argument at ``items[index]`` (a group or one token), skipping spaces."""
    while index < len(items) and isinstance(items[index], str) and items[index].isspace():
        index += 1
    if index >= len(items):
        return [], index
    return items[index], index + 1


def _simple(text: str) -> bool:
    return re.fullmatch(r"[A-Za-z0-9.*'\[\]]+|[A-Za-z]+_[A-Za-z0-9*]+", text) is not None


def _render(item: object) -> str:
    return _render_items(item) if isinstance(item, list) else _render_items([item])


def _render_items(items: list) -> str:
    out: list[str] = []
    index = 0
    while index < len(items):
        item = items[index]
        index += 1
        if isinstance(item, list):
            out.append(_render_items(item))
            continue
        if item.isspace():
            out.append(" ")
            continue
        if item in ("^", "_"):
            argument, index = _argument(items, index)
            body = _render(argument).replace(_BOUNDARY, "").strip()
            previous = "".join(out).rstrip()
            if item == "_" and re.search(r"(?<![A-Za-z])Y$", previous) and body in ("0", "1"):
                out[:] = [previous + body]  # \mathcal{Y}_1 -> Y1
            elif item == "^" and body == "*":
                out.append("*")
            else:
                out.append(item + (body if _simple(body) else ("{" if item == "_" else "(") + body
                                   + ("}" if item == "_" else ")")))
            continue
        if not item.startswith("\\"):
            out.append("" if item == "~" else item)
            continue
        name = item[1:]
        if name in _FRACTIONS:
            numerator, index = _argument(items, index)
            denominator, index = _argument(items, index)
            top, bottom = (_render(part).replace(_BOUNDARY, "").strip() for part in (numerator, denominator))
            out.append(f"{top if _simple(top) else '(' + top + ')'}/{bottom if _simple(bottom) else '(' + bottom + ')'}")
        elif name == "sqrt":
            argument, index = _argument(items, index)
            out.append(f"sqrt({_render(argument).strip()})")
        elif name in _ACCENTS:
            argument, index = _argument(items, index)
            out.append(_render(argument).strip() + _ACCENTS[name])
        elif name in _FONTS:
            if name in ("displaystyle", "textstyle", "scriptstyle"):
                continue
            argument, index = _argument(items, index)
            word = _render(argument)
            out.append(f"{_BOUNDARY}{word}{_BOUNDARY}" if name == "operatorname" else word)
        elif name in _IGNORED:
            continue
        elif len(name) == 1 and name not in _SYMBOLS:
            out.append(name)
        else:
            word = _SYMBOLS.get(name, name)
            out.append(f"{_BOUNDARY}{word}{_BOUNDARY}" if word.isalpha() else word)
    return "".join(out)


def _math_to_plain(math: str) -> str:
    items, _ = _parse(_TOKEN.findall(expand_macros(math)), 0, False)
    text = _render_items(items)
    text = re.sub(f"(?<=[A-Za-z0-9]){_BOUNDARY}+(?=[A-Za-z0-9])", " ", text).replace(_BOUNDARY, "")
    text = re.sub(r"\(\s+", "(", re.sub(r"\s+\)", ")", text))
    return re.sub(r"\s+", " ", text).strip()


def to_plain(text: str) -> str:
    """``text`` as readable plain text (see the module header)."""
    try:
        pieces = split_math(text)
    except ProseError:
        return str(text)
    return "".join(_math_to_plain(piece) if is_math else piece for is_math, piece in pieces)


# --- the web -------------------------------------------------------------------------

def to_mathml(text: str) -> str:
    """``text`` as HTML with MathML math (see the module header)."""
    from latex2mathml.converter import convert

    out = []
    for is_math, piece in split_math(text):
        if not is_math:
            out.append(html.escape(piece, quote=False))
            continue
        mathml = convert(expand_macros(piece))
        if "<mi>\\" in mathml:
            unknown = re.search(r"<mi>(\\[^<]*)</mi>", mathml)
            raise ProseError(f"latex2mathml does not know {unknown.group(1) if unknown else 'a command'} in ${piece}$")
        out.append(mathml)
    return "".join(out)
