"""The closed forms of KL-control with a binary reward, as SymPy expressions.

Main definitions
- Symbols ``alpha`` (base validity rate, ``0 < alpha < 1``), ``beta`` (KL
  temperature, ``beta > 0``) and ``mu`` (a validity rate, ``0 < mu < 1``). SymPy
  cannot carry upper bounds as assumptions: ``alpha`` and ``mu`` are declared
  positive, and the bound ``< 1`` is supplied where a derivation needs it
  (``one_minus_alpha`` is a positive symbol standing for ``1 - alpha``).
- ``sigmoid``, ``logit``, ``binary_kl``: ``sigma(t) = 1/(1+e^{-t})``,
  ``logit(x) = log(x/(1-x))``, ``kl(x||y) = x log(x/y) + (1-x) log((1-x)/(1-y))``.
- The seven closed forms of :mod:`theory.closed_form`, as functions of
  expressions: ``validity_rate(alpha, beta) = alpha e^{1/beta} / Z_beta`` with
  ``Z_beta = 1 - alpha + alpha e^{1/beta}``, and so on.
- ``OutcomeModel``: ``n`` symbolic outcomes with a validity pattern, written
  in block form ``a(y) = alpha s_y`` on ``Y1`` and ``a(y) = (1 - alpha) t_y`` on
  ``Y0`` with ``sum s = sum t = 1`` (the last weight of each block is eliminated),
  so that ``alpha`` is a free symbol; the same for a general policy ``q`` with
  valid mass ``m``. Identities proved on it for symbolic ``alpha`` and weights
  hold for every base with that block sizes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import sympy as sp

__all__ = [
    "alpha",
    "beta",
    "mu",
    "sigmoid",
    "logit",
    "binary_kl",
    "partition",
    "validity_rate",
    "invalidity_rate",
    "log_partition",
    "optimal_value",
    "forward_kl_to_filtered",
    "beta_for_validity",
    "kl_budget",
    "OutcomeModel",
    "kl_divergence",
    "entropy",
]

alpha = sp.Symbol("alpha", positive=True)
beta = sp.Symbol("beta", positive=True)
mu = sp.Symbol("mu", positive=True)


def sigmoid(t: sp.Expr) -> sp.Expr:
    """``sigma(t) = 1 / (1 + e^{-t})``."""
    return 1 / (1 + sp.exp(-t))


def logit(x: sp.Expr) -> sp.Expr:
    """``logit(x) = log(x / (1 - x))``."""
    return sp.log(x / (1 - x))


def binary_kl(x: sp.Expr, y: sp.Expr) -> sp.Expr:
    """``kl(x || y) = x log(x/y) + (1-x) log((1-x)/(1-y))``."""
    return x * sp.log(x / y) + (1 - x) * sp.log((1 - x) / (1 - y))


def partition(a: sp.Expr, b: sp.Expr) -> sp.Expr:
    """``Z_beta = sum_y a(y) e^{v(y)/beta} = 1 - alpha + alpha e^{1/beta}``."""
    return 1 - a + a * sp.exp(1 / b)


def validity_rate(a: sp.Expr, b: sp.Expr) -> sp.Expr:
    """``mu_beta = alpha e^{1/beta} / Z_beta``."""
    return a * sp.exp(1 / b) / partition(a, b)


def invalidity_rate(a: sp.Expr, b: sp.Expr) -> sp.Expr:
    """``1 - mu_beta = (1 - alpha) / Z_beta``."""
    return (1 - a) / partition(a, b)


def log_partition(a: sp.Expr, b: sp.Expr) -> sp.Expr:
    """``log Z_beta``."""
    return sp.log(partition(a, b))


def optimal_value(a: sp.Expr, b: sp.Expr) -> sp.Expr:
    """``J*_beta = beta log Z_beta``."""
    return b * log_partition(a, b)


def forward_kl_to_filtered(a: sp.Expr, b: sp.Expr) -> sp.Expr:
    """``KL(p_* || p_beta) = -log mu_beta``."""
    return -sp.log(validity_rate(a, b))


def beta_for_validity(a: sp.Expr, m: sp.Expr) -> sp.Expr:
    """``beta(mu) = 1 / (logit mu - logit alpha)``."""
    return 1 / (logit(m) - logit(a))


def kl_budget(a: sp.Expr, m: sp.Expr) -> sp.Expr:
    """``KL(p_beta || a) = kl(mu || alpha)``."""
    return binary_kl(m, a)


def kl_divergence(q: list[sp.Expr], p: list[sp.Expr]) -> sp.Expr:
    """``KL(q || p) = sum_y q(y) log(q(y)/p(y))`` over outcomes where ``q`` is not
    identically zero (the ``0 log 0 = 0`` convention for structural zeros)."""
    return sp.Add(*(qi * sp.log(qi / pi) for qi, pi in zip(q, p, strict=True) if qi != 0))


def entropy(q: list[sp.Expr]) -> sp.Expr:
    """``H(q) = -sum_y q(y) log q(y)`` (structural zeros contribute 0)."""
    return -sp.Add(*(qi * sp.log(qi) for qi in q if qi != 0))


def _block_weights(prefix: str, size: int) -> tuple[tuple[sp.Symbol, ...], tuple[sp.Expr, ...]]:
    """Free positive symbols ``prefix_1..prefix_{size-1}`` and the ``size`` weights
    they define, the last one being ``1 - sum`` of the others."""
    free = sp.symbols(f"{prefix}_1:{size}", positive=True) if size > 1 else ()
    return tuple(free), (*free, 1 - sp.Add(*free))


@dataclass(frozen=True)
class OutcomeModel:
    """``n = n_valid + n_invalid`` outcomes, the valid ones first.

    The base is ``a = (alpha s_1, ..., alpha s_k, (1-alpha) t_1, ..., (1-alpha) t_l)``
    with ``sum s = sum t = 1``; a general policy is
    ``q = (m r_1, ..., m r_k, (1-m) u_1, ..., (1-m) u_l)``.
    """

    n_valid: int
    n_invalid: int

    def __post_init__(self) -> None:
        if self.n_valid < 1 or self.n_invalid < 1:
            raise ValueError(
                f"an outcome model needs at least one valid and one invalid outcome; "
                f"got n_valid={self.n_valid}, n_invalid={self.n_invalid}"
            )

    @property
    def n(self) -> int:
        return self.n_valid + self.n_invalid

    @property
    def validity(self) -> tuple[int, ...]:
        """``v(y)``: 1 for the first ``n_valid`` outcomes, 0 for the rest."""
        return (1,) * self.n_valid + (0,) * self.n_invalid

    @cached_property
    def filtered_weights(self) -> tuple[sp.Expr, ...]:
        """``p_*(y) = a(y | Y1)`` on the valid outcomes (the ``s`` weights)."""
        return _block_weights("s", self.n_valid)[1]

    @cached_property
    def invalid_weights(self) -> tuple[sp.Expr, ...]:
        """``a(y | Y0)`` on the invalid outcomes (the ``t`` weights)."""
        return _block_weights("t", self.n_invalid)[1]

    @cached_property
    def base(self) -> list[sp.Expr]:
        """``a(y)``."""
        return [alpha * s for s in self.filtered_weights] + [(1 - alpha) * t for t in self.invalid_weights]

    @cached_property
    def filtered(self) -> list[sp.Expr]:
        """``p_*(y) = a(y) v(y) / alpha``: the conditional on ``Y1``, zero on ``Y0``."""
        return list(self.filtered_weights) + [sp.Integer(0)] * self.n_invalid

    def tilted(self, b: sp.Expr = beta) -> list[sp.Expr]:
        """``p_beta(y) = a(y) e^{v(y)/beta} / Z_beta``."""
        z = partition(alpha, b)
        return [ay * sp.exp(vy / b) / z for ay, vy in zip(self.base, self.validity)]

    @cached_property
    def policy_mass(self) -> sp.Symbol:
        """``m = q(Y1)``, the valid mass of the general policy."""
        return sp.Symbol("m", positive=True)

    @cached_property
    def policy(self) -> list[sp.Expr]:
        """A general full-support policy ``q`` in block form."""
        m = self.policy_mass
        r = _block_weights("r", self.n_valid)[1]
        u = _block_weights("u", self.n_invalid)[1]
        return [m * ri for ri in r] + [(1 - m) * ui for ui in u]

    @cached_property
    def valid_policy(self) -> list[sp.Expr]:
        """A general fully valid policy (``q(Y0) = 0``)."""
        r = _block_weights("r", self.n_valid)[1]
        return list(r) + [sp.Integer(0)] * self.n_invalid

    def expected_reward(self, q: list[sp.Expr]) -> sp.Expr:
        """``E_q[v] = q(Y1)``."""
        return sp.Add(*(qy * vy for qy, vy in zip(q, self.validity, strict=True)))

    def objective(self, q: list[sp.Expr], b: sp.Expr = beta) -> sp.Expr:
        """``J_beta(q) = E_q[v] - beta KL(q || a)``."""
        return self.expected_reward(q) - b * kl_divergence(q, self.base)


@dataclass(frozen=True)
class GenericOutcomes:
    """``n`` outcomes with symbolic ``n``: a generic outcome ``y`` and indexed
    values ``a[y]`` (base), ``q[y]`` (a policy) and ``v[y]`` (validity, 0 or 1).

    Sums over ``y = 1..n`` stay symbolic, so an identity checked here holds for
    every ``n`` and every validity pattern. ``facts`` are the defining sums:
    ``sum a = sum q = 1``, ``sum a v = alpha``, ``sum q v = q(Y1) = m``.

    ``q`` is a full-support policy. A general policy, zeros allowed, is written
    ``s[y] r[y]`` with ``s[y] in {0, 1}`` its support indicator and ``r[y] > 0``,
    with valid mass ``m_any`` (``>= 0``), so that ``0 log 0 = 0`` is the case
    ``s[y] = 0`` of ``s r log(r/p)``.
    """

    n: sp.Symbol = sp.Symbol("n", integer=True, positive=True)
    y: sp.Symbol = sp.Symbol("y", integer=True, positive=True)
    a: sp.IndexedBase = sp.IndexedBase("a", positive=True)
    q: sp.IndexedBase = sp.IndexedBase("q", positive=True)
    v: sp.IndexedBase = sp.IndexedBase("v", nonnegative=True)
    m: sp.Symbol = sp.Symbol("m", positive=True)
    s: sp.IndexedBase = sp.IndexedBase("s", nonnegative=True)
    r: sp.IndexedBase = sp.IndexedBase("r", positive=True)
    m_any: sp.Symbol = sp.Symbol("m", nonnegative=True)

    def total(self, summand: sp.Expr) -> sp.Sum:
        """``sum_{y=1}^{n} summand``."""
        return sp.Sum(summand, (self.y, 1, self.n))

    @property
    def facts(self) -> dict[sp.Expr, sp.Expr]:
        a, q, v, y = self.a, self.q, self.v, self.y
        return {
            self.total(a[y]): sp.Integer(1),
            self.total(q[y]): sp.Integer(1),
            self.total(a[y] * v[y]): alpha,
            self.total(q[y] * v[y]): self.m,
        }
