import Bridge
import Foundation
import Logging
import Matrix
import Store
import Synchronization
@testable import App

/// One `MatrixAccount` against a `ScriptedHomeserver`, with a real SQLite store and a real
/// bridge over it (its proxy unreachable: nothing here submits). The account is not started:
/// `start()` runs its loop; `finish()` opens `gate` (answers a script holds), stops the loop and
/// the server, and removes the files. Room ids and aliases live on `example.org`.
struct MatrixAccountRig {
    static let userID = "@mjb:example.org"

    let homeserver: ScriptedHomeserver
    let store: SQLiteStore
    let databasePath: String
    let account: MatrixAccount
    let bridge: ChatBridge
    let directory: URL
    let gate: Gate
    let clock: TestClock

    /// A clock a test moves by hand (the account's `now`).
    final class TestClock: Sendable {
        private let date = Mutex(Date(timeIntervalSince1970: 1_764_500_000))
        var now: Date { date.withLock { $0 } }
        func advance(by seconds: TimeInterval) { date.withLock { $0 += seconds } }
    }

    /// `credential` is the account's `access_token = …` or `password = …` line.
    static func make(rooms: [String] = [], aliases: [String: String] = [:], credential: String = #"access_token = "syt_rig_token""#,
                     script: @escaping @Sendable (ScriptedHomeserver.Request, ScriptedHomeserver.Answer, Gate) async
                         -> ScriptedHomeserver.Answer = { _, answer, _ in answer }) async throws -> MatrixAccountRig {
        let gate = Gate()
        let homeserver = try await ScriptedHomeserver.start(userID: userID, aliases: aliases) { request, answer in
            await script(request, answer, gate)
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mjbridge-mxrig-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let roomList = rooms.map { "\"\($0)\"" }.joined(separator: ", ")
        let configuration = try ConfigurationLoader(environment: [:]).parse(toml: """
            [proxy]
            base_url = "http://127.0.0.1:1"

            [[matrix]]
            name = "hs"
            homeserver = "\(homeserver.baseURL)"
            user_id = "\(userID)"
            \(credential)
            rooms = [\(roomList)]
            """, baseDirectory: directory.path)
        var logger = Logger(label: "matrix-rig")
        logger.logLevel = .critical
        let databasePath = directory.appendingPathComponent("bot.sqlite").path
        let store = try SQLiteStore.open(path: databasePath)
        let clock = TestClock()
        let account = MatrixAccount(settings: configuration.matrix[0], store: store, logger: logger,
                                    retry: MatrixRetryPolicy(base: .milliseconds(50), cap: .milliseconds(200)),
                                    syncTimeout: .seconds(1), now: { clock.now })
        let proxy = try ProxyClients(configuration.proxy, logger: logger)
        let bridge = ChatBridge(configuration: configuration.bridgeConfiguration(notifyHook: nil, callbackSecret: "rig-secret"),
                                client: proxy.main, store: store, transport: MatrixTransport(accounts: [account]),
                                imageFetcher: nil, logger: logger)
        return MatrixAccountRig(homeserver: homeserver, store: store, databasePath: databasePath, account: account, bridge: bridge,
                                directory: directory, gate: gate, clock: clock)
    }

    /// Runs `body` with a rig and always cleans up (see the type).
    static func with(rooms: [String] = [], aliases: [String: String] = [:], credential: String = #"access_token = "syt_rig_token""#,
                     script: @escaping @Sendable (ScriptedHomeserver.Request, ScriptedHomeserver.Answer, Gate) async
                         -> ScriptedHomeserver.Answer = { _, answer, _ in answer },
                     _ body: (MatrixAccountRig) async throws -> Void) async throws {
        let rig = try await make(rooms: rooms, aliases: aliases, credential: credential, script: script)
        do {
            try await body(rig)
        } catch {
            await rig.finish()
            throw error
        }
        await rig.finish()
    }

    final class Loop: Sendable {
        let task = Mutex<Task<Void, Never>?>(nil)
    }

    private let loop = Loop()

    func start() {
        let (account, bridge) = (self.account, self.bridge)
        loop.task.withLock { $0 = Task { await account.run(into: bridge) } }
    }

    /// Ends the sync loop (as losing the account to another process does); `start()` runs it again.
    func stopLoop() async {
        let task = loop.task.withLock { $0 }
        task?.cancel()
        await task?.value
    }

    func finish() async {
        await gate.open()
        let task = loop.task.withLock { $0 }
        task?.cancel()
        await task?.value
        await homeserver.stop()
        try? FileManager.default.removeItem(at: directory)
    }
}
