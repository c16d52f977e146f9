/// Splits a byte stream, delivered in chunks, into LF-terminated lines (a trailing CR dropped),
/// carrying a partial line over to the next chunk. Every line is delivered, empty ones too, so
/// line numbers match the input; a line longer than `maximumLength` is cut there (the rest of it
/// is skipped) and reported as such.
struct LineSplitter {
    let maximumLength: Int
    private var carry: [UInt8] = []
    private var skippingOverlong = false

    init(maximumLength: Int) {
        self.maximumLength = maximumLength
    }

    /// `body(line, wasCut)` for every line completed in `chunk`.
    mutating func split(_ chunk: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer, Bool) -> Void) {
        var start = 0
        while start < chunk.count {
            guard let newline = chunk[start...].firstIndex(of: 0x0A) else {
                keep(UnsafeRawBufferPointer(rebasing: chunk[start...]))
                return
            }
            let piece = UnsafeRawBufferPointer(rebasing: chunk[start..<newline])
            if carry.isEmpty && !skippingOverlong {
                deliver(piece, cut: false, body)
            } else {
                keep(piece)
                let cut = skippingOverlong
                carry.withUnsafeBytes { deliver($0, cut: cut, body) }
                carry.removeAll(keepingCapacity: true)
                skippingOverlong = false
            }
            start = newline + 1
        }
    }

    /// The last line when the input does not end with LF.
    mutating func finish(_ body: (UnsafeRawBufferPointer, Bool) -> Void) {
        guard !carry.isEmpty || skippingOverlong else { return }
        let cut = skippingOverlong
        carry.withUnsafeBytes { deliver($0, cut: cut, body) }
        carry.removeAll(keepingCapacity: true)
        skippingOverlong = false
    }

    private mutating func keep(_ bytes: UnsafeRawBufferPointer) {
        guard !skippingOverlong else { return }
        let room = maximumLength - carry.count
        if bytes.count > room {
            carry.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[..<room]))
            skippingOverlong = true
        } else {
            carry.append(contentsOf: bytes)
        }
    }

    private func deliver(_ line: UnsafeRawBufferPointer, cut: Bool, _ body: (UnsafeRawBufferPointer, Bool) -> Void) {
        var line = line
        if line.count > maximumLength {
            line = UnsafeRawBufferPointer(rebasing: line[..<maximumLength])
            body(line, true)
            return
        }
        if let last = line.last, last == 0x0D { line = UnsafeRawBufferPointer(rebasing: line.dropLast()) }
        body(line, cut)
    }
}
