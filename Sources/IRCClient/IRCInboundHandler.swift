import NIOCore
import NIOSSL
import NIOTLS

/// What one connection's pipeline tells the client, in order; `.closed` is always last.
enum ConnectionInput: Sendable, Hashable {
    /// TCP (and TLS, when used) is established: time to register.
    case ready(tls: Bool)
    case line(String)
    case overlong(length: Int)
    case failed(String)
    /// The server is not the one configured (a `tls_fingerprint` mismatch): a config matter.
    case refused(String)
    case closed
}

/// The last handler in the pipeline: forwards framed lines and connection state into an
/// AsyncStream the client actor consumes. It decides nothing, except to stop reading from the
/// socket while `backlog` says the client is that far behind (the client resumes reading).
final class IRCInboundHandler: ChannelInboundHandler {
    typealias InboundIn = IRCLineDecoder.Line

    private let sink: AsyncStream<ConnectionInput>.Continuation
    /// Nil: never pause (the tests' scripted server, whose reader keeps no count).
    private let backlog: InboundBacklog?
    private let waitsForTLS: Bool
    /// `host:port`, for error sentences.
    private let server: String
    /// Set by the pin check when it refused the server's certificate (same event loop).
    private let pinRefusal: NIOLoopBoundBox<String?>?

    init(sink: AsyncStream<ConnectionInput>.Continuation, backlog: InboundBacklog? = nil, waitsForTLS: Bool, server: String = "the server",
         pinRefusal: NIOLoopBoundBox<String?>? = nil) {
        self.sink = sink
        self.backlog = backlog
        self.waitsForTLS = waitsForTLS
        self.server = server
        self.pinRefusal = pinRefusal
    }

    func channelActive(context: ChannelHandlerContext) {
        if !waitsForTLS { sink.yield(.ready(tls: false)) }
        context.fireChannelActive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted? = event as? TLSUserEvent {
            sink.yield(.ready(tls: true))
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .line(let text): sink.yield(.line(text))
        case .overlong(let length): sink.yield(.overlong(length: length))
        }
        if let backlog, backlog.produced(), let options = context.channel.syncOptions, (try? options.getOption(ChannelOptions.autoRead)) == true {
            // The client is `pauseAt` lines behind: let TCP make the server wait.
            try? options.setOption(ChannelOptions.autoRead, value: false)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let refused = pinRefusal?.value {
            // The handshake error only says CERTIFICATE_VERIFY_FAILED; the pin check knows why.
            sink.yield(.refused(refused))
        } else {
            sink.yield(.failed(ConnectionErrorText.describe(error, server: server)))
        }
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        sink.yield(.closed)
        sink.finish()
        context.fireChannelInactive()
    }
}
