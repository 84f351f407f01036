import Testing
@testable import Bridge

@Suite struct ChatTextTests {
    @Test func stripsSimpleFormattingCodes() {
        #expect(ChatText.stripFormatting("\u{02}!imagine\u{02} a \u{1D}red\u{0F} \u{1F}fox\u{16}\u{1E}\u{11}") == "!imagine a red fox")
    }

    @Test func stripsColoursWithTheirDigits() {
        #expect(ChatText.stripFormatting("\u{03}4!help\u{03}") == "!help")
        #expect(ChatText.stripFormatting("\u{03}12,05red\u{03}") == "red")
        #expect(ChatText.stripFormatting("\u{03}1,2x") == "x")
        // A comma not followed by a digit is text.
        #expect(ChatText.stripFormatting("\u{03}3,x") == ",x")
        // Only two digits belong to the colour.
        #expect(ChatText.stripFormatting("\u{03}123") == "3")
        #expect(ChatText.stripFormatting("\u{04}FF0000,00FF00hex") == "hex")
    }

    @Test func removesLineBreaksAndNul() {
        #expect(ChatText.stripFormatting("a\r\nb\u{0}c") == "abc")
        #expect(ChatText.wireSafe("a\r\nQUIT :x\u{0}") == "a  QUIT :x")
        #expect(OutgoingChat(network: "n", target: "#c", text: "x\ny").text == "x y")
    }

    @Test func foldsCaseTheRFC1459Way() {
        #expect(ChatText.caseFolded("MJBridge[Away]\\~") == "mjbridge{away}|^")
    }

    @Test func truncatesWithEllipsis() {
        // Bytes: "…" is three of them.
        #expect(ChatText.truncated("abcdef", to: 6) == "abcdef")
        #expect(ChatText.truncated("abcdefg", to: 6) == "abc…")
        #expect(ChatText.truncated("abc", to: 4) == "abc")
        #expect(ChatText.truncated("abcdef", to: 2) == "")
    }

    /// Issue 12: a prompt is cut by bytes at a grapheme boundary, so 5 KB in any script fits
    /// the budget it is given and no character is split.
    @Test(arguments: ["é", "🦊", "👩‍👩‍👧", "e\u{301}\u{302}", "字", "a", "🇳🇿"])
    func truncatesByBytesAtGraphemeBoundaries(unit: String) {
        let text = String(repeating: unit, count: 5000 / unit.utf8.count + 1)
        for limit in [1, 3, 4, 30, 80, 81, 82, 83, 200, 350] {
            let cut = ChatText.truncated(text, to: limit)
            #expect(cut.utf8.count <= limit, "\(limit)")
            guard limit >= 3 else { continue }
            #expect(cut.hasSuffix("…"))
            let kept = cut.dropLast()
            // Whole graphemes only, and as many as fit.
            #expect(kept.allSatisfy { $0 == Character(unit) }, "\(limit): \(kept.unicodeScalars.map(\.value))")
            #expect(kept.utf8.count + 3 + unit.utf8.count > limit)
        }
    }

    @Test func aGraphemeBiggerThanTheLimitLeavesOnlyTheEllipsis() {
        let zalgo = "e" + String(repeating: "\u{301}", count: 2500)  // one Character, 5 KB
        #expect(zalgo.count == 1)
        #expect(ChatText.truncated(zalgo, to: 80) == "…")
    }

    /// Issue 12: all C0 controls and DEL are removed from untrusted text, whatever they are.
    @Test func untrustedTextHasNoControlCharacterLeft() {
        let controls = (0...0x1F).map { String(UnicodeScalar(UInt8($0))) } + ["\u{7F}"]
        for control in controls {
            // untrustedLines keeps its line feeds, and only them.
            let lines = ChatText.untrustedLines("a\(control)b\n\(control)c").split(separator: "\n").joined()
            for text in [ChatText.untrusted("a\(control)b\(control)"), ChatText.wireSafe("a\(control)b"), lines,
                         OutgoingChat(network: "n", target: "#c", text: "x\(control)y").text] {
                #expect(!text.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F },
                        "U+\(String(control.unicodeScalars.first!.value, radix: 16)): \(text.debugDescription)")
            }
        }
        // Line breaks and tabs become spaces (words stay apart), colours go with their digits.
        #expect(ChatText.untrusted("\u{1}ACTION waves\u{1}") == "ACTION waves")
        #expect(ChatText.untrusted("\u{3}04red\r\nQUIT :x\tz\u{0}") == "red  QUIT :x z")
        #expect(ChatText.untrusted("a\nPRIVMSG #other :spam") == "a PRIVMSG #other :spam")
        #expect(ChatText.untrustedLines("1. a\u{1}b\r\n\r\n2. c\u{7F}") == "1. ab\n2. c")
        // The parser's view keeps TAB (an argument separator) and drops the rest.
        #expect(ChatText.stripFormatting("!imagine\ta\u{1}b\u{7F}") == "!imagine\tab")
    }
}
