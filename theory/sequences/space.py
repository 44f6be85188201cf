"""Exact enumeration of the sequence space ``{0, ..., V-1}^L``.

Main definitions
- ``SequenceSpace(vocab, length)``: all ``V^L`` strings as an integer array of
  shape ``(V^L, L)`` in lexicographic order (position 0 most significant), so
  that every expectation over the space is an exact finite sum.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from theory.errors import DomainError

__all__ = ["SequenceSpace", "MAX_OUTPUTS"]

MAX_OUTPUTS = 2**20
"""The largest space enumerated (``V^L <= 2^20``); larger spaces are refused."""


@dataclass(frozen=True)
class SequenceSpace:
    """The strings of length ``length`` over the alphabet ``{0, ..., vocab-1}``."""

    vocab: int
    length: int

    def __post_init__(self) -> None:
        if not isinstance(self.vocab, int) or self.vocab < 2:
            raise DomainError(f"vocab must be an integer >= 2; got {self.vocab!r}")
        if not isinstance(self.length, int) or self.length < 1:
            raise DomainError(f"length must be an integer >= 1; got {self.length!r}")
        if self.vocab**self.length > MAX_OUTPUTS:
            raise DomainError(
                f"vocab**length must be at most {MAX_OUTPUTS} outputs for exact enumeration; "
                f"got {self.vocab}**{self.length} = {self.vocab ** self.length}"
            )

    @property
    def size(self) -> int:
        """``|Y| = V^L``."""
        return self.vocab**self.length

    @cached_property
    def strings(self) -> np.ndarray:
        """All strings, shape ``(V^L, L)``, dtype ``int8``, lexicographic order."""
        index = np.arange(self.size)
        powers = self.vocab ** np.arange(self.length - 1, -1, -1)
        strings = (index[:, None] // powers[None, :]) % self.vocab
        strings.setflags(write=False)
        return strings.astype(np.int8)
