#!/usr/bin/env bash
# Builds the libFuzzer target (SyslogFuzzTarget.swift with the Syslog and JSONOutput sources, one
# `swiftc -sanitize=fuzzer,address` invocation into .build-fuzz/, apart from the SwiftPM build) and
# runs it from the conformance cases for SECONDS (default 60).
#
#   bash benchmarks/fuzz/run.sh [SECONDS] [libFuzzer flags...]
#
# The corpus grows in .build-fuzz/corpus (kept between local runs; a fresh clone starts from the
# seeds). A crash, sanitizer report, broken invariant or timeout stops the run with a non-zero exit
# and leaves the input in .build-fuzz/artifacts/ — turn it into a test in Tests/SyslogTests/FuzzFindingsTests.swift.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PATH:/opt/swift/usr/bin"

seconds=${1:-60}
shift || true
out=.build-fuzz
mkdir -p "$out/corpus" "$out/artifacts"

sources=$(find Sources/Syslog Sources/JSONOutput -name '*.swift' | sort)
binary=$out/syslog-fuzzer
# -Onone keeps the standard library's bounds checks on unsafe buffers (gone at -O), so a read one
# byte past a field traps even where AddressSanitizer cannot see it (inside a larger allocation).
if [ ! -x "$binary" ] || [ -n "$(find $sources benchmarks/fuzz/SyslogFuzzTarget.swift -newer "$binary" 2>/dev/null)" ]; then
    echo "building $binary"
    # shellcheck disable=SC2086
    swiftc -sanitize=fuzzer,address -parse-as-library -module-name SyslogFuzz -Onone -g -use-ld=lld \
        $sources benchmarks/fuzz/SyslogFuzzTarget.swift -o "$binary"
fi

rm -rf "$out/seeds"
python3 benchmarks/fuzz/seeds.py Tests/Fixtures/conformance "$out/seeds"

# -max_len 4096: long enough for octet-counted streams of several frames and for the 1024-byte
# frame limit to be crossed; -timeout 10: a single input taking 10 s is a hang.
status=0
# Swift's own crash backtracer reads the stack in a way AddressSanitizer reports; libFuzzer reports instead.
export SWIFT_BACKTRACE=enable=no
"$binary" -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
    -dict=benchmarks/fuzz/syslog.dict -print_final_stats=1 -artifact_prefix="$out/artifacts/" "$@" "$out/corpus" "$out/seeds" \
    > "$out/fuzz.log" 2>&1 || status=$?
# The progress lines without the per-input ones, the final statistics, and any report.
grep -v -E '^#[0-9]+[[:space:]]+(NEW|REDUCE)|^"|Recommended dictionary|End of recommended' "$out/fuzz.log" | tail -n 60
if [ "$status" -ne 0 ]; then
    echo "fuzzing failed (exit $status); the input is in $out/artifacts/, the log in $out/fuzz.log" >&2
    exit "$status"
fi
