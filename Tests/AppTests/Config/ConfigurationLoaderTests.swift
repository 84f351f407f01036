import Foundation
import Testing
@testable import App

@Suite struct ConfigurationLoaderTests {
    let minimal = """
        [proxy]
        base_url = "http://127.0.0.1:8080/mj"

        [[networks]]
        name = "test"
        host = "irc.example.net"
        nick = "mjbot"
        channels = ["#art", { name = "#secret", key = "hunter2", progress = "quarter" }]
        """

    func load(_ text: String, env: [String: String] = [:], dir: String = "/etc/mjbridge") throws(ConfigError) -> Configuration {
        try ConfigurationLoader(environment: env).parse(toml: text, baseDirectory: dir)
    }

    func error(_ text: String, env: [String: String] = [:]) -> ConfigError? {
        do { _ = try load(text, env: env); return nil } catch { return error }
    }

    @Test func minimalConfigGetsSaneDefaults() throws {
        let config = try load(minimal)
        #expect(config.bot.commandPrefix == "!")
        #expect(config.bot.databasePath == "/etc/mjbridge/mjbridge.sqlite")
        #expect(config.proxy.authStyle == "both")
        #expect(config.proxy.pollIntervalSeconds == 5)
        #expect(config.proxy.pollBatchSize == 100)
        #expect(config.proxy.taskDeadlineMinutes == 15)
        let net = try #require(config.networks.first)
        #expect(net.tls && net.tlsVerify)
        #expect(net.port == 6697)
        #expect(net.username == "mjbot")
        #expect(net.floodBurst == 5 && net.floodIntervalSeconds == 2)
        #expect(net.channels.map(\.name) == ["#art", "#secret"])
        #expect(net.channels[1].key?.value == "hunter2")
        #expect(net.channels[0].progress == "started" && net.channels[1].progress == "quarter")
    }

    @Test func plainTextDefaultsToPort6667() throws {
        let config = try load(minimal.replacingOccurrences(of: "nick = \"mjbot\"", with: "nick = \"mjbot\"\ntls = false"))
        #expect(config.networks[0].port == 6667)
    }

    @Test func unknownKeyIsNamedWithItsPath() {
        #expect(error(minimal + "\nnickk = \"x\"") == .unknownKey("networks[0].nickk"))
        #expect(error("[bott]\n" + minimal) == .unknownKey("bott"))
    }

    @Test func wrongTypeIsNamed() {
        let text = minimal.replacingOccurrences(of: "nick = \"mjbot\"", with: "nick = \"mjbot\"\nport = \"6697\"")
        #expect(error(text) == .wrongType(key: "networks[0].port", expected: "an integer", found: "a string"))
    }

    @Test func missingRequiredKeysAreNamed() {
        #expect(error("[[networks]]\nname=\"a\"\nhost=\"h\"\nnick=\"n\"") == .missingKey("proxy"))
        #expect(error(minimal.replacingOccurrences(of: "host = \"irc.example.net\"\n", with: "")) == .missingKey("networks[0].host"))
        #expect(error("[proxy]\nbase_url = \"http://x/mj\"") == .missingKey("networks (at least one [[networks]] or [[matrix]] table)"))
    }

    @Test func syntaxErrorCarriesLine() {
        guard case .syntax(_, let line, _) = error("[proxy]\nbase_url = \"unterminated\n") else {
            Issue.record("expected a syntax error"); return
        }
        #expect(line == 2)
    }

    @Test func outOfRangeAndEnumValuesAreExplained() {
        #expect(error(minimal + "\nport = 70000")?.description.contains("networks[0].port") == true)
        let bad = minimal.replacingOccurrences(of: "[proxy]", with: "[proxy]\nauth_style = \"basic\"")
        #expect(error(bad)?.description == "key 'proxy.auth_style': must be one of \"both\", \"bearer\", \"mj-api-secret\", \"authorization\", found \"basic\"")
    }

    @Test func environmentBeatsFileAndInlineSecrets() throws {
        let text = minimal.replacingOccurrences(of: "base_url = \"http://127.0.0.1:8080/mj\"",
                                                with: "base_url = \"http://127.0.0.1:8080/mj\"\napi_key = \"inline-key\"")
        #expect(try load(text).proxy.apiKey?.value == "inline-key")
        let fromEnv = try load(text, env: ["MJBRIDGE_PROXY_API_KEY": "env-key"])
        #expect(fromEnv.proxy.apiKey?.value == "env-key")
        #expect(fromEnv.proxy.apiKey?.origin == "env MJBRIDGE_PROXY_API_KEY")
        let sasl = minimal + "\nsasl_mechanism = \"plain\"\nsasl_account = \"mjbot\""
        #expect(error(sasl)?.description.contains("MJBRIDGE_NETWORK_TEST_SASL_PASSWORD") == true)
        #expect(try load(sasl, env: ["MJBRIDGE_NETWORK_TEST_SASL_PASSWORD": "pw"]).networks[0].saslPassword?.value == "pw")
    }

