import Foundation
import IRC
import Store
import TestnetSupport
#if canImport(Glibc)
import Glibc
#endif

/// The testnet's InspIRCd as a delivery test leaves it: frozen (SIGSTOP), or killed and started
/// again. `restore()` undoes whatever a failing test left, so the next test of the suite finds
/// a running server. Each suite with the `.testnet` trait has a network of its own (started by
/// the trait in a fresh directory), so freezing or killing this one touches no other suite.
actor ServerControl {
    let net: Testnet
    private var paused = false
    private var down = false

    init(_ net: Testnet) { self.net = net }

    /// SIGSTOP: connections stay open, the kernel still takes bytes into the socket buffers,
    /// nothing is read or answered.
    func freeze() async throws {
        paused = true
        try await net.pauseServer()
    }

    func thaw() async throws {
        try await net.resumeServer()
        paused = false
    }

    /// SIGKILL (no goodbye; whatever sat unread in its socket buffers is lost), then started
    /// again on the same ports; returns once services have relinked. Works on a frozen server.
    func killAndRestart() async throws {
        down = true
        _ = try await ScriptRunner.run([Testnet.script("kill-ircd.sh"), net.directory, "KILL"])
        paused = false
        _ = try await ScriptRunner.run([Testnet.script("start-ircd.sh"), net.directory])
        down = false
    }

    /// Whatever the test left: a frozen server is thawed, a killed one started again.
    func restore() async {
        if paused {
            _ = try? await net.resumeServer()
            paused = false
        }
        if down {
            _ = try? await ScriptRunner.run([Testnet.script("start-ircd.sh"), net.directory])
            down = false
        }
    }
}

/// Runs `body`, then `cleanup` whether `body` threw or not (an async `defer`).
func withCleanup<T>(_ body: () async throws -> T, cleanup: () async -> Void) async throws -> T {
    let value: T
    do {
        value = try await body()
    } catch {
        await cleanup()
        throw error
    }
    await cleanup()
    return value
}

/// Asks `probe` every `interval` until it returns a value; throws after `timeout` (a deadline
/// for a broken run, never a speed assertion).
func eventually<T>(_ what: String, timeout: Duration = .seconds(30), interval: Duration = .milliseconds(100),
                   _ probe: () async throws -> T?) async throws -> T {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while true {
        if let value = try await probe() { return value }
        guard ContinuousClock.now < deadline else { throw TestnetError("no \(what) within \(timeout)") }
        try await Task.sleep(for: interval)
    }
}

extension TestPeer {
    /// The texts of every PRIVMSG `nick` sent to `target` that this peer received, in order.
    func privmsgs(from nick: String, to target: String) -> [String] {
        lines().compactMap { try? Message(parsing: $0) }
            .filter { $0.command == "PRIVMSG" && $0.source?.nick == nick && $0.params.first == target }
            .map { $0.params.last ?? "" }
    }

    /// A new connection as `nick`, in `channel` (its creator, so an op, on a fresh server).
    static func joined(_ net: Testnet, nick: String, channel: String) async throws -> TestPeer {
        let peer = try await TestPeer.connect(to: net)
        try await peer.register(nick: nick)
        await peer.send("JOIN \(channel)")
        _ = try await peer.expect("own JOIN of \(channel)") { $0.command == "JOIN" && $0.source?.nick == nick }
        return peer
    }
}

/// The bot's outbox as the test reads it from the database file (the bot may be another
/// process): which result lines exist and which are marked sent.
struct OutboxProbe {
    let store: any BotStore

    init(path: String) throws {
        store = try SQLiteStore.open(path: path)
    }

    init(store: any BotStore) {
        self.store = store
    }

    /// The result line (the one with ✅) of each task, when every task has one.
    func resultLines(of taskIds: [String]) async throws -> [OutboxLine]? {
        var found: [OutboxLine] = []
        for id in taskIds {
            guard let line = try await store.lines(forTask: id).first(where: { $0.text.contains("✅") }) else { return nil }
            found.append(line)
        }
        return found
    }
}
