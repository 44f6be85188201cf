"""Shared symbolic notation of the claim derivations.

Main definitions
- ``G``: the generic-outcome model (``theory.symbolic.GenericOutcomes``): sums
  over ``y = 1..n`` with symbolic ``n``, indexed ``a[y]``, ``q[y]``, ``v[y]``.
- Placeholders ``Z`` (``Z_beta``), ``MU`` (``mu_beta``), with ``definitions()``
  ``Z_beta = 1 - alpha + alpha e^{1/beta}`` and ``mu_beta = alpha e^{1/beta} / Z_beta``,
  substituted before a step is checked.
- ``A, Q, V, Y``: ``a[y]``, ``q[y]``, ``v[y]`` and the index ``y``;
  ``TILTED = a[y] e^{v[y]/beta} / Z_beta``, ``FILTERED = a[y] v[y] / alpha``.
- ``BINARY``: the case split ``v[y] in {0, 1}`` for ``Equal(..., cases=BINARY)``.
- ``FACTS``: the defining sums of ``G`` plus ``sum a v^2 = alpha`` and
  ``sum q v^2 = m`` (``v^2 = v``).
- ``DOMAIN``: sampling ranges for counterexample searches.
"""

from __future__ import annotations

import sympy as sp

from theory import symbolic
from theory.symbolic import GenericOutcomes, alpha, beta, mu

G = GenericOutcomes()
Y, A, Q, V, M = G.y, G.a[G.y], G.q[G.y], G.v[G.y], G.m
Z = sp.Symbol("Z_beta", positive=True)
MU = sp.Symbol("mu_beta", positive=True)


def definitions() -> dict[sp.Symbol, sp.Expr]:
    """``mu_beta`` and ``Z_beta`` from ``theory.symbolic``, read at each call (so that
    the derivations check the library's current formulas)."""
    z = symbolic.partition(alpha, beta)
    return {MU: symbolic.validity_rate(alpha, beta).subs(z, Z), Z: z}

TILTED = A * sp.exp(V / beta) / Z
FILTERED = A * V / alpha
BINARY = (V, (0, 1))
FACTS = {**G.facts, G.total(A * V**2): alpha, G.total(Q * V**2): M}
DOMAIN = {alpha: (0, 1), beta: (0, sp.oo), mu: (alpha, 1), M: (0, 1)}


def total(summand: sp.Expr) -> sp.Sum:
    """``sum_{y=1}^{n} summand``."""
    return G.total(summand)
