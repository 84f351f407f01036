/// What a network announced about itself in RPL_ISUPPORT (005), with the RFC defaults for
/// everything it did not say.
///
/// Feed every 005 line to `apply(_:)`; a `-TOKEN` puts that token back to its default.
public struct ISupport: Sendable, Hashable {
    /// A channel membership prefix from `PREFIX`, e.g. mode `o` shown as `@`.
    public struct PrefixMode: Sendable, Hashable {
        public var mode: Character
        public var symbol: Character

        public init(mode: Character, symbol: Character) {
            self.mode = mode
            self.symbol = symbol
        }
    }

    /// Every token seen, value unescaped (`\x20` → space); a token without a value maps to "".
    public private(set) var tokens: [String: String] = [:]
    /// `CASEMAPPING`; default `.rfc1459`, unknown mappings fall back to it too.
    public private(set) var caseMapping: CaseMapping = .rfc1459
    /// `CHANTYPES`: the characters a channel name may start with; default `#&`.
    public private(set) var channelTypes = "#&"
    /// `PREFIX`, highest rank first; default `(ov)@+`.
    public private(set) var prefixes = ISupport.defaultPrefixes
    /// `NICKLEN`; default 9 (RFC 1459).
    public private(set) var nickLength = 9
    /// `CHANNELLEN`; default 200 (RFC 1459); nil when the server says there is no limit.
    public private(set) var channelLength: Int? = 200
    /// `LINELEN`: bytes per line including CRLF; default (and minimum) 512.
    public private(set) var lineLength = 512
    /// `NETWORK`: the network's name, if it gave one.
    public private(set) var network: String?
    // nil: TARGMAX not advertised. Inside, a nil limit means "no limit".
    private var targetLimits: [String: Int?]?

    public static let defaultPrefixes = [PrefixMode(mode: "o", symbol: "@"), PrefixMode(mode: "v", symbol: "+")]

    public init() {}

    /// Applies one 005 line: `:server 005 <nick> TOKEN TOKEN=value -TOKEN :are supported...`.
    public mutating func apply(_ message: Message) {
        var params = message.params.dropFirst()
        // The last parameter is the human-readable text; a token can never contain a space.
        if let last = params.last, last.utf8.contains(0x20) { params = params.dropLast() }
        for token in params { apply(token: token) }
    }

    /// Applies one token: `NAME`, `NAME=value` or `-NAME`.
    public mutating func apply(token: String) {
        guard !token.isEmpty else { return }
        let name: String
        if token.hasPrefix("-") {
            name = String(token.dropFirst())
            tokens[name] = nil
        } else if let eq = token.firstIndex(of: "=") {
            name = String(token[..<eq])
            tokens[name] = ISupport.unescape(token[token.index(after: eq)...])
        } else {
            name = token
            tokens[name] = ""
        }
        update(name)
    }

    /// The raw value of a token, nil when the server did not send it.
    public func value(_ name: String) -> String? { tokens[name] }

    /// How many targets one `command` may take (`TARGMAX`); nil means no limit. Without
    /// TARGMAX, or for a command it does not list, one target is the safe assumption.
    public func maximumTargets(for command: String) -> Int? {
        guard let limits = targetLimits, let limit = limits[command.uppercased()] else { return 1 }
        return limit
    }

    /// `BOT`: the user mode that marks bots (IRCv3 bot mode); nil when not advertised or not a
    /// single letter (nothing else can be a user mode).
    public var botMode: Character? {
        guard let value = value("BOT"), value.count == 1, let mode = value.first, mode.isASCII, mode.isLetter else { return nil }
        return mode
    }

    /// Whether `nick`'s NAMES prefix symbols (`@`, `~@` with multi-prefix) include channel
    /// operator or higher: a prefix ranked at or above `o` in `PREFIX` (`~` owner, `&` admin,
    /// `@` op; not `%` halfop or `+` voice). Without `o` in `PREFIX`, `@` alone counts.
    public func isOperatorOrHigher(symbols: String) -> Bool {
        guard let opRank = prefixes.firstIndex(where: { $0.mode == "o" }) else { return symbols.contains("@") }
        return symbols.contains { symbol in
            prefixes.firstIndex { $0.symbol == symbol }.map { $0 <= opRank } ?? false
        }
    }

    /// Whether `name` is a channel on this network (starts with one of `CHANTYPES`).
    public func isChannel(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first else { return false }
        return channelTypes.unicodeScalars.contains(first)
    }

    /// Splits a NAMES entry like `@+nick` (multi-prefix) into its prefix symbols and the nick.
    public func splitPrefixes(_ entry: String) -> (symbols: String, nick: String) {
        let symbols = entry.prefix { ch in prefixes.contains { $0.symbol == ch } }
        return (String(symbols), String(entry.dropFirst(symbols.count)))
    }

    private mutating func update(_ name: String) {
        let value = tokens[name]
        switch name {
        case "CASEMAPPING":
            caseMapping = value.map(CaseMapping.init(isupportValue:)) ?? .rfc1459
        case "CHANTYPES":
            channelTypes = value ?? "#&"
        case "PREFIX":
            prefixes = value.flatMap(ISupport.parsePrefixes) ?? ISupport.defaultPrefixes
        case "NICKLEN":
            nickLength = value.flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil } ?? 9
        case "CHANNELLEN":
            switch value {
            case nil: channelLength = 200
            case "": channelLength = nil
            case let text?: channelLength = Int(text).flatMap { $0 > 0 ? $0 : nil } ?? 200
            }
        case "LINELEN":
            lineLength = max(512, value.flatMap { Int($0) } ?? 512)
        case "NETWORK":
            network = value.flatMap { $0.isEmpty ? nil : $0 }
        case "TARGMAX":
            targetLimits = value.map(ISupport.parseTargetLimits)
        default:
            break
        }
    }

    /// `(qaohv)~&@%+` → pairs; nil if malformed, "" → none.
    static func parsePrefixes(_ value: String) -> [PrefixMode]? {
        guard !value.isEmpty else { return [] }
        guard value.hasPrefix("("), let close = value.firstIndex(of: ")") else { return nil }
        let modes = value[value.index(after: value.startIndex)..<close]
        let symbols = value[value.index(after: close)...]
        guard modes.count == symbols.count else { return nil }
        return zip(modes, symbols).map { PrefixMode(mode: $0, symbol: $1) }
    }

    /// `PRIVMSG:4,NOTICE:4,JOIN:` → limits; an empty limit means none.
    static func parseTargetLimits(_ value: String) -> [String: Int?] {
        var limits: [String: Int?] = [:]
        for entry in value.split(separator: ",") {
            let parts = entry.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            let command = parts[0].uppercased()
            guard !command.isEmpty else { continue }
            let limit = parts.count > 1 ? Int(parts[1]) : nil
            limits[command] = .some(limit)
        }
        return limits
    }

    /// ISUPPORT values escape bytes as `\xHH` (e.g. `\x20` for a space).
    static func unescape(_ value: Substring) -> String {
        guard value.contains("\\") else { return String(value) }
        var bytes: [UInt8] = []
        let input = Array(value.utf8)
        var i = 0
        while i < input.count {
            if input[i] == UInt8(ascii: "\\"), i + 3 < input.count, input[i + 1] == UInt8(ascii: "x"),
               let high = hexValue(input[i + 2]), let low = hexValue(input[i + 3]) {
                bytes.append(high << 4 | low)
                i += 4
            } else {
                bytes.append(input[i])
                i += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
