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
- A general policy (zeros allowed): ``S, R`` (``s[y] in {0, 1}``, ``r[y] > 0``),
  ``QG = S R`` and its validity ``MG``; ``kl(support, values, p)`` is
  ``KL(q || p) = sum_y s r log(r/p)`` for ``q = s r`` (``0 log 0 = 0``).
- Prompts for one ``beta`` shared by many: ``PROMPTS.sum(f)`` is ``sum_{i=1}^{m} f``,
  ``W_I = w[i]``, ``ALPHA_I = alpha[i]``, ``MEAN_VALIDITY = sum_i w_i sigma(1/beta + logit alpha_i)``.
- The REINFORCE signal ``g = log(q/a) - v/beta`` of a full-support policy:
  ``SIGNAL_MEAN = E_q[g]``, ``SIGNAL_VARIANCE = E_q[g^2] - E_q[g]^2``, and
  ``LOG_RATIO_VARIANCE``, ``LOG_RATIO_COVARIANCE`` = ``Var_q(log(q/a))``, ``Cov_q(log(q/a), v)``.
- Maximizers of the reward: ``Q1``, ``Q2`` and their mixture weight ``LAMBDA``;
  ``QPI`` the values of ``q o pi``; ``Y1_SIZE = |Y1|``.
- The reward-gradient flow of a softmax policy (``flow_definitions()``):
  ``LOG_CONDITIONAL_RATE`` = ``d log r_y/dt`` for ``r = q(. | Y1)``, ``VALID_SQUARES``
  ``= sum_y v q^2``, ``FLOW_RATE = mu (1 - mu)``; on the ``K`` valid outputs,
  ``R_K = r[k]`` with ``RHO = sum_k r_k^2``, ``ENTROPY_RATE = dH(r)/dt``,
  ``CONDITIONAL_COVARIANCE = Cov_r(log r, r)`` and ``COVARIANCE_PAIRS`` its
  double-sum form; ``STEP`` the total step ``s`` of the multiplicative update.
