"""The dependency graph of the claims, laid out by Graphviz ``dot``.

Claims are the vertices and ``uses`` the edges (from the used claim to the
claim that uses it), exactly as registered. ``dot`` lays them out left to
right and routes each edge between the boxes as a Bézier spline; the claims
expected to be refuted (negative controls and unqualified readings) are in a
cluster of their own. The same DOT source gives the TikZ drawing of the PDF
(from ``dot -Tjson``: positions, sizes and splines, nodes linked to their
sections) and the SVG of the web pages (``dot -Tsvg``: nodes linked to their pages).

Main definitions
- ``DOT_PACKAGE = "graphviz"``: the Debian package of ``dot``; ``GraphvizNotInstalled``.
- ``GraphNode(id, label_lines)``, ``node_label_lines(claim_id)``: the id broken
  after hyphens into lines of at most ``LABEL_WIDTH`` characters.
- ``dot_source(claims, numbers, colours, controls, urls)``: the DOT text; each
  node's label is its section number and its id, its fill the status colour.
- ``GraphLayout`` (nodes with position and size in cm, edges as lists of Bézier
  points in cm, the cluster's box) and ``layout(source)``: ``dot -Tjson``.
- ``svg(source)``: ``dot -Tsvg``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = ["DOT_PACKAGE", "GraphvizNotInstalled", "LABEL_WIDTH", "node_label_lines", "dot_source", "GraphLayout",
           "LaidNode", "LaidEdge", "layout", "svg"]

DOT_PACKAGE = "graphviz"
LABEL_WIDTH = 16
"""Longest line of a node label (characters)."""
_CM_PER_POINT = 2.54 / 72
_CM_PER_INCH = 2.54
_TIMEOUT = 120


class GraphvizNotInstalled(RuntimeError):
    """The ``dot`` program is not on the PATH."""


def node_label_lines(claim_id: str) -> tuple[str, ...]:
    """``claim_id`` broken after hyphens into lines of at most ``LABEL_WIDTH``
    characters (a longer single word stays whole)."""
    lines: list[str] = []
    for word in claim_id.replace("-", "-\n").split("\n"):
        if lines and len(lines[-1]) + len(word) <= LABEL_WIDTH:
            lines[-1] += word
        else:
            lines.append(word)
    return tuple(lines)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def dot_source(uses: Mapping[str, Sequence[str]], numbers: Mapping[str, str], colours: Mapping[str, str],
               controls: Sequence[str], urls: Mapping[str, str] | None = None) -> str:
    """The DOT text of the claim graph: ``uses`` (claim -> used claims), section ``numbers``,
    fill ``colours`` (HTML hex, by claim), the ids of the ``controls`` (their own cluster)."""
    lines = ["digraph claims {", "  rankdir=LR; nodesep=0.18; ranksep=0.55; splines=spline;",
             '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=9, margin="0.06,0.03"];',
             '  edge [arrowsize=0.6, color="#555555"];']

    def node(cid: str) -> str:
        label = "\\n".join((f"\u00a7{numbers.get(cid, '')}", *node_label_lines(cid)))
        attributes = [f'label="{label}"', f'fillcolor="#{colours[cid]}"', f"id={_quote('node-' + cid)}"]
        if urls:
            attributes += [f"URL={_quote(urls[cid])}", f"tooltip={_quote(cid)}", 'target="_top"']
        if cid in controls:
            attributes.append('style="rounded,filled,dashed"')
        return f"  {_quote(cid)} [{', '.join(attributes)}];"

    lines += [node(cid) for cid in uses if cid not in controls]
    if any(cid in uses for cid in controls):
        lines += ["  subgraph cluster_controls {", '    label="expected to be refuted"; fontname="Helvetica"; fontsize=9; style="dashed"; color="#888888";']
        lines += ["  " + node(cid) for cid in uses if cid in controls]
        lines.append("  }")
    for target, used in uses.items():
        for source in used:
            if source in uses:
                style = ' [style="dashed"]' if target in controls else ""
                lines.append(f"  {_quote(source)} -> {_quote(target)}{style};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot(source: str, output: str) -> str:
    if shutil.which("dot") is None:
        raise GraphvizNotInstalled(f"the dot program is not installed; on Debian/Ubuntu: apt-get install {DOT_PACKAGE}")
    done = subprocess.run(["dot", f"-T{output}"], input=source, capture_output=True, text=True, timeout=_TIMEOUT)
    if done.returncode != 0:
        raise RuntimeError(f"dot failed: {done.stderr.strip()}")
    return done.stdout


@dataclass(frozen=True)
class LaidNode:
    id: str
    x: float
    y: float
    width: float
    height: float
    label_lines: tuple[str, ...]


@dataclass(frozen=True)
class LaidEdge:
    """``points``: start, then control, control, end for each Bézier piece; ``tip``: the arrow's end."""

    source: str
    target: str
    points: tuple[tuple[float, float], ...]
    tip: tuple[float, float]
    dashed: bool


@dataclass(frozen=True)
class GraphLayout:
    nodes: tuple[LaidNode, ...]
    edges: tuple[LaidEdge, ...]
    width: float
    height: float
    cluster: tuple[float, float, float, float] | None
    cluster_label: tuple[float, float] | None


def _point(text: str, scale: float = _CM_PER_POINT) -> tuple[float, float]:
    x, y = text.split(",")[:2]
    return round(float(x) * scale, 3), round(float(y) * scale, 3)


def layout(source: str) -> GraphLayout:
    """Positions (cm, origin at the bottom left), sizes and edge splines from ``dot -Tjson``."""
    graph = json.loads(_dot(source, "json"))
    objects = graph.get("objects", [])
    nodes, names, cluster, cluster_label = [], {}, None, None
    for item in objects:
        if "nodes" in item or item.get("name", "").startswith("cluster"):
            x0, y0, x1, y1 = (float(v) * _CM_PER_POINT for v in item["bb"].split(","))
            cluster = (round(x0, 3), round(y0, 3), round(x1, 3), round(y1, 3))
            cluster_label = _point(item["lp"]) if "lp" in item else None
            continue
        names[item["_gvid"]] = item["name"]
        x, y = _point(item["pos"])
        nodes.append(LaidNode(item["name"], x, y, round(float(item["width"]) * _CM_PER_INCH, 3),
                              round(float(item["height"]) * _CM_PER_INCH, 3), node_label_lines(item["name"])))
    edges = []
    for item in graph.get("edges", []):
        parts = item["pos"].split()
        tip = _point(parts[0][2:]) if parts[0].startswith("e,") else None
        points = tuple(_point(p) for p in parts if not p.startswith(("e,", "s,")))
        edges.append(LaidEdge(names[item["tail"]], names[item["head"]], points, tip or points[-1],
                              "dashed" in item.get("style", "")))
    _, _, width, height = (float(v) * _CM_PER_POINT for v in graph["bb"].split(","))
    return GraphLayout(tuple(nodes), tuple(edges), round(width, 3), round(height, 3), cluster, cluster_label)


def svg(source: str) -> str:
    """The SVG drawing of ``source`` (``dot -Tsvg``), without its XML prologue."""
    text = _dot(source, "svg")
    return text[text.index("<svg"):]
