"""The ``grpo-dynamics`` experiment: GRPO's regularized iteration and the adaptive KL controller, exactly.

Binary strings of length 8 under three designs (a constraint and a seeded base
model ``a``). Every quantity is a sum over the 256 strings, from the
definitions; the library (``theory.grpo``, ``theory.kl_control``) only supplies
what the enumeration is compared with. It measures:

- GRPO's iteration ``pi_n = a e^{A/beta}/Z_n`` from ``pi_0 = a``, with the
  group-normalized advantage ``A = (1 - p)/s`` on valid and ``-p/s`` on invalid
  strings, ``p = pi_{n-1}(Y1)``, ``s = sqrt(p (1 - p) + eps)``, for each
  ``(beta, eps)`` in ``SETTINGS`` and ``STEPS`` iterations: ``pi_n(. | Y1) = a(. | Y1)``
  (grpo-conditional-invariance); ``logit pi_n(Y1) = H(logit pi_{n-1}(Y1))``
  (grpo-success-recursion); every iterate ``n >= 1`` above ``logit alpha`` and in
  ``[x_lo, x_hi)``, and, where ``theory.grpo.guaranteed_rate`` gives a rate ``r``,
  one fixed point and ``|x_n - x*| <= r^{n-1}|x_1 - x*|`` (grpo-fixed-point);
- the adaptive controller ``beta <- beta (1 + clip(K/T - 1, -0.2, 0.2) n/H)`` with
  ``K = KL(p_beta || a)`` summed over the strings, from ``beta_0 = 1`` for a target ``T``
  in nats per sequence: it ends at the ``beta*`` of ``kl_control.beta_for_kl_budget``,
  it needs at least ``kl_control.updates_needed`` updates to come within ``1e-6`` of it,
  and the sum over positions of the per-token KLs (chain rule) is the sequence KL
  (kl-controller-fixed-point).

Main definitions
- ``run_grpo_dynamics(seed, progress)``: the measurements above as an ``ExperimentResult``.
- ``plot_grpo_dynamics(result, stem)``: the success logits ``x_n`` along the iterations
  (first design) and ``log(beta_t/beta*)`` along the controller runs.
- ``EXPERIMENTS``: the registered ``Experiment`` named ``grpo-dynamics``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from proofs_checks.experiments.plotting import new_figure, save_figure
from proofs_checks.experiments.result import BoundCheck, Experiment, ExperimentResult, Progress, Threshold
from theory import grpo, kl_control
from theory.sequences.base_models import independent_base, markov_base
from theory.sequences.constraints import at_least_ones, no_adjacent_ones, parity
from theory.sequences.families import masked_logsumexp
from theory.sequences.space import SequenceSpace

__all__ = ["run_grpo_dynamics", "plot_grpo_dynamics", "EXPERIMENTS"]

VOCAB, LENGTH = 2, 8
SETTINGS = ((1.0, 0.1), (0.04, 1e-4), (1.0, 1e-4), (3.0, 1e-6))
"""``(beta, eps)``: a contraction (``beta sqrt(27 eps)(1 + 4 eps) > 1``), the small ``beta`` and ``eps`` of
practice (``1/(beta sqrt eps) = 2500``), and two settings where no rate is guaranteed."""
STEPS = 60
TARGET_FRACTION = 0.3
"""The controller's target ``T = 0.3 (-log alpha)`` nats per sequence (the largest budget is ``-log alpha``)."""
BETA_START = 1.0
CONTROLLER_UPDATES = 400
REACHED = 1e-6
"""Relative distance to ``beta*`` at which the controller counts as arrived (for the lower bound on updates)."""
PLOTTED_UPDATES = 30
ULPS = 64
"""Rounding allowance, in units of ``eps * (size of the terms)``, of sums and logarithms over 256 strings."""
EPS = float(np.finfo(np.float64).eps)


