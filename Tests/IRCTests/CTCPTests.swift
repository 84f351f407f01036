import Foundation
import IRC
import Testing

@Suite struct CTCPTests {
    let now = Date(timeIntervalSince1970: 1_764_060_203) // 2025-11-25T08:43:23Z

    func request(_ text: String, from source: String = "alice!a@host") throws -> Message {
        try Message(parsing: ":\(source) PRIVMSG bot :\(text)")
    }

    @Test func parsesRequests() {
        #expect(CTCP.parse("\u{01}VERSION\u{01}") == CTCP.Request(command: "VERSION"))
        #expect(CTCP.parse("\u{01}ping 123 456\u{01}") == CTCP.Request(command: "PING", argument: "123 456"))
        #expect(CTCP.parse("\u{01}ACTION waves") == CTCP.Request(command: "ACTION", argument: "waves"))
        #expect(CTCP.parse("hello") == nil)
        #expect(CTCP.parse("\u{01}\u{01}") == nil)
        #expect(CTCP.isCTCP("\u{01}X\u{01}") && !CTCP.isCTCP("x\u{01}"))
    }

    @Test func repliesAsNoticeToTheSender() throws {
        let version = CTCP.reply(to: try request("\u{01}VERSION\u{01}"), version: "mjbridge 1.0", now: now)
        #expect(version == Message("NOTICE", "alice", "\u{01}VERSION mjbridge 1.0\u{01}"))
        let ping = CTCP.reply(to: try request("\u{01}PING 1700000000 42\u{01}"), version: "v", now: now)
        #expect(ping == Message("NOTICE", "alice", "\u{01}PING 1700000000 42\u{01}"))
        let time = CTCP.reply(to: try request("\u{01}TIME\u{01}"), version: "v", now: now)
        #expect(time == Message("NOTICE", "alice", "\u{01}TIME 2025-11-25T08:43:23Z\u{01}"))
        let info = CTCP.reply(to: try request("\u{01}CLIENTINFO\u{01}"), version: "v", now: now)
        #expect(info == Message("NOTICE", "alice", "\u{01}CLIENTINFO ACTION CLIENTINFO PING TIME VERSION\u{01}"))
    }

    @Test func doesNotAnswerWhatItShouldNot() throws {
        #expect(CTCP.reply(to: try request("\u{01}ACTION waves\u{01}"), version: "v", now: now) == nil)
        #expect(CTCP.reply(to: try request("\u{01}FINGER\u{01}"), version: "v", now: now) == nil)
        #expect(CTCP.reply(to: try request("plain text"), version: "v", now: now) == nil)
        let notice = try Message(parsing: ":alice!a@h NOTICE bot :\u{01}VERSION\u{01}")
        #expect(CTCP.reply(to: notice, version: "v", now: now) == nil)
        let serverSource = Message(command: "PRIVMSG", params: ["bot", "\u{01}VERSION\u{01}"])
        #expect(CTCP.reply(to: serverSource, version: "v", now: now) == nil)
    }

    @Test func pingEchoIsBoundedAndClean() throws {
        let long = String(repeating: "é", count: 100)
        let reply = CTCP.reply(to: CTCP.Request(command: "PING", argument: long + "\u{01}"), from: "n", version: "v", now: now)
        #expect(reply?.params[1] == "\u{01}PING " + String(repeating: "é", count: 32) + "\u{01}")
        #expect(CTCP.encode("VERSION", "a\u{01}b\r\nc\0") == "\u{01}VERSION abc\u{01}")
    }

    @Test func rateLimiterAllowsThreePerTenSeconds() {
        var limiter = CTCPRateLimiter()
        let t0 = ContinuousClock.now
        let offsets: [Duration] = [.zero, .seconds(1), .seconds(2), .seconds(3), .milliseconds(9_999),
                                   .seconds(10), .milliseconds(10_500), .seconds(11), .seconds(11)]
        let allowed = offsets.map { limiter.allow(now: t0 + $0) }
        #expect(allowed == [true, true, true, false, false, true, false, true, false])
    }

    @Test func rateLimiterIsConfigurable() {
        var limiter = CTCPRateLimiter(limit: 1, window: .seconds(5))
        let t0 = ContinuousClock.now
        let allowed = [Duration.zero, .seconds(4), .seconds(5)].map { limiter.allow(now: t0 + $0) }
        #expect(allowed == [true, false, true])
        var closed = CTCPRateLimiter(limit: 0)
        let closedAllowed = closed.allow(now: t0)
        #expect(!closedAllowed)
    }
    /// Issue 12: text the client is asked to send for someone else never becomes a CTCP; only
    /// the client's own replies (built by `CTCP.reply`) carry the marker.
    @Test func defangedRemovesMarkersFromChatOnly() {
        #expect(CTCP.defanged(Message("PRIVMSG", "#c", "\u{1}ACTION x\u{1}")) == Message("PRIVMSG", "#c", "ACTION x"))
        #expect(CTCP.defanged(Message("notice", "bob", "a\u{1}b")) == Message("notice", "bob", "ab"))
        let other = Message("TOPIC", "#c", "\u{1}x")
        #expect(CTCP.defanged(other) == other)
        let clean = Message("PRIVMSG", "#c", "hello")
        #expect(CTCP.defanged(clean) == clean)
        // The replies the client builds itself keep their markers.
        let reply = CTCP.reply(to: CTCP.Request(command: "VERSION"), from: "bob", version: "v", now: .init(timeIntervalSince1970: 0))
        #expect(reply?.params.last == "\u{1}VERSION v\u{1}")
    }
}
