import Foundation
import TestnetSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The throw-away PostgreSQL of `Scripts/pg-testnet/`, started once per test process (on first
/// use, through `ServerStartGate`) and stopped by the script's watcher when the process is
/// gone. Each test takes a fresh database from it, so tests never see each other's rows.
public actor PostgresTestServer {
    public static let shared = PostgresTestServer()

    /// One running server: connect as `user` with `password` over TCP on loopback.
    public struct Instance: Sendable {
        public let directory: String
        public let host: String
        public let port: Int
        public let user: String
        public let password: String
        /// The database the script created (tests use `freshDatabase()` instead).
        public let database: String

        /// `postgres://user@127.0.0.1:port/<name>?sslmode=disable` (loopback, no TLS).
        public func url(database name: String) -> String {
            "postgres://\(user)@\(host):\(port)/\(name)?sslmode=disable"
        }
    }

    /// A database made for one test: `url` plus the password to reach it.
    public struct Database: Sendable {
        public let name: String
        public let url: String
        public let password: String
        public let server: Instance
    }

    /// `MJBRIDGE_SKIP_TESTNET=1` (every real-peer suite) or `MJBRIDGE_SKIP_POSTGRES=1` skips the
    /// PostgreSQL tests with this reason shown; otherwise a server that does not start (no
    /// `postgresql` package) is a test failure.
    public static let skipRequested: Bool = {
        let environment = ProcessInfo.processInfo.environment
        return environment["MJBRIDGE_SKIP_TESTNET"] == "1" || environment["MJBRIDGE_SKIP_POSTGRES"] == "1"
    }()
    public static let skipReason: Comment =
        "MJBRIDGE_SKIP_TESTNET=1 or MJBRIDGE_SKIP_POSTGRES=1: tests against a real PostgreSQL skipped"

    private var starting: Task<Instance, any Error>?

    /// The repository root, found from this file's path (Tests/PostgresTestSupport/...).
    public static var repositoryRoot: URL {
        var url = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }

    public static func script(_ name: String) -> String {
        repositoryRoot.appendingPathComponent("Scripts/pg-testnet/\(name)").path
    }

    /// The server, started on first use.
    public func instance() async throws -> Instance {
        if let starting { return try await starting.value }
        let task = Task { try await ServerStartGate.shared.starting { try await Self.start() } }
        starting = task
        return try await task.value
    }

    /// A new, empty database on the shared server.
    public func freshDatabase() async throws -> Database {
        let server = try await instance()
        let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(20)
        _ = try await ScriptRunner.run([Self.script("createdb.sh"), server.directory, String(name)])
        return Database(name: String(name), url: server.url(database: String(name)), password: server.password, server: server)
    }

    private static func start() async throws -> Instance {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("mjbridge-pg-\(UUID().uuidString.prefix(8))").path
        _ = try await ScriptRunner.run(["-c", "PG_TESTNET_WATCH_PID=\(getpid()) exec \"$0\" \"$1\"",
                                        script("start.sh"), directory])
        let env = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory)
            .appendingPathComponent("env.json"))) as? [String: Any] ?? [:]
        func string(_ key: String) throws -> String {
            guard let value = env[key] as? String, !value.isEmpty else { throw TestnetError("pg env.json has no \(key)") }
            return value
        }
        guard let port = Int(try string("PG_TESTNET_PORT")) else { throw TestnetError("pg env.json: bad port") }
        return Instance(directory: directory, host: "127.0.0.1", port: port, user: try string("PG_TESTNET_USER"),
                        password: try string("PG_TESTNET_PASSWORD"), database: try string("PG_TESTNET_DATABASE"))
    }
}
