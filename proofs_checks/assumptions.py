"""The standing assumptions: what every claim may assume without proof.

A derivation step may assume only these, the claims in its claim's ``uses``,
the claim's own hypotheses and earlier steps, and it records which (see
``proofs_checks.proof``). The report lists them once, with the ids below,
and the appendix prints them before the first claim.

Main definitions
- ``Assumption(id, statement, facts)``: ``statement`` is prose with math in
  ``$...$``; ``facts`` are the formal SymPy relations a step may cite (for the
  generic outcome ``y`` of ``proofs_checks.claims.notation``).
- ``STANDING``: the assumptions in the order they are printed; ``BY_ID``.
- ``symbol_sources(expr, hypotheses)``: the ids of the assumptions (standing,
  or among ``hypotheses``) that justify the SymPy assumptions of the symbols in
  ``expr`` (``alpha`` is declared positive because of ``valid-mass-interior``):
  what a step assumes by using those symbols.
- ``finite-outputs``: ``Y`` finite, ``n = |Y| >= 2``.
- ``base-positive``: ``a(y) > 0`` and ``sum_y a(y) = 1``.
- ``binary-reward``: ``v(y) in {0, 1}``.
- ``valid-mass-interior``: ``alpha = a(Y1) = sum_y a(y) v(y)`` with ``0 < alpha < 1``.
- ``temperature-positive``: ``beta > 0``.
- ``policy``: a policy ``q = s r`` (``s`` its support indicator, ``r > 0``),
  ``sum_y q(y) = 1``, ``m = q(Y1) >= 0``.
- ``policy-full-support``: a full-support policy ``q`` has ``q(y) > 0``, ``sum_y q(y) = 1``,
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
    symbols: tuple[sp.Basic, ...] = ()
    """Symbols (or indexed bases) whose SymPy assumptions this assumption justifies."""

    def __post_init__(self) -> None:
        for fact in self.facts:
            if isinstance(fact, sp.logic.boolalg.BooleanAtom):
                raise ValueError(f"assumption {self.id!r}: a fact evaluated to {fact} when it was built; "
                                 "write it with evaluate=False so that it stays a citable relation")


_G = GenericOutcomes()
_A, _Q, _V, _S, _R = _G.a[_G.y], _G.q[_G.y], _G.v[_G.y], _G.s[_G.y], _G.r[_G.y]

STANDING: tuple[Assumption, ...] = (
    Assumption("finite-outputs", r"The output set $\mathcal{Y}$ is finite, with $n = |\mathcal{Y}| \ge 2$ outputs.",
               (sp.Ge(_G.n, 2, evaluate=False),), (_G.n,)),
    Assumption("base-positive", r"The base model $a$ is a probability vector with $a(y) > 0$ for every $y$"
               r" (outputs of zero base mass are not in $\mathcal{Y}$): $\sum_y a(y) = 1$.",
               (sp.Gt(_A, 0, evaluate=False), sp.Eq(_G.total(_A), 1, evaluate=False)), (_G.a,)),
    Assumption("binary-reward", r"The reward is binary: $v(y) \in \{0, 1\}$; $\mathcal{Y}_1 = \{v = 1\}$ (valid) and"
               r" $\mathcal{Y}_0 = \{v = 0\}$ (invalid).",
               (sp.Eq(_V * (1 - _V), 0, evaluate=False),), (_G.v,)),
    Assumption("valid-mass-interior", r"The base validity rate $\alpha = a(\mathcal{Y}_1) = \sum_y a(y) v(y)$ satisfies"
               r" $0 < \alpha < 1$: some output is valid and some is not.",
               (sp.Eq(_G.total(_A * _V), alpha, evaluate=False), sp.Gt(alpha, 0, evaluate=False), sp.Lt(alpha, 1, evaluate=False)), (alpha,)),
    Assumption("temperature-positive", r"The KL temperature is positive: $\beta > 0$.", (sp.Gt(beta, 0, evaluate=False),), (beta,)),
    Assumption("policy", r"A policy $q$ is a probability vector on $\mathcal{Y}$, written $q(y) = s(y) r(y)$ with"
               r" $s(y) \in \{0, 1\}$ its support indicator and $r(y) > 0$: $\sum_y q(y) = 1$, and its validity is"
               r" $m = q(\mathcal{Y}_1) = \sum_y q(y) v(y) \ge 0$.",
               (sp.Eq(_S * (1 - _S), 0, evaluate=False), sp.Gt(_R, 0, evaluate=False),
                sp.Eq(_G.total(_S * _R), 1, evaluate=False), sp.Eq(_G.total(_S * _R * _V), _G.m_any, evaluate=False)),
               (_G.s, _G.r, _G.m_any)),
    Assumption("policy-full-support", r"A policy $q$ is a probability vector with full support: $q(y) > 0$,"
               r" $\sum_y q(y) = 1$, and its validity $m = q(\mathcal{Y}_1) = \sum_y q(y) v(y)$ satisfies $0 < m < 1$.",
               (sp.Gt(_Q, 0, evaluate=False), sp.Eq(_G.total(_Q), 1, evaluate=False), sp.Eq(_G.total(_Q * _V), _G.m, evaluate=False), sp.Gt(_G.m, 0, evaluate=False),
                sp.Lt(_G.m, 1, evaluate=False)), (_G.q, _G.m)),
)

BY_ID: dict[str, Assumption] = {assumption.id: assumption for assumption in STANDING}


def _assumption_bearing(expr: sp.Basic) -> set[sp.Basic]:
    """The symbols and indexed bases of ``expr`` that carry SymPy assumptions."""
    found: set[sp.Basic] = set()
    for atom in expr.atoms(sp.Symbol, sp.IndexedBase):
        if isinstance(atom, sp.Dummy):
            continue
        found.add(atom)
    for indexed in expr.atoms(sp.Indexed):
        found.add(indexed.base)
    return found


def symbol_sources(expr: sp.Basic, hypotheses: tuple[Assumption, ...] = ()) -> list[str]:
    """The ids of the assumptions behind the SymPy assumptions of ``expr``'s symbols."""
    present = _assumption_bearing(expr)
    return [a.id for a in (*STANDING, *hypotheses) if any(s in present for s in a.symbols)]
