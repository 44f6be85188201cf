"""The claim subcommands of ``proofcheck``: ``list``, ``show`` and ``run``.

- ``proofcheck list``: one claim a line: id, source, expected, title.
- ``proofcheck show ID``: statement, uses, then every layer's evidence and the
  derivation log, step by step with SymPy's verdict, and the final status with
  whether it is as expected, judged on the claim's own evidence (the claims it
  uses are not run: ``proofcheck run ID`` judges them too); exit code 0 when it
  is as expected, 1 otherwise.
- ``proofcheck run [ID ...] [--profile ci|thorough] [--dps N] [--seed N]
  [--json PATH] [--extra FILE.py]``: runs the claims (and the claims they use)
  with a progress display on stderr and the claims table on stdout; exit code 0
  when every claim came out as expected, 1 otherwise. ``--json PATH`` is checked
  before anything runs.

Other exit codes (bad input, a closed pipe, Ctrl-C, an internal error) are those
of :mod:`proofs_checks.cli`.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from proofs_checks import load_claims
from proofs_checks.claim import ESTABLISHED, LAYERS, Claim, Evidence, RegistryError, status_of
from proofs_checks.layers import PROFILES, RunConfig, run_layer
from proofs_checks.preflight import check_output_path
from proofs_checks.report import claims_table, write_report
from proofs_checks.runner import ClaimResult, closure, run_claims

__all__ = ["register", "Progress", "positive_int", "add_run_options", "run_config"]


class Progress:
    """Progress lines on stderr: rewritten in place on a terminal, one line per
    finished layer otherwise."""

    def __init__(self, stream: Any = sys.stderr) -> None:
        self.stream = stream
        self.live = stream.isatty()

    def __call__(self, line: str) -> None:
        if self.live:
            self.stream.write("\r\033[K" + line)
            self.stream.flush()
        elif not line.endswith("..."):
            self.stream.write(line + "\n")

    def done(self) -> None:
        if self.live:
            self.stream.write("\r\033[K")
            self.stream.flush()


def positive_int(minimum: int) -> Any:
    """An argparse type: an integer at least ``minimum``."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer >= {minimum}; got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected an integer >= {minimum}; got {value}")
        return value

    return parse


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """``--profile``, ``--dps``, ``--seed``, ``--extra`` and ``--jobs``."""
    parser.add_argument("--profile", choices=sorted(PROFILES), default="ci",
                        help="ci: 200 Hypothesis examples, 24 random numeric cases per claim; thorough: 2000 and 200")
    parser.add_argument("--dps", type=positive_int(20), default=50, help="mpmath digits of the numeric layer (>= 20)")
    parser.add_argument("--seed", type=positive_int(0), default=0, help="seed of every random choice (>= 0)")
    parser.add_argument("--extra", action="append", default=[], metavar="FILE.py",
                        help="a reviewer file of identity_claim(...) calls (repeatable)")
    parser.add_argument("--jobs", type=positive_int(1), default=os.cpu_count() or 1,
                        help="worker processes (default: the number of CPUs); results do not depend on it")


def run_config(args: argparse.Namespace) -> RunConfig:
    """The run configuration of the options added by ``add_run_options``."""
    return RunConfig(profile=PROFILES[args.profile], dps=args.dps, seed=args.seed)


def _list(args: argparse.Namespace) -> int:
    claims = load_claims(args.extra)
    width = max(map(len, claims))
    for claim in claims.values():
        print(f"{claim.id:<{width}}  {claim.source:<9}  {claim.expected:<8}  {claim.title}")
    return 0


