import Foundation
import TestnetSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A real Synapse of `Scripts/matrix-testnet/` (SQLite, loopback, registration closed), started
/// once per suite by the `.synapse` trait and stopped after it. Tests read it from
/// `Synapse.current`.
public struct Synapse: Sendable {
    public let directory: String
    /// `http://127.0.0.1:<port>`
    public let url: String
    public let serverName: String
    public let sharedSecret: String
    public let limits: RateLimits
    /// `@mjbot`, the bot's account.
    public let bot: MatrixTestUser
    /// `@alice`, a human user.
    public let user: MatrixTestUser
    /// `@mjowner`, the bot's owner.
    public let owner: MatrixTestUser

    public enum RateLimits: String, Sendable {
        /// Nothing a functional test does is limited.
        case high
        /// Messages: a burst of 3, then one per 2 s (for `M_LIMIT_EXCEEDED` tests).
        case low
    }

    @TaskLocal public static var current: Synapse?

    /// `MJBRIDGE_SKIP_TESTNET=1` (all real-peer suites) or `MJBRIDGE_SKIP_MATRIX=1` (only the
    /// Synapse ones) skips them with this reason shown; otherwise a Synapse that does not start
    /// (no python3-venv, no PyPI) is a test failure.
    public static let skipRequested: Bool = {
        let environment = ProcessInfo.processInfo.environment
        return environment["MJBRIDGE_SKIP_TESTNET"] == "1" || environment["MJBRIDGE_SKIP_MATRIX"] == "1"
    }()
    public static let skipReason: Comment =
        "MJBRIDGE_SKIP_TESTNET=1 or MJBRIDGE_SKIP_MATRIX=1: integration tests against a real Synapse skipped"

    public static func require() throws -> Synapse {
        try #require(current, "Synapse did not start (see the error of the suite trait)")
    }

    /// The repository root, found from this file's path (Tests/MatrixTestSupport/...).
    public static var repositoryRoot: URL {
        var url = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }

    public static func script(_ name: String) -> String {
        repositoryRoot.appendingPathComponent("Scripts/matrix-testnet/\(name)").path
    }

    /// Starts a homeserver in a new directory. The script is given this process's pid, so
    /// Synapse is stopped even when the test run is killed before `stop()`.
    public static func start(limits: RateLimits = .high) async throws -> Synapse {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("mjbridge-synapse-\(UUID().uuidString.prefix(8))").path
        _ = try await ScriptRunner.run(["-c", "MATRIX_TESTNET_LIMITS=\(limits.rawValue) MATRIX_TESTNET_WATCH_PID=\(getpid()) exec \"$0\" \"$1\"",
                                    script("start.sh"), directory])
        let env = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory)
            .appendingPathComponent("env.json"))) as? [String: Any] ?? [:]
        func string(_ key: String) throws -> String {
            guard let value = env[key] as? String, !value.isEmpty else { throw TestnetError("env.json has no \(key)") }
            return value
        }
        func user(_ prefix: String) throws -> MatrixTestUser {
            MatrixTestUser(userID: try string("\(prefix)_USER_ID"), password: try string("\(prefix)_PASSWORD"),
                           accessToken: try string("\(prefix)_TOKEN"), deviceID: try string("\(prefix)_DEVICE"))
        }
        return Synapse(
            directory: directory,
            url: try string("MATRIX_TESTNET_URL"),
            serverName: try string("MATRIX_TESTNET_SERVER_NAME"),
            sharedSecret: try string("MATRIX_TESTNET_SHARED_SECRET"),
            limits: limits,
            bot: try user("MATRIX_TESTNET_BOT"),
            user: try user("MATRIX_TESTNET_USER"),
            owner: try user("MATRIX_TESTNET_OWNER")
        )
    }

    public func stop() async {
        _ = try? await ScriptRunner.run([Synapse.script("stop.sh"), "--remove", directory])
    }

    /// Registers one more user (shared-secret admin API); names must be new on this server.
    public func register(_ name: String, admin: Bool = false) async throws -> MatrixTestUser {
        let password = "\(name)-\(UUID().uuidString.prefix(12))"
        var arguments = [Synapse.script("register.sh"), directory, name, password]
        if admin { arguments.append("--admin") }
        let output = try await ScriptRunner.run(arguments)
        // The JSON is the last line (the script prints nothing else on success).
        guard let line = output.split(separator: "\n").last,
              let json = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              let userID = json["user_id"] as? String, let token = json["access_token"] as? String,
              let device = json["device_id"] as? String else {
            throw TestnetError("register.sh printed no user: \(output)")
        }
        return MatrixTestUser(userID: userID, password: password, accessToken: token, deviceID: device)
    }
}

/// A registered account: its id, password, and the access token + device of its first login.
public struct MatrixTestUser: Sendable, Hashable {
    public let userID: String
    public let password: String
    public let accessToken: String
    public let deviceID: String
}

/// Starts Synapse around a whole suite and stops it afterwards (also when the suite fails).
public struct SynapseTrait: SuiteTrait, TestScoping {
    public let limits: Synapse.RateLimits
    public var isRecursive: Bool { false }

    public func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        let limits = self.limits
        let server = try await ServerStartGate.shared.starting { try await Synapse.start(limits: limits) }
        do {
            try await Synapse.$current.withValue(server) { try await function() }
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }
}

extension Trait where Self == SynapseTrait {
    /// Runs the suite against a freshly started Synapse with high rate limits.
    public static var synapse: Self { SynapseTrait(limits: .high) }
    /// ... or with the given rate limits (`.low` to provoke `M_LIMIT_EXCEEDED`).
    public static func synapse(limits: Synapse.RateLimits) -> Self { SynapseTrait(limits: limits) }
}
