import Testing
import GuardedFetch

@Suite struct ImageKindTests {
    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13]
    static let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0, 16] + Array("JFIF".utf8)
    static let gif: [UInt8] = Array("GIF89a".utf8) + [1, 0, 1, 0]
    static let webp: [UInt8] = Array("RIFF".utf8) + [0x24, 0, 0, 0] + Array("WEBPVP8 ".utf8)

    @Test func recognisesEachKindByItsMagic() {
        #expect(ImageKind.sniff(Self.png) == .png)
        #expect(ImageKind.sniff(Self.jpeg) == .jpeg)
        #expect(ImageKind.sniff(Self.gif) == .gif)
        #expect(ImageKind.sniff(Array("GIF87a".utf8)) == .gif)
        #expect(ImageKind.sniff(Self.webp) == .webp)
        #expect(ImageKind.webp.mediaType == "image/webp" && ImageKind.jpeg.mediaType == "image/jpeg")
    }

    @Test func refusesLookalikes() {
        #expect(ImageKind.sniff(Array("<html><body>".utf8)) == nil)
        #expect(ImageKind.sniff(Array("RIFF\u{24}\0\0\0WAVEfmt ".utf8)) == nil, "a WAV is RIFF too")
        #expect(ImageKind.sniff(Array(Self.png.prefix(7))) == nil)
        #expect(ImageKind.sniff([0xFF, 0xD8]) == nil)
        #expect(ImageKind.sniff(Array("GIF90a".utf8)) == nil)
        #expect(ImageKind.sniff([]) == nil)
    }
}