def _show(args: argparse.Namespace) -> int:
    claims = load_claims(args.extra)
    if args.id not in claims:
        raise RegistryError(f"unknown claim id {args.id!r}; `proofcheck list` shows the ids")
    claim = claims[args.id]
    print(f"{claim.id}: {claim.title}")
    print(f"source: {claim.source}; expected: {claim.expected}; uses: {', '.join(claim.uses) or '(nothing)'}")
    print(f"statement: {claim.statement}\n")
    config = run_config(args)
    progress = Progress()
    gathered = []
    for layer in LAYERS:
        if layer not in claim.checks:
            continue
        evidence = run_layer(claim, layer, config, progress=progress)
        gathered.append(evidence)
        progress.done()
        print(f"[{layer}] {evidence.outcome}: {evidence.summary} ({evidence.seconds:.1f} s)")
        if evidence.counterexample is not None:
            shown = _point(evidence.counterexample) if isinstance(evidence.counterexample, dict) else evidence.counterexample
            print(f"    counterexample: {shown}")
        if layer == "symbolic":
            print("    " + _derivation_text(evidence.fields).replace("\n", "\n    "))
        for check in evidence.fields.get("checks", []):
            print(f"    {check['label']}: {check['value']:.6g} {check['relation']} {check['bound']:.6g}"
                  f" [{'ok' if check['passed'] else 'VIOLATED'}]")
        for finding in evidence.fields.get("findings", []):
            print(f"    finding: {finding}")
    result = _judged_alone(claim, gathered)
    verdict = "as expected" if result.as_expected else "NOT as expected"
    uses = f"; `proofcheck run {claim.id}` also runs the claims it uses" if claim.uses else ""
    print(f"\nstatus: {result.status}, {verdict} (expected: {claim.expected}; judged on this claim's evidence alone{uses})")
    return 0 if result.as_expected else 1


def _derivation_text(fields: dict[str, Any]) -> str:
    """The derivation log of a symbolic layer's evidence: scope, hypotheses,
    definitions, then each step with its justification and SymPy's verdict."""
    lines = [f"scope: {fields.get('scope', '')}"]
    lines += [f"  hypothesis {hypothesis['id']}: {hypothesis['statement']}" for hypothesis in fields.get("hypotheses", [])]
    lines += [f"  where {definition}" for definition in fields.get("definitions", [])]
    for number, step in enumerate(fields.get("steps", []), 1):
        cited = f" [assumes {', '.join(map(str, step['assumes']))}]" if step.get("assumes") else ""
        lines.append(f"  ({number}) {step['statement']}\n      because {step['because']}{cited}"
                     f"  [{step['outcome']}: {step['detail']}]")
    return "\n".join(lines)


def _judged_alone(claim: Claim, evidence: list[Evidence]) -> ClaimResult:
    """The claim judged on its own evidence: established counts as fully established
    (the claims it uses are not run by ``show``)."""
    status = status_of(evidence)
    return ClaimResult(claim, evidence, status, fully_established=status in ESTABLISHED)


def _run(args: argparse.Namespace) -> int:
    if args.json is not None:
        check_output_path(args.json, "--json")
    claims = load_claims(args.extra)
    unknown = [cid for cid in args.ids if cid not in claims]
    if unknown:
        raise RegistryError(f"unknown claim id(s) {', '.join(map(repr, unknown))}; `proofcheck list` shows the ids")
    chosen = closure(claims, args.ids) if args.ids else list(claims)
    progress = Progress()
    run = run_claims({cid: claims[cid] for cid in chosen}, run_config(args), progress, jobs=args.jobs)
    progress.done()
    print(claims_table(run))
    for result in run.results.values():
        for evidence in result.evidence:
            if evidence.counterexample is not None or evidence.outcome == "failed":
                print(f"{result.claim.id} [{evidence.layer}] {evidence.outcome}: {evidence.summary}")
                if evidence.layer == "symbolic":
                    shown = evidence.counterexample
                    print(f"    counterexample: {_point(shown) if isinstance(shown, dict) else shown}")
    if args.json:
        write_report(run, args.json)
        print(f"report written to {args.json}")
    return 0 if run.passed else 1


def _point(counterexample: dict[str, str]) -> str:
    return ", ".join(f"{name} = {value}" for name, value in counterexample.items())


def register(subparsers: argparse._SubParsersAction) -> None:
    listing = subparsers.add_parser("list", help="list the registered claims")
    listing.add_argument("--extra", action="append", default=[], metavar="FILE.py")
    listing.set_defaults(func=_list)

    show = subparsers.add_parser("show", help="show one claim, run its layers and print the derivation log")
    show.add_argument("id")
    add_run_options(show)
    show.set_defaults(func=_show)

    run = subparsers.add_parser("run", help="run the claims and print the claims table")
    run.add_argument("ids", nargs="*", metavar="ID", help="claims to run (default: all); their uses run too")
    add_run_options(run)
    run.add_argument("--json", metavar="PATH", help="write the JSON report to PATH")
    run.set_defaults(func=_run)
