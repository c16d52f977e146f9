import PropertyBased
import Testing
@testable import Syslog

/// Properties over generated input: nothing traps or reads out of bounds, framing stays bounded,
/// and well-formed messages rendered to bytes parse back field by field.
@Suite struct PropertyTests {
    // MARK: Arbitrary bytes

    /// Random bytes mixed with pieces of syslog, so that the fuzz gets past `<PRI>` and into the grammars.
    static let syslogLikeBytes = Generator<[UInt8], Shrink.None<[UInt8]>> { rng in
        let pieces = [
            "<", ">", "<13>", "<165>1 ", "<0>", "1 ", " ", "  ", "-", "- ", "[", "]", "=", "\"", "\\", ":", ": ",
            "[123]", "2024-05-19T10:00:00", ".123456", "Z", "+02:00", "May 19 ", "Feb 29 ", "10:00:00", "*",
            "%ASA-4-106023:", "\u{FEFF}", "\r\n", "\n", "\0", "12 ", "5 <", "host ", "app", "[id a=\"", "é",
        ].map { Array($0.utf8) }
        var bytes: [UInt8] = []
        for _ in 0..<Int.random(in: 0...40, using: &rng) {
            if Bool.random(using: &rng) {
                bytes += pieces[Int.random(in: pieces.indices, using: &rng)]
            } else {
                for _ in 0..<Int.random(in: 1...4, using: &rng) { bytes.append(UInt8.random(in: 0...255, using: &rng)) }
            }
        }
        return bytes
    }

    static let uniformBytes = Gen<UInt8>.value(in: 0...255).array(of: 0...300)

    /// Parses and checks that everything the parser hands out lies inside the buffer.
    static func checkParseStaysInBounds(_ bytes: [UInt8], maxMessageSize: Int = SyslogParser.defaultMaxMessageSize) {
        let parser = SyslogParser(maxMessageSize: maxMessageSize, timeZone: .utc, referenceTime: SyslogParser.fixedReferenceTime)
        bytes.withUnsafeBytes { raw in
            do throws(SyslogParseError) {
                let m = try parser.parse(raw)
                for range in [m.hostnameRange, m.appNameRange, m.procIDRange, m.msgIDRange, m.structuredDataRange, m.messageRange, m.subsystemRange]
                where range.isPresent {
                    #expect(range.start >= 0 && range.start <= range.end && range.end <= raw.count, "\(bytes)")
                }
                _ = (m.hostname, m.appName, m.procID, m.msgID, m.message, m.service, m.subsystem)
                for element in m.structuredData.map(Array.init) ?? [] {
                    for parameter in element.parameters { _ = (parameter.name.count, parameter.value) }
                }
            } catch {
                #expect((0...raw.count).contains(error.offset), "\(error) for \(bytes)")
            }
        }
    }

    @Test func uniformRandomBytesNeverCrashTheParser() async {
        await propertyCheck(count: 2_000, input: Self.uniformBytes) { Self.checkParseStaysInBounds($0) }
    }

    @Test func syslogLikeRandomBytesNeverCrashTheParser() async {
        await propertyCheck(count: 3_000, input: Self.syslogLikeBytes) { bytes in
            Self.checkParseStaysInBounds(bytes)
            Self.checkParseStaysInBounds(bytes, maxMessageSize: 32)
        }
    }

    // MARK: Framing

    struct Stream: Sendable {
        var bytes: [UInt8]
        var maxFrameSize: Int
        var chunkSizes: [Int]

        var chunks: [[UInt8]] {
            var chunks: [[UInt8]] = []
            var start = 0
            var sizes = chunkSizes.makeIterator()
            while start < bytes.count {
                let end = min(bytes.count, start + (sizes.next() ?? bytes.count))
                chunks.append(Array(bytes[start..<end]))
                start = end
            }
            return chunks
        }
    }

    static let streams = Generator<Stream, Shrink.None<Stream>> { rng in
        var bytes: [UInt8] = []
        for _ in 0..<Int.random(in: 1...8, using: &rng) { bytes += syslogLikeBytes.run(using: &rng) }
        return Stream(
            bytes: bytes,
            maxFrameSize: Int.random(in: 16...200, using: &rng),
            chunkSizes: (0..<Int.random(in: 1...30, using: &rng)).map { _ in Int.random(in: 1...64, using: &rng) })
    }

