/// The limits in force with what is derived from them once (the normalised banned words),
/// so the matcher is not rebuilt for every command.
public struct LimitPolicy: Sendable {
    public let settings: LimitSettings
    public let bannedWords: BannedWords

    public init(_ settings: LimitSettings) {
        self.settings = settings
        self.bannedWords = BannedWords(settings.bannedWords)
    }
}
