/// An incremental parser of systemd's Journal Export Format — what `systemd-journal-upload` posts
/// (`Content-Type: application/vnd.fdo.journal`) and `journalctl -o export` prints:
///
/// - an entry is a run of fields ended by an empty line;
/// - a text field is `NAME=VALUE\n`;
/// - a binary field (a value with control characters or not UTF-8) is `NAME\n`, the value's length
///   as a 64-bit little-endian integer, the value's bytes, then `\n`.
///
/// Fed the body chunk by chunk as it arrives (chunked transfer, any split), it keeps only the
/// fields Vigil maps (``JournalEntry``) and skips the rest's values without holding them, so
/// memory is bounded by the limits whatever the upload's length: an entry larger than
/// ``maxEntryBytes`` or a field name longer than 256 bytes is an error, as is a malformed field.
struct JournalExportParser {
    struct Failure: Error, Equatable, CustomStringConvertible {
        var reason: String
        /// Byte offset in the upload.
        var offset: Int
        var description: String { "\(reason) at byte \(offset)" }
    }

    let maxEntryBytes: Int
    static let maxNameBytes = 256

    private enum State {
        /// At the start of a line: a field name, or the empty line that ends the entry.
        case lineStart
        case name
        case textValue
        /// Reading the 8 length bytes of a binary field.
        case binaryLength(read: Int, value: UInt64)
        case binaryValue(remaining: UInt64)
        /// The `\n` after a binary value.
        case binaryEnd
    }

    private var state = State.lineStart
    private var name: [UInt8] = []
    private var value: [UInt8] = []
    /// Whether the field being read is one Vigil keeps (its value is collected).
    private var keeping = false
    private var entry = JournalEntry()
    private var entryBytes = 0
    private var offset = 0

    init(maxEntryBytes: Int) {
        self.maxEntryBytes = maxEntryBytes
    }

    /// Whether the upload may end here (no entry or field in progress).
    var isAtEntryBoundary: Bool {
        if case .lineStart = state { return entry.isEmpty }
        return false
    }

    /// Parses the next chunk; `body` receives each complete entry.
    mutating func feed(_ chunk: UnsafeRawBufferPointer, _ body: (JournalEntry) -> Void) throws(Failure) {
        var i = 0
        let count = chunk.count
        while i < count {
            switch state {
            case .lineStart:
                if chunk[i] == 0x0A {
                    if !entry.isEmpty { body(entry) }
                    entry = JournalEntry()
                    entryBytes = 0
                    i += 1
                    offset += 1
                    continue
                }
                name.removeAll(keepingCapacity: true)
                state = .name
            case .name:
                let start = i
                while i < count, chunk[i] != 0x3D, chunk[i] != 0x0A { i += 1 }  // '=' or LF
                name.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[start..<i]))
                try account(i - start)
                guard name.count <= Self.maxNameBytes else { throw fail("field name longer than \(Self.maxNameBytes) bytes") }
                guard i < count else { break }
                guard Self.isValidName(name) else {
                    throw fail("invalid field name '\(String(decoding: name.prefix(64), as: UTF8.self))'")
                }
                keeping = JournalEntry.keeps(name)
                value.removeAll(keepingCapacity: true)
                state = chunk[i] == 0x3D ? .textValue : .binaryLength(read: 0, value: 0)
                i += 1
                try account(1)
            case .textValue:
                let start = i
                while i < count, chunk[i] != 0x0A { i += 1 }
                if keeping { value.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[start..<i])) }
                try account(i - start)
                guard i < count else { break }
                i += 1
                try account(1)
                endField()
            case .binaryLength(let read, let length):
                let byte = UInt64(chunk[i])
                let length = length | byte << (8 * UInt64(read))
                i += 1
                try account(1)
                if read == 7 {
                    guard length <= UInt64(maxEntryBytes) else { throw fail("binary field of \(length) bytes, larger than the entry limit (\(maxEntryBytes))") }
                    state = length == 0 ? .binaryEnd : .binaryValue(remaining: length)
                } else {
                    state = .binaryLength(read: read + 1, value: length)
                }
            case .binaryValue(let remaining):
                let take = Int(min(remaining, UInt64(count - i)))
                if keeping { value.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[i..<(i + take)])) }
                i += take
                try account(take)
                let left = remaining - UInt64(take)
                state = left == 0 ? .binaryEnd : .binaryValue(remaining: left)
            case .binaryEnd:
                guard chunk[i] == 0x0A else { throw fail("binary field not followed by a newline") }
                i += 1
                try account(1)
                endField()
            }
        }
    }

    /// The upload ended: a last entry without its closing empty line is still delivered (as
    /// journal-remote does); a field cut off in the middle is an error.
    mutating func finish(_ body: (JournalEntry) -> Void) throws(Failure) {
        guard case .lineStart = state else { throw fail("upload ended inside a field") }
        if !entry.isEmpty { body(entry) }
        entry = JournalEntry()
    }

    private mutating func endField() {
        if keeping { entry.set(name, value) } else { entry.fieldCount += 1 }
        state = .lineStart
    }

    private mutating func account(_ bytes: Int) throws(Failure) {
        offset += bytes
        entryBytes += bytes
        guard entryBytes <= maxEntryBytes else { throw fail("journal entry larger than \(maxEntryBytes) bytes (api.max_body_bytes)") }
    }

    private func fail(_ reason: String) -> Failure {
        Failure(reason: reason, offset: offset)
    }

    /// Journal field names: upper-case letters, digits and `_`, not starting with a digit.
    static func isValidName(_ name: [UInt8]) -> Bool {
        guard let first = name.first, !(0x30...0x39).contains(first) else { return false }
        return name.allSatisfy { (0x41...0x5A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x5F }
    }
}

/// The fields of one journal entry that map to a syslog record; others are only counted.
struct JournalEntry: Equatable {
    var message: [UInt8]?
    var identifier: [UInt8]?
    var command: [UInt8]?
    var priority: [UInt8]?
    var facility: [UInt8]?
    var hostname: [UInt8]?
    var realtime: [UInt8]?
    var pid: [UInt8]?
    var syslogPID: [UInt8]?
    /// Fields not kept.
    var fieldCount = 0

    var isEmpty: Bool {
        fieldCount == 0 && message == nil && identifier == nil && command == nil && priority == nil && facility == nil
            && hostname == nil && realtime == nil && pid == nil && syslogPID == nil
    }

    private static let kept: Set<[UInt8]> = Set([
        "MESSAGE", "SYSLOG_IDENTIFIER", "_COMM", "PRIORITY", "SYSLOG_FACILITY", "_HOSTNAME", "__REALTIME_TIMESTAMP", "_PID", "SYSLOG_PID",
    ].map { Array($0.utf8) })

    static func keeps(_ name: [UInt8]) -> Bool { kept.contains(name) }

    /// The first occurrence of a field wins (journald writes each once; a repeat is unusual).
    mutating func set(_ name: [UInt8], _ value: [UInt8]) {
        switch String(decoding: name, as: UTF8.self) {
        case "MESSAGE": message = message ?? value
        case "SYSLOG_IDENTIFIER": identifier = identifier ?? value
        case "_COMM": command = command ?? value
        case "PRIORITY": priority = priority ?? value
        case "SYSLOG_FACILITY": facility = facility ?? value
        case "_HOSTNAME": hostname = hostname ?? value
        case "__REALTIME_TIMESTAMP": realtime = realtime ?? value
        case "_PID": pid = pid ?? value
        case "SYSLOG_PID": syslogPID = syslogPID ?? value
        default: fieldCount += 1
        }
    }
}
