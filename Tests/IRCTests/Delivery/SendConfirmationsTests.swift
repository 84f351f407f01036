import IRC
import Testing

/// A clock reading we control: seconds as a plain number.
private struct FakeInstant: InstantProtocol {
    var offset: Duration
    func advanced(by duration: Duration) -> FakeInstant { FakeInstant(offset: offset + duration) }
    func duration(to other: FakeInstant) -> Duration { other.offset - offset }
    static func < (a: FakeInstant, b: FakeInstant) -> Bool { a.offset < b.offset }
}

private func at(_ seconds: Int) -> FakeInstant { FakeInstant(offset: .seconds(seconds)) }

private typealias Confirmations = SendConfirmations<FakeInstant>
private typealias Piece = Confirmations.Piece

/// The state machine under test, with helpers that write and feed lines.
private final class Harness {
    var c: Confirmations

    init(_ mode: Confirmations.Mode) {
        c = Confirmations(mode: mode, timeout: .seconds(30))
    }

    /// Writes `PRIVMSG target :text`, labeled when the mode says so, as `piece`; returns the label.
    @discardableResult
    func write(_ target: String, _ text: String, _ piece: Piece?, command: String = "PRIVMSG", at time: Int = 0) -> String? {
        var message = Message(command: command, params: [target, text])
        let label = piece == nil ? nil : c.makeLabel()
        if let label { message.tags["label"] = label }
        c.writing(message, piece: piece, at: at(time))
        return label
    }

    func feed(_ lines: String...) throws -> [Confirmations.Decision] {
        try lines.flatMap { try c.received(Message(parsing: $0), ourNick: "Bot", caseMapping: .rfc1459) }
    }
}

private func piece(_ delivery: Int, _ index: Int) -> Piece { Piece(delivery: delivery, index: index) }

@Suite struct SendConfirmationsTests {
    @Test func modeFollowsTheGrantedCapabilities() {
        #expect(Confirmations.Mode(capabilities: ["echo-message", "labeled-response", "batch"]) == .labeled)
        #expect(Confirmations.Mode(capabilities: ["echo-message"]) == .echo)
        #expect(Confirmations.Mode(capabilities: ["labeled-response"]) == .barrier)
        #expect(Confirmations.Mode(capabilities: []) == .barrier)
        #expect(!Confirmations.Mode.labeled.usesBarrier && Confirmations.Mode.echo.usesBarrier && Confirmations.Mode.barrier.usesBarrier)
    }

    // MARK: labeled-response + echo-message

    @Test func labeledEchoesConfirmTheirOwnPieceInAnyOrder() throws {
        let h = Harness(.labeled)
        let first = try #require(h.write("#chan", "one ", piece(7, 0)))
        let second = try #require(h.write("#chan", "two", piece(7, 1)))
        #expect(first != second)
        #expect(h.c.waitingCount == 2)
        // The server changed the text (colours stripped): the label still says which line it was.
        #expect(try h.feed("@label=\(second) :bot!u@h PRIVMSG #Chan :TWO") == [.confirmed(piece(7, 1))])
        #expect(try h.feed("@label=\(first) :bot!u@h PRIVMSG #chan :one ") == [.confirmed(piece(7, 0))])
        #expect(h.c.waitingCount == 0 && h.c.deadline == nil)
        // An answer for a label already decided, or someone else's line, decides nothing.
        #expect(try h.feed("@label=\(first) :bot!u@h PRIVMSG #chan :one ", ":alice!a@h PRIVMSG #chan :one ").isEmpty)
    }

