"""A check that cannot fail is a defect: break a formula of the library on
purpose and the claim that rests on it must stop passing.

Each mutation below is a plausible slip (a flipped sign, alpha swapped with
1 - alpha, a dropped term, a lost convention) in one of the three forms of the
mathematics or in the problem object; the named layer of the named claim must
then come out refuted (or failed), never passed.
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


MUTATIONS: list[tuple[str, Any, str, Callable[..., Any], str, str]] = [
    ("precise log Z with alpha <-> 1 - alpha", precise, "log_partition", swapped_log_partition, "gibbs-identity", "numeric"),
    ("precise mu_beta with 1/beta sign flipped", precise, "validity_rate", flipped_validity_rate, "beta-mu", "numeric"),
    ("float64 mu_beta without logit(alpha)", closed_form, "validity_rate", validity_rate_without_base, "beta-mu", "property"),
    ("KL without the +inf convention", divergences, "kl_divergence", kl_without_infinity, "reverse-kl-infinite", "property"),
    ("symbolic Z_beta with a flipped sign", symbolic, "partition", partition_with_flipped_sign, "gibbs-identity", "symbolic"),
    ("problem log p_beta without block masses", ProblemView, "log_tilted", tilted_logs_without_validity, "gibbs-identity", "property"),
]


@pytest.mark.parametrize(("what", "owner", "name", "broken", "claim_id", "layer"), MUTATIONS,
                         ids=[m[0] for m in MUTATIONS])
def test_a_broken_formula_makes_its_claim_fail(monkeypatch: pytest.MonkeyPatch, what: str, owner: Any, name: str,
                                                broken: Callable[..., Any], claim_id: str, layer: str) -> None:
    claim = load_claims()[claim_id]
    assert run_layer(claim, layer, RunConfig()).outcome == "passed", f"{claim_id} [{layer}] fails before the mutation"
    monkeypatch.setattr(owner, name, broken)
    evidence = run_layer(claim, layer, RunConfig())
    assert evidence.outcome in ("refuted", "failed", "inconclusive"), f"{what}: {claim_id} [{layer}] still passes"
    assert evidence.outcome != "inconclusive" or layer == "symbolic"
