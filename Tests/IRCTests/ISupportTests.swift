import IRC
import Testing

@Suite struct ISupportTests {
    @Test func defaultsFollowTheRFC() {
        let support = ISupport()
        #expect(support.caseMapping == .rfc1459)
        #expect(support.channelTypes == "#&")
        #expect(support.prefixes == [.init(mode: "o", symbol: "@"), .init(mode: "v", symbol: "+")])
        #expect(support.nickLength == 9)
        #expect(support.channelLength == 200)
        #expect(support.lineLength == 512)
        #expect(support.network == nil)
        #expect(support.maximumTargets(for: "PRIVMSG") == 1)
        #expect(support.isChannel("#a") && support.isChannel("&a") && !support.isChannel("nick") && !support.isChannel(""))
    }

    @Test func appliesA005Line() throws {
        var support = ISupport()
        support.apply(try Message(parsing: #":irc.test 005 bot CASEMAPPING=ascii CHANTYPES=#! PREFIX=(qaohv)~&@%+ NICKLEN=30 CHANNELLEN=64 LINELEN=2048 NETWORK=Test\x20Net TARGMAX=PRIVMSG:4,NOTICE:,JOIN: EXCEPTS :are supported by this server"#))
        #expect(support.caseMapping == .ascii)
        #expect(support.channelTypes == "#!")
        #expect(support.isChannel("!abc") && !support.isChannel("&abc"))
        #expect(support.prefixes.map(\.symbol) == ["~", "&", "@", "%", "+"])
        #expect(support.prefixes.map(\.mode) == ["q", "a", "o", "h", "v"])
        #expect(support.nickLength == 30)
        #expect(support.channelLength == 64)
        #expect(support.lineLength == 2048)
        #expect(support.network == "Test Net")
        #expect(support.maximumTargets(for: "privmsg") == 4)
        #expect(support.maximumTargets(for: "NOTICE") == nil)
        #expect(support.maximumTargets(for: "KICK") == 1)
        #expect(support.value("EXCEPTS") == "")
        #expect(support.value("are supported by this server") == nil)
    }

    @Test func negatedTokensRestoreDefaults() {
        var support = ISupport()
        for token in ["CASEMAPPING=ascii", "NICKLEN=20", "NETWORK=X", "PREFIX=(o)@", "CHANTYPES=#"] { support.apply(token: token) }
        #expect(support.nickLength == 20 && support.network == "X" && support.prefixes.count == 1)
        for token in ["-CASEMAPPING", "-NICKLEN", "-NETWORK", "-PREFIX", "-CHANTYPES"] { support.apply(token: token) }
        #expect(support == ISupport())
    }

    @Test func oddValues() {
        var support = ISupport()
        support.apply(token: "CHANNELLEN=")
        #expect(support.channelLength == nil)
        support.apply(token: "PREFIX=")
        #expect(support.prefixes.isEmpty)
        support.apply(token: "PREFIX=(ov)@")
        #expect(support.prefixes == ISupport.defaultPrefixes)
        support.apply(token: "CHANTYPES=")
        #expect(!support.isChannel("#a"))
        support.apply(token: "LINELEN=100")
        #expect(support.lineLength == 512)
        support.apply(token: "NICKLEN=abc")
        #expect(support.nickLength == 9)
        support.apply(token: #"NETWORK=A\x2"#)
        #expect(support.network == #"A\x2"#)
        support.apply(token: #"NETWORK=\xE2\x82\xAC\x3Dx"#)
        #expect(support.network == "€=x")
    }

    @Test func splitsNamesPrefixes() {
        var support = ISupport()
        support.apply(token: "PREFIX=(qov)~@+")
        #expect(support.splitPrefixes("~@nick") == ("~@", "nick"))
        #expect(support.splitPrefixes("nick") == ("", "nick"))
        #expect(support.splitPrefixes("+n+") == ("+", "n+"))
    }
}
