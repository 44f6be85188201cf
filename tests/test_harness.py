"""The harness itself: statuses from evidence, the registry, checked derivations."""

from collections.abc import Callable
from typing import Any

import mpmath
import pytest
import sympy as sp
from flint import arb
from hypothesis import reject
from hypothesis import strategies as st
from mpmath import mpf

from proofs_checks import load_claims
from proofs_checks.claim import Claim, Evidence, RegistryError, check_references, register, status_of
from proofs_checks.proof import reduce_sums
from proofs_checks.layers import RunConfig, run_layer
from proofs_checks.numeric import MIN_CASES, Case, NumericContext, PrecisionExhausted, certify
from proofs_checks.runner import judge
from theory import precise
from theory.symbolic import alpha, beta


def evidence(layer: str, outcome: str, complete: bool = True) -> Evidence:
    return Evidence(layer, outcome, "", {"complete": complete} if layer == "symbolic" else {})


@pytest.mark.parametrize(
    ("outcomes", "status"),
    [
        ({"symbolic": "passed", "numeric": "passed", "property": "passed"}, "proved"),
        ({"symbolic": "inconclusive", "numeric": "passed", "property": "passed"}, "verified"),
        ({"numeric": "passed", "property": "passed"}, "verified"),
        ({"experiment": "passed"}, "demonstrated"),
        ({"symbolic": "passed", "numeric": "passed", "property": "passed", "experiment": "failed"}, "failed"),
        ({"symbolic": "passed", "numeric": "refuted", "property": "passed"}, "refuted"),
        ({"symbolic": "passed", "numeric": "failed", "property": "refuted"}, "refuted"),
        ({"symbolic": "passed", "numeric": "failed", "property": "passed"}, "failed"),
        ({"symbolic": "passed"}, "inconclusive"),
        ({"symbolic": "passed", "numeric": "inconclusive", "property": "passed"}, "inconclusive"),
    ],
)
def test_status_is_computed_from_the_layers(outcomes: dict[str, str], status: str) -> None:
    assert status_of([evidence(layer, outcome) for layer, outcome in outcomes.items()]) == status


def test_a_partial_derivation_does_not_make_a_claim_proved() -> None:
    layers = [evidence("symbolic", "passed", complete=False), evidence("numeric", "passed"),
              evidence("property", "passed"), evidence("experiment", "passed")]
    assert status_of(layers) == "demonstrated"
    assert status_of(layers[:3]) == "verified"


def test_full_establishment_follows_the_uses_graph() -> None:
    registry = load_claims()
    claims = {cid: registry[cid] for cid in ("gibbs-identity", "conditional-invariance")}
    good = [evidence("symbolic", "passed"), evidence("numeric", "passed"), evidence("property", "passed")]
    bad = [evidence("symbolic", "passed"), evidence("numeric", "refuted"), evidence("property", "passed")]
    results = judge(claims, {"gibbs-identity": bad, "conditional-invariance": good})
    assert results["conditional-invariance"].status == "proved"
    assert not results["conditional-invariance"].fully_established
    assert not results["conditional-invariance"].as_expected


def test_registry_refuses_duplicates_and_unknown_uses() -> None:
    registry = load_claims()
    with pytest.raises(RegistryError, match="already registered"):
        register("gibbs-identity", title="t", source="paper", statement="s")
    with pytest.raises(RegistryError, match="source must be one of"):
        register("harness-test-bad-source", title="t", source="blog", statement="s")
    orphan = {"x": registry["conditional-invariance"]}
    with pytest.raises(RegistryError, match="not registered"):
        check_references(orphan)


def test_sums_are_split_and_constants_pulled_out() -> None:
    n, y = sp.symbols("n y", integer=True, positive=True)
    q = sp.IndexedBase("q")
    c = sp.Symbol("c")
    reduced = reduce_sums(sp.Sum(c * q[y] + 2, (y, 1, n)))
    assert sp.simplify(reduced - (c * sp.Sum(q[y], (y, 1, n)) + 2 * n)) == 0


# --- the numeric and property layers --------------------------------------------

def _claim_with(layer: str, check: Any, expected: str = "holds") -> Claim:
    claim = Claim(id=f"harness-{layer}", title="t", source="extension", statement="s", expected=expected)  # type: ignore[arg-type]
    claim.checks[layer] = check
    return claim


def _numeric_outcome(cases: Callable[[NumericContext], Any]) -> Evidence:
    return run_layer(_claim_with("numeric", cases), "numeric", RunConfig())


def _holding(ctx: NumericContext) -> list[Case]:
    return [ctx.equal(f"x = x ({k})", mpf(k), mpf(k)) for k in range(MIN_CASES)]


def _less(a: float, b: float) -> Any:
    return certify("<", lambda: (arb(a), arb(b)), {"a": a, "b": b})


