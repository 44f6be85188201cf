"""``proofcheck tilt``: the beta <-> validity calculator of KL-control with a binary reward.

For a base pass rate ``alpha`` and a KL temperature ``beta`` (or a target
validity ``mu``), prints the validity ``mu`` of the optimal policy ``p_beta``,
``1 - mu``, the KL budget ``kl(mu || alpha) = KL(p_beta || a)``, the optimal value
``J* = beta log Z_beta`` and the forward KL ``KL(p_* || p_beta) = -log mu``, one row
per ``(alpha, beta)`` or ``(alpha, mu)``. For a file of per-prompt pass rates
(as measured by sampling a model on a prompt set), solves for the single
``beta`` that reaches a target mean validity and prints what it implies per
prompt: ``mu_i``, ``1 - mu_i`` and the ``beta_i`` that prompt alone would need.

Rates file: one pass rate per line, optionally followed by a weight (spaces or
a comma between them; a line without a weight has weight 1, and the weights are
normalized to sum to 1), ``#`` starts a comment, ``-`` reads standard input. Pass rates of exactly 0 or 1 are rejected
with their line: such a prompt has no tilt (nothing valid to upweight, or
nothing to gain), so it should be dropped or its rate smoothed.

Main definitions
- ``register(subparsers)``: adds the ``tilt`` subcommand.
- ``read_rates(source)``: ``(alphas, weights)`` from a rates file (``weights`` is
  ``None`` when no line has one: equal weights).
- ``TiltInputError``: a rates file that cannot be read or parsed, or options
  that do not go together (a ``ValueError``: one line on stderr, exit code 2).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from theory import closed_form
from theory.errors import DomainError, check_interval
from theory.multi_prompt import beta_for_mean_validity, per_prompt_beta

__all__ = ["register", "read_rates", "TiltInputError"]

_SMOOTHING_HINT = "drop the prompt or smooth its rate, e.g. (k + 1)/(n + 2) for k passes out of n samples"


class TiltInputError(ValueError):
    """A rates file that cannot be read or parsed, or options that do not go together."""


def register(subparsers: Any) -> None:
    """Add ``tilt`` to the ``proofcheck`` subcommands."""
    parser = subparsers.add_parser(
        "tilt",
        help="beta <-> validity calculator (one pass rate, or a file of per-prompt pass rates)",
        description=(
            "For a base pass rate alpha and a KL temperature beta (or a target validity mu), print mu, 1 - mu, "
            "the KL budget kl(mu||alpha), J* and KL(p*||p_beta); for a file of per-prompt pass rates, solve for "
            "the single beta reaching a target mean validity (--rates FILE --mu M)."
        ),
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--alpha", type=float, nargs="+", metavar="A", help="base pass rate(s) in (0, 1)")
    source.add_argument("--rates", metavar="FILE",
                        help="per-prompt pass rates, one per line, each optionally followed by a weight "
                             "(default 1; normalized); '-' = stdin")
    knob = parser.add_mutually_exclusive_group(required=True)
    knob.add_argument("--beta", type=float, nargs="+", metavar="B", help="KL temperature(s) in (0, inf]")
    knob.add_argument("--mu", type=float, nargs="+", metavar="M", help="target validity (with --rates: one target mean validity)")
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    parser.set_defaults(func=_run)


def read_rates(source: str) -> tuple[np.ndarray, np.ndarray | None]:
    """The pass rates and weights (1 for a line without one; ``None`` if no line has
    one) of a rates file or of standard input (``source = "-"``); errors name the
    file and the line."""
    name = "<stdin>" if source == "-" else source
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text()
    except OSError as exc:
        raise TiltInputError(f"cannot read rates file {name}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise TiltInputError(f"cannot read rates file {name}: not a text file") from exc
    rows: list[tuple[int, list[float]]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split("#", 1)[0].replace(",", " ").split()
        if fields:
            rows.append((number, _parse_line(name, number, fields)))
    if not rows:
        raise TiltInputError(f"{name}: no pass rates found")
    alphas = np.array([values[0] for _, values in rows])
    if all(len(values) == 1 for _, values in rows):
        return alphas, None
    return alphas, np.array([values[1] if len(values) == 2 else 1.0 for _, values in rows])


def _parse_line(name: str, number: int, fields: list[str]) -> list[float]:
    where = f"{name}:{number}"
    if len(fields) > 2:
        raise TiltInputError(f"{where}: expected a pass rate and an optional weight; got {len(fields)} fields")
    values = []
    for field in fields:
        try:
            values.append(float(field))
        except ValueError as exc:
            raise TiltInputError(f"{where}: cannot read {field!r} as a number") from exc
    alpha = values[0]
    if alpha in (0.0, 1.0):
        reason = "nothing is valid to upweight" if alpha == 0 else "everything is already valid"
        raise TiltInputError(f"{where}: pass rate {alpha:g} has no tilt ({reason}); {_SMOOTHING_HINT}")
    try:
        check_interval("pass rate", alpha, 0, 1)
        if len(values) == 2:
            check_interval("weight", values[1], 0, math.inf)
    except DomainError as exc:
        raise TiltInputError(f"{where}: {exc}") from exc
    return values


def _run(args: argparse.Namespace) -> int:
    if args.rates is None:
        rows = _single_prompt_rows(args.alpha, beta=args.beta, mu=args.mu)
        _print(rows, args.json, _format_rows)
    else:
        if args.mu is None or len(args.mu) != 1:
            raise TiltInputError("with --rates, give one target mean validity with --mu")
        alphas, weights = read_rates(args.rates)
        _print(_solve(alphas, weights, args.mu[0]), args.json, _format_solution)
    return 0


_COLUMNS = {
    "alpha": "alpha",
    "beta": "beta",
    "mu": "mu",
    "one_minus_mu": "1 - mu",
    "kl_budget": "kl(mu||alpha)",
    "optimal_value": "J*",
    "forward_kl_to_filtered": "KL(p*||p_beta)",
}


def _single_prompt_rows(alphas: Sequence[float], beta: Sequence[float] | None, mu: Sequence[float] | None) -> list[dict[str, float]]:
    """One row per ``(alpha, beta)`` or ``(alpha, mu)``, alphas outermost (scalar
    calls, so that an error names the offending value and its own range)."""
    rows = []
    for alpha in alphas:
        for value in beta if mu is None else mu:
            if mu is None:
                beta_value, mu_value = value, closed_form.validity_rate(alpha, value)
                one_minus_mu = closed_form.invalidity_rate(alpha, value)
            else:
                beta_value, mu_value, one_minus_mu = closed_form.beta_for_validity(alpha, value), value, 1 - value
            row = {
                "alpha": alpha,
                "beta": beta_value,
                "mu": mu_value,
                "one_minus_mu": one_minus_mu,
                "kl_budget": closed_form.kl_budget(alpha, mu_value),
                "optimal_value": closed_form.optimal_value(alpha, beta_value),
                "forward_kl_to_filtered": closed_form.forward_kl_to_filtered(alpha, beta_value),
            }
            rows.append({key: float(number) for key, number in row.items()})
    return rows


def _solve(alphas: np.ndarray, weights: np.ndarray | None, target: float) -> dict[str, Any]:
    """The single ``beta`` reaching ``target`` and what it implies per prompt."""
    beta = float(beta_for_mean_validity(alphas, target, weights))
    normalized = np.full(alphas.size, 1 / alphas.size) if weights is None else weights / weights.sum()
    mus = closed_form.validity_rate(alphas, beta)
    prompts = {
        "alpha": alphas,
        "mu": mus,
        "one_minus_mu": closed_form.invalidity_rate(alphas, beta),
        "beta_alone": per_prompt_beta(alphas, target),
    }
    return {
        "target": target,
        "beta": beta,
        "prompts_count": int(alphas.size),
        "mean_base_rate": float(np.dot(normalized, alphas)),
        "mean_kl_budget": float(np.dot(normalized, closed_form.kl_budget(alphas, mus))),
        "prompts": [
            {"index": i + 1, **({} if weights is None else {"weight": float(weights[i])}), **{k: float(v[i]) for k, v in prompts.items()}}
            for i in range(alphas.size)
        ],
        "summary": {
            statistic: {key: float(reduce(values)) for key, values in prompts.items()}
            for statistic, reduce in (("min", np.min), ("median", np.median), ("max", np.max))
        },
    }


def _number(value: float) -> str:
    return "inf" if math.isinf(value) else f"{value:.6g}"


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows)]
    return "\n".join("  ".join(cell.rjust(width) for cell, width in zip(line, widths)) for line in [header, *rows])


def _format_rows(rows: list[dict[str, float]]) -> str:
    return _table(list(_COLUMNS.values()), [[_number(row[key]) for key in _COLUMNS] for row in rows])


def _format_solution(solution: dict[str, Any]) -> str:
    weighted = "weight" in solution["prompts"][0]
    header = ["prompt", "alpha", *(["weight"] if weighted else []), "mu_i", "1 - mu_i", "beta_i alone"]
    keys = ["alpha", *(["weight"] if weighted else []), "mu", "one_minus_mu", "beta_alone"]
    rows = [[str(prompt["index"]), *(_number(prompt[key]) for key in keys)] for prompt in solution["prompts"]]
    for statistic, values in solution["summary"].items():
        rows.append([statistic, *(_number(values[key]) if key in values else "" for key in keys)])
    lines = [
        f"target mean validity {_number(solution['target'])} over {solution['prompts_count']} prompts "
        f"(mean base rate {_number(solution['mean_base_rate'])})",
        f"beta = {_number(solution['beta'])}   (mean KL budget sum_i w_i kl(mu_i||alpha_i) = {_number(solution['mean_kl_budget'])})",
        "",
        _table(header, rows),
    ]
    if any(math.isinf(prompt["beta_alone"]) for prompt in solution["prompts"]):
        lines.append("beta_i alone = inf: the prompt is above the target at every beta")
    return "\n".join(lines)


def _print(result: Any, as_json: bool, formatter: Any) -> None:
    if as_json:
        print(json.dumps(_json_ready(result), indent=2))
    else:
        print(formatter(result))


def _json_ready(value: Any) -> Any:
    """Infinite values as the string ``"inf"`` (JSON has no infinity)."""
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if isinstance(value, dict):
        return {key: _json_ready(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_ready(item) for item in value]
    return value
