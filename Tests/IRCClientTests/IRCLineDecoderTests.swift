import NIOCore
import NIOEmbedded
import Testing
@testable import IRCClient

@Suite struct IRCLineDecoderTests {
    private func decode(_ chunks: [String], maximum: Int = 100) throws -> [IRCLineDecoder.Line] {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(IRCLineDecoder(maximumLineLength: maximum)))
        for chunk in chunks {
            try channel.writeInbound(ByteBuffer(string: chunk))
        }
        var lines: [IRCLineDecoder.Line] = []
        while let line = try channel.readInbound(as: IRCLineDecoder.Line.self) {
            lines.append(line)
        }
        _ = try channel.finish()
        return lines
    }

    @Test func splitsOnLFAndStripsCR() throws {
        #expect(try decode(["PING :a\r\nPING :b\nPI", "NG :c\r", "\n"]) == [
            .line("PING :a"), .line("PING :b"), .line("PING :c"),
        ])
    }

    @Test func emptyLinesAreSkipped() throws {
        #expect(try decode(["\r\n\nPING :x\r\n"]) == [.line("PING :x")])
    }

    @Test func partialLineAtCloseIsDropped() throws {
        #expect(try decode(["PING :a\r\nPING :unfinished"]) == [.line("PING :a")])
    }

    @Test func invalidUTF8IsReplacedNotDropped() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(IRCLineDecoder()))
        try channel.writeInbound(ByteBuffer(bytes: Array("PRIVMSG #c :a".utf8) + [0xFF, 0x0A]))
        #expect(try channel.readInbound(as: IRCLineDecoder.Line.self) == .line("PRIVMSG #c :a\u{FFFD}"))
    }

    @Test func overlongLineIsSkippedAndFramingRecovers() throws {
        let long = String(repeating: "x", count: 150)
        #expect(try decode([long, long, "\r\nPING :ok\r\n"]) == [.overlong(length: 301), .line("PING :ok")])
        #expect(try decode([long + "\nPING :ok\n"]) == [.overlong(length: 150), .line("PING :ok")])
    }

    @Test func lineOfExactlyTheLimitPasses() throws {
        let exact = String(repeating: "y", count: 100)
        #expect(try decode([exact + "\n"]) == [.line(exact)])
    }
}
