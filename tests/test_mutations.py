"""A check that cannot fail is a defect: break a formula of the library on
purpose and the claim that rests on it must stop passing.

Each mutation below is a plausible slip (a flipped sign, alpha swapped with
1 - alpha, a dropped term, a lost convention, a rounding residual dropped or
flipped) in one of the three forms of the mathematics or in the problem object;
the named layer of the named claim must then stop passing: a numeric or
property layer fails (the library disagrees with the definitions, which is no
counterexample to the claim), a derivation is refuted or fails.
"""

from collections.abc import Callable
from typing import Any

import mpmath
import numpy as np
import pytest
import sympy as sp

from proofs_checks import load_claims
from proofs_checks.layers import RunConfig, run_layer
from theory import closed_form, divergences, precise, symbolic
from theory.backend import FLOAT64
from theory.problem import ProblemView


def swapped_log_partition(alpha: Any, beta: Any) -> mpmath.mpf:
    """alpha and 1 - alpha swapped."""
    return mpmath.log1p((1 - mpmath.mpf(alpha)) * mpmath.expm1(1 / mpmath.mpf(beta)))


def flipped_validity_rate(alpha: Any, beta: Any) -> mpmath.mpf:
    """sigma(-1/beta + logit alpha): the sign of 1/beta flipped."""
    return precise.sigmoid(-1 / mpmath.mpf(beta) + precise.logit(alpha))


def validity_rate_without_base(alpha: Any, beta: Any) -> np.ndarray:
    """sigma(1/beta): the logit(alpha) term dropped."""
    return 1 / (1 + np.exp(-1 / np.asarray(beta, dtype=float)))


def kl_without_infinity(q: Any, p: Any, **options: Any) -> float:
    """The +inf convention lost: terms with p(y) = 0 silently dropped."""
    q, p = np.asarray(q, dtype=float), np.asarray(p, dtype=float)
    keep = (q > 0) & (p > 0)
    return float(np.sum(q[keep] * np.log(q[keep] / p[keep])))


def partition_with_flipped_sign(a: sp.Expr, b: sp.Expr) -> sp.Expr:
    """1 + alpha - alpha e^{1/beta} instead of 1 - alpha + alpha e^{1/beta}."""
    return 1 + a - a * sp.exp(1 / b)


def tilted_logs_without_validity(self: ProblemView, beta: Any) -> np.ndarray:
    """log p_beta without the block masses: log a(y | Y_v(y))."""
    return self._blocks().log_conditional


def inverse_with_flipped_residual(beta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """1/beta with the sign of its rounding residual flipped (closed_form's double-double 1/beta)."""
    m, k = np.frexp(beta)
    r = 1.0 / m
    p, e = closed_form.dd.two_prod(r, m)
    finite = np.isfinite(beta)
    return np.where(finite, np.ldexp(r, -k), 0.0), np.where(finite, -np.ldexp(((1.0 - p) - e) / m, -k), 0.0)


ORIGINAL_PHI = precise.binary_phi


def phi_vanishing_at_minus_one(r: Any) -> mpmath.mpf:
    """phi(-1) = 0 instead of 1 (the 0 log 0 convention lost); kl_budget is wrong wherever mu is 0 or 1."""
    return mpmath.mpf(0) if mpmath.mpf(r) == -1 else ORIGINAL_PHI(r)


def tilted_with_flipped_sign(self: symbolic.OutcomeModel, b: sp.Expr = symbolic.beta) -> list[sp.Expr]:
    """The block model's p_beta with e^{-v/beta} instead of e^{v/beta}."""
    z = symbolic.partition(symbolic.alpha, b)
    return [ay * sp.exp(-vy / b) / z for ay, vy in zip(self.base, self.validity)]


ORIGINAL_INVERSE = FLOAT64.inverse


def inverse_without_residual(x: Any) -> tuple[Any, Any]:
    """The float64 problem's 1/beta without its rounding residual."""
    return ORIGINAL_INVERSE(x)[0], FLOAT64.number(0)


MUTATIONS: list[tuple[str, Any, str, Callable[..., Any], str, str]] = [
    ("precise log Z with alpha <-> 1 - alpha", precise, "log_partition", swapped_log_partition, "gibbs-identity", "numeric"),
    ("precise mu_beta with 1/beta sign flipped", precise, "validity_rate", flipped_validity_rate, "beta-mu", "numeric"),
    ("float64 mu_beta without logit(alpha)", closed_form, "validity_rate", validity_rate_without_base, "beta-mu", "property"),
    ("KL without the +inf convention", divergences, "kl_divergence", kl_without_infinity, "reverse-kl-infinite", "property"),
    ("symbolic Z_beta with a flipped sign", symbolic, "partition", partition_with_flipped_sign, "gibbs-identity", "symbolic"),
    ("problem log p_beta without block masses", ProblemView, "log_tilted", tilted_logs_without_validity, "gibbs-identity", "property"),
    ("float64 1/beta with its residual's sign flipped", closed_form, "_inverse", inverse_with_flipped_residual,
     "validity-monotone", "property"),
    ("precise phi(-1) = 0", precise, "binary_phi", phi_vanishing_at_minus_one, "beta-mu", "numeric"),
    ("symbolic block model tilted the wrong way", symbolic.OutcomeModel, "tilted", tilted_with_flipped_sign,
     "gibbs-identity", "numeric"),
    ("problem 1/beta without its residual", FLOAT64, "inverse", inverse_without_residual, "conditional-invariance",
     "property"),
]


@pytest.mark.parametrize(("what", "owner", "name", "broken", "claim_id", "layer"), MUTATIONS,
                         ids=[m[0] for m in MUTATIONS])
def test_a_broken_formula_makes_its_claim_fail(monkeypatch: pytest.MonkeyPatch, what: str, owner: Any, name: str,
                                                broken: Callable[..., Any], claim_id: str, layer: str) -> None:
    claim = load_claims()[claim_id]
    assert run_layer(claim, layer, RunConfig()).outcome == "passed", f"{claim_id} [{layer}] fails before the mutation"
    monkeypatch.setattr(owner, name, broken)
    evidence = run_layer(claim, layer, RunConfig())
    if layer == "symbolic":
        assert evidence.outcome in ("refuted", "failed", "inconclusive"), f"{what}: {claim_id} [{layer}] still passes"
    else:  # a wrong library value disagrees with the definitions: a failure, never a counterexample to the claim
        assert evidence.outcome == "failed", f"{what}: {claim_id} [{layer}] is {evidence.outcome}: {evidence.summary}"
