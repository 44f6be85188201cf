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
from decimal import Decimal

__all__ = ["MACROS", "ProseError", "ascii_to_prose", "expand_macros", "latex_macro_definitions", "split_math", "to_latex",
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


_MATHML_SPELLINGS = {r"\arg": r"\operatorname{arg}"}
"""Standard LaTeX that ``latex2mathml`` spells differently."""
_MATHML_SPELLING = re.compile("|".join(rf"{re.escape(name)}(?![A-Za-z])" for name in _MATHML_SPELLINGS))


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
    "rightarrow": " -> ", "leftrightarrow": " <-> ", "leftarrow": " <- ", "mapsto": " -> ", "Rightarrow": " => ", "iff": " <=> ",
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
        mathml = convert(_MATHML_SPELLING.sub(lambda m: _MATHML_SPELLINGS[m.group()], expand_macros(piece)))
        if "<mi>\\" in mathml:
            unknown = re.search(r"<mi>(\\[^<]*)</mi>", mathml)
            raise ProseError(f"latex2mathml does not know {unknown.group(1) if unknown else 'a command'} in ${piece}$")
        out.append(mathml)
    return "".join(out)


# --- the suite's ASCII notation as prose -----------------------------------------------

_ASCII_NAMES: dict[str, str] = {
    **{name: f"\\{name}" for name in ("alpha", "beta", "gamma", "delta", "eta", "theta", "lambda", "mu", "sigma",
                                       "tau", "phi", "rho", "pi")},
    "N_eff*": r"\Neff^*", "N_eff": r"\Neff", "p_*": "p_*", "p*": "p_*", "J*": "J^*", "Y1": r"\mathcal{Y}_1",
    "Y0": r"\mathcal{Y}_0", "KL": r"\KL", "kl": r"\mathrm{kl}", "TV": r"\mathrm{TV}", "inf": r"\infty",
    "+inf": r"+\infty", "log": r"\log", "exp": r"\exp", "logit": r"\logit", "argmax": r"\operatorname{argmax}",
    "max": r"\max", "min": r"\min", "sum": r"\sum", "prod": r"\prod", "Var_q": r"\mathrm{Var}_q",
    "Cov_q": r"\mathrm{Cov}_q", "E_q": r"\mathbb{E}_q", "E_p*": r"\mathbb{E}_{p_*}", "H": "H",
}
_ASCII_OPERATORS = {"<->": r"\leftrightarrow", "<=": r"\le", ">=": r"\ge", "->": r"\to", "!=": r"\ne", "||": r"\,\|\,", "~": r"\sim"}
_ASCII_WORD = re.compile(r"E_p\*|[A-Za-z][A-Za-z0-9]*(?:_\*|_\{[^}]*\}|_[A-Za-z0-9]+)?\*?|\d+(?:\.\d+)?(?:e[-+]?\d+)?"
                         r"|<->|<=|>=|->|!=|\|\||\*\*|.", re.S)
_MATHY = re.compile(r"<->|[_^*=<>|()]|^\d|^[b-z]$|(?<![A-Za-z])(?:-?log|alpha|beta|gamma|mu|eta|theta|sigma|N_eff|p_\*|Y[01])"
                    r"(?![A-Za-z])")
_PROSE_WORD = re.compile(r"[A-Za-z][a-z]+(?:-[A-Za-z0-9]+)*")


def _ascii_math(text: str) -> str:
    """The suite's ASCII notation (``N_eff/N_eff* - 1``, ``2^(L/2)``, ``beta=0.01``) as LaTeX math."""
    out = []
    for token in _ASCII_WORD.findall(text):
        if token in _ASCII_NAMES:
            out.append(_ASCII_NAMES[token] + _BOUNDARY)
        elif token in _ASCII_OPERATORS:
            out.append(_ASCII_OPERATORS[token])
        elif token == "**":
            out.append("^")
        elif token in "{}":
            out.append("\\" + token)
        elif token[0].isalpha() and "_" in token:
            base, sub = token.split("_", 1)
            star = sub.endswith("*") and not sub == "*"
            sub = sub.rstrip("*") if star else sub
            sub = sub[1:-1] if sub.startswith("{") else sub
            subscript = sub if len(sub) == 1 else f"{{{_ascii_math(sub)}}}"
            out.append(f"{_ASCII_NAMES.get(base, base)}_{subscript}" + ("^*" if star else ""))
        elif token.endswith("*") and token[:-1].isalpha():
            out.append(f"{_ASCII_NAMES.get(token[:-1], token[:-1])}^*")
        elif re.fullmatch(r"\d+\.\d{17,}", token):
            out.append(format(Decimal(token).normalize(), ".16g"))  # shown to 16 digits; the report keeps all
        elif re.fullmatch(r"\d+(?:\.\d+)?e[-+]?\d+", token):
            mantissa, exponent = token.split("e")
            mantissa = mantissa.removesuffix(".0")
            out.append(("" if mantissa == "1" else mantissa + r"\times ") + f"10^{{{int(exponent)}}}")
        elif token[0].isalpha() and len(token) > 1:
            out.append(rf"\mathrm{{{token}}}")
        elif token == "%":
            out.append(r"\%")
        else:
            out.append(token)
    math = re.sub(f"{_BOUNDARY}(?=[A-Za-z0-9])", " ", "".join(out)).replace(_BOUNDARY, "").strip()
    return re.sub(r"\^\(([^()]*)\)", r"^{\1}", math)


def ascii_to_prose(text: str) -> str:
    """Machine text in the suite's ASCII notation (experiment labels, case labels) as prose with
    ``$...$`` math: runs of formula-like tokens become math, words stay text."""
    if "$" in str(text):
        return str(text)
    pieces: list[tuple[bool, str]] = []
    for token in re.split(r"(\s+)", str(text)):
        if not token:
            continue
        core, trail = re.match(r"(.*?)([:;,.]?)$", token, re.S).groups()
        bare = core.strip("()")
        greek = bare in _ASCII_NAMES and _ASCII_NAMES[bare] == "\\" + bare
        mathy = (not token.isspace() and bool(_MATHY.search(core)) and (greek or not _PROSE_WORD.fullmatch(bare))) or (
            bool(pieces) and pieces[-1][0] and (token.isspace() or re.fullmatch(r"[-+/=<>]|<=|>=|\d\S*", core) is not None))
        if mathy and not token.isspace() and trail:
            pieces += [(True, core), (False, trail)]
        else:
            pieces.append((mathy, token))
    merged: list[tuple[bool, str]] = []
    for is_math, piece in pieces:
        if merged and merged[-1][0] == is_math:
            merged[-1] = (is_math, merged[-1][1] + piece)
        else:
            merged.append((is_math, piece))
    out = []
    for is_math, piece in merged:
        if is_math:
            stripped = piece.rstrip()
            closing = ""
            while stripped.endswith(")") and stripped.count(")") > stripped.count("("):
                stripped, closing = stripped[:-1], closing + ")"
            out.append(f"${_ascii_math(stripped)}$" + closing + piece[len(stripped) + len(closing):])
        else:
            out.append(piece)
    return "".join(out)
