import IRC
import Testing

@Suite struct MessageSerializationTests {
    @Test func plainLines() {
        #expect(Message("PRIVMSG", "#chan", "hello").serialized() == "PRIVMSG #chan hello")
        #expect(Message("PRIVMSG", "#chan", "hello there").serialized() == "PRIVMSG #chan :hello there")
        #expect(Message("PRIVMSG", "#chan", "").serialized() == "PRIVMSG #chan :")
        #expect(Message("PRIVMSG", "#chan", ":)").serialized() == "PRIVMSG #chan ::)")
        #expect(Message("QUIT").serialized() == "QUIT")
        #expect(Message(command: "USER", params: ["bot", "0", "*", "Real Name"]).serialized() == "USER bot 0 * :Real Name")
    }

    @Test func tagsAreSortedAndEscaped() {
        let message = Message(tags: ["b": "x y;z\\w\r\n", "a": "", "+c": "1"], source: nil, command: "TAGMSG", params: ["#a"])
        #expect(message.serialized() == #"@+c=1;a;b=x\sy\:z\\w\r\n TAGMSG #a"#)
    }

    @Test func sourceIsWritten() {
        let message = Message(source: Source(nick: "n", user: "u", host: "h"), command: "PRIVMSG", params: ["#a", "hi"])
        #expect(message.serialized() == ":n!u@h PRIVMSG #a hi")
    }

    @Test func noValueCanInjectASecondCommand() {
        let evil = "hi\r\nQUIT :bye\0"
        let message = Message(
            tags: ["k\r\n": "v\0\r\n"],
            source: Source(nick: "n\r\nick"),
            command: "PRIV\nMSG",
            params: ["#a\r\nJOIN", evil]
        )
        let line = message.serialized()
        #expect(!line.utf8.contains(0x0D))
        #expect(!line.utf8.contains(0x0A))
        #expect(!line.utf8.contains(0))
        #expect(line == #"@k=v\r\n :nick PRIVMSG #aJOIN :hiQUIT :bye"#)
    }

    @Test func middleParamsThatCannotBeWrittenKeepTheParamCount() throws {
        let message = Message(command: "CMD", params: ["a b", "", ":x", "::", "last"])
        #expect(message.serialized() == "CMD ab * x * last")
        #expect(try Message(parsing: message.serialized()).params.count == 5)
    }

    @Test func roundTrips() throws {
        let lines = [
            "@a=b\\sc;d :n!u@h PRIVMSG #chan :hello world",
            ":irc.example.net 005 me CASEMAPPING=rfc1459 CHANTYPES=# :are supported by this server",
            "PRIVMSG #a ::starts with colon",
            "PRIVMSG #a :",
            "PING token",
            "@+draft/react=🦊;msgid=x CMD é ünïcödé :trailing ünïcödé",
        ]
        for line in lines {
            let message = try Message(parsing: line)
            #expect(try Message(parsing: message.serialized()) == message)
        }
        let built = Message(tags: ["t": "; \\\r\n=é"], source: Source(nick: "a", user: "b", host: "c"), command: "NOTICE", params: ["x", "y z"])
        #expect(try Message(parsing: built.serialized()) == built)
    }
}

@Suite struct MessageByteSerializationTests {
    @Test func receivedTagsAreWrittenAsTheyCame() throws {
        // No re-sorting: the tag section of a parsed line is copied, escapes and all.
        let line = #"@time=1;account=a;+draft/reply=x\sy :n!u@h PRIVMSG #a :hello there"#
        #expect(try Message(parsing: line).serialized() == line)
    }

    @Test func bytesAreAppendedToTheBuffer() throws {
        var buffer = Array("PREFIX".utf8)
        let messages = [
            Message("PRIVMSG", "#chan", "hello there"),
            Message(tags: ["b": "x y", "a": ""], source: Source(nick: "n", user: "u", host: "h"), command: "NOTICE", params: ["x", ":y"]),
            Message(command: "CMD", params: ["a b", "", ":x", "::", "last"]),
            Message(source: Source(nick: "\r\n"), command: "QUIT", params: ["\r\n"]),
            try Message(parsing: "@a=1 :irc.example.net 353 me = #c :@a +b c"),
        ]
        for message in messages {
            let before = buffer
            message.serialize(into: &buffer)
            #expect(buffer == before + Array(message.serialized().utf8))
        }
        #expect(messages[3].serialized() == "QUIT :")
    }

    @Test func forbiddenBytesAreDroppedAtEveryOffsetOfAWord() {
        // The serializer checks eight bytes at a time; a byte to drop may sit anywhere.
        let text = Array("0123456789abcdefghij".utf8)
        for offset in 0..<text.count {
            for byte: UInt8 in [0x00, 0x0D, 0x0A, 0x20] {
                var bytes = text
                bytes[offset] = byte
                let part = String(decoding: bytes, as: UTF8.self)
                var dropped = bytes
                dropped.remove(at: offset)
                let without = String(decoding: dropped, as: UTF8.self)
                let line = Message(source: Source(nick: part), command: "CMD", params: [part, part]).serialized()
                let trailing = byte == 0x20 ? ":" + part : without
                #expect(line == ":\(without) CMD \(without) \(trailing)", "byte \(byte) at \(offset)")
            }
        }
    }

    @Test func trailingNeedsItsMarkerOnlyWhenItMust() {
        #expect(Message("PRIVMSG", "#a", "word").serialized() == "PRIVMSG #a word")
        #expect(Message("PRIVMSG", "#a", "\r\nword").serialized() == "PRIVMSG #a word")
        #expect(Message("PRIVMSG", "#a", "\n:word").serialized() == "PRIVMSG #a ::word")
        #expect(Message("PRIVMSG", "#a", "two words").serialized() == "PRIVMSG #a :two words")
        #expect(Message("PRIVMSG", ":#a", "x").serialized() == "PRIVMSG #a x")
    }
}