    @Test func labeledErrorsRefuseAloneOrInsideALabeledBatch() throws {
        let h = Harness(.labeled)
        let moderated = try #require(h.write("#m", "hello", piece(1, 0)))
        let away = try #require(h.write("dave", "hi", piece(2, 0)))
        let gone = try #require(h.write("erin", "hi", piece(3, 0)))
        let silent = try #require(h.write("#shun", "hi", piece(4, 0)))
        let odd = try #require(h.write("#odd", "hi", piece(5, 0)))

        #expect(try h.feed("@label=\(moderated) :srv 404 Bot #m :Cannot send to channel (+m)")
            == [.refused(piece(1, 0), SendRefusal(.cannotSend, code: "404", reason: "Cannot send to channel (+m)"))])
        // RPL_AWAY and the echo in one batch: delivered.
        #expect(try h.feed("@label=\(away) :srv BATCH +b1 labeled-response",
                         "@batch=b1 :srv 301 Bot dave :gone fishing").isEmpty)
        #expect(try h.feed("@batch=b1 :Bot!u@h PRIVMSG dave :hi") == [.confirmed(piece(2, 0))])
        #expect(try h.feed(":srv BATCH -b1").isEmpty)
        // An error inside a batch refuses.
        #expect(try h.feed("@label=\(gone) :srv BATCH +b2 labeled-response",
                         "@batch=b2 :srv 401 Bot erin :No such nick") == [
            .refused(piece(3, 0), SendRefusal(.noSuchTarget, code: "401", reason: "No such nick"))])
        #expect(try h.feed(":srv BATCH -b2").isEmpty)
        // ACK: nothing to say, so with echo-message on the line went nowhere.
        guard case .refused(let acked, let ack)? = try h.feed("@label=\(silent) :srv ACK").first else {
            Issue.record("ACK did not refuse")
            return
        }
        #expect(acked == piece(4, 0) && ack.kind == .other && ack.code == "ACK")
        // A batch that ends with neither echo nor error.
        #expect(try h.feed("@label=\(odd) :srv BATCH +b3 labeled-response", "@batch=b3 :srv 301 Bot x :away").isEmpty)
        guard case .refused(let noEcho, let reason)? = try h.feed(":srv BATCH -b3").first else {
            Issue.record("the batch end did not decide")
            return
        }
        #expect(noEcho == piece(5, 0) && reason.code == "no-echo")
        #expect(h.c.unansweredCount == 0)
    }

    @Test func labeledModeIgnoresUnlabeledErrorsAndLinesNobodyWaitsFor() throws {
        let h = Harness(.labeled)
        _ = try #require(h.write("#chan", "owed", piece(1, 0)))
        // An immediate reply (no piece, no label) is not even kept.
        #expect(h.write("#chan", "reply", nil) == nil)
        #expect(h.c.unansweredCount == 1)
        #expect(try h.feed(":srv 404 Bot #chan :Cannot send", ":Bot!u@h PRIVMSG #chan :reply").isEmpty)
        #expect(h.c.waitingCount == 1)
    }

    // MARK: echo-message only

    @Test func echoesConfirmByTargetAndTextUnderTheCaseMapping() throws {
        let h = Harness(.echo)
        #expect(h.write("#Chan[a]", "first", piece(1, 0)) == nil)
        h.write("#chan[a]", "an immediate reply", nil)
        h.write("#Chan[a]", "second", piece(1, 1))
        h.write("dave", "private", piece(2, 0), command: "NOTICE")
        // rfc1459: [ and { are the same letter. The reply's echo is not taken for a piece's.
        #expect(try h.feed(":bot!u@h PRIVMSG #CHAN{a} :an immediate reply").isEmpty)
        #expect(try h.feed(":bot!u@h PRIVMSG #chan{a} :second") == [.confirmed(piece(1, 1))])
        // Someone else saying the same words confirms nothing; a PRIVMSG echo is not the NOTICE's.
        #expect(try h.feed(":mallory!m@h PRIVMSG #chan[a] :first", ":bot!u@h PRIVMSG dave :private").isEmpty)
        #expect(try h.feed(":bot!u@h NOTICE Dave :private") == [.confirmed(piece(2, 0))])
        // The server changed the text (stripped colours): the oldest line to that target it is.
        #expect(try h.feed(":bot!u@h PRIVMSG #chan[a] :FIRST") == [.confirmed(piece(1, 0))])
        #expect(h.c.unansweredCount == 0)
    }

    @Test func echoModeRefusesByNumericAndTheBarrierCatchesSilentDrops() throws {
        let h = Harness(.echo)
        h.write("#m", "one", piece(1, 0))
        h.write("#m", "two", piece(1, 1))
        h.write("#ok", "fine", piece(2, 0))
        h.write("#shunned", "dropped", piece(3, 0))
        let token = h.c.makeBarrierToken()
        h.c.writingBarrier(token)
        h.write("#later", "after the barrier", piece(4, 0))

        // Errors name the target; the oldest line to it is the one refused.
        #expect(try h.feed(":srv 404 Bot #M :Cannot send to channel")
            == [.refused(piece(1, 0), SendRefusal(.cannotSend, code: "404", reason: "Cannot send to channel"))])
        #expect(try h.feed(":srv 404 bot #m :Cannot send to channel").first == .refused(piece(1, 1), SendRefusal(.cannotSend, code: "404", reason: "Cannot send to channel")))
        #expect(try h.feed(":bot!u@h PRIVMSG #ok :fine") == [.confirmed(piece(2, 0))])
        // Neither echo nor error before the PONG: the server dropped it without a word.
        let passed = try h.feed(":srv PONG srv :\(token)")
        #expect(passed.count == 2)
        guard case .refused(let dropped, let reason) = passed.first else {
            Issue.record("no refusal for the silent drop: \(passed)")
            return
        }
        #expect(dropped == piece(3, 0) && reason.code == "no-echo")
        #expect(passed.last == .barrierPassed(token))
        // The line after the barrier still waits; an unknown or repeated PONG does nothing.
        #expect(try h.feed(":srv PONG srv :\(token)", ":srv PONG srv :mjbridge").isEmpty)
        #expect(h.c.waitingCount == 1)
    }

    // MARK: neither: PING barrier

    @Test func barrierConfirmsEverythingBeforeItThatNoErrorRefused() throws {
        let h = Harness(.barrier)
        h.write("#chan", "reply nobody waits for", nil)
        h.write("#chan", "one", piece(1, 0))
        h.write("#chan", "two", piece(1, 1))
        h.write("gone", "hello", piece(2, 0))
        let first = h.c.makeBarrierToken()
        h.c.writingBarrier(first)
        h.write("#chan", "three", piece(3, 0))
        let second = h.c.makeBarrierToken()
        h.c.writingBarrier(second)
        #expect(first != second)

        // The 404 answers the oldest line to #chan: the reply nobody waits for, not piece 1.0.
        #expect(try h.feed(":srv 404 Bot #chan :Cannot send to channel").isEmpty)
        #expect(try h.feed(":srv 401 Bot gone :No such nick")
            == [.refused(piece(2, 0), SendRefusal(.noSuchTarget, code: "401", reason: "No such nick"))])
        #expect(try h.feed(":srv PONG srv :\(first)") == [.confirmed(piece(1, 0)), .confirmed(piece(1, 1)), .barrierPassed(first)])
        #expect(h.c.waitingCount == 1)
        // The next barrier confirms what was written between the two.
        #expect(try h.feed(":srv PONG srv :\(second)") == [.confirmed(piece(3, 0)), .barrierPassed(second)])
        #expect(h.c.unansweredCount == 0)
    }

    @Test func failStandardRepliesRefuse() throws {
        let h = Harness(.barrier)
        h.write("#chan", "one", piece(1, 0))
        let decisions = try h.feed(":srv FAIL PRIVMSG MESSAGE_REJECTED #chan :Your message was rejected")
        #expect(decisions == [.refused(piece(1, 0), SendRefusal(.other, code: "FAIL MESSAGE_REJECTED", reason: "Your message was rejected"))])
        // A FAIL for another command is none of ours.
        h.write("#chan", "two", piece(1, 1))
        #expect(try h.feed(":srv FAIL JOIN CHANNEL_FULL #x :full").isEmpty)
    }

    // MARK: time and bounds

    @Test func deadlineIsTheOldestWaitingPieceAndForgottenPiecesDoNotCount() throws {
        let h = Harness(.echo)
        #expect(h.c.deadline == nil)
        h.write("#a", "reply", nil, at: 1)
        #expect(h.c.deadline == nil)
        h.write("#a", "one", piece(1, 0), at: 5)
        h.write("#a", "two", piece(1, 1), at: 6)
        h.write("#b", "other", piece(2, 0), at: 9)
        #expect(h.c.deadline == at(35))
        #expect(try h.feed(":bot!u@h PRIVMSG #a :one") == [.confirmed(piece(1, 0))])
        #expect(h.c.deadline == at(36))
        h.c.forget(delivery: 1)
        #expect(h.c.deadline == at(39) && h.c.waitingCount == 1)
        // A forgotten piece's echo is still recognised (not taken for another line), deciding nothing.
        #expect(try h.feed(":bot!u@h PRIVMSG #a :two").isEmpty)
        #expect(h.c.unansweredCount == 2)
    }

    @Test func linesNobodyWaitsForAreBounded() {
        let h = Harness(.barrier)
        h.write("#a", "owed", piece(1, 0))
        for n in 0..<(Confirmations.untrackedLimit + 50) { h.write("#a", "reply \(n)", nil) }
        #expect(h.c.unansweredCount == Confirmations.untrackedLimit + 1)
        #expect(h.c.waitingCount == 1)
    }

    @Test func nonChatLinesAreNotRegistered() {
        let h = Harness(.echo)
        h.c.writing(Message("JOIN", "#a"), piece: piece(1, 0), at: at(0))
        h.c.writing(Message("PRIVMSG", "#a"), piece: piece(1, 0), at: at(0))
        #expect(h.c.unansweredCount == 0 && h.c.deadline == nil)
    }
}
