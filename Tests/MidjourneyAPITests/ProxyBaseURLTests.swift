import Testing
@testable import MidjourneyAPI

@Suite("Base URL normalisation")
struct ProxyBaseURLTests {
    @Test(arguments: [
        ("http://h:8080", "http://h:8080/mj"),
        ("http://h:8080/", "http://h:8080/mj"),
        ("http://h:8080/mj", "http://h:8080/mj"),
        ("http://h:8080/mj/", "http://h:8080/mj"),
        ("  http://h:8080/mj  ", "http://h:8080/mj"),
        ("http://h:8080/mj-fast", "http://h:8080/mj-fast/mj"),
        ("http://h:8080/mj-relax/", "http://h:8080/mj-relax/mj"),
        ("http://h:8080/mj-turbo/mj", "http://h:8080/mj-turbo/mj"),
        ("https://gw.example/api/mj", "https://gw.example/api/mj"),
        ("https://gw.example/api/mj-fast/mj", "https://gw.example/api/mj-fast/mj"),
        ("HTTPS://GW.example", "https://gw.example/mj"),
        ("http://127.0.0.1:1234", "http://127.0.0.1:1234/mj"),
        ("http://[::1]:8080/mj", "http://[::1]:8080/mj"),
    ])
    func accepted(input: String, root: String) throws {
        let url = try ProxyBaseURL(input)
        #expect(url.mjRoot.lowercased() == root.lowercased())
        #expect(url.url(for: "/submit/imagine") == url.mjRoot + "/submit/imagine")
    }

    @Test func modeIsParsed() throws {
        #expect(try ProxyBaseURL("http://h/mj-relax").mode == .relax)
        #expect(try ProxyBaseURL("http://h/mj").mode == nil)
    }

    @Test(arguments: [
        ("http://h:8080/mj/mj", "twice"),
        ("http://h:8080/mj-fast/mj/mj", "twice"),
        ("http://h:8080/mj/mj-fast", "before /mj"),
        ("http://h:8080/mj/submit/imagine", "endpoint"),
        ("http://h:8080/mj-fast/api", "directly before /mj"),
        ("h:8080", "http"),
        ("ftp://h/mj", "http"),
        ("http:///mj", "host"),
        ("http://h/mj?key=x", "query"),
        ("", "empty"),
        ("http://user:pw@h/mj", "api key"),
    ])
    func rejectedWithHint(input: String, hint: String) {
        do {
            _ = try ProxyBaseURL(input)
            Issue.record("\(input) was accepted")
        } catch {
            guard case .badBaseURL(let text) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(text.contains(hint), "\(text)")
        }
    }
}
