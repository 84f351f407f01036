import Testing
@testable import App

/// `[images]` hosting keys: off without `public_base_url` (and `check-config` says so), the
/// store next to the database by default, strict values.
@Suite struct ImageHostingConfigTests {
    let minimal = """
        [bot]
        database = "data/bot.sqlite"

        [proxy]
        base_url = "http://10.0.0.5:8080/mj"

        [[networks]]
        name = "test"
        host = "irc.example.net"
        nick = "mjbot"
        """

    func load(_ images: String) throws(ConfigError) -> Configuration {
        try ConfigurationLoader(environment: [:]).parse(toml: "[images]\n" + images + "\n" + minimal, baseDirectory: "/etc/mjbridge")
    }

    @Test func offByDefaultAndCheckConfigSaysSo() throws {
        let config = try load("")
        #expect(config.images.publicBaseURL == nil)
        #expect(config.images.retentionDays == 30 && config.images.maxStoreBytes == 2048 * 1_000_000)
        #expect(config.images.storeDirectory(databasePath: config.bot.databasePath) == "/etc/mjbridge/data/images")
        #expect(HostedResultImages.Settings(config.images, proxyBaseURL: config.proxy.baseURL) == nil)
        #expect(config.redactedSummary.contains("image hosting OFF: the proxy's links are posted as they are"))
    }

    @Test func everyHostingKeyIsRead() throws {
        let config = try load("""
            public_base_url = "https://bot.example.org/"
            store_dir = "blobs"
            retention_days = 7
            max_store_mb = 50
            """)
        #expect(config.images.publicBaseURL == "https://bot.example.org")
        #expect(config.images.storeDirectory(databasePath: config.bot.databasePath) == "/etc/mjbridge/blobs")
        #expect(config.images.retentionDays == 7 && config.images.maxStoreBytes == 50_000_000)
        let settings = try #require(HostedResultImages.Settings(config.images, proxyBaseURL: config.proxy.baseURL))
        // The proxy's own host may be private; nothing else is trusted.
        #expect(settings.fetchPolicy.trustedHosts == ["10.0.0.5"])
        #expect(settings.fetchPolicy.addresses.allowedNetworks.isEmpty)
        #expect(config.redactedSummary.contains("public_base_url = \"https://bot.example.org\"  # results hosted at https://bot.example.org/i/<name>"))
    }

    @Test(arguments: ["ftp://x.org", "bot.example.org", "https://x.org/?a=1", "https://u:p@x.org", "https://x.org/#f"])
    func badBaseURLsNameTheKey(_ value: String) {
        do {
            _ = try load("public_base_url = \"\(value)\"")
            Issue.record("accepted \(value)")
        } catch {
            #expect("\(error)".contains("images.public_base_url"), "\(error)")
        }
    }

    @Test func rangesAreChecked() {
        #expect(throws: ConfigError.self) { try load("retention_days = -1") }
        #expect(throws: ConfigError.self) { try load("max_store_mb = 0") }
    }
}
