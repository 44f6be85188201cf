"""The ``proofcheck`` command line.

Each subcommand lives in its own module, which provides ``register(subparsers)``
(adding its parser, with ``func`` set to a handler ``(args) -> int``). ``main``
runs the handler inside one wrapper that turns every way a command can end into
one exit code and at most one line on stderr, never a traceback:

====  ==========================================================================
code  meaning
====  ==========================================================================
0     done: every claim came out as expected (``experiment``: every bound held)
1     a claim did not come out as expected (``experiment``: a bound was violated)
2     bad input or usage: a ``ValueError`` from the library (``DomainError``,
      ``ShapeError``, ``InputTypeError``, ``RegistryError``, ``OutputPathError``,
      ``MissingProgramError``, ...), an argparse error, or a file that cannot be
      read or written
120   standard output was closed early (``proofcheck list | head -1``): the
      command stops quietly and writes nothing more
123   internal error: one line naming the exception; ``--debug`` shows the traceback
130   interrupted (Ctrl-C): ``proofcheck: interrupted``; worker processes are ended
====  ==========================================================================
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from proofs_checks import appendix_cli, claims_cli, experiment_cli, tilt

__all__ = ["main", "build_parser", "EXIT_OK", "EXIT_UNEXPECTED", "USAGE_ERROR", "EXIT_BROKEN_PIPE",
           "EXIT_INTERNAL_ERROR", "EXIT_INTERRUPTED"]

EXIT_OK = 0
EXIT_UNEXPECTED = 1
USAGE_ERROR = 2
EXIT_BROKEN_PIPE = 120
EXIT_INTERNAL_ERROR = 123
EXIT_INTERRUPTED = 130


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line and exit with code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(USAGE_ERROR, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="proofcheck",
        description="Symbolic-numeric verification of the theory of RL with binary rewards.",
        epilog="exit codes: 0 as expected, 1 a claim not as expected, 2 bad input or usage, "
               "120 standard output closed, 123 internal error, 130 interrupted",
    )
    debug_help = "on an internal error, show the traceback"
    parser.add_argument("--debug", action="store_true", help=debug_help)
    subparsers = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for module in (claims_cli, experiment_cli, tilt, appendix_cli):
        module.register(subparsers)
    for subparser in subparsers.choices.values():  # also accepted after the subcommand
        subparser.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=debug_help)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``proofcheck`` with ``argv`` (default: ``sys.argv[1:]``); the exit code."""
    prefix, debug = "proofcheck", False
    try:
        try:
            args = build_parser().parse_args(argv)
            prefix, debug = f"proofcheck {args.command}", args.debug
            code = args.func(args)
        except SystemExit as exit_:  # argparse: --help (0), or a usage error already printed (2)
            code = EXIT_OK if exit_.code is None else exit_.code if isinstance(exit_.code, int) else USAGE_ERROR
        sys.stdout.flush()  # a closed pipe shows up here, not at interpreter exit
        return code
    except BrokenPipeError:
        _discard_stdout()
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        _error_line("proofcheck: interrupted")
        return EXIT_INTERRUPTED
    except (ValueError, OSError) as error:
        _error_line(f"{prefix}: error: {error}")
        return USAGE_ERROR
    except Exception as error:
        if debug:
            raise
        _error_line(f"{prefix}: internal error: {type(error).__name__}: {error} (rerun with --debug for the traceback)")
        return EXIT_INTERNAL_ERROR


def _error_line(message: str) -> None:
    """``message`` as one line on stderr (after clearing a progress line on a terminal)."""
    clear = "\r\033[K" if sys.stderr.isatty() else ""
    sys.stderr.write(clear + "; ".join(line.strip() for line in message.splitlines() if line.strip()) + "\n")
    sys.stderr.flush()


def _discard_stdout() -> None:
    """Point file descriptor 1 at /dev/null, so that flushing what is still buffered
    at interpreter exit cannot fail again."""
    try:
        descriptor = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return  # not a real file (captured output): nothing is flushed at exit
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, descriptor)
    os.close(devnull)


if __name__ == "__main__":
    sys.exit(main())
