import Testing
@testable import Bridge

@Suite struct ImageFetchPolicyTests {
    let policy = ImageFetchPolicy()

    @Test func onlyHTTPAndHTTPSURLs() throws {
        #expect(try policy.validate(url: "https://example.com/a.png").host == "example.com")
        #expect(throws: ImageFetchError.unsupportedScheme("file:///etc/passwd")) { try policy.validate(url: "file:///etc/passwd") }
        #expect(throws: ImageFetchError.self) { try policy.validate(url: "ftp://example.com/a.png") }
        #expect(throws: ImageFetchError.self) { try policy.validate(url: "https://") }
    }

    @Test func contentTypeMustBeAnImage() throws {
        #expect(try policy.validate(contentType: "Image/PNG; charset=binary") == "image/png")
        #expect(throws: ImageFetchError.notAnImage(contentType: "text/html")) { try policy.validate(contentType: "text/html; charset=utf-8") }
        #expect(throws: ImageFetchError.notAnImage(contentType: "")) { try policy.validate(contentType: nil) }
    }

    @Test func dataURLEncoding() {
        #expect(ImageFetchPolicy.dataURL(contentType: "image/png", bytes: [0x89, 0x50, 0x4E, 0x47]) == "data:image/png;base64,iVBORw==")
    }
}
