import Testing
@testable import ImageHosting

@Suite struct ImageNameTests {
    let tagger = ImageNameTag(keyHex: String(repeating: "0f", count: 32))!

    @Test func namesRoundTripThroughTheGrammar() throws {
        let grid = ImageName(ref: "1828", tag: "abc234", index: 0, type: .png)
        let single = ImageName(ref: "1828", tag: "abc234", index: 3, type: .webp)
        #expect(grid.description == "1828-abc234.png" && single.description == "1828-abc234-3.webp")
        #expect(ImageName(parsing: grid.description) == grid)
        #expect(ImageName(parsing: single.description) == single)
        #expect(ImageName(parsing: "1828-abc234.jpg")?.type == .jpg)
    }

    @Test(arguments: [
        "", "1828.png", "1828-abc234", "1828-abc234.PNG", "1828-abc234.jpeg", "1828-ABC234.png", "1828-abc23.png",
        "1828-abc2345.png", "1828-abc234-0.png", "1828-abc234-5.png", "1828-abc234-12.png", "1828-abc234-.png",
        "-abc234.png", "18.28-abc234.png", "../bot.conf", "..", "%2e%2e%2fbot.conf", "1828-abc234.png/..",
        "1828-abc234.png%00", "1828-abc234-1-2.png", "1828-abc891.png", String(repeating: "1", count: 33) + "-abc234.png",
    ])
    func everythingElseIsNoName(_ text: String) {
        #expect(ImageName(parsing: text) == nil)
    }

    @Test func refsAreCutToLettersAndDigits() {
        #expect(ImageName(ref: "12/../34", tag: "abcdef", index: 0, type: .png).ref == "1234")
        #expect(ImageName(ref: "--", tag: "abcdef", index: 0, type: .png).ref == "t")
    }

    @Test func tagsAreStablePerKeyAndTaskAndDifferAcrossKeys() throws {
        let tag = tagger.tag(forTask: "1748339029401828")
        #expect(tag.count == 6 && tag.utf8.allSatisfy(ImageNameTag.isTagByte))
        #expect(tagger.tag(forTask: "1748339029401828") == tag)
        #expect(tagger.tag(forTask: "1748339029401829") != tag)
        let other = try #require(ImageNameTag(keyHex: String(repeating: "f0", count: 32)))
        #expect(other.tag(forTask: "1748339029401828") != tag)
        #expect(ImageNameTag(keyHex: "abc") == nil && ImageNameTag(keyHex: String(repeating: "zz", count: 32)) == nil)
        var generator = SystemRandomNumberGenerator()
        let key = ImageNameTag.generateKeyHex(using: &generator)
        #expect(key.count == 64 && ImageNameTag(keyHex: key) != nil)
    }
}
