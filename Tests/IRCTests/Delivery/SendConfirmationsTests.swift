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

@Suite struct SendConfirmationsTests {
    private func line(_ text: String) throws -> Message { try Message(parsing: text) }

    private func piece(_ delivery: Int, _ index: Int) -> Piece { Piece(delivery: delivery, index: index) }

    /// Writes `PRIVMSG target :text`, labeled when the mode says so, as piece `piece`.
    private func write(_ confirmations: inout Confirmations, _ target: String, _ text: String, _ piece: Piece?,
                       command: String = "PRIVMSG", at time: Int = 0) -> String? {
        var message = Message(command: command, params: [target, text])
        let label = piece == nil ? nil : confirmations.makeLabel()
        if let label { message.tags["label"] = label }
        confirmations.writing(message, piece: piece, at: at(time))
        return label
    }

    private func feed(_ confirmations: inout Confirmations, _ lines: String...) throws -> [Confirmations.Decision] {
        try lines.flatMap { try confirmations.received(line($0), ourNick: "Bot", caseMapping: .rfc1459) }
    }

    @Test func modeFollowsTheGrantedCapabilities() {
        #expect(Confirmations.Mode(capabilities: ["echo-message", "labeled-response", "batch"]) == .labeled)
        #expect(Confirmations.Mode(capabilities: ["echo-message"]) == .echo)
        #expect(Confirmations.Mode(capabilities: ["labeled-response"]) == .barrier)
        #expect(Confirmations.Mode(capabilities: []) == .barrier)
        #expect(!Confirmations.Mode.labeled.usesBarrier && Confirmations.Mode.echo.usesBarrier && Confirmations.Mode.barrier.usesBarrier)
    }

    // MARK: labeled-response + echo-message

    @Test func labeledEchoesConfirmTheirOwnPieceInAnyOrder() throws {
        var c = Confirmations(mode: .labeled, timeout: .seconds(30))
        let first = try #require(write(&c, "#chan", "one ", piece(7, 0)))
        let second = try #require(write(&c, "#chan", "two", piece(7, 1)))
        #expect(first != second)
        #expect(c.waitingCount == 2)
        // The server changed the text (colours stripped): the label still says which line it was.
        #expect(try feed(&c, "@label=\(second) :bot!u@h PRIVMSG #Chan :TWO") == [.confirmed(piece(7, 1))])
        #expect(try feed(&c, "@label=\(first) :bot!u@h PRIVMSG #chan :one ") == [.confirmed(piece(7, 0))])
        #expect(c.waitingCount == 0 && c.deadline == nil)
        // An answer for a label already decided, or someone else's line, decides nothing.
        #expect(try feed(&c, "@label=\(first) :bot!u@h PRIVMSG #chan :one ", ":alice!a@h PRIVMSG #chan :one ").isEmpty)
    }

