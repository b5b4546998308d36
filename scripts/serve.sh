#!/usr/bin/env bash
# One command: install, create the SQLite database, load the demo city, serve on :8000.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh
export DJANGO_SETTINGS_MODULE=madoguchi.settings
# runserver on loopback, no reverse proxy: X-Forwarded-For is never trusted (docs/security.md).
export BEHIND_PROXY="${BEHIND_PROXY:-0}" TRUSTED_PROXY_HOPS="${TRUSTED_PROXY_HOPS:-0}"
mkdir -p var
.venv/bin/python manage.py migrate --noinput -v0
.venv/bin/python manage.py createcachetable
.venv/bin/python manage.py load_demo
echo "==> Madoguchi (共同運営 demo, staff accounts in README):"
echo "    みどり野市  http://midorino.localhost:${PORT:-8000}/  (also http://127.0.0.1:${PORT:-8000}/)"
echo "    あおば台町  http://aobadai.localhost:${PORT:-8000}/"
echo "    運営者画面  http://127.0.0.1:${PORT:-8000}/operator/  (operator@kyodo.example.jp)"
exec .venv/bin/python manage.py runserver "${HOST:-127.0.0.1}:${PORT:-8000}"
