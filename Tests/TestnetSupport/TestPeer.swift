import Foundation
import IRC
import NIOCore
import NIOPosix
import NIOSSL
import Testing
import IRCClient

/// A second, deliberately simple IRC client for integration tests: it watches what the bot
/// does (as another user on the network), creates channels, kicks. Answers PING by itself.
public actor TestPeer {
    let channel: any NIOCore.Channel
    private var received: [Message] = []
    private var rawLines: [String] = []
    private var cursor = 0
    public private(set) var closed = false
    public private(set) var nick = ""

    private init(channel: any Channel) {
        self.channel = channel
    }

    public static func connect(to net: Testnet) async throws -> TestPeer {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(net.caFile)
        let context = try NIOSSLContext(configuration: tls)
        let (inputs, sink) = AsyncStream.makeStream(of: PeerInput.self)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(NIOSSLClientHandler(context: context, serverHostname: nil))
                    try pipeline.addHandler(ByteToMessageHandler(PeerLineDecoder()))
                    try pipeline.addHandler(PeerInboundHandler(sink: sink))
                }
            }
            .connect(host: net.host, port: net.tlsPort).get()
        let peer = TestPeer(channel: channel)
        Task {
            for await input in inputs { await peer.deliver(input) }
        }
        return peer
    }

    private func deliver(_ input: PeerInput) {
        switch input {
        case .line(let text):
            guard let message = try? Message(parsing: text) else { return }
            if message.command == "PING" {
                send("PONG :\(message.params.last ?? "")")
                return
            }
            rawLines.append(text)
            received.append(message)
        case .closed:
            closed = true
        }
    }

    public func send(_ line: String) {
        channel.writeAndFlush(ByteBuffer(string: line + "\r\n"), promise: nil)
    }

    /// Sends `lines` in one write, so the server reads them together and handles them one
    /// after the other before anything another client sends in reaction to the first.
    public func send(together lines: [String]) {
        channel.writeAndFlush(ByteBuffer(string: lines.map { $0 + "\r\n" }.joined()), promise: nil)
    }

    /// Registers (no SASL) and waits for 001. `user` is the USER name (the `user` of
    /// `nick!user@host`; servers without ident put `~` before it).
    public func register(nick: String, user: String = "peer") async throws {
        self.nick = nick
        send("NICK \(nick)")
        send("USER \(user) 0 * :test peer")
        _ = try await expect("001 for \(nick)") { $0.command == "001" }
    }

    /// Logs in to a services account through NickServ and waits for 900 (RPL_LOGGEDIN), so
    /// the bot sees this peer's messages with an `account` tag.
    public func identify(account: String, password: String) async throws {
        send("PRIVMSG NickServ :IDENTIFY \(account) \(password)")
        _ = try await expect("900 logged in as \(account)") { $0.command == "900" }
    }

    /// Waits until a line matching `predicate` arrives and returns it; lines before it are
    /// consumed. Fails after `timeout` (a deadline for a broken run, not a speed assertion).
    public func expect(_ what: String, timeout: Duration = .seconds(30), _ predicate: (Message) -> Bool) async throws -> Message {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while true {
            while cursor < received.count {
                let message = received[cursor]
                cursor += 1
                if predicate(message) { return message }
            }
            if closed || ContinuousClock.now >= deadline {
                throw TestnetError("peer \(nick): no \(what) within \(timeout) (closed: \(closed)); last lines: \(rawLines.suffix(8))")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// The raw text of every line received so far (for byte-length checks).
    public func lines() -> [String] { rawLines }

    public func quit() async {
        send("QUIT :bye")
        try? await channel.close()
    }
}

/// A unique nick/channel suffix so tests never collide on the shared network.
public func uniqueName(_ prefix: String) -> String {
    prefix + String(UInt32.random(in: 0..<UInt32.max), radix: 36)
}

/// Collects an IRCConnection's events until one matches.
public actor EventLog {
    private var events: [IRCClientEvent] = []
    private var cursor = 0
    private var finished = false

    public init(_ client: IRCConnection) {
        let stream = client.events
        Task { [weak self] in
            for await event in stream { await self?.append(event) }
            await self?.finish()
        }
    }

    private func append(_ event: IRCClientEvent) { events.append(event) }
    private func finish() { finished = true }

    public var all: [IRCClientEvent] { events }

    public func expect(_ what: String, timeout: Duration = .seconds(30), _ predicate: (IRCClientEvent) -> Bool) async throws -> IRCClientEvent {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while true {
            while cursor < events.count {
                let event = events[cursor]
                cursor += 1
                if predicate(event) { return event }
            }
            if finished || ContinuousClock.now >= deadline {
                throw TestnetError("client: no \(what) within \(timeout); events: \(events.suffix(10))")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
