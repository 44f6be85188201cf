"""Exact-enumeration experiments on toy autoregressive models.

Each experiment module defines one ``Experiment`` (see ``result.py``); they are
collected in ``EXPERIMENTS`` by name, for the command line and for the
``experiment`` evidence layer of the claims.
"""

from __future__ import annotations

from proofs_checks.experiments import grpo, misspecification, policy_gradient
from proofs_checks.experiments.result import BoundCheck, Experiment, ExperimentResult

__all__ = ["BoundCheck", "Experiment", "ExperimentResult", "EXPERIMENTS"]

EXPERIMENTS: dict[str, Experiment] = {
    experiment.name: experiment for module in (misspecification, policy_gradient, grpo) for experiment in module.EXPERIMENTS
}
