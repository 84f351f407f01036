import IRC
import Testing

@Suite struct MessageParsingTests {
    @Test func simpleCommandWithoutParams() throws {
        let message = try Message(parsing: "PING")
        #expect(message == Message(command: "PING"))
    }

    @Test func fullLineWithTagsSourceMiddleAndTrailing() throws {
        let message = try Message(parsing: "@id=123AB;rose :nick!ident@host.com PRIVMSG #chan :hello there world\r\n")
        #expect(message.tags == ["id": "123AB", "rose": ""])
        #expect(message.source == Source(nick: "nick", user: "ident", host: "host.com"))
        #expect(message.command == "PRIVMSG")
        #expect(message.params == ["#chan", "hello there world"])
    }

    @Test func commandWordIsUpperCasedAndNumericKept() throws {
        #expect(try Message(parsing: "privmsg #a b").command == "PRIVMSG")
        #expect(try Message(parsing: "PrIvMsG #a b").command == "PRIVMSG")
        #expect(try Message(parsing: ":srv 001 me :Welcome").command == "001")
    }

    // Frequent commands and tag keys come from a lookup table keyed by their bytes; words that
    // share a prefix with an entry, or extend one, must still come out as written.
    @Test func wordsNearTheCommonCommandAndTagTablesKeepTheirSpelling() throws {
        for command in ["PRIVMSG", "PRIVMSGX", "PRIVMS", "PING", "PIN", "PINGS", "CAP", "CA", "CAPS", "AUTHENTICATE", "INVITED"] {
            #expect(try Message(parsing: "\(command) a").command == command)
        }
        #expect(try Message(parsing: "notice a b").command == "NOTICE")
        let message = try Message(parsing: "@time=1;tim=2;times=3;timf=4;+typing=5;+typin=6;account;accounts=7;msgid=;msgidx=8 CMD")
        #expect(message.tags == ["time": "1", "tim": "2", "times": "3", "timf": "4", "+typing": "5", "+typin": "6",
                                 "account": "", "accounts": "7", "msgid": "", "msgidx": "8"])
    }

    @Test func forbiddenBytesAreFoundAtEveryOffsetOfAWord() {
        // The scan tests eight bytes at a time with a cheap "any byte below 0x0E" filter first.
        for offset in 0..<17 {
            for byte: UInt8 in [0x00, 0x0D, 0x0A] {
                var bytes = Array("PRIVMSG #a :0123456789abcdefghij".utf8)
                bytes[12 + offset] = byte
                #expect(throws: IRCParseError.forbiddenByte(byte, offset: 12 + offset)) { try Message(parsing: bytes) }
                #expect(throws: IRCParseError.forbiddenByte(byte, offset: 12 + offset)) {
                    try Message(parsing: String(decoding: bytes, as: UTF8.self))
                }
            }
            // Bytes just above and below the filter's threshold are ordinary text.
            for byte: UInt8 in [0x01, 0x09, 0x0B, 0x0C, 0x0E, 0x0F, 0x7F, 0xFF] {
                var bytes = Array("PRIVMSG #a :0123456789abcdefghij".utf8)
                bytes[12 + offset] = byte
                let text = String(decoding: bytes, as: UTF8.self)
                #expect(throws: Never.self) { try Message(parsing: text) }
            }
        }
    }

    @Test func invalidCommandsAreErrors() {
        #expect(throws: IRCParseError.invalidCommand("PRIV-MSG")) { try Message(parsing: "PRIV-MSG #a b") }
        #expect(throws: IRCParseError.invalidCommand("01")) { try Message(parsing: ":srv 01 me") }
        #expect(throws: IRCParseError.invalidCommand("0001")) { try Message(parsing: ":srv 0001 me") }
        #expect(throws: IRCParseError.invalidCommand("A1")) { try Message(parsing: "A1") }
    }

    @Test func trailingVariants() throws {
        #expect(try Message(parsing: "PRIVMSG #a :").params == ["#a", ""])
        #expect(try Message(parsing: "PRIVMSG #a ::-)").params == ["#a", ":-)"])
        #expect(try Message(parsing: "PRIVMSG #a :  spaced  out  ").params == ["#a", "  spaced  out  "])
        #expect(try Message(parsing: "PRIVMSG #a :x :y").params == ["#a", "x :y"])
        #expect(try Message(parsing: "PRIVMSG #a last").params == ["#a", "last"])
        #expect(try Message(parsing: "CMD a:b c").params == ["a:b", "c"])
    }

    @Test func runsOfSpacesAreTolerated() throws {
        let message = try Message(parsing: "  @a=b   :src   CMD   x    y   :z  z")
        #expect(message.tags == ["a": "b"])
        #expect(message.source?.nick == "src")
        #expect(message.params == ["x", "y", "z  z"])
        #expect(try Message(parsing: "CMD a b   ").params == ["a", "b"])
    }

    @Test func lineEndingsAreStripped() throws {
        #expect(try Message(parsing: "PING :x\r\n").params == ["x"])
        #expect(try Message(parsing: "PING :x\n").params == ["x"])
        #expect(try Message(parsing: "PING :x\r").params == ["x"])
        #expect(try Message(parsing: "PING :x\r\n\r\n").params == ["x"])
    }

    @Test func tagValuesAreUnescaped() throws {
        let message = try Message(parsing: #"@a=semi\:colon;b=sp\sace;c=back\\slash;d=cr\rlf\n;e=unknown\x;f=lone\;g=\\\:;h=é\é CMD"#)
        #expect(message.tags["a"] == "semi;colon")
        #expect(message.tags["b"] == "sp ace")
        #expect(message.tags["c"] == #"back\slash"#)
        #expect(message.tags["d"] == "cr\rlf\n")
        #expect(message.tags["e"] == "unknownx")
        #expect(message.tags["f"] == "lone")
        #expect(message.tags["g"] == #"\;"#)
        #expect(message.tags["h"] == "éé")
    }

    @Test func tagEdgeCases() throws {
        let message = try Message(parsing: "@+draft/reply=abc;empty=;novalue;=orphan;;dup=1;dup=2;eq=a=b CMD")
        #expect(message.tags == ["+draft/reply": "abc", "empty": "", "novalue": "", "dup": "2", "eq": "a=b"])
        #expect(try Message(parsing: "@ CMD").tags.isEmpty)
    }

    @Test func sourceForms() throws {
        #expect(try Message(parsing: ":irc.example.net NOTICE * :hi").source == Source(nick: "irc.example.net"))
        #expect(try Message(parsing: ":nick@host CMD").source == Source(nick: "nick", host: "host"))
        #expect(try Message(parsing: ":nick!user CMD").source == Source(nick: "nick", user: "user"))
        #expect(try Message(parsing: ":n!u!x@h@y CMD").source == Source(nick: "n", user: "u!x", host: "h@y"))
        #expect(try Message(parsing: ":n@h!x CMD").source == Source(nick: "n", host: "h!x"))
        // The parser agrees with Source(parsing:) on every split.
        for mask in ["a", "a!b", "a@b", "a!b@c", "!@", "a@b!c", "a!!b@@c"] {
            #expect(try Message(parsing: ":\(mask) CMD").source == Source(parsing: Substring(mask)))
        }
    }

    @Test func structuralErrors() {
        #expect(throws: IRCParseError.emptyLine) { try Message(parsing: "") }
        #expect(throws: IRCParseError.emptyLine) { try Message(parsing: "   \r\n") }
        #expect(throws: IRCParseError.missingCommand) { try Message(parsing: "@a=b") }
        #expect(throws: IRCParseError.missingCommand) { try Message(parsing: "@a=b :src   ") }
        #expect(throws: IRCParseError.missingCommand) { try Message(parsing: ":src") }
        #expect(throws: IRCParseError.emptySource) { try Message(parsing: ": CMD") }
        #expect(throws: IRCParseError.emptySource) { try Message(parsing: ":") }
    }

    @Test func embeddedControlBytesAreErrors() {
        #expect(throws: IRCParseError.forbiddenByte(0x0D, offset: 10)) { try Message(parsing: "PRIVMSG #a\rQUIT") }
        #expect(throws: IRCParseError.forbiddenByte(0x0A, offset: 4)) { try Message(parsing: "PING\nQUIT\r\n") }
        #expect(throws: IRCParseError.forbiddenByte(0, offset: 6)) { try Message(parsing: "PING :\0x") }
    }

    @Test func bytesMustBeUTF8() throws {
        let good = Array("PRIVMSG #a :héllo 🦊".utf8)
        #expect(try Message(parsing: good).params == ["#a", "héllo 🦊"])
        #expect(throws: IRCParseError.invalidUTF8(offset: 12)) { try Message(parsing: Array("PRIVMSG #a :".utf8) + [0xFF, 0x41]) }
        // Overlong "/" and an encoded surrogate are rejected, a truncated sequence too.
        #expect(throws: IRCParseError.invalidUTF8(offset: 6)) { try Message(parsing: Array("PING :".utf8) + [0xC0, 0xAF]) }
        #expect(throws: IRCParseError.invalidUTF8(offset: 6)) { try Message(parsing: Array("PING :".utf8) + [0xED, 0xA0, 0x80]) }
        #expect(throws: IRCParseError.invalidUTF8(offset: 6)) { try Message(parsing: Array("PING :".utf8) + [0xF0, 0x9F, 0xA6]) }
        #expect(throws: IRCParseError.invalidUTF8(offset: 6)) { try Message(parsing: Array("PING :".utf8) + [0xF4, 0x90, 0x80, 0x80]) }
        // Largest scalar and the edges around the surrogate block are fine.
        #expect(try Message(parsing: Array("PING :".utf8) + [0xF4, 0x8F, 0xBF, 0xBF, 0xED, 0x9F, 0xBF, 0xEE, 0x80, 0x80]).params
            == ["\u{10FFFF}\u{D7FF}\u{E000}"])
        // Non-contiguous collections take the copying path.
        #expect(try Message(parsing: "PING :x".utf8.lazy.map { $0 }).params == ["x"])
    }

    @Test func overlongInputIsAnErrorNotACrash() {
        let hugeTags = "@a=" + String(repeating: "x", count: 8200) + " PING"
        #expect(throws: IRCParseError.tagsTooLong(length: 8204, limit: 8191)) { try Message(parsing: hugeTags) }
        let twentyKB = "PRIVMSG #a :" + String(repeating: "y", count: 20_000)
        #expect(throws: IRCParseError.lineTooLong(length: 20_012, limit: 16384)) { try Message(parsing: twentyKB) }
        let justFits = "@a=" + String(repeating: "x", count: 8187) + " PING"
        #expect(throws: Never.self) { try Message(parsing: justFits) }
    }

    @Test func errorsDescribeThemselves() {
        #expect(IRCParseError.forbiddenByte(0x0D, offset: 3).description == "IRC line contains CR at byte 3")
        #expect(IRCParseError.lineTooLong(length: 20000, limit: 16384).description.contains("20000"))
        #expect(IRCParseError.invalidCommand("X-Y").description.contains("\"X-Y\""))
    }
}

