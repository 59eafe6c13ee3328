#!/usr/bin/env bash
# The run command: installs what is missing, then serves the demo GHT on http://127.0.0.1:5000 (SQLite in
# instance/). Extra arguments go to `ght-soc demo` (e.g. --port 5001).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec .venv/bin/ght-soc demo "$@"