def _designs(seed: int) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """``(name, log a, valid)`` for parity with an independent base, at least 6 ones with an order-1
    Markov base, and no two adjacent ones with an independent base."""
    space = SequenceSpace(VOCAB, LENGTH)
    return [
        ("parity", independent_base(space, seed), parity(space.strings)),
        ("at-least-6-ones", markov_base(space, seed), at_least_ones(6)(space.strings)),
        ("no-adjacent-ones", independent_base(space, seed + 1), no_adjacent_ones(space.strings)),
    ]


def _bound(label: str, value: float, relation: str, bound: float) -> BoundCheck:
    passed = {"<": value < bound, "<=": value <= bound, ">": value > bound, ">=": value >= bound}[relation]
    return BoundCheck(label, float(value), relation, float(bound), bool(passed))


def _success_logit(log_q: np.ndarray, valid: np.ndarray) -> float:
    """``logit q(Y1) = log q(Y1) - log q(Y0)``, from sums over the strings."""
    return float(masked_logsumexp(log_q[valid], axis=0) - masked_logsumexp(log_q[~valid], axis=0))


def _grpo_step(log_a: np.ndarray, valid: np.ndarray, x: float, beta: float, eps: float) -> np.ndarray:
    """``log pi_n = log a + A/beta - log Z_n`` with the advantage of ``p = sigma(x)`` (``1 - p = sigma(-x)``)."""
    with np.errstate(over="ignore"):
        p, q = 1 / (1 + np.exp(-x)), 1 / (1 + np.exp(x))
    spread = np.sqrt(p * q + eps)
    log_w = log_a + np.where(valid, q / spread, -p / spread) / beta
    return log_w - masked_logsumexp(log_w, axis=0)


def _iteration(name: str, log_a: np.ndarray, valid: np.ndarray, beta: float, eps: float) -> tuple[dict, list[BoundCheck]]:
    label = f"{name}, beta = {beta:g}, eps = {eps:g}"
    log_conditional_a = log_a[valid] - masked_logsumexp(log_a[valid], axis=0)
    x0 = _success_logit(log_a, valid)
    x_lo, x_hi = grpo.location(float(1 / (1 + np.exp(-x0))), beta, eps)
    size = 1 + np.max(np.abs(log_a)) + 1 / (beta * np.sqrt(eps)) + abs(x0) + np.log(log_a.size)
    tolerance = ULPS * EPS * size
    path, drift, recursion = [x0], 0.0, 0.0
    for _ in range(STEPS):
        log_pi = _grpo_step(log_a, valid, path[-1], beta, eps)
        conditional = log_pi[valid] - masked_logsumexp(log_pi[valid], axis=0)
        drift = max(drift, float(np.max(np.abs(conditional - log_conditional_a))))
        x = _success_logit(log_pi, valid)
        recursion = max(recursion, abs(x - float(grpo.logit_map(np.exp(log_a[valid]).sum(), beta, path[-1], eps))))
        path.append(x)
    iterates = np.array(path[1:])
    checks = [
        _bound(f"{label}: conditional max_n |log pi_n(.|Y1) - log a(.|Y1)|", drift, "<=", tolerance),
        _bound(f"{label}: recursion max_n |logit pi_n(Y1) - H(logit pi_(n-1)(Y1))|", recursion, "<=", tolerance),
        _bound(f"{label}: fixed point region min_n x_n - x_lo (n >= 1)", float(np.min(iterates) - x_lo), ">=", -tolerance),
        _bound(f"{label}: fixed point region x_hi - max_n x_n (n >= 1)", float(x_hi - np.max(iterates)), ">", -tolerance),
        _bound(f"{label}: fixed point amplification min_n x_n - logit alpha (n >= 1)", float(np.min(iterates) - x0), ">", 0.0),
    ]
    alpha = float(np.exp(masked_logsumexp(log_a[valid], axis=0)))
    roots = grpo.fixed_points(alpha, beta, eps)
    rate = grpo.guaranteed_rate(alpha, beta, eps)
    if rate is not None:
        root = float(roots[0])
        excess = max(abs(x - root) - rate ** n * abs(iterates[0] - root) for n, x in enumerate(iterates))
        checks += [
            _bound(f"{label}: fixed point count with a guaranteed rate r = {rate:.3g}", len(roots), "<=", 1),
            _bound(f"{label}: fixed point contraction max_n |x_n - x*| - r^(n-1)|x_1 - x*|", excess, "<=", tolerance),
        ]
    row = {"kind": "iteration", "design": name, "alpha": alpha, "beta": beta, "eps": eps, "x0": x0,
           "x_lo": x_lo, "x_hi": x_hi, "path": [float(x) for x in path], "fixed_points": [float(r) for r in roots],
           "rate": rate, "last_step": float(abs(path[-1] - path[-2])), "period_two_gap": float(abs(path[-1] - path[-3]))}
    return row, checks


