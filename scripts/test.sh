#!/usr/bin/env bash
# Runs every test on a fresh machine: installs and starts what the tests need, builds, runs the
# unit and integration tests (Swift Testing), then checks the built `vigil parse` from outside
# against the shared conformance cases.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/opt/swift/usr/bin"

# The end-to-end tests install their real clients themselves (scripts/e2e/setup.sh: logger,
# syslog-ng's loggen, rsyslog unpacked beside it) and start everything they need.

swift build --build-tests

echo "== conformance: the built vigil parse against ../shared/conformance, from outside"
TZ=UTC python3 scripts/check_conformance.py .build/debug/vigil

echo "== end to end: vigil serve with logger, rsyslog omfwd and loggen"
bash scripts/e2e/run.sh

echo "== unit and integration tests"
swift test --skip-build --parallel
