"""The toy autoregressive experiments, as claims with an experiment layer.

Exact enumeration over binary strings of length 12 (no sampling noise): a
base model, a validity constraint, nested policy families, and the
KL-control optimum ``q_beta^Q`` of each family on a grid of ``beta``. The
bounds each experiment checks are listed in ``proofs_checks.experiments``;
the claim is ``demonstrated`` when every one of them holds.

Main statements
- ``misspecified-collapse``: with parity, the product family ends at one valid
  string and order-1 Markov below ``2^{L/2}``, while the tabular family keeps
  ``N_eff(p_*)``; with "at least 8 ones", collapse is gradual and ordered by
  capacity.
- ``misspecified-without-collapse``: "no two adjacent ones" with an order-1
  Markov base and family: misspecified at every ``beta``, no collapse.
- ``coverage-divergences``: forward KL keeps coverage 1; the validity-coverage
  frontier of KL-control next to that of alpha-divergence projections.
"""

from __future__ import annotations

from proofs_checks.claim import register

COLLAPSE = register(
    "misspecified-collapse",
    title="The toy autoregressive experiment",
    source="paper",
    statement=(
        r"On $\{0,1\}^{12}$ with nested families (product, order-1 and order-2 Markov, tabular), the KL-control"
        r" optimum $q^{\mathcal{Q}}_\beta$ concentrates as $\beta$ decreases when $\mathcal{Q}$ is misspecified:"
        r" with parity the product family ends at one valid string ($N_{\mathrm{eff}}\to 1$) and order-1 Markov"
        r" below $2^{L/2}$ valid strings, while the tabular family keeps $N_{\mathrm{eff}} = N_{\mathrm{eff}}(p_*)$"
        r" at every $\beta$; with ``at least 8 ones'' collapse is gradual and ordered by capacity"
        r" (product $<$ Markov-1 $<$ Markov-2 $<$ tabular)."
    ),
    uses=("parity-product-collapse", "valid-limit-projection", "conditional-invariance"),
)
COLLAPSE.experiment(("parity-collapse", "at-least-ones"))

WITHOUT_COLLAPSE = register(
    "misspecified-without-collapse",
    title="A counterexample to the unqualified reading",
    source="extension",
    statement=(
        r"Constraint ``no two adjacent ones'', order-1 Markov base and family: the family contains $a$ and $p_*$"
        r" but $p_\beta$ for no finite $\beta$, since $e^{v/\beta} = 1 + (e^{1/\beta}-1)v$ is not a product of"
        r" pairwise factors; yet as $\beta\to 0^+$ its optimum recovers $N_{\mathrm{eff}} = N_{\mathrm{eff}}(p_*)$"
        r" and full coverage. Misspecification alone does not imply collapse."
    ),
    uses=("valid-limit-projection",),
)
WITHOUT_COLLAPSE.experiment(("no-adjacent-control",))

COVERAGE = register(
    "coverage-divergences",
    title="Divergences that target p_* keep coverage",
    source="paper",
    statement=(
        r"Forward KL $\mathrm{KL}(p_*\,\|\,q)$ is finite for full-support $q$; its minimizer over a family with"
        r" full-support members covers every valid output, and over product distributions it matches $p_*$'s"
        r" marginals. Reported: the validity-vs-coverage frontier of KL-control ($\beta$ sweep) next to that of"
        r" Amari $\alpha$-divergence projections onto $p_*$, $D_\alpha(p\,\|\,q) = \frac{\sum_y p^\alpha"
        r" q^{1-\alpha} - 1}{\alpha(\alpha-1)}$ (forward KL at $\alpha = 1$)."
    ),
    uses=("reverse-kl-infinite", "forward-kl-limit"),
)
COVERAGE.experiment(("frontier", "parity-collapse"), select=lambda check: "forward KL" in check.label or
                    check.label.startswith("frontier"))
