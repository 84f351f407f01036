import Synchronization

/// Events on `IRCConnection.events` that the consumer has not taken yet. Chat is what a busy
/// channel or a flood makes a lot of, and what can be lost without breaking the protocol, so
/// once `chatLimit` events wait, further chat messages are dropped and counted; every other
/// event (registered, joined, kicked, disconnected, …) is always delivered, so the buffer
/// holds at most `chatLimit` chat lines plus the rare connection events.
final class EventBacklog: Sendable {
    let chatLimit: Int
    private let waiting = Atomic<Int>(0)
    private let droppedTotal = Atomic<Int>(0)

    init(chatLimit: Int) {
        self.chatLimit = max(chatLimit, 1)
    }

    /// Events yielded and not yet taken by the consumer.
    var count: Int { waiting.load(ordering: .relaxed) }

    /// Chat messages dropped since the client started.
    var dropped: Int { droppedTotal.load(ordering: .relaxed) }

    /// Whether a chat message may be queued now; false counts it as dropped.
    func admitChat() -> Bool {
        guard count < chatLimit else {
            droppedTotal.wrappingAdd(1, ordering: .relaxed)
            return false
        }
        return true
    }

    func yielded() { waiting.wrappingAdd(1, ordering: .relaxed) }
    /// The stream did not take the event (it had ended).
    func refused() { waiting.wrappingSubtract(1, ordering: .relaxed) }
    func delivered() { waiting.wrappingSubtract(1, ordering: .relaxed) }
}

/// Where the client puts its events: an AsyncStream continuation that keeps `EventBacklog`'s
/// count. The same `yield`/`finish` as the continuation, so call sites read the same.
struct EventSink: Sendable {
    let continuation: AsyncStream<IRCClientEvent>.Continuation
    let backlog: EventBacklog

    func yield(_ event: IRCClientEvent) {
        backlog.yielded()
        if case .terminated = continuation.yield(event) { backlog.refused() }
    }

    func finish() { continuation.finish() }
}

/// `IRCConnection.events`: every event in order; chat messages may be dropped (and counted,
/// see `IRCConnection.droppedChatMessages`) while the consumer lags. Consume it from one task.
public struct IRCEventStream: AsyncSequence, Sendable {
    public typealias Element = IRCClientEvent
    public typealias Failure = Never

    let base: AsyncStream<IRCClientEvent>
    let backlog: EventBacklog

    static func make(chatLimit: Int) -> (IRCEventStream, EventSink) {
        let backlog = EventBacklog(chatLimit: chatLimit)
        let (stream, continuation) = AsyncStream.makeStream(of: IRCClientEvent.self)
        return (IRCEventStream(base: stream, backlog: backlog), EventSink(continuation: continuation, backlog: backlog))
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: base.makeAsyncIterator(), backlog: backlog)
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        public typealias Element = IRCClientEvent
        public typealias Failure = Never

        var base: AsyncStream<IRCClientEvent>.AsyncIterator
        let backlog: EventBacklog

        public mutating func next() async -> IRCClientEvent? {
            guard let event = await base.next() else { return nil }
            backlog.delivered()
            return event
        }
    }
}
