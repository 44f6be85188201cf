"""The registered claims, one module per group of statements.

Importing this package registers every claim (see ``proofs_checks.claim``), in
the order of the specification: the objective, the limits, the temperature,
misspecification, optimization, the experiments, then the negative controls.
"""

from proofs_checks.claims import objective  # noqa: F401 - imported for registration
from proofs_checks.claims import limits  # noqa: F401
from proofs_checks.claims import temperature  # noqa: F401
from proofs_checks.claims import misspecification  # noqa: F401
from proofs_checks.claims import optimization  # noqa: F401
from proofs_checks.claims import demonstrations  # noqa: F401
from proofs_checks.claims import negative_controls  # noqa: F401
from proofs_checks.claims import grpo  # noqa: F401
