import IRC

/// What became of `IRCConnection.deliver`: offsets are UTF-8, into the text as given (the
/// start offset included), and say where a later attempt starts.
public enum IRCDeliveryResult: Sendable, Hashable {
    /// The server passed on every piece.
    case confirmed
    /// Not registered, shut down, or the connection ended (or stopped answering) before every
    /// piece was confirmed; the pieces before `confirmedOffset` were.
    case interrupted(confirmedOffset: Int)
    /// The server (or the client, for a target that can never work) refused a piece; the pieces
    /// before `confirmedOffset` were confirmed and the rest was not queued again.
    case refused(SendRefusal, confirmedOffset: Int)
}
