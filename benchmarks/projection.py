"""Solve time of one exact projection against the size of the sequence space.

For ``L = 8, ..., 16`` (``|Y| = 2^L`` binary strings), the parity constraint and
an order-1 Markov base model (seed 0), and each nested family (product,
Markov-1, Markov-2, tabular), times one I-projection of ``p_beta`` at
``beta = 0.05`` started from the M-projection of ``a`` (``"base"``) and one
alpha-divergence projection of ``p_*`` at ``alpha = 0.5`` started from the
M-projection of ``p_*``, both run to the default tolerance (largest
total-variation move of a block update ``<= 1e-13 max(1, max |log p|)``). Each
row gives the sweeps to convergence, the best of ``--repeats`` wall-clock times
per solve and per sweep, and the final largest logit gradient.

Usage: ``python benchmarks/projection.py [--min-length 8] [--max-length 16] [--repeats 3]``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from theory.sequences.base_models import markov_base
from theory.sequences.constraints import parity
from theory.sequences.families import nested_families
from theory.sequences.projections import Projection, alpha_projection, i_projection, m_projection
from theory.sequences.space import SequenceSpace
from theory.sequences.targets import log_filtered, log_tilted

BETA = 0.05
ALPHA = 0.5


def best_time(solve: Callable[[], Projection], repeats: int) -> tuple[float, Projection]:
    """The fastest of ``repeats`` runs of ``solve`` and its result."""
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = solve()
        times.append(time.perf_counter() - started)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--min-length", type=int, default=8)
    parser.add_argument("--max-length", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    header = f"{'L':>3} {'|Y|':>7} {'family':>9} | {'projection':>16} {'sweeps':>6} {'s/solve':>8} {'ms/sweep':>9} {'gradient':>9}"
    print(header)
    print("-" * len(header))
    for length in range(args.min_length, args.max_length + 1):
        space = SequenceSpace(2, length)
        log_a, valid = markov_base(space, 0), parity(space.strings)
        log_p_beta, log_p_star = log_tilted(log_a, valid, BETA), log_filtered(log_a, valid)
        for family in nested_families(space):
            base, forward = m_projection(family, log_a), m_projection(family, log_p_star)
            solves = {
                f"I-proj beta={BETA:g}": lambda: i_projection(family, log_p_beta, base, "base"),
                f"alpha={ALPHA:g}": lambda: alpha_projection(family, log_p_star, ALPHA, forward, "forward-kl"),
            }
            for name, solve in solves.items():
                seconds, result = best_time(solve, args.repeats)
                per_sweep = 1e3 * seconds / max(result.sweeps, 1)
                print(
                    f"{length:>3} {space.size:>7} {family.name:>9} | {name:>16} {result.sweeps:>6} "
                    f"{seconds:>8.3f} {per_sweep:>9.2f} {result.gradient:>9.1e}"
                )


if __name__ == "__main__":
    main()
