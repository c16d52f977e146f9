/// Byte classes shared by the grammars. Free functions on `UInt8` so the scanners compile to
/// compares, not table lookups through a `Character`.
enum ASCII {
    static let space: UInt8 = 0x20
    static let tab: UInt8 = 0x09
    static let lf: UInt8 = 0x0A
    static let cr: UInt8 = 0x0D
    static let nul: UInt8 = 0x00
    static let lessThan: UInt8 = 0x3C
    static let greaterThan: UInt8 = 0x3E
    static let colon: UInt8 = 0x3A
    static let hyphen: UInt8 = 0x2D
    static let plus: UInt8 = 0x2B
    static let dot: UInt8 = 0x2E
    static let asterisk: UInt8 = 0x2A
    static let quote: UInt8 = 0x22
    static let backslash: UInt8 = 0x5C
    static let equals: UInt8 = 0x3D
    static let openBracket: UInt8 = 0x5B
    static let closeBracket: UInt8 = 0x5D
    static let openParenthesis: UInt8 = 0x28
    static let closeParenthesis: UInt8 = 0x29
    static let zero: UInt8 = 0x30

    @inline(__always)
    static func isDigit(_ c: UInt8) -> Bool { c &- 0x30 < 10 }

    @inline(__always)
    static func digitValue(_ c: UInt8) -> Int { Int(c &- 0x30) }

    /// RFC 5424 PRINTUSASCII: %d33-126.
    @inline(__always)
    static func isPrintUSASCII(_ c: UInt8) -> Bool { c &- 33 < 94 }

    /// RFC 5424 SD-NAME: PRINTUSASCII except `=`, SP, `]`, `"`.
    @inline(__always)
    static func isSDNameChar(_ c: UInt8) -> Bool {
        isPrintUSASCII(c) && c != equals && c != closeBracket && c != quote
    }

    /// Whitespace trimmed around a whole message: SP, HT, CR, LF, NUL.
    @inline(__always)
    static func isFrameWhitespace(_ c: UInt8) -> Bool {
        c == space || c == tab || c == lf || c == cr || c == nul
    }

    @inline(__always)
    static func isLetter(_ c: UInt8) -> Bool { (c | 0x20) &- 0x61 < 26 }

    @inline(__always)
    static func isUpper(_ c: UInt8) -> Bool { c &- 0x41 < 26 }

    /// Bytes an RFC 3164 TAG is made of, as devices really send it: letters and digits, the
    /// punctuation seen in real program names (`sshd(pam_unix)`, `%ASA-4-106023`,
    /// `liblogging-stdlog`, `postfix/smtpd`) and any non-ASCII byte.
    @inline(__always)
    static func isTagChar(_ c: UInt8) -> Bool {
        if c >= 0x80 || isDigit(c) || isLetter(c) { return true }
        switch c {
        case 0x2D, 0x5F, 0x2E, 0x2F, 0x25, 0x28, 0x29, 0x40, 0x2B, 0x23, 0x7E, 0x24, 0x21, 0x26, 0x2A:
            return true  // - _ . / % ( ) @ + # ~ $ ! & *
        default:
            return false
        }
    }
}

extension UnsafeRawBufferPointer {
    /// Whether `bytes[from..<from + literal.count]` equals `literal`, without reading past `end`.
    @inline(__always)
    func matches(_ literal: StaticString, at from: Int, end: Int) -> Bool {
        let n = literal.utf8CodeUnitCount
        guard from >= 0, end - from >= n else { return false }
        let lit = literal.utf8Start
        for k in 0..<n where self[from + k] != lit[k] { return false }
        return true
    }
}
