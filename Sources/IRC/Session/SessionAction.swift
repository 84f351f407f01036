/// What the I/O shell must do after feeding an event to `IRCSessionStateMachine`.
public enum SessionAction: Sendable, Hashable {
    /// Queue this line on the control lane (ahead of chat, paced by flood control).
    case send(Message)
    /// Run `timer` once after `after`, then feed `.timerFired(timer)`. A timer with the same
    /// id that is still running is replaced (the machine cancels it first).
    case startTimer(SessionTimer, after: Duration)
    /// Stop `timer`; it must not fire any more.
    case cancelTimer(SessionTimer)
    /// Tell the owner of the connection (the client's event stream).
    case emit(SessionChange)
    case log(LogLevel, String)
}

/// What changed in our presence on the network, for the client's event stream.
public enum SessionChange: Sendable, Hashable {
    /// The server confirmed our JOIN.
    case joined(channel: String)
    /// We left a channel (our PART, or a server-side SAPART).
    case parted(channel: String)
    /// Someone kicked us.
    case kicked(channel: String, by: String, reason: String)
    /// Our own nick changed after registration.
    case nickChanged(String)
    /// Someone invited us to `channel`; `account` is the inviter's `account` tag, when sent.
    /// Only news: whether to go is the owner's decision (`accept_invites`).
    case invited(channel: String, by: Source, account: String?)
}
