import MidjourneyAPI

/// A prompt as the proxy should get it.
public struct SanitizedPrompt: Sendable, Hashable {
    /// The text prompt: dashes normalised, image URLs and mode flags removed, whitespace collapsed.
    public var text: String
    /// The image prompts that opened the prompt, in order: links, and `ref:1828` refs of
    /// earlier results (a bare number is prompt text here).
    public var images: [String]
    /// The links among `images`.
    public var imageURLs: [String] { images.filter(PromptSanitizer.isImageURL) }
    /// The speed mode asked for, last one wins.
    public var mode: SpeedMode?
}

/// Cleans up what people type on phones and in chat before it becomes a Midjourney prompt.
public enum PromptSanitizer {
    public static func sanitize(_ raw: String) -> SanitizedPrompt {
        var words = ChatText.stripFormatting(raw)
            .split(whereSeparator: { $0 == " " || $0 == "\t" })
            .map { normaliseDashes(String($0)) }
        var images: [String] = []
        while let first = words.first, isImageURL(first) || ImageReference.parse(first, bare: false) != nil {
            images.append(first)
            words.removeFirst()
        }
        var mode: SpeedMode?
        words.removeAll { word in
            switch word.lowercased() {
            case "--fast": mode = .fast; return true
            case "--relax": mode = .relax; return true
            case "--turbo": mode = .turbo; return true
            default: return false
            }
        }
        return SanitizedPrompt(text: words.joined(separator: " "), images: images, mode: mode)
    }

    /// Phones turn `--ar` into `—ar` or `–ar`; Midjourney only knows `--`.
    static func normaliseDashes(_ word: String) -> String {
        guard let first = word.first, first == "—" || first == "–" else { return word }
        let rest = word.drop(while: { $0 == "—" || $0 == "–" || $0 == "-" })
        guard let next = rest.first, next.isLetter else { return word }
        return "--" + rest
    }

    static func isImageURL(_ word: String) -> Bool {
        let lower = word.lowercased()
        return (lower.hasPrefix("https://") || lower.hasPrefix("http://")) && word.count > 10
    }
}
