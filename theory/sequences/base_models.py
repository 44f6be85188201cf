"""Seeded base models ``a`` over a sequence space, as exact log-probabilities.

Main definitions
- ``independent_base(space, seed, scale)``: independent positions,
  ``a(y) = prod_i softmax(w_i)[y_i]`` with logits ``w_i ~ N(0, scale^2)``.
- ``markov_base(space, seed, scale)``: an order-1 Markov chain,
  ``a(y) = softmax(w_0)[y_0] prod_{i>=1} softmax(W_i[y_{i-1}])[y_i]`` with all
  logits ``~ N(0, scale^2)`` (time-inhomogeneous transitions).
Both return ``log a`` over ``space.strings`` (a float64 vector that
log-sum-exps to 0 up to rounding).
"""

from __future__ import annotations

import numpy as np

from theory.errors import check_interval
from theory.sequences.space import SequenceSpace

__all__ = ["independent_base", "markov_base", "log_softmax"]


def log_softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    """``log softmax(w)_k = w_k - log sum_j e^{w_j}``, stable for any logits."""
    shifted = logits - np.max(logits, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def _rng(seed: int, scale: float) -> np.random.Generator:
    check_interval("scale", scale, 0, float("inf"))
    return np.random.default_rng(seed)


def independent_base(space: SequenceSpace, seed: int, scale: float = 1.0) -> np.ndarray:
    """``log a(y) = sum_i log softmax(w_i)[y_i]``, ``w_i ~ N(0, scale^2)`` i.i.d."""
    logits = _rng(seed, scale).normal(0.0, scale, size=(space.length, space.vocab))
    table = log_softmax(logits)
    positions = np.arange(space.length)
    return table[positions, space.strings].sum(axis=1)


def markov_base(space: SequenceSpace, seed: int, scale: float = 1.0) -> np.ndarray:
    """``log a(y) = log softmax(w_0)[y_0] + sum_{i>=1} log softmax(W_i[y_{i-1}])[y_i]``."""
    rng = _rng(seed, scale)
    initial = log_softmax(rng.normal(0.0, scale, size=space.vocab))
    transitions = log_softmax(rng.normal(0.0, scale, size=(max(space.length - 1, 0), space.vocab, space.vocab)))
    strings = space.strings
    log_a = initial[strings[:, 0]]
    for i in range(1, space.length):
        log_a = log_a + transitions[i - 1, strings[:, i - 1], strings[:, i]]
    return log_a
