/// Why the server would not pass on a PRIVMSG or NOTICE we wrote, read from its error reply.
///
/// The kinds follow what the bot does next: `cannotSend` (moderated, banned, a +n channel we
/// are not in, a registered nick required, the person blocks private messages) is a state
/// people change, so the line waits for the next join, voice or unban; `noSuchTarget` (the
/// nick or channel is not there) may change when they come back; `invalidTarget` (a name that
/// can never be a target) never will; `other` is any other error the server gave.
public struct SendRefusal: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        case cannotSend
        case noSuchTarget
        case invalidTarget
        case other
    }

    public var kind: Kind
    /// The numeric (`404`), `FAIL <code>`, or a word of ours (`ACK`, `no-echo`).
    public var code: String
    /// The server's text (untrusted, for logs and `!pending`) or ours.
    public var reason: String

    public init(_ kind: Kind, code: String, reason: String) {
        self.kind = kind
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(reason) (\(code))" }

    /// Error numerics servers send for a PRIVMSG/NOTICE, with the target as their second
    /// parameter (`404 <us> <target> :reason`): what InspIRCd, Solanum, UnrealIRCd and ergo
    /// answer when a line is not passed on.
    public static let targetNumerics: [String: Kind] = [
        "401": .noSuchTarget,  // ERR_NOSUCHNICK
        "403": .noSuchTarget,  // ERR_NOSUCHCHANNEL
        "406": .noSuchTarget,  // ERR_WASNOSUCHNICK
        "404": .cannotSend,    // ERR_CANNOTSENDTOCHAN: +m, +b, +n, +c, +T, …
        "477": .cannotSend,    // ERR_NEEDREGGEDNICK: +M/+R channel (InspIRCd, UnrealIRCd)
        "486": .cannotSend,    // ERR_NONONREG: the person takes messages only from registered nicks
        "489": .cannotSend,    // ERR_SECUREONLYCHAN
        "492": .cannotSend,    // ERR_NOCTCP / ERR_CANTSENDTOUSER
        "531": .cannotSend,    // ERR_CANTSENDTOUSER (InspIRCd, UnrealIRCd +D/+R)
        "716": .cannotSend,    // ERR_TARGUMODEG: the person is +g (caller id)
        "407": .other,         // ERR_TOOMANYTARGETS
        "413": .invalidTarget, // ERR_NOTOPLEVEL
        "414": .invalidTarget, // ERR_WILDTOPLEVEL
    ]

    /// The refusal an error reply to a PRIVMSG/NOTICE stands for, with the target it names
    /// (nil for a FAIL, whose context is not standardised). Nil when `message` is not one of
    /// `targetNumerics` or a `FAIL PRIVMSG|NOTICE`.
    public static func targeted(_ message: Message) -> (refusal: SendRefusal, target: String?)? {
        if message.command == "FAIL" {
            guard message.params.count >= 3, ["PRIVMSG", "NOTICE"].contains(message.params[0]) else { return nil }
            return (SendRefusal(.other, code: "FAIL \(message.params[1])", reason: message.params.last ?? ""), nil)
        }
        guard let kind = targetNumerics[message.command], message.params.count >= 2 else { return nil }
        return (SendRefusal(kind, code: message.command, reason: message.params.count >= 3 ? message.params.last ?? "" : ""), message.params[1])
    }

    /// Any error reply (a 4xx/5xx numeric or FAIL), for labeled responses, where the label
    /// already says which line it answers.
    public static func anyError(_ message: Message) -> SendRefusal? {
        if let found = targeted(message) { return found.refusal }
        if message.command == "FAIL" {
            return SendRefusal(.other, code: "FAIL \(message.params.count >= 2 ? message.params[1] : "?")", reason: message.params.last ?? "")
        }
        guard message.command.utf8.count == 3, let number = Int(message.command), (400..<600).contains(number) else { return nil }
        return SendRefusal(.other, code: message.command, reason: message.params.last ?? "")
    }
}
