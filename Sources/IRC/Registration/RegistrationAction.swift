/// What the I/O shell must do after feeding an event to `RegistrationStateMachine`.
public enum RegistrationAction: Sendable, Hashable {
    /// Write this line to the server (registration lines go before any queued chat).
    case send(Message)
    /// Something a user running the bot should be able to read in the log.
    case log(LogLevel, String)
    /// 001 arrived: we are on the network under `nick`.
    case registered(nick: String)
    /// SASL (900) or a server told us which account we are logged in as; `mask` is our
    /// `nick!user@host` when the server gave it.
    case loggedIn(account: String, mask: String?)
    /// The set of enabled capabilities changed (ACK before or after registration, CAP DEL).
    case capabilitiesChanged(Set<String>)
    /// Close the connection. `retry` says whether the reconnect supervisor should try again.
    case disconnect(RegistrationFailure, retry: Bool)
    /// STS on a plain-text connection: close it and connect again at once with TLS to `port`,
    /// and never in plain text again (IRCv3 strict transport security).
    case upgradeToTLS(port: Int)
    /// STS over verified TLS: keep connecting to this host with TLS for `duration` seconds
    /// from now (the shell stores it per host; seen again, the expiry moves on).
    case rememberSTS(duration: Int, preload: Bool)
    /// STS over verified TLS with `duration=0`: the stored policy for this host is dropped.
    case forgetSTS
}

/// Log levels without a dependency on a logging library; the shell maps them.
public enum LogLevel: String, Sendable, Hashable, Comparable {
    case debug, info, notice, warning, error

    private var rank: Int {
        switch self {
        case .debug: return 0
        case .info: return 1
        case .notice: return 2
        case .warning: return 3
        case .error: return 4
        }
    }

    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rank < rhs.rank }
}

/// Why registration gave up on a connection, worded for the person reading the log.
public enum RegistrationFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// The server rejected our SASL credentials (904/905/906) and `saslRequired` is set.
    case saslFailed(mechanism: String, account: String?, serverText: String)
    /// SASL is configured and required but the server does not offer it (or not our mechanism).
    case saslUnavailable(mechanism: String, offered: String?)
    /// The SCRAM server signature was wrong or missing: whoever answered does not know our
    /// password (a spoofed server or broken services), so we do not stay connected.
    case saslServerNotVerified(mechanism: String, reason: String)
    /// Every nick we could try was refused.
    case nicknamesExhausted(tried: [String])
    /// 464: the server password (`PASS`) was wrong or missing.
    case passwordRejected(serverText: String)
    /// 465: we are banned from this server.
    case banned(serverText: String)
    /// Registration did not finish in time.
    case timedOut

    public var description: String {
        switch self {
        case .saslFailed(let mechanism, let account, let text):
            let who = account.map { " as '\($0)'" } ?? ""
            return "SASL \(mechanism) login\(who) failed: \(text)"
        case .saslUnavailable(let mechanism, let offered):
            if let offered {
                return "SASL \(mechanism) is not offered by the server (it offers: \(offered))"
            }
            return "the server does not offer SASL, so the SASL \(mechanism) login cannot happen"
        case .saslServerNotVerified(let mechanism, let reason):
            return "SASL \(mechanism): the server did not prove it knows the password (\(reason))"
        case .nicknamesExhausted(let tried):
            return "every nickname was refused (tried: \(tried.joined(separator: ", ")))"
        case .passwordRejected(let text):
            return "the server password was rejected: \(text)"
        case .banned(let text):
            return "banned from the server: \(text)"
        case .timedOut:
            return "registration timed out"
        }
    }
}
