extension Message {
    /// The line as it goes on the wire, without the final CRLF.
    ///
    /// Total and wire-safe for any value: CR, LF and NUL are removed from every part (tag
    /// values escape CR and LF instead, as IRCv3 defines), so no field can add a second command.
    /// The last parameter is written as trailing (`:text`) when it is empty, contains a space or
    /// starts with `:`. Parts that cannot hold a space lose their spaces; a middle parameter
    /// also loses leading `:` and, if nothing is left, becomes `*`, so the parameter count is
    /// kept. Tags set as a table are written sorted by key; parsed ones as they came.
    public func serialized() -> String {
        String(unsafeUninitializedCapacity: serializedCapacity) { write(into: $0) }
    }

    /// Appends the wire form of `serialized()` (without CRLF) to `bytes`: with a buffer kept
    /// across lines, serialising costs no allocation at all.
    public func serialize(into bytes: inout [UInt8]) {
        let start = bytes.count
        let capacity = serializedCapacity
        bytes.append(contentsOf: repeatElement(0, count: capacity))
        let written = bytes.withUnsafeMutableBufferPointer { write(into: UnsafeMutableBufferPointer(rebasing: $0[start...])) }
        bytes.removeLast(capacity - written)
    }

    /// An upper bound of the serialised length: cleaning only removes bytes, and each parameter
    /// adds at most a space and a `:` or a `*`.
    private var serializedCapacity: Int {
        var count = rawTags.utf8.count + 2 + command.utf8.count
        if let source { count += source.nick.utf8.count + (source.user?.utf8.count ?? 0) + (source.host?.utf8.count ?? 0) + 4 }
        for param in params { count += param.utf8.count + 2 }
        return count
    }

    private func write(into out: UnsafeMutableBufferPointer<UInt8>) -> Int {
        var writer = WireWriter(out)
        if !rawTags.isEmpty {
            // Always wire-safe (see `rawTags`): copied as is.
            writer.append(0x40) // @
            writer.append(rawTags.utf8, dropping: .none)
            writer.append(0x20)
        }
        if let source {
            let mark = writer.count
            writer.append(0x3A) // :
            writer.append(source.nick.utf8, dropping: .wordBreakers)
            if let user = source.user {
                writer.append(0x21) // !
                writer.append(user.utf8, dropping: .wordBreakers)
            }
            if let host = source.host {
                writer.append(0x40) // @
                writer.append(host.utf8, dropping: .wordBreakers)
            }
            if writer.count == mark + 1 { writer.count = mark } else { writer.append(0x20) }
        }
        writer.append(command.utf8, dropping: .wordBreakers)
        let last = params.count - 1
        for index in params.indices {
            writer.append(0x20)
            if index == last {
                writer.appendTrailing(params[index].utf8)
            } else {
                writer.appendMiddle(params[index].utf8)
            }
        }
        return writer.count
    }
}

/// Writes wire bytes into a buffer sized by `serializedCapacity`, dropping the bytes a part
/// cannot hold (the same rules as `WireText`, byte by byte instead of building Strings).
private struct WireWriter {
    enum Forbidden {
        case none
        /// NUL, CR, LF.
        case lineBreakers
        /// NUL, CR, LF and space.
        case wordBreakers

        /// Whether `text` holds none of these bytes: eight bytes a step (ByteSearch), since
        /// nearly all text is clean and the byte-by-byte test was a sixth of serialising.
        @inline(__always)
        func isAbsent(from text: UnsafeBufferPointer<UInt8>) -> Bool {
            switch self {
            case .none:
                return true
            case .lineBreakers:
                return ByteSearch.firstLineBreaker(in: text, from: 0, to: text.count) == text.count
            case .wordBreakers:
                return ByteSearch.first(of: 0x20, 0x20, in: text, from: 0, to: text.count) == text.count
                    && ByteSearch.firstLineBreaker(in: text, from: 0, to: text.count) == text.count
            }
        }

        @inline(__always)
        func contains(_ byte: UInt8) -> Bool {
            switch self {
            case .none: false
            case .lineBreakers: byte == 0 || byte == 0x0D || byte == 0x0A
            case .wordBreakers: byte == 0x20 || byte == 0 || byte == 0x0D || byte == 0x0A
            }
        }
    }

    let out: UnsafeMutableBufferPointer<UInt8>
    var count = 0

    init(_ out: UnsafeMutableBufferPointer<UInt8>) { self.out = out }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        out[count] = byte
        count += 1
    }

    /// Copies `text` without its forbidden bytes; returns how many bytes were written.
    @discardableResult
    mutating func append<Text: Collection<UInt8>>(_ text: Text, dropping forbidden: Forbidden) -> Int {
        let start = count
        let copied: Int? = text.withContiguousStorageIfAvailable { source in
            guard let base = source.baseAddress, !source.isEmpty else { return 0 }
            // Clean text (nearly all of it) is one memcpy.
            if forbidden.isAbsent(from: source) {
                (out.baseAddress! + count).update(from: base, count: source.count)
                count += source.count
            } else {
                for byte in source where !forbidden.contains(byte) { append(byte) }
            }
            return count - start
        }
        if copied == nil {
            for byte in text where !forbidden.contains(byte) { append(byte) }
        }
        return count - start
    }

    /// A middle parameter: no spaces or line breakers, no leading `:`, `*` if nothing is left.
    mutating func appendMiddle(_ text: String.UTF8View) {
        let start = count
        append(text, dropping: .wordBreakers)
        var colons = 0
        while start + colons < count, out[start + colons] == 0x3A { colons += 1 }
        if colons > 0 {
            let kept = count - start - colons
            if kept > 0 {
                (out.baseAddress! + start).update(from: out.baseAddress! + start + colons, count: kept)
            }
            count = start + kept
        }
        if count == start { append(0x2A) } // *
    }

    /// The last parameter: `:` first when it is empty, starts with `:` or holds a space.
    mutating func appendTrailing(_ text: String.UTF8View) {
        // Reserve the marker's place, write, then close the gap if no marker is needed.
        let start = count
        append(0x3A)
        append(text, dropping: .lineBreakers)
        let length = count - start - 1
        let body = UnsafeMutableBufferPointer(rebasing: out[(start + 1)..<count])
        let needsMarker = length == 0 || body[0] == 0x3A
            || ByteSearch.first(of: 0x20, 0x20, in: UnsafeBufferPointer(body), from: 0, to: length) < length
        if !needsMarker {
            (out.baseAddress! + start).update(from: out.baseAddress! + start + 1, count: length)
            count -= 1
        }
    }
}
