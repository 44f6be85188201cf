"""The appendix figures: the closed forms, and the plots of the run's experiments.

Main definitions
- ``ALPHAS = (1e-4, 1e-2, 0.1, 0.5, 0.9)`` and ``BETAS``: 241 log-spaced
  temperatures in ``[1e-3, 1e3]``.
- ``plot_validity(stem)``: ``mu_beta = sigma(1/beta + logit alpha)`` against
  ``beta`` (log axis), one curve per ``alpha``, each tending to ``alpha`` as
  ``beta -> inf`` and to 1 as ``beta -> 0+``.
- ``plot_forward_kl(stem)``: ``KL(p_* || p_beta) = -log mu_beta`` against
  ``beta`` (log-log), with the asymptote ``((1 - alpha)/alpha) e^{-1/beta}``
  dashed, over all of ``BETAS`` and for ``beta >= ZOOM_BETA``; float64 values
  that underflow to 0 are not drawn (``UNDERFLOW_NOTE``).
- ``closed_form_figures(directory)``, ``experiment_figures(experiments,
  directory)``: write the figures (PDF and PNG) and return them as
  ``document.Figure``; an experiment's caption is the one its registry entry
  gives for the figure's part (``Experiment.captions``), after its title.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from proofs_checks.appendix.document import Figure
from proofs_checks.experiments import EXPERIMENTS
from proofs_checks.experiments.plotting import new_figure, save_figure
from theory.closed_form import forward_kl_to_filtered, validity_rate

__all__ = ["ALPHAS", "BETAS", "plot_validity", "plot_forward_kl", "closed_form_figures",
           "experiment_figures", "UNDERFLOW_NOTE"]

ALPHAS = (1e-4, 1e-2, 0.1, 0.5, 0.9)
BETAS = np.logspace(-3, 3, 241)
ZOOM_BETA = 0.03
UNDERFLOW_NOTE = (r"In float64, $-\log\mu_\beta$ underflows to 0 once $e^{-1/\beta}(1-\alpha)/\alpha$ is below"
                  r" about $10^{-323}$ (here for $\beta \le 1.4 \times 10^{-3}$); those points are not drawn.")


def _alpha_label(alpha: float) -> str:
    return rf"$\alpha = 10^{{{round(np.log10(alpha))}}}$" if alpha < 0.05 else rf"$\alpha = {alpha:g}$"


def plot_validity(stem: Path) -> list[Path]:
    """``mu_beta`` against ``beta`` for each of ``ALPHAS``; writes ``stem.pdf`` and ``stem.png``."""
    fig, (axis,) = new_figure(1, height=2.6)
    for alpha in ALPHAS:
        line, = axis.plot(BETAS, validity_rate(alpha, BETAS), label=_alpha_label(alpha))
        axis.axhline(alpha, color=line.get_color(), lw=0.6, ls=":")
    axis.set_xscale("log")
    axis.set_xlabel(r"temperature $\beta$")
    axis.set_ylabel(r"validity $\mu_\beta = p_\beta(\mathcal{Y}_1)$")
    axis.set_ylim(-0.02, 1.02)
    axis.grid(True, which="major", lw=0.3, alpha=0.5)
    axis.legend(loc="lower left", frameon=False)
    axis.set_title(r"$\mu_\beta = \sigma(1/\beta + \mathrm{logit}\,\alpha)$; dotted: the limit $\alpha$ as $\beta\to\infty$")
    return save_figure(fig, stem)


def plot_forward_kl(stem: Path) -> list[Path]:
    """``-log mu_beta`` against ``beta`` (log-log) for each of ``ALPHAS``, with
    the small-``beta`` asymptote dashed: left over all of ``BETAS`` (down to the
    float64 underflow; zeros are not drawn), right for ``beta >= ZOOM_BETA``."""
    fig, axes = new_figure(2, height=2.7)
    for axis, shown in zip(axes, (BETAS > 0, BETAS >= ZOOM_BETA)):
        for alpha in ALPHAS:
            kl = forward_kl_to_filtered(alpha, BETAS)
            drawn = shown & (kl > 0)
            line, = axis.plot(BETAS[drawn], kl[drawn], label=_alpha_label(alpha))
            with np.errstate(under="ignore"):
                asymptote = (1 - alpha) / alpha * np.exp(-1 / BETAS)
            near = drawn & (BETAS <= 0.5) & (asymptote > 0)
            axis.plot(BETAS[near], asymptote[near], color=line.get_color(), lw=0.8, ls="--")
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel(r"temperature $\beta$")
        axis.grid(True, which="major", lw=0.3, alpha=0.5)
    axes[0].set_ylabel(r"$\mathrm{KL}(p_*\,\|\,p_\beta) = -\log\mu_\beta$")
    axes[0].set_yticks([1e-300, 1e-200, 1e-100, 1.0])
    axes[0].set_title("down to the float64 underflow")
    axes[1].set_title(rf"$\beta \geq {ZOOM_BETA:g}$")
    axes[0].plot([], [], color="grey", lw=0.8, ls="--", label=r"asymptote $\frac{1-\alpha}{\alpha}e^{-1/\beta}$")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=len(ALPHAS) + 1, frameon=False)
    return save_figure(fig, stem)


def closed_form_figures(directory: Path) -> list[Figure]:
    """Write the two closed-form figures into ``directory`` (``figures/`` of the appendix)."""
    directory = Path(directory)
    plot_validity(directory / "validity-rate")
    plot_forward_kl(directory / "forward-kl")
    return [
        Figure(f"{directory.name}/validity-rate.pdf",
               r"Validity $\mu_\beta$ of the tilted distribution against the temperature $\beta$ (log axis), from"
               r" the float64 closed form $\mu_\beta = \sigma(1/\beta + \logit\alpha)$, one curve per base validity"
               r" $\alpha$; dotted: the limit $\alpha$ as $\beta \to \infty$.", "fig:validity-rate"),
        Figure(f"{directory.name}/forward-kl.pdf",
               r"Forward KL $\KL(p_*\,\|\,p_\beta) = -\log\mu_\beta$ against $\beta$ (log-log), one colour per base"
               r" validity $\alpha$, with the asymptote $\frac{1-\alpha}{\alpha} e^{-1/\beta}$ dashed (drawn for"
               r" $\beta \le 0.5$); left: all of $\beta \in [10^{-3}, 10^3]$, right: $\beta \ge 0.03$. "
               + UNDERFLOW_NOTE, "fig:forward-kl"),
    ]


def experiment_figures(experiments: Mapping[str, Any], directory: Path) -> dict[str, list[Figure]]:
    """Plot every experiment of the run with its own ``plot``; the figures by experiment name."""
    figures: dict[str, list[Figure]] = {}
    for name, result in experiments.items():
        experiment = EXPERIMENTS[name]
        written = [p for p in experiment.plot(result, Path(directory) / name) if p.suffix == ".pdf"]
        figures[name] = []
        for path in sorted(written):
            part = path.stem.removeprefix(name).lstrip("-")
            heading = f"Design {part}: " if part else ""
            figures[name].append(Figure(f"{Path(directory).name}/{path.name}",
                                        heading + experiment.captions.get(part, experiment.title), f"fig:{path.stem}"))
    return figures
