/// The chat event an answer replies to, on transports that thread replies (Matrix): the
/// command's event, the thread it was said in and the user to mention. Kept with a task's
/// route (and each line owed for it), so a result posted after a restart is still a reply in
/// the right thread. IRC leaves it nil.
public struct ReplyReference: Sendable, Hashable, Codable {
    public var eventID: String
    /// The thread's root event when the command was said in a thread.
    public var threadRoot: String?
    /// The user id the answer mentions (`m.mentions`).
    public var userID: String?

    public init(eventID: String, threadRoot: String? = nil, userID: String? = nil) {
        self.eventID = eventID
        self.threadRoot = threadRoot
        self.userID = userID
    }
}
