"""proofcheck: a symbolic-numeric verification suite for the theory of
reinforcement learning with binary (verifiable) rewards.

Main definitions
- ``load_claims(extra_files)``: every registered claim by id, after loading the
  package's claims and the reviewer files ``extra_files`` (Python files that
  call the reviewer constructors); an unregistered id in a ``uses`` list is an error,
  and so is a reviewer file that does not run (``RegistryError`` naming the
  file, the line and the error).
- ``identity_claim``, ``inequality_claim``, ``limit_claim``, ``asymptotic_claim``,
  ``problem_claim`` (with ``Relation``): register a reviewer's identity,
  inequality, limit, asymptotic equivalence or property of every finite problem
  (see ``proofs_checks.reviewer`` and the ``reviewer_*`` modules).
"""

from __future__ import annotations

import runpy
import traceback
from collections.abc import Iterable
from pathlib import Path

from proofs_checks.claim import REGISTRY, Claim, RegistryError, check_references
from proofs_checks.reviewer import identity_claim
from proofs_checks.reviewer_inequalities import inequality_claim
from proofs_checks.reviewer_limits import asymptotic_claim, limit_claim
from proofs_checks.reviewer_problems import Relation, problem_claim

__all__ = ["load_claims", "identity_claim", "inequality_claim", "limit_claim", "asymptotic_claim", "problem_claim",
           "Relation", "REGISTRY", "Claim", "RegistryError"]

_LOADED: set[Path] = set()


def load_claims(extra_files: Iterable[str | Path] = ()) -> dict[str, Claim]:
    """Register the package's claims and those of ``extra_files`` (each loaded once)."""
    import proofs_checks.claims  # noqa: F401 - registers the package's claims

    for name in extra_files:
        path = Path(name).resolve()
        if path in _LOADED:
            continue
        if not path.is_file():
            raise RegistryError(f"--extra: no such file: {name}")
        try:
            runpy.run_path(str(path), run_name=f"proofcheck_extra_{path.stem}")
        except (Exception, SystemExit) as error:
            raise RegistryError(f"reviewer file {_where(error, path, name)}") from error
        _LOADED.add(path)
    check_references(REGISTRY)
    return REGISTRY


def _where(error: BaseException, path: Path, name: str | Path) -> str:
    """``name:line: error`` for an error raised while running the reviewer file
    ``path``: the line of a syntax error, or of the last frame inside the file."""
    if isinstance(error, SyntaxError) and error.filename == str(path):
        return f"{name}:{error.lineno}: SyntaxError: {error.msg}"
    lines = [frame.lineno for frame in traceback.extract_tb(error.__traceback__) if frame.filename == str(path)]
    where = f"{name}:{lines[-1]}" if lines else str(name)
    return f"{where}: {type(error).__name__}: {error}"
