// Template miner benchmark: single thread, release build, lines already in memory.
//
//   swift run -c release --scratch-path .build-release TemplateBenchmark CORPUS...
//
// Each corpus is a file of LF-separated message texts (benchmarks/templates/make_corpus.py
// writes one). For each, a fresh miner takes every line; the best of a few rounds is reported
// as lines per second of `TemplateMiner.add` alone (no I/O, no output).
#if canImport(Glibc)
import Glibc
#endif
import BenchmarkSupport
import Patterns

let corpora = Array(CommandLine.arguments.dropFirst())
if corpora.isEmpty {
    print("usage: TemplateBenchmark CORPUS... (benchmarks/templates/make_corpus.py writes one)")
}
let rounds = 5

for path in corpora {
    guard let bytes = readFile(path) else {
        print("\(path): cannot read")
        continue
    }
    var lines: [(start: Int, end: Int)] = []
    var start = 0
    for (index, byte) in bytes.enumerated() where byte == 0x0A {
        lines.append((start, index))
        start = index + 1
    }
    var best = Double.infinity
    var templates = 0
    var created = 0
    bytes.withUnsafeBytes { buffer in
        for _ in 0..<rounds {
            var miner = TemplateMiner()
            var cache = TokenCache()  // as the receive path and `vigil templates` mine
            created = 0
            best = min(best, seconds {
                for line in lines
                where miner.add(UnsafeRawBufferPointer(rebasing: buffer[line.start..<line.end]), cache: &cache).isNew {
                    created += 1
                }
            })
            templates = miner.count
        }
    }
    let perSecond = Double(lines.count) / best
    let nanos = best * 1e9 / Double(lines.count)
    print("\(path): \(lines.count) lines in \(Int(best * 1000)) ms — \(Int(perSecond)) lines/s, \(Int(nanos.rounded())) ns/line, \(templates) templates (\(created) created)")
}
