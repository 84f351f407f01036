import Foundation
import IRCClient
import Testing
@testable import App

/// `tls_fingerprint` in a `[[networks]]` entry: parsed into pins, refused with its key when
/// malformed or contradicting the TLS settings, shown by check-config, handed to the client.
@Suite struct TLSFingerprintConfigTests {
    let minimal = """
        [proxy]
        base_url = "http://127.0.0.1:8080/mj"

        [[networks]]
        name = "test"
        host = "irc.example.net"
        nick = "mjbot"
        """
    let hex = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

    func load(_ text: String) throws(ConfigError) -> Configuration {
        try ConfigurationLoader(environment: [:]).parse(toml: text, baseDirectory: "/etc/mjbridge")
    }

    func error(_ text: String) -> ConfigError? {
        do { _ = try load(text); return nil } catch { return error }
    }

    @Test func absentMeansNoPins() throws {
        let net = try load(minimal).networks[0]
        #expect(net.tlsFingerprints.isEmpty)
        #expect(net.connectionConfiguration(version: "v").tlsFingerprints.isEmpty)
        #expect(!(try load(minimal).redactedSummary.contains("tls_fingerprint")))
    }

    @Test func oneStringOrAListReachesTheClient() throws {
        let one = try load(minimal + "\ntls_fingerprint = \"sha256:\(hex)\"").networks[0]
        #expect(one.tlsFingerprints.map(\.description) == ["sha256:\(hex)"])
        let colons = stride(from: 0, to: 64, by: 2).map { i in
            String(hex.uppercased().dropFirst(i).prefix(2))
        }.joined(separator: ":")
        let two = try load(minimal + "\ntls_fingerprint = [\"sha256:\(hex)\", \"SHA256:\(colons)\"]").networks[0]
        #expect(two.tlsFingerprints.count == 2)
        #expect(two.tlsFingerprints[0] == two.tlsFingerprints[1], "the same digest in both spellings")
        #expect(two.connectionConfiguration(version: "v").tlsFingerprints == two.tlsFingerprints)
        let summary = try load(minimal + "\ntls_fingerprint = \"sha256:\(hex)\"").redactedSummary
        #expect(summary.contains("tls_fingerprint = [\"sha256:\(hex)\"]"), "\(summary)")
    }

    @Test func malformedPinNamesItsKey() {
        let short = error(minimal + "\ntls_fingerprint = \"sha256:abcd\"")
        guard case .invalidValue(let key, let reason)? = short else {
            Issue.record("expected invalidValue, got \(String(describing: short))")
            return
        }
        #expect(key == "networks[0].tls_fingerprint")
        #expect(reason.contains("64 hex digits"), "\(reason)")
        let inList = error(minimal + "\ntls_fingerprint = [\"sha256:\(hex)\", \"md5:\(hex)\"]")
        guard case .invalidValue(let listKey, let listReason)? = inList else {
            Issue.record("expected invalidValue, got \(String(describing: inList))")
            return
        }
        #expect(listKey == "networks[0].tls_fingerprint[1]")
        #expect(listReason.contains("only SHA-256"), "\(listReason)")
        #expect(error(minimal + "\ntls_fingerprint = 5") == .wrongType(key: "networks[0].tls_fingerprint", expected: "a string or an array of strings", found: ConfigValue.int(5).typeName))
        #expect(error(minimal + "\ntls_fingerprint = [5]") == .wrongType(key: "networks[0].tls_fingerprint[0]", expected: "a string", found: ConfigValue.int(5).typeName))
    }

    @Test func contradictionsAreRefused() {
        let empty = error(minimal + "\ntls_fingerprint = []")
        #expect(empty?.description.contains("networks[0].tls_fingerprint") == true && empty?.description.contains("no pin") == true, "\(String(describing: empty))")
        let plain = error(minimal + "\ntls = false\ntls_fingerprint = \"sha256:\(hex)\"")
        #expect(plain?.description.contains("needs tls = true") == true, "\(String(describing: plain))")
        let unverified = error(minimal + "\ntls_verify = false\ntls_fingerprint = \"sha256:\(hex)\"")
        #expect(unverified?.description.contains("tls_verify = false") == true, "\(String(describing: unverified))")
    }
}
