import IRC
@testable import IRCClient
import NIOCore
import NIOPosix
import NIOSSL
import TestnetSupport

/// A loopback IRC "server" (plain or TLS) whose lines the test writes, for what no real
/// network does on cue (advertise STS). The same idea as IRCClientTests' ScriptedIRCServer,
/// kept small here: accepted connections, the lines each sent, and a way to answer.
actor ScriptedIRCListener {
    nonisolated let port: Int
    private let listener: any Channel
    private var connections: [ScriptedIRCPeer] = []

    private init(listener: any Channel, port: Int) {
        self.listener = listener
        self.port = port
    }

    static func start(tls: NIOSSLContext? = nil) async throws -> ScriptedIRCListener {
        let (accepted, sink) = AsyncStream.makeStream(of: ScriptedIRCPeer.self)
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let (inputs, inputSink) = AsyncStream.makeStream(of: ConnectionInput.self)
                    let pipeline = channel.pipeline.syncOperations
                    if let tls { try pipeline.addHandler(NIOSSLServerHandler(context: tls)) }
                    try pipeline.addHandler(ByteToMessageHandler(IRCLineDecoder()))
                    try pipeline.addHandler(IRCInboundHandler(sink: inputSink, waitsForTLS: false))
                    sink.yield(ScriptedIRCPeer(channel: channel, inputs: inputs))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let server = ScriptedIRCListener(listener: listener, port: listener.localAddress?.port ?? 0)
        Task { for await connection in accepted { await server.append(connection) } }
        return server
    }

    private func append(_ connection: ScriptedIRCPeer) { connections.append(connection) }

    var connectionCount: Int { connections.count }

    func connection(_ number: Int, timeout: Duration = .seconds(15)) async throws -> ScriptedIRCPeer {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while connections.count < number {
            if ContinuousClock.now >= deadline { throw TestnetError("listener: connection \(number) did not arrive within \(timeout)") }
            try await Task.sleep(for: .milliseconds(10))
        }
        return connections[number - 1]
    }

    func stop() async {
        for connection in connections { await connection.close() }
        try? await listener.close()
    }
}

actor ScriptedIRCPeer {
    private let channel: any Channel
    private var received: [Message] = []
    private var cursor = 0
    private var closed = false

    init(channel: any Channel, inputs: AsyncStream<ConnectionInput>) {
        self.channel = channel
        Task { [weak self] in for await input in inputs { await self?.deliver(input) } }
    }

    private func deliver(_ input: ConnectionInput) {
        switch input {
        case .line(let text): if let message = try? Message(parsing: text) { received.append(message) }
        case .closed: closed = true
        default: break
        }
    }

    func send(_ lines: String...) {
        for line in lines { channel.write(ByteBuffer(string: line + "\r\n"), promise: nil) }
        channel.flush()
    }

    func expect(_ what: String, timeout: Duration = .seconds(15), _ predicate: (Message) -> Bool) async throws -> Message {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while true {
            while cursor < received.count {
                let message = received[cursor]
                cursor += 1
                if predicate(message) { return message }
            }
            if closed || ContinuousClock.now >= deadline {
                throw TestnetError("listener: no \(what) within \(timeout) (closed: \(closed)); got: \(received.suffix(8).map { $0.serialized() })")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Registers the client as a server listing `capabilities` in CAP LS would.
    func welcome(_ nick: String, offering capabilities: [String]) async throws {
        _ = try await expect("CAP LS") { $0.command == "CAP" && $0.params.first == "LS" }
        send(":srv CAP * LS :\(capabilities.joined(separator: " "))")
        let request = try await expect("CAP REQ or END") { $0.command == "CAP" && ($0.params.first == "REQ" || $0.params.first == "END") }
        if request.params.first == "REQ" {
            send(":srv CAP * ACK :\(request.params.last ?? "")")
            _ = try await expect("CAP END") { $0.command == "CAP" && $0.params.first == "END" }
        }
        send(":srv 001 \(nick) :Welcome \(nick)!u@h", ":srv 005 \(nick) CASEMAPPING=rfc1459 :are supported by this server")
    }

    func close() async { try? await channel.close() }
}
