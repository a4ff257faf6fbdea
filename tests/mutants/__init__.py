"""Mutation check: named source patches the test suite must fail (``scripts/mutants.sh``).

``mutants.toml`` is the table; ``table`` reads and applies it, ``runner`` applies each
mutant in a throwaway copy of the repository and runs the tests named to kill it, and
``guard`` is the pytest plugin that proves those tests imported the copy.
"""
