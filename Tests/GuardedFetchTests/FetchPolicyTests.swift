import Testing
import GuardedFetch

@Suite struct FetchPolicyTests {
    let policy = FetchPolicy()

    @Test func defaults() {
        #expect(policy.maxBytes == 10_000_000 && policy.timeout == .seconds(20) && policy.maxRedirects == 3)
        #expect(!policy.allowsHTTPSDowngrade && policy.acceptedKinds == Set(ImageKind.allCases))
        #expect(policy.addresses.allowedNetworks.isEmpty)
    }

    @Test func firstURL() throws {
        #expect(try policy.check(url: "https://example.com/a.png").host == "example.com")
        #expect(throws: FetchFailure.badURL(.unsupportedScheme("file"))) { try policy.check(url: "file:///etc/passwd") }
    }

    @Test func redirectsAreCountedAndCheckedLikeTheFirstURL() throws {
        let start = try FetchURL(parsing: "http://a.example/1.png")
        #expect(try policy.checkRedirect(from: start, to: "/2.png", status: 302, redirects: 1).description == "http://a.example/2.png")
        #expect(try policy.checkRedirect(from: start, to: "https://b.example/", status: 301, redirects: 3).host == "b.example")
        #expect(throws: FetchFailure.tooManyRedirects(limit: 3)) { try policy.checkRedirect(from: start, to: "/x", status: 302, redirects: 4) }
        #expect(throws: FetchFailure.httpStatus(302)) { try policy.checkRedirect(from: start, to: nil, status: 302, redirects: 1) }
        #expect(throws: FetchFailure.httpStatus(301)) { try policy.checkRedirect(from: start, to: "", status: 301, redirects: 1) }
        #expect(throws: FetchFailure.badRedirect(.unsupportedScheme("file"))) {
            try policy.checkRedirect(from: start, to: "file:///etc/passwd", status: 302, redirects: 1)
        }
        #expect(throws: FetchFailure.badRedirect(.userInfo)) {
            try policy.checkRedirect(from: start, to: "http://u:p@c.example/", status: 302, redirects: 1)
        }
    }

    @Test func httpsDoesNotFallBackToPlainHTTP() throws {
        let secure = try FetchURL(parsing: "https://a.example/1.png")
        #expect(throws: FetchFailure.downgrade(to: "http://b.example/2.png")) {
            try policy.checkRedirect(from: secure, to: "http://b.example/2.png", status: 302, redirects: 1)
        }
        var lenient = policy
        lenient.allowsHTTPSDowngrade = true
        #expect(try lenient.checkRedirect(from: secure, to: "http://b.example/2.png", status: 302, redirects: 1).scheme == .http)
    }

    @Test func everyResolvedAddressMustPass() throws {
        try policy.check(addresses: [IPAddress(93, 184, 215, 14)], of: "example.com")
        // A public address next to an internal one: the connection might land on either.
        #expect(throws: FetchFailure.refusedAddress(host: "evil.example", address: IPAddress(169, 254, 169, 254), kind: .linkLocal)) {
            try policy.check(addresses: [IPAddress(93, 184, 215, 14), IPAddress(169, 254, 169, 254)], of: "evil.example")
        }
        #expect(throws: FetchFailure.unresolvable(host: "x.example", reason: "no addresses")) { try policy.check(addresses: [], of: "x.example") }
    }

    @Test func sizeIsCheckedAnnouncedAndStreamed() throws {
        var small = policy
        small.maxBytes = 100
        try small.check(announcedLength: 100)
        try small.check(announcedLength: nil)
        #expect(throws: FetchFailure.tooLarge(limit: 100, announced: 101)) { try small.check(announcedLength: 101) }
        let png = ImageKindTests.png + [UInt8](repeating: 0, count: 88)
        #expect(try small.check(body: png, complete: true, contentType: nil) == .png)
        #expect(throws: FetchFailure.tooLarge(limit: 100, announced: nil)) { try small.check(body: png + [0], complete: false, contentType: nil) }
    }

    @Test func theBytesDecideNotTheContentType() throws {
        #expect(try policy.check(body: Array(ImageKindTests.png.prefix(5)), complete: false, contentType: "image/png") == nil, "too early to tell")
        #expect(try policy.check(body: ImageKindTests.gif + [0, 0], complete: false, contentType: "text/plain") == .gif)
        #expect(try policy.check(body: ImageKindTests.jpeg, complete: true, contentType: nil) == .jpeg)
        #expect(throws: FetchFailure.self) { try policy.check(body: Array("<html><body>hi".utf8), complete: false, contentType: "image/png") }
        #expect(throws: FetchFailure.self) { try policy.check(body: [0x89, 0x50], complete: true, contentType: "image/png") }
        var pngOnly = policy
        pngOnly.acceptedKinds = [.png]
        #expect(throws: FetchFailure.self) { try pngOnly.check(body: ImageKindTests.gif, complete: true, contentType: "image/gif") }
    }

    @Test func usersHearOnlyTheCoarseReason() {
        let cases: [(FetchFailure, FetchFailure.UserReason)] = [
            (.badURL(.unsupportedScheme("file")), .unsupportedLink),
            (.badURL(.userInfo), .unsupportedLink),
            (.refusedAddress(host: "h", address: IPAddress(10, 0, 0, 1), kind: .privateUse), .privateAddress),
            (.tooLarge(limit: 5, announced: 9), .tooLarge(limit: 5)),
            (.notAnImage(contentType: "image/png", firstBytes: "3c"), .notAnImage),
            (.timedOut, .timedOut),
            (.httpStatus(404), .unavailable),
            (.connectionFailed("connection refused"), .unavailable),
            (.unresolvable(host: "h", reason: "x"), .unavailable),
            (.tooManyRedirects(limit: 3), .unavailable),
            (.downgrade(to: "http://x"), .unavailable),
            (.badRedirect(.malformed), .unavailable),
        ]
        for (failure, reason) in cases { #expect(failure.userReason == reason, "\(failure)") }
    }
}
