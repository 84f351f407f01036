/// A `nick!user@host` pattern with `*` (any run) and `?` (any one character), as ban masks
/// and owner masks are written. Matching folds both sides with the network's CASEMAPPING,
/// so `Alice[m]!*@*` matches `alice{m}!u@h` on an rfc1459 network but not on an ascii one.
public struct HostmaskPattern: Sendable, Hashable, CustomStringConvertible {
    /// The pattern in its full three-part form.
    public let text: String

    /// Completes a partial pattern: `*@host` → `*!*@host`, `user@host` → `*!user@host`,
    /// `nick!user` → `nick!user@*`, a bare `nick*` → `nick*!*@*`. Nil for an empty pattern or
    /// one with spaces or control characters (it could never match a real prefix).
    public init?(_ raw: String) {
        guard !raw.isEmpty, !raw.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }) else { return nil }
        let hasBang = raw.contains("!")
        let hasAt = raw.contains("@")
        switch (hasBang, hasAt) {
        case (true, true): text = raw
        case (false, true): text = "*!" + raw
        case (true, false): text = raw + "@*"
        case (false, false): text = raw + "!*@*"
        }
    }

    public var description: String { text }

    /// Whether a string looks like a mask rather than an account name (`!`, `@`, `*` or `?`).
    public static func looksLikeMask(_ word: String) -> Bool {
        word.contains { "!@*?".contains($0) }
    }

    /// Whether `nick!userHost` matches under `caseMapping`.
    public func matches(nick: String, userHost: String, caseMapping: CaseMapping) -> Bool {
        matches("\(nick)!\(userHost)", caseMapping: caseMapping)
    }

    /// Whether the full prefix `nick!user@host` matches under `caseMapping`.
    public func matches(_ prefix: String, caseMapping: CaseMapping) -> Bool {
        Self.glob(Array(text.utf8).map(caseMapping.fold), Array(prefix.utf8).map(caseMapping.fold))
    }

    /// Iterative wildcard match with backtracking to the last `*` only: linear-ish and no
    /// recursion, so a hostile pattern such as `*a*a*a*a*b` cannot blow the stack.
    static func glob(_ pattern: [UInt8], _ subject: [UInt8]) -> Bool {
        let star = UInt8(ascii: "*"), question = UInt8(ascii: "?")
        var p = 0, s = 0
        var lastStar: Int?
        var resume = 0
        while s < subject.count {
            if p < pattern.count, pattern[p] == star {
                lastStar = p
                p += 1
                resume = s
            } else if p < pattern.count, pattern[p] == question || pattern[p] == subject[s] {
                p += 1
                s += 1
            } else if let star = lastStar {
                p = star + 1
                resume += 1
                s = resume
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == star { p += 1 }
        return p == pattern.count
    }
}
