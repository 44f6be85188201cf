"""The notation of the claims, one symbol per meaning, as data.

The appendix and the web pages print this table before the standing
assumptions, and every statement, justification and finding uses these
symbols with these meanings. The Amari divergence parameter, called
``alpha`` in the literature, is written ``\\gamma`` here, since ``\\alpha`` is
the base validity rate.

Main definitions
- ``Notation(latex, plain, meaning, definition)``: ``latex`` is the symbol in
  LaTeX math, ``plain`` its plain-text form (as ``prose.to_plain`` renders it),
  ``meaning`` words, ``definition`` prose with math in ``$...$``.
- ``NOTATION``: the symbols in the order they are introduced.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Notation", "NOTATION"]


@dataclass(frozen=True)
class Notation:
    """One symbol: its LaTeX, its plain-text form, what it means and its definition."""

    latex: str
    plain: str
    meaning: str
    definition: str


NOTATION: tuple[Notation, ...] = (
    Notation(r"\mathcal{Y}", "Y", "the set of outputs",
             r"a finite set with $n = |\mathcal{Y}| \ge 2$ elements (standing assumption finite-outputs)"),
    Notation(r"a", "a", "the base model", r"a probability vector on $\mathcal{Y}$ with $a(y) > 0$ for every $y$"),
    Notation(r"v", "v", "the binary reward (validity)", r"$v : \mathcal{Y} \to \{0, 1\}$"),
    Notation(r"\mathcal{Y}_1,\ \mathcal{Y}_0", "Y1, Y0", "the valid and the invalid outputs",
             r"$\mathcal{Y}_1 = \{y : v(y) = 1\}$, $\mathcal{Y}_0 = \{y : v(y) = 0\}$"),
    Notation(r"\alpha", "alpha", "the base validity rate",
             r"$\alpha = a(\mathcal{Y}_1) = \sum_y a(y) v(y)$, with $0 < \alpha < 1$"),
    Notation(r"p_*", "p_*", "the filtered model", r"$p_*(y) = a(y \mid \mathcal{Y}_1) = a(y) v(y) / \alpha$"),
    Notation(r"\beta", "beta", "the KL temperature", r"a real number $\beta > 0$"),
    Notation(r"Z_\beta", "Z_beta", "the partition function of the tilt",
             r"$Z_\beta = \sum_y a(y) e^{v(y)/\beta} = 1 - \alpha + \alpha e^{1/\beta}$"),
    Notation(r"p_\beta", "p_beta", r"the tilted distribution (the paper's $p_{[\beta]}$)",
             r"$p_\beta(y) = a(y) e^{v(y)/\beta} / Z_\beta$"),
    Notation(r"\mu_\beta", "mu_beta", "the validity rate of the tilted distribution",
             r"$\mu_\beta = p_\beta(\mathcal{Y}_1) = \sigma(1/\beta + \logit\alpha)$"),
    Notation(r"q,\ m", "q, m", "a policy and its validity",
             r"a probability vector $q$ on $\mathcal{Y}$; $m = q(\mathcal{Y}_1) = \mathbb{E}_q[v]$"),
    Notation(r"\mu", "mu", "a validity rate (a target, or the validity of the policy at hand)",
             r"a number in $(\alpha, 1)$ for a target; $\mu = q(\mathcal{Y}_1)$ for a policy $q$"),
    Notation(r"\KL(q\,\|\,p)", "KL(q || p)", "the Kullback-Leibler divergence",
             r"$\KL(q\,\|\,p) = \sum_y q(y) \log\frac{q(y)}{p(y)}$, with $0 \log 0 = 0$ and $\KL = +\infty$"
             r" when $q(y) > 0 = p(y)$ for some $y$"),
    Notation(r"\mathrm{kl}(x\,\|\,y)", "kl(x || y)", "the binary KL divergence",
             r"$\mathrm{kl}(x\,\|\,y) = x \log\frac{x}{y} + (1 - x) \log\frac{1 - x}{1 - y}$"),
    Notation(r"J_\beta(q)", "J_beta(q)", "the KL-control objective",
             r"$J_\beta(q) = \mathbb{E}_q[v] - \beta \KL(q\,\|\,a)$"),
    Notation(r"J^*_\beta", "J*_beta", "the optimal value of the KL-control objective",
             r"$J^*_\beta = \max_q J_\beta(q) = \beta \log Z_\beta$"),
    Notation(r"\sigma,\ \logit", "sigma, logit", "the logistic function and its inverse",
             r"$\sigma(t) = 1/(1 + e^{-t})$, $\logit(x) = \log\frac{x}{1 - x}$"),
    Notation(r"H(q)", "H(q)", "the Shannon entropy, in nats", r"$H(q) = -\sum_y q(y) \log q(y)$"),
    Notation(r"\Neff(q)", "N_eff(q)", "the effective number of valid outputs of $q$",
             r"$\Neff(q) = \exp H(q(\cdot \mid \mathcal{Y}_1))$; $\Neff^* = \Neff(p_*)$"),
    Notation(r"\Delta(\mathcal{Y}_1)", "Delta(Y1)", "the fully valid distributions",
             r"$\Delta(\mathcal{Y}_1) = \{q : q(\mathcal{Y}_0) = 0\}$"),
    Notation(r"\mathrm{TV}(p, q)", "TV(p, q)", "the total variation distance",
             r"$\mathrm{TV}(p, q) = \frac{1}{2} \sum_y |p(y) - q(y)|$"),
    Notation(r"\mathcal{Q}", "Q", "a policy family",
             r"a closed set of distributions on $\mathcal{Y}$; misspecified at $\beta$ when $p_\beta \notin \mathcal{Q}$"),
    Notation(r"q^{\mathcal{Q}}_\beta", "q^Q_beta", "the KL-control optimum over a family",
             r"$q^{\mathcal{Q}}_\beta = \arg\max_{q \in \mathcal{Q}} J_\beta(q) = \arg\min_{q \in \mathcal{Q}}"
             r" \KL(q\,\|\,p_\beta)$ (the I-projection of $p_\beta$ onto $\mathcal{Q}$)"),
    Notation(r"\mathrm{coverage}(q)", "coverage(q)", "the coverage of $p_*$ by $q$",
             r"the $p_*$-mass of the valid outputs that $q$ keeps: $\sum_y p_*(y)\,[q(y \mid \mathcal{Y}_1)"
             r" \ge 10^{-3} p_*(y)]$"),
    Notation(r"\gamma,\ D_\gamma(p\,\|\,q)", "gamma, D_gamma(p || q)",
             r"the Amari divergence and its parameter (the literature's $\alpha$-divergence)",
             r"$D_\gamma(p\,\|\,q) = \frac{\sum_y p(y)^\gamma q(y)^{1-\gamma} - 1}{\gamma(\gamma - 1)}$ for"
             r" $0 < \gamma < 1$; $D_1(p\,\|\,q) = \KL(p\,\|\,q)$ (forward KL), $D_\gamma \to \KL(q\,\|\,p)$ as"
             r" $\gamma \to 0$"),
    Notation(r"L,\ \{0,1\}^L", "L, {0,1}^L", "the length of the toy strings and the strings",
             r"the experiments enumerate all $2^L$ binary strings of length $L$ exactly"),
    Notation(r"\theta,\ t,\ \eta", "theta, t, eta", "logits, flow time, step size (policy-gradient experiments)",
             r"$q = \mathrm{softmax}(\theta)$; the flow runs in continuous time $t$; a discrete step has size $\eta$"),
)
