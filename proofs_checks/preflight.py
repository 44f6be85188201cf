"""Checks a command runs before it computes anything: output paths and external programs.

A run can take minutes; an output path that cannot be written, or a program
that is not installed, is reported before it starts, as one line (a
``ValueError`` subclass, which the command line turns into exit code 2).

Main definitions
- ``check_output_path(path, what)``: ``path`` as a ``Path`` once its directory
  exists and is a directory, ``path`` is not a directory, and a file can be
  created there (an existing file is opened for writing without truncating it;
  a new one is created and removed again); ``OutputPathError`` naming ``what``
  (the option, e.g. ``"--json"``) otherwise.
- ``require_programs(programs)``: every program of ``programs`` (program ->
  Debian package that provides it) is on ``PATH``; ``MissingProgramError``
  naming the missing programs and the Debian packages to install otherwise.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path

__all__ = ["OutputPathError", "MissingProgramError", "check_output_path", "require_programs"]


class OutputPathError(ValueError):
    """An output path that cannot be written."""


class MissingProgramError(ValueError):
    """External programs that are not installed."""


def check_output_path(path: str | os.PathLike[str], what: str) -> Path:
    """``path`` as a ``Path``, after checking that a file can be written there."""
    target = Path(path)
    if os.fspath(path) == "":
        raise OutputPathError(f"{what}: the path is empty; give a file path")
    if target.is_dir():
        raise OutputPathError(f"{what}: {target} is a directory; give a file path")
    parent = target.parent
    if not parent.is_dir():
        problem = "is not a directory" if parent.exists() else "does not exist"
        raise OutputPathError(f"{what}: directory {parent} {problem} (for {target})")
    try:
        if target.exists():
            os.close(os.open(target, os.O_WRONLY))
        else:
            os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL))
            target.unlink()
    except OSError as error:
        raise OutputPathError(f"{what}: cannot write {target}: {error.strerror or error}") from error
    except ValueError as error:  # e.g. an embedded NUL byte
        raise OutputPathError(f"{what}: invalid path {os.fspath(path)!r}: {error}") from error
    return target


def require_programs(programs: Mapping[str, str]) -> None:
    """Raise ``MissingProgramError`` unless every program (key) is on ``PATH``; the
    message names the missing programs and the Debian packages (values) providing them."""
    missing = [program for program in programs if shutil.which(program) is None]
    if missing:
        packages = list(dict.fromkeys(programs[program] for program in missing))
        raise MissingProgramError(
            f"{', '.join(missing)} not found on PATH; on Debian/Ubuntu: apt-get install {' '.join(packages)}"
        )
