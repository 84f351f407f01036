import Testing
import GuardedFetch

@Suite struct FetchURLTests {
    @Test func acceptsHTTPAndHTTPSWithAHost() throws {
        let url = try FetchURL(parsing: "HTTPS://Example.COM/a/b.png?x=1&y=%20#frag")
        #expect(url.scheme == .https && url.host == "example.com" && url.port == 443)
        #expect(url.target == "/a/b.png?x=1&y=%20" && url.literal == nil)
        #expect(url.hostHeader == "example.com")
        #expect(url.description == "https://example.com/a/b.png?x=1&y=%20")

        let bare = try FetchURL(parsing: "http://example.com")
        #expect(bare.target == "/" && bare.port == 80)
        let ported = try FetchURL(parsing: "http://example.com:8080/x")
        #expect(ported.hostHeader == "example.com:8080" && ported.port == 8080)
    }

    @Test func ipLiteralsAreKeptAsAddresses() throws {
        let v4 = try FetchURL(parsing: "http://127.0.0.1:81/x.png")
        #expect(v4.literal == IPAddress(127, 0, 0, 1) && v4.hostHeader == "127.0.0.1:81")
        let v6 = try FetchURL(parsing: "http://[::1]:81/x.png")
        #expect(v6.literal == IPAddress("::1") && v6.host == "::1" && v6.hostHeader == "[::1]:81")
        let mapped = try FetchURL(parsing: "http://[::FFFF:127.0.0.1]/")
        #expect(mapped.literal == IPAddress("::ffff:127.0.0.1") && mapped.hostHeader == "[::ffff:127.0.0.1]")
        // Not a strict literal: a name for the resolver, whose answer is checked.
        #expect(try FetchURL(parsing: "http://127.1/").literal == nil)
    }

    @Test(arguments: [
        ("file:///etc/passwd", FetchURL.Refusal.unsupportedScheme("file")),
        ("ftp://example.com/a.png", .unsupportedScheme("ftp")),
        ("gopher://127.0.0.1:6379/_INFO", .unsupportedScheme("gopher")),
        ("javascript:alert(1)", .unsupportedScheme("javascript")),
        ("data:image/png;base64,AAAA", .unsupportedScheme("data")),
        ("http://", .missingHost),
        ("http:///x.png", .missingHost),
        ("http://user:pass@example.com/a.png", .userInfo),
        ("http://user@example.com/a.png", .userInfo),
        ("http://example.com:0/a.png", .badPort),
        ("http://[fe80::1%25eth0]/a.png", .badHost),
        ("http://exa%6dple.com/a.png", .badHost),
        ("not a url", .malformed),
        ("example.com/a.png", .malformed),
        ("", .malformed),
        ("http://example.com/a b.png", .malformed),
        ("http://example.com/\r\nHost: evil", .malformed),
    ])
    func refuses(_ text: String, _ refusal: FetchURL.Refusal) {
        #expect(throws: refusal) { try FetchURL(parsing: text) }
    }

    @Test func portsOutOfRangeAreRefused() throws {
        // Foundation may refuse to parse these at all; either way nothing is fetched.
        for text in ["http://example.com:65536/a.png", "http://example.com:99999/a.png", "http://example.com:-1/"] {
            #expect(throws: FetchURL.Refusal.self) { try FetchURL(parsing: text) }
        }
        #expect(try FetchURL(parsing: "http://example.com:65535/").port == 65535)
    }

    @Test func locationsResolveAgainstTheCurrentURL() throws {
        let base = try FetchURL(parsing: "https://img.example.com:8443/a/b/c.png?q=1")
        #expect(try base.resolving(location: "d.png").description == "https://img.example.com:8443/a/b/d.png")
        #expect(try base.resolving(location: "/x.png").description == "https://img.example.com:8443/x.png")
        #expect(try base.resolving(location: "//other.example/y.png").description == "https://other.example/y.png")
        #expect(try base.resolving(location: "http://127.0.0.1/z").literal == IPAddress(127, 0, 0, 1))
        #expect(throws: FetchURL.Refusal.unsupportedScheme("file")) { try base.resolving(location: "file:///etc/passwd") }
    }
}