    @Test func secretFilesAreReadAndTrimmed() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mjbridge-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "file-key\n".write(to: dir.appendingPathComponent("key.txt"), atomically: true, encoding: .utf8)
        let text = minimal.replacingOccurrences(of: "[proxy]", with: "[proxy]\napi_key_file = \"key.txt\"")
        let config = try ConfigurationLoader(environment: [:]).parse(toml: text, baseDirectory: dir.path)
        #expect(config.proxy.apiKey?.value == "file-key")
        #expect(error(text.replacingOccurrences(of: "key.txt", with: "missing.txt")) == .secretFileUnreadable(key: "proxy.api_key", path: "missing.txt"))
        let both = text.replacingOccurrences(of: "[proxy]", with: "[proxy]\napi_key = \"x\"")
        #expect(error(both) == .secretConflict(key: "proxy.api_key"))
    }

    @Test func summaryRedactsEverySecret() throws {
        let text = minimal.replacingOccurrences(of: "[proxy]", with: "[proxy]\napi_key = \"sk-topsecret\"")
            + "\nsasl_mechanism = \"plain\"\nsasl_password = \"pw-topsecret\""
        let summary = try load(text).redactedSummary
        #expect(!summary.contains("topsecret"))
        #expect(!summary.contains("hunter2"))
        #expect(summary.contains("api_key = \"<redacted from config proxy.api_key>\""))
        #expect(summary.contains("name = \"#secret\""))
    }

    @Test func taskRetentionDaysDefaultsToThirtyAndZeroKeepsForever() throws {
        #expect(try load(minimal).bot.taskRetentionDays == 30)
        let withBot = { (value: String) in "[bot]\ntask_retention_days = \(value)\n" + self.minimal }
        #expect(try load(withBot("0")).bot.taskRetentionDays == 0)
        #expect(try load(withBot("7")).bot.taskRetentionDays == 7)
        #expect(self.error(withBot("-1")) == .invalidValue(key: "bot.task_retention_days", reason: "must be between 0 and 36500, found -1"))
        #expect(try load(withBot("90")).bridgeConfiguration(notifyHook: nil, callbackSecret: "s").taskRetentionDays == 90)
    }

    @Test func outboxHoldHoursDefaultsToADayAndReachesTheDeliveryPolicy() throws {
        #expect(try load(minimal).bot.outboxHoldHours == 24)
        #expect(try load(minimal).bridgeConfiguration(notifyHook: nil, callbackSecret: "s").deliveryPolicy.holdTime == 24 * 3600)
        let withBot = { (value: String) in "[bot]\noutbox_hold_hours = \(value)\n" + self.minimal }
        #expect(try load(withBot("0.5")).bot.outboxHoldHours == 0.5)
        #expect(try load(withBot("6")).bridgeConfiguration(notifyHook: nil, callbackSecret: "s").deliveryPolicy.holdTime == 6 * 3600)
        #expect(self.error(withBot("0")) == .invalidValue(key: "bot.outbox_hold_hours", reason: "must be between 0.01 and 8760.0, found 0.0"))
        #expect(try load(withBot("48")).redactedSummary.contains("outbox_hold_hours = 48.0"))
    }

    @Test func exampleConfigShippedInTheRepoIsValid() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let config = try ConfigurationLoader(environment: [:]).load(path: root.appendingPathComponent("bot.conf.example").path)
        #expect(config.networks.first?.channels.first?.name == "#mjbridge")
        #expect(config.networks.first?.saslMechanism == "plain")
    }

    @Test func ownerMasksAndRequireAccountArePerNetwork() throws {
        let config = try load(minimal + "\nowner_masks = [\"*!~me@home.example\", \"boss@office\"]\nrequire_account = true")
        #expect(config.networks[0].ownerMasks == ["*!~me@home.example", "boss@office"])
        #expect(config.networks[0].requireAccount)
        let access = config.bridgeConfiguration(notifyHook: nil, callbackSecret: "s").access(network: "test")
        #expect(access.ownerMasks.map(\.text) == ["*!~me@home.example", "*!boss@office"])
        #expect(access.requireAccount)
        #expect(try load(minimal).networks[0].ownerMasks.isEmpty)
        #expect(!(try load(minimal).bridgeConfiguration(notifyHook: nil, callbackSecret: "s").access(network: "test").requireAccount))
        #expect(error(minimal + "\nowner_masks = [\"a b\"]")
                == .invalidValue(key: "networks[0].owner_masks[0]", reason: "'a b' is not a nick!user@host pattern"))
        #expect(error(minimal + "\nrequire_account = \"yes\"")?.description.contains("networks[0].require_account") == true)
    }

    @Test func unreadableFileIsAClearError() {
        #expect(throws: ConfigError.self) { try ConfigurationLoader(environment: [:]).load(path: "/nonexistent/bot.conf") }
    }
}
