extension LineSplitter {
    /// One wire line of a reply and where it ends in the reply's text.
    public struct Piece: Sendable, Hashable {
        public var message: Message
        /// UTF-8 offset in the text just after this piece's last byte: a later attempt that
        /// starts there says only what comes after it.
        public var end: Int
    }

    /// `split(_:command:target:)` with each line's end offset in `text`. The pieces are `text`
    /// in order minus the bytes the splitter drops (CR, LF, NUL, `\u{1}`), so each end is
    /// found by walking `text` past those.
    public func pieces(of text: String, command: String = "PRIVMSG", target: String) -> [Piece] {
        let messages = split(text, command: command, target: target)
        let bytes = Array(text.utf8)
        var position = 0
        return messages.map { message in
            for byte in message.params[message.params.count - 1].utf8 {
                // Only dropped bytes lie between, and a piece never holds one, so the first
                // equal byte is this one.
                while position < bytes.count, bytes[position] != byte { position += 1 }
                position += 1
            }
            return Piece(message: message, end: min(position, bytes.count))
        }
    }
}
