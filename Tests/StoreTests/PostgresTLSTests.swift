import Foundation
import Logging
import PostgresNIO
@testable import PostgresStore
import PostgresTestSupport
import Store
import Testing
import TestnetSupport
#if canImport(Glibc)
import Glibc
#endif

/// `[store] url`'s TLS modes against a real PostgreSQL that accepts TCP only over TLS
/// (`Scripts/pg-testnet/start.sh` with `PG_TESTNET_TLS=1`: its own throw-away CA, a certificate
/// for localhost/127.0.0.1, also listening on 127.0.0.2, which the certificate does not name).
/// The default, verify-full, must refuse every server it cannot verify, with a reason an
/// operator can act on and never the password.
@Suite(.enabled(if: !PostgresTestServer.skipRequested, PostgresTestServer.skipReason), .postgresTLSServer)
struct PostgresTLSTests {
    var server: PostgresTLSServer {
        get throws {
            guard let server = PostgresTLSServer.current else { throw TestnetError("no TLS PostgreSQL (trait missing)") }
            return server
        }
    }

    @Test(arguments: ["localhost", "127.0.0.1"])
    func verifyFullWithTheTestCAConnectsAndTheStoreWorks(host: String) async throws {
        let server = try server
        let database = try await server.freshDatabase()
        let configuration = try PostgresStoreConfiguration(
            url: "postgres://\(server.user)@\(host):\(server.port)/\(database)?sslmode=verify-full&sslrootcert=\(server.caFile)",
            password: server.password)
        #expect(configuration.tls == .verifyFull)
        let store = try await Self.within(60, "open over verify-full") {
            try await PostgresStore.open(configuration, logger: Logger(label: "test.pg.tls"))
        }
        do {
            let addedAt = Date(timeIntervalSince1970: 1_800_000_000)
            let added = try await Self.within(30, "a write") {
                try await store.addAdmin(AdminAccount(account: "tlsop", addedBy: "root", addedAt: addedAt))
            }
            #expect(added)
            let admins = try await Self.within(30, "a read") { try await store.adminAccounts() }
            #expect(admins.map(\.account) == ["tlsop"])
            // The pool's own sessions are encrypted (the server would refuse them otherwise, but
            // this says so from the server's side).
            let ssl = try await Self.within(30, "pg_stat_ssl") {
                try await store.query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
                    .map { try $0.decode(Bool.self) }
            }
            #expect(ssl == [true])
        } catch {
            await store.close()
            throw error
        }
        await store.close()
    }

