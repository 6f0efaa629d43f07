#!/usr/bin/env bash
# Set up and run the whole test suite, on SQLite and on PostgreSQL, with Redis.
# Services: PostgreSQL at TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/test) and
# Redis at TEST_REDIS_URL (default redis://127.0.0.1:6379/15). Tests that need a missing service are
# skipped with the reason (listed at the end); with CI=true they fail instead.
# Extra arguments go to pytest, e.g. ./test.sh -k calendar
set -euo pipefail
cd "$(dirname "$0")"

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
# Hash-locked (pip-compile --generate-hashes): every package, transitive ones too, is checked.
.venv/bin/python -m pip install -q --disable-pip-version-check --require-hashes -r requirements-dev.txt
if [ -f package.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi

exec .venv/bin/python -m pytest -n 2 -rs "$@"
