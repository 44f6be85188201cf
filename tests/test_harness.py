"""The harness itself: statuses from evidence, the registry, checked derivations."""

import pytest
import sympy as sp

from proofs_checks import load_claims
from proofs_checks.claim import Evidence, RegistryError, check_references, register, status_of
from proofs_checks.derivation import ConvexMinimum, Derivation, Equal, Limit, Sign, reduce_sums
from proofs_checks.runner import judge
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
        ({"symbolic": "passed"}, "failed"),
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


def test_a_true_identity_is_verified_and_a_false_one_refuted_with_a_point() -> None:
    true = Derivation("test", (Equal(sp.log(alpha * beta), sp.log(alpha) + sp.log(beta), "log of a product"),),
                      domain={alpha: (0, 1), beta: (0, sp.oo)})
    assert true.check().outcome == "passed"
    false = Derivation("test", (Equal(sp.log(alpha + beta), sp.log(alpha) + sp.log(beta), "wrong"),),
                       domain={alpha: (0, 1), beta: (0, sp.oo)})
    result = false.check()
    assert result.outcome == "refuted"
    point = {name: float(value) for name, value in result.counterexample.items()}
    assert abs(sp.log(point["alpha"] + point["beta"]) - sp.log(point["alpha"] * point["beta"])) > 1e-6


def test_sign_limit_and_convexity_steps() -> None:
    t = sp.Symbol("t", positive=True)
    steps = (Sign(-alpha * (1 - alpha), "negative", "0 < alpha < 1", positive=(1 - alpha,)),
             Limit(beta * sp.log(1 + 1 / beta), beta, sp.oo, 1, "log(1 + x) ~ x", direction="-"),
             ConvexMinimum(t - 1 - sp.log(t), t, 1, "log t <= t - 1"))
    assert Derivation("test", steps, domain={alpha: (0, 1), beta: (0, sp.oo)}).check().outcome == "passed"
    wrong_sign = Derivation("test", (Sign(alpha - 2, "positive", "false"),), domain={alpha: (0, 1)})
    assert wrong_sign.check().outcome == "refuted"


def test_an_undecidable_step_without_counterexample_is_inconclusive() -> None:
    x = sp.Symbol("x", positive=True)
    unknowable = Sign(sp.Function("f")(x), "positive", "an unknown function")
    assert Derivation("test", (unknowable,), domain={x: (0, 5)}).check().outcome == "inconclusive"


def test_sums_are_split_and_constants_pulled_out() -> None:
    n, y = sp.symbols("n y", integer=True, positive=True)
    q = sp.IndexedBase("q")
    c = sp.Symbol("c")
    reduced = reduce_sums(sp.Sum(c * q[y] + 2, (y, 1, n)))
    assert sp.simplify(reduced - (c * sp.Sum(q[y], (y, 1, n)) + 2 * n)) == 0
