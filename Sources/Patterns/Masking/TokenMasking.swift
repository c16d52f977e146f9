/// The masking rules, applied to one whitespace-separated token's bytes.
///
/// A token is split into *words* (runs of letters, digits, `_`, `-`, `.` and non-ASCII bytes)
/// and punctuation. Variable parts become `<*>`:
/// - a word containing a digit (numbers, hex, IPv4 and most IPv6 groups, UUIDs, versions,
///   timestamps, host names with numbers), or a long all-hex word (a hash without digits) —
///   except a name with a short number suffix (`eth0`, `IPV6`, `ssh2`), a constant;
/// - an English day or month abbreviation (`Mon`, `Jun`): a date written out;
/// - the value after `=` in `key=value` (up to `,` `;` `)` `]` `}` `&` or a quote; a quoted
///   value `key="a b"` whole, spaces included; brackets opened inside the value closed first,
///   `ws=WorkSource{10113}`) — but not an empty value: `rhost=` (nothing there) and
///   `rhost=10.0.0.1` are two shapes;
/// - the whole token when it is a path or URL (`/…`, `~/…`, `C:\…`, `a/b/c`, `scheme://…`);
/// - the whole token when it is an endpoint, `host.name:port`;
/// - the whole token when, after masking, no constant word is left (`10.0.0.1:80`, `[12]`,
///   `(0x1f)`), so punctuation around a value does not split shapes.
/// - a unit of measure right after a variable token (`5 ms`, `(18.4 KB)`): part of the value.
/// Punctuation-only tokens (`-`, `|`, `->`) stay constant.
///
/// One walk serves both the hot path (hashing the masked bytes) and the slow path (writing the
/// masked text of a new template): the same `MaskedByteSink` protocol, specialised for each.
protocol MaskedByteSink {
    mutating func append(_ byte: UInt8)
    mutating func append(_ bytes: UnsafeRawBufferPointer)
    mutating func appendVariable()
}

extension ByteHash: MaskedByteSink {
    mutating func appendVariable() {
        add(UInt8(ascii: "<"))
        add(UInt8(ascii: "*"))
        add(UInt8(ascii: ">"))
    }

    mutating func append(_ byte: UInt8) { add(byte) }
    mutating func append(_ bytes: UnsafeRawBufferPointer) { add(bytes) }
}

/// Masked text, as bytes (template creation, `MessageShape`).
struct MaskedTextSink: MaskedByteSink {
    var bytes: [UInt8]

    init(bytes: [UInt8] = []) { self.bytes = bytes }
    mutating func append(_ byte: UInt8) { bytes.append(byte) }
    mutating func append(_ bytes: UnsafeRawBufferPointer) { self.bytes.append(contentsOf: bytes) }
    mutating func appendVariable() {
        bytes.append(UInt8(ascii: "<"))
        bytes.append(UInt8(ascii: "*"))
        bytes.append(UInt8(ascii: ">"))
    }
}

enum TokenMasking {
    /// What one token became.
    enum Outcome {
        /// Constant text (possibly with masked parts inside, like `uid=<*>`).
        case constant
        /// Entirely variable: the caller replaces whatever was written with one `<*>`.
        case variable
    }

    /// Byte classes, looked up once per byte.
    static let word: UInt8 = 1
    static let digit: UInt8 = 2
    static let hexLetter: UInt8 = 4
    static let space: UInt8 = 8
    static let valueEnd: UInt8 = 16

