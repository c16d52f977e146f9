/// One message template as an alert shows it: the shape, how often it occurred in the trailing
/// window, one real message of that shape and when the shape was first seen.
///
/// Shapes say *what* is happening where counts only say *that* something is: "Connection to
/// <*> refused" 400 times is the fact an on-call engineer (or Claude) needs first.
public struct TemplateSample: Sendable, Hashable {
    public var service: String
    /// The template's stable id, 16 lowercase hex digits (``Patterns/TemplateID``).
    public var templateID: String
    /// The template text, variable parts as `<*>`.
    public var template: String
    /// Occurrences in the trailing window.
    public var count: Int
    /// One message of this shape (the first seen), as received.
    public var example: String
    /// When this shape was first seen (seconds since the epoch; for a template restored from the
    /// store, when a previous run first saw it).
    public var firstSeen: Int64
    /// The most severe syslog severity seen with this template (0 emergency … 7 debug).
    public var severity: Int

    public init(
        service: String, templateID: String, template: String, count: Int, example: String, firstSeen: Int64,
        severity: Int
    ) {
        self.service = service
        self.templateID = templateID
        self.template = template
        self.count = count
        self.example = example
        self.firstSeen = firstSeen
        self.severity = severity
    }

    /// Whether the shape is error level (severity ≤ 3), as the error rate counts it.
    public var isError: Bool { severity <= 3 }
}

/// The template side of one tick, next to the counts of ``WindowStats``: what the `new_pattern`
/// rule judges and what alerts show as samples.
public struct TemplateWindow: Sendable, Hashable {
    /// Templates in their first window since they appeared (or reappeared after
    /// ``DetectionConfiguration/patternRediscoverySeconds`` of silence), error level only, with
    /// their occurrences since then.
    public var novel: [NovelTemplate]
    /// Per service, its most frequent templates in the trailing window, error-level ones first.
    public var top: [String: [TemplateSample]]

    public init(novel: [NovelTemplate] = [], top: [String: [TemplateSample]] = [:]) {
        self.novel = novel
        self.top = top
    }

    /// Adds another shard's part (shards own disjoint services).
    public mutating func merge(_ other: TemplateWindow) {
        novel += other.novel
        top.merge(other.top) { mine, _ in mine }
    }
}
