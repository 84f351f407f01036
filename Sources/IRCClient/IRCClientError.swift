/// What can go wrong for a user of `IRCConnection`, worded for the log or the person at the keyboard.
public enum IRCClientError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The line could not be delivered because we are not (or no longer) registered.
    case notConnected
    /// The connection dropped before the queued line reached the socket.
    case connectionLost
    /// The client was shut down.
    case shutDown
    /// The certificate files or TLS settings are unusable.
    case tlsSetup(String)
    /// A reply target must be one channel or nick: not empty, no space, comma, CR, LF or NUL.
    case invalidTarget(String)

    public var description: String {
        switch self {
        case .notConnected: return "not connected to the IRC server"
        case .connectionLost: return "connection to the IRC server was lost before the line was sent"
        case .shutDown: return "the IRC client was shut down"
        case .tlsSetup(let text): return "TLS setup failed: \(text)"
        case .invalidTarget(let target): return "not a channel or nick to send to: \"\(target.prefix(60))\""
        }
    }
}
