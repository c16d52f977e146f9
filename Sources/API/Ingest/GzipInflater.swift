import CVigilZlib

/// Decompresses a `Content-Encoding: gzip` body, refusing to produce more than `limit` bytes —
/// a 10 KiB gzip bomb must not become gigabytes in memory.
enum GzipInflater {
    enum Failure: Error, Equatable {
        case tooLarge
        case corrupt(String)
    }

    static func inflate(_ input: [UInt8], limit: Int) throws(Failure) -> [UInt8] {
        var stream = z_stream()
        // 15 + 16: a zlib window of 2^15 with a gzip header and trailer.
        guard inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .corrupt("cannot initialise zlib")
        }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var input = input
        var status: Int32 = Z_OK
        var failure: Failure?
        input.withUnsafeMutableBufferPointer { inBuffer in
            stream.next_in = inBuffer.baseAddress
            stream.avail_in = uInt(inBuffer.count)
            repeat {
                let produced: Int = chunk.withUnsafeMutableBufferPointer { outBuffer in
                    stream.next_out = outBuffer.baseAddress
                    stream.avail_out = uInt(outBuffer.count)
                    status = CVigilZlib.inflate(&stream, Z_NO_FLUSH)
                    return outBuffer.count - Int(stream.avail_out)
                }
                guard status == Z_OK || status == Z_STREAM_END || (status == Z_BUF_ERROR && produced > 0) else {
                    failure = .corrupt(stream.msg.map { String(cString: $0) } ?? "zlib status \(status)")
                    return
                }
                guard output.count + produced <= limit else {
                    failure = .tooLarge
                    return
                }
                output.append(contentsOf: chunk[0..<produced])
                if status != Z_STREAM_END, produced == 0, stream.avail_in == 0 {
                    failure = .corrupt("truncated gzip stream")
                    return
                }
            } while status != Z_STREAM_END
        }
        if let failure { throw failure }
        return output
    }
}
