import Foundation
import Matrix
import Testing

/// The `info` of an `m.image`: type and size from the first bytes of PNG, JPEG and WebP files.
@Suite struct ImageHeaderTests {
    @Test func aPNGsSizeComesFromIHDR() {
        let png = SynapseSteps.png()
        let header = ImageHeader.read(png)
        #expect(header?.mimetype == "image/png")
        #expect((header?.width ?? 0) > 0 && (header?.height ?? 0) > 0)
        var made = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13]) + Data("IHDR".utf8)
        made += Data([0, 0, 0x04, 0x00, 0, 0, 0x02, 0x00, 8, 6, 0, 0, 0])
        #expect(ImageHeader.read(made) == ImageHeader(mimetype: "image/png", width: 1024, height: 512))
    }

    @Test func aJPEGsSizeComesFromItsStartOfFrameAfterOtherSegments() {
        // SOI, an APP0 segment (length 16), a DHT (not a frame, length 4), then SOF2 (progressive).
        var jpeg = Data([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10]) + Data(repeating: 0, count: 14)
        jpeg += Data([0xFF, 0xC4, 0x00, 0x04, 0x00, 0x00])
        jpeg += Data([0xFF, 0xC2, 0x00, 0x11, 0x08, 0x03, 0x00, 0x04, 0x00, 0x03]) + Data(repeating: 0, count: 9)
        #expect(ImageHeader.read(jpeg) == ImageHeader(mimetype: "image/jpeg", width: 1024, height: 768))
    }

    @Test func webPInItsThreeForms() {
        func riff(_ chunk: String, _ payload: [UInt8]) -> Data {
            Data("RIFF".utf8) + Data([0, 0, 0, 0]) + Data("WEBP".utf8) + Data(chunk.utf8) + Data([0, 0, 0, 0]) + Data(payload)
                + Data(repeating: 0, count: 16)
        }
        // VP8: frame tag, start code, 14-bit width/height little-endian (640 x 480).
        let lossy = riff("VP8 ", [0, 0, 0, 0x9D, 0x01, 0x2A, 0x80, 0x02, 0xE0, 0x01])
        #expect(ImageHeader.read(lossy) == ImageHeader(mimetype: "image/webp", width: 640, height: 480))
        // VP8L: signature 0x2F, then (width-1) and (height-1) in 14 bits each: 100 x 50.
        let bits: UInt32 = 99 | (49 << 14)
        let lossless = riff("VP8L", [0x2F, UInt8(bits & 0xFF), UInt8((bits >> 8) & 0xFF), UInt8((bits >> 16) & 0xFF), UInt8(bits >> 24)])
        #expect(ImageHeader.read(lossless) == ImageHeader(mimetype: "image/webp", width: 100, height: 50))
        // VP8X: flags + reserved, then 24-bit (width-1) and (height-1): 2048 x 1024.
        let extended = riff("VP8X", [0, 0, 0, 0, 0xFF, 0x07, 0x00, 0xFF, 0x03, 0x00])
        #expect(ImageHeader.read(extended) == ImageHeader(mimetype: "image/webp", width: 2048, height: 1024))
    }

    @Test func anythingElseOrACutFileIsNoImage() {
        #expect(ImageHeader.read(Data("<html>not an image</html>".utf8)) == nil)
        #expect(ImageHeader.read(SynapseSteps.png().prefix(20)) == nil)
        #expect(ImageHeader.read(Data([0xFF, 0xD8, 0xFF, 0xE0, 0x00])) == nil)
        #expect(ImageHeader.read(Data()) == nil)
    }
}
