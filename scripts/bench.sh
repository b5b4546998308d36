#!/usr/bin/env bash
# Runs every benchmark under bench/ (each prints its own figures). Benchmarks are not tests.
#   scripts/bench.sh                 # all
#   scripts/bench.sh submissions     # those whose file name contains "submissions"
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh test
export PATH="$PWD/.venv/bin:$PATH" PYTHONPATH="$PWD/src" DJANGO_SETTINGS_MODULE=madoguchi.settings
for f in bench/bench_*${1:-}*.py; do
  echo "==> $f"
  python "$f"
done
