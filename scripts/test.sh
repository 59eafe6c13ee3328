#!/usr/bin/env bash
# The test command: installs what is missing, then lint (ruff), types (mypy) and the suite (pytest) on SQLite
# and on a private PostgreSQL cluster that the suite starts itself. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh

echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check --quiet .
echo "== mypy"
.venv/bin/mypy
echo "== pytest"
options=()
[[ "${CI:-}" == "true" ]] && options+=(-p no:cacheprovider)
exec .venv/bin/pytest "${options[@]}" "$@"
