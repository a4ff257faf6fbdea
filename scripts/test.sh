#!/usr/bin/env bash
# The whole test suite, exactly as CI runs it: install, start servers, lint, type-check, test.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh test
scripts/services.sh

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "ruff"
.venv/bin/ruff check src tests
.venv/bin/ruff format --check src tests
step "mypy --strict src/"
.venv/bin/mypy --strict src/
step "pytest"
status=0
# Two workers, a test file each at a time: most tests wait on servers, browsers and
# subprocesses, so two workers on two cores take about half the time of one.
.venv/bin/pytest -p no:cacheprovider -n "${DOORSTEP_TEST_WORKERS:-2}" --dist loadfile "$@" || status=$?
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure, not a pass" >&2
  exit 1
fi
exit "$status"
