#!/usr/bin/env bash
# Set up (if needed) and run the whole test suite: lint, then pytest on a virtual screen.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
echo "test: ruff"
.venv/bin/ruff check mediacenter tests benchmarks
echo "test: mypy"
.venv/bin/mypy
echo "test: pytest"
exec xvfb-run -a -s "-screen 0 1920x1080x24" .venv/bin/python -m pytest "$@"
