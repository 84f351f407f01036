/// One mode change from a channel `MODE` line (`MODE #c +mv-b nick mask` is three of them).
public struct ChannelModeChange: Sendable, Hashable {
    public var adding: Bool
    public var mode: Character
    public var parameter: String?

    public init(adding: Bool, mode: Character, parameter: String? = nil) {
        self.adding = adding
        self.mode = mode
        self.parameter = parameter
    }

    /// The changes in `MODE <channel> <modes> <parameters…>` (`params` as the server sent
    /// them, channel first). Which letters take a parameter follows PREFIX and CHANMODES
    /// (list and always-parameter modes take one both ways, the third group only when set).
    public static func parse(_ params: [String], support: ISupport) -> [ChannelModeChange] {
        guard params.count >= 2 else { return [] }
        let groups = (support.value("CHANMODES") ?? "beI,k,l,imnpst").split(separator: ",", omittingEmptySubsequences: false)
        let alwaysParameter = Set((groups.count > 0 ? groups[0] : "") + (groups.count > 1 ? groups[1] : ""))
        let parameterWhenSet = Set(groups.count > 2 ? groups[2] : "")
        let prefixModes = Set(support.prefixes.map(\.mode))
        var arguments = params.dropFirst(2).makeIterator()
        var adding = true
        var changes: [ChannelModeChange] = []
        for letter in params[1] {
            switch letter {
            case "+": adding = true
            case "-": adding = false
            default:
                let takesParameter = prefixModes.contains(letter) || alwaysParameter.contains(letter)
                    || (adding && parameterWhenSet.contains(letter))
                changes.append(ChannelModeChange(adding: adding, mode: letter, parameter: takesParameter ? arguments.next() : nil))
            }
        }
        return changes
    }

    /// Whether these changes may let a line we could not send get through now: a status
    /// (voice, op, …) given to `nick`, or any mode taken off the channel (-m, -b, -q, -M, -R,
    /// -c, …; a ban lifted for anyone, since we cannot tell which masks match us as the
    /// server sees us). A false alarm only costs one retry.
    public static func mayLetSpeak(_ changes: [ChannelModeChange], nick: String, support: ISupport) -> Bool {
        let prefixModes = Set(support.prefixes.map(\.mode))
        return changes.contains { change in
            if prefixModes.contains(change.mode) {
                return change.adding && change.parameter.map { support.caseMapping.equal($0, nick) } == true
            }
            return !change.adding
        }
    }
}
