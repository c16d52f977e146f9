import Foundation
import Testing
@testable import API
@testable import Syslog

/// The Journal Export Format as systemd-journal-upload sends it: text and binary fields, entries
/// split anywhere by chunked transfer, limits.
@Suite struct JournalExportParserTests {
    /// A binary field: NAME LF, 64-bit little-endian length, bytes, LF.
    static func binary(_ name: String, _ value: [UInt8]) -> [UInt8] {
        var length = UInt64(value.count).littleEndian
        return Array(name.utf8) + [0x0A] + withUnsafeBytes(of: &length) { Array($0) } + value + [0x0A]
    }

    static let export: [UInt8] = Array("""
        __CURSOR=s=abc;i=1
        __REALTIME_TIMESTAMP=1715678467123456
        __MONOTONIC_TIMESTAMP=123
        _BOOT_ID=0123
        PRIORITY=3
        SYSLOG_FACILITY=4
        SYSLOG_IDENTIFIER=sshd
        _PID=812
        _COMM=sshd
        _HOSTNAME=web01
        MESSAGE=Failed password for root from 192.0.2.7

        __REALTIME_TIMESTAMP=1715678468000000
        _COMM=backup.sh
        _HOSTNAME=web01

        """.utf8) + binary("MESSAGE", Array("colour \u{1B}[31mred\u{1B}[0m\nsecond line".utf8) + [0xFF, 0x00]) + Array("PRIORITY=4\n\n".utf8)

    static func parse(_ bytes: [UInt8], chunk: Int, maxEntryBytes: Int = 1 << 20) throws -> [JournalEntry] {
        var parser = JournalExportParser(maxEntryBytes: maxEntryBytes)
        var entries: [JournalEntry] = []
        for start in stride(from: 0, to: bytes.count, by: chunk) {
            let piece = Array(bytes[start..<min(start + chunk, bytes.count)])
            try piece.withUnsafeBytes { try parser.feed($0) { entries.append($0) } }
        }
        try parser.finish { entries.append($0) }
        return entries
    }

    @Test(arguments: [1, 2, 7, 64, 100_000])
    func entriesArriveWholeHoweverTheBodyIsSplit(chunk: Int) throws {
        let entries = try Self.parse(Self.export, chunk: chunk)
        #expect(entries.count == 2)
        #expect(entries[0].identifier == Array("sshd".utf8))
        #expect(entries[0].priority == Array("3".utf8))
        #expect(entries[0].message == Array("Failed password for root from 192.0.2.7".utf8))
        #expect(entries[1].identifier == nil)
        #expect(entries[1].command == Array("backup.sh".utf8))
        #expect(entries[1].message == Array("colour \u{1B}[31mred\u{1B}[0m\nsecond line".utf8) + [0xFF, 0x00])
    }

    @Test func entriesBecomeRFC5424FramesWithServiceSeverityHostAndTime() throws {
        let entries = try Self.parse(Self.export, chunk: 4096)
        let parser = SyslogParser()
        let first = entries[0].syslogFrame()
        #expect(String(decoding: first, as: UTF8.self) == "<35>1 2024-05-14T09:21:07.123456Z web01 sshd 812 - - Failed password for root from 192.0.2.7")
        try first.withUnsafeBytes { bytes in
            let message = try parser.parse(bytes)
            #expect(message.priority.severity == 3)
            #expect(message.priority.facility == 4)
        }
        // _COMM stands in for SYSLOG_IDENTIFIER; facility defaults to user (1); binary MSG kept.
        let second = entries[1].syslogFrame()
        #expect(second.starts(with: Array("<12>1 2024-05-14T09:21:08.000000Z web01 backup.sh - - - colour".utf8)))
        try second.withUnsafeBytes { bytes in
            let message = try parser.parse(bytes)
            #expect(message.priority.severity == 4)
        }
    }

    @Test func headerFieldsAreReducedToWhatRFC5424Allows() {
        var entry = JournalEntry()
        entry.identifier = Array("my service with spaces and a very long name that goes past forty-eight".utf8)
        entry.priority = Array("9".utf8)  // out of range: default
        let frame = String(decoding: entry.syslogFrame(), as: UTF8.self)
        #expect(frame == "<14>1 - - my_service_with_spaces_and_a_very_long_name_that - - -")
    }

    @Test func aLastEntryWithoutTheClosingBlankLineIsDelivered() throws {
        let entries = try Self.parse(Array("MESSAGE=one\n\nMESSAGE=two\n".utf8), chunk: 3)
        #expect(entries.map(\.message) == [Array("one".utf8), Array("two".utf8)])
    }

    @Test(arguments: [
        ("MESSAGE=ok\nbad name=x\n\n", "invalid field name"),
        ("MESSAGE=cut", "ended inside a field"),
        ("MESSAGE\n\u{1}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}xY", "not followed by a newline"),
    ])
    func malformedUploadsAreErrorsWithTheOffset(text: String, mention: String) {
        do {
            _ = try Self.parse(Array(text.utf8), chunk: 5)
            Issue.record("accepted \(text)")
        } catch {
            #expect("\(error)".contains(mention), "\(error)")
        }
    }

    @Test func anEntryLargerThanTheLimitIsRefusedWithoutBufferingIt() {
        let big = Self.binary("MESSAGE", [UInt8](repeating: 0x41, count: 10_000))
        #expect(throws: JournalExportParser.Failure.self) { try Self.parse(big, chunk: 512, maxEntryBytes: 4096) }
        // A huge declared length is refused as soon as its 8 bytes are read.
        var length = UInt64(1 << 40).littleEndian
        let declared = Array("MESSAGE\n".utf8) + withUnsafeBytes(of: &length) { Array($0) }
        #expect(throws: JournalExportParser.Failure.self) { try Self.parse(declared, chunk: 3, maxEntryBytes: 4096) }
    }
}
