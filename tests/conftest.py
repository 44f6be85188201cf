"""Test configuration: the Hypothesis profiles (the claims plugin,
``proofs_checks.pytest_plugin``, is loaded through its ``pytest11`` entry point).

``ci`` (the default) is derandomized with no example database, so every run
draws the same examples; ``thorough`` runs ten times more examples on demand:
``pytest --hypothesis-profile thorough``.
"""

from hypothesis import settings

settings.register_profile("ci", derandomize=True, database=None, print_blob=True, deadline=None)
settings.register_profile("thorough", max_examples=1000, database=None, print_blob=True, deadline=None)
settings.load_profile("ci")
