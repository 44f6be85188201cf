"""``proofcheck tilt``: the beta <-> validity calculator of KL-control with a binary reward.

For a base pass rate ``alpha`` and a KL temperature ``beta`` (or a target
validity ``mu``, or a KL budget in nats per sequence), prints the validity ``mu``
of the optimal policy ``p_beta``, ``1 - mu``, the KL budget
``kl(mu || alpha) = KL(p_beta || a)``, the optimal value ``J* = beta log Z_beta``
and the forward KL ``KL(p_* || p_beta) = -log mu``, one row per ``(alpha, beta)``,
``(alpha, mu)`` or ``(alpha, budget)``. A KL target given per token
(``--per-token-kl K --length L``, as trainers that average the KL over tokens
report it) is converted to the sequence budget ``K L`` first: the KL of a
sequence is the sum of its per-token KLs. For a file of per-prompt pass rates
(as measured by sampling a model on a prompt set), solves for the single
``beta`` that reaches a target mean validity and prints what it implies per
prompt: ``mu_i``, ``1 - mu_i`` and the ``beta_i`` that prompt alone would need.
With ``--grpo --beta B --eps E``, prints per prompt GRPO's KL-regularized
iterates ``p_1, ..., p_N`` from ``pi_ref`` and the fixed points ``p*`` of
``p_n = sigma(logit alpha + 1/(B sqrt(p_{n-1}(1 - p_{n-1}) + E)))`` (``theory.grpo``).
Every output states its units (a last line, or ``units`` in JSON).

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

from theory import closed_form, grpo, kl_control
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
    knob.add_argument("--kl-budget", type=float, nargs="+", metavar="K",
                      help="sequence-level KL budget(s) KL(p_beta||a) in nats per sequence, in (0, -log alpha)")
    knob.add_argument("--per-token-kl", type=float, metavar="K",
                      help="KL target in nats per token (a token mean, as trainers report it); needs --length")
    parser.add_argument("--length", type=float, metavar="L", help="tokens per sequence: converts --per-token-kl to a sequence budget, and prints every KL budget per token")
    parser.add_argument("--grpo", action="store_true",
                        help="GRPO's KL-regularized iteration per pass rate: iterates and fixed points (needs one --beta "
                             "and --eps)")
    parser.add_argument("--eps", type=float, metavar="E", help="GRPO's variance floor: s = sqrt(p(1 - p) + E), E > 0")
    parser.add_argument("--steps", type=int, default=5, metavar="N", help="GRPO iterates printed (default 5)")
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
    _check_options(args)
    if args.grpo:
        alphas = np.array(args.alpha) if args.rates is None else read_rates(args.rates)[0]
        _print(_grpo_table(alphas, args.beta[0], args.eps, args.steps), args.json, _format_grpo)
    elif args.rates is None:
        budgets = args.kl_budget
        conversion = None
        if args.per_token_kl is not None:
            conversion = _sequence_budget(args.per_token_kl, args.length)
            budgets = [conversion["sequence_kl_budget"]]
        rows = _single_prompt_rows(args.alpha, beta=args.beta, mu=args.mu, budget=budgets)
        if args.length is not None and conversion is None:  # with --per-token-kl, the conversion says it
            for row in rows:
                row["per_token_kl"] = row["kl_budget"] / args.length
        _print({"units": _UNITS, **({} if conversion is None else {"conversion": conversion}),
                **({} if args.length is None or conversion else {"length": args.length}), "rows": rows}, args.json,
               _format_rows)
    else:
        alphas, weights = read_rates(args.rates)
        solution = _solve(alphas, weights, args.mu[0])
        if args.length is not None:
            solution["length"] = args.length
            solution["mean_per_token_kl"] = solution["mean_kl_budget"] / args.length
        _print(solution, args.json, _format_solution)
    return 0


def _check_options(args: argparse.Namespace) -> None:
    """Options that argparse cannot tie together."""
    if args.per_token_kl is not None and args.length is None:
        raise TiltInputError("--per-token-kl needs --length: the sequence budget is their product")
    if args.length is not None:
        check_interval("--length", args.length, 0, math.inf)
        if args.grpo:
            raise TiltInputError("--length converts KL budgets to per-token KLs: it does not apply to --grpo")
    if args.grpo:
        if args.beta is None or len(args.beta) != 1 or args.eps is None:
            raise TiltInputError("with --grpo, give one --beta and the variance floor --eps")
        if not 1 <= args.steps <= _MAX_STEPS:
            raise TiltInputError(f"--steps must lie in [1, {_MAX_STEPS}]; got {args.steps}")
        return
    if args.eps is not None:
        raise TiltInputError("--eps is GRPO's variance floor: use it with --grpo")
    if args.rates is not None and (args.mu is None or len(args.mu) != 1):
        raise TiltInputError("with --rates, give one target mean validity with --mu (or use --grpo)")


_MAX_STEPS = 1000

_UNITS = {
    "alpha": "probability that one sampled output of the base model is valid",
    "beta": "reward per nat: the KL coefficient of J = E[v] - beta KL(p || a), reward v in {0, 1}",
    "mu": "probability that one output of the optimum p_beta is valid",
    "one_minus_mu": "probability that one output of p_beta is invalid",
    "kl_budget": "nats per sequence (the whole output's KL, the sum of its per-token KLs)",
    "optimal_value": "reward (J* = E[v] - beta KL at the optimum, in [0, 1])",
    "forward_kl_to_filtered": "nats per sequence",
    "per_token_kl": "nats per token: the sequence KL budget divided by --length (a token mean, as trainers report it)",
}


def _sequence_budget(per_token_kl: float, length: float) -> dict[str, Any]:
    """``K L`` and how it was obtained (``kl_control.sequence_budget``)."""
    budget = kl_control.sequence_budget(per_token_kl, length)
    return {
        "per_token_kl": per_token_kl,
        "length": length,
        "sequence_kl_budget": budget,
        "explanation": (f"{_number(per_token_kl)} nats per token x {_number(length)} tokens = {_number(budget)} nats per "
                        "sequence: the KL of a sequence is the sum of its per-token KLs (chain rule), so a KL averaged "
                        "over tokens times the number of tokens is the sequence KL that the closed forms use"),
    }


_COLUMNS = {
    "alpha": "alpha",
    "beta": "beta",
    "mu": "mu",
    "one_minus_mu": "1 - mu",
    "kl_budget": "kl(mu||alpha)",
    "optimal_value": "J*",
    "forward_kl_to_filtered": "KL(p*||p_beta)",
}


def _single_prompt_rows(alphas: Sequence[float], beta: Sequence[float] | None, mu: Sequence[float] | None,
                        budget: Sequence[float] | None) -> list[dict[str, float]]:
    """One row per ``(alpha, beta)``, ``(alpha, mu)`` or ``(alpha, budget)``, alphas outermost (scalar
    calls, so that an error names the offending value and its own range)."""
    rows = []
    for alpha in alphas:
        for value in beta or mu or budget:
            if beta is not None:
                beta_value = value
            elif mu is not None:
                beta_value = closed_form.beta_for_validity(alpha, value)
            else:
                beta_value = kl_control.beta_for_kl_budget(alpha, value)
            mu_value = value if mu is not None else closed_form.validity_rate(alpha, beta_value)
            row = {
                "alpha": alpha,
                "beta": beta_value,
                "mu": mu_value,
                "one_minus_mu": 1 - value if mu is not None else closed_form.invalidity_rate(alpha, beta_value),
                "kl_budget": (closed_form.kl_budget(alpha, mu_value) if budget is None
                              else kl_control.kl_budget_of_gap(alpha, 1 / beta_value)),
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
        "units": {key: _UNITS[key] for key in ("alpha", "beta", "mu", "kl_budget")},
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


def _format_rows(result: dict[str, Any]) -> str:
    lines = [] if "conversion" not in result else [result["conversion"]["explanation"], ""]
    columns = {**_COLUMNS, **({"per_token_kl": "KL per token"} if "length" in result else {})}
    lines.append(_table(list(columns.values()), [[_number(row[key]) for key in columns] for row in result["rows"]]))
    if "length" in result:
        lines.append(f"KL per token = kl(mu||alpha)/{_number(result['length'])}: a sequence's KL is the sum of its"
                     " per-token KLs, so a trainer that averages the KL over tokens reports the budget over the length")
    lines.append("units: alpha, mu, 1 - mu: probability per output; beta: reward per nat; kl(mu||alpha) and "
                 "KL(p*||p_beta): nats per sequence; J*: reward")
    return "\n".join(lines)


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
        *([f"per token at length {_number(solution['length'])}: {_number(solution['mean_per_token_kl'])} nats per token"
           " (the mean budget over the length: a trainer that averages the KL over tokens reports this)"]
          if "length" in solution else []),
        "",
        _table(header, rows),
    ]
    if any(math.isinf(prompt["beta_alone"]) for prompt in solution["prompts"]):
        lines.append("beta_i alone = inf: the prompt is above the target at every beta")
    lines.append("units: alpha, mu: probability per output; beta: reward per nat; KL budget: nats per sequence")
    return "\n".join(lines)


def _grpo_table(alphas: np.ndarray, beta: float, eps: float, steps: int) -> dict[str, Any]:
    """Per pass rate: GRPO's iterates ``p_1..p_steps`` from ``pi_ref``, every fixed point ``p*`` and the
    guaranteed convergence rate (``theory.grpo``), failure probabilities without cancellation."""
    prompts = []
    for index, alpha in enumerate(alphas, 1):
        logits = grpo.iterate(float(alpha), beta, eps, steps)[1:]
        roots = grpo.fixed_points(float(alpha), beta, eps)
        success, failure = grpo.success_probability(logits)
        star, star_failure = grpo.success_probability(roots)
        prompts.append({
            "index": index, "alpha": float(alpha),
            "iterates": np.atleast_1d(success).tolist(), "iterate_failures": np.atleast_1d(failure).tolist(),
            "iterate_logits": logits.tolist(),
            "fixed_points": np.atleast_1d(star).tolist(), "fixed_point_failures": np.atleast_1d(star_failure).tolist(),
            "fixed_point_logits": roots.tolist(),
            "guaranteed_rate": grpo.guaranteed_rate(float(alpha), beta, eps),
        })
    return {
        "units": {
            "alpha, iterates, fixed_points": "success probability per output (p_n = pi_n(Y1))",
            "iterate_failures, fixed_point_failures": "failure probability per output (1 - p)",
            "iterate_logits, fixed_point_logits": "log-odds logit p = log(p/(1 - p)), in nats",
            "beta": "advantage per nat: the KL coefficient of E[A] - beta KL(pi || pi_ref), with the group-normalized "
                    "advantage A = (v - p)/sqrt(p(1 - p) + eps) and KL in nats per sequence",
            "eps": "added to the reward variance p(1 - p)",
            "guaranteed_rate": "factor per iteration on |logit p_n - logit p*| (none: convergence not guaranteed)",
        },
        "beta": beta, "eps": eps, "steps": steps, "prompts": prompts,
    }


def _failure(probability: float, logit: float) -> str:
    """``1 - p``, or ``e^-x`` (``x = logit p``, within a relative ``e^-x``) where it underflows float64."""
    return _number(probability) if probability > 0 else f"e^-{logit:.6g}"


def _format_grpo(table: dict[str, Any]) -> str:
    steps = table["steps"]
    header = ["prompt", "alpha", *(f"p_{n}" for n in range(1, steps + 1)), f"1 - p_{steps}", "p*", "1 - p*", "rate"]
    rows = []
    for prompt in table["prompts"]:
        rate = prompt["guaranteed_rate"]
        failures = zip(prompt["fixed_point_failures"], prompt["fixed_point_logits"])
        rows.append([str(prompt["index"]), _number(prompt["alpha"]), *(_number(p) for p in prompt["iterates"]),
                     _failure(prompt["iterate_failures"][-1], prompt["iterate_logits"][-1]),
                     "/".join(_number(p) for p in prompt["fixed_points"]),
                     "/".join(_failure(q, x) for q, x in failures), "-" if rate is None else _number(rate)])
    lines = [
        f"GRPO with beta = {_number(table['beta'])}, eps = {_number(table['eps'])}: "
        f"p_n = sigma(logit alpha + 1/(beta sqrt(p_(n-1)(1 - p_(n-1)) + eps))) from p_0 = alpha",
        "",
        _table(header, rows),
        "p*: every fixed point (a/b/c when there are several); rate: r with |logit p_n - logit p*| <= r^(n-1) "
        "|logit p_1 - logit p*| from any start, '-' when no rate is guaranteed (the iterates may settle on another "
        "fixed point or on a cycle)",
        "units: alpha, p_n, p*: probability per output; beta: advantage per nat of sequence KL; eps: added to the "
        "reward variance p(1 - p)",
    ]
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