    @Test(arguments: SyslogFrameDecoder.Mode.allCases)
    func randomStreamsAreFramedWithinBounds(_ mode: SyslogFrameDecoder.Mode) async {
        await propertyCheck(count: 500, input: Self.streams) { stream in
            let run = decodeFrames(stream.chunks, mode: mode, maxFrameSize: stream.maxFrameSize)
            #expect(run.frames.allSatisfy { $0.count <= stream.maxFrameSize })
            #expect(run.largestCarry <= stream.maxFrameSize)
            #expect(run.events.count <= stream.bytes.count + 1)
        }
    }

    // MARK: Round trips

    @Test func generatedRFC5424MessageRoundTrips() async {
        await propertyCheck(count: 1_000, input: Generator { rng in RFC5424Message.random(using: &rng) }) { message in
            let bytes = message.rendered
            let parsed = withParsed(bytes, parser: .fixed) { ($0.timestamp, ParsedFields($0)) }
            guard case .success(let (timestamp, fields)) = parsed else {
                Issue.record("\(parsed) for \(String(decoding: bytes, as: UTF8.self).debugDescription)")
                return
            }
            #expect(fields == message.expected, "\(String(decoding: bytes, as: UTF8.self).debugDescription)")
            #expect(timestamp?.nanosecondsSinceEpoch == message.timestamp?.nanosecondsSinceEpoch)
        }
    }

    @Test func generatedRFC3164MessageRoundTrips() async {
        await propertyCheck(count: 1_000, input: Generator { rng in RFC3164Message.random(using: &rng) }) { message in
            let parsed = withParsed(message.rendered, parser: .fixed) { ($0.timestamp?.nanosecondsSinceEpoch, ParsedFields($0)) }
            guard case .success(let (nanoseconds, fields)) = parsed else {
                Issue.record("\(parsed) for \(String(decoding: message.rendered, as: UTF8.self).debugDescription)")
                return
            }
            #expect(fields == message.expected, "\(String(decoding: message.rendered, as: UTF8.self).debugDescription)")
            #expect(nanoseconds == message.nanosecondsSinceEpoch)
        }
    }
}

// MARK: - Message models

/// Random text from a pool of characters.
private func randomText(_ pool: [Character], length: ClosedRange<Int>, using rng: inout some RandomNumberGenerator) -> String {
    String((0..<Int.random(in: length, using: &rng)).map { _ in pool[Int.random(in: pool.indices, using: &rng)] })
}

/// A length that is usually short but sometimes reaches the field's limit.
private func randomLength(upTo limit: Int, using rng: inout some RandomNumberGenerator) -> ClosedRange<Int> {
    Int.random(in: 0..<10, using: &rng) == 0 ? limit...limit : 1...min(limit, 12)
}

private let printUSASCII = (33...126).map { Character(UnicodeScalar(UInt8($0))) }
private let sdNameCharacters = printUSASCII.filter { !"=]\" ".contains($0) }
private let messageCharacters = printUSASCII + [" ", " ", "é", "日", "\t"]
private let paramValueCharacters = Array("abcXYZ019 =[]\"\\\\\t\né日")

/// Whitespace the parser trims from both ends of a message.
private func trimmingTrailingWhitespace(_ text: String) -> String {
    var text = text
    while let last = text.unicodeScalars.last, [" ", "\t", "\r", "\n", "\0"].contains(last) { text.unicodeScalars.removeLast() }
    return text
}

/// Days since 1970-01-01, counted the long way (independent of `CivilTime`).
private func daysSince1970(year: Int, month: Int, day: Int) -> Int {
    let daysBeforeMonth = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334]
    func leapDays(before year: Int) -> Int { (year - 1) / 4 - (year - 1) / 100 + (year - 1) / 400 }
    let leapFebruary = month > 2 && isLeap(year) ? 1 : 0
    return 365 * (year - 1970) + leapDays(before: year) - leapDays(before: 1970) + daysBeforeMonth[month - 1] + leapFebruary + day - 1
}

private func isLeap(_ year: Int) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

