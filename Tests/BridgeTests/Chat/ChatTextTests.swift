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
        #expect(ChatText.truncated("abcdef", to: 4) == "abc…")
        #expect(ChatText.truncated("abc", to: 4) == "abc")
    }
}
