import Bridge
import Foundation
import IRC
import Testing
@testable import App

/// `[bot] operator_contact`, and per network `accept_invites` and `max_channels`.
@Suite struct EtiquetteConfigTests {
    func load(bot: String = "", network: String = "") throws(ConfigError) -> Configuration {
        try ConfigurationLoader(environment: [:]).parse(toml: """
            [bot]
            \(bot)

            [proxy]
            base_url = "http://127.0.0.1:8080/mj"

            [[networks]]
            name = "test"
            host = "irc.example.net"
            nick = "mjbot"
            \(network)
            """, baseDirectory: "/etc/mjbridge")
    }

    @Test func operatorContactGoesIntoRealnameAndVersion() throws {
        let config = try load(bot: #"operator_contact = "  ops@example.net  ""#)
        #expect(config.bot.operatorContact == "ops@example.net")
        #expect(config.bot.versionText == "mjbridge \(MJBridgeVersion.current) (contact: ops@example.net)")
        let connection = config.networks[0].connectionConfiguration(version: config.bot.versionText, operatorContact: config.bot.operatorContact)
        #expect(connection.realname == "mjbridge Midjourney bot (contact: ops@example.net)")
        #expect(connection.version.hasSuffix("(contact: ops@example.net)"))
        #expect(config.bridgeConfiguration(notifyHook: nil, callbackSecret: "s").versionText == config.bot.versionText)
        #expect(config.redactedSummary.contains(#"operator_contact = "ops@example.net""#))

        let unset = try load(bot: #"operator_contact = """#)
        #expect(unset.bot.operatorContact == nil && unset.bot.versionText == "mjbridge \(MJBridgeVersion.current)")
        #expect(unset.networks[0].connectionConfiguration(version: "v").realname == "mjbridge Midjourney bot")
        for bad in [#""line\nbreak""#, "\"\(String(repeating: "x", count: 101))\""] {
            #expect(throws: ConfigError.self) { try load(bot: "operator_contact = \(bad)") }
        }
    }

    @Test func invitesAreOffByDefaultAndChannelOpsWhenAsked() throws {
        let defaults = try load()
        #expect(defaults.networks[0].acceptInvites == "off" && defaults.networks[0].maxChannels == 20)
        #expect(defaults.liveSettings().access(network: "test").acceptInvites == .off)
        let on = try load(network: "accept_invites = \"channel-ops\"\nmax_channels = 5")
        #expect(on.liveSettings().access(network: "test").acceptInvites == .channelOperators)
        #expect(on.liveSettings().access(network: "test").maxChannels == 5)
        #expect(on.redactedSummary.contains("accept_invites = \"channel-ops\"\nmax_channels = 5"))
        #expect(throws: ConfigError.self) { try load(network: "accept_invites = \"everyone\"") }
        #expect(throws: ConfigError.self) { try load(network: "max_channels = 0") }
    }
}
