"""Checked derivations: what a step may use, what makes it verified, refuted or
inconclusive, and when a derivation is complete.

Each test is an adversarial case for one rule of ``proofs_checks.proof``: a step
must cite the facts it uses, a sign may not be declared, a vacuous step or a
hypothesis that restates the conclusion is rejected, a branch cut is never
rewritten away, two true identities are not "the same statement", an informal
step makes the derivation partial, and a refutation carries an exact point.
"""

import pytest
import sympy as sp

from proofs_checks.assumptions import Assumption
from proofs_checks.proof import (
    Apply, Asymptotic, ConvexMinimum, Derivation, DerivationError, Equal, Finite, Informal, Limit, Part, Sign,
)
from proofs_checks.signs import Fact, Knowledge, prove_sign
from proofs_checks.simplification import interval_substitution, is_zero
from proofs_checks.standard_results import kl_sum
from theory.symbolic import GenericOutcomes, alpha, beta, binary_kl, logit, mu, sigmoid

G = GenericOutcomes()
A, V, Y = G.a[G.y], G.v[G.y], G.y
Z = 1 - alpha + alpha * sp.exp(1 / beta)
MU = alpha * sp.exp(1 / beta) / Z
TILT = ("base-positive", "valid-mass-interior", "temperature-positive")
DOMAIN = {alpha: (0, 1), beta: (0, sp.oo)}
INTERVALS = {alpha: (0, 1), mu: (alpha, 1)}


def check(*steps, parts=(), hypotheses=(), domain=DOMAIN, definitions=None):
    derivation = Derivation("test", tuple(steps), definitions or {}, tuple(hypotheses), domain)
    derivation.validate((), lambda reference: (_ for _ in ()).throw(KeyError(reference)))
    return derivation.check(tuple(parts))


# --- the zero test --------------------------------------------------------------

@pytest.mark.parametrize("identity", [
    sp.log(alpha - 1) + sp.log(mu - 1) - sp.log((alpha - 1) * (mu - 1)),  # both arguments negative
    sp.sqrt(alpha - 1) * sp.sqrt(mu - 1) - sp.sqrt((alpha - 1) * (mu - 1)),  # sqrt of negatives
    sp.log(alpha) - 2 * sp.log(sp.sqrt(alpha)) + sp.Rational(1, 10**20),  # off by 1e-20
    (1 + sp.Rational(1, 10**20)) * alpha - alpha,
])
def test_the_zero_test_rejects_false_identities(identity: sp.Expr) -> None:
    assert not is_zero(identity, INTERVALS)


@pytest.mark.parametrize("identity", [
    sp.sqrt(alpha) * sp.sqrt(mu) - sp.sqrt(alpha * mu),
    sp.log(alpha) + sp.log(1 - mu) - sp.log(alpha * (1 - mu)),  # valid: both arguments positive on the domain
    binary_kl(mu, alpha) - (mu * (logit(mu) - logit(alpha)) + sp.log((1 - mu) / (1 - alpha))),
    beta * sp.log(Z) - (sigmoid(1 / beta + logit(alpha)) - beta * binary_kl(sigmoid(1 / beta + logit(alpha)), alpha)),
])
def test_the_zero_test_proves_identities_valid_on_the_domain(identity: sp.Expr) -> None:
    assert is_zero(identity, {**INTERVALS, beta: (0, sp.oo)})


def test_the_change_of_variables_lands_inside_every_interval() -> None:
    substitution = interval_substitution(INTERVALS)
    for value in (alpha, 1 - alpha, mu - alpha, 1 - mu):
        assert sp.factor(sp.together(value.subs(substitution))).is_positive


# --- signs ----------------------------------------------------------------------

def test_a_sign_must_follow_from_cited_facts() -> None:
    uncited = check(Sign(1 - alpha, "positive", "not cited"))
    assert uncited.steps[0].outcome != "verified"
    cited = check(Sign(1 - alpha, "positive", "cited", assumes=("valid-mass-interior",)))
    assert cited.steps[0].outcome == "verified"


