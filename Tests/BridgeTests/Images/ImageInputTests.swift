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

    @Test func imaginePromptsTakeLeadingRefColonOnly() {
        let p = PromptSanitizer.sanitize("ref:1828 https://e.com/a.png REF:3356/2 a fox like ref:9999 1828")
        #expect(p.images == ["ref:1828", "https://e.com/a.png", "REF:3356/2"])
        #expect(p.imageURLs == ["https://e.com/a.png"])
        #expect(p.text == "a fox like ref:9999 1828")
        // A bare number opening a prompt is the user's words.
        let words = PromptSanitizer.sanitize("1828 foxes")
        #expect(words.images.isEmpty && words.text == "1828 foxes")
    }
}
