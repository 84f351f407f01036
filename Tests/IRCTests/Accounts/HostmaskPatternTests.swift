import IRC
import Testing

@Suite struct HostmaskPatternTests {
    @Test func partialPatternsAreCompleted() {
        #expect(HostmaskPattern("*@host.example")?.text == "*!*@host.example")
        #expect(HostmaskPattern("~u@host")?.text == "*!~u@host")
        #expect(HostmaskPattern("nick!user")?.text == "nick!user@*")
        #expect(HostmaskPattern("nick*")?.text == "nick*!*@*")
        #expect(HostmaskPattern("a!b@c")?.text == "a!b@c")
        #expect(HostmaskPattern("") == nil)
        #expect(HostmaskPattern("a b!*@*") == nil)
        #expect(HostmaskPattern("a\u{1}!*@*") == nil)
    }

    @Test func wildcardsMatchRunsAndSingleCharacters() throws {
        let pattern = try #require(HostmaskPattern("*!~bob?@*.example.net"))
        #expect(pattern.matches(nick: "x", userHost: "~bob1@a.example.net", caseMapping: .rfc1459))
        #expect(pattern.matches(nick: "x", userHost: "~bob1@deep.sub.example.net", caseMapping: .rfc1459))
        #expect(!pattern.matches(nick: "x", userHost: "~bob@a.example.net", caseMapping: .rfc1459), "? needs one character")
        #expect(!pattern.matches(nick: "x", userHost: "~bob12@a.example.net", caseMapping: .rfc1459))
        #expect(!pattern.matches(nick: "x", userHost: "~bob1@example.net.evil", caseMapping: .rfc1459))
        #expect(try #require(HostmaskPattern("*")).matches("anyone!u@h", caseMapping: .ascii))
        #expect(!(try #require(HostmaskPattern("a!b@c"))).matches("a!b@cd", caseMapping: .ascii))
    }

    @Test func matchingFoldsWithTheNetworksCaseMapping() throws {
        let pattern = try #require(HostmaskPattern("Ops[1]~!*@Host"))
        #expect(pattern.matches(nick: "ops{1}^", userHost: "u@host", caseMapping: .rfc1459))
        #expect(!pattern.matches(nick: "ops{1}^", userHost: "u@host", caseMapping: .strictRFC1459), "strict does not fold ~")
        #expect(pattern.matches(nick: "ops{1}~", userHost: "u@HOST", caseMapping: .strictRFC1459))
        #expect(!pattern.matches(nick: "ops{1}~", userHost: "u@host", caseMapping: .ascii), "ascii does not fold brackets")
        #expect(pattern.matches(nick: "OPS[1]~", userHost: "u@host", caseMapping: .ascii))
    }

    @Test func hostilePatternsStayFast() throws {
        // Backtracking only to the last star: this would be exponential with naive recursion.
        let pattern = try #require(HostmaskPattern(String(repeating: "*a", count: 40) + "*b!*@*"))
        #expect(!pattern.matches(String(repeating: "a", count: 400) + "!u@h", caseMapping: .rfc1459))
    }

    @Test func masksAreToldFromAccounts() {
        #expect(HostmaskPattern.looksLikeMask("*!*@h"))
        #expect(HostmaskPattern.looksLikeMask("u@h"))
        #expect(HostmaskPattern.looksLikeMask("spam?"))
        #expect(!HostmaskPattern.looksLikeMask("alice"))
    }
}
