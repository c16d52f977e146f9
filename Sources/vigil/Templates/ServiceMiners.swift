import Patterns

/// One `TemplateMiner` per service, found by the service's bytes without making a `String`
/// per message (a hash, then a byte comparison).
struct ServiceMiners {
    let configuration: TemplateMiner.Configuration
    private(set) var miners: [TemplateMiner] = []
    private(set) var names: [[UInt8]] = []
    private var index: [UInt64: [Int32]] = [:]
    /// Masked tokens seen before, shared by all the services' miners.
    private var tokenCache = TokenCache()

    init(configuration: TemplateMiner.Configuration) {
        self.configuration = configuration
    }

    /// The index of `service`'s miner, created on first sight.
    mutating func miner(for service: UnsafeRawBufferPointer) -> Int32 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in service { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        if let candidates = index[hash] {
            for candidate in candidates where names[Int(candidate)].elementsEqual(service) { return candidate }
        }
        let new = Int32(miners.count)
        miners.append(TemplateMiner(configuration: configuration))
        names.append(Array(service))
        index[hash, default: []].append(new)
        return new
    }

    mutating func add(_ text: UnsafeRawBufferPointer, to miner: Int32) -> TemplateID {
        miners[Int(miner)].add(text, cache: &tokenCache).id
    }

    var templateCount: Int { miners.reduce(0) { $0 + $1.count } }
    var evictedCount: Int { miners.reduce(0) { $0 + $1.evictedCount } }
}
