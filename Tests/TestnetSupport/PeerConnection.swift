import NIOCore

/// The second client's own framing, deliberately independent of `IRCConnection`'s: the peer is
/// the witness of what the bot puts on the wire, so it must not share the bot's decoder (a bug
/// there would hide itself), and a regular target cannot `@testable import` the product's
/// internals without breaking `swift build -c release`.
///
/// Splits on LF, drops one trailing CR, keeps every other byte (a stray `\x01` or NUL in a
/// line is exactly what the injection tests look for). Invalid UTF-8 becomes U+FFFD.
struct PeerLineDecoder: ByteToMessageDecoder {
    typealias InboundOut = String

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            return .needMoreData
        }
        var line = buffer.readSlice(length: newline - buffer.readerIndex)!
        buffer.moveReaderIndex(forwardBy: 1)
        if line.readableBytesView.last == UInt8(ascii: "\r") {
            line.moveWriterIndex(to: line.writerIndex - 1)
        }
        let text = String(decoding: line.readableBytesView, as: UTF8.self)
        if !text.isEmpty { context.fireChannelRead(wrapInboundOut(text)) }
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
        return .needMoreData
    }
}

/// What the peer's pipeline reports, in order; `.closed` is always last.
enum PeerInput: Sendable {
    case line(String)
    case closed
}

/// Forwards framed lines and the end of the connection into the peer actor's stream.
final class PeerInboundHandler: ChannelInboundHandler {
    typealias InboundIn = String

    private let sink: AsyncStream<PeerInput>.Continuation

    init(sink: AsyncStream<PeerInput>.Continuation) {
        self.sink = sink
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        sink.yield(.line(unwrapInboundIn(data)))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        sink.yield(.closed)
        sink.finish()
        context.fireChannelInactive()
    }
}
