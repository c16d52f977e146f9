/// One parsed syslog message, as views into the bytes it was parsed from.
///
/// Parsing never copies: every text field is a ``ByteRange`` into ``bytes``, the caller's buffer.
/// A `String` is made only when a caller asks for one (``hostname``, ``message`` …), so the hot
/// path — parse, hash the service, count — allocates nothing.
///
/// - Important: the value borrows ``bytes``. It is valid only while the buffer passed to
///   ``SyslogParser/parse(_:)`` is alive and unchanged; copy what must outlive it.
public struct SyslogMessage {
    /// The wire format the message was recognised as.
    public enum Format: Sendable, Hashable {
        case rfc5424
        case rfc3164
    }

    /// The buffer the message was parsed from (after framing; leading and trailing
    /// whitespace are still inside it, the field ranges exclude them).
    public let bytes: UnsafeRawBufferPointer
    public var format: Format
    public var priority: Priority
    /// `true` when the message carried no PRI and ``priority`` is RFC 3164's default (13, user.notice).
    public var priorityIsDefault: Bool
    /// RFC 5424 VERSION (1…999); `nil` for RFC 3164.
    public var version: Int?
    /// The header's timestamp; `nil` when absent or NILVALUE.
    public var timestamp: SyslogTimestamp?
    public var hostnameRange: ByteRange
    public var appNameRange: ByteRange
    public var procIDRange: ByteRange
    public var msgIDRange: ByteRange
    /// The whole STRUCTURED-DATA section (from the first `[` to the last `]`), already validated.
    public var structuredDataRange: ByteRange
    /// MSG (RFC 5424, after the BOM if any) or CONTENT (RFC 3164, after `TAG[PID]:`).
    public var messageRange: ByteRange
    /// RFC 3164 only: the parenthesised part macOS writes between `TAG[PID]` and the colon
    /// (`com.apple.xpc.launchd[1] (com.apple.quicklook.ThumbnailsAgent[845]): …`, without the parentheses) —
    /// the launchd job or sending subsystem. It is header, not MSG: left in MSG it would make every
    /// job's messages a template of their own.
    public var subsystemRange: ByteRange

    init(bytes: UnsafeRawBufferPointer, format: Format, priority: Priority, priorityIsDefault: Bool) {
        self.bytes = bytes
        self.format = format
        self.priority = priority
        self.priorityIsDefault = priorityIsDefault
        self.version = nil
        self.timestamp = nil
        self.hostnameRange = .absent
        self.appNameRange = .absent
        self.procIDRange = .absent
        self.msgIDRange = .absent
        self.structuredDataRange = .absent
        self.messageRange = .absent
        self.subsystemRange = .absent
    }

    /// The bytes of a field, or `nil` when the field is absent or NILVALUE.
    @inlinable
    public func view(_ range: ByteRange) -> UnsafeRawBufferPointer? {
        guard range.isPresent else { return nil }
        return UnsafeRawBufferPointer(rebasing: bytes[range.start..<range.end])
    }

    /// The range of the service name: APP-NAME (RFC 5424) or TAG (RFC 3164), else HOSTNAME.
    @inlinable
    public var serviceRange: ByteRange {
        appNameRange.isPresent ? appNameRange : hostnameRange
    }

    public var hostname: String? { string(hostnameRange) }
    public var appName: String? { string(appNameRange) }
    public var procID: String? { string(procIDRange) }
    public var msgID: String? { string(msgIDRange) }
    /// MSG decoded as UTF-8 (invalid sequences become U+FFFD). Use ``view(_:)`` on
    /// ``messageRange`` for the exact bytes.
    public var message: String? { string(messageRange) }
    /// The macOS subsystem of an RFC 3164 header (``subsystemRange``).
    public var subsystem: String? { string(subsystemRange) }
    public var service: String? { string(serviceRange) }

    /// The structured data, walked lazily; `nil` when NILVALUE.
    public var structuredData: StructuredData? {
        view(structuredDataRange).map(StructuredData.init(validated:))
    }

    private func string(_ range: ByteRange) -> String? {
        view(range).map { String(decoding: $0, as: UTF8.self) }
    }
}

/// A field's position inside ``SyslogMessage/bytes``: a half-open byte range, or absent.
///
/// 32-bit offsets keep the message value small (messages are bounded far below 2 GiB).
public struct ByteRange: Sendable, Hashable {
    public var start: Int { Int(_start) }
    public var count: Int { Int(_count) }
    public var end: Int { Int(_start) + Int(_count) }
    public var isPresent: Bool { _start >= 0 }

    @usableFromInline var _start: Int32
    @usableFromInline var _count: Int32

    /// Absent or NILVALUE.
    public static let absent = ByteRange(_start: -1, _count: 0)

    @inlinable
    public init(start: Int, end: Int) {
        _start = Int32(truncatingIfNeeded: start)
        _count = Int32(truncatingIfNeeded: end - start)
    }

    @usableFromInline
    init(_start: Int32, _count: Int32) {
        self._start = _start
        self._count = _count
    }
}
