/// A timer the session state machine asks the shell to run. The id names what it is for, so
/// at most one runs per purpose: a second kick from a channel restarts its rejoin timer
/// instead of adding one, and the number of live timers is bounded by the wanted channels + 1.
public enum SessionTimer: Sendable, Hashable {
    /// JOIN this channel again (after a kick or a refusal); the name is folded by CASEMAPPING.
    case rejoin(String)
    /// Ask for the configured nick while we are on a fallback one.
    case nickRegain
}
