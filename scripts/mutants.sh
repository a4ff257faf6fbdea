#!/usr/bin/env bash
# The mutation check: each mutant in tests/mutants/mutants.toml is applied, one at a
# time, in a throwaway copy of this repository, and the tests named to kill it run
# there; it prints which test killed each and exits 1 if any survives. CI runs it on
# its own schedule (.ci/mutants), not in every test run. Arguments go to the runner:
#   scripts/mutants.sh --list                       the mutants and what each breaks
#   scripts/mutants.sh refused_extension_extends_access   one mutant (with its baseline)
#   scripts/mutants.sh --ref HEAD --markdown out.md       a commit, and a Markdown table
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" != "--list" ]; then
  scripts/setup.sh test
  scripts/services.sh
fi
exec .venv/bin/python -m tests.mutants "$@"