@Suite struct MessageTagLookupTests {
    @Test func oneTagIsLookedUpWithoutTheTable() throws {
        let message = try Message(parsing: #"@time=2026-11-30T10:00:00.000Z;account=alice;dup=1;bare;esc=a\sb\:c;dup=2;=orphan :a!b@c PRIVMSG #x :hi"#)
        #expect(message.tag("time") == "2026-11-30T10:00:00.000Z")
        #expect(message.tag("account") == "alice")
        #expect(message.tag("dup") == "2") // the last one counts, as in the table
        #expect(message.tag("bare") == "")
        #expect(message.tag("esc") == "a b;c")
        #expect(message.tag("acc") == nil)
        #expect(message.tag("accounts") == nil)
        #expect(message.tag("") == nil)
        #expect(try Message(parsing: "PING x").tag("time") == nil)
        #expect(try Message(parsing: "@ PING x").tag("time") == nil)
        // The bytes entry point keeps its own copy of the tag section and answers the same.
        let fromBytes = try Message(parsing: Array(#"@a=1;b=x\sy CMD"#.utf8))
        #expect(fromBytes.tag("b") == "x y" && fromBytes.tags == ["a": "1", "b": "x y"])
    }

    @Test func tagsCanBeSetAndReplaced() throws {
        var message = try Message(parsing: "@b=2;a=1 :n!u@h PRIVMSG #x :hi")
        message.tags["label"] = "mjb1"
        #expect(message.tags == ["a": "1", "b": "2", "label": "mjb1"])
        #expect(message.tag("label") == "mjb1")
        message.tags = [:]
        #expect(message.tags.isEmpty && message.tag("a") == nil)
        #expect(message.serialized() == ":n!u@h PRIVMSG #x hi")
    }

    @Test func equalityAndHashIgnoreTagOrder() throws {
        let one = try Message(parsing: "@a=1;b=2 CMD x")
        let other = try Message(parsing: "@b=2;a=1 CMD x")
        #expect(one == other)
        #expect(Set([one, other]).count == 1)
        #expect(one == Message(tags: ["a": "1", "b": "2"], command: "CMD", params: ["x"]))
        #expect(one != (try Message(parsing: "@a=1;b=3 CMD x")))
        #expect(one != (try Message(parsing: "CMD x")))
    }
}