def test_a_placeholder_declared_positive_does_not_prove_its_own_sign() -> None:
    placeholder = sp.Symbol("P_declared", positive=True)
    result = check(Sign(placeholder, "positive", "declared only"), definitions={placeholder: alpha - 2},
                   domain={alpha: (0, 1)})
    assert result.steps[0].outcome == "refuted"
    assert result.steps[0].certificate["point"]


def test_signs_combine_cited_earlier_steps() -> None:
    result = check(
        Sign(MU, "positive", "mu > 0", assumes=TILT),
        Sign(1 - MU, "positive", "1 - mu > 0", assumes=TILT),
        Sign(-MU * (1 - MU) / beta**2, "negative", "product", assumes=("step 1", "step 2")),
    )
    assert [s.outcome for s in result.steps] == ["verified"] * 3


def test_one_step_of_linear_arithmetic() -> None:
    x, y = sp.symbols("x y", real=True)
    knowledge = Knowledge.from_facts([Fact("h", sp.GreaterThan(x - y, 1, evaluate=False)),
                                      Fact("k", sp.GreaterThan(y, 0, evaluate=False))])
    assert prove_sign(x - 1, "nonnegative", knowledge) is not None
    assert prove_sign(x - 2, "nonnegative", knowledge) is None


def test_a_strict_sign_of_an_identically_zero_expression_is_refuted_with_an_exact_point() -> None:
    result = check(Sign(sp.log(alpha * beta) - sp.log(alpha) - sp.log(beta), "positive", "false", assumes=TILT))
    step = result.steps[0]
    assert step.outcome == "refuted" and step.certificate["lhs"] == step.certificate["rhs"]
    assert set(step.certificate["point"]) <= {"alpha", "beta"}


# --- identities, limits ---------------------------------------------------------

def test_a_false_identity_gets_a_certified_counterexample() -> None:
    result = check(Equal(sp.log(alpha + beta), sp.log(alpha) + sp.log(beta), "wrong", assumes=TILT))
    step = result.steps[0]
    assert step.outcome == "refuted"
    low, high = (sp.Rational(x) for x in step.certificate["lhs"])
    other_low, other_high = (sp.Rational(x) for x in step.certificate["rhs"])
    assert high < other_low or other_high < low
    point = {sp.Symbol(name, positive=True): sp.Rational(value) for name, value in step.certificate["point"].items()}
    lhs = sp.log(alpha + beta).subs({alpha: point[sp.Symbol("alpha", positive=True)],
                                     beta: point[sp.Symbol("beta", positive=True)]})
    assert low <= lhs.evalf(60) <= high


def test_a_false_identity_off_by_1e_30_is_not_verified() -> None:
    result = check(Equal(alpha * (1 + sp.Rational(1, 10**30)), alpha, "off by 1e-30", assumes=TILT))
    assert result.steps[0].outcome == "refuted"


def test_sums_use_cited_equalities_linearly() -> None:
    step = Equal(G.total(A * sp.exp(V / beta)), Z, "partition",
                 assumes=("binary-reward", "base-positive", "valid-mass-interior", "finite-outputs"))
    assert check(step).steps[0].outcome == "verified"
    without = Equal(G.total(A * sp.exp(V / beta)), Z, "partition without the facts")
    assert check(without).steps[0].outcome != "verified"


def test_a_case_split_may_not_reach_inside_a_sum() -> None:
    step = Equal(G.total(A * V), G.total(A), "wrong: v = 1 for every y at once", assumes=("binary-reward",),
                 cases=(V, (1,)))
    assert check(step).steps[0].outcome != "verified"


def test_limits_and_asymptotics() -> None:
    result = check(Limit(MU, beta, 0, 1, "mu -> 1", assumes=TILT),
                   Asymptotic(-sp.log(MU), (1 - alpha) / alpha * sp.exp(-1 / beta), beta, 0, "rate", assumes=TILT),
                   Limit(MU, beta, 0, alpha, "wrong limit", assumes=TILT))
    assert [s.outcome for s in result.steps] == ["verified", "verified", "refuted"]
    assert result.steps[2].certificate["point"] and result.steps[2].certificate["method"] in ("arb", "exact")


