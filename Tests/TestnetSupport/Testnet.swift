import Foundation
import Testing

/// Which IRC server a testnet runs (`Scripts/testnet/start.sh --server NAME`).
public enum TestnetServer: String, Sendable, CaseIterable, CustomTestStringConvertible {
    /// InspIRCd 3 linked to Atheme 7: IRCv3 (echo-message, labeled-response, account-tag…),
    /// SASL PLAIN/EXTERNAL, NickServ accounts.
    case inspircd
    /// ngIRCd alone: no services (no SASL, no accounts, no account-tag), `CAP LS` without
    /// IRCv3 3.2 values and only `multi-prefix`: the plain RFC 2812 server. README lists its quirks.
    case ngircd

    /// Services accounts (Atheme) exist on this network; the account fields of `Testnet` are set.
    public var hasServices: Bool { self == .inspircd }

    public var testDescription: String { rawValue }

    /// `text` as another user receives it. ngIRCd strips trailing spaces and tabs from a
    /// message's text (InspIRCd passes them on); a text of nothing but spaces arrives empty.
    public func delivered(_ text: String) -> String {
        guard self == .ngircd else { return text }
        var trimmed = Substring(text)
        while let last = trimmed.last, last == " " || last == "\t" { trimmed.removeLast() }
        return String(trimmed)
    }

    /// The text the received pieces of a split reply stand for. The splitter ends every piece
    /// but the last with the space it cut at, so on InspIRCd the pieces concatenate back to the
    /// text; ngIRCd strips that space, so there they are joined with one. (Only for texts whose
    /// pieces were all cut at a space.)
    public func reassembled(_ pieces: [String]) -> String {
        self == .ngircd ? pieces.joined(separator: " ") : pieces.joined()
    }
}

/// The real IRC network of `Scripts/testnet/` on loopback (InspIRCd 3 + Atheme 7, or ngIRCd),
/// started once per suite by the `.testnet`, `.ngircdTestnet` or `.testnets(…)` trait and
/// stopped after it. Tests read it from `Testnet.current` or `Testnet.require(_:)`.
public struct Testnet: Sendable {
    public let server: TestnetServer
    public let directory: String
    public let host: String
    public let tlsPort: Int
    public let plainPort: Int
    public let caFile: String
    public let clientCertificate: String
    public let clientKey: String
    public let botAccount: String
    public let botPassword: String
    /// The account fields below are empty on a network without services (`server.hasServices`).
    public let certAccount: String
    /// `alice`, a human test user with a services account.
    public let userAccount: String
    public let userPassword: String
    /// `mjowner`, the bot's owner.
    public let ownerAccount: String
    public let ownerPassword: String
    public let operName: String
    public let operPassword: String

    /// The suite's first network (InspIRCd when the trait starts it).
    @TaskLocal public static var current: Testnet?
    /// Every network the suite's trait started, by server.
    @TaskLocal public static var running: [TestnetServer: Testnet] = [:]

    /// `MJBRIDGE_SKIP_TESTNET=1` skips the integration suites (with this reason shown);
    /// anything else and a missing InspIRCd/Atheme/ngIRCd is a test failure.
    public static let skipRequested = ProcessInfo.processInfo.environment["MJBRIDGE_SKIP_TESTNET"] == "1"
    public static let skipReason: Comment = "MJBRIDGE_SKIP_TESTNET=1: integration tests against InspIRCd + Atheme skipped"
    public static let ngircdSkipReason: Comment = "MJBRIDGE_SKIP_TESTNET=1: integration tests against ngIRCd skipped"
    public static let bothSkipReason: Comment = "MJBRIDGE_SKIP_TESTNET=1: integration tests against InspIRCd + Atheme and ngIRCd skipped"

    public static func require() throws -> Testnet {
        try #require(current, "the testnet did not start (see the error of the suite trait)")
    }

    /// The suite's network running `server`; fails when the suite's trait did not start one.
    public static func require(_ server: TestnetServer) throws -> Testnet {
        try #require(running[server], "no \(server) testnet in this suite (its trait starts: \(running.keys.map(\.rawValue).sorted()))")
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

    public static func start(_ server: TestnetServer = .inspircd) async throws -> Testnet {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("mjbridge-irc-client-\(UUID().uuidString.prefix(8))").path
        try await run(script("start.sh"), "--server", server.rawValue, directory)
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
        guard try string("TESTNET_SERVER") == server.rawValue else {
            throw TestnetError("env.json of \(directory) is not a \(server) network")
        }
        return Testnet(
            server: server,
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

    /// Kills the IRC server (Atheme stays) and starts it again on the same ports.
    public func restartServer() async throws {
        try await Testnet.run(Testnet.script("restart-ircd.sh"), directory)
    }

    /// Freezes the IRC server (SIGSTOP): connections stay open, nothing is answered. Always follow
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

/// Starts the suite's networks (side by side) around a whole suite and stops them afterwards,
/// also when the suite or the start of another of them fails.
public struct TestnetTrait: SuiteTrait, TestScoping {
    public let servers: [TestnetServer]
    public var isRecursive: Bool { false }

    public func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        let results = await withTaskGroup(of: (TestnetServer, Result<Testnet, any Error>).self) { group in
            for server in servers {
                group.addTask {
                    do {
                        return (server, .success(try await ServerStartGate.shared.starting { try await Testnet.start(server) }))
                    } catch { return (server, .failure(error)) }
                }
            }
            var results: [TestnetServer: Result<Testnet, any Error>] = [:]
            for await (server, result) in group { results[server] = result }
            return results
        }
        var started: [TestnetServer: Testnet] = [:]
        for (server, result) in results {
            if case .success(let net) = result { started[server] = net }
        }
        func stopAll() async {
            for net in started.values { await net.stop() }
        }
        for server in servers {
            if case .failure(let error) = results[server] {
                await stopAll()
                throw error
            }
        }
        let first = started[servers[0]]
        do {
            try await Testnet.$running.withValue(started) {
                try await Testnet.$current.withValue(first) { try await function() }
            }
        } catch {
            await stopAll()
            throw error
        }
        await stopAll()
    }
}

extension Trait where Self == TestnetTrait {
    /// Runs the suite against a freshly started `Scripts/testnet/` network (InspIRCd + Atheme).
    public static var testnet: Self { TestnetTrait(servers: [.inspircd]) }

    /// Runs the suite against a freshly started ngIRCd (`start.sh --server ngircd`): no services.
    public static var ngircdTestnet: Self { TestnetTrait(servers: [.ngircd]) }

    /// Runs the suite with one network of each of `servers`, for tests parametrized over them
    /// (`@Test(arguments: TestnetServer.allCases)` + `Testnet.require(server)`).
    public static func testnets(_ servers: TestnetServer...) -> Self { TestnetTrait(servers: servers) }
}