- Misspecified families: ``EVEN``, ``ODD`` (masses of even and odd strings of a
  product distribution), ``P_NEXT``, ``PARITY_PRODUCT = prod_i (1 - 2 p_i)``,
  ``A_Y`` (the base mass of a valid string), ``M_BETA``, ``K_BETA`` (validity and
  ``KL(. || a)`` of the family's optimum), ``K_ZERO = KL(q_0 || p_*)``.
- ``TILT``: the assumptions every statement about ``p_beta`` cites
  (``base-positive``, ``valid-mass-interior``, ``temperature-positive``).
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from theory import symbolic
from proofs_checks.standard_results import kl_sum as kl
from theory.symbolic import GenericOutcomes, alpha, beta, mu

G = GenericOutcomes()
Y, A, Q, V, M = G.y, G.a[G.y], G.q[G.y], G.v[G.y], G.m
S, R, MG = G.s[G.y], G.r[G.y], G.m_any
QG = S * R
TILT = ("base-positive", "valid-mass-interior", "temperature-positive")
LAMBDA = sp.Symbol("lambda", positive=True)
Q1, Q2 = sp.IndexedBase("q_1", nonnegative=True)[Y], sp.IndexedBase("q_2", nonnegative=True)[Y]
QPI = sp.IndexedBase(r"q_\pi", nonnegative=True)[Y]
Y1_SIZE = sp.Symbol(r"|\mathcal{Y}_1|", integer=True, positive=True)
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


@dataclass(frozen=True)
class Prompts:
    """``m`` prompts indexed by ``i``; sums over them stay symbolic."""

    count: sp.Symbol = sp.Symbol("m", integer=True, positive=True)
    index: sp.Symbol = sp.Symbol("i", integer=True, positive=True)

    def sum(self, summand: sp.Expr) -> sp.Sum:
        return sp.Sum(summand, (self.index, 1, self.count))


PROMPTS = Prompts()
W_I = sp.IndexedBase("w", positive=True)[PROMPTS.index]
ALPHA_I = sp.IndexedBase("alpha", positive=True)[PROMPTS.index]
MEAN_VALIDITY = PROMPTS.sum(W_I * symbolic.sigmoid(1 / beta + symbolic.logit(ALPHA_I)))

_LOG_RATIO = sp.log(Q / A)
_SIGNAL = _LOG_RATIO - V / beta
SIGNAL_MEAN = total(Q * _SIGNAL)
SIGNAL_VARIANCE = total(Q * _SIGNAL**2) - SIGNAL_MEAN**2
LOG_RATIO_VARIANCE = total(Q * _LOG_RATIO**2) - total(Q * _LOG_RATIO) ** 2
LOG_RATIO_COVARIANCE = total(Q * _LOG_RATIO * V) - total(Q * _LOG_RATIO) * M

K_INDEX, K_OTHER = sp.symbols("k z", integer=True, positive=True)
K_COUNT = sp.Symbol("K", integer=True, positive=True)
R_K = sp.IndexedBase("r", positive=True)[K_INDEX]
R_Z = R_K.base[K_OTHER]
RHO = sp.Symbol("rho", positive=True)
STEP = sp.Symbol("s", positive=True)
CONDITIONAL_TOTAL = sp.Sum(R_K, (K_INDEX, 1, K_COUNT))
LOG_CONDITIONAL_RATE = sp.Symbol(r"\dot\ell_y")
"""Placeholder for ``d log r_y/dt``."""
VALID_SQUARES = total(V * Q**2)
FLOW_RATE = sp.Symbol("c")
"""Placeholder for ``mu (1 - mu)``, the speed of the flow."""
ENTROPY_RATE = sp.Symbol(r"\dot H")
"""Placeholder for ``dH(r)/dt``."""
CONDITIONAL_COVARIANCE = sp.Sum(R_K**2 * sp.log(R_K), (K_INDEX, 1, K_COUNT)) - RHO * sp.Sum(
    R_K * sp.log(R_K), (K_INDEX, 1, K_COUNT))
COVARIANCE_PAIRS = sp.Sum(R_K * R_Z * (sp.log(R_K) - sp.log(R_Z)) * (R_K - R_Z),
                          (K_INDEX, 1, K_COUNT), (K_OTHER, 1, K_COUNT)) / 2


def flow_definitions() -> dict[sp.Symbol, sp.Expr]:
    """The placeholders of the flow: ``d log q_y/dt = q_y (v_y - mu) - sum_z q_z^2 (v_z - mu)``,
    ``d mu/dt = sum_y v_y q_y d log q_y/dt``, ``d log r_y/dt = d log q_y/dt - (d mu/dt)/mu``;
    ``dH(r)/dt = -sum_k r_k (c (r_k - rho)) (log r_k + 1)`` with ``c = mu (1 - mu)``."""
    log_rate = Q * (V - M) - total(Q**2 * (V - M))
    validity_rate = total(V * Q * log_rate)
    return {
        LOG_CONDITIONAL_RATE: log_rate - validity_rate / M,
        FLOW_RATE: M * (1 - M),
        ENTROPY_RATE: -sp.Sum(R_K * FLOW_RATE * (R_K - RHO) * (sp.log(R_K) + 1), (K_INDEX, 1, K_COUNT)),
    }

EVEN, ODD = sp.symbols("E O", nonnegative=True)
P_NEXT = sp.Symbol("p", nonnegative=True)
PARITY_PRODUCT = sp.Product(1 - 2 * sp.IndexedBase("p")[sp.Symbol("i", integer=True)],
                            (sp.Symbol("i", integer=True), 1, sp.Symbol("L", integer=True, positive=True)))
A_Y = sp.Symbol("a_y", positive=True)
M_BETA = sp.Symbol(r"m_\beta", nonnegative=True)
K_BETA = sp.Symbol(r"K_\beta", real=True)
K_ZERO = sp.Symbol("K_0", real=True)
