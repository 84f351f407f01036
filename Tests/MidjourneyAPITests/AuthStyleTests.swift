import Testing
@testable import MidjourneyAPI

@Suite("Auth headers")
struct AuthStyleTests {
    @Test func headersPerStyle() {
        #expect(AuthStyle.both.headers(apiKey: "k").map { "\($0.name)=\($0.value)" } == ["mj-api-secret=k", "Authorization=k"])
        #expect(AuthStyle.bearer.headers(apiKey: "sk-1").map { "\($0.name)=\($0.value)" } ==
            ["Authorization=Bearer sk-1", "mj-api-secret=sk-1"])
        #expect(AuthStyle.bearer.headers(apiKey: "Bearer sk-1").first?.value == "Bearer sk-1", "no double prefix")
        #expect(AuthStyle.mjApiSecret.headers(apiKey: "k").map(\.name) == ["mj-api-secret"])
        #expect(AuthStyle.authorization.headers(apiKey: "k").map(\.name) == ["Authorization"])
        #expect(AuthStyle.both.headers(apiKey: nil).isEmpty)
        #expect(AuthStyle.both.headers(apiKey: "").isEmpty)
    }

    @Test func configValues() {
        #expect(AuthStyle(configValue: "both") == .both)
        #expect(AuthStyle(configValue: "Bearer") == .bearer)
        #expect(AuthStyle(configValue: "mj-api-secret") == .mjApiSecret)
        #expect(AuthStyle(configValue: "authorization") == .authorization)
        #expect(AuthStyle(configValue: "basic") == nil)
    }
}
