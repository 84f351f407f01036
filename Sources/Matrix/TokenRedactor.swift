/// Removes access tokens from text that may reach a log or a chat: error descriptions,
/// server messages, URLs. Two defences: the known token itself, and anything that looks like
/// one after `access_token=` or `Bearer ` (a token the client does not know, e.g. from a
/// server's echo of an old request).
public struct TokenRedactor: Sendable, Hashable {
    public static let placeholder = "<redacted>"
    private let tokens: [String]

    public init(tokens: [String?]) {
        // Very short strings cannot be searched for without mangling ordinary text (and are
        // no real tokens); longest first so a token containing another is removed whole.
        self.tokens = tokens.compactMap { $0 }.filter { $0.count >= 6 }.sorted { $0.count > $1.count }
    }

    public func redact(_ text: String) -> String {
        var text = text
        for token in tokens where text.contains(token) {
            text = text.replacingOccurrences(of: token, with: Self.placeholder)
        }
        for marker in ["access_token=", "Bearer ", "bearer "] {
            text = Self.redactValues(after: marker, in: text)
        }
        return text
    }

    /// Replaces the run of token characters after each `marker`.
    static func redactValues(after marker: String, in text: String) -> String {
        guard text.contains(marker) else { return text }
        var result = ""
        var rest = Substring(text)
        while let range = rest.range(of: marker) {
            result += rest[..<range.upperBound]
            let value = rest[range.upperBound...].prefix { $0.isLetter || $0.isNumber || "-_.~+/=%".contains($0) }
            if value.isEmpty {
                rest = rest[range.upperBound...]
                continue
            }
            result += placeholder
            rest = rest[value.endIndex...]
        }
        return result + rest
    }
}
