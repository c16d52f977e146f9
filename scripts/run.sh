#!/usr/bin/env bash
# Builds Vigil (release) and runs its main job on the embedded defaults: `vigil serve`, receiving
# syslog on UDP and TCP 0.0.0.0:5514 with health and metrics on http://127.0.0.1:8000.
# Other arguments replace the default job, e.g. `scripts/run.sh parse --stats FILE`.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/opt/swift/usr/bin"
swift build -c release --product vigil
if [ $# -eq 0 ]; then set -- serve; fi
exec .build/release/vigil "$@"
