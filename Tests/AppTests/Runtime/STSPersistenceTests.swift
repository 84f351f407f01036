import App
import Foundation
import IRC
import IRCClient
import Store
import NIOSSL
import Testing
import TestnetSupport

/// STS across a restart, on a real SQLite file: a plain-text server sends the bot to TLS, the
/// TLS server's policy is stored through `StoreSTSPolicies`, and a new client over a freshly
/// opened store (the next start) goes straight to TLS although the config says `tls = false`;
/// `check-config` says so. Loopback scripted servers; no InspIRCd.
@Suite struct STSPersistenceTests {
    struct SelfSigned {
        let directory: String
        let context: NIOSSLContext
        let pin: CertificatePin
    }

    /// A throwaway self-signed certificate, pinned by the fingerprint openssl prints.
    static func selfSigned() async throws -> SelfSigned {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mjbridge-sts-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        _ = try await ScriptRunner.run(["-c", """
            set -e; cd '\(dir)'
            openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout key.pem -out cert.pem -days 2 -subj /CN=sts.invalid 2>&1
            """])
        let line = try await ScriptRunner.run(["-c", "openssl x509 -in '\(dir)/cert.pem' -noout -fingerprint -sha256"])
        let server = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile("\(dir)/cert.pem").map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: "\(dir)/key.pem", format: .pem)))
        return SelfSigned(directory: dir, context: try NIOSSLContext(configuration: server),
                          pin: try CertificatePin(parsing: "sha256:" + #require(line.split(separator: "=").last)))
    }

    static func client(plainPort: Int, pin: CertificatePin, store: any BotStore, now: Date) -> IRCConnection {
        var configuration = IRCConnectionConfiguration(
            name: "sts", host: "127.0.0.1", port: plainPort, tls: false, nick: "bot", username: "u",
            reconnect: .init(minimum: .milliseconds(100), maximum: .seconds(1), resetAfter: .seconds(300)),
            registrationTimeout: .seconds(10))
        configuration.tlsFingerprints = [pin]
        return IRCConnection(configuration: configuration, stsPolicies: StoreSTSPolicies(store: store, clock: { now }),
                             wallClock: { now })
    }

    @Test func policyLearnedOverTLSIsUsedOnTheNextStart() async throws {
        let certificate = try await Self.selfSigned()
        defer { try? FileManager.default.removeItem(atPath: certificate.directory) }
        let database = "\(certificate.directory)/bot.sqlite"
        let now = Date(timeIntervalSince1970: (Date().timeIntervalSince1970).rounded())
        let plain = try await ScriptedIRCListener.start()
        let secure = try await ScriptedIRCListener.start(tls: certificate.context)

        // First run: plain text, told to upgrade, policy learned over TLS.
        let first = Self.client(plainPort: plain.port, pin: certificate.pin, store: try SQLiteStore.open(path: database), now: now)
        let firstLog = EventLog(first)
        await first.start()
        let offer = try await plain.connection(1)
        _ = try await offer.expect("CAP LS") { $0.command == "CAP" }
        await offer.send(":srv CAP * LS :sts=port=\(secure.port) server-time")
        _ = try await offer.expect("QUIT") { $0.command == "QUIT" }
        try await secure.connection(1).welcome("bot", offering: ["sts=duration=600", "server-time"])
        _ = try await firstLog.expect("registered") { if case .registered = $0 { true } else { false } }
        await first.shutdown()

        // The next start: a new store over the same file.
        let reopened = try SQLiteStore.open(path: database)
        let record = try #require(try await reopened.stsPolicy(host: "127.0.0.1"))
        #expect(record.port == secure.port && record.durationSeconds == 600)
        #expect(record.expiresAt == now.addingTimeInterval(600))
        let second = Self.client(plainPort: plain.port, pin: certificate.pin, store: reopened, now: now.addingTimeInterval(60))
        let secondLog = EventLog(second)
        await second.start()
        try await secure.connection(2).welcome("bot", offering: ["sts=duration=600", "server-time"])
        _ = try await secondLog.expect("registered again") { if case .registered = $0 { true } else { false } }
        await second.shutdown()
        #expect(await plain.connectionCount == 1, "the plain-text port is never used again")
        // Seen again a minute later: the expiry moved on.
        #expect(try await reopened.stsPolicy(host: "127.0.0.1")?.expiresAt == now.addingTimeInterval(660))

        // check-config names the override (same database file, config says tls = false).
        let config = try ConfigurationLoader(environment: [:]).parse(toml: """
            [bot]
            database = "\(database)"
            [proxy]
            base_url = "http://127.0.0.1:1/mj"
            [[networks]]
            name = "sts"
            host = "127.0.0.1"
            port = \(plain.port)
            tls = false
            nick = "bot"
            """, baseDirectory: certificate.directory)
        let notes = await config.storedSTSNotes(now: now.addingTimeInterval(60))
        #expect(notes.count == 1)
        #expect(notes.first?.contains("overrides tls = false") == true && notes.first?.contains("port \(secure.port)") == true, "\(notes)")
        #expect(await config.storedSTSNotes(now: now.addingTimeInterval(700)).isEmpty, "an expired policy overrides nothing")
        await plain.stop()
        await secure.stop()
    }

    /// Review finding 6: check-config reads the live bot's database and must not change it —
    /// no migration of an older schema under the running bot, no file written.
    @Test func checkConfigLeavesTheDatabaseAsItFoundIt() async throws {
        let directory = NSTemporaryDirectory() + "sts-readonly-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // A database of some older (here: empty) schema, without the stsPolicy table.
        let database = directory + "/bot.sqlite"
        #expect(FileManager.default.createFile(atPath: database, contents: Data()))
        let config = try ConfigurationLoader(environment: [:]).parse(toml: """
            [bot]
            database = "\(database)"
            [proxy]
            base_url = "http://127.0.0.1:1/mj"
            [[networks]]
            name = "plain"
            host = "127.0.0.1"
            port = 6667
            tls = false
            nick = "bot"
            """, baseDirectory: directory)
        #expect(await config.storedSTSNotes().isEmpty, "no policies in a database from before v11-sts")
        let size = try FileManager.default.attributesOfItem(atPath: database)[.size] as? Int
        #expect(size == 0, "check-config migrated or wrote the database (\(size ?? -1) bytes)")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory)
        #expect(files == ["bot.sqlite"], "\(files)")
    }
}
