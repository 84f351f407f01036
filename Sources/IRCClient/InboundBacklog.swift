import Synchronization

/// Lines read from the socket that the client has not handled yet. The pipeline's last
/// handler counts one up per line it passes on and stops reading from the socket (NIO
/// `autoRead` off) once `pauseAt` lines wait; the client counts one down per line it handled
/// and asks for reading again when the count falls to `resumeAt`. Nothing is dropped: TCP
/// flow control makes the server wait instead, so memory stays bounded by `pauseAt` lines plus
/// what one socket read had already brought in.
final class InboundBacklog: Sendable {
    let pauseAt: Int
    let resumeAt: Int
    private let waiting = Atomic<Int>(0)

    /// `limit` lines at most before reading pauses; reading resumes at a quarter of it, so a
    /// lagging consumer is not woken for every single line.
    init(limit: Int) {
        pauseAt = max(limit, 1)
        resumeAt = max(limit, 1) / 4
    }

    var count: Int { waiting.load(ordering: .relaxed) }

    /// One more line is waiting; true when reading must pause now.
    func produced() -> Bool {
        waiting.wrappingAdd(1, ordering: .relaxed).newValue >= pauseAt
    }

    /// One line was handled; true when this brought the count down to `resumeAt`, the moment
    /// to ask the event loop to read again (it checks `mayResume` there first: a burst from
    /// one socket read may have filled the backlog again meanwhile).
    func consumed() -> Bool {
        waiting.wrappingSubtract(1, ordering: .relaxed).newValue == resumeAt
    }

    /// Whether reading may run again.
    var mayResume: Bool { count < pauseAt }
}
