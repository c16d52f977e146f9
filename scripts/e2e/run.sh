#!/usr/bin/env bash
# End-to-end tests of `vigil serve` with real clients (logger, rsyslog omfwd, loggen).
# Installs the clients (setup.sh), then runs every scripts/e2e/*_test.py against the built binary
# ($VIGIL_BIN, default .build/debug/vigil; this script builds nothing). Extra arguments go to
# pytest, e.g. `scripts/e2e/run.sh -k loggen -v`. Exits non-zero when a test fails.
set -euo pipefail
cd "$(dirname "$0")/../.."

export VIGIL_BIN="${VIGIL_BIN:-$PWD/.build/debug/vigil}"
export PYTHONDONTWRITEBYTECODE=1

echo "== e2e: installing the clients (scripts/e2e/setup.sh)"
bash scripts/e2e/setup.sh

echo "== e2e: vigil serve ($VIGIL_BIN) with logger, rsyslog and loggen"
status=0
# -p no:cacheprovider: no .pytest_cache in the work tree. The outer timeout bounds the whole run;
# every subprocess inside has its own.
timeout -k 10 1200 python3 -m pytest -q -rs -p no:cacheprovider scripts/e2e/ "$@" || status=$?

if [ "$status" -eq 0 ]; then
    echo "== e2e: PASSED"
else
    echo "== e2e: FAILED (pytest exit status $status)"
fi
exit "$status"
