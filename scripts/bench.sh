#!/usr/bin/env bash
# Runs every benchmark under bench/ (each prints its own figures). Benchmarks are not tests.
#   scripts/bench.sh                 # all
#   scripts/bench.sh submissions     # those whose file name contains "submissions"
# PostgreSQL benchmarks run durable and print a pgbench TPC-B reference (bench/README.md).
# Smaller runs: BENCH_ALERTS_N, BENCH_APPLICATIONS, BENCH_REQUESTS, BENCH_CLIENTS/BENCH_SECONDS
# (reservations), BENCH_SUBMISSIONS_CLIENTS/BENCH_SUBMISSIONS_SECONDS, BENCH_PGBENCH_SECONDS,
# BENCH_PGBENCH_SCALE, BENCH_PGBENCH=0 (no pgbench run), BENCH_SURVEY_RESPONDENTS/BENCH_SURVEY_RESULTS_N (surveys).
# BENCH_VENV=/path/.venv uses that environment as is (no install), e.g. from a git worktree of an
# older commit: this checkout's src/ is still the code measured (PYTHONPATH comes first).
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -n "${BENCH_VENV:-}" ]]; then
  VENV=$BENCH_VENV
else
  scripts/install.sh test
  VENV=$PWD/.venv
fi
export PATH="$VENV/bin:$PATH" PYTHONPATH="$PWD/src" DJANGO_SETTINGS_MODULE=madoguchi.settings
# Clients connect to gunicorn directly: X-Forwarded-For is never trusted (docs/security.md).
export BEHIND_PROXY=0 TRUSTED_PROXY_HOPS=0
# Which code is measured: the package imported and its commit (uncommitted changes outside the
# harness in src/madoguchi/devtools are flagged).
changed=$(git status --porcelain -- src ':!src/madoguchi/devtools' 2>/dev/null || true)
echo "==> code: $(python -c 'import madoguchi; print(madoguchi.__file__)') at $(git rev-parse --short HEAD 2>/dev/null || echo '?')${changed:+ + uncommitted changes}"
for f in bench/bench_*${1:-}*.py; do
  echo "==> $f"
  python "$f"
done
