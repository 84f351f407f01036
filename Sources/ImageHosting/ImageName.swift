/// A hosted image's public name: `<ref>-<tag>.<ext>` for a grid (or the one image of an
/// upscale), `<ref>-<tag>-<n>.<ext>` for the n-th single image (1...4).
///
/// `ref` is the task's short reference as users see it, so a link says which result it is;
/// `tag` (`ImageNameTag`) is what makes the name unguessable. The request path is parsed with
/// this grammar before anything is looked up, and only a name that parses ever reaches the
/// catalog; no part of it ever reaches the file system (blobs are found by digest).
public struct ImageName: Hashable, Sendable, CustomStringConvertible {
    public let ref: String
    public let tag: String
    /// 0 = the grid (or only image), 1...4 = a single image.
    public let index: Int
    public let type: ImageFileType

    public static let maxRefLength = 32
    public static let indexRange = 1...4

    /// A name for a new image. `ref` is cut to letters and digits (a proxy's ids are its own
    /// business); an empty result becomes `t`.
    public init(ref: String, tag: String, index: Int, type: ImageFileType) {
        let clean = String(ref.unicodeScalars.filter { $0.isASCII && Self.isAlphanumeric(UInt8($0.value)) }.map(Character.init).suffix(Self.maxRefLength))
        self.ref = clean.isEmpty ? "t" : clean
        self.tag = tag
        self.index = index
        self.type = type
    }

    /// Parses a request's last path segment exactly as sent (no percent-decoding happens
    /// before: `%2e`, `..`, `/`, upper-case extensions, extra dashes all fail here).
    public init?(parsing text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count <= 64, let dot = bytes.lastIndex(of: UInt8(ascii: ".")) else { return nil }
        guard let type = ImageFileType(rawValue: String(decoding: bytes[(dot + 1)...], as: UTF8.self)) else { return nil }
        let parts = bytes[..<dot].split(separator: UInt8(ascii: "-"), omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3 else { return nil }
        let ref = parts[0], tag = parts[1]
        guard (1...Self.maxRefLength).contains(ref.count), ref.allSatisfy(Self.isAlphanumeric) else { return nil }
        guard tag.count == ImageNameTag.length, tag.allSatisfy(ImageNameTag.isTagByte) else { return nil }
        var index = 0
        if parts.count == 3 {
            guard parts[2].count == 1, let digit = parts[2].first, let value = Int(String(UnicodeScalar(digit))),
                  Self.indexRange.contains(value) else { return nil }
            index = value
        }
        self.ref = String(decoding: ref, as: UTF8.self)
        self.tag = String(decoding: tag, as: UTF8.self)
        self.index = index
        self.type = type
    }

    public var description: String {
        index == 0 ? "\(ref)-\(tag).\(type.rawValue)" : "\(ref)-\(tag)-\(index).\(type.rawValue)"
    }

    static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }
}
