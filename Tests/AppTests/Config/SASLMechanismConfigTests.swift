import Foundation
import IRC
import Testing
@testable import App

/// `sasl_mechanism` values the loader accepts and what the IRC client gets for each.
@Suite struct SASLMechanismConfigTests {
    let minimal = """
        [proxy]
        base_url = "http://127.0.0.1:8080/mj"

        [[networks]]
        name = "test"
        host = "irc.example.net"
        nick = "mjbot"
        """

    func load(_ extra: String, env: [String: String] = [:]) throws(ConfigError) -> Configuration {
        try ConfigurationLoader(environment: env).parse(toml: minimal + "\n" + extra, baseDirectory: "/etc/mjbridge")
    }

    @Test func scramMechanismsMapToSCRAMCredentials() throws {
        let cases: [(String, SCRAMHash)] = [("scram-sha-256", .sha256), ("scram-sha-1", .sha1)]
        for (name, hash) in cases {
            let config = try load("sasl_mechanism = \"\(name)\"\nsasl_account = \"acct\"\nsasl_password = \"pw\"")
            let network = try #require(config.networks.first)
            #expect(network.saslMechanism == name)
            #expect(network.connectionConfiguration(version: "test").sasl == .scram(hash, account: "acct", password: "pw"))
        }
        // Without sasl_account the nick is the account, as for PLAIN.
        let byNick = try load("sasl_mechanism = \"scram-sha-256\"", env: ["MJBRIDGE_NETWORK_TEST_SASL_PASSWORD": "pw"])
        #expect(byNick.networks[0].connectionConfiguration(version: "test").sasl == .scram(.sha256, account: "mjbot", password: "pw"))
    }

    @Test func scramNeedsAPassword() {
        do {
            _ = try load("sasl_mechanism = \"scram-sha-256\"")
            Issue.record("a SCRAM mechanism without a password was accepted")
        } catch {
            #expect(error.description.contains("sasl_mechanism = \"scram-sha-256\""))
            #expect(error.description.contains("MJBRIDGE_NETWORK_TEST_SASL_PASSWORD"))
        }
    }

    @Test func unknownMechanismIsRefused() {
        do {
            _ = try load("sasl_mechanism = \"scram-sha-512\"\nsasl_password = \"pw\"")
            Issue.record("an unknown mechanism was accepted")
        } catch {
            #expect(error == .invalidValue(
                key: "networks[0].sasl_mechanism",
                reason: "must be one of \"none\", \"plain\", \"external\", \"scram-sha-256\", \"scram-sha-1\", \"auto\", found \"scram-sha-512\""))
        }
    }

    @Test func autoNeedsAPasswordOrACertificateAndPassesBoth() throws {
        do {
            _ = try load("sasl_mechanism = \"auto\"")
            Issue.record("auto without a password or a certificate was accepted")
        } catch {
            #expect(error.description.contains("sasl_mechanism = \"auto\""))
        }
        let config = try load("sasl_mechanism = \"auto\"\nsasl_password = \"pw\"")
        #expect(config.networks[0].connectionConfiguration(version: "test").sasl
            == .automatic(account: "mjbot", password: "pw", clientCertificate: false))
    }
}
