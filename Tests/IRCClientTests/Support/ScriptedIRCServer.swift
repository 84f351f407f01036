import IRC
import NIOCore
import NIOPosix
import NIOSSL
@testable import IRCClient
import TestnetSupport

/// A plain-text IRC "server" on 127.0.0.1 (ephemeral port) whose side of the conversation the
/// test writes line by line: for what a real network will not do on cue (stay silent, send
/// ERROR, announce a particular hostmask). Runs without InspIRCd.
actor ScriptedIRCServer {
    nonisolated let port: Int
    private let listener: any Channel
    private var connections: [ScriptedConnection] = []

    private init(listener: any Channel, port: Int) {
        self.listener = listener
        self.port = port
    }

    /// `tls`: speak TLS with that server context first (certificates the testnet's InspIRCd
    /// cannot serve on cue: self-signed, expired).
    static func start(tls: NIOSSLContext? = nil) async throws -> ScriptedIRCServer {
        let (accepted, sink) = AsyncStream.makeStream(of: ScriptedConnection.self)
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let (inputs, inputSink) = AsyncStream.makeStream(of: ConnectionInput.self)
                    let pipeline = channel.pipeline.syncOperations
                    if let tls { try pipeline.addHandler(NIOSSLServerHandler(context: tls)) }
                    try pipeline.addHandler(ByteToMessageHandler(IRCLineDecoder()))
                    try pipeline.addHandler(IRCInboundHandler(sink: inputSink, waitsForTLS: false))
                    sink.yield(ScriptedConnection(channel: channel, inputs: inputs))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let server = ScriptedIRCServer(listener: listener, port: listener.localAddress?.port ?? 0)
        Task {
            for await connection in accepted { await server.append(connection) }
        }
        return server
    }

    private func append(_ connection: ScriptedConnection) { connections.append(connection) }

    /// How many connections the client opened so far.
    var connectionCount: Int { connections.count }

    /// The `number`th connection the client opened (1-based), once it is there. Waits default to
    /// 30 s: the whole suite runs in one process on 2 cores beside a dozen IRC servers starting,
    /// and 10 s proved too short there for a client that was merely waiting its turn.
    func connection(_ number: Int, timeout: Duration = .seconds(30)) async throws -> ScriptedConnection {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while connections.count < number {
            if ContinuousClock.now >= deadline {
                throw TestnetError("scripted server: connection \(number) did not arrive within \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        return connections[number - 1]
    }

    func stop() async {
        for connection in connections { await connection.close() }
        try? await listener.close()
    }
}

/// One accepted client connection: what it sent, and a way to answer.
actor ScriptedConnection {
    private let channel: any Channel
    private var received: [Message] = []
    private var cursor = 0
    private(set) var closed = false

    init(channel: any Channel, inputs: AsyncStream<ConnectionInput>) {
        self.channel = channel
        Task { [weak self] in
            for await input in inputs { await self?.deliver(input) }
        }
    }

    private func deliver(_ input: ConnectionInput) {
        switch input {
        case .line(let text):
            if let message = try? Message(parsing: text) { received.append(message) }
        case .closed:
            closed = true
        default:
            break
        }
    }

    func send(_ lines: String...) {
        for line in lines { channel.write(ByteBuffer(string: line + "\r\n"), promise: nil) }
        channel.flush()
    }

    /// Chat lines (PRIVMSG, NOTICE) the client sent so far, read or not.
    var chatCount: Int {
        received.count { $0.command == "PRIVMSG" || $0.command == "NOTICE" }
    }

    /// The next line the client sent that matches, skipping the ones before it.
    func expect(_ what: String, timeout: Duration = .seconds(30), _ predicate: (Message) -> Bool) async throws -> Message {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while true {
            while cursor < received.count {
                let message = received[cursor]
                cursor += 1
                if predicate(message) { return message }
            }
            if closed || ContinuousClock.now >= deadline {
                throw TestnetError("scripted server: no \(what) within \(timeout) (closed: \(closed)); got: \(received.suffix(8).map { $0.serialized() })")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Answers the client's registration as a server without CAP would: 421 for CAP, then
    /// 001 carrying `mask` once NICK and USER are in.
    func welcome(_ nick: String, mask: String) async throws {
        _ = try await expect("CAP LS") { $0.command == "CAP" }
        send(":srv 421 * CAP :Unknown command")
        _ = try await expect("NICK") { $0.command == "NICK" }
        _ = try await expect("USER") { $0.command == "USER" }
        send(":srv 001 \(nick) :Welcome to the Scripted IRC Network \(mask)",
             ":srv 005 \(nick) CASEMAPPING=rfc1459 CHANTYPES=# NICKLEN=30 :are supported by this server")
    }

    /// PING → PONG: once the answer is back, the client has handled everything sent before.
    func roundTrip(_ token: String) async throws {
        send("PING :\(token)")
        _ = try await expect("PONG \(token)") { $0.command == "PONG" && $0.params.last == token }
    }

    func close() async {
        try? await channel.close()
    }
}