def _log_tilted(log_a: np.ndarray, valid: np.ndarray, beta: float) -> np.ndarray:
    log_w = log_a + valid / beta
    return log_w - masked_logsumexp(log_w, axis=0)


def _kl(log_p: np.ndarray, log_a: np.ndarray) -> float:
    """``KL(p || a) = sum_y p(y) log(p(y)/a(y))`` over the strings."""
    return float(np.sum(np.exp(log_p) * (log_p - log_a)))


def _per_token_kls(log_p: np.ndarray, log_a: np.ndarray) -> list[float]:
    """``E_p[KL(p(. | y_<t) || a(. | y_<t))]`` for ``t = 1..L``, from the prefix marginals of the strings
    (lexicographic order: position 0 is the first axis)."""
    shape = (VOCAB,) * LENGTH
    p, a = np.exp(log_p).reshape(shape), np.exp(log_a).reshape(shape)
    kls, p_before, a_before = [], np.ones(()), np.ones(())
    for t in range(LENGTH):
        axes = tuple(range(t + 1, LENGTH))
        p_prefix, a_prefix = p.sum(axis=axes), a.sum(axis=axes)
        p_next, a_next = p_prefix / p_before[..., None], a_prefix / a_before[..., None]
        kls.append(float(np.sum(p_prefix * (np.log(p_next) - np.log(a_next)))))
        p_before, a_before = p_prefix, a_prefix
    return kls


def _controller(name: str, log_a: np.ndarray, valid: np.ndarray) -> tuple[dict, list[BoundCheck]]:
    alpha = float(np.exp(masked_logsumexp(log_a[valid], axis=0)))
    target = -np.log(alpha) * TARGET_FRACTION
    beta_star = kl_control.beta_for_kl_budget(alpha, target)
    elasticity = kl_control.controller_elasticity(alpha, target)
    ratio = min(1.0, 1 / elasticity)  # n/H: the linearized error shrinks by |1 - (n/H) E| < 1 per update
    label = f"{name}, T = {target:.4g} nats per sequence, n/H = {ratio:.3g}"
    betas, arrived = [BETA_START], None
    for t in range(CONTROLLER_UPDATES):
        kl_value = _kl(_log_tilted(log_a, valid, betas[-1]), log_a)
        betas.append(betas[-1] * kl_control.controller_multiplier(kl_value, target, ratio, 1.0))
        if arrived is None and abs(np.log(betas[-1] / beta_star)) <= REACHED:
            arrived = t + 1
    toward = beta_star * (1 - REACHED if beta_star > BETA_START else 1 + REACHED)
    fewest = kl_control.updates_needed(BETA_START, toward, ratio, 1.0)
    log_p_star = _log_tilted(log_a, valid, beta_star)
    spent = _kl(log_p_star, log_a)
    per_token = _per_token_kls(log_p_star, log_a)
    tolerance = ULPS * EPS * (1 + np.max(np.abs(log_a)) + 1 / beta_star)
    checks = [
        _bound(f"{label}: controller |log(beta_final/beta*)|", abs(np.log(betas[-1] / beta_star)), "<=", 1e-9),
        _bound(f"{label}: controller |KL(p_beta* || a) - T| (sum over strings)", abs(spent - target), "<=",
               tolerance * target + 4 * EPS / beta_star),
        _bound(f"{label}: controller updates to within 1e-6 of beta* minus the lower bound {fewest}",
               (CONTROLLER_UPDATES + 1 if arrived is None else arrived) - fewest, ">=", 0),
        _bound(f"{label}: controller chain rule |sum_t per-token KL - sequence KL|", abs(sum(per_token) - spent), "<=",
               tolerance),
    ]
    row = {"kind": "controller", "design": name, "alpha": alpha, "target": target, "beta_star": beta_star,
           "elasticity": elasticity, "samples_over_horizon": ratio, "betas": betas, "arrived": arrived,
           "fewest_updates": fewest, "per_token_kl": per_token, "per_token_mean": sum(per_token) / LENGTH}
    return row, checks


