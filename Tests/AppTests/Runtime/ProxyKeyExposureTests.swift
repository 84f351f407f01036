import Testing
@testable import App

/// Issue 12: a start-up warning when the API key would travel in clear text.
@Suite struct ProxyKeyExposureTests {
    @Test(arguments: [
        "http://proxy.example.net:8080/mj", "http://10.1.2.3/mj", "HTTP://Proxy.Example.NET", "http://[2001:db8::1]:8080",
        "http://128.0.0.1", "http://127.0.0.1.evil.example", "http://localhost.evil.example", "http://[::2]",
    ])
    func plainHTTPToAnotherHostWarns(url: String) throws {
        let warning = try #require(ProxyKeyExposure.warning(baseURL: url, hasAPIKey: true))
        #expect(warning.contains("unencrypted"))
        // Without a key there is nothing to expose.
        #expect(ProxyKeyExposure.warning(baseURL: url, hasAPIKey: false) == nil)
    }

    @Test(arguments: [
        "https://proxy.example.net/mj", "http://127.0.0.1:8080/mj", "http://127.8.9.10", "http://localhost:8080",
        "http://LOCALHOST", "http://[::1]:8080/mj", "http://[::ffff:127.0.0.1]:8080", "https://10.1.2.3",
    ])
    func tlsOrThisMachineIsQuiet(url: String) {
        #expect(ProxyKeyExposure.warning(baseURL: url, hasAPIKey: true) == nil)
    }
}
