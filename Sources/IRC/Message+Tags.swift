/// The IRCv3 tag section of a line (`a=1;b;c=x\sy`, without `@`), read and written as wire text.
/// `Message` keeps it in that form and decodes on access (see `Message.rawTags`).
enum TagSection {
    private static let semicolon: UInt8 = 0x3B
    private static let equals: UInt8 = 0x3D
    private static let backslash: UInt8 = 0x5C

    /// The wire text for a table of tags: keys sorted (deterministic output), keys cleaned of
    /// bytes they cannot hold (a key that is left empty is dropped), values escaped.
    static func encode(_ tags: [String: String]) -> String {
        var out = ""
        for key in tags.keys.sorted() {
            let cleanKey = WireText.clean(key, dropping: WireText.isTagKeyBreaker)
            guard !cleanKey.isEmpty else { continue }
            if !out.isEmpty { out.append(";") }
            out.append(cleanKey)
            if let value = tags[key], !value.isEmpty {
                out.append("=")
                WireText.appendEscapedTagValue(value, to: &out)
            }
        }
        return out
    }

    /// Every tag, unescaped; of duplicate keys the last counts, a tag without a key is skipped.
    static func decodeAll(_ raw: Substring) -> [String: String] {
        guard !raw.isEmpty else { return [:] }
        return withBytes(raw) { b in
            var tags = [String: String](minimumCapacity: ByteSearch.count(of: semicolon, in: b, from: 0, to: b.count) + 1)
            forEachTag(b) { keyStart, keyEnd, valueStart, valueEnd in
                tags[string(b, keyStart, keyEnd)] = value(b, valueStart, valueEnd)
            }
            return tags
        }
    }

    /// The unescaped value of `key` (the last one if repeated), "" for a tag without a value,
    /// nil if there is no such tag.
    static func value(of key: String, in raw: Substring) -> String? {
        guard !raw.isEmpty else { return nil }
        var key = key
        return key.withUTF8 { k in
            withBytes(raw) { b in
                var found: (Int, Int)?
                forEachTag(b) { keyStart, keyEnd, valueStart, valueEnd in
                    if keyEnd - keyStart == k.count, equal(b, keyStart, k) { found = (valueStart, valueEnd) }
                }
                return found.map { value(b, $0.0, $0.1) }
            }
        }
    }

    /// Calls `body(keyStart, keyEnd, valueStart, valueEnd)` for each tag with a non-empty key;
    /// a tag without `=` has an empty value range.
    @inline(__always)
    private static func forEachTag(_ b: UnsafeBufferPointer<UInt8>, _ body: (Int, Int, Int, Int) -> Void) {
        let end = b.count
        var i = 0
        while i < end {
            let tagEnd = ByteSearch.first(of: semicolon, semicolon, in: b, from: i, to: end)
            let keyEnd = ByteSearch.first(of: equals, equals, in: b, from: i, to: tagEnd)
            let valueStart = keyEnd < tagEnd ? keyEnd + 1 : tagEnd
            if keyEnd > i { body(i, keyEnd, valueStart, tagEnd) }
            i = tagEnd + 1
        }
    }

    @inline(__always)
    private static func equal(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ k: UnsafeBufferPointer<UInt8>) -> Bool {
        for offset in 0..<k.count where b[start + offset] != k[offset] { return false }
        return true
    }

    private static func withBytes<R>(_ raw: Substring, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let result = raw.utf8.withContiguousStorageIfAvailable(body) { return result }
        var copy = String(raw)
        return copy.withUTF8(body)
    }

    @inline(__always)
    private static func string(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: b[start..<end]), as: UTF8.self)
    }

    private static func value(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> String {
        if ByteSearch.first(of: backslash, backslash, in: b, from: start, to: end) == end { return string(b, start, end) }
        return String(unsafeUninitializedCapacity: end - start) { out in
            var written = 0
            var i = start
            while i < end {
                var byte = b[i]
                i += 1
                if byte == backslash {
                    // A lone backslash at the end of the value is dropped.
                    guard i < end else { break }
                    let escaped = b[i]
                    i += 1
                    switch escaped {
                    case 0x3A: byte = semicolon // \:
                    case 0x73: byte = 0x20 // \s
                    case 0x72: byte = 0x0D // \r
                    case 0x6E: byte = 0x0A // \n
                    default: byte = escaped // includes "\\" → "\"; unknown "\x" → "x"
                    }
                }
                out[written] = byte
                written += 1
            }
            return written
        }
    }
}
