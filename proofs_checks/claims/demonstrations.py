"""The toy autoregressive experiments, as claims with an experiment layer.

Exact enumeration over binary strings of length 12 (no sampling noise): a
base model, a validity constraint, nested policy families, and the
KL-control optimum ``q_beta^Q`` of each family on a grid of ``beta``, found by a
local optimizer from several starts with continuation. The bounds each
experiment checks are listed in ``proofs_checks.experiments``; a claim is
``demonstrated`` when every bound it selects holds. Each claim says exactly
what the experiments show, with their scope, and its ``qualification`` says
how that qualifies the paper's statement; the paper's unqualified readings
are claims of their own, expected to be refuted by the experiments'
predictions (``BoundCheck.reading``).

Main statements
- ``misspecified-collapse``: with parity, the product family's optimum at
  ``beta <= 0.01`` is one valid string and order-1 Markov's has at most
  ``2^{L/2}``, while the tabular family keeps ``N_eff(p_*)``; with "at least 8
  ones" ``N_eff`` at ``beta <= 0.01`` is ordered by capacity and does not
  increase as ``beta`` decreases; for these families, designs and seeds.
- ``misspecified-without-collapse``: "no two adjacent ones" with an order-1
  Markov base and family: misspecified at every ``beta``, no collapse.
- ``coverage-divergences``: forward KL keeps coverage 1, but in design A gains
  no validity; at matched validity the ``D_gamma`` projections (``gamma < 1``)
  have the ``N_eff`` of KL-control within a few percent.
- ``misspecification-implies-collapse`` (expected contradicted): the unqualified
  reading "a misspecified family's optimum collapses"; its prediction fails
  for the Markov-1 family of the control design.
- ``divergences-avoid-collapse`` (expected contradicted): the unqualified reading
  "divergences that target ``p_*`` avoid the collapse"; its prediction
  (``N_eff`` at least 1.5 times KL-control's at equal validity) fails.
"""

from __future__ import annotations

from proofs_checks.claim import register

COLLAPSE = register(
    "misspecified-collapse",
    title="The toy autoregressive experiment: collapse in particular misspecified families",
    source="paper",
    statement=(
        r"On $\{0,1\}^{12}$, for the KL-control optimum $q^{\mathcal{Q}}_\beta$ found by block coordinate descent from"
        r" four starts with continuation along $\beta \in \{2, \dots, 0.005\}$: with parity and an independent base"
        r" (5 seeds), the product family's optimum at $\beta \le 0.01$ is a single valid string"
        r" ($\Neff < 1.01$, invalid mass below $10^{-9}$) and the order-1 Markov family's has $\Neff \le 2^{L/2}$,"
        r" while the tabular family keeps $\Neff = \Neff(p_*)$ at every $\beta$; with ``at least 8 ones'' and a"
        r" Markov-1 base (3 seeds), at $\beta \le 0.01$ $\Neff$ is ordered product $<$ Markov-1 $<$ Markov-2 $<$"
        r" tabular, and it does not increase as $\beta$ decreases below 0.5."
    ),
    uses=("parity-product-collapse", "valid-limit-projection", "conditional-invariance"),
    qualification=(
        r"Collapse is shown for particular misspecified families (products and low-order Markov chains against"
        r" parity and ``at least 8 ones'' on 12-bit strings), at the optimum a local optimizer finds from several"
        r" starts; it is not a consequence of misspecification alone (misspecified-without-collapse)."
    ),
)
COLLAPSE.experiment(("parity-collapse", "at-least-ones"), select=lambda check: not check.reading)

WITHOUT_COLLAPSE = register(
    "misspecified-without-collapse",
    title="A counterexample to the unqualified reading",
    source="extension",
    statement=(
        r"Constraint ``no two adjacent ones'', order-1 Markov base and family: the family contains $a$ and $p_*$"
        r" but $p_\beta$ for no finite $\beta$, since $e^{v/\beta} = 1 + (e^{1/\beta}-1)v$ is not a product of"
        r" pairwise factors; yet as $\beta\to 0^+$ its optimum recovers $\Neff = \Neff(p_*)$"
        r" and full coverage. Misspecification alone does not imply collapse."
    ),
    uses=("valid-limit-projection",),
)
WITHOUT_COLLAPSE.experiment(("no-adjacent-control",), select=lambda check: not check.reading)

COVERAGE = register(
    "coverage-divergences",
    title="Forward KL keeps coverage but, here, gains no validity",
    source="paper",
    statement=(
        r"Forward KL $\KL(p_*\,\|\,q)$ is finite for full-support $q$, and on designs A (parity) and B (at least"
        r" 8 ones), first seed, its minimizer over each family has coverage 1; in design A its validity is the base"
        r" model's ($|\mu - \alpha| < 0.01$ for the product family). Reported: the validity-coverage frontier of"
        r" KL-control ($\beta$ sweep) next to that of the Amari projections onto $p_*$,"
        r" $D_\gamma(p\,\|\,q) = \frac{\sum_y p^\gamma q^{1-\gamma} - 1}{\gamma(\gamma-1)}$ (forward KL at"
        r" $\gamma = 1$): at matched validity the $\gamma < 1$ projections differ from KL-control in $\Neff$ by a few"
        r" percent."
    ),
    uses=("reverse-kl-infinite", "forward-kl-limit"),
    qualification=(
        r"Only forward KL ($\gamma = 1$) keeps full coverage, and in a family that cannot see the constraint it"
        r" gains no validity; at the same validity the $\gamma < 1$ projections concentrate as KL-control does"
        r" (divergences-avoid-collapse is contradicted)."
    ),
)
COVERAGE.experiment(("frontier", "parity-collapse"), select=lambda check: not check.reading and (
    "forward KL" in check.label or check.label.startswith("frontier")))

COLLAPSE_READING = register(
    "misspecification-implies-collapse",
    title="Unqualified reading: a misspecified family collapses",
    source="paper",
    statement=(
        r"For a policy family $\mathcal{Q}$ that does not contain $p_\beta$, the KL-control optimum"
        r" $q^{\mathcal{Q}}_\beta$ concentrates on few valid outputs as $\beta$ decreases rather than approaching"
        r" $p_*$: prediction tested, $\Neff(q^{\mathcal{Q}}_\beta) \le \Neff(p_*)/2$ at $\beta \le 0.05$ for the"
        r" misspecified Markov-1 family of the control design."
    ),
    uses=("misspecified-collapse",),
    expected="contradicted",
)
COLLAPSE_READING.experiment(("no-adjacent-control",), select=lambda check: check.reading == COLLAPSE_READING.id)

AVOIDANCE_READING = register(
    "divergences-avoid-collapse",
    title="Unqualified reading: divergences that target p_* avoid the collapse",
    source="paper",
    statement=(
        r"Projections onto a family by divergences that target $p_*$ ($D_\gamma(p_*\,\|\,q)$, $0 < \gamma < 1$)"
        r" avoid the concentration of KL-control: prediction tested, at the same validity their $\Neff$ is at least"
        r" 1.5 times that of the KL-control optimum, for every misspecified family of designs A and B."
    ),
    uses=("coverage-divergences",),
    expected="contradicted",
)
AVOIDANCE_READING.experiment(("frontier",), select=lambda check: check.reading == AVOIDANCE_READING.id)
