#!/usr/bin/env bash
# Builds Vigil (release) and runs its main job on the embedded defaults.
# Until the receiver lands (issue 3) the main job is `vigil parse` on the sample messages;
# pass other arguments to run something else, e.g. `scripts/run.sh parse --stats FILE`.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/opt/swift/usr/bin"
swift build -c release --product vigil
if [ $# -eq 0 ]; then set -- parse conf/sample-messages.log; fi
exec .build/release/vigil "$@"
