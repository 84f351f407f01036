import Foundation
import IRC
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A person on the testnet for the footprint benchmark: plain TCP on loopback, blocking
/// socket calls on a thread of its own (never on the cooperative pool), answering PING, and
/// counting what one nick says in one channel.
final class BenchIRCUser: Sendable {
    private let descriptor: Int32
    let nick: String
    private let state = Mutex(State())

    /// When the connection was made (before NICK/USER), for the server's own connect → 001 time.
    private let connectedAt: ContinuousClock.Instant
    private struct State {
        var heard: [String: Int] = [:]
        var welcomed = false
        var welcomedAt: ContinuousClock.Instant?
        var joined: Set<String> = []
        /// JOINs seen per nick and channel (a nick that quits and comes back counts twice).
        var joinCounts: [String: Int] = [:]
        var closed = false
    }

    /// Connects and registers as `nick`; returns once 001 arrived (or throws after `timeout`).
    init(host: String, port: Int, nick: String, timeout: Duration = .seconds(30)) async throws {
        self.nick = nick
        connectedAt = ContinuousClock.now
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.descriptor = descriptor
        guard descriptor >= 0 else { throw BenchError("socket: \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, host, &address.sin_addr)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(descriptor)
            throw BenchError("cannot connect to \(host):\(port): errno \(errno)")
        }
        let reader = Thread { [self] in readLoop() }
        reader.start()
        send("NICK \(nick)")
        send("USER \(nick) 0 * :benchmark user")
        try await waitUntil("001 for \(nick)", timeout: timeout) { $0.welcomed }
    }

    /// From the TCP connect to the 001 line being read.
    var welcomeTime: Duration? { state.withLock { $0.welcomedAt }.map { $0 - connectedAt } }

    func send(_ line: String) {
        let bytes = Array((line + "\r\n").utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            sent += n
        }
    }

    func join(_ channel: String) async throws {
        send("JOIN \(channel)")
        try await waitForJoin(of: nick, to: channel, timeout: .seconds(30))
    }

    /// Waits until `who` joined `channel` (as this user sees it: after this user's own join).
    func waitForJoin(of who: String, to channel: String, timeout: Duration) async throws {
        let key = Self.key(who, channel.lowercased())
        try await waitUntil("\(who) joining \(channel)", timeout: timeout) { $0.joined.contains(key) }
    }

    /// How many times `who` joined `channel` so far (as this user saw it).
    func joins(of who: String, to channel: String) -> Int {
        state.withLock { $0.joinCounts[Self.key(who, channel.lowercased()), default: 0] }
    }

    /// Waits until `who` joined `channel` `count` times in all.
    func waitForJoins(of who: String, to channel: String, count: Int, timeout: Duration) async throws {
        let key = Self.key(who, channel.lowercased())
        try await waitUntil("\(who) joining \(channel) (\(count))", timeout: timeout) { $0.joinCounts[key, default: 0] >= count }
    }

    /// How many PRIVMSGs `nick` sent so far whose text contains `marker` (keyed by both).
    func heard(from nick: String, containing marker: String) -> Int {
        state.withLock { $0.heard[Self.key(nick, marker), default: 0] }
    }

    /// Waits until `nick` said `count` lines containing `marker`.
    func waitForLines(from nick: String, containing marker: String, count: Int, timeout: Duration) async throws {
        let key = Self.key(nick, marker)
        try await waitUntil("\(count) lines from \(nick) with \(marker)", timeout: timeout) { $0.heard[key, default: 0] >= count }
    }

    /// What the user counts: every line from a nick, keyed by nick and marker, set before the lines arrive.
    func watch(nick: String, marker: String) {
        state.withLock { $0.heard[Self.key(nick, marker)] = $0.heard[Self.key(nick, marker)] ?? 0 }
    }

    func quit() {
        send("QUIT :bench done")
        shutdown(descriptor, Int32(SHUT_RDWR))
    }

    private static func key(_ nick: String, _ marker: String) -> String { nick.lowercased() + "\u{0}" + marker }

    private func waitUntil(_ what: String, timeout: Duration, _ condition: (State) -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            let (done, closed) = state.withLock { (condition($0), $0.closed) }
            if done { return }
            if closed { throw BenchError("the connection closed while waiting for \(what)") }
            if ContinuousClock.now >= deadline { throw BenchError("timed out waiting for \(what)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    private func readLoop() {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            buffer.append(contentsOf: chunk[0..<n])
            while let newline = buffer.firstIndex(of: 10) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self).trimmingCharacters(in: ["\r"])
                buffer.removeSubrange(...newline)
                handle(line)
            }
        }
        state.withLock { $0.closed = true }
        close(descriptor)
    }

    private func handle(_ line: String) {
        guard let message = try? Message(parsing: line) else { return }
        switch message.command {
        case "PING":
            send("PONG :\(message.params.last ?? "")")
        case "001":
            let now = ContinuousClock.now
            state.withLock { $0.welcomed = true; $0.welcomedAt = now }
        case "JOIN":
            if let channel = message.params.first, let who = message.source?.nick {
                state.withLock {
                    $0.joined.insert(Self.key(who, channel.lowercased()))
                    $0.joinCounts[Self.key(who, channel.lowercased()), default: 0] += 1
                }
            }
        case "PRIVMSG":
            guard let nick = message.source?.nick, let text = message.params.last else { return }
            state.withLock { (state: inout State) -> Void in
                for key in state.heard.keys where key.hasPrefix(nick.lowercased() + "\u{0}") {
                    let marker = key.dropFirst(nick.count + 1)
                    if text.contains(marker) { state.heard[key, default: 0] += 1 }
                }
            }
        default:
            break
        }
    }
}
