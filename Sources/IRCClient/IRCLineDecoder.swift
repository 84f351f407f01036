import NIOCore

/// Frames the byte stream into IRC lines: split on LF, drop a trailing CR, refuse to buffer
/// past `maximumLineLength` (a server or attacker that never sends LF cannot grow our memory).
/// An overlong line is discarded up to its LF and reported as `.overlong`, then framing resumes.
struct IRCLineDecoder: ByteToMessageDecoder {
    enum Line: Sendable, Hashable {
        case line(String)
        /// A line longer than the limit was skipped; `length` is how many bytes were dropped so far.
        case overlong(length: Int)
    }

    typealias InboundOut = Line

    /// IRCv3 allows 8191 bytes of tags plus the 512-byte message; anything past that is junk.
    static let defaultMaximumLineLength = 8191 + 512

    let maximumLineLength: Int
    /// True while we are throwing away the rest of an overlong line.
    private var discarding = false
    private var discarded = 0

    init(maximumLineLength: Int = IRCLineDecoder.defaultMaximumLineLength) {
        self.maximumLineLength = maximumLineLength
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > maximumLineLength {
                discarded += buffer.readableBytes
                buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
                discarding = true
            }
            return .needMoreData
        }
        let length = newline - buffer.readerIndex
        if discarding || length > maximumLineLength {
            let dropped = discarded + length
            buffer.moveReaderIndex(forwardBy: length + 1)
            discarding = false
            discarded = 0
            context.fireChannelRead(wrapInboundOut(.overlong(length: dropped)))
            return .continue
        }
        var line = buffer.readSlice(length: length)!
        buffer.moveReaderIndex(forwardBy: 1)
        if line.readableBytesView.last == UInt8(ascii: "\r") {
            line.moveWriterIndex(to: line.writerIndex - 1)
        }
        // Invalid UTF-8 becomes U+FFFD instead of costing us the line; the parser decides the rest.
        let text = String(decoding: line.readableBytesView, as: UTF8.self)
        if !text.isEmpty {
            context.fireChannelRead(wrapInboundOut(.line(text)))
        }
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        // A partial last line without LF is not a complete IRC message; drop it.
        buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
        return .needMoreData
    }
}
