import Store

/// Where a result taken from a task's `state` may be sent: a configured network, a channel
/// or nick that is a plain IRC name — or, on a Matrix account, a room id, with the sender's
/// display name and user id. A valid MAC only proves the bot made the state; these checks
/// keep a bug (or an old key's state) from sending lines anywhere odd.
public struct RouteTargetRules: Sendable, Hashable {
    /// Names of the configured networks (IRC and Matrix), exactly as routes carry them.
    public var networks: Set<String>
    /// Those of `networks` that are Matrix accounts: their routes name a room by id (always: a
    /// Matrix account sends only to rooms) and a display name where IRC has a nick.
    public var matrixNetworks: Set<String>

    public init(networks: Set<String>, matrixNetworks: Set<String> = []) {
        self.networks = networks.union(matrixNetworks)
        self.matrixNetworks = matrixNetworks
    }

    /// Longest channel, nick or account accepted (most networks allow far less).
    static let maxNameBytes = 64

    public func accepts(_ state: SignedRouteState) -> Bool {
        let route = state.route
        guard networks.contains(route.network) else { return false }
        if let intent = state.intent, !Self.isIntent(intent) { return false }
        if matrixNetworks.contains(route.network) {
            guard let room = route.channel, Self.isMatrixRoom(room), Self.isDisplayName(route.nick) else { return false }
            if let account = route.account, !Self.isMatrixUser(account) { return false }
            return true
        }
        guard Self.isNick(route.nick) else { return false }
        if let channel = route.channel, !Self.isChannel(channel) { return false }
        if let account = route.account, !Self.isAccount(account) { return false }
        return true
    }

    /// `!opaque:server`, or `!` and 43 URL-safe base64 characters (room version 12): the rule
    /// the Matrix transport sends by (`TaskRoute.isMatrixRoomID`), so a room the bot talks in
    /// has its results adopted too.
    static func isMatrixRoom(_ id: String) -> Bool {
        TaskRoute.isMatrixRoomID(id)
    }

    /// `@localpart:server`.
    static func isMatrixUser(_ id: String) -> Bool {
        id.first == "@" && id.contains(":") && id.utf8.count <= 255 && isPrintableWithoutSpace(id)
    }

    /// What the Matrix transport puts where IRC has a nick: anyone's display name, made
    /// wire-safe and short (`MatrixChatEvent.cleanName`), or the user id's localpart. Spaces
    /// are fine; controls and an empty name are not.
    static func isDisplayName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 255
            && !name.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }
    }

    private static func isPrintableWithoutSpace(_ id: String) -> Bool {
        !id.unicodeScalars.contains { $0.value < 0x21 || (0x7F...0x9F).contains($0.value) || $0 == "," }
    }

    /// `#name` (or `&`, `+`, `!`): no space, comma, colon, BEL or other control characters.
    static func isChannel(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, "#&+!".unicodeScalars.contains(first),
              name.unicodeScalars.count >= 2, name.utf8.count <= maxNameBytes else { return false }
        return !name.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F || $0 == " " || $0 == "," || $0 == ":" }
    }

    /// RFC 2812 nick: a letter or one of `[]\`_^{|}`, then those, digits and `-`.
    static func isNick(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.utf8.count <= maxNameBytes else { return false }
        let special = "[]\\`_^{|}".unicodeScalars
        func isLetter(_ s: Unicode.Scalar) -> Bool { ("a"..."z").contains(s) || ("A"..."Z").contains(s) }
        guard isLetter(first) || special.contains(first) else { return false }
        return name.unicodeScalars.allSatisfy { isLetter($0) || ("0"..."9").contains($0) || special.contains($0) || $0 == "-" }
    }

    /// A services account: printable, no space or comma.
    static func isAccount(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= maxNameBytes
            && !name.unicodeScalars.contains { $0.value < 0x21 || (0x7F...0x9F).contains($0.value) || $0 == "," }
    }

    /// An intent id: letters, digits, `-` and `_`.
    static func isIntent(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= maxNameBytes
            && id.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_") }
    }
}
