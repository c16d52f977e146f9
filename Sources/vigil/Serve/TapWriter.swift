import Foundation
import Ingest
import JSONOutput
import Synchronization
import Syslog

/// `vigil serve --tap FILE`: every received message as a JSON line — the fields `vigil parse`
/// prints plus `transport`, `peer` and `received_at` — for checking what arrived.
///
/// A debugging aid, not a log store: it runs on the shard queues (off the receive threads),
/// re-parses each message from the batch's copy and serialises the writes with a mutex.
final class TapWriter: ShardObserver {
    private let handle: FileHandle
    private let parser: SyslogParser
    private let writeLock = Mutex(())

    init(path: String, parser: SyslogParser) throws {
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
            }
        }
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        self.parser = parser
    }

    func shard(_ index: Int, didCount batch: ShardBatch) {
        var lines = JSONWriter(capacity: batch.byteCount * 3)
        batch.forEach { record, frame in
            let extra: [(key: StaticString, value: String)] = [
                ("transport", record.transport.rawValue),
                ("peer", record.peer.socketAddress.description),
                ("received_at", SyslogTimestamp(nanosecondsSinceEpoch: record.receivedAt, utcOffsetSeconds: 0, hasExplicitOffset: true).rfc3339UTC),
            ]
            do throws(SyslogParseError) {
                lines.write(try parser.parse(frame), extra: extra)
            } catch {
                lines.write(error: error.description, offset: error.offset, raw: frame, extra: extra)
            }
        }
        let bytes = lines.buffer
        writeLock.withLock { _ in handle.write(Data(bytes)) }
    }

    func close() {
        writeLock.withLock { _ in try? handle.synchronize() }
        try? handle.close()
    }
}
