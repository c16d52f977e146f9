/// UTF-8 well-formedness (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF).
///
/// Used where the RFC requires UTF-8 (MSG after a BOM) and by writers that must not emit
/// malformed text. ASCII runs are skipped eight bytes at a time.
public enum UTF8Validation {
    /// The offset of the first byte of the first ill-formed sequence in `b[from..<end]`, or `nil`.
    public static func firstInvalidByte(_ b: UnsafeRawBufferPointer, from: Int, end: Int) -> Int? {
        var i = from
        while i < end {
            if end - i >= 8 {
                let word = UnsafeRawBufferPointer(rebasing: b[i..<(i + 8)]).loadUnaligned(as: UInt64.self)
                if word & 0x8080_8080_8080_8080 == 0 { i += 8; continue }
            }
            let length = sequenceLength(b, at: i, end: end)
            if length == 0 { return i }
            i += length
        }
        return nil
    }

    /// The length (1–4) of the well-formed sequence at `i`, or 0 when it is ill-formed.
    @inline(__always)
    public static func sequenceLength(_ b: UnsafeRawBufferPointer, at i: Int, end: Int) -> Int {
        let c0 = b[i]
        if c0 < 0x80 { return 1 }
        @inline(__always) func continuation(_ k: Int, _ low: UInt8 = 0x80, _ high: UInt8 = 0xBF) -> Bool {
            k < end && b[k] >= low && b[k] <= high
        }
        switch c0 {
        case 0xC2...0xDF:
            return continuation(i + 1) ? 2 : 0
        case 0xE0:
            return continuation(i + 1, 0xA0) && continuation(i + 2) ? 3 : 0
        case 0xE1...0xEC, 0xEE...0xEF:
            return continuation(i + 1) && continuation(i + 2) ? 3 : 0
        case 0xED:
            return continuation(i + 1, 0x80, 0x9F) && continuation(i + 2) ? 3 : 0
        case 0xF0:
            return continuation(i + 1, 0x90) && continuation(i + 2) && continuation(i + 3) ? 4 : 0
        case 0xF1...0xF3:
            return continuation(i + 1) && continuation(i + 2) && continuation(i + 3) ? 4 : 0
        case 0xF4:
            return continuation(i + 1, 0x80, 0x8F) && continuation(i + 2) && continuation(i + 3) ? 4 : 0
        default:
            return 0
        }
    }
}
