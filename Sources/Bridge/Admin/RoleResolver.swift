import IRC
import Store

/// Decides a sender's role. Pure: the lists come from `bot.conf` (owners, owner masks) and
/// the store (admins, ignores); the sender from the transport.
///
/// Order: an owner (by trusted account or owner mask) is an owner and can never be ignored;
/// then an ignore entry (account or mask) silences; then an admin account; else a user.
/// Accounts count only when the transport vouches for them (`accountVerified`): a nick
/// proves nothing, and an unverified account is looked up before an admin command runs.
public struct RoleResolver: Sendable {
    /// An ignore entry: an account, or a mask matched with the network's CASEMAPPING.
    public enum Entry: Sendable, Hashable {
        case account(String)
        case mask(HostmaskPattern)

        /// A word from chat or the store: a mask when it has `!@*?`, else an account.
        public init?(_ word: String) {
            // A Matrix user id (`@name:server`) is an account the homeserver vouches for, not a mask.
            if word.first == "@", TaskRoute.isMatrixIdentifier(word),
               !word.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }) {
                self = .account(word)
            } else if HostmaskPattern.looksLikeMask(word) {
                guard let pattern = HostmaskPattern(word) else { return nil }
                self = .mask(pattern)
            } else {
                guard !word.isEmpty, !word.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }) else {
                    return nil
                }
                self = .account(word)
            }
        }

        /// The stored form and its key (folded, so `!unignore` finds it in any case).
        public var text: String {
            switch self {
            case .account(let account): account
            case .mask(let pattern): pattern.text
            }
        }

        public var key: String {
            switch self {
            case .account(let account): "account:" + CaseMapping.rfc1459.lowercased(account)
            case .mask(let pattern): "mask:" + CaseMapping.rfc1459.lowercased(pattern.text)
            }
        }
    }

    public var ownerAccounts: [String]
    public var ownerMasks: [HostmaskPattern]
    public var adminAccounts: [String]
    public var ignores: [Entry]

    public init(ownerAccounts: [String] = [], ownerMasks: [HostmaskPattern] = [], adminAccounts: [String] = [],
                ignores: [Entry] = []) {
        self.ownerAccounts = ownerAccounts
        self.ownerMasks = ownerMasks
        self.adminAccounts = adminAccounts
        self.ignores = ignores
    }

    /// The sender of `event`. `isFromOwner` (the demo console) is an owner.
    public func role(of event: ChatEvent) -> Role {
        let account = event.accountVerified ? event.account : nil
        if event.isFromOwner || Self.contains(ownerAccounts, account) || matchesOwnerMask(event) { return .owner }
        if isIgnored(event, account: account) { return .ignored }
        if Self.contains(adminAccounts, account) { return .admin }
        return .user
    }

    /// Whether `event`'s sender wears one of the owner masks.
    public func matchesOwnerMask(_ event: ChatEvent) -> Bool {
        guard let userHost = event.userHost else { return false }
        return ownerMasks.contains { $0.matches(nick: event.sender, userHost: userHost, caseMapping: event.caseMapping) }
    }

    private func isIgnored(_ event: ChatEvent, account: String?) -> Bool {
        ignores.contains { entry in
            switch entry {
            case .account(let ignored):
                return Self.contains([ignored], account)
            case .mask(let pattern):
                guard let userHost = event.userHost else {
                    // Without user@host (not IRC), a mask can still name the nick alone.
                    return pattern.matches(nick: event.sender, userHost: "@", caseMapping: event.caseMapping)
                        && pattern.text.hasSuffix("!*@*")
                }
                return pattern.matches(nick: event.sender, userHost: userHost, caseMapping: event.caseMapping)
            }
        }
    }

    /// Services account names compare case-insensitively (Atheme, Anope fold them).
    static func contains(_ accounts: [String], _ account: String?) -> Bool {
        guard let account, !account.isEmpty else { return false }
        let folded = CaseMapping.rfc1459.lowercased(account)
        return accounts.contains { CaseMapping.rfc1459.lowercased($0) == folded }
    }
}
