import IRC
import Testing

@Suite struct LineSplitterTests {
    let me = Source(nick: "bot", user: "u", host: "h")

    /// What a recipient gets from the server for one of our lines, CRLF included.
    func received(_ message: Message, from sender: Source) -> Int {
        var line = message
        line.source = sender
        return line.serialized().utf8.count + 2
    }

    @Test func budgetCountsTheReceivedForm() {
        // ":bot!u@h PRIVMSG #c :" is 21 bytes, CRLF 2.
        #expect(LineSplitter(sender: me).textBudget(command: "PRIVMSG", target: "#c") == 489)
        #expect(LineSplitter(sender: me, lineLength: 1024).textBudget(command: "NOTICE", target: "#c") == 1002)
        // Unknown user and host: 11 and 63 bytes assumed.
        #expect(LineSplitter(sender: Source(nick: "bot")).textBudget(command: "PRIVMSG", target: "#c") == 489 - 10 - 62)
    }

    @Test func exactLimit() throws {
        let splitter = LineSplitter(sender: me)
        let fits = String(repeating: "a", count: 488) + " "
        let one = splitter.split(fits, target: "#c")
        #expect(one.count == 1)
        #expect(received(one[0], from: me) == 512)

        let tooLong = String(repeating: "a", count: 490)
        let two = splitter.split(tooLong, target: "#c")
        #expect(two.map { $0.params[1].utf8.count } == [489, 1])
        #expect(two.allSatisfy { $0.command == "PRIVMSG" && $0.params[0] == "#c" })
    }

    @Test func emojiAtTheBoundaryIsNotCut() {
        let text = String(repeating: "a", count: 487) + "🦊🦊"
        let chunks = LineSplitter.chunks(of: Substring(text), budget: 489)
        #expect(chunks == [String(repeating: "a", count: 487), "🦊🦊"])
        let exact = String(repeating: "a", count: 485) + "🦊"
        #expect(LineSplitter.chunks(of: Substring(exact), budget: 489) == [exact])
    }

    @Test func graphemeClustersStayTogether() {
        let family = "👩‍👩‍👧" // 18 bytes, one grapheme
        let text = String(repeating: "x", count: 10) + family
        #expect(LineSplitter.chunks(of: Substring(text), budget: 20) == [String(repeating: "x", count: 10), family])
        // A grapheme larger than the whole budget is cut between scalars as a last resort.
        let chunks = LineSplitter.chunks(of: Substring(family), budget: 8)
        #expect(chunks == ["👩\u{200D}", "👩\u{200D}", "👧"])
        #expect(chunks.joined() == family)
    }

    @Test func prefersWordBoundaries() {
        let chunks = LineSplitter.chunks(of: "the quick brown fox jumps", budget: 12)
        #expect(chunks == ["the quick ", "brown fox ", "jumps"])
        #expect(chunks.joined() == "the quick brown fox jumps")
    }

    @Test func urlThatFitsIsKeptWhole() {
        let url = "https://example.com/" + String(repeating: "p", count: 280)
        let text = String(repeating: "word ", count: 60) + url + " done"
        let chunks = LineSplitter.chunks(of: Substring(text), budget: 489)
        #expect(chunks.contains { $0.contains(url) })
        #expect(chunks.joined() == text)
        #expect(chunks.allSatisfy { $0.utf8.count <= 489 })
    }

    @Test func urlLongerThanALineFillsLinesAndIsCut() {
        let url = "https://example.com/" + String(repeating: "q", count: 1000)
        let text = "see " + url + " ok"
        let chunks = LineSplitter.chunks(of: Substring(text), budget: 489)
        #expect(chunks.map(\.utf8.count) == [489, 489, 49])
        #expect(chunks.joined() == text)
    }

