#!/usr/bin/env bash
# Source coverage of the fuzz corpus: builds the target with coverage mapping (no sanitizer), runs
# every input of .build-fuzz/corpus and the seeds once, and prints llvm-cov's report for the
# Syslog and JSONOutput sources.
#
#   bash benchmarks/fuzz/coverage.sh        (after benchmarks/fuzz/run.sh has grown a corpus)
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PATH:/opt/swift/usr/bin"
out=.build-fuzz
# The toolchain's own llvm tools: the profile format must match the compiler's.
tools=$(dirname "$(readlink -f "$(command -v swiftc)")")
sources=$(find Sources/Syslog Sources/JSONOutput -name '*.swift' | sort)
# shellcheck disable=SC2086
swiftc -sanitize=fuzzer -profile-generate -profile-coverage-mapping -parse-as-library -module-name SyslogFuzz \
    -Onone -use-ld=lld $sources benchmarks/fuzz/SyslogFuzzTarget.swift -o "$out/syslog-fuzzer-coverage"
rm -rf "$out/profiles" && mkdir -p "$out/profiles" "$out/corpus" "$out/seeds"
[ -n "$(ls -A "$out/seeds")" ] || python3 benchmarks/fuzz/seeds.py Tests/Fixtures/conformance "$out/seeds"
LLVM_PROFILE_FILE="$out/profiles/%p.profraw" SWIFT_BACKTRACE=enable=no \
    "$out/syslog-fuzzer-coverage" -runs=0 -max_len=4096 "$out/corpus" "$out/seeds" > "$out/coverage.log" 2>&1
"$tools/llvm-profdata" merge -sparse "$out"/profiles/*.profraw -o "$out/fuzz.profdata"
# shellcheck disable=SC2086
"$tools/llvm-cov" report "$out/syslog-fuzzer-coverage" -instr-profile="$out/fuzz.profdata" $sources