    @Test func labeledErrorsRefuseAloneOrInsideALabeledBatch() throws {
        var c = Confirmations(mode: .labeled, timeout: .seconds(30))
        let moderated = try #require(write(&c, "#m", "hello", piece(1, 0)))
        let away = try #require(write(&c, "dave", "hi", piece(2, 0)))
        let gone = try #require(write(&c, "erin", "hi", piece(3, 0)))
        let silent = try #require(write(&c, "#shun", "hi", piece(4, 0)))
        let odd = try #require(write(&c, "#odd", "hi", piece(5, 0)))

        #expect(try feed(&c, "@label=\(moderated) :srv 404 Bot #m :Cannot send to channel (+m)")
            == [.refused(piece(1, 0), SendRefusal(.cannotSend, code: "404", reason: "Cannot send to channel (+m)"))])
        // RPL_AWAY and the echo in one batch: delivered.
        #expect(try feed(&c, "@label=\(away) :srv BATCH +b1 labeled-response",
                         "@batch=b1 :srv 301 Bot dave :gone fishing").isEmpty)
        #expect(try feed(&c, "@batch=b1 :Bot!u@h PRIVMSG dave :hi") == [.confirmed(piece(2, 0))])
        #expect(try feed(&c, ":srv BATCH -b1").isEmpty)
        // An error inside a batch refuses.
        #expect(try feed(&c, "@label=\(gone) :srv BATCH +b2 labeled-response",
                         "@batch=b2 :srv 401 Bot erin :No such nick") == [
            .refused(piece(3, 0), SendRefusal(.noSuchTarget, code: "401", reason: "No such nick"))])
        #expect(try feed(&c, ":srv BATCH -b2").isEmpty)
        // ACK: nothing to say, so with echo-message on the line went nowhere.
        guard case .refused(let acked, let ack)? = try feed(&c, "@label=\(silent) :srv ACK").first else {
            Issue.record("ACK did not refuse")
            return
        }
        #expect(acked == piece(4, 0) && ack.kind == .other && ack.code == "ACK")
        // A batch that ends with neither echo nor error.
        #expect(try feed(&c, "@label=\(odd) :srv BATCH +b3 labeled-response", "@batch=b3 :srv 301 Bot x :away").isEmpty)
        guard case .refused(let noEcho, let reason)? = try feed(&c, ":srv BATCH -b3").first else {
            Issue.record("the batch end did not decide")
            return
        }
        #expect(noEcho == piece(5, 0) && reason.code == "no-echo")
        #expect(c.unansweredCount == 0)
    }

    @Test func labeledModeIgnoresUnlabeledErrorsAndLinesNobodyWaitsFor() throws {
        var c = Confirmations(mode: .labeled, timeout: .seconds(30))
        _ = try #require(write(&c, "#chan", "owed", piece(1, 0)))
        // An immediate reply (no piece, no label) is not even kept.
        #expect(write(&c, "#chan", "reply", nil) == nil)
        #expect(c.unansweredCount == 1)
        #expect(try feed(&c, ":srv 404 Bot #chan :Cannot send", ":Bot!u@h PRIVMSG #chan :reply").isEmpty)
        #expect(c.waitingCount == 1)
    }

    // MARK: echo-message only

    @Test func echoesConfirmByTargetAndTextUnderTheCaseMapping() throws {
        var c = Confirmations(mode: .echo, timeout: .seconds(30))
        #expect(write(&c, "#Chan[a]", "first", piece(1, 0)) == nil)
        _ = write(&c, "#chan[a]", "an immediate reply", nil)
        _ = write(&c, "#Chan[a]", "second", piece(1, 1))
        _ = write(&c, "dave", "private", piece(2, 0), command: "NOTICE")
        // rfc1459: [ and { are the same letter. The reply's echo is not taken for a piece's.
        #expect(try feed(&c, ":bot!u@h PRIVMSG #CHAN{a} :an immediate reply").isEmpty)
        #expect(try feed(&c, ":bot!u@h PRIVMSG #chan{a} :second") == [.confirmed(piece(1, 1))])
        // Someone else saying the same words confirms nothing; a PRIVMSG echo is not the NOTICE's.
        #expect(try feed(&c, ":mallory!m@h PRIVMSG #chan[a] :first", ":bot!u@h PRIVMSG dave :private").isEmpty)
        #expect(try feed(&c, ":bot!u@h NOTICE Dave :private") == [.confirmed(piece(2, 0))])
        // The server changed the text (stripped colours): the oldest line to that target it is.
        #expect(try feed(&c, ":bot!u@h PRIVMSG #chan[a] :FIRST") == [.confirmed(piece(1, 0))])
        #expect(c.unansweredCount == 0)
    }

    @Test func echoModeRefusesByNumericAndTheBarrierCatchesSilentDrops() throws {
        var c = Confirmations(mode: .echo, timeout: .seconds(30))
        _ = write(&c, "#m", "one", piece(1, 0))
        _ = write(&c, "#m", "two", piece(1, 1))
        _ = write(&c, "#ok", "fine", piece(2, 0))
        _ = write(&c, "#shunned", "dropped", piece(3, 0))
        let token = c.makeBarrierToken()
        c.writingBarrier(token)
        _ = write(&c, "#later", "after the barrier", piece(4, 0))

        // Errors name the target; the oldest line to it is the one refused.
        #expect(try feed(&c, ":srv 404 Bot #M :Cannot send to channel")
            == [.refused(piece(1, 0), SendRefusal(.cannotSend, code: "404", reason: "Cannot send to channel"))])
        #expect(try feed(&c, ":srv 404 bot #m :Cannot send to channel").first == .refused(piece(1, 1), SendRefusal(.cannotSend, code: "404", reason: "Cannot send to channel")))
        #expect(try feed(&c, ":bot!u@h PRIVMSG #ok :fine") == [.confirmed(piece(2, 0))])
        // Neither echo nor error before the PONG: the server dropped it without a word.
        let passed = try feed(&c, ":srv PONG srv :\(token)")
        #expect(passed.count == 2)
        guard case .refused(let dropped, let reason) = passed.first else {
            Issue.record("no refusal for the silent drop: \(passed)")
            return
        }
        #expect(dropped == piece(3, 0) && reason.code == "no-echo")
        #expect(passed.last == .barrierPassed(token))
        // The line after the barrier still waits; an unknown or repeated PONG does nothing.
        #expect(try feed(&c, ":srv PONG srv :\(token)", ":srv PONG srv :mjbridge").isEmpty)
        #expect(c.waitingCount == 1)
    }

    // MARK: neither: PING barrier

    @Test func barrierConfirmsEverythingBeforeItThatNoErrorRefused() throws {
        var c = Confirmations(mode: .barrier, timeout: .seconds(30))
        _ = write(&c, "#chan", "reply nobody waits for", nil)
        _ = write(&c, "#chan", "one", piece(1, 0))
        _ = write(&c, "#chan", "two", piece(1, 1))
        _ = write(&c, "gone", "hello", piece(2, 0))
        let first = c.makeBarrierToken()
        c.writingBarrier(first)
        _ = write(&c, "#chan", "three", piece(3, 0))
        let second = c.makeBarrierToken()
        c.writingBarrier(second)
        #expect(first != second)

        // The 404 answers the oldest line to #chan: the reply nobody waits for, not piece 1.0.
        #expect(try feed(&c, ":srv 404 Bot #chan :Cannot send to channel").isEmpty)
        #expect(try feed(&c, ":srv 401 Bot gone :No such nick")
            == [.refused(piece(2, 0), SendRefusal(.noSuchTarget, code: "401", reason: "No such nick"))])
        #expect(try feed(&c, ":srv PONG srv :\(first)") == [.confirmed(piece(1, 0)), .confirmed(piece(1, 1)), .barrierPassed(first)])
        #expect(c.waitingCount == 1)
        // The next barrier confirms what was written between the two.
        #expect(try feed(&c, ":srv PONG srv :\(second)") == [.confirmed(piece(3, 0)), .barrierPassed(second)])
        #expect(c.unansweredCount == 0)
    }

    @Test func failStandardRepliesRefuse() throws {
        var c = Confirmations(mode: .barrier, timeout: .seconds(30))
        _ = write(&c, "#chan", "one", piece(1, 0))
        let decisions = try feed(&c, ":srv FAIL PRIVMSG MESSAGE_REJECTED #chan :Your message was rejected")
        #expect(decisions == [.refused(piece(1, 0), SendRefusal(.other, code: "FAIL MESSAGE_REJECTED", reason: "Your message was rejected"))])
        // A FAIL for another command is none of ours.
        _ = write(&c, "#chan", "two", piece(1, 1))
        #expect(try feed(&c, ":srv FAIL JOIN CHANNEL_FULL #x :full").isEmpty)
    }

    // MARK: time and bounds

    @Test func deadlineIsTheOldestWaitingPieceAndForgottenPiecesDoNotCount() throws {
        var c = Confirmations(mode: .echo, timeout: .seconds(30))
        #expect(c.deadline == nil)
        _ = write(&c, "#a", "reply", nil, at: 1)
        #expect(c.deadline == nil)
        _ = write(&c, "#a", "one", piece(1, 0), at: 5)
        _ = write(&c, "#a", "two", piece(1, 1), at: 6)
        _ = write(&c, "#b", "other", piece(2, 0), at: 9)
        #expect(c.deadline == at(35))
        #expect(try feed(&c, ":bot!u@h PRIVMSG #a :one") == [.confirmed(piece(1, 0))])
        #expect(c.deadline == at(36))
        c.forget(delivery: 1)
        #expect(c.deadline == at(39) && c.waitingCount == 1)
        // A forgotten piece's echo is still recognised (not taken for another line), deciding nothing.
        #expect(try feed(&c, ":bot!u@h PRIVMSG #a :two").isEmpty)
        #expect(c.unansweredCount == 2)
    }

    @Test func linesNobodyWaitsForAreBounded() {
        var c = Confirmations(mode: .barrier, timeout: .seconds(30))
        _ = write(&c, "#a", "owed", piece(1, 0))
        for n in 0..<(Confirmations.untrackedLimit + 50) { _ = write(&c, "#a", "reply \(n)", nil) }
        #expect(c.unansweredCount == Confirmations.untrackedLimit + 1)
        #expect(c.waitingCount == 1)
    }

    @Test func nonChatLinesAreNotRegistered() {
        var c = Confirmations(mode: .echo, timeout: .seconds(30))
        c.writing(Message("JOIN", "#a"), piece: piece(1, 0), at: at(0))
        c.writing(Message("PRIVMSG", "#a"), piece: piece(1, 0), at: at(0))
        #expect(c.unansweredCount == 0 && c.deadline == nil)
    }
}
