"""Shared figure conventions: appendix-sized figures saved as PDF and PNG.

Main definitions
- ``new_figure(ncols)``: a figure sized for a LaTeX page (6.3 in wide), with a
  row of ``ncols`` axes; fonts are embedded in the PDF as TrueType
  (``pdf.fonttype = 42``), never as Type 3.
- ``save_figure(fig, stem)``: writes ``stem.pdf`` and ``stem.png`` (150 dpi)
  and closes the figure.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["new_figure", "save_figure", "PAGE_WIDTH_INCHES"]

PAGE_WIDTH_INCHES = 6.3


def new_figure(ncols: int = 1, height: float = 2.6) -> tuple[Any, Any]:
    """A non-interactive figure with ``ncols`` side-by-side axes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": 8, "axes.titlesize": 9, "legend.fontsize": 7, "figure.dpi": 150,
                         "pdf.fonttype": 42, "ps.fonttype": 42})
    fig, axes = plt.subplots(1, ncols, figsize=(PAGE_WIDTH_INCHES, height), squeeze=False, layout="constrained")
    return fig, axes[0]


def save_figure(fig: Any, stem: Path) -> list[Path]:
    """Save ``fig`` as ``stem.pdf`` and ``stem.png``; return both paths."""
    import matplotlib.pyplot as plt

    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = [stem.with_suffix(".pdf"), stem.with_suffix(".png")]
    for path in paths:
        fig.savefig(path, metadata={"CreationDate": None} if path.suffix == ".pdf" else None)
    plt.close(fig)
    return paths