def test_a_tiny_value_is_compared_relative_to_itself() -> None:
    with mpmath.workdps(50):
        ctx = NumericContext(50, 0, 0)
        assert not ctx.equal("tiny", mpf("1e-500"), 0).holds
        assert not ctx.equal("tiny", mpf("1e-500"), mpf("2e-500")).holds
        assert ctx.equal("tiny", mpf("1e-500"), mpf("1e-500") * (1 + mpf("1e-45"))).holds
        assert ctx.equal("zero", 0, 0).holds
        assert ctx.equal("terms", mpf("1e-45"), 0, scale=1).holds  # a difference of terms of size 1, rounded
        assert not ctx.at_most("tiny", mpf("2e-500"), mpf("1e-500")).holds


def test_nan_and_evaluation_errors_are_undecided_never_counterexamples() -> None:
    with mpmath.workdps(50):
        ctx = NumericContext(50, 0, 0)
        assert ctx.equal("nan", mpf("nan"), 1).undecided
        assert ctx.less("error", lambda: 1 / mpf(0), 1).undecided
        assert ctx.at_most("domain", lambda: precise.logit(2), 1).undecided


def test_numeric_outcomes_follow_the_certificates() -> None:
    assert _numeric_outcome(_holding).outcome == "passed"

    def uncertified(ctx: NumericContext) -> list[Case]:
        return _holding(ctx) + [ctx.equal("library vs definition", 1, 2)]

    failed = _numeric_outcome(uncertified)
    assert failed.outcome == "failed" and "library vs definition" in failed.summary and failed.counterexample is None

    def certified(ctx: NumericContext) -> list[Case]:
        return _holding(ctx) + [ctx.certified(ctx.less("2 < 1", 2, 1), lambda: _less(2.0, 1.0))]

    refuted = _numeric_outcome(certified)
    assert refuted.outcome == "refuted"
    assert refuted.counterexample["case"] == "2 < 1" and refuted.counterexample["point"] == {"a": "2", "b": "1"}
    assert refuted.counterexample["method"] == "arb" and refuted.counterexample["lhs"] == ["2", "2"]

    def undecided(ctx: NumericContext) -> list[Case]:
        return _holding(ctx) + [ctx.equal("nan", mpf("nan"), 1)]

    assert _numeric_outcome(undecided).outcome == "inconclusive"

    def unstable(ctx: NumericContext) -> Any:
        yield from _holding(ctx)
        raise PrecisionExhausted("a definition did not stabilize")

    assert _numeric_outcome(unstable).outcome == "inconclusive"
    assert _numeric_outcome(lambda ctx: uncertified(ctx) + undecided(ctx)[-1:]).outcome == "failed"


def test_certified_comparisons_decide_on_balls() -> None:
    assert _less(1.0, 2.0).verdict == "holds"
    assert _less(2.0, 1.0).verdict == "fails"
    assert certify("<", lambda: (arb(1) / 3, arb(1) / 3), {}, max_prec=256).verdict == "undecided"
    assert certify("=", lambda: (arb(1) / 3, arb(1) / 3 + arb(2) ** -200), {}).verdict == "fails"


def _property_outcome(confirm: Any) -> Evidence:
    def test(x: float) -> None:
        assert x < 0.5, f"x = {x!r}"

    claim = Claim(id="harness-property", title="t", source="extension", statement="s")
    claim.property(st.floats(0, 1), confirm=confirm)(test)
    return run_layer(claim, "property", RunConfig())


def test_a_property_violation_counts_only_when_certified() -> None:
    refuted = _property_outcome(lambda x: _less(x, 0.5))
    assert refuted.outcome == "refuted" and refuted.counterexample["point"]["b"] == "0.5"
    assert float(refuted.counterexample["point"]["a"]) >= 0.5 and refuted.counterexample["example"]
    assert _property_outcome(lambda x: _less(0.0, 1.0)).outcome == "failed"  # holds at high precision
    assert _property_outcome(lambda x: certify("<", lambda: (arb(1) / 3, arb(1) / 3), {}, max_prec=128)).outcome == (
        "inconclusive")
    assert _property_outcome(None).outcome == "failed"  # no way to certify it


def test_undecided_property_examples_count_neither_way() -> None:
    def layer(rejects: Callable[[float], bool]) -> Evidence:
        claim = Claim("t-undecided", "t", "extension", "s")
        claim.property(st.floats(0, 1))(lambda x: reject() if rejects(x) else None)
        return run_layer(claim, "property", RunConfig())

    nothing_decided = layer(lambda x: True)
    assert nothing_decided.outcome == "inconclusive" and "rejected as undecided" in nothing_decided.summary
    some = layer(lambda x: x < 0.3)
    assert some.outcome == "passed" and some.fields["rejected"] > 0 and "rejected as undecided" in some.summary
