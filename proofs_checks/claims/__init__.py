"""The registered claims, one module per group of statements.

Importing this package registers every claim (see ``proofs_checks.claim``).
"""

from proofs_checks.claims import (  # noqa: F401 - imported for registration
    limits,
    misspecification,
    negative_controls,
    objective,
    optimization,
    temperature,
)
