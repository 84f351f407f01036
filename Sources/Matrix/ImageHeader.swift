import Foundation

/// The type and pixel size of an image, read from its first bytes (PNG, JPEG, WebP) for the
/// `info` of an `m.image`: clients lay the image out before downloading it. Pure; a file that
/// is none of these (or is cut short) gives nil, and the caller posts the link instead.
public struct ImageHeader: Sendable, Hashable {
    public var mimetype: String
    public var width: Int
    public var height: Int

    public init(mimetype: String, width: Int, height: Int) {
        self.mimetype = mimetype
        self.width = width
        self.height = height
    }

    public static func read(_ data: Data) -> ImageHeader? {
        let bytes = [UInt8](data.prefix(64 * 1024))
        if let png = png(bytes) { return png }
        if let webp = webp(bytes) { return webp }
        return jpeg(bytes)
    }

    /// The signature, then IHDR: width and height, 32-bit big-endian.
    static func png(_ b: [UInt8]) -> ImageHeader? {
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        guard b.count >= 24, Array(b[0..<8]) == signature, Array(b[12..<16]) == Array("IHDR".utf8) else { return nil }
        return sized("image/png", be32(b, 16), be32(b, 20))
    }

    /// Markers up to the first start-of-frame (SOF0…SOF15 but DHT, JPG, DAC), whose payload
    /// holds height then width, 16-bit big-endian.
    static func jpeg(_ b: [UInt8]) -> ImageHeader? {
        guard b.count >= 4, b[0] == 0xFF, b[1] == 0xD8 else { return nil }
        var i = 2
        while i + 4 <= b.count {
            guard b[i] == 0xFF else { return nil }
            let marker = b[i + 1]
            if marker == 0xFF { i += 1; continue }                       // fill byte
            if marker == 0xD8 || marker == 0x01 || (0xD0...0xD7).contains(marker) { i += 2; continue }  // no length
            let length = Int(b[i + 2]) << 8 | Int(b[i + 3])
            guard length >= 2 else { return nil }
            if (0xC0...0xCF).contains(marker), ![0xC4, 0xC8, 0xCC].contains(marker) {
                guard i + 9 <= b.count else { return nil }
                return sized("image/jpeg", Int(b[i + 7]) << 8 | Int(b[i + 8]), Int(b[i + 5]) << 8 | Int(b[i + 6]))
            }
            i += 2 + length
        }
        return nil
    }

    /// RIFF/WEBP with a VP8 (lossy), VP8L (lossless) or VP8X (extended) first chunk.
    static func webp(_ b: [UInt8]) -> ImageHeader? {
        guard b.count >= 30, Array(b[0..<4]) == Array("RIFF".utf8), Array(b[8..<12]) == Array("WEBP".utf8) else { return nil }
        switch String(decoding: b[12..<16], as: UTF8.self) {
        case "VP8 ":
            // Frame tag (3 bytes), start code 9D 01 2A, then 14-bit width and height.
            guard b[23] == 0x9D, b[24] == 0x01, b[25] == 0x2A else { return nil }
            return sized("image/webp", le16(b, 26) & 0x3FFF, le16(b, 28) & 0x3FFF)
        case "VP8L":
            guard b[20] == 0x2F else { return nil }
            let bits = UInt32(b[21]) | UInt32(b[22]) << 8 | UInt32(b[23]) << 16 | UInt32(b[24]) << 24
            return sized("image/webp", Int(bits & 0x3FFF) + 1, Int((bits >> 14) & 0x3FFF) + 1)
        case "VP8X":
            let width = (Int(b[24]) | Int(b[25]) << 8 | Int(b[26]) << 16) + 1
            let height = (Int(b[27]) | Int(b[28]) << 8 | Int(b[29]) << 16) + 1
            return sized("image/webp", width, height)
        default:
            return nil
        }
    }

    private static func sized(_ mimetype: String, _ width: Int, _ height: Int) -> ImageHeader? {
        guard width > 0, height > 0 else { return nil }
        return ImageHeader(mimetype: mimetype, width: width, height: height)
    }

    private static func be32(_ b: [UInt8], _ i: Int) -> Int {
        Int(b[i]) << 24 | Int(b[i + 1]) << 16 | Int(b[i + 2]) << 8 | Int(b[i + 3])
    }

    private static func le16(_ b: [UInt8], _ i: Int) -> Int { Int(b[i]) | Int(b[i + 1]) << 8 }
}
