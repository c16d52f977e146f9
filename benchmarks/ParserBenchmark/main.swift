// Parser benchmark: single thread, release build, messages already in memory.
//
//   swift run -c release ParserBenchmark [CORPUS...]
//
// Each corpus is a file of LF-separated messages (benchmarks/generate_corpus.py writes them).
// For each it prints the parse-only rate (the `Syslog` module alone: no I/O, no output) and
// the rate of frame decoding plus parsing over the whole file as one stream.
#if canImport(Glibc)
import Glibc
#endif
import BenchmarkSupport
import Syslog

func report(_ label: String, messages: Int, seconds: Double) {
    let perSecond = Double(messages) / seconds
    let nanos = seconds * 1e9 / Double(messages)
    print("\(label): \(messages) msgs in \(String(Int(seconds * 1000))) ms — \(Int(perSecond)) msgs/s, \(String(Int(nanos.rounded()))) ns/msg")
}

let arguments = Array(CommandLine.arguments.dropFirst())
let corpora = arguments.isEmpty ? ["benchmarks/data/rfc5424.log", "benchmarks/data/rfc3164.log"] : arguments
let parser = SyslogParser(referenceTime: 1_716_163_200)  // 2024-05-20T00:00:00Z: results do not depend on today
let rounds = 5

for path in corpora {
    guard let bytes = readFile(path) else {
        print("\(path): cannot read (run benchmarks/run.sh, which generates the corpora)")
        continue
    }
    // Line boundaries, found once outside the timed loop.
    var lines: [(start: Int, end: Int)] = []
    var start = 0
    for (index, byte) in bytes.enumerated() where byte == 0x0A {
        lines.append((start, index))
        start = index + 1
    }
    var parsed = 0
    var failed = 0
    var best = Double.infinity
    bytes.withUnsafeBytes { buffer in
        for _ in 0..<rounds {
            parsed = 0
            failed = 0
            best = min(best, seconds {
                for line in lines {
                    do {
                        let message = try parser.parse(UnsafeRawBufferPointer(rebasing: buffer[line.start..<line.end]))
                        parsed &+= message.serviceRange.count
                    } catch {
                        failed += 1
                    }
                }
            })
        }
    }
    report("\(path) parse", messages: lines.count, seconds: best)

    var frames = 0
    best = .infinity
    bytes.withUnsafeBytes { buffer in
        for _ in 0..<rounds {
            frames = 0
            best = min(best, seconds {
                var decoder = SyslogFrameDecoder(mode: .nonTransparent)
                var offset = 0
                while offset < buffer.count {  // 1 MiB reads, as `vigil parse` does
                    let end = min(offset + (1 << 20), buffer.count)
                    decoder.decode(UnsafeRawBufferPointer(rebasing: buffer[offset..<end])) { event in
                        if case .frame(let frame) = event, (try? parser.parse(frame)) != nil { frames += 1 }
                    }
                    offset = end
                }
                decoder.finish { _ in }
            })
        }
    }
    report("\(path) frame+parse", messages: lines.count, seconds: best)
    if failed > 0 { print("  (\(failed) of \(lines.count) lines did not parse)") }
}
