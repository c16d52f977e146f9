#!/usr/bin/env bash
# Runs every test on a fresh machine: installs and starts what the tests need, builds, runs the
# unit and integration tests (Swift Testing), then checks the built `vigil parse` from outside
# against the shared conformance cases.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/opt/swift/usr/bin"

# Nothing to install yet: the parser's tests need only Swift and python3. Later issues add
# PostgreSQL, rsyslog and loggen here (apt-get), started by this script.

swift build --build-tests

echo "== conformance: the built vigil parse against ../shared/conformance, from outside"
TZ=UTC python3 scripts/check_conformance.py .build/debug/vigil

echo "== unit and integration tests"
swift test --skip-build --parallel
