#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a file (or standard input) in large chunks into one reused buffer, so that a stream is
/// fed to the frame decoder with one `read(2)` per megabyte and no allocation per chunk.
struct FileChunkReader {
    struct ReadError: Error, CustomStringConvertible {
        let path: String
        let errno: Int32
        var description: String { "cannot read \(path): \(String(cString: strerror(errno)))" }
    }

    private var buffer: [UInt8]

    init(chunkSize: Int = 1 << 20) {
        buffer = [UInt8](repeating: 0, count: chunkSize)
    }

    /// Calls `body` with each chunk of `path` ("-" is standard input) until end of file.
    mutating func forEachChunk(of path: String, _ body: (UnsafeRawBufferPointer) -> Void) throws(ReadError) {
        let fd: Int32 = path == "-" ? STDIN_FILENO : open(path, O_RDONLY)
        guard fd >= 0 else { throw ReadError(path: path, errno: errno) }
        defer { if fd != STDIN_FILENO { close(fd) } }
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n == 0 { return }
            if n < 0 {
                if errno == EINTR { continue }
                throw ReadError(path: path, errno: errno)
            }
            buffer.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
    }
}
