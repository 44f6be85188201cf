"""The mathematics of KL-controlled reinforcement learning with a binary reward.

Three independent forms that check one another:
- ``theory.closed_form``: numerically stable float64 closed forms (numpy,
  vectorized), for use in training code at any ``beta`` and validity rate;
- ``theory.precise``: the same closed forms in mpmath, at any precision;
- ``theory.symbolic``: the same closed forms as SymPy expressions, and symbolic
  models of finitely many outcomes for the derivations.

Also: ``BinaryRewardProblem`` (a finite base model and validity mask, with every
KL-control quantity in float64 and mpmath), ``theory.divergences``,
``theory.multi_prompt`` (one ``beta`` for many prompts), ``theory.sequences``
(exact toy autoregressive models) and ``theory.strategies`` (Hypothesis
strategies; imported on demand because it needs Hypothesis).
"""

from theory.errors import DomainError, ShapeError
from theory.problem import BinaryRewardProblem, ProblemView

__all__ = ["BinaryRewardProblem", "ProblemView", "DomainError", "ShapeError"]