    @Test func newlinesStartNewLinesAndNothingUnsafeSurvives() {
        let messages = LineSplitter(sender: me).split("one\r\ntwo\n\nthree\rfour\0!\r\n", command: "NOTICE", target: "nick")
        #expect(messages.map { $0.params[1] } == ["one", "two", "three", "four!"])
        #expect(messages.allSatisfy { $0.command == "NOTICE" })
        #expect(LineSplitter(sender: me).split("", target: "#c").isEmpty)
        #expect(LineSplitter(sender: me).split("\r\n\n", target: "#c").isEmpty)
    }

    @Test func threeThousandMultibyteCharactersReassembleExactly() {
        let words = ["Grüße", "漢字テキスト", "🦊", "👩‍👩‍👧", "naïve", "café", "Ελληνικά", "русский", "a", "🇩🇪", "e\u{301}"]
        var generator = SplitMix64(seed: 7)
        var text = ""
        while text.count < 3000 {
            text += words[Int(generator.next() % UInt64(words.count))]
            text += generator.next() % 5 == 0 ? "" : " "
        }
        for sender in [me, Source(nick: "mjbridge")] {
            let splitter = LineSplitter(sender: sender)
            let messages = splitter.split(text, target: "#mjbridge")
            #expect(messages.count > 5)
            let worstSender = Source(nick: sender.nick, user: sender.user ?? String(repeating: "u", count: 11),
                                     host: sender.host ?? String(repeating: "h", count: 63))
            #expect(messages.allSatisfy { received($0, from: worstSender) <= 512 })
            let pieces = messages.map { $0.params[1] }
            #expect(pieces.joined() == text)
            // No grapheme is split: the pieces' characters are exactly the text's characters.
            #expect(pieces.flatMap { Array($0) } == Array(text))
        }
    }

    @Test func absurdlySmallBudgetStillMakesProgress() {
        #expect(LineSplitter.chunks(of: "a🦊b", budget: 2) == ["a", "🦊", "b"])
        #expect(LineSplitter.chunks(of: "ab", budget: 0) == ["a", "b"])
    }
    /// Issue 12: a `\u{1}` right after a cut would start a line that every recipient takes as a
    /// CTCP (ACTION, DCC…). Random text with the marker at every offset around the cut, with
    /// and without a space before it (where the word-boundary rule cuts), in every script:
    /// no line carries it, and the lines still add up to the text without it.
    @Test func noLineCarriesACTCPMarker() {
        var random = SplitMix64(seed: 0x01_C7C9)
        let splitter = LineSplitter(sender: me)
        let budget = splitter.textBudget(command: "PRIVMSG", target: "#c")
        let filler = ["a", "b", " ", "é", "🦊", "字", "e\u{301}", "👩‍👩‍👧"]
        let payloads = ["\u{1}ACTION waves\u{1}", "\u{1}DCC SEND x 1 2 3\u{1}", "\u{1}", " \u{1}VERSION\u{1}", "\u{1}\u{1}x"]
        var checked = 0
        for offset in (budget - 16)...(budget + 16) {
            for payload in payloads {
                for _ in 0..<6 {
                    var text = ""
                    while text.utf8.count < offset - 4 { text += filler.randomElement(using: &random)! }
                    while text.utf8.count < offset { text += "x" }
                    text += payload
                    for _ in 0..<Int.random(in: 0...300, using: &random) { text += filler.randomElement(using: &random)! }
                    if Bool.random(using: &random) { text += "\n" + payload + "tail" }
                    let messages = splitter.split(text, target: "#c")
                    for message in messages {
                        let line = message.params[1]
                        #expect(!line.utf8.contains(0x01), "offset \(offset): \(line.suffix(20).debugDescription)")
                        #expect(!line.isEmpty && line.utf8.count <= budget)
                    }
                    let expected = String(String.UnicodeScalarView(text.unicodeScalars.filter { $0 != "\u{1}" })).split(separator: "\n").joined()
                    #expect(messages.map { $0.params[1] }.joined() == expected)
                    checked += 1
                }
            }
        }
        #expect(checked == 33 * 5 * 6)
    }
}
