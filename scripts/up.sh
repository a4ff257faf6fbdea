#!/usr/bin/env bash
# Run Doorstep on this machine: hub on SQLite + ./doorstep-data, with a demo neighbourhood.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/doorstep up "$@"
