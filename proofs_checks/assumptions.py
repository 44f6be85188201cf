"""The standing assumptions: what every claim may assume without proof.

A derivation step may assume only these, the claims in its claim's ``uses``,
the claim's own hypotheses and earlier steps, and it records which (see
``proofs_checks.derivation``). The report lists them once, with the ids below,
and the appendix prints them before the first claim.

Main definitions
- ``Assumption(id, statement, facts)``: ``statement`` is prose with math in
  ``$...$``; ``facts`` are the formal SymPy relations a step may cite (for the
  generic outcome ``y`` of ``proofs_checks.claims.notation``).
- ``STANDING``: the assumptions in the order they are printed; ``BY_ID``.
- ``finite-outputs``: ``Y`` finite, ``n = |Y| >= 2``.
- ``base-positive``: ``a(y) > 0`` and ``sum_y a(y) = 1``.
- ``binary-reward``: ``v(y) in {0, 1}``.
- ``valid-mass-interior``: ``alpha = a(Y1) = sum_y a(y) v(y)`` with ``0 < alpha < 1``.
- ``temperature-positive``: ``beta > 0``.
- ``policy-full-support``: a policy ``q`` has ``q(y) > 0``, ``sum_y q(y) = 1``,
  ``m = q(Y1) = sum_y q(y) v(y)`` with ``0 < m < 1``.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from theory.symbolic import GenericOutcomes, alpha, beta

__all__ = ["Assumption", "STANDING", "BY_ID"]


@dataclass(frozen=True)
class Assumption:
    """A standing assumption: its id, its statement and the formal facts it provides."""

    id: str
    statement: str
    facts: tuple[sp.Basic, ...] = ()


_G = GenericOutcomes()
_A, _Q, _V = _G.a[_G.y], _G.q[_G.y], _G.v[_G.y]

STANDING: tuple[Assumption, ...] = (
    Assumption("finite-outputs", r"The output set $\mathcal{Y}$ is finite, with $n = |\mathcal{Y}| \ge 2$ outputs.",
               (sp.Ge(_G.n, 2),)),
    Assumption("base-positive", r"The base model $a$ is a probability vector with $a(y) > 0$ for every $y$"
               r" (outputs of zero base mass are not in $\mathcal{Y}$): $\sum_y a(y) = 1$.",
               (sp.Gt(_A, 0), sp.Eq(_G.total(_A), 1))),
    Assumption("binary-reward", r"The reward is binary: $v(y) \in \{0, 1\}$; $\mathcal{Y}_1 = \{v = 1\}$ (valid) and"
               r" $\mathcal{Y}_0 = \{v = 0\}$ (invalid).",
               (sp.Eq(_V * (1 - _V), 0),)),
    Assumption("valid-mass-interior", r"The base validity rate $\alpha = a(\mathcal{Y}_1) = \sum_y a(y) v(y)$ satisfies"
               r" $0 < \alpha < 1$: some output is valid and some is not.",
               (sp.Eq(_G.total(_A * _V), alpha), sp.Gt(alpha, 0), sp.Lt(alpha, 1))),
    Assumption("temperature-positive", r"The KL temperature is positive: $\beta > 0$.", (sp.Gt(beta, 0),)),
    Assumption("policy-full-support", r"A policy $q$ is a probability vector with full support: $q(y) > 0$,"
               r" $\sum_y q(y) = 1$, and its validity $m = q(\mathcal{Y}_1) = \sum_y q(y) v(y)$ satisfies $0 < m < 1$.",
               (sp.Gt(_Q, 0), sp.Eq(_G.total(_Q), 1), sp.Eq(_G.total(_Q * _V), _G.m), sp.Gt(_G.m, 0),
                sp.Lt(_G.m, 1))),
)

BY_ID: dict[str, Assumption] = {assumption.id: assumption for assumption in STANDING}
