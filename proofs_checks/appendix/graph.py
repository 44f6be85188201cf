"""The dependency graph of the claims, laid out in layers for TikZ.

Claims are the vertices and ``uses`` the edges (from the used claim to the
claim that uses it), exactly as registered. The drawing is a layered
(Sugiyama-style) layout computed here: columns by longest path, long edges
routed through dummy points in the columns they cross, and the order inside
each column chosen by repeated barycentre sweeps to reduce crossings.

Main definitions
- ``longest_path_layers(uses)``: ``layer(c) = 0`` if ``c`` uses nothing, else
  ``1 + max(layer(u) for u in uses(c))``; a cycle is a ``RegistryError``.
- ``layout_claim_graph(uses)``: a ``GraphLayout`` with every claim's position
  (column ``x = layer * COLUMN_GAP``, rows stacked from the top) and every
  edge's route (the dummy points it passes through).
- ``node_label_lines(claim_id)``: the id broken after hyphens into lines of at
  most ``LABEL_WIDTH`` characters.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from proofs_checks.claim import RegistryError

__all__ = ["GraphNode", "GraphEdge", "GraphLayout", "longest_path_layers", "layout_claim_graph",
           "node_label_lines", "COLUMN_GAP", "LABEL_WIDTH"]

COLUMN_GAP = 3.5
"""Horizontal distance between layers (cm)."""
ROW_HEIGHT = 1.05
"""Vertical space of a claim (cm)."""
DUMMY_HEIGHT = 0.3
"""Vertical space of an edge crossing a layer (cm)."""
LABEL_WIDTH = 16
"""Longest line of a node label (characters)."""
_SWEEPS = 8


@dataclass(frozen=True)
class GraphNode:
    id: str
    layer: int
    x: float
    y: float
    label_lines: tuple[str, ...]


@dataclass(frozen=True)
class GraphEdge:
    """``source`` is used by ``target``; ``via`` are the points where the edge
    crosses the layers in between."""

    source: str
    target: str
    via: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class GraphLayout:
    nodes: tuple[GraphNode, ...]
    edges: tuple[GraphEdge, ...]
    layers: int
    height: float


def longest_path_layers(uses: Mapping[str, Sequence[str]]) -> dict[str, int]:
    """Layer of every claim: 0 without uses, else one more than its deepest use."""
    layers: dict[str, int] = {}

    def layer(cid: str, path: tuple[str, ...]) -> int:
        if cid in path:
            raise RegistryError(f"the uses of the claims form a cycle: {' -> '.join((*path, cid))}")
        if cid not in layers:
            used = [u for u in uses[cid] if u in uses]
            layers[cid] = 1 + max((layer(u, (*path, cid)) for u in used), default=-1)
        return layers[cid]

    for cid in uses:
        layer(cid, ())
    return layers


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


def layout_claim_graph(uses: Mapping[str, Sequence[str]]) -> GraphLayout:
    """Positions of the claims and routes of the ``uses`` edges (see the module header)."""
    layer_of = longest_path_layers(uses)
    depth = max(layer_of.values(), default=-1) + 1
    columns: list[list[str]] = [[] for _ in range(depth)]
    for cid in uses:  # registry order is the starting order
        columns[layer_of[cid]].append(cid)
    # a chain of vertices per edge: the source, one dummy per crossed layer, the target
    chains: list[tuple[str, str, list[str]]] = []
    for target, used in uses.items():
        for source in used:
            if source not in uses:
                continue
            chain = [source]
            for between in range(layer_of[source] + 1, layer_of[target]):
                dummy = f"{source}>{target}@{between}"
                columns[between].append(dummy)
                chain.append(dummy)
            chain.append(target)
            chains.append((source, target, chain))
    below: dict[str, list[str]] = {v: [] for column in columns for v in column}
    above: dict[str, list[str]] = {v: [] for column in columns for v in column}
    for _, _, chain in chains:
        for upper, lower in zip(chain, chain[1:]):
            below[upper].append(lower)
            above[lower].append(upper)
    _order_by_barycentres(columns, above, below)
    position: dict[str, tuple[float, float]] = {}
    heights = [sum(ROW_HEIGHT if "@" not in v else DUMMY_HEIGHT for v in column) for column in columns]
    height = max(heights, default=0.0)
    for index, column in enumerate(columns):
        y = -(height - heights[index]) / 2
        for v in column:
            step = ROW_HEIGHT if "@" not in v else DUMMY_HEIGHT
            position[v] = (round(index * COLUMN_GAP, 3), round(y - step / 2, 3))
            y -= step
    nodes = tuple(GraphNode(cid, layer_of[cid], *position[cid], node_label_lines(cid)) for cid in uses)
    edges = tuple(GraphEdge(source, target, tuple(position[v] for v in chain[1:-1]))
                  for source, target, chain in chains)
    return GraphLayout(nodes, edges, depth, round(height, 3))


def _order_by_barycentres(columns: list[list[str]], above: Mapping[str, list[str]],
                          below: Mapping[str, list[str]]) -> None:
    """Reorder each column (in place) by the mean rank of its neighbours in the
    previous column, sweeping left to right then right to left; ties keep the
    current order."""
    for sweep in range(_SWEEPS):
        forward = sweep % 2 == 0
        indices = range(1, len(columns)) if forward else range(len(columns) - 2, -1, -1)
        for index in indices:
            reference = columns[index - 1] if forward else columns[index + 1]
            rank = {v: r for r, v in enumerate(reference)}
            neighbours = above if forward else below
            current = columns[index]

            def key(v: str, current: list[str] = current) -> float:
                linked = [rank[n] for n in neighbours[v] if n in rank]
                return sum(linked) / len(linked) if linked else float(current.index(v))

            columns[index] = sorted(current, key=key)