def run_grpo_dynamics(seed: int, progress: Progress) -> ExperimentResult:
    """The ``grpo-dynamics`` measurements on the three designs of ``seed``."""
    rows: list[dict] = []
    checks: list[BoundCheck] = []
    for name, log_a, valid in _designs(seed):
        for beta, eps in SETTINGS:
            row, more = _iteration(name, log_a, valid, beta, eps)
            rows.append(row)
            checks += more
        row, more = _controller(name, log_a, valid)
        rows.append(row)
        checks += more
        progress(f"{name}: GRPO iterations and the controller")
    parameters = {"vocab": VOCAB, "length": LENGTH, "seed": seed, "settings": [list(s) for s in SETTINGS],
                  "steps": STEPS, "target_fraction": TARGET_FRACTION, "beta_start": BETA_START,
                  "controller_updates": CONTROLLER_UPDATES, "reached": REACHED, "ulps": ULPS}
    return ExperimentResult("grpo-dynamics", parameters, rows, checks, _findings(rows))


def _findings(rows: list[dict]) -> list[str]:
    findings = []
    for row in rows:
        if row["kind"] == "iteration":
            where = f"{row['design']} ($\\alpha = {row['alpha']:.3g}$), $\\beta = {row['beta']:g}$, $\\varepsilon = {row['eps']:g}$"
            count = len(row["fixed_points"])
            if row["last_step"] <= 1e-9 * (1 + abs(row["path"][-1])):
                ends = rf"converge to $p^* = \sigma({row['path'][-1]:.6g})$"
            elif row["period_two_gap"] <= 1e-9 * (1 + abs(row["path"][-1])):
                ends = rf"end on a 2-cycle between logits ${row['path'][-2]:.4g}$ and ${row['path'][-1]:.4g}$"
            else:
                ends = "have not settled"
            findings.append(f"{where}: {count} fixed point{'s' if count > 1 else ''}; after {STEPS} steps the iterates"
                            f" from $\\pi_{{\\mathrm{{ref}}}}$ {ends}.")
        else:
            findings.append(
                f"{row['design']}: the controller ($n/H = {row['samples_over_horizon']:.3g}$) reaches"
                f" $\\beta^* = {row['beta_star']:.6g}$ for $T = {row['target']:.4g}$ nats per sequence"
                f" ({row['per_token_mean']:.4g} nats per token over $L = {LENGTH}$) within $10^{{-6}}$ after"
                f" {row['arrived']} updates (at least {row['fewest_updates']} are needed).")
    return findings


