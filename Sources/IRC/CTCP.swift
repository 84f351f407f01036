import Foundation

/// Client-To-Client Protocol: requests carried in PRIVMSG text between `\u{1}` bytes
/// (`\u{1}VERSION\u{1}`), answered with a NOTICE in the same form.
///
/// Only VERSION, PING, TIME and CLIENTINFO get an answer; ACTION is parsed (it is `/me`) but
/// never answered, and CTCP inside a NOTICE is never answered, so two bots cannot loop.
/// Pair the replies with a `CTCPRateLimiter`.
public enum CTCP {
    /// One CTCP request or reply: `command` upper-cased, `argument` the text after the first
    /// space ("" if none).
    public struct Request: Sendable, Hashable {
        public var command: String
        public var argument: String

        public init(command: String, argument: String = "") {
            self.command = command
            self.argument = argument
        }
    }

    /// The requests we answer, for CLIENTINFO (plus ACTION, which clients list by convention).
    public static let supported = ["ACTION", "CLIENTINFO", "PING", "TIME", "VERSION"]
    /// The longest PING token echoed back; a longer one is cut, so nobody can make us send much.
    public static let maximumPingArgument = 64

    /// The byte that opens and closes a CTCP message.
    public static let marker: UInt8 = 0x01

    /// `message` with every `\u{1}` removed from its text when it is a PRIVMSG or NOTICE, so
    /// that a line sent for someone else never turns into a CTCP. The client's own replies
    /// (`reply(to:…)`) are written without passing through here.
    public static func defanged(_ message: Message) -> Message {
        guard ["PRIVMSG", "NOTICE"].contains(message.command.uppercased()),
              let text = message.params.last, text.utf8.contains(marker)
        else { return message }
        var copy = message
        copy.params[copy.params.count - 1] = WireText.clean(text) { $0 == marker }
        return copy
    }

    /// Whether a PRIVMSG/NOTICE text is a CTCP message.
    public static func isCTCP(_ text: String) -> Bool {
        text.utf8.first == 0x01
    }

    /// The request in `text`, or nil when it is not CTCP. A missing closing `\u{1}` is tolerated.
    public static func parse(_ text: String) -> Request? {
        guard isCTCP(text) else { return nil }
        let body = text.unicodeScalars.dropFirst().prefix { $0 != "\u{01}" }
        let command = body.prefix { $0 != " " }
        guard !command.isEmpty else { return nil }
        let argument = body.dropFirst(command.count + 1)
        return Request(command: String(command).uppercased(), argument: String(argument))
    }

    /// `\u{1}COMMAND argument\u{1}`, with `\u{1}`, CR, LF and NUL removed from both parts.
    public static func encode(_ command: String, _ argument: String = "") -> String {
        let command = clean(command)
        let argument = clean(argument)
        return "\u{01}" + (argument.isEmpty ? command : command + " " + argument) + "\u{01}"
    }

    /// The NOTICE answering a CTCP request in `message`, or nil when there is nothing to answer
    /// (not a PRIVMSG, no sender nick, not CTCP, or a request we do not answer).
    /// - Parameters:
    ///   - version: the text for VERSION, e.g. "mjbridge 0.3.0 (Swift)".
    ///   - now: the time for TIME, injected so tests are exact.
    public static func reply(to message: Message, version: String, now: Date) -> Message? {
        guard message.command == "PRIVMSG", message.params.count >= 2,
              let nick = message.source?.nick, !nick.isEmpty,
              let request = parse(message.params[message.params.count - 1])
        else { return nil }
        return reply(to: request, from: nick, version: version, now: now)
    }

    /// The NOTICE to `nick` answering `request`, or nil for requests we do not answer.
    public static func reply(to request: Request, from nick: String, version: String, now: Date) -> Message? {
        let answer: String
        switch request.command {
        case "VERSION":
            answer = encode("VERSION", version)
        case "PING":
            answer = encode("PING", truncated(clean(request.argument), toBytes: maximumPingArgument))
        case "TIME":
            answer = encode("TIME", now.formatted(Date.ISO8601FormatStyle()))
        case "CLIENTINFO":
            answer = encode("CLIENTINFO", supported.joined(separator: " "))
        default:
            return nil
        }
        return Message("NOTICE", nick, answer)
    }

    private static func clean(_ text: String) -> String {
        WireText.clean(text) { WireText.isLineBreaker($0) || $0 == 0x01 }
    }

    private static func truncated(_ text: String, toBytes limit: Int) -> String {
        guard text.utf8.count > limit else { return text }
        var result = ""
        for character in text {
            guard result.utf8.count + character.utf8.count <= limit else { break }
            result.append(character)
        }
        return result
    }
}
