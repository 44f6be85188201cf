"""The paper's statements, where they come from, the claims that test them, and the verdict.

Each statement of the abstract of "Binary Rewards and Reinforcement Learning:
Fundamental Challenges" (M. Dymetman, 2026), of its referee report and of the
author's reply is quoted or closely paraphrased below (the texts are in
``docs/paper_abstract_and_review.md``), with where it comes from and the ids
of the claims that test it. The verdict on a statement is computed from the
statuses of those claims in a run and the qualification each claim carries
(``Claim.qualification``): a claim with an empty qualification tests the
statement as stated; a claim with a qualification tests a qualified reading
and says which.

The verdict rule, in order (``verdict``):

1. no linked claim: ``not examined`` (the statement is context or outside the
   suite's scope; ``Statement.note`` says why);
2. a linked claim is not in the run: ``not checked``;
3. at least one linked claim tests the statement as stated, every such claim
   *holds*, and no linked claim is *refuted*: ``holds as stated``;
4. at least one linked claim carries a qualification and every such claim
   *holds*: ``holds with qualification`` (their qualifications are the
   qualification);
5. a linked claim is *refuted*: ``refuted``;
6. otherwise: ``not supported``.

A claim *holds* when its status is ``proved``, ``verified`` or
``demonstrated`` and it is fully established (so is every claim it uses). It
is *refuted* when its status is ``refuted`` by a counterexample of the
symbolic, numeric or property layer. A claim refuted by the experiment layer
alone (a violated bound of an exact-enumeration experiment, run in float64)
is *contradicted by the experiments*: that is evidence against the statement,
not a certified counterexample, so by itself it gives ``not supported``.

Main definitions
- ``Statement(id, source, where, text, claims, note)``: ``source`` is
  ``abstract``, ``referee report`` or ``reply``; ``text`` is prose with math in ``$...$``.
- ``STATEMENTS``: the statements in the order of the texts.
- ``ClaimStanding``: what one claim contributes (its status, whether it holds,
  is refuted or contradicted, its qualification).
- ``Verdict(statement, verdict, qualification, standings, reason)`` and
  ``verdict(statement, results)`` (``results``: claim id -> ``ClaimResult``);
  ``verdicts(results)`` for every statement.
- ``VERDICTS``: the possible verdicts, in the order above.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Statement", "STATEMENTS", "ClaimStanding", "Verdict", "VERDICTS", "standing", "verdict", "verdicts"]

VERDICTS = ("not examined", "not checked", "holds as stated", "holds with qualification", "refuted", "not supported")
_ESTABLISHED = ("proved", "verified", "demonstrated")
_CERTIFYING_LAYERS = ("symbolic", "numeric", "property")


@dataclass(frozen=True)
class Statement:
    """A statement of the paper, the referee report or the reply, and the claims that test it."""

    id: str
    source: str
    where: str
    text: str
    claims: tuple[str, ...] = ()
    note: str = ""


STATEMENTS: tuple[Statement, ...] = (
    Statement(
        "abstract-diversity-collapse", "abstract", "abstract, sentence 1",
        "Models trained with RLVR often suffer from diversity collapse: single-sample accuracy improves while"
        " multi-sample coverage degrades, sometimes below the base model.",
        note="an empirical observation about trained language models, the paper's motivation; outside the"
             " scope of a verification of its mathematics",
    ),
    Statement(
        "abstract-degeneracy", "abstract", "abstract, sentence 3",
        "Binary rewards create a fundamental degeneracy for policy gradient methods: the set of distributions"
        " maximizing expected reward is infinite, with no distinguished element.",
        ("degeneracy",),
    ),
    Statement(
        "abstract-selection", "abstract", "abstract, sentence 4",
        r"KL-control resolves this degeneracy by selecting, in the limit $\beta \to 0$, the filtered model"
        r" $p_* = a(\cdot \mid \mathcal{Y}_1)$, which is the unique fully valid distribution closest to the base"
        " model in KL divergence.",
        ("gibbs-identity", "filtered-selection", "forward-kl-limit"),
    ),
    Statement(
        "abstract-asymmetry", "abstract", "abstract, sentence 5",
        r"The tilted distribution $p_\beta \propto a(y) e^{v(y)/\beta}$ converges to $p_*$ in forward KL as"
        r" $\beta \to 0$, yet $p_*$ cannot serve as a direct optimization target because $\KL(q\,\|\,p_*)$ is"
        r" infinite for any full-support policy $q$.",
        ("forward-kl-limit", "reverse-kl-infinite"),
    ),
    Statement(
        "abstract-beta-mu", "abstract", "abstract, sentence 6",
        r"Explicit formulas relate the hyperparameter $\beta$ to the more interpretable target validity rate $\mu$.",
        ("beta-mu", "validity-monotone"),
    ),
    Statement(
        "abstract-misspecified-collapse", "abstract", "abstract, sentence 7",
        r"Under model misspecification, the pressure to decrease $\beta$ drives the optimizer toward highly"
        r" concentrated distributions over a small number of valid outputs, collapsing toward ever fewer as"
        r" $\beta$ decreases, rather than toward the filtered model.",
        ("misspecification-implies-collapse", "misspecified-collapse"),
    ),
    Statement(
        "abstract-toy-experiment", "abstract", "abstract, sentence 8, first clause",
        "The mechanism is illustrated on a toy autoregressive experiment.",
        ("misspecified-collapse",),
    ),
    Statement(
        "abstract-alternative-divergences", "abstract", "abstract, sentence 8, second clause",
        r"Alternative divergences that target $p_*$ directly avoid this failure mode by rewarding coverage of"
        r" $p_*$'s support rather than concentration on high-validity outputs.",
        ("divergences-avoid-collapse", "coverage-divergences"),
    ),
    Statement(
        "referee-no-concentration", "referee report", "referee report, major comment",
        r"With binary $v$, $p_\beta(y \mid \mathcal{Y}_1) = a(y \mid \mathcal{Y}_1)$ exactly for every $\beta$:"
        r" the global optimum exhibits no additional concentration within the valid outputs as $\beta$ decreases.",
        ("conditional-invariance",),
    ),
    Statement(
        "referee-collapse-from-optimization", "referee report", "referee report, major comment",
        r"Any collapse in the toy experiment or in practice must arise from a failure to reach $p_\beta$"
        " (policy-gradient dynamics or variance, or the limits of the parameterization), not from a structural"
        " property of the objective.",
        ("conditional-invariance", "valid-limit-projection", "parity-product-collapse", "pg-flow-sharpening"),
    ),
    Statement(
        "reply-conditional", "reply", "reply, paragraph 1",
        r"The conditional $p_\beta(y \mid \mathcal{Y}_1)$ equals $a(y \mid \mathcal{Y}_1)$ for every $\beta$, so the"
        r" global optimum exhibits no additional concentration as $\beta$ decreases.",
        ("conditional-invariance",),
    ),
    Statement(
        "reply-gradient-variance", "reply", "reply, paragraph 1",
        r"Lowering $\beta$ to reach a higher validity makes the optimization harder for policy-gradient methods,"
        " increasing the gradient variance.",
        ("gradient-variance",),
    ),
    Statement(
        "reply-finite-models-collapse", "reply", "reply, paragraph 1",
        r"Finite models then lose support over the full valid set and collapse onto few outputs; the collapse"
        r" arises from the inability to reach $p_\beta$, not from a change in $p_\beta$ itself.",
        ("misspecification-implies-collapse", "misspecified-collapse"),
    ),
)


@dataclass(frozen=True)
class ClaimStanding:
    """What one linked claim contributes to a verdict."""

    claim_id: str
    status: str
    holds: bool
    refuted: bool
    contradicted: bool
    qualification: str

    @property
    def phrase(self) -> str:
        """How the claim came out, in words."""
        if self.holds:
            return f"{self.status}, fully established"
        if self.refuted:
            return "refuted by a counterexample"
        if self.contradicted:
            return "contradicted by the experiments"
        return f"{self.status}, not established"


def standing(result: Any) -> ClaimStanding:
    """The standing of one claim from its ``ClaimResult`` (see the module header)."""
    refuting = {e.layer for e in result.evidence if e.outcome == "refuted"}
    refuted = result.status == "refuted" and bool(refuting & set(_CERTIFYING_LAYERS))
    return ClaimStanding(
        claim_id=result.claim.id,
        status=result.status,
        holds=result.status in _ESTABLISHED and result.fully_established,
        refuted=refuted,
        contradicted=result.status == "contradicted",
        qualification=result.claim.qualification,
    )


@dataclass(frozen=True)
class Verdict:
    """The verdict on one statement: one of ``VERDICTS``, the qualification (for
    ``holds with qualification``), the standing of each linked claim and the reason in words."""

    statement: Statement
    verdict: str
    qualification: str
    standings: tuple[ClaimStanding, ...]
    reason: str


def verdict(statement: Statement, results: Mapping[str, Any]) -> Verdict:
    """The verdict on ``statement`` from the run's ``results`` (the rule of the module header)."""
    if not statement.claims:
        return Verdict(statement, "not examined", "", (), statement.note)
    missing = [cid for cid in statement.claims if cid not in results]
    if missing:
        return Verdict(statement, "not checked", "", (), f"not in this run: {', '.join(missing)}")
    standings = tuple(standing(results[cid]) for cid in statement.claims)
    as_stated = [s for s in standings if not s.qualification]
    qualified = [s for s in standings if s.qualification]
    described = "; ".join(f"{s.claim_id}: {s.phrase}" for s in standings)
    if as_stated and all(s.holds for s in as_stated) and not any(s.refuted for s in standings):
        return Verdict(statement, "holds as stated", "", standings, described)
    if qualified and all(s.holds for s in qualified):
        qualification = " ".join(s.qualification for s in qualified)
        return Verdict(statement, "holds with qualification", qualification, standings, described)
    if any(s.refuted for s in standings):
        return Verdict(statement, "refuted", "", standings, described)
    return Verdict(statement, "not supported", "", standings, described)


def verdicts(results: Mapping[str, Any]) -> list[Verdict]:
    """The verdict on every statement of ``STATEMENTS``."""
    return [verdict(statement, results) for statement in STATEMENTS]
