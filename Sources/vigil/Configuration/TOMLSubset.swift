/// The part of TOML that `conf/vigil.toml` uses, read without a dependency: `[section]` tables,
/// `key = value` with basic ("…", escapes) or literal ('…') strings, integers (`_` allowed),
/// floats, booleans and arrays of those (which may span lines); `#` comments. Anything else
/// is an error with its line, never silently ignored.
enum TOMLSubset {
    enum Value: Equatable {
        case string(String)
        case integer(Int64)
        case float(Double)
        case boolean(Bool)
        case array([Value])
    }

    struct ParseError: Error, CustomStringConvertible {
        var line: Int
        var reason: String
        var description: String { "line \(line): \(reason)" }
    }

    /// `section.key` → (value, line). Keys before any `[section]` are refused (Vigil has none).
    static func parse(_ text: String) throws(ParseError) -> [String: (value: Value, line: Int)] {
        var result: [String: (value: Value, line: Int)] = [:]
        var section: String?
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var index = 0
        while index < lines.count {
            let number = index + 1
            var line = stripComment(lines[index]).trimmingSpaces
            index += 1
            if line.isEmpty { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]"), !line.hasPrefix("[[") else { throw ParseError(line: number, reason: "malformed table header") }
                let name = String(line.dropFirst().dropLast()).trimmingSpaces
                guard !name.isEmpty, name.allSatisfy(isBareKeyCharacter) else { throw ParseError(line: number, reason: "malformed table name '\(name)'") }
                section = name
                continue
            }
            guard let equals = line.firstIndex(of: "=") else { throw ParseError(line: number, reason: "expected key = value") }
            let key = String(line[..<equals]).trimmingSpaces
            guard !key.isEmpty, key.allSatisfy(isBareKeyCharacter) else { throw ParseError(line: number, reason: "malformed key '\(key)'") }
            guard let section else { throw ParseError(line: number, reason: "key '\(key)' outside a [section]") }
            var valueText = String(line[line.index(after: equals)...]).trimmingSpaces
            // A multi-line array: join lines until the brackets balance.
            while valueText.hasPrefix("["), bracketDepth(valueText) > 0, index < lines.count {
                line = stripComment(lines[index]).trimmingSpaces
                index += 1
                valueText += " " + line
            }
            let fullKey = "\(section).\(key)"
            guard result[fullKey] == nil else { throw ParseError(line: number, reason: "'\(fullKey)' given twice") }
            var scanner = Scanner(Array(valueText.utf8))
            let value = try scanner.value(line: number)
            scanner.skipSpaces()
            guard scanner.atEnd else { throw ParseError(line: number, reason: "unexpected text after the value of '\(fullKey)'") }
            result[fullKey] = (value, number)
        }
        return result
    }

    private static func isBareKeyCharacter(_ c: Character) -> Bool {
        c.isASCII && (c.isLetter || c.isNumber || c == "_" || c == "-")
    }

    /// Drops a `#` comment that is not inside a string.
    private static func stripComment(_ line: String) -> String {
        var quote: Character?
        var escaped = false
        for (offset, c) in line.enumerated() {
            if let q = quote {
                if escaped { escaped = false } else if c == "\\" && q == "\"" { escaped = true } else if c == q { quote = nil }
            } else if c == "\"" || c == "'" {
                quote = c
            } else if c == "#" {
                return String(line.prefix(offset))
            }
        }
        return line
    }

    private static func bracketDepth(_ text: String) -> Int {
        var depth = 0
        var quote: Character?
        for c in text {
            if let q = quote { if c == q { quote = nil } } else if c == "\"" || c == "'" { quote = c } else if c == "[" { depth += 1 } else if c == "]" { depth -= 1 }
        }
        return depth
    }

    private struct Scanner {
        let bytes: [UInt8]
        var position = 0
        init(_ bytes: [UInt8]) { self.bytes = bytes }

        var atEnd: Bool { position >= bytes.count }

        mutating func skipSpaces() {
            while position < bytes.count, bytes[position] == 0x20 || bytes[position] == 0x09 { position += 1 }
        }

        mutating func value(line: Int) throws(ParseError) -> Value {
            skipSpaces()
            guard position < bytes.count else { throw ParseError(line: line, reason: "missing value") }
            switch bytes[position] {
            case UInt8(ascii: "\""): return .string(try basicString(line: line))
            case UInt8(ascii: "'"):
                position += 1
                let start = position
                while position < bytes.count, bytes[position] != UInt8(ascii: "'") { position += 1 }
                guard position < bytes.count else { throw ParseError(line: line, reason: "unterminated string") }
                defer { position += 1 }
                return .string(String(decoding: bytes[start..<position], as: UTF8.self))
            case UInt8(ascii: "["):
                position += 1
                var items: [Value] = []
                while true {
                    skipSpaces()
                    guard position < bytes.count else { throw ParseError(line: line, reason: "unterminated array") }
                    if bytes[position] == UInt8(ascii: "]") { position += 1; return .array(items) }
                    items.append(try value(line: line))
                    skipSpaces()
                    if position < bytes.count, bytes[position] == UInt8(ascii: ",") { position += 1 }
                    else if position < bytes.count, bytes[position] == UInt8(ascii: "]") { continue }
                    else { throw ParseError(line: line, reason: "expected , or ] in array") }
                }
            default:
                let start = position
                while position < bytes.count, ![UInt8(ascii: ","), UInt8(ascii: "]"), 0x20, 0x09].contains(bytes[position]) { position += 1 }
                let word = String(decoding: bytes[start..<position], as: UTF8.self)
                if word == "true" { return .boolean(true) }
                if word == "false" { return .boolean(false) }
                let digits = word.replacingUnderscores
                if let integer = Int64(digits) { return .integer(integer) }
                if digits.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }), let float = Double(digits) { return .float(float) }
                throw ParseError(line: line, reason: "cannot read value '\(word)' (strings need quotes)")
            }
        }

        private mutating func basicString(line: Int) throws(ParseError) -> String {
            position += 1
            var out: [UInt8] = []
            while position < bytes.count {
                let byte = bytes[position]
                position += 1
                if byte == UInt8(ascii: "\"") { return String(decoding: out, as: UTF8.self) }
                guard byte == UInt8(ascii: "\\") else { out.append(byte); continue }
                guard position < bytes.count else { break }
                let escape = bytes[position]
                position += 1
                switch escape {
                case UInt8(ascii: "\""): out.append(UInt8(ascii: "\""))
                case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "u"):
                    guard position + 4 <= bytes.count,
                          let code = UInt32(String(decoding: bytes[position..<position + 4], as: UTF8.self), radix: 16),
                          let scalar = Unicode.Scalar(code)
                    else { throw ParseError(line: line, reason: "bad \\u escape") }
                    position += 4
                    out.append(contentsOf: Array(String(Character(scalar)).utf8))
                default: throw ParseError(line: line, reason: "unknown escape in string")
                }
            }
            throw ParseError(line: line, reason: "unterminated string")
        }
    }
}

private extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\r" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s = s.dropLast() }
        return String(s)
    }

    var replacingUnderscores: String { String(filter { $0 != "_" }) }
}
