/// The latest few messages of each service, errors kept apart from the rest, so that an alert
/// can show what the affected services were saying — errors first.
///
/// Bounded per service (a ring of `capacity` errors and `capacity` others), so memory grows only
/// with the number of services, which ``ServiceCounters`` already bounds.
public struct SampleMessages: Sendable {
    public let capacity: Int
    private var byService: [String: Recent] = [:]

    struct Recent: Sendable {
        var errors: [String] = []
        var others: [String] = []
    }

    public init(capacity: Int = 10) {
        self.capacity = max(0, capacity)
    }

    /// Keeps `text` as one of `service`'s recent messages.
    public mutating func note(service: String, severity: Int, text: String) {
        guard capacity > 0 else { return }
        func push(_ list: inout [String]) {
            if list.count == capacity { list.removeFirst() }
            list.append(text)
        }
        if severity <= 3 {
            push(&byService[service, default: Recent()].errors)
        } else {
            push(&byService[service, default: Recent()].others)
        }
    }

    /// Up to `limit` messages of `services` (all services when empty): every service's errors
    /// (newest first, services taking turns) before any other message.
    public func samples(for services: [String], limit: Int) -> [String] {
        let names = services.isEmpty ? byService.keys.sorted() : services
        var result: [String] = []
        for pick in [\Recent.errors, \Recent.others] {
            let lists = names.map { (byService[$0]?[keyPath: pick] ?? []).reversed() as [String] }
            var index = 0
            while result.count < limit, lists.contains(where: { index < $0.count }) {
                for list in lists where index < list.count && result.count < limit { result.append(list[index]) }
                index += 1
            }
        }
        return result
    }
}