def test_limits_through_max_take_only_a_certain_branch() -> None:
    """``Max(beta, beta^2)`` is ``beta`` near 0+; ``Max(beta, alpha beta)`` is ``beta`` for every
    ``alpha < 1`` (a sign derived on the domain; SymPy's own limit of ``sign((alpha - 1) beta)``
    says 1); ``Max(beta, 2 alpha beta)`` has no branch valid for every ``alpha``."""
    result = check(Limit(sp.log(1 + sp.Max(beta, beta**2)) / beta, beta, 0, 1, "max", assumes=TILT),
                   Limit(sp.Max(beta, alpha * beta) / beta, beta, 0, 1, "max with a parameter", assumes=TILT),
                   Limit(sp.Max(beta, alpha * beta) / beta, beta, 0, alpha, "the wrong branch", assumes=TILT),
                   Limit(sp.Abs(beta - beta**2) / beta, beta, 0, 1, "abs", assumes=TILT))
    assert [s.outcome for s in result.steps] == ["verified", "verified", "refuted", "verified"]
    undecided = check(Limit(sp.Max(beta, 2 * alpha * beta) / beta, beta, 0, 1, "depends on alpha", assumes=TILT))
    assert undecided.steps[0].outcome != "verified"


def test_a_convex_minimum_and_a_finite_sum() -> None:
    t = sp.Symbol("t", positive=True)
    result = check(ConvexMinimum(t - 1 - sp.log(t), t, 1, "log t <= t - 1"),
                   Finite(G.total(A * sp.log(A)), "finite terms", assumes=("base-positive", "finite-outputs")))
    assert [s.outcome for s in result.steps] == ["verified", "verified"]


def test_a_standard_result_checks_its_hypotheses() -> None:
    tilted = A * sp.exp(V / beta) / Z
    uncited = Apply("gibbs-inequality", {"support": G.s[Y], "values": G.r[Y], "p": tilted}, "Gibbs",
                    assumes=("policy", "temperature-positive"))
    partition = Equal(G.total(A * sp.exp(V / beta)), Z, "partition",
                      assumes=("binary-reward", "base-positive", "valid-mass-interior", "finite-outputs"))
    assert check(partition, Apply("gibbs-inequality", {"support": G.s[Y], "values": G.r[Y], "p": tilted}, "Gibbs",
                                  assumes=("policy", "step 1", *TILT))).steps[1].outcome == "verified"
    assert check(uncited).steps[0].outcome == "inconclusive"  # the facts giving sum p_beta = 1 are not cited
    not_a_distribution = Apply("gibbs-inequality", {"support": G.s[Y], "values": G.r[Y], "p": 2 * A}, "wrong",
                               assumes=("policy", "base-positive", "finite-outputs"))
    assert check(not_a_distribution).steps[0].outcome == "inconclusive"


# --- registration ----------------------------------------------------------------

@pytest.mark.parametrize("step", [
    Equal(1 - 2 * alpha, 1 - 2 * alpha, "the same expression"),
    Equal(sp.exp(beta) * alpha, alpha * sp.exp(beta), "the same expression, reordered"),
    Sign(sp.Integer(2), "positive", "a number"),
    Limit(alpha, beta, 0, alpha, "free of the variable"),
])
def test_vacuous_steps_are_rejected(step) -> None:
    with pytest.raises(DerivationError, match="vacuous"):
        Derivation("test", (step,), domain=DOMAIN).validate((), lambda r: None)


def test_a_hypothesis_that_restates_the_conclusion_is_rejected() -> None:
    q, q_pi = G.q[Y], sp.IndexedBase("q_pi", nonnegative=True)[Y]
    restated = Assumption("same", "q o pi = q on Y0", (sp.Eq(q_pi * (1 - V), q * (1 - V), evaluate=False),))
    step = Equal(q_pi * (1 - V), q * (1 - V), "the hypothesis itself", assumes=("same",))
    with pytest.raises(DerivationError, match="own conclusion"):
        Derivation("test", (step,), hypotheses=(restated,)).validate((), lambda r: None)


@pytest.mark.parametrize("reference", ["step 1", "step 0", "no-such-assumption", "other-claim:part"])
def test_citations_must_exist_and_come_before(reference: str) -> None:
    with pytest.raises(DerivationError):
        Derivation("test", (Sign(MU, "positive", "x", assumes=(reference,)),)).validate((), lambda r: None)


