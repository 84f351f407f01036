/// The image formats the proxy accepts, recognised by their first bytes. A server's
/// Content-Type is only what it claims; the magic bytes are what the file is.
public enum ImageKind: String, Hashable, Sendable, CaseIterable {
    case png, jpeg, webp, gif

    public var mediaType: String { "image/\(rawValue)" }

    /// Bytes needed to tell every kind apart (WebP's `RIFF....WEBP`).
    public static let sniffLength = 12

    /// The kind `prefix` starts with, nil when it is none of them (or too short to tell).
    public static func sniff(_ prefix: some Collection<UInt8>) -> ImageKind? {
        let head = Array(prefix.prefix(sniffLength))
        func starts(_ magic: [UInt8], at offset: Int = 0) -> Bool {
            head.count >= offset + magic.count && Array(head[offset..<offset + magic.count]) == magic
        }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if starts([0xFF, 0xD8, 0xFF]) { return .jpeg }
        if starts(Array("GIF87a".utf8)) || starts(Array("GIF89a".utf8)) { return .gif }
        if starts(Array("RIFF".utf8)), starts(Array("WEBP".utf8), at: 8) { return .webp }
        return nil
    }
}
