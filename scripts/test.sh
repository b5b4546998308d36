#!/usr/bin/env bash
# One command: install everything, lint, run the whole suite on SQLite, then again on a
# throwaway PostgreSQL cluster (initdb/pg_ctl on a loopback port, removed afterwards).
# Extra arguments go to pytest (e.g. scripts/test.sh -k wareki).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh test
export PATH="$PWD/.venv/bin:$PATH"
export DJANGO_SETTINGS_MODULE=madoguchi.settings MADOGUCHI_ENV=test

echo "==> ruff"
ruff check src tests bench

echo "==> pytest on SQLite"
DATABASE_URL="sqlite:///$PWD/var/test.sqlite3" pytest -q "$@"

echo "==> pytest on PostgreSQL"
source scripts/pg.sh
pg_start
trap pg_stop EXIT
DATABASE_URL="$PG_URL" pytest -q "$@"