    /// No sslrootcert: the system's trust roots, which do not know the test CA.
    @Test func verifyFullWithoutTheCAIsRefusedNamingTheCertificate() async throws {
        let server = try server
        let text = try await refusal(
            url: "postgres://\(server.user)@localhost:\(server.port)/\(server.database)?sslmode=verify-full")
        #expect(text.contains("TLS refused: the server's certificate could not be verified against the system's trust roots"),
                "\(text)")
        #expect(text.contains("sslrootcert"), "the operator is told how to name the CA: \(text)")
    }

    /// sslrootcert is what the certificate is checked against: a file that holds another
    /// certificate (the server's own, not a CA) does not verify it, and the file is named.
    @Test func verifyFullWithAnotherRootCertificateIsRefused() async throws {
        let server = try server
        let other = server.directory + "/tls/server.pem"
        let text = try await refusal(
            url: "postgres://\(server.user)@localhost:\(server.port)/\(server.database)?sslmode=verify-full&sslrootcert=\(other)")
        #expect(text.contains("could not be verified against the CA in sslrootcert=\(other)"), "\(text)")
    }

    /// A CA file that is not there: refused before any connection, naming the file.
    @Test func verifyFullWithAMissingRootCertificateFileIsRefused() async throws {
        let server = try server
        let missing = server.directory + "/tls/no-such-ca.pem"
        let text = try await refusal(
            url: "postgres://\(server.user)@localhost:\(server.port)/\(server.database)?sslmode=verify-full&sslrootcert=\(missing)")
        #expect(text.contains("cannot load sslrootcert=\(missing)"), "\(text)")
    }

    /// 127.0.0.2 reaches the same server, but the certificate names only localhost, 127.0.0.1
    /// and ::1: the name check must refuse it although the CA is trusted.
    @Test func verifyFullToAnAddressTheCertificateDoesNotNameIsRefused() async throws {
        let server = try server
        let text = try await refusal(
            url: "postgres://\(server.user)@127.0.0.2:\(server.port)/\(server.database)?sslmode=verify-full&sslrootcert=\(server.caFile)")
        #expect(text.contains("TLS refused: the server's certificate does not name 127.0.0.2"), "\(text)")
    }

    /// The same by name: a host name that reaches the server (an /etc/hosts alias of
    /// 127.0.0.1) but that the certificate does not name.
    ///
    /// KNOWN GAP (libpq refuses this, we accept it): NIOSSL's name check
    /// (`validIdentityForService`) accepts a certificate whose IP SAN matches the address the
    /// socket is connected to, even when a host name was given; this certificate names
    /// 127.0.0.1, so `alias` passes. Exploiting it takes a redirected name (DNS) AND a
    /// certificate from a trusted CA for the attacker's own address (public CAs do issue IP
    /// certificates). Closing it needs our own name check in the TLS handshake, which
    /// postgres-nio gives no hook for. The known issue turns into a failure once it is fixed.
    @Test(.enabled(if: Self.loopbackAlias != nil, "no name for 127.0.0.1 other than localhost in /etc/hosts"))
    func verifyFullToANameTheCertificateDoesNotNameIsRefused() async throws {
        let server = try server
        let alias = try #require(Self.loopbackAlias)
        try await withKnownIssue("NIOSSL matches the certificate's IP SANs against the connected address for a host name too") {
            let text = try await refusal(
                url: "postgres://\(server.user)@\(alias):\(server.port)/\(server.database)?sslmode=verify-full&sslrootcert=\(server.caFile)")
            #expect(text.contains("TLS refused: the server's certificate does not name \(alias)"), "\(text)")
        }
    }

    /// A name /etc/hosts gives 127.0.0.1 besides localhost (containers often list their own).
    static let loopbackAlias: String? = {
        guard let hosts = try? String(contentsOfFile: "/etc/hosts", encoding: .utf8) else { return nil }
        for line in hosts.split(separator: "\n") {
            let fields = line.prefix { $0 != "#" }.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard fields.first == "127.0.0.1" else { continue }
            if let alias = fields.dropFirst().first(where: {
                !$0.lowercased().hasPrefix("localhost") && $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." }
            }) { return alias }
        }
        return nil
    }()

    /// `require`: encrypted, not verified (no CA given, an address the certificate does not name).
    @Test func requireConnectsWithoutVerifying() async throws {
        let server = try server
        let database = try await server.freshDatabase()
        let configuration = try PostgresStoreConfiguration(
            url: "postgres://\(server.user)@127.0.0.2:\(server.port)/\(database)?sslmode=require", password: server.password)
        let store = try await Self.within(60, "open over require") {
            try await PostgresStore.open(configuration, logger: Logger(label: "test.pg.tls"))
        }
        do {
            let ssl = try await Self.within(30, "pg_stat_ssl") {
                try await store.query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
                    .map { try $0.decode(Bool.self) }
            }
            #expect(ssl == [true])
        } catch {
            await store.close()
            throw error
        }
        await store.close()
    }

    /// `disable` against a server that accepts TCP only over TLS: the server's own words.
    @Test func disableAgainstATLSOnlyServerIsRefusedWithTheServersWords() async throws {
        let server = try server
        let text = try await refusal(
            url: "postgres://\(server.user)@127.0.0.1:\(server.port)/\(server.database)?sslmode=disable")
        #expect(text.contains("no pg_hba.conf entry"), "\(text)")
        #expect(text.contains("no encryption"), "\(text)")
    }

    /// Opens a store that must be refused; returns the text `mjbridge run` reports (the error's
    /// description), checked for being a connection refusal that names the URL without the
    /// password.
    private func refusal(url: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        let server = try server
        let configuration = try PostgresStoreConfiguration(url: url, password: server.password)
        do {
            let store = try await Self.within(60, "open that must be refused") {
                try await PostgresStore.open(configuration, logger: Logger(label: "test.pg.tls"))
            }
            await store.close()
            Issue.record("\(url) was accepted", sourceLocation: sourceLocation)
            return ""
        } catch let error as PostgresStoreError {
            guard case .cannotConnect = error else {
                Issue.record("not cannotConnect: \(error)", sourceLocation: sourceLocation)
                return "\(error)"
            }
            let text = "\(error)"
            #expect(text.hasPrefix("cannot reach the PostgreSQL store: \(configuration.displayURL): "),
                    "\(text)", sourceLocation: sourceLocation)
            #expect(!text.contains(server.password), "the password leaked: \(text)", sourceLocation: sourceLocation)
            #expect(!String(reflecting: error).contains(server.password), "the password leaked", sourceLocation: sourceLocation)
            return text
        }
    }

    /// `body`, or a failure once `seconds` are past. The body runs in a task of its own, so a
    /// stuck handshake cannot hold the test past its deadline.
    static func within<T: Sendable>(_ seconds: Int, _ what: String,
                                    _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let work = Task { try await body() }
        let timer = Task {
            try await Task.sleep(for: .seconds(seconds))
            work.cancel()
        }
        defer { timer.cancel() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                let once = ResumeOnce(continuation)
                Task { once.resume(with: await work.result) }
                Task {
                    _ = try? await timer.value
                    if !timer.isCancelled {
                        once.resume(with: .failure(TestnetError("test deadline: \(what) took over \(seconds) s")))
                    }
                }
            }
        } onCancel: { work.cancel() }
    }
}

