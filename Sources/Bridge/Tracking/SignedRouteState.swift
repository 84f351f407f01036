import Foundation
import Store

/// The route the bot puts in a task's `state`, signed, so a result can still be routed when
/// the task is missing from the store (the bot crashed between the proxy accepting the task and
/// the store recording it) — and so nobody else can make one. The proxy's operator sees and
/// echoes states, and may post callbacks: without the MAC, any `state` would route any result
/// to any channel or nick.
///
/// Format (space-separated, fields percent-encoded for `%` and space, `-` = none):
/// `mjb2 <network> <channel> <nick> <account> <intent> <mac>`, where `<mac>` is HMAC-SHA256
/// (key: `RouteStateKey`) over everything before the last space, cut to 128 bits, base64url
/// without padding. The MAC covers the text as sent, so no re-encoding can make two readings
/// of one signature. At most 255 bytes (TrueAI stores 255 characters): when the fields do not
/// fit, the intent is left out, then the account; if it still does not fit, no state is sent
/// and such a task cannot be adopted after a crash (it is tracked normally otherwise).
/// The older unsigned `mjb1` states are not trusted for anything.
public struct SignedRouteState: Sendable, Hashable {
    public var route: TaskRoute
    /// The intent row the task was submitted for (a later issue fills it in).
    public var intent: String?

    public init(route: TaskRoute, intent: String? = nil) {
        self.route = route
        self.intent = intent
    }

    static let tag = "mjb2"
    /// TrueAI's limit for `state`, counted in bytes to be safe with any string length.
    public static let maxLength = 255

    /// What a `state` turned out to be.
    public enum Verdict: Sendable, Hashable {
        /// No state at all.
        case absent
        /// A state that is not a well-formed `mjb2` state with a valid MAC (unsigned, older
        /// format, tampered, truncated, made with another key).
        case untrusted
        case valid(SignedRouteState)
    }

    /// The signed text, or nil when even the shortest form is longer than `maxLength`. A Matrix
    /// user id is never dropped: it is the identity there, and the display name left without it
    /// is anyone's to choose (whoever took it would own the adopted task).
    public func encoded(with key: RouteStateKey) -> String? {
        var candidates = [self, SignedRouteState(route: route, intent: nil)]
        if !(route.account.map { $0.first == "@" && TaskRoute.isMatrixIdentifier($0) } ?? false) {
            candidates.append(SignedRouteState(route: TaskRoute(network: route.network, channel: route.channel, nick: route.nick),
                                               intent: nil))
        }
        for candidate in candidates {
            let body = candidate.unsignedBody
            let state = body + " " + Self.base64url(key.mac(body))
            if state.utf8.count <= Self.maxLength { return state }
        }
        return nil
    }

    /// Checks a state's MAC (in constant time) and reads it. Only a `.valid` state is believed,
    /// and even then its names are checked by `RouteTargetRules` before anything is sent.
    public static func verify(_ state: String?, with key: RouteStateKey) -> Verdict {
        guard let state, !state.isEmpty else { return .absent }
        guard state.utf8.count <= maxLength, let macStart = state.lastIndex(of: " ") else { return .untrusted }
        let body = String(state[..<macStart])
        guard let mac = base64urlDecode(String(state[state.index(after: macStart)...])),
              key.isValid(mac, for: body) else { return .untrusted }
        let fields = body.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        guard fields.count == 6, fields[0] == tag,
              let network = unescape(fields[1]), let nick = unescape(fields[3]),
              let channel = optional(fields[2]), let account = optional(fields[4]), let intent = optional(fields[5]),
              !network.isEmpty, !nick.isEmpty else { return .untrusted }
        return .valid(SignedRouteState(route: TaskRoute(network: network, channel: channel, nick: nick, account: account),
                                       intent: intent))
    }

    private var unsignedBody: String {
        [Self.tag, Self.escape(route.network), route.channel.map(Self.escape) ?? "-", Self.escape(route.nick),
         route.account.map(Self.escape) ?? "-", intent.map(Self.escape) ?? "-"].joined(separator: " ")
    }

    // MARK: Encoding

    private static func escape(_ s: String) -> String {
        // A value that is exactly "-" must not read as "none".
        if s == "-" { return "%2D" }
        return s.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: " ", with: "%20")
    }

    private static func unescape(_ s: String) -> String? {
        s.removingPercentEncoding
    }

    /// nil = malformed; .some(nil) = "-" (none); an empty value counts as malformed.
    private static func optional(_ field: String) -> String?? {
        if field == "-" { return .some(nil) }
        guard let value = unescape(field), !value.isEmpty else { return nil }
        return .some(value)
    }

    static func base64url(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Strict: exactly the 22 characters of a 16-byte MAC, base64url alphabet only.
    static func base64urlDecode(_ text: String) -> [UInt8]? {
        let expectedLength = (RouteStateKey.macBytes * 4 + 2) / 3
        guard text.utf8.count == expectedLength,
              text.utf8.allSatisfy({ $0.isASCIIAlphanumeric || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") })
        else { return nil }
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while standard.utf8.count % 4 != 0 { standard += "=" }
        guard let data = Data(base64Encoded: standard), data.count == RouteStateKey.macBytes,
              base64url(Array(data)) == text else { return nil }
        return Array(data)
    }
}

private extension UInt8 {
    var isASCIIAlphanumeric: Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(self) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(self)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self)
    }
}
