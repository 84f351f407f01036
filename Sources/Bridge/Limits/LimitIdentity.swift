/// Who a limit counts for. A nick proves nothing and changes at will, so: the services account
/// when the network vouches for one, else `*!user@host` with the nick wildcarded (a nick change
/// does not reset a quota). Without either (console, some tests) the nick is all there is.
///
/// The admin work has the same notion in `UserIdentity`; the two are to be merged.
public enum LimitIdentity {
    public static func key(account: String?, userHost: String?, nick: String) -> String {
        if let account, !account.isEmpty { return ChatText.caseFolded(account) }
        if let userHost, !userHost.isEmpty { return "*!" + userHost.lowercased() }
        return ChatText.caseFolded(nick) + "!*@*"
    }

    public static func key(of event: ChatEvent) -> String {
        key(account: event.account, userHost: event.userHost, nick: event.sender)
    }

    /// What an admin typed to name a user in `!quota`: a mask (`*!user@host`) or an account.
    public static func key(typed word: String) -> String {
        word.contains("!") || word.contains("@") ? word.lowercased() : ChatText.caseFolded(word)
    }
}