/// Resumes a continuation once, whichever of the work and the deadline comes first.
private final class ResumeOnce<T: Sendable>: @unchecked Sendable {
    // @unchecked: `resumed` is only read and written under `lock`.
    private let lock = NSLock()
    private var continuation: CheckedContinuation<T, any Error>?
    init(_ continuation: CheckedContinuation<T, any Error>) { self.continuation = continuation }
    func resume(with result: Result<T, any Error>) {
        lock.lock()
        let taken = continuation
        continuation = nil
        lock.unlock()
        taken?.resume(with: result)
    }
}

/// The TLS-only server of one suite run: started before the suite, stopped (and its directory
/// removed) after it, also when the suite fails; the script's watcher stops it if the test
/// process dies first.
struct PostgresTLSServer: Sendable {
    @TaskLocal static var current: PostgresTLSServer?

    let directory: String
    let port: Int
    let user: String
    let password: String
    let database: String
    let caFile: String

    static func start() async throws -> PostgresTLSServer {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("mjbridge-pgtls-\(UUID().uuidString.prefix(8))").path
        do {
            _ = try await ScriptRunner.run(["-c", "PG_TESTNET_TLS=1 PG_TESTNET_WATCH_PID=\(getpid()) exec \"$0\" \"$1\"",
                                            PostgresTestServer.script("start.sh"), directory])
            let env = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory)
                .appendingPathComponent("env.json"))) as? [String: Any] ?? [:]
            func string(_ key: String) throws -> String {
                guard let value = env[key] as? String, !value.isEmpty else { throw TestnetError("pg env.json has no \(key)") }
                return value
            }
            guard try string("PG_TESTNET_TLS") == "1" else { throw TestnetError("pg env.json: not in TLS mode") }
            guard let port = Int(try string("PG_TESTNET_PORT")) else { throw TestnetError("pg env.json: bad port") }
            return PostgresTLSServer(directory: directory, port: port, user: try string("PG_TESTNET_USER"),
                                     password: try string("PG_TESTNET_PASSWORD"),
                                     database: try string("PG_TESTNET_DATABASE"), caFile: try string("PG_TESTNET_CA"))
        } catch {
            _ = try? await ScriptRunner.run([PostgresTestServer.script("stop.sh"), "--remove", directory])
            throw error
        }
    }

    func stop() async {
        _ = try? await ScriptRunner.run([PostgresTestServer.script("stop.sh"), "--remove", directory])
    }

    /// A new, empty database (made over the server's Unix socket, as `createdb.sh` does).
    func freshDatabase() async throws -> String {
        let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(20)
        _ = try await ScriptRunner.run([PostgresTestServer.script("createdb.sh"), directory, String(name)])
        return String(name)
    }
}

struct PostgresTLSServerTrait: SuiteTrait, TestScoping {
    var isRecursive: Bool { false }

    func provideScope(for test: Test, testCase: Test.Case?,
                      performing function: @Sendable () async throws -> Void) async throws {
        let server = try await ServerStartGate.shared.starting { try await PostgresTLSServer.start() }
        do {
            try await PostgresTLSServer.$current.withValue(server) { try await function() }
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }
}

extension Trait where Self == PostgresTLSServerTrait {
    /// Runs the suite against its own TLS-only `Scripts/pg-testnet/` server.
    static var postgresTLSServer: Self { PostgresTLSServerTrait() }
}
