import Testing
@testable import Bridge

@Suite struct ImageReferenceTests {
    @Test func oneImageOfAGrid() {
        #expect(ImageReference.parse("1828/2", bare: true) == ImageReference(reference: "1828", index: 2))
        #expect(ImageReference.parse("ref:1828/4", bare: false) == ImageReference(reference: "1828", index: 4))
        #expect(ImageReference.parse("1828/2", bare: true)?.typed == "1828/2")
        for word in ["1828/0", "1828/5", "1828/", "1828/22", "1828/x"] {
            #expect(ImageReference.parse(word, bare: true) == nil, "\(word)")
        }
    }

    @Test func onlyDigitsAndAtLeastFourOfThem() {
        for word in ["182", "ref:182", "18a8", "ref:", "ref:abcd", "１８２８", "-1828", "1828.png"] {
            #expect(ImageReference.parse(word, bare: true) == nil, "\(word)")
        }
    }
}
