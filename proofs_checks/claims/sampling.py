"""Shared pieces of the claims' property layers.

Main definitions
- ``problems_with_policy()``: a Hypothesis strategy for a problem and a
  full-support policy ``q`` on the same outputs.
- ``close(lhs, rhs, scale, what, rtol)``: assert ``|lhs - rhs| <= rtol * scale``,
  with ``scale`` the size of the terms that were combined.
"""

from __future__ import annotations

from hypothesis import strategies as st

from theory.strategies import probability_vectors, problems

__all__ = ["problems_with_policy", "close"]


def problems_with_policy() -> st.SearchStrategy:
    """A problem and a full-support policy ``q`` on the same outputs."""
    return problems().flatmap(lambda p: st.tuples(st.just(p), probability_vectors(min_size=p.n, max_size=p.n)))


def close(lhs: float, rhs: float, scale: float, what: str, rtol: float = 1e-11) -> None:
    """Assert ``|lhs - rhs| <= rtol * scale`` (``scale``: the size of the terms that were combined)."""
    assert abs(lhs - rhs) <= rtol * scale, f"{what}: {lhs!r} != {rhs!r} (scale {scale:.3g})"
