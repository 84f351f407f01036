import IRC

/// Why a connection ended, and what that means for the reconnect supervisor.
enum DisconnectReason: Sendable, Hashable, CustomStringConvertible {
    case connectFailed(String)
    /// An error on an open connection (TLS handshake refused, reset, …).
    case transport(String)
    case closedByServer
    /// The server sent `ERROR` (k-line, "Closing link", …).
    case serverError(String)
    case registration(RegistrationFailure, retry: Bool)
    case pingTimeout(Duration)
    /// A line we wrote had no answer (echo, error, PONG) within the confirm timeout.
    case unconfirmed(Duration)
    /// Settings that cannot work (unreadable certificate, …): retrying would not help.
    case configuration(String)
    /// The plain-text server advertised STS: reconnect at once with TLS to `port`.
    case stsUpgrade(port: Int)
    case shutdown

    var retry: Bool {
        switch self {
        case .registration(_, let retry): return retry
        case .configuration, .shutdown: return false
        default: return true
        }
    }

    /// The server threw us out: wait longer before knocking again.
    var penalized: Bool {
        switch self {
        case .serverError: return true
        case .registration(.banned, _): return true
        default: return false
        }
    }

    var description: String {
        switch self {
        case .connectFailed(let text): return text
        case .transport(let text): return "connection error: \(text)"
        case .closedByServer: return "the server closed the connection"
        case .serverError(let text): return "the server closed the link: \(text)"
        case .registration(let failure, _): return failure.description
        case .pingTimeout(let after): return "no answer to PING within \(after)"
        case .unconfirmed(let after): return "no answer to a line we sent within \(after)"
        case .configuration(let text): return text
        case .stsUpgrade(let port): return "the server requires TLS (STS): upgrading to TLS on port \(port)"
        case .shutdown: return "shut down"
        }
    }
}
