"""The finite binary-reward problem: a base model, a validity mask, and every
KL-control quantity of the specification computed from them.

A ``BinaryRewardProblem(base, valid)`` holds a probability vector ``a`` on ``n``
outputs and a 0/1 validity ``v``; it computes in float64, and its ``precise``
view computes the same quantities in mpmath at the current ``mp.dps``. Both
are one implementation (``ProblemView``) over the backends of
:mod:`theory.backend`, the same abstraction as :mod:`theory.divergences`. A
base given as mpmath numbers or decimal strings is never rounded to float64 in
the precise view (strings are parsed again at each precision).

Input. ``base``: a non-empty 1-D vector of finite, non-negative numbers whose
sum is 1 within ``NORMALIZATION_TOLERANCE = 1e-9`` (a check against wrong
inputs: the vector is then renormalized exactly, ``a = base / sum(base)``).
Outputs of zero base mass are allowed and treated by the KL conventions
(``p_beta(y) = p_*(y) = 0`` there, ``KL(q || a) = +inf`` if ``q`` charges them);
``0 < alpha < 1`` is still required: some valid and some invalid output of
positive mass. ``valid``: 0/1 or booleans, same length. A policy ``q`` (in
``objective``, ``kl_to_base``, ``n_eff``) must also sum to 1 within ``1e-9`` and is
taken as the distribution ``q / sum(q)``. ``beta`` is one number in ``(0, inf]``: an
array of temperatures raises ``ShapeError`` (the methods are not vectorized; for
many temperatures, call once per ``beta`` or use :mod:`theory.closed_form` with
``problem.alpha``).

Every quantity goes through the block form (``conditional-invariance``):
``p_beta = mu_beta p_* + (1 - mu_beta) a(. | Y0)``, with the odds
``(1 - mu_beta)/mu_beta = ((1 - alpha)/alpha) e^{-1/beta}`` formed from the two
block masses ``alpha = a(Y1)`` and ``1 - alpha = a(Y0)``, each summed directly
(``1 - alpha`` is never formed from a rounded ``alpha``) and ``1/beta`` carried
with its rounding error, so that ``e^{-1/beta}`` is exact to a few units of
roundoff even at ``beta = 1e-6``. In float64 every quantity of ``beta`` is within
16 units of roundoff of the exact value for the given floats (measured: 3.3), from
``beta = 1e-6`` to ``beta = inf``, for masses down to ``1e-300``; values below
``1e-308`` underflow to subnormal numbers or 0.

Main definitions (``t = 1/beta``, ``t = 0`` at ``beta = inf``)
- ``alpha = a(Y1)``; ``filtered``: ``p_*(y) = a(y) v(y) / alpha``.
- ``log_tilted(beta)``: ``log p_beta(y) = log a(y) + v(y) t - log Z_beta``
  ``= log a(y | Y_{v(y)}) + log mu_beta`` or ``+ log(1 - mu_beta)``, per outcome.
- ``tilted(beta)``: ``p_beta(y) = a(y) e^{v(y) t} / Z_beta``.
- ``validity_rate(beta)``: ``mu_beta = p_beta(Y1) = 1 / (1 + odds)``;
  ``invalidity_rate(beta) = 1 - mu_beta = odds / (1 + odds)``.
- ``log_partition(beta)``: ``log Z_beta = log(1 - alpha + alpha e^t) = log1p(alpha expm1(t))``
  (``= log(1 - alpha) - log(1 - mu_beta) = log alpha + t - log mu_beta`` for ``t > 700``).
- ``optimal_value(beta)``: ``J*_beta = beta log Z_beta`` (``alpha`` at ``beta = inf``).
- ``forward_kl_to_filtered(beta)``: ``KL(p_* || p_beta) = -log mu_beta = log1p(odds)``.
- ``objective(q, beta)``: ``J_beta(q) = E_q[v] - beta KL(q || a)``.
- ``kl_to_base(q)``: ``KL(q || a)``.
- ``n_eff(q)``: ``N_eff(q) = exp H(q(. | Y1))``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np

from theory.backend import FLOAT64, MPMATH, Backend, backend_of, check_normalized, scaled_exp
from theory.divergences import effective_support, kl_divergence
from theory.errors import DomainError, ShapeError, check_beta, check_scalar

__all__ = ["BinaryRewardProblem", "ProblemView"]


@dataclass(frozen=True)
class _Blocks:
    """The problem in one backend: the input masses, ``a``, ``a(y | Y_{v(y)})`` and the block masses."""

    raw: np.ndarray
    base: np.ndarray
    conditional: np.ndarray
    log_conditional: np.ndarray
    alpha: Any
    one_minus_alpha: Any
    log_alpha: Any
    log_one_minus_alpha: Any


@dataclass(frozen=True)
class _Tilt:
    """``p_beta`` in block form: ``odds = (1 - mu)/mu`` and its logs."""

    beta: Any
    inverse_beta: Any
    inverse_beta_residual: Any  # 1/beta = inverse_beta + inverse_beta_residual
    odds: Any
    inverse_odds: Any
    minus_log_validity: Any  # -log mu = log1p(odds)
    minus_log_invalidity: Any  # -log(1 - mu) = log1p(1/odds)


def _compute_blocks(backend: Backend, entries: Any, valid: np.ndarray) -> _Blocks:
    raw = backend.masses(entries, "base")
    total = check_normalized(backend, raw, "base")
    valid_mass, invalid_mass = backend.fsum(raw[valid]), backend.fsum(raw[~valid])
    if valid_mass == 0:
        raise DomainError(
            f"empty valid set: no output of positive base mass is valid (in {backend.name} arithmetic), "
            "so alpha = a(Y1) would be 0 and p_* = a(. | Y1) would not exist; 0 < alpha < 1 is required"
        )
    if invalid_mass == 0:
        raise DomainError(
            f"everything valid: no output of positive base mass is invalid (in {backend.name} arithmetic), "
            "so alpha = a(Y1) would be 1 and every KL-control quantity degenerates; 0 < alpha < 1 is required"
        )
    conditional = np.where(valid, raw / valid_mass, raw / invalid_mass)
    alpha, one_minus_alpha = valid_mass / total, invalid_mass / total
    return _Blocks(
        raw=raw,
        base=raw / total,
        conditional=conditional,
        log_conditional=backend.log(conditional),
        alpha=alpha,
        one_minus_alpha=one_minus_alpha,
        log_alpha=backend.log(alpha),
        log_one_minus_alpha=backend.log(one_minus_alpha),
    )


def _block_rates(tilt: "_Tilt") -> tuple[Any, Any]:
    """``(mu, 1 - mu)`` from the odds ``(1 - mu)/mu``, each as a quotient by ``1 + r`` with
    ``r <= 1`` (the odds or their inverse), so that neither is formed as a difference and
    neither goes through an overflowed ratio."""
    if tilt.odds <= 1:
        return 1 / (1 + tilt.odds), tilt.odds / (1 + tilt.odds)
    return tilt.inverse_odds / (1 + tilt.inverse_odds), 1 / (1 + tilt.inverse_odds)


def _log1p_of_ratio(backend: Backend, ratio: Any, inverse: Any, log_ratio: Any) -> Any:
    """``log(1 + ratio)``: ``log1p(ratio)`` up to 1, ``log(ratio) + log1p(1/ratio)`` above."""
    if ratio <= 1:
        return backend.log1p(ratio)
    return log_ratio + backend.log1p(inverse)


class ProblemView:
    """The quantities of one binary-reward problem, computed in one backend
    (``FLOAT64`` for the problem itself, ``MPMATH`` for ``problem.precise``).
    Scalars are ``float`` or ``mpf``; vectors are numpy arrays (dtype ``object``
    holding ``mpf`` in mpmath)."""

    def __init__(self, entries: Any, valid: np.ndarray, backend: Backend) -> None:
        self._entries = entries
        self._valid = valid
        self.backend = backend
        self._cache: dict[Any, _Blocks] = {}

    def _blocks(self) -> _Blocks:
        key = self.backend.cache_key
        if key not in self._cache:
            self._cache[key] = _compute_blocks(self.backend, self._entries, self._valid)
        return self._cache[key]

    def __repr__(self) -> str:
        return f"ProblemView(n={self.n}, backend={self.backend.name})"

    @property
    def n(self) -> int:
        """The number of outputs ``|Y|``."""
        return int(self._valid.size)

    @property
    def valid(self) -> np.ndarray:
        """The validity ``v`` as a boolean mask."""
        return self._valid.copy()

    @property
    def base(self) -> np.ndarray:
        """The base model ``a`` (the input, renormalized to sum to 1)."""
        return self._blocks().base.copy()

    @property
    def alpha(self) -> Any:
        """``alpha = a(Y1)``, the base validity rate."""
        return self.backend.output(self._blocks().alpha)

    @property
    def one_minus_alpha(self) -> Any:
        """``1 - alpha = a(Y0)``, summed over the invalid outputs (exact near ``alpha = 1``)."""
        return self.backend.output(self._blocks().one_minus_alpha)

    @property
    def filtered(self) -> np.ndarray:
        """``p_*(y) = a(y | Y1) = a(y) v(y) / alpha``."""
        blocks = self._blocks()
        return np.where(self._valid, blocks.conditional, self.backend.number(0))

    def _tilt(self, beta: Any) -> _Tilt:
        backend, blocks = self.backend, self._blocks()
        beta = backend.number(check_beta(backend.number(check_scalar("beta", beta))))
        inverse_beta, residual = backend.inverse(beta)
        odds = scaled_exp(backend, blocks.one_minus_alpha, blocks.alpha, -inverse_beta, -residual)
        inverse_odds = scaled_exp(backend, blocks.alpha, blocks.one_minus_alpha, inverse_beta, residual)
        if backend.is_normal(odds):
            log_odds = backend.log(odds)
        else:
            log_odds = blocks.log_one_minus_alpha - blocks.log_alpha - inverse_beta - residual
        return _Tilt(
            beta=beta,
            inverse_beta=inverse_beta,
            inverse_beta_residual=residual,
            odds=odds,
            inverse_odds=inverse_odds,
            minus_log_validity=_log1p_of_ratio(backend, odds, inverse_odds, log_odds),
            minus_log_invalidity=_log1p_of_ratio(backend, inverse_odds, odds, -log_odds),
        )

    def log_tilted(self, beta: Any) -> np.ndarray:
        """``log p_beta(y) = log a(y) + v(y)/beta - log Z_beta``, per outcome as
        ``log a(y | Y1) + log mu_beta`` (valid) or ``log a(y | Y0) + log(1 - mu_beta)``."""
        tilt = self._tilt(beta)
        block_logs = np.where(self._valid, -tilt.minus_log_validity, -tilt.minus_log_invalidity)
        return self._blocks().log_conditional + block_logs

    def tilted(self, beta: Any) -> np.ndarray:
        """``p_beta(y) = a(y) e^{v(y)/beta} / Z_beta = a(y | Y_{v(y)}) p_beta(Y_{v(y)})``."""
        validity, invalidity = _block_rates(self._tilt(beta))
        return self._blocks().conditional * np.where(self._valid, validity, invalidity)

    def validity_rate(self, beta: Any) -> Any:
        """``mu_beta = p_beta(Y1) = sigma(1/beta + logit alpha) = 1 / (1 + odds)``."""
        return self.backend.output(_block_rates(self._tilt(beta))[0])

    def invalidity_rate(self, beta: Any) -> Any:
        """``1 - mu_beta = odds / (1 + odds)``, never formed as a difference."""
        return self.backend.output(_block_rates(self._tilt(beta))[1])

    def forward_kl_to_filtered(self, beta: Any) -> Any:
        """``KL(p_* || p_beta) = -log mu_beta = log1p(odds)``."""
        return self.backend.output(self._tilt(beta).minus_log_validity)

    def log_partition(self, beta: Any) -> Any:
        """``log Z_beta = log sum_y a(y) e^{v(y)/beta} = log1p(alpha expm1(1/beta))`` (with the
        rounding error of ``1/beta`` carried into ``expm1``); where ``e^{1/beta}`` would
        overflow, ``log(1 - alpha) - log(1 - mu_beta)`` if ``alpha <= 1/2``, else
        ``log alpha + 1/beta - log mu_beta`` (no cancellation: ``1/beta > 700``)."""
        backend, blocks = self.backend, self._blocks()
        tilt = self._tilt(beta)
        if tilt.inverse_beta <= backend.exp_limit:
            growth = backend.expm1(tilt.inverse_beta)
            growth = growth + (1 + growth) * backend.expm1(tilt.inverse_beta_residual)  # expm1(1/beta)
            return backend.output(backend.log1p(blocks.alpha * growth))
        if blocks.alpha <= 0.5:
            return backend.output(blocks.log_one_minus_alpha + tilt.minus_log_invalidity)
        return backend.output(blocks.log_alpha + tilt.inverse_beta + tilt.minus_log_validity)

    def optimal_value(self, beta: Any) -> Any:
        """``J*_beta = max_q J_beta(q) = beta log Z_beta``; ``alpha`` at ``beta = inf``."""
        tilt = self._tilt(beta)
        if tilt.inverse_beta == 0:
            return self.alpha
        if tilt.inverse_beta == np.inf:  # beta < 2^-1024: J* = 1 + beta log alpha rounds to 1
            return self.backend.output(1)
        return self.backend.output(tilt.beta * self.backend.number(self.log_partition(tilt.beta)))

    def _distribution(self, q: Any) -> np.ndarray:
        q = self.backend.masses(q, "q")
        if q.size != self.n:
            raise ShapeError(f"q must have one mass per output (length {self.n}); got length {q.size}")
        check_normalized(self.backend, q, "q")
        return q

    def kl_to_base(self, q: Any) -> Any:
        """``KL(q || a) = sum_y q(y) log(q(y)/a(y))`` (``+inf`` if ``q`` charges an output
        with ``a(y) = 0``), for the distribution ``q / sum(q)`` and ``a = base / sum(base)``,
        neither division rounded."""
        return kl_divergence(self._distribution(q), self._blocks().raw, renormalize=True)

    def objective(self, q: Any, beta: Any) -> Any:
        """``J_beta(q) = E_q[v] - beta KL(q || a)`` for the distribution ``q / sum(q)``; at
        ``beta = inf`` its limit: ``E_q[v]`` if ``KL(q || a) = 0`` (``q`` proportional to the
        input base: the rounded ``base`` vector is not, in general), ``-inf`` otherwise."""
        q = self._distribution(q)
        tilt = self._tilt(beta)
        valid_mass, invalid_mass = self.backend.fsum(q[self._valid]), self.backend.fsum(q[~self._valid])
        reward = valid_mass / (valid_mass + invalid_mass)
        divergence = self.backend.number(self.kl_to_base(q))
        if divergence == np.inf or (tilt.inverse_beta == 0 and divergence > 0):
            return self.backend.output("-inf")
        if tilt.inverse_beta == 0:
            return self.backend.output(reward)
        return self.backend.output(reward - tilt.beta * divergence)

    def n_eff(self, q: Any) -> Any:
        """``N_eff(q) = exp H(q(. | Y1))``, the effective number of valid outputs of ``q``
        (defined when ``q(Y1) > 0``)."""
        q = self._distribution(q)
        valid_mass = self.backend.fsum(q[self._valid])
        if valid_mass == 0:
            raise DomainError("n_eff(q) needs q(Y1) > 0: q(. | Y1) is undefined when q puts no mass on valid outputs")
        return effective_support(q[self._valid] / valid_mass)


def _validity_mask(valid: Any, size: int) -> np.ndarray:
    items = np.array(valid, dtype=object)
    if items.ndim != 1:
        raise ShapeError(f"valid must be a 1-D vector of 0/1 or booleans; got shape {items.shape}")
    if items.size != size:
        raise ShapeError(f"valid must have the length of base ({size}); got length {items.size}")
    for index, item in enumerate(items):
        binary = isinstance(item, (bool, np.bool_)) or (
            not isinstance(item, str) and _is_number(item) and (item == 0 or item == 1)
        )
        if not binary:
            raise DomainError(f"valid[{index}] must be 0, 1 or a boolean (1 marks a valid output); got {item!r}")
    return np.array([bool(item) for item in items], dtype=bool)


def _is_number(item: Any) -> bool:
    try:
        complex(item)
    except (TypeError, ValueError):
        return False
    return True


class BinaryRewardProblem(ProblemView):
    """A base model ``a`` and a binary validity ``v`` on ``n`` outputs (see the module
    header for the input contract); the quantities in float64, and in mpmath via
    ``precise``. The input is validated in its own arithmetic (mpmath for mpmath
    numbers and strings); a base whose valid or invalid mass underflows float64 gives
    a working ``precise`` view and a float64 view that raises ``DomainError`` when used."""

    def __init__(self, base: Any, valid: Any) -> None:
        native = backend_of(base)
        checked = native.masses(base, "base")
        entries = np.array(base, dtype=object) if native is MPMATH else checked
        mask = _validity_mask(valid, checked.size)
        super().__init__(entries, mask, FLOAT64)
        self._precise = ProblemView(entries, mask, MPMATH)
        (self._precise if native is MPMATH else self)._blocks()  # validate in the arithmetic of the input

    @property
    def given_base(self) -> np.ndarray:
        """The base as given, before renormalization (float64, or the mpmath numbers and strings)."""
        return self._entries.copy()

    def __repr__(self) -> str:
        entries = [item if isinstance(item, (str, mpmath.mpf)) else float(item) for item in self._entries]
        return f"BinaryRewardProblem({entries!r}, {self._valid.astype(int).tolist()!r})"

    @property
    def precise(self) -> ProblemView:
        """The same problem in mpmath, at the ``mp.dps`` current at each call."""
        return self._precise
