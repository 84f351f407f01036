import Foundation
import Testing

/// The real IRC network of `Scripts/testnet/` (InspIRCd 3 + Atheme 7 on loopback), started once
/// per suite by the `.testnet` trait and stopped after it. Tests read it from `Testnet.current`.
public struct Testnet: Sendable {
    public let directory: String
    public let host: String
    public let tlsPort: Int
    public let plainPort: Int
    public let caFile: String
    public let clientCertificate: String
    public let clientKey: String
    public let botAccount: String
    public let botPassword: String
    public let certAccount: String
    /// `alice`, a human test user with a services account.
    public let userAccount: String
    public let userPassword: String
    /// `mjowner`, the bot's owner.
    public let ownerAccount: String
    public let ownerPassword: String
    public let operName: String
    public let operPassword: String

    @TaskLocal public static var current: Testnet?

    /// `MJBRIDGE_SKIP_TESTNET=1` skips the integration suites (with this reason shown);
    /// anything else and a missing InspIRCd/Atheme is a test failure.
    public static let skipRequested = ProcessInfo.processInfo.environment["MJBRIDGE_SKIP_TESTNET"] == "1"
    public static let skipReason: Comment = "MJBRIDGE_SKIP_TESTNET=1: integration tests against InspIRCd + Atheme skipped"

    public static func require() throws -> Testnet {
        try #require(current, "the testnet did not start (see the error of the suite trait)")
    }

    /// The repository root, found from this file's path (Tests/TestnetSupport/...).
    public static var repositoryRoot: URL {
        var url = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }

    public static func script(_ name: String) -> String {
        repositoryRoot.appendingPathComponent("Scripts/testnet/\(name)").path
    }

    public static func start() async throws -> Testnet {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("mjbridge-irc-client-\(UUID().uuidString.prefix(8))").path
        try await run(script("start.sh"), directory)
        let url = URL(fileURLWithPath: directory).appendingPathComponent("env.json")
        let env = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] ?? [:]
        func string(_ key: String) throws -> String {
            guard let value = env[key] as? String else { throw TestnetError("env.json has no \(key)") }
            return value
        }
        func int(_ key: String) throws -> Int {
            guard let value = env[key] as? Int else { throw TestnetError("env.json has no \(key)") }
            return value
        }
        return Testnet(
            directory: directory,
            host: try string("TESTNET_HOST"),
            tlsPort: try int("TESTNET_TLS_PORT"),
            plainPort: try int("TESTNET_PLAIN_PORT"),
            caFile: try string("TESTNET_CA"),
            clientCertificate: try string("TESTNET_CLIENT_CERT"),
            clientKey: try string("TESTNET_CLIENT_KEY"),
            botAccount: try string("TESTNET_BOT_ACCOUNT"),
            botPassword: try string("TESTNET_BOT_PASSWORD"),
            certAccount: try string("TESTNET_CERT_ACCOUNT"),
            userAccount: try string("TESTNET_USER_ACCOUNT"),
            userPassword: try string("TESTNET_USER_PASSWORD"),
            ownerAccount: try string("TESTNET_OWNER_ACCOUNT"),
            ownerPassword: try string("TESTNET_OWNER_PASSWORD"),
            operName: try string("TESTNET_OPER_NAME"),
            operPassword: try string("TESTNET_OPER_PASSWORD")
        )
    }

    public func stop() async {
        _ = try? await Testnet.run(Testnet.script("stop.sh"), "--remove", directory)
    }

    /// Kills InspIRCd (Atheme stays) and starts it again on the same ports.
    public func restartServer() async throws {
        try await Testnet.run(Testnet.script("restart-ircd.sh"), directory)
    }

    /// Freezes InspIRCd (SIGSTOP): connections stay open, nothing is answered. Always follow
    /// with `resumeServer()`, also when the test fails.
    public func pauseServer() async throws {
        try await Testnet.run(Testnet.script("pause-ircd.sh"), directory)
    }

    public func resumeServer() async throws {
        try await Testnet.run(Testnet.script("resume-ircd.sh"), directory)
    }

    /// Runs a script, failing with its output when it exits non-zero.
    @discardableResult
    static func run(_ arguments: String...) async throws -> String {
        try await ScriptRunner.run(arguments)
    }
}

public struct TestnetError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Starts the testnet around a whole suite and stops it afterwards.
public struct TestnetTrait: SuiteTrait, TestScoping {
    public var isRecursive: Bool { false }

    public func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        let net = try await Testnet.start()
        do {
            try await Testnet.$current.withValue(net) { try await function() }
        } catch {
            await net.stop()
            throw error
        }
        await net.stop()
    }
}

extension Trait where Self == TestnetTrait {
    /// Runs the suite against a freshly started `Scripts/testnet/` network.
    public static var testnet: Self { TestnetTrait() }
}