def test_a_fact_that_evaluates_to_a_boolean_is_rejected() -> None:
    with pytest.raises(ValueError, match="evaluate=False"):
        Assumption("bad", "alpha > 0", (sp.Gt(alpha, 0),))
    with pytest.raises(DerivationError, match="evaluate=False"):
        Part("bad", "alpha > 0", sp.Gt(alpha, 0))


# --- parts and completeness ----------------------------------------------------------

def test_parts_are_concluded_by_the_step_that_states_them() -> None:
    parts = (Part("limit", "mu -> 1", sp.Eq(sp.Limit(MU, beta, 0, "+"), 1, evaluate=False)),
             Part("inverse", "beta(mu_beta) = beta",
                  sp.Eq(1 / (logit(MU) - logit(alpha)), beta, evaluate=False)))
    steps = (Limit(MU, beta, 0, 1, "mu -> 1", assumes=TILT),
             Equal(1 / (logit(MU) - logit(alpha)), beta, "inverse", assumes=TILT))
    result = check(*steps, parts=parts)
    assert result.concludes == {"limit": 1, "inverse": 2} and result.complete


def test_two_true_identities_are_not_the_same_statement() -> None:
    parts = (Part("inverse", "mu(beta(mu)) = mu",
                  sp.Eq(sigmoid(logit(mu)), mu, evaluate=False)),)
    unrelated = Equal(MU, sigmoid(1 / beta + logit(alpha)), "another true identity", assumes=TILT)
    result = check(unrelated, parts=parts, domain={**DOMAIN, mu: (alpha, 1)})
    assert result.steps[0].outcome == "verified"
    assert result.concludes == {} and not result.complete


def test_an_informal_step_makes_the_derivation_partial() -> None:
    claim = sp.Eq(sp.Symbol("stated"), 1, evaluate=False)
    result = check(Informal("an argument in prose", "prose", concludes=claim), parts=(Part("p", "stated", claim),))
    assert result.outcome == "passed" and not result.complete and result.concludes == {}


def test_a_step_citing_an_unverified_step_is_not_established() -> None:
    parts = (Part("sign", "", sp.StrictLessThan(-MU * (1 - MU) / beta**2, 0, evaluate=False)),)
    result = check(Sign(1 - MU, "positive", "uncited alpha < 1: not verified"),
                   Sign(-MU * (1 - MU) / beta**2, "negative", "uses step 1", assumes=("step 1", *TILT)),
                   parts=parts)
    assert result.concludes == {} and not result.complete


def test_a_refuted_intermediate_step_fails_the_derivation_and_a_refuted_part_refutes_it() -> None:
    wrong = Equal(sp.log(alpha + beta), sp.log(alpha) + sp.log(beta), "wrong", assumes=TILT)
    part = Part("p", "", sp.Eq(sp.log(alpha + beta), sp.log(alpha) + sp.log(beta), evaluate=False))
    assert check(wrong).outcome == "failed"
    refuted = check(wrong, parts=(part,))
    assert refuted.outcome == "refuted" and refuted.counterexample["point"]


def test_kl_sums_use_the_support_convention() -> None:
    s, r = G.s[Y], G.r[Y]
    assert kl_sum(s, r, A).function.subs(s, 0) == 0


def test_an_interval_of_an_indexed_value_keeps_its_index_inside_sums() -> None:
    i, m = sp.Symbol("i", integer=True, positive=True), sp.Symbol("m", integer=True, positive=True)
    w, a = sp.IndexedBase("w", positive=True)[i], sp.IndexedBase("a", positive=True)[i]
    variance = sp.Sum(w * a, (i, 1, m)) ** 2 - sp.Sum(w * a**2, (i, 1, m))  # not 0: a variance
    assert not is_zero(variance, {a: (0, 1)})
    weights = Assumption("w", "weights and rates", (sp.Eq(sp.Sum(w, (i, 1, m)), 1, evaluate=False),
                                                   sp.Gt(a, 0, evaluate=False), sp.Lt(a, 1, evaluate=False)))
    step = Equal(sp.Sum(w * a, (i, 1, m)) ** 2, sp.Sum(w * a**2, (i, 1, m)), "false", assumes=("w",))
    assert check(step, hypotheses=(weights,), domain={}).steps[0].outcome != "verified"