private func daysIn(month: Int, year: Int) -> Int {
    [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
}

private func pad(_ value: Int, _ width: Int) -> String {
    let digits = String(value)
    return String(repeating: "0", count: max(0, width - digits.count)) + digits
}

struct RFC5424Message: Sendable {
    struct Timestamp: Sendable {
        var text: String
        var nanosecondsSinceEpoch: Int64
        var offsetSeconds: Int32
    }

    var priority: Int
    var version: Int
    var timestamp: Timestamp?
    var hostname: String?
    var appName: String?
    var procID: String?
    var msgID: String?
    var structuredData: [SDElement]
    var bom: Bool
    var message: String?

    static func random(using rng: inout some RandomNumberGenerator) -> RFC5424Message {
        func field(_ limit: Int) -> String? {
            guard Int.random(in: 0..<5, using: &rng) > 0 else { return nil }  // NILVALUE
            let text = randomText(printUSASCII, length: randomLength(upTo: limit, using: &rng), using: &rng)
            return text == "-" ? "--" : text
        }
        var ids = Set<String>()
        let elements: [SDElement] = (0..<Int.random(in: 0...3, using: &rng)).compactMap { _ in
            let id = randomText(sdNameCharacters, length: randomLength(upTo: 32, using: &rng), using: &rng)
            guard ids.insert(id).inserted else { return nil }
            var element = SDElement(id)
            element.parameters = (0..<Int.random(in: 0...3, using: &rng)).map { _ in
                SDElement.Parameter(
                    name: randomText(sdNameCharacters, length: randomLength(upTo: 32, using: &rng), using: &rng),
                    value: randomText(paramValueCharacters, length: 0...12, using: &rng))
            }
            return element
        }
        let message = trimmingTrailingWhitespace(randomText(messageCharacters, length: 0...40, using: &rng))
        return RFC5424Message(
            priority: Int.random(in: 0...191, using: &rng),
            version: Int.random(in: 1...999, using: &rng),
            timestamp: Int.random(in: 0..<5, using: &rng) == 0 ? nil : randomTimestamp(using: &rng),
            hostname: field(255), appName: field(48), procID: field(128), msgID: field(32),
            structuredData: elements,
            bom: Bool.random(using: &rng),
            message: message.isEmpty ? nil : message)
    }

    /// A FULL-DATE "T" FULL-TIME within the years a 64-bit nanosecond count can hold.
    static func randomTimestamp(using rng: inout some RandomNumberGenerator) -> Timestamp {
        let year = Int.random(in: 1970...2200, using: &rng)
        let month = Int.random(in: 1...12, using: &rng)
        let day = Int.random(in: 1...daysIn(month: month, year: year), using: &rng)
        let (hour, minute, second) = (Int.random(in: 0...23, using: &rng), Int.random(in: 0...59, using: &rng), Int.random(in: 0...59, using: &rng))
        let fractionDigits = Int.random(in: 0...6, using: &rng)
        let fraction = fractionDigits == 0 ? 0 : Int.random(in: 0..<Int(pow10(fractionDigits)), using: &rng)
        var text = "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2))"
        if fractionDigits > 0 { text += "." + pad(fraction, fractionDigits) }
        var offset = 0
        if Bool.random(using: &rng) {
            text += "Z"
        } else {
            let (offsetHours, offsetMinutes) = (Int.random(in: 0...23, using: &rng), Int.random(in: 0...59, using: &rng))
            let sign = Bool.random(using: &rng) ? 1 : -1
            offset = sign * (offsetHours * 3600 + offsetMinutes * 60)
            text += (sign > 0 ? "+" : "-") + pad(offsetHours, 2) + ":" + pad(offsetMinutes, 2)
        }
        let wall = Int64(daysSince1970(year: year, month: month, day: day)) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        let nanoseconds = (wall - Int64(offset)) * 1_000_000_000 + Int64(fraction) * pow10(9 - fractionDigits)
        return Timestamp(text: text, nanosecondsSinceEpoch: nanoseconds, offsetSeconds: Int32(offset))
    }

    var rendered: [UInt8] {
        let escape: (String) -> String = { value in
            var out = ""
            for c in value {
                if c == "\"" || c == "\\" || c == "]" { out.append("\\") }
                out.append(c)
            }
            return out
        }
        let sd = structuredData.isEmpty ? "-" : structuredData.map { element in
            "[\(element.id)" + element.parameters.map { " \($0.name)=\"\(escape($0.value))\"" }.joined() + "]"
        }.joined()
        let header = "<\(priority)>\(version) \(timestamp?.text ?? "-") \(hostname ?? "-") \(appName ?? "-") \(procID ?? "-") \(msgID ?? "-") \(sd)"
        guard let message else { return Array(header.utf8) }
        return Array(header.utf8) + [0x20] + (bom ? [0xEF, 0xBB, 0xBF] : []) + Array(message.utf8)
    }

    var expected: ParsedFields {
        ParsedFields(
            format: .rfc5424, priority: priority, version: version,
            utc: timestamp.map { SyslogTimestamp(nanosecondsSinceEpoch: $0.nanosecondsSinceEpoch, utcOffsetSeconds: 0, hasExplicitOffset: true).rfc3339UTC },
            utcOffset: timestamp?.offsetSeconds,
            hostname: hostname, appName: appName, procID: procID, msgID: msgID,
            structuredData: structuredData.isEmpty ? nil : structuredData,
            message: message, service: appName ?? hostname)
    }
}

/// `<PRI>Mmm dd hh:mm:ss HOSTNAME TAG[PID]: MSG`, as RFC 3164 §4.1 writes it — and as macOS does:
/// a TAG with spaces before `[PID]`, and `TAG[PID] (SUBSYSTEM): MSG`.
struct RFC3164Message: Sendable {
    var priority: Int
    var month: Int
    var day: Int
    var time: (hour: Int, minute: Int, second: Int)
    var hostname: String
    var tag: String
    var pid: Int?
    var subsystem: String?
    var message: String?

    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func random(using rng: inout some RandomNumberGenerator) -> RFC3164Message {
        let month = Int.random(in: 1...12, using: &rng)
        // MSG neither starts nor ends with whitespace: around it, whitespace separates or trails.
        let message = String(trimmingTrailingWhitespace(randomText(messageCharacters, length: 0...40, using: &rng))
            .drop(while: { $0 == " " || $0 == "\t" }))
        let pid = Bool.random(using: &rng) ? Int.random(in: 1...99_999, using: &rng) : nil
        let tagCharacters = Array("abcXYZ0189_./-")
        var tag = randomText(tagCharacters, length: 1...32, using: &rng)
        if pid != nil, Bool.random(using: &rng) {
            // macOS: words separated by single spaces, at most 48 bytes before "[PID]".
            // The first word is not a number (a number there is MSG: a year, a count).
            let words = (0..<Int.random(in: 2...4, using: &rng)).map { _ in randomText(tagCharacters, length: 1...10, using: &rng) }
            tag = randomText(Array("abcXYZ"), length: 1...1, using: &rng) + words.joined(separator: " ")
        }
        let subsystem = pid != nil && Bool.random(using: &rng)
            ? "s" + randomText(Array("abcXYZ0189._-[] ()"), length: 0...60, using: &rng).balancingParentheses()
            : nil
        return RFC3164Message(
            priority: Int.random(in: 0...191, using: &rng),
            month: month,
            day: Int.random(in: 1...daysIn(month: month, year: 2024), using: &rng),
            time: (Int.random(in: 0...23, using: &rng), Int.random(in: 0...59, using: &rng), Int.random(in: 0...59, using: &rng)),
            hostname: randomText(Array("abcXYZ0189.-"), length: 1...30, using: &rng),
            tag: tag,
            pid: pid,
            subsystem: subsystem,
            message: message.isEmpty ? nil : message)
    }

    var rendered: [UInt8] {
        let day = day < 10 ? " \(day)" : "\(day)"
        let header = "<\(priority)>\(Self.months[month - 1]) \(day) \(pad(time.hour, 2)):\(pad(time.minute, 2)):\(pad(time.second, 2)) \(hostname) \(tag)"
        return Array((header + (pid.map { "[\($0)]" } ?? "") + (subsystem.map { " (\($0))" } ?? "") + ":"
            + (message.map { " " + $0 } ?? "")).utf8)
    }

    /// The year is inferred from the reference time (2024-05-20): this year unless that is more
    /// than a day ahead.
    var nanosecondsSinceEpoch: Int64 {
        func seconds(in year: Int) -> Int64 {
            Int64(daysSince1970(year: year, month: month, day: day)) * 86_400 + Int64(time.hour * 3600 + time.minute * 60 + time.second)
        }
        let thisYear = seconds(in: 2024)
        return (thisYear <= SyslogParser.fixedReferenceTime + 86_400 ? thisYear : seconds(in: 2023)) * 1_000_000_000
    }

    var expected: ParsedFields {
        ParsedFields(
            format: .rfc3164, priority: priority,
            utc: SyslogTimestamp(nanosecondsSinceEpoch: nanosecondsSinceEpoch, utcOffsetSeconds: 0, hasExplicitOffset: false).rfc3339UTC,
            utcOffset: 0, hostname: hostname, appName: tag, procID: pid.map(String.init), message: message, service: tag,
            subsystem: subsystem)
    }
}

private func pow10(_ exponent: Int) -> Int64 {
    (0..<exponent).reduce(1) { value, _ in value * 10 }
}

private extension String {
    /// The text with every `(` closed and no `)` before its `(`: unmatched ones are dropped or closed.
    func balancingParentheses() -> String {
        var depth = 0
        var out = ""
        for character in self {
            if character == ")" {
                guard depth > 0 else { continue }
                depth -= 1
            } else if character == "(" {
                depth += 1
            }
            out.append(character)
        }
        return out + String(repeating: ")", count: depth)
    }
}