    static let classes: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 256)
        for c in UInt8(ascii: "a")...UInt8(ascii: "z") { table[Int(c)] = word }
        for c in UInt8(ascii: "A")...UInt8(ascii: "Z") { table[Int(c)] = word }
        for c in UInt8(ascii: "a")...UInt8(ascii: "f") { table[Int(c)] |= hexLetter }
        for c in UInt8(ascii: "A")...UInt8(ascii: "F") { table[Int(c)] |= hexLetter }
        for c in UInt8(ascii: "0")...UInt8(ascii: "9") { table[Int(c)] = word | digit }
        for c in [UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: ".")] { table[Int(c)] = word }
        for c in 0x80...0xFF { table[c] = word }
        for c in [0x20, 0x09, 0x0A, 0x0D, 0x0B, 0x0C] { table[c] = space }
        for c in ",;)]}&\"'" { table[Int(c.asciiValue!)] = valueEnd }
        return table
    }()

    /// Writes the masked form of `bytes[start..<end]` (one whitespace-free token) to `sink`.
    
    static func mask<Sink: MaskedByteSink>(
        _ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int, into sink: inout Sink
    ) -> Outcome {
        classes.withUnsafeBufferPointer { mask(bytes, from: start, to: end, into: &sink, classes: $0) }
    }

    /// `mask` with the class table at hand (the tokenizer's loop passes it once per message).
    static func mask<Sink: MaskedByteSink>(
        _ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int, into sink: inout Sink,
        classes: UnsafeBufferPointer<UInt8>
    ) -> Outcome {
        // Paths are decided from the first bytes and the count of `/` seen on the way (words
        // never contain `/`), so the token is walked once.
        let count = end - start
        var path =
            count >= 2
            && ((bytes[start] == UInt8(ascii: "/") && (bytes[start + 1] != UInt8(ascii: "/") || count > 2))
                || (bytes[start] == UInt8(ascii: "~") && bytes[start + 1] == UInt8(ascii: "/"))
                || (count >= 3 && bytes[start + 1] == UInt8(ascii: ":") && bytes[start + 2] == UInt8(ascii: "\\")))
        if path { return .variable }
        var slashes = 0
        do {
            var constantWords = 0
            var variables = 0
            var i = start
            while i < end {
                let c = bytes[i]
                let cls = classes[Int(c)]
                if cls & word != 0 {
                    var j = i
                    var digits = false
                    var allHex = true
                    while j < end {
                        let k = classes[Int(bytes[j])]
                        if k & word == 0 { break }
                        if k & digit != 0 { digits = true } else if k & hexLetter == 0 { allHex = false }
                        j += 1
                    }
                    let variable =
                        digits
                        ? !isIdentifier(bytes, from: i, to: j, classes: classes)
                        : (allHex && j - i >= 16) || (j - i == 3 && isDateWord(bytes, at: i))
                    if variable {
                        sink.appendVariable()
                        variables += 1
                    } else {
                        sink.append(UnsafeRawBufferPointer(rebasing: bytes[i..<j]))
                        constantWords += 1
                    }
                    i = j
                } else if c == UInt8(ascii: "=") && i > start && classes[Int(bytes[i - 1])] & word != 0 {
                    // key=value: the value, up to its delimiter, is variable.
                    sink.append(c)
                    var j = i + 1
                    if j < end, bytes[j] == UInt8(ascii: "\"") {
                        // A quoted value, spaces and all (the tokenizer kept it in one token).
                        j += 1
                        while j < end, bytes[j] != UInt8(ascii: "\"") { j += 1 }
                        if j < end { j += 1 }
                    } else {
                        // Up to the delimiter, brackets opened inside the value included
                        // (`ws=WorkSource{10113},` and `ws=null,` have one shape).
                        var depth = 0
                        while j < end {
                            let v = bytes[j]
                            if v == UInt8(ascii: "{") || v == UInt8(ascii: "(") || v == UInt8(ascii: "[") {
                                depth += 1
                            } else if depth > 0, v == UInt8(ascii: "}") || v == UInt8(ascii: ")") || v == UInt8(ascii: "]") {
                                depth -= 1
                            } else if classes[Int(v)] & valueEnd != 0 {
                                break
                            }
                            j += 1
                        }
                    }
                    // An empty value is no value: `rhost=` and `rhost=10.0.0.1` differ in shape.
                    if j > i + 1 {
                        sink.appendVariable()
                        variables += 1
                    }
                    i = j
                } else {
                    if c == UInt8(ascii: "/") { slashes += 1 }
                    sink.append(c)
                    i += 1
                }
            }
            path = slashes >= 2  // `a/b/c`, `scheme://…`
            if path || (variables > 0 && constantWords == 0) { return .variable }
            if variables == 1, constantWords == 1, isEndpoint(bytes, from: start, to: end, classes: classes) { return .variable }
            return .constant
        }
    }

    /// `host.name:port` — a dotted name, `:`, 1–5 digits, nothing else: an endpoint, variable
    /// as a whole (`proxy.example.com:5070`, `mtalk.google.com:443`); the name alone would split
    /// one message kind per peer.
    static func isEndpoint(_ b: UnsafeRawBufferPointer, from start: Int, to end: Int, classes: UnsafeBufferPointer<UInt8>) -> Bool {
        var colon = end - 1
        while colon > start, classes[Int(b[colon])] & digit != 0 { colon -= 1 }
        let digits = end - 1 - colon
        guard digits >= 1, digits <= 5, colon > start, b[colon] == UInt8(ascii: ":") else { return false }
        var dots = 0
        for k in start..<colon {
            let c = b[k]
            guard classes[Int(c)] & word != 0 else { return false }
            if c == UInt8(ascii: ".") { dots += 1 }
        }
        return dots >= 1 && b[start] != UInt8(ascii: ".") && b[colon - 1] != UInt8(ascii: ".")
    }

    /// Letters with a one- or two-digit suffix that are not a hex number: a device or protocol
    /// name (`eth0`, `en1`, `awdl0`, `IPV6`, `ssh2`, `CPU12`) — a constant, not a value.
    static func isIdentifier(_ b: UnsafeRawBufferPointer, from start: Int, to end: Int, classes: UnsafeBufferPointer<UInt8>) -> Bool {
        var letters = start
        var hexOnly = true
        while letters < end {
            let c = b[letters]
            let isLetter = (c | 0x20) >= UInt8(ascii: "a") && (c | 0x20) <= UInt8(ascii: "z")
            guard isLetter else { break }
            if classes[Int(c)] & hexLetter == 0 { hexOnly = false }
            letters += 1
        }
        let digits = end - letters
        guard letters - start >= 2, !hexOnly, digits >= 1, digits <= 2 else { return false }
        for k in letters..<end where classes[Int(b[k])] & digit == 0 { return false }
        return true
    }

    /// A unit of measure (`ms`, `sec`, `KB`, …) with optional punctuation around it (`KB),`).
    static func isUnit(_ b: UnsafeRawBufferPointer, from start: Int, to end: Int, classes: UnsafeBufferPointer<UInt8>) -> Bool {
        var first = start
        var last = end
        while first < last, classes[Int(b[first])] & word == 0 { first += 1 }
        while last > first, classes[Int(b[last - 1])] & word == 0 { last -= 1 }
        let count = last - first
        guard count >= 1, count <= 7 else { return false }
        var key: UInt64 = 0
        for k in first..<last { key = key << 8 | UInt64(b[k]) }
        switch key {
        // ms us ns s sec secs seconds min mins minutes h hours
        case 0x6D73, 0x7573, 0x6E73, 0x73, 0x736563, 0x7365_6373, 0x73_6563_6F6E_6473, 0x6D696E, 0x6D69_6E73,
            0x6D_696E_7574_6573, 0x68, 0x686F_7572_73:
            return true
        // B KB kB MB GB TB KiB MiB GiB Kbps Mbps Gbps
        case 0x42, 0x4B42, 0x6B42, 0x4D42, 0x4742, 0x5442, 0x4B6942, 0x4D6942, 0x476942, 0x4B62_7073, 0x4D62_7073,
            0x4762_7073:
            return true
        default:
            return false
        }
    }

    /// Three-letter day and month names, capitalised as dates print them (`Mon`, `Jun`).
    static func isDateWord(_ b: UnsafeRawBufferPointer, at i: Int) -> Bool {
        let key = UInt32(b[i]) << 16 | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2])
        switch key {
        // Mon Tue Wed Thu Fri Sat Sun
        case 0x4D6F6E, 0x547565, 0x576564, 0x546875, 0x467269, 0x536174, 0x53756E: return true
        // Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec
        case 0x4A616E, 0x466562, 0x4D6172, 0x417072, 0x4D6179, 0x4A756E, 0x4A756C, 0x417567, 0x536570, 0x4F6374,
            0x4E6F76, 0x446563:
            return true
        default: return false
        }
    }
}
