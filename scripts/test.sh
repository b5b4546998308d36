#!/usr/bin/env bash
# One command: install everything, lint, run the suite on SQLite, then the whole suite on a
# throwaway PostgreSQL cluster (initdb/pg_ctl on a loopback port, removed afterwards). The
# browser tests (marked e2e) run once, on PostgreSQL. Both runs use pytest-xdist with
# PYTEST_WORKERS processes (default 2; "auto" for one per CPU).
# Extra arguments go to pytest (e.g. scripts/test.sh -k wareki).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh test
export PATH="$PWD/.venv/bin:$PATH"
export DJANGO_SETTINGS_MODULE=madoguchi.settings MADOGUCHI_ENV=test
# No reverse proxy in tests: X-Forwarded-For is never trusted (production requires it set; docs/security.md).
export BEHIND_PROXY=0 TRUSTED_PROXY_HOPS=0
workers=(-n "${PYTEST_WORKERS:-2}")

echo "==> ruff"
ruff check src tests bench
ruff format --check src tests bench

echo "==> pytest on SQLite (without the browser tests)"
DATABASE_URL="sqlite:///$PWD/var/test.sqlite3" pytest -q "${workers[@]}" -m "not e2e" "$@"

echo "==> pytest on PostgreSQL"
source scripts/pg.sh
pg_start
trap pg_stop EXIT
DATABASE_URL="$PG_URL" pytest -q "${workers[@]}" "$@"
