// The detector's cost per tick: N services (default 10,000) hand over their counts for each tick
// (`Detector.observe(tick:counts:)`, as `vigil serve`'s shards or a cluster's leader do) and the
// tick is judged (`evaluate(at:)`: every window, every scope, the span scan, learning). Prints,
// per tick length, the median and worst milliseconds of one tick and the share of one core that
// is (median / tick length).
//
//   swift run -c release DetectionBenchmark [--services 10000] [--ticks 10,5,2] [--rounds 120]
//
// Traffic: every service sends ~1 msg/s with 1 % errors; one service in fifty is in an error
// burst (30 %), so its window always holds enough errors to be scanned span by span.
import Detect
import Foundation

struct Options {
    var services = 10_000
    var ticks: [Int64] = [10, 5, 2]
    var rounds = 120

    init(_ arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let flag = iterator.next() {
            switch flag {
            case "--services": services = Int(iterator.next() ?? "") ?? services
            case "--ticks": ticks = (iterator.next() ?? "").split(separator: ",").compactMap { Int64($0) }
            case "--rounds": rounds = Int(iterator.next() ?? "") ?? rounds
            default: print("unknown argument \(flag)"); exit(2)
            }
        }
    }
}

struct Random {
    var state: UInt64
    mutating func next(_ bound: Int) -> Int {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Int((state >> 33) % UInt64(bound))
    }
}

func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
}

let options = Options(CommandLine.arguments)
let names = (0..<options.services).map { "service-\($0)" }
print("services: \(options.services), windows [60, 300], rounds measured per tick length: \(options.rounds)")
print("| tick | median ms / tick | worst ms / tick | one core busy (median / tick) | alerts |")
print("|---|---|---|---|---|")
for tickSeconds in options.ticks {
    var detector = Detector(configuration: DetectionConfiguration(windows: [60, 300], tickSeconds: tickSeconds))
    var random = Random(state: 42)
    let start: Int64 = 1_772_409_600 / tickSeconds
    // Two longest windows to learn baselines, then the measured rounds.
    let warmup = Int(2 * 300 / tickSeconds) + 1
    var timings: [Double] = []
    var alerts = 0
    let clock = ContinuousClock()
    for round in 0..<(warmup + options.rounds) {
        let tick = start + Int64(round)
        var counts: [(service: String, counts: SeverityCounts)] = []
        counts.reserveCapacity(names.count)
        for (index, name) in names.enumerated() {
            var c = SeverityCounts()
            let messages = random.next(Int(2 * tickSeconds) + 1)
            let bursting = round >= warmup && index % 50 == 0
            let errors = bursting ? messages * 3 / 10 : (random.next(100) < messages ? 1 : 0)
            c.add(severity: 6, count: messages - min(errors, messages))
            c.add(severity: 3, count: min(errors, messages))
            counts.append((name, c))
        }
        let elapsed = clock.measure {
            detector.observe(tick: tick, counts: counts)
            alerts += detector.evaluate(at: (tick + 1) * tickSeconds).alerts.count
        }
        if round >= warmup { timings.append(milliseconds(elapsed)) }
    }
    timings.sort()
    let median = timings[timings.count / 2]
    let worst = timings.last ?? 0
    let busy = median / Double(tickSeconds * 1000) * 100
    print(String(format: "| %d s | %.1f | %.1f | %.2f %% | %d |", tickSeconds, median, worst, busy, alerts))
}
