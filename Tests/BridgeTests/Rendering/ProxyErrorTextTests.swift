import MidjourneyAPI
import Testing
@testable import Bridge

@Suite struct ProxyErrorTextTests {
    /// Issue 12: a redirecting base URL is the owners' business; they are told where it points.
    @Test func aRedirectIsExplainedToOwnersOnly() {
        let error = MJError.redirected(status: 302, location: "https://login.example.net/?next=/mj")
        let owner = ProxyErrorText.sentence(for: error, forOwner: true)
        #expect(owner.contains("https://login.example.net/?next=/mj") && owner.contains("302"))
        let user = ProxyErrorText.sentence(for: error, forOwner: false)
        #expect(!user.contains("login.example.net"))
        #expect(user.contains("admins"))
    }

    /// Issue 12: the proxy's own words are chat text: no control character survives.
    @Test func aRefusalQuotesTheProxyWithoutControls() {
        let response = SubmitResponse(code: .validation, description: "bad\u{1}ACTION x\u{1}\r\nQUIT :x\u{0}")
        let sentence = ProxyErrorText.sentence(for: response)
        #expect(sentence.contains("bad"))
        #expect(!sentence.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }, "\(sentence.debugDescription)")
    }
}
