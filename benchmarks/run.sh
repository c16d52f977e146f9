#!/usr/bin/env bash
# Parser benchmarks (release build). Generates the corpora on first use, then prints:
#  - ParserBenchmark: the Syslog module alone, single thread, messages in memory;
#  - `vigil parse --stats`: the whole process (start-up, file read, framing, parsing) on
#    1 M RFC 5424 lines and 1 M RFC 3164/Cisco/ASA lines;
#  - robustness: 300 k mutated lines give 300 k outputs; 20 MB of random bytes through
#    `--framing octet` ends with exit 0.
set -euo pipefail
cd "$(dirname "$0")/.."
data=benchmarks/data
scratch=.build-release
mkdir -p "$data"
[ -f "$data/rfc5424.log" ] || python3 benchmarks/generate_corpus.py rfc5424 1000000 "$data/rfc5424.log"
[ -f "$data/rfc3164.log" ] || python3 benchmarks/generate_corpus.py rfc3164 1000000 "$data/rfc3164.log"
[ -f "$data/mutated.log" ] || python3 benchmarks/generate_corpus.py mutate 300000 "$data/mutated.log"
[ -f "$data/random.bin" ] || head -c 20000000 /dev/urandom > "$data/random.bin"

swift build -c release --scratch-path "$scratch" --product vigil >/dev/null
swift build -c release --scratch-path "$scratch" --product ParserBenchmark >/dev/null
vigil="$scratch/release/vigil"

echo "== ParserBenchmark (Syslog module, single thread, in memory)"
"$scratch/release/ParserBenchmark" "$data/rfc5424.log" "$data/rfc3164.log"

echo "== vigil parse --stats (whole process incl. start-up, timed from outside; 3 runs)"
for corpus in rfc5424 rfc3164; do
  for _ in 1 2 3; do
    start=$(date +%s%N)
    stats=$("$vigil" parse --stats "$data/$corpus.log")
    end=$(date +%s%N)
    messages=$(sed 's/.*"messages":\([0-9]*\).*/\1/' <<<"$stats")
    echo "$corpus: $stats wall $(( (end - start) / 1000000 )) ms = $(( messages * 1000000000 / (end - start) )) msgs/s"
  done
done

echo "== robustness"
outputs=$("$vigil" parse "$data/mutated.log" | wc -l)
echo "mutated: $(wc -l < "$data/mutated.log") lines in, $outputs outputs"
"$vigil" parse --framing octet "$data/random.bin" > /dev/null && echo "random 20 MB --framing octet: exit 0"

if command -v valgrind >/dev/null; then
  echo "== heap allocations (valgrind): must not grow with the number of messages"
  for n in 20000 40000; do
    head -n "$n" "$data/rfc5424.log" > "$data/alloc-$n.log"
    allocs=$(valgrind "$scratch/release/ParserBenchmark" "$data/alloc-$n.log" 2>&1 | sed -n 's/.*total heap usage: \([0-9,]*\) allocs.*/\1/p')
    echo "$n messages parsed 10 times: $allocs allocations in the whole process"
  done
fi
