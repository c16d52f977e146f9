import Detect
import Patterns

/// An alert's evidence grouped by message shape, most frequent first: the template miner's
/// templates (with their counts in the window, their service and an example) when the alert
/// carries them, otherwise its sample messages masked with the miner's own masking
/// (``Patterns/MessageShape/masked(_:)``), so both read alike.
public struct MessageShapes: Sendable, Hashable {
    public struct Shape: Sendable, Hashable {
        /// The template: variable parts as `<*>`.
        public var text: String
        public var count: Int
        /// The service that logged it, when known (templates are per service).
        public var service: String?
        /// One real message of this shape, when known.
        public var example: String?
        /// Whether the shape is error level (severity ≤ 3); raw samples count as errors only when
        /// the alert sampled them as such, which for messages without a severity is unknown (`nil`).
        public var isError: Bool?
    }

    /// Most frequent first (errors before other levels); ties in order of first appearance.
    public var shapes: [Shape]
    /// Messages the shapes stand for (the denominator of the counts).
    public var total: Int

    /// The shapes of `alert`: its template samples, else its sample messages.
    public init(alert: Alert) {
        if alert.samples.isEmpty {
            self.init(alert.sampleMessages)
        } else {
            self.init(templates: alert.samples)
        }
    }

    public init(templates: [TemplateSample]) {
        let ranked = templates.enumerated().sorted { lhs, rhs in
            let (l, r) = (lhs.element, rhs.element)
            if l.isError != r.isError { return l.isError }
            return l.count != r.count ? l.count > r.count : lhs.offset < rhs.offset
        }
        shapes = ranked.map {
            Shape(text: $0.element.template, count: $0.element.count, service: $0.element.service, example: $0.element.example,
                  isError: $0.element.isError)
        }
        total = templates.reduce(0) { $0 + $1.count }
    }

    public init(_ messages: [String]) {
        var order: [String] = []
        var counts: [String: Int] = [:]
        var examples: [String: String] = [:]
        for message in messages {
            let shape = Self.mask(message)
            if counts[shape] == nil {
                order.append(shape)
                examples[shape] = message
            }
            counts[shape, default: 0] += 1
        }
        let ranked = order.enumerated().sorted { lhs, rhs in
            let (l, r) = (counts[lhs.element] ?? 0, counts[rhs.element] ?? 0)
            return l != r ? l > r : lhs.offset < rhs.offset
        }
        shapes = ranked.map { Shape(text: $0.element, count: counts[$0.element] ?? 0, example: examples[$0.element]) }
        total = messages.count
    }

    /// The error-level shapes (all of them when levels are unknown).
    public var errors: [Shape] { shapes.filter { $0.isError != false } }

    /// The miner's masking: numbers, hex, addresses, UUIDs, paths and key=value values → `<*>`.
    public static func mask(_ message: String) -> String {
        MessageShape.masked(message)
    }
}
