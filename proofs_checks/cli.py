"""The ``proofcheck`` command line.

Each subcommand lives in its own module, which provides ``register(subparsers)``
(adding its parser, with ``func`` set to a handler ``(args) -> int``). Input
errors raised by the library (``ValueError`` subclasses) and bad usage become a
one-line message on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from proofs_checks import appendix_cli, claims_cli, experiment_cli, tilt

USAGE_ERROR = 2


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line and exit with code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(USAGE_ERROR, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="proofcheck",
        description="Symbolic-numeric verification of the theory of RL with binary rewards.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for module in (claims_cli, experiment_cli, tilt, appendix_cli):
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ValueError as exc:
        print(f"proofcheck {args.command}: error: {exc}", file=sys.stderr)
        return USAGE_ERROR


if __name__ == "__main__":
    sys.exit(main())
