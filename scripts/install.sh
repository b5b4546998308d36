#!/usr/bin/env bash
# Installs everything Madoguchi needs on a fresh Debian machine: system packages (only when
# missing) and the Python environment in .venv from the lock file. Safe to run repeatedly.
#   scripts/install.sh          # what serving the demo needs
#   scripts/install.sh test     # plus PostgreSQL, Redis, Chromium for the test suite
set -euo pipefail
cd "$(dirname "$0")/.."

want=(fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libmagic1)
if [[ "${1:-}" == "test" ]]; then
  want+=(postgresql redis-server chromium nginx-light)
fi
missing=()
for pkg in "${want[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "==> apt-get install ${missing[*]}"
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3
if [[ ! -x .venv/bin/python ]]; then
  echo "==> creating .venv"
  "$PY" -m venv .venv
fi
stamp=.venv/.lock-installed
if [[ ! -f $stamp ]] || ! cmp -s requirements.lock "$stamp"; then
  echo "==> pip install -r requirements.lock"
  # (grep drops the noise of find-links folders some machines configure but do not have)
  .venv/bin/pip install -q --disable-pip-version-check -r requirements.lock 2>&1 | { grep -v "^WARNING: Location" || true; }
  .venv/bin/pip install -q --disable-pip-version-check --no-deps -e . 2>&1 | { grep -v "^WARNING: Location" || true; }
  cp requirements.lock "$stamp"
fi
