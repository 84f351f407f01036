/// The nicks to try in order when the server refuses one (432/433/436/437): the configured
/// nick, the configured alternates, then `nick_`, `nick__`, … shortened to fit NICKLEN.
public struct NickFallback: Sendable, Hashable {
    public let primary: String
    public let alternates: [String]
    /// How many generated candidates we try before giving up; keeps a server that refuses
    /// everything from holding us in a loop.
    public let maxGenerated: Int
    public private(set) var maxLength: Int?
    public private(set) var tried: [String] = []
    private var nextAlternate = 0
    private var generated = 0

    public init(primary: String, alternates: [String], maxLength: Int? = nil, maxGenerated: Int = 8) {
        self.primary = primary
        self.alternates = alternates.filter { !$0.isEmpty && $0 != primary }
        self.maxLength = maxLength.flatMap { $0 > 0 ? $0 : nil }
        self.maxGenerated = maxGenerated
    }

    /// The first nick to send.
    public mutating func first() -> String {
        tried = [primary]
        return primary
    }

    /// The next candidate after `refused` was refused, or nil when we have run out.
    /// `erroneous` (432) for a generated nick longer than the primary suggests the server's
    /// NICKLEN is shorter than that nick, so later candidates are shortened accordingly.
    public mutating func next(afterRefusing refused: String, erroneous: Bool) -> String? {
        if erroneous, generated > 0, refused.count > primary.count {
            let inferred = refused.count - 1
            maxLength = min(maxLength ?? inferred, inferred)
        }
        while nextAlternate < alternates.count {
            let candidate = alternates[nextAlternate]
            nextAlternate += 1
            if !tried.contains(candidate) {
                tried.append(candidate)
                return candidate
            }
        }
        while generated < maxGenerated {
            generated += 1
            let suffix = String(repeating: "_", count: generated)
            var base = primary
            if let maxLength, base.count + suffix.count > maxLength {
                let keep = maxLength - suffix.count
                guard keep > 0 else { return nil }
                base = String(base.prefix(keep))
            }
            let candidate = base + suffix
            if !tried.contains(candidate) {
                tried.append(candidate)
                return candidate
            }
        }
        return nil
    }
}
