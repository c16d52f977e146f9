/// One thing detection produced, in the order to apply it.
public enum DetectionEvent: Sendable, Hashable {
    /// A key's rule has been quiet long enough: its active alerts are resolved.
    case resolution(AlertResolution)
    /// An alert the cooldown admitted.
    case alert(Alert)
}

/// What one or more ticks of detection produced, in order: per tick, the keys whose rule has been
/// quiet long enough first, then the alerts the cooldown admitted (a key resolved and raised
/// again on one tick is a new alert, not a resolved one). Appending keeps ticks in order, so an
/// alert and its later resolution are applied in that order.
public struct DetectionOutput: Sendable, Hashable {
    public private(set) var events: [DetectionEvent]

    public init(events: [DetectionEvent] = []) {
        self.events = events
    }

    /// One tick's output.
    public init(resolutions: [AlertResolution], alerts: [Alert]) {
        events = resolutions.map(DetectionEvent.resolution) + alerts.map(DetectionEvent.alert)
    }

    public var alerts: [Alert] {
        events.compactMap { if case .alert(let alert) = $0 { alert } else { nil } }
    }

    public var resolutions: [AlertResolution] {
        events.compactMap { if case .resolution(let resolution) = $0 { resolution } else { nil } }
    }

    public var isEmpty: Bool { events.isEmpty }

    public mutating func append(_ other: DetectionOutput) {
        events += other.events
    }
}
