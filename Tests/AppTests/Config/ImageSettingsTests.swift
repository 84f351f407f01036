import GuardedFetch
import Testing
@testable import App

/// `[images]` in `bot.conf`: defaults, the allowlist, and errors that name the bad entry.
@Suite struct ImageSettingsTests {
    let minimal = """
        [proxy]
        base_url = "http://127.0.0.1:8080/mj"

        [[networks]]
        name = "test"
        host = "irc.example.net"
        nick = "mjbot"
        """

    func load(_ images: String) throws(ConfigError) -> ImageSettings {
        try ConfigurationLoader(environment: [:]).parse(toml: "[images]\n" + images + "\n" + minimal, baseDirectory: "/etc").images
    }

    func error(_ images: String) -> ConfigError? {
        do { _ = try load(images); return nil } catch { return error }
    }

    @Test func defaultsAllowNoPrivateNetwork() throws {
        let images = try ConfigurationLoader(environment: [:]).parse(toml: minimal, baseDirectory: "/etc").images
        #expect(images.allowNetworks.isEmpty)
        #expect(images.maxConcurrentDownloads == 2)
        #expect(images.downloadBudgetBytes == 40_000_000)
        #expect(images.maxImageBytes == 10_000_000)
        #expect(images.fetchPolicy == FetchPolicy())
        #expect(try load("").maxConcurrentDownloads == 2)
    }

    @Test func everyKeyIsRead() throws {
        let images = try load("""
            allow_networks = ["10.1.2.0/24", "fd00::/8", "192.168.1.7"]
            max_concurrent_downloads = 4
            download_budget_mb = 100
            max_image_mb = 20
            """)
        #expect(images.allowNetworks == ["10.1.2.0/24", "fd00::/8", "192.168.1.7/32"])
        #expect(images.maxConcurrentDownloads == 4)
        #expect(images.downloadBudgetBytes == 100_000_000)
        #expect(images.maxImageBytes == 20_000_000)
        #expect(images.fetchPolicy.maxBytes == 20_000_000)
        #expect(images.fetchPolicy.addresses.verdict(for: IPAddress(10, 1, 2, 9)) == .allowed)
        #expect(images.fetchPolicy.addresses.verdict(for: IPAddress(10, 1, 3, 9)) == .refused(.privateUse))
    }

    @Test func aBadNetworkIsNamedWithItsIndex() {
        #expect(error(#"allow_networks = ["10.0.0.0/8", "10.1.2.0/33"]"#)
            == .invalidValue(key: "images.allow_networks[1]", reason: IPNetwork.ParseError.badPrefix("10.1.2.0/33").description))
        #expect(error(#"allow_networks = ["intranet.local"]"#)
            == .invalidValue(key: "images.allow_networks[0]", reason: IPNetwork.ParseError.notAnAddress("intranet.local").description))
        let hostBits = error(#"allow_networks = ["10.1.2.3/24"]"#)
        #expect(hostBits?.description.contains("did you mean \"10.1.2.0/24\"") == true, "\(String(describing: hostBits))")
        #expect(error("allow_networks = \"10.0.0.0/8\"") == .wrongType(key: "images.allow_networks", expected: "an array of strings", found: "a string"))
    }

    @Test func limitsAreCheckedAndUnknownKeysRefused() {
        #expect(error("max_concurrent_downloads = 0") != nil)
        #expect(error("max_image_mb = 0") != nil)
        #expect(error("download_budget_mb = 5\nmax_image_mb = 10")?.description.contains("images.download_budget_mb") == true)
        #expect(error("allow_network = []") == .unknownKey("images.allow_network"))
    }

    @Test func theSummaryShowsTheTable() throws {
        var config = try ConfigurationLoader(environment: [:]).parse(toml: minimal, baseDirectory: "/etc")
        config.images.allowNetworks = ["127.0.0.0/8"]
        #expect(config.redactedSummary.contains("[images]\nallow_networks = [\"127.0.0.0/8\"]\nmax_concurrent_downloads = 2"))
    }
}
