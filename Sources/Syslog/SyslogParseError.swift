/// Why a message could not be parsed, and where.
///
/// Typed (no existential, no allocation) so the error path stays as cheap as the success path:
/// a receiver counts errors by ``Kind`` and keeps the raw bytes with ``description``.
public struct SyslogParseError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// Nothing but whitespace.
        case empty
        /// Longer than the configured maximum message size.
        case oversize
        /// `<PRI>` malformed or above 191.
        case badPriority
        /// An RFC 5424 header without `<PRI>`.
        case missingPriority
        /// RFC 5424 VERSION is not 1–999.
        case badVersion
        /// RFC 5424 TIMESTAMP is not RFC 3339 as §6.2.3 restricts it (or names an impossible date).
        case badTimestamp
        case badHostname
        case badAppName
        case badProcID
        case badMsgID
        /// STRUCTURED-DATA does not follow the §6.3 grammar.
        case badStructuredData
        /// STRUCTURED-DATA ends before its closing `]` or `"`.
        case unterminatedStructuredData
        /// The same SD-ID twice in one message (§6.3.2).
        case duplicateStructuredDataID
        /// Bytes after STRUCTURED-DATA that are not `SP MSG`.
        case badMessageSeparator
        /// MSG starts with a BOM but is not valid UTF-8 (§6.4).
        case invalidUTF8
    }

    public var kind: Kind
    /// Byte offset into the message where parsing stopped.
    public var offset: Int
    /// A fixed, human-readable precision on the kind (e.g. "day out of range").
    public var detail: StaticString

    @inlinable
    public init(_ kind: Kind, at offset: Int, _ detail: StaticString = "") {
        self.kind = kind
        self.offset = offset
        self.detail = detail
    }

    /// `"bad timestamp: day out of range"`.
    public var description: String {
        let detail = detail.description
        return detail.isEmpty ? kind.summary : "\(kind.summary): \(detail)"
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.kind == rhs.kind && lhs.offset == rhs.offset
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(kind)
        hasher.combine(offset)
    }
}

extension SyslogParseError.Kind {
    /// Lower-case words, stable: used in output and as a metrics label.
    public var summary: String {
        switch self {
        case .empty: "empty message"
        case .oversize: "message too large"
        case .badPriority: "bad PRI"
        case .missingPriority: "missing PRI"
        case .badVersion: "bad version"
        case .badTimestamp: "bad timestamp"
        case .badHostname: "bad hostname"
        case .badAppName: "bad app-name"
        case .badProcID: "bad procid"
        case .badMsgID: "bad msgid"
        case .badStructuredData: "bad structured data"
        case .unterminatedStructuredData: "unterminated structured data"
        case .duplicateStructuredDataID: "duplicate structured data id"
        case .badMessageSeparator: "bad separator before MSG"
        case .invalidUTF8: "invalid UTF-8 after BOM"
        }
    }
}
