import Foundation

/// The operator's banned words and phrases, matched the way people dodge them: case-insensitive,
/// on whole words only ("grass" is not "ass"), after IRC formatting codes and invisible
/// characters are removed ("a\u{2}ss") and Unicode NFKC folds look-alikes ("Ａss" is "Ass").
public struct BannedWords: Sendable, Hashable {
    /// Each entry as its sequence of normalised words.
    private let phrases: [[String]]

    public init(_ entries: [String]) {
        phrases = entries.map(Self.words).filter { !$0.isEmpty }
    }

    public var isEmpty: Bool { phrases.isEmpty }

    /// True when `text` contains one of the entries as whole words.
    public func matches(_ text: String) -> Bool {
        guard !phrases.isEmpty else { return false }
        let words = Self.words(text)
        return phrases.contains { phrase in
            guard phrase.count <= words.count else { return false }
            return (0...(words.count - phrase.count)).contains { start in
                phrase.indices.allSatisfy { words[start + $0] == phrase[$0] }
            }
        }
    }

    /// The words of a text as compared: formatting and invisible format characters (zero-width
    /// space, soft hyphen…) removed, NFKC, lower case, split on anything not a letter or digit.
    static func words(_ text: String) -> [String] {
        let stripped = String(String.UnicodeScalarView(ChatText.stripFormatting(text).unicodeScalars.filter { scalar in
            scalar.properties.generalCategory != .format && scalar.properties.generalCategory != .control
        }))
        let normalised = stripped.precomposedStringWithCompatibilityMapping.lowercased()
        return normalised.split { !($0.isLetter || $0.isNumber) }.map(String.init)
    }

    /// A banned-words file: one word or phrase a line; blank lines and `#` comments skipped.
    public static func parseFile(_ text: String) -> [String] {
        text.split(whereSeparator: \.isNewline).compactMap { line in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            return trimmed.isEmpty || trimmed.hasPrefix("#") ? nil : trimmed
        }
    }
}
