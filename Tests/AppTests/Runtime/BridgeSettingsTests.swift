import Bridge
import Foundation
import Store
import Testing
@testable import App

@Suite struct BridgeSettingsTests {
    let text = """
        [proxy]
        base_url = "http://127.0.0.1:8080/mj"

        [[networks]]
        name = "libera"
        host = "irc.example.net"
        nick = "mjbot"

        [[networks]]
        name = "oftc"
        host = "irc.example.org"
        nick = "mjbot"
        """

    /// Polling alone (no public URL) still signs states with the key of the callback secret,
    /// and only the configured networks are route targets.
    @Test func theStateKeyComesFromTheCallbackSecretAlsoWhenPolling() throws {
        let configuration = try ConfigurationLoader(environment: [:]).parse(toml: text, baseDirectory: "/tmp")
        let bridge = configuration.bridgeConfiguration(notifyHook: nil, callbackSecret: "s3cret")
        let key = try #require(bridge.routeStateKey)
        #expect(bridge.routeTargets.networks == ["libera", "oftc"])
        let route = SignedRouteState(route: TaskRoute(network: "oftc", channel: "#art", nick: "alice"))
        let state = try #require(route.encoded(with: key))
        #expect(SignedRouteState.verify(state, with: RouteStateKey(callbackSecret: "s3cret")) == .valid(route))
        #expect(SignedRouteState.verify(state, with: RouteStateKey(callbackSecret: "other")) == .untrusted)
        #expect(!state.contains("s3cret"))
    }
}
