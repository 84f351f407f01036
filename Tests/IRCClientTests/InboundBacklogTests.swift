import Testing
@testable import IRCClient

@Suite struct InboundBacklogTests {
    @Test func readingPausesAtTheLimitAndResumesAtAQuarter() {
        let backlog = InboundBacklog(limit: 8)
        #expect(backlog.pauseAt == 8 && backlog.resumeAt == 2)
        let pauses = (1...10).map { _ in backlog.produced() }
        // Every line from the 8th on asks to pause (the handler only acts while reading is on).
        #expect(pauses == [false, false, false, false, false, false, false, true, true, true])
        #expect(!backlog.mayResume)
        let resumes = (1...10).map { _ in backlog.consumed() }
        // Once, when the count falls to the quarter mark.
        #expect(resumes == [false, false, false, false, false, false, false, true, false, false])
        #expect(backlog.mayResume)
        #expect(backlog.count == 0)
    }

    @Test func aBurstAfterTheResumeSignalKeepsReadingPaused() {
        let backlog = InboundBacklog(limit: 4)
        for _ in 1...4 { _ = backlog.produced() }
        for _ in 1...3 { _ = backlog.consumed() }
        #expect(backlog.count == 1 && backlog.mayResume)
        // One socket read brought a burst before the event loop ran the resume: it must not.
        for _ in 1...5 { _ = backlog.produced() }
        #expect(!backlog.mayResume)
        // The next descent through the quarter mark signals again.
        #expect((1...5).map { _ in backlog.consumed() } == [false, false, false, false, true])
    }

    @Test func aLimitOfOnePausesAfterEveryLine() {
        let backlog = InboundBacklog(limit: 1)
        #expect(backlog.produced())
        #expect(backlog.consumed())
        #expect(InboundBacklog(limit: 0).pauseAt == 1)
    }
}

@Suite struct EventBacklogTests {
    @Test func chatIsAdmittedBelowTheLimitAndDroppedAndCountedAbove() {
        let backlog = EventBacklog(chatLimit: 2)
        #expect(backlog.admitChat())
        backlog.yielded()
        #expect(backlog.admitChat())
        backlog.yielded()
        #expect(!backlog.admitChat())
        #expect(!backlog.admitChat())
        #expect(backlog.dropped == 2)
        backlog.delivered()
        #expect(backlog.admitChat())
        #expect(backlog.dropped == 2)
    }

    @Test func eventsTheStreamRefusedDoNotCount() async {
        let (stream, sink) = IRCEventStream.make(chatLimit: 10)
        sink.yield(.connected)
        sink.yield(.stopped)
        #expect(stream.backlog.count == 2)
        sink.finish()
        sink.yield(.connected)
        #expect(stream.backlog.count == 2)
        var seen: [IRCClientEvent] = []
        for await event in stream { seen.append(event) }
        #expect(seen == [.connected, .stopped])
        #expect(stream.backlog.count == 0)
    }
}
