"""Wall time of the claims run, per claim and per evidence layer.

    python benchmarks/claims_run.py [--profile ci|thorough] [--jobs N] [--dps N] [--certification]

Runs every registered claim (as ``proofcheck run`` does) and prints a table of
seconds per claim and layer, the total per layer, the sum of all layer times
(the cost on one core) and the wall time with ``--jobs`` workers. Experiment
layers are charged the run time of the experiments they rest on (an
experiment shared by several claims is counted for each).

With ``--certification`` the run is made on one process under ``cProfile`` and
the table is followed by the time spent in rigorous ball arithmetic
(``proofs_checks.certified``: certified comparisons, enclosures of
counterexamples and of numeric cases), entered from the rest of the suite,
and its share of the run.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import platform
import time

from proofs_checks import certified, load_claims
from proofs_checks.claim import LAYERS
from proofs_checks.layers import PROFILES, RunConfig
from proofs_checks.runner import run_claims


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", choices=sorted(PROFILES), default="ci")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--dps", type=int, default=50)
    parser.add_argument("--certification", action="store_true",
                        help="run on one process under cProfile and report the time spent in ball arithmetic")
    args = parser.parse_args()
    jobs = 1 if args.certification else args.jobs
    profiler = cProfile.Profile() if args.certification else None

    start = time.perf_counter()
    if profiler:
        profiler.enable()
    run = run_claims(load_claims(), RunConfig(PROFILES[args.profile], args.dps, 0), jobs=jobs)
    if profiler:
        profiler.disable()
    wall = time.perf_counter() - start
    args.jobs = jobs

    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, profile {args.profile}, dps {args.dps}, "
          f"jobs {args.jobs}")
    width = max(map(len, run.results))
    print(f"{'claim':<{width}}  " + "  ".join(f"{layer:>10}" for layer in LAYERS) + f"  {'total':>8}")
    totals = dict.fromkeys(LAYERS, 0.0)
    for cid, result in run.results.items():
        seconds = {e.layer: e.seconds for e in result.evidence}
        for layer, value in seconds.items():
            totals[layer] += value
        cells = "  ".join(f"{seconds[layer]:10.1f}" if layer in seconds else f"{'-':>10}" for layer in LAYERS)
        print(f"{cid:<{width}}  {cells}  {sum(seconds.values()):8.1f}")
    print(f"{'total':<{width}}  " + "  ".join(f"{totals[layer]:10.1f}" for layer in LAYERS)
          + f"  {sum(totals.values()):8.1f}")
    analytic = sum(r.seconds for r in run.results.values() if "experiment" not in r.claim.checks)
    print(f"claims without experiments: {analytic:.1f} s of layer time; wall time of the whole run: {wall:.1f} s "
          f"with {args.jobs} job(s); all claims as expected: {run.passed}")
    if profiler:
        ball = _entered_time(pstats.Stats(profiler), certified.__file__)
        print(f"certified ball arithmetic: {ball:.1f} s of {wall:.1f} s ({100 * ball / wall:.0f}%)")


def _entered_time(stats: pstats.Stats, path: str) -> float:
    """Seconds spent in the functions of ``path`` when called from outside it."""
    total = 0.0
    for (filename, _, _), (_, _, _, _, callers) in stats.stats.items():  # type: ignore[attr-defined]
        if filename == path:
            total += sum(timing[3] for caller, timing in callers.items() if caller[0] != path)
    return total


if __name__ == "__main__":
    main()
