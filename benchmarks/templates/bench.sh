#!/usr/bin/env bash
# Template miner throughput, and `vigil templates --raw` against drain3 on the same lines.
#
#   benchmarks/templates/bench.sh [LINES] [TSV_DIR] [REAL_SHARE]
#
# Builds release (.build-release), writes a mixed corpus of LINES message texts (default
# 200000; with TSV_DIR, Loghub-style samples make up REAL_SHARE of it, default 0.5), then
# reports, in one run:
#  1. the miner alone (TemplateBenchmark: lines in memory, single thread, best of 5);
#  2. the whole `vigil templates --raw CORPUS > /dev/null` process (best of 3 wall-clock runs);
#  3. the whole drain3 process over the same file (python3, drain3 defaults; best of 2);
# and the ratio of 3 to 2. Needs `pip install drain3`.
set -euo pipefail
cd "$(dirname "$0")/../.."
LINES="${1:-200000}"
TSV_DIR="${2:-}"
SHARE="${3:-0.5}"
mkdir -p benchmarks/data
CORPUS="benchmarks/data/templates-mixed-${LINES}-${SHARE}.txt"
python3 benchmarks/templates/make_corpus.py "$CORPUS" --lines "$LINES" --real-share "$SHARE" ${TSV_DIR:+--tsv-dir "$TSV_DIR"}
swift build -c release --scratch-path .build-release --product vigil >/dev/null
swift build -c release --scratch-path .build-release --product TemplateBenchmark >/dev/null
BIN=.build-release/release

echo "corpus: $CORPUS ($LINES lines, $(du -h "$CORPUS" | cut -f1))"
echo "-- miner alone"
"$BIN/TemplateBenchmark" "$CORPUS"

wall() {  # best wall-clock seconds of N runs of a command (output discarded)
    local runs=$1; shift
    python3 - "$runs" "$@" <<'PY'
import subprocess, sys, time
runs, cmd = int(sys.argv[1]), sys.argv[2:]
best = float('inf')
for _ in range(runs):
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    best = min(best, time.perf_counter() - start)
print(f'{best:.4f}')
PY
}
echo "-- whole process"
V=$(wall 3 "$BIN/vigil" templates --raw "$CORPUS")
"$BIN/vigil" templates --raw "$CORPUS" 2>&1 >/dev/null | sed 's/^/vigil summary: /'
D=$(wall 2 python3 benchmarks/templates/drain3_run.py "$CORPUS")
python3 benchmarks/templates/drain3_run.py "$CORPUS" 2>&1 >/dev/null | sed 's/^/drain3 summary: /'
python3 - "$LINES" "$V" "$D" <<'PY'
import sys
lines, v, d = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
print(f'vigil templates --raw: {v:.3f} s  ({lines / v:,.0f} lines/s, whole process)')
print(f'drain3:                {d:.3f} s  ({lines / d:,.0f} lines/s, whole process)')
print(f'ratio: vigil is {d / v:.1f}x faster')
PY
