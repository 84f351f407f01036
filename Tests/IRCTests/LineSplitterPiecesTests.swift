import IRC
import Testing

@Suite struct LineSplitterPiecesTests {
    let splitter = LineSplitter(sender: Source(nick: "bot", user: "u", host: "h"))

    @Test func endsAreOffsetsIntoTheOriginalText() {
        // Three 489-byte lines' worth, words cut after spaces, with dropped bytes between.
        let long = (0..<200).map { "w\($0)" }.joined(separator: " ")
        let text = "first line\r\n\u{1}" + long + "\n\0\nlast 🦊"
        let pieces = splitter.pieces(of: text, target: "#c")
        #expect(pieces.map(\.message) == splitter.split(text, target: "#c"))
        #expect(pieces.count >= 4)
        let bytes = Array(text.utf8)
        var start = 0
        for piece in pieces {
            // What lies between the last end and this end is this piece plus dropped bytes.
            let between = bytes[start..<piece.end].filter { ![0, 1, 0x0D, 0x0A].contains($0) }
            #expect(String(decoding: between, as: UTF8.self) == piece.message.params[1])
            // Starting over from an end says exactly the rest.
            let rest = String(decoding: bytes[piece.end...], as: UTF8.self)
            let tail = pieces.drop { $0 != piece }.dropFirst().map { $0.message.params[1] }
            #expect(splitter.split(rest, target: "#c").map { $0.params[1] } == tail)
            start = piece.end
        }
        #expect(pieces.last?.end == bytes.count)
        #expect(splitter.pieces(of: "\r\n\0", target: "#c").isEmpty)
    }
}