def plot_grpo_dynamics(result: ExperimentResult, stem: Path) -> list[Path]:
    """Left: the success logits ``x_n`` of the first design for each setting. Right: ``|log(beta_t/beta*)|`` of
    the controller runs, first ``PLOTTED_UPDATES`` updates."""
    first = result.rows[0]["design"]
    fig, (left, right) = new_figure(2)
    for row in result.rows:
        if row["kind"] == "iteration" and row["design"] == first:
            left.plot(range(len(row["path"])), row["path"], marker=".", lw=0.8,
                      label=f"$\\beta = {row['beta']:g}$, $\\varepsilon = {row['eps']:g}$")
        elif row["kind"] == "controller":
            shown = np.array(row["betas"][:PLOTTED_UPDATES + 1])
            right.plot(np.abs(np.log(shown / row["beta_star"])) + EPS**2, marker=".", lw=0.8, label=row["design"])
    left.set(yscale="symlog", xlabel="iteration $n$", ylabel=r"$x_n = \mathrm{logit}\,p_n$",
             title=f"GRPO iterates ({first})")
    left.legend(frameon=False)
    right.set(yscale="log", xlabel="update $t$", ylabel=r"$|\log(\beta_t/\beta^*)|$", title="Adaptive KL controller")
    right.legend(frameon=False)
    return save_figure(fig, stem)


_SETUP = (
    r"Space: all $2^8 = 256$ binary strings of length $L = 8$; three designs: parity with an independent base"
    r" (seed $s$), at least 6 ones with an order-1 Markov base (seed $s$), no two adjacent ones with an independent"
    r" base (seed $s + 1$); logits $\sim N(0, 1)$. Every quantity is a sum over the strings; no sampling.",
    r"GRPO: $\pi_n = a\,e^{A/\beta}/Z_n$ from $\pi_0 = a$, $A = (1 - p)/s$ on valid and $-p/s$ on invalid strings,"
    r" $p = \pi_{n-1}(\mathcal{Y}_1)$, $s = \sqrt{p(1 - p) + \varepsilon}$, 60 iterations for"
    r" $(\beta, \varepsilon) \in \{(1, 0.1), (0.04, 10^{-4}), (1, 10^{-4}), (3, 10^{-6})\}$, in log space.",
    r"Controller: $\beta \leftarrow \beta(1 + \mathrm{clip}(K/T - 1, -0.2, 0.2)\,n/H)$ with $K = \mathrm{KL}(p_\beta\,\|\,a)$"
    r" summed over the strings, $T = 0.3(-\log\alpha)$ nats per sequence, $\beta_0 = 1$, 400 updates, $n/H = \min(1, 1/E)$"
    r" with $E = \mu(1-\mu)/(\beta^{*2} T)$ the elasticity of the KL at $\beta^*$.",
)
_THRESHOLDS = (
    Threshold(r"$|\log\pi_n(\cdot\mid\mathcal{Y}_1) - \log a(\cdot\mid\mathcal{Y}_1)|$, $|x_n - H(x_{n-1})|$ and the"
              r" contraction bound", r"$64\epsilon$ times the size of the terms",
              r"float64 rounding of sums and logarithms over 256 strings whose exponents reach $1/(\beta\sqrt\varepsilon)$"),
    Threshold(r"controller: $|\log(\beta_{400}/\beta^*)|$", r"$10^{-9}$",
              r"the linearized error shrinks by $|1 - (n/H)E| \le 1/2$ or less per update"),
    Threshold(r"controller: updates to come within $10^{-6}$ of $\beta^*$", r"$\ge$ the lower bound",
              r"kl-controller-fixed-point: each update changes $\beta$ by at most the factor $1 \pm 0.2\,n/H$"),
)
_CAPTION = (r"Left: the success logits $x_n = \mathrm{logit}\,\pi_n(\mathcal{Y}_1)$ of GRPO's iteration on the first design"
            r" for each $(\beta, \varepsilon)$ (symmetric log axis). Right: $|\log(\beta_t/\beta^*)|$ along the adaptive"
            r" controller's first 30 updates, one line per design.")

EXPERIMENTS: tuple[Experiment, ...] = (
    Experiment(
        name="grpo-dynamics",
        title="GRPO's KL-regularized iteration and the adaptive KL controller, by exact enumeration",
        run=run_grpo_dynamics,
        plot=plot_grpo_dynamics,
        setup=_SETUP,
        thresholds=_THRESHOLDS,
        definitional=("chain rule",),
        captions={"": _CAPTION},
    ),
)
