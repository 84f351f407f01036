import Testing
@testable import IRCClient

@Suite struct OutgoingQueueTests {
    @Test func controlGoesBeforeChatAndLanesKeepOrder() {
        var queue = OutgoingQueue()
        queue.enqueue(["c1", "c2"], lane: .chat, ticket: nil)
        queue.enqueue(["j1"], lane: .control, ticket: nil)
        queue.enqueue(["c3"], lane: .chat, ticket: nil)
        var order: [String] = []
        while let (entry, _) = queue.popNext() { order.append(entry.line) }
        #expect(order == ["j1", "c1", "c2", "c3"])
        #expect(queue.isEmpty)
    }

    @Test func ticketCompletesWithItsLastLine() {
        var queue = OutgoingQueue()
        queue.enqueue(["a", "b", "c"], lane: .chat, ticket: 7)
        queue.enqueue(["x"], lane: .chat, ticket: 8)
        #expect(queue.popNext()?.completed == nil)
        #expect(queue.popNext()?.completed == nil)
        #expect(queue.popNext()?.completed == 7)
        #expect(queue.popNext()?.completed == 8)
        #expect(queue.popNext() == nil)
    }

    @Test func removingATicketDropsItsLinesOnly() {
        var queue = OutgoingQueue()
        queue.enqueue(["a", "b"], lane: .chat, ticket: 1)
        queue.enqueue(["x"], lane: .chat, ticket: 2)
        queue.remove(ticket: 1)
        #expect(queue.count == 1)
        #expect(queue.popNext()?.entry.line == "x")
    }

    @Test func removeAllReportsUnfinishedTickets() {
        var queue = OutgoingQueue()
        queue.enqueue(["a"], lane: .chat, ticket: 3)
        queue.enqueue(["b"], lane: .control, ticket: nil)
        queue.enqueue(["c"], lane: .chat, ticket: 1)
        #expect(queue.removeAll() == [1, 3])
        #expect(queue.isEmpty)
    }

    @Test func aLineQueuedFirstGoesBeforeItsLaneOnly() {
        var queue = OutgoingQueue()
        queue.enqueue(["c1", "c2"], lane: .chat, ticket: nil)
        queue.enqueue(["j1"], lane: .control, ticket: nil)
        queue.enqueueFirst("ping", lane: .chat, ticket: 5)
        queue.enqueueFirst("piece", lane: .chat, ticket: 4)
        var order: [String] = []
        var completed: [Int] = []
        while let (entry, done) = queue.popNext() {
            order.append(entry.line)
            if let done { completed.append(done) }
        }
        #expect(order == ["j1", "piece", "ping", "c1", "c2"])
        #expect(completed == [4, 5])
    }

    @Test func heldChatLeavesControlLinesGoing() {
        var queue = OutgoingQueue()
        queue.enqueue(["c1"], lane: .chat, ticket: nil)
        queue.enqueue(["j1"], lane: .control, ticket: nil)
        #expect(queue.next(chatHeld: true)?.line == "j1")
        #expect(queue.popNext(chatHeld: true)?.entry.line == "j1")
        #expect(queue.next(chatHeld: true) == nil && queue.popNext(chatHeld: true) == nil)
        #expect(queue.popNext(chatHeld: false)?.entry.line == "c1")
    }
}
