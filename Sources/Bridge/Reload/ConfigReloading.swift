/// Re-reads the bot's configuration and applies what can change without a restart. The App
/// implements it (it knows the file and the connections); the bridge only asks, for `!reload`.
public protocol ConfigReloading: Sendable {
    func reload() async -> ReloadReport
}

/// What one reload did, in one line for chat and the log.
public struct ReloadReport: Sendable, Hashable {
    /// False when the file could not be loaded: then nothing was changed.
    public var applied: Bool
    /// E.g. `Reloaded bot.conf: owners 2 → 3, joined #new; needs a restart: networks[0].port`.
    public var text: String

    public init(applied: Bool, text: String) {
        self.applied = applied
        self.text = text
    }
}
