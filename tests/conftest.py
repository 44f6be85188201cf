"""Test configuration: the claims plugin and the Hypothesis profiles.

``ci`` (the default) is derandomized with no example database, so every run
draws the same examples; ``thorough`` runs ten times more examples on demand:
``pytest --hypothesis-profile thorough``.
"""

from hypothesis import settings

pytest_plugins = ["proofs_checks.pytest_plugin"]

settings.register_profile("ci", derandomize=True, database=None, print_blob=True, deadline=None)
settings.register_profile("thorough", max_examples=1000, database=None, print_blob=True, deadline=None)
settings.load_profile("ci")
