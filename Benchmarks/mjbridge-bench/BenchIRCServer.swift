import Foundation

/// The smallest IRC server the bot will talk to, for the callback → wire benchmark: it
/// registers one client (no CAPs offered, so the bot confirms its lines with a PING barrier,
/// which is answered at once), echoes JOINs, answers PINGs, and records every PRIVMSG the bot
/// writes with the moment its bytes arrived at this socket (the read that returned them). It
/// has no flood limit of any kind: the benchmark measures the bot, not a server's throttle.
/// `say(from:to:text:)` delivers a user's line to the bot.
final class BenchIRCServer: Sendable {
    struct Received: Sendable {
        let target: String
        let text: String
        let at: ContinuousClock.Instant
    }

    private struct State {
        var client: LineSocket?
        var nick = "*"
        var gotUser = false
        var registered = false
        var joined: Set<String> = []
        var privmsgs: [Received] = []
        var lines = 0
    }

    let port: Int
    private let listener: LineListener
    private let state: Locked<State>

    init() throws {
        let state = Locked(State())
        self.state = state
        listener = try LineListener { socket in
            state.withLock { $0.client = socket }
            socket.startReading(line: { line, at in BenchIRCServer.handle(line, at: at, socket: socket, state: state) },
                                closed: { state.withLock { $0.client = nil; $0.registered = false; $0.joined = [] } })
        }
        port = listener.port
    }

    var botNick: String { state.withLock { $0.nick } }
    var isRegistered: Bool { state.withLock { $0.registered } }
    func hasJoined(_ channel: String) -> Bool { state.withLock { $0.joined.contains(channel.lowercased()) } }
    var privmsgCount: Int { state.withLock { $0.privmsgs.count } }
    /// Every line the bot wrote so far (all commands).
    var lineCount: Int { state.withLock { $0.lines } }

    func privmsgs(from index: Int) -> [Received] {
        state.withLock { Array($0.privmsgs[min(index, $0.privmsgs.count)...]) }
    }

    /// A user's PRIVMSG to the bot (or its channel).
    func say(from nick: String, to target: String, text: String) {
        let client = state.withLock { $0.client }
        client?.send(":\(nick)!\(nick)@127.0.0.1 PRIVMSG \(target) :\(text)")
    }

    func stop() {
        state.withLock { $0.client }?.shutdown()
        listener.stop()
    }

    private static func handle(_ line: String, at: ContinuousClock.Instant, socket: LineSocket, state: Locked<State>) {
        let words = line.split(separator: " ", omittingEmptySubsequences: true)
        guard let first = words.first else { return }
        let command = first.hasPrefix("@") || first.hasPrefix(":") ? (words.count > 1 ? words[1] : "") : first
        let args = Array(words.drop(while: { $0 != command }).dropFirst())
        let trailing: String? = line.range(of: " :").map { String(line[$0.upperBound...]) }
        state.withLock { $0.lines += 1 }
        switch command.uppercased() {
        case "CAP":
            if args.first?.uppercased() == "LS" { socket.send(":bench.irc CAP * LS :") }
            if args.first?.uppercased() == "REQ" { socket.send(":bench.irc CAP * NAK :\(trailing ?? "")") }
        case "NICK":
            let nick = String(args.first ?? "bot")
            let register = state.withLock { s -> Bool in
                s.nick = nick
                return s.gotUser && !s.registered
            }
            if register { welcome(socket: socket, state: state) }
        case "USER":
            let register = state.withLock { s -> Bool in
                s.gotUser = true
                return s.nick != "*" && !s.registered
            }
            if register { welcome(socket: socket, state: state) }
        case "PING":
            socket.send(":bench.irc PONG bench.irc :\(trailing ?? args.first.map(String.init) ?? "")")
        case "JOIN":
            let nick = state.withLock { $0.nick }
            for channel in (args.first ?? "").split(separator: ",") {
                socket.send(":\(nick)!bot@127.0.0.1 JOIN \(channel)")
                socket.send(":bench.irc 353 \(nick) = \(channel) :\(nick) alice")
                socket.send(":bench.irc 366 \(nick) \(channel) :End of /NAMES list.")
                state.withLock { _ = $0.joined.insert(channel.lowercased()) }
            }
        case "PRIVMSG", "NOTICE":
            let target = String(args.first ?? "")
            state.withLock { $0.privmsgs.append(Received(target: target, text: trailing ?? "", at: at)) }
        case "QUIT":
            socket.send("ERROR :Closing link")
            socket.shutdown()
        default:
            break
        }
    }

    private static func welcome(socket: LineSocket, state: Locked<State>) {
        let nick = state.withLock { s -> String in
            s.registered = true
            return s.nick
        }
        socket.send(":bench.irc 001 \(nick) :Welcome to the benchmark network")
        socket.send(":bench.irc 002 \(nick) :Your host is bench.irc")
        socket.send(":bench.irc 003 \(nick) :This server was created today")
        socket.send(":bench.irc 004 \(nick) bench.irc bench-1 iow nt")
        socket.send(":bench.irc 005 \(nick) CHANTYPES=# PREFIX=(ov)@+ CASEMAPPING=ascii NETWORK=Bench :are supported by this server")
        socket.send(":bench.irc 422 \(nick) :MOTD File is missing")
    }
}
