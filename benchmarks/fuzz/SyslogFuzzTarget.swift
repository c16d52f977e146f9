// libFuzzer target over everything untrusted bytes reach first: the RFC 6587 frame decoder, the
// RFC 5424 and RFC 3164 parsers, the lazy field views (structured data, timestamps) and the JSON
// writer that prints them. Built by `benchmarks/fuzz/run.sh` with
// `swiftc -sanitize=fuzzer,address` from the sources of `Sources/Syslog` and `Sources/JSONOutput`
// compiled together with this file (one module), into `.build-fuzz/` — apart from the SwiftPM build.
//
// Besides crashes, hangs and AddressSanitizer reports, the target checks what must hold for any
// input (a failed check traps, which libFuzzer records as a crash with its input):
//   - every field of a parsed message lies inside the message's bytes;
//   - the decoder hands out the same frames and errors whether the stream arrives whole or cut
//     into chunks (TCP may cut anywhere), and never buffers more than its maximum frame size;
//   - the JSON writer's output is valid UTF-8, whatever the bytes.
//
// Input layout: the first byte chooses the framing mode, the maximum frame size, the chunk size
// and the local time zone; the rest is the stream (and, parsed whole, one message).

@_cdecl("LLVMFuzzerTestOneInput")
public func syslogFuzzTarget(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    let input = UnsafeRawBufferPointer(start: data, count: size)
    let control = input[0]
    let stream = UnsafeRawBufferPointer(rebasing: input[1...])
    SyslogFuzzCase(control: control).run(stream)
    return 0
}

struct SyslogFuzzCase {
    let mode: SyslogFrameDecoder.Mode
    let maxFrameSize: Int
    let chunkSize: Int
    let parser: SyslogParser

    init(control: UInt8) {
        mode = [.detect, .octetCounting, .nonTransparent][Int(control % 3)]
        maxFrameSize = [64, 1024, SyslogParser.defaultMaxMessageSize][Int(control / 3 % 3)]
        chunkSize = Int(control / 9 % 8) + 1
        // A fixed "now" and zone: the same input always takes the same path. The second zone has
        // daylight-saving changes, so local times in its gaps and overlaps are read too.
        let zone = control / 72 % 2 == 0 ? LocalTimeZone.utc : Self.centralEurope
        parser = SyslogParser(maxMessageSize: maxFrameSize, timeZone: zone, referenceTime: 1_716_163_200)
    }

    /// +01:00, +02:00 from 2024-03-31T01:00Z to 2024-10-27T01:00Z.
    static let centralEurope = LocalTimeZone(initialOffset: 3600, transitions: [
        (utcStart: 1_711_846_800, offsetSeconds: 7200),
        (utcStart: 1_729_990_800, offsetSeconds: 3600),
    ])

    func run(_ stream: UnsafeRawBufferPointer) {
        // The whole input as one message (a datagram): both parsers, by its first bytes.
        inspect(stream)
        // The input as a TCP stream, whole and in chunks.
        let whole = decode(stream, chunkSize: max(1, stream.count))
        let chunked = decode(stream, chunkSize: chunkSize)
        check(whole.events == chunked.events, "chunks of \(chunkSize) changed the frames: \(whole.events) vs \(chunked.events)")
        check(whole.largestCarry <= maxFrameSize && chunked.largestCarry <= maxFrameSize, "carry above \(maxFrameSize)")
    }

    /// One message: parsed, every field read, printed as JSON.
    func inspect(_ bytes: UnsafeRawBufferPointer) {
        let message: SyslogMessage
        do throws(SyslogParseError) {
            message = try parser.parse(bytes)
        } catch {
            check(error.offset >= 0 && error.offset <= max(bytes.count, maxFrameSize), "error offset \(error.offset) of \(bytes.count)")
            _ = error.description
            return
        }
        var json = JSONWriter(capacity: bytes.count * 2 + 64)
        json.open()
        for range in [message.hostnameRange, message.appNameRange, message.procIDRange, message.msgIDRange,
                      message.structuredDataRange, message.messageRange, message.subsystemRange] {
            guard range.isPresent else { continue }
            check(range.start <= range.end && range.end <= bytes.count, "range \(range.start)..<\(range.end) outside \(bytes.count) bytes")
            json.key("field")
            if let view = message.view(range) { json.string(view) }
        }
        if let timestamp = message.timestamp {
            json.key("timestamp")
            json.value { buffer in
                buffer.append(0x22)
                timestamp.appendRFC3339UTC(to: &buffer)
                buffer.append(0x22)
            }
        }
        if let structuredData = message.structuredData {
            for element in structuredData {
                json.key(element.id)
                json.open()
                for parameter in element.parameters {
                    json.key(parameter.name)
                    parameter.unescapedValue().withUnsafeBytes { json.string($0) }
                }
                json.close()
            }
        }
        json.close()
        check(String(validating: json.buffer, as: UTF8.self) != nil, "JSON output is not UTF-8")
    }

    /// The events of `stream` fed in chunks of `chunkSize`, each frame inspected.
    func decode(_ stream: UnsafeRawBufferPointer, chunkSize: Int) -> (events: [FuzzEvent], largestCarry: Int) {
        var decoder = SyslogFrameDecoder(mode: mode, maxFrameSize: maxFrameSize)
        var events: [FuzzEvent] = []
        var largestCarry = 0
        let collect: (SyslogFrameDecoder.Event) -> Void = { event in
            switch event {
            case .frame(let bytes):
                events.append(.frame(Array(bytes)))
                inspect(bytes)
            case .truncatedFrame(let bytes, let expected):
                check(bytes.count < expected, "truncated frame of \(bytes.count) bytes, expected \(expected)")
                events.append(.truncated(Array(bytes), expected: expected))
            case .error(let error):
                check(error.offset >= 0 && error.offset <= stream.count, "framing error offset \(error.offset) of \(stream.count)")
                events.append(.error(error))
            }
        }
        var start = 0
        while start < stream.count {
            let end = min(stream.count, start + chunkSize)
            decoder.decode(UnsafeRawBufferPointer(rebasing: stream[start..<end]), collect)
            largestCarry = max(largestCarry, decoder.bufferedByteCount)
            start = end
        }
        decoder.finish(collect)
        return (events, largestCarry)
    }
}

enum FuzzEvent: Equatable {
    case frame([UInt8])
    case truncated([UInt8], expected: Int)
    case error(FramingError)
}

/// The target's oracle: a broken invariant stops the run with the reason, and libFuzzer keeps
/// the input that broke it.
func check(_ condition: Bool, _ reason: @autoclosure () -> String) {
    if !condition { preconditionFailure(reason()) }
}
