#!/usr/bin/env bash
# Detection quality: generates the labelled scenarios (seeded: the same timelines in every run),
# builds a release `vigil`, replays each scenario through `vigil analyze` and prints the table
# (alerts, true and false alarms, missed incidents, time to detect). See README.md here.
#
#   benchmarks/detection/run.sh [VIGIL_BINARY] [score.py options, e.g. -v, --only NAME, --arg=--config --arg=FILE]
#
# Without VIGIL_BINARY it builds this tree (.build-release). Pass another build's binary to
# compare (e.g. the previous commit's).
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN="${1:-}"
shift || true
if [ -z "$BIN" ]; then
    swift build -c release --scratch-path .build-release --product vigil >/dev/null
    BIN=.build-release/release/vigil
fi
DATA=benchmarks/data/detection
mkdir -p "$DATA"
python3 benchmarks/detection/generate.py "$DATA"
python3 benchmarks/detection/score.py "$BIN" "$DATA" "$@"
