import Store

/// Who a limit counts for. A nick proves nothing and changes at will, so: the services account
/// when the network vouches for one, else `*!user@host` with the nick wildcarded (a nick change
/// does not reset a quota). Without either (console, some tests) the nick is all there is.
///
/// Which of the three a sender is, is `UserIdentity`'s decision (so an account the network did
/// not vouch for is never used); this is the key the limit tables and `task.userKey` store.
public enum LimitIdentity {
    public static func key(account: String?, userHost: String?, nick: String) -> String {
        if let account, !account.isEmpty { return ChatText.caseFolded(account) }
        if let userHost, !userHost.isEmpty { return "*!" + userHost.lowercased() }
        return ChatText.caseFolded(nick) + "!*@*"
    }

    public static func key(of event: ChatEvent) -> String {
        let identity = UserIdentity(event)
        switch identity.kind {
        case .account: return key(account: identity.value, userHost: nil, nick: event.sender)
        case .mask: return key(account: nil, userHost: event.userHost, nick: event.sender)
        case .nick: return key(account: nil, userHost: nil, nick: event.sender)
        }
    }

    /// Whether a stored key is a `*!user@host` mask (a user without an account).
    public static func isMask(_ key: String) -> Bool {
        key.hasPrefix("*!")
    }

    /// What an admin typed to name a user in `!quota`: a mask (`*!user@host`) or an account.
    public static func key(typed word: String) -> String {
        // A Matrix user id is an account, kept as the homeserver spells it (see `key(account:…)`).
        if TaskRoute.isMatrixIdentifier(word) { return word }
        return word.contains("!") || word.contains("@") ? word.lowercased() : ChatText.caseFolded(word)
    }
}
