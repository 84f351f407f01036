import Testing
@testable import Bridge

@Suite struct ImageInputTests {
    @Test func bareRefsWhereOnlyAnImageFitsAndRefColonEverywhere() {
        #expect(ImageInput.parse("1828", bareReferences: true) == .reference(ImageReference(reference: "1828")))
        #expect(ImageInput.parse("1828", bareReferences: false) == .link("1828"))
        #expect(ImageInput.parse("ref:1828", bareReferences: false) == .reference(ImageReference(reference: "1828")))
        #expect(ImageInput.parse("REF:1748339029401828", bareReferences: true)
            == .reference(ImageReference(reference: "1748339029401828")))
        #expect(ImageInput.parse("https://e.com/a.png", bareReferences: true) == .link("https://e.com/a.png"))
    }
}
