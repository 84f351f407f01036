/// What the bridge made of one callback, for the log and the callbacks metric. The proxy gets
/// the same answer whatever it is.
public enum CallbackHintOutcome: String, Sendable, Hashable {
    /// A task the store knows: it will be asked about.
    case known
    /// An id the store lacks with a validly signed `state` naming an acceptable route: it will
    /// be asked about, and adopted if the proxy's own answer carries a valid state too.
    case adopted
    /// An id the store lacks whose `state` is unsigned, tampered, truncated or foreign: ignored.
    case forgedState = "forged_state"
    /// A valid signature over a route the bot would not send to (unconfigured network, a name
    /// that is not a channel or nick): ignored. Means a bug or a key shared with another bot.
    case invalidRoute = "invalid_route"
    /// An id the store lacks with no `state` at all: ignored.
    case unknown
    /// No usable task id in the body.
    case noTaskId = "no_task_id"
    /// Too many ids are already waiting for the proxy: dropped (polling still follows known tasks).
    case dropped
}
