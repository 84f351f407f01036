import Foundation

/// The texts Midjourney would write: final prompts, /describe and /shorten results.
enum PromptText {
    static let keycaps = ["1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣"]

    /// The model version a prompt asks for (`--v 6.1`, `--version 5`, `--niji 6`); 7 by default.
    static func version(of prompt: String) -> Double {
        let words = prompt.split(whereSeparator: \.isWhitespace).map(String.init)
        for (i, w) in words.enumerated() where ["--v", "--version", "--niji"].contains(w.lowercased()) {
            if i + 1 < words.count, let v = Double(words[i + 1]) { return v }
            if w.lowercased() == "--niji" { return 6 }
        }
        return 7
    }

    /// Midjourney echoes the prompt with the version spelt out (`--v 7.0`).
    static func finalPrompt(for prompt: String) -> String {
        let trimmed = prompt.trimmingCharacters(in: .whitespacesAndNewlines)
        let lower = trimmed.lowercased()
        if lower.contains("--v ") || lower.contains("--version ") || lower.contains("--niji") {
            var words = trimmed.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            for i in words.indices.dropLast() where ["--v", "--version"].contains(words[i].lowercased()) {
                if let v = Double(words[i + 1]), !words[i + 1].contains(".") {
                    words[i + 1] = String(format: "%.1f", v)
                }
            }
            return words.joined(separator: " ")
        }
        return trimmed + " --v 7.0"
    }

    /// The `--zoom` value of a Custom Zoom prompt, if it is one Midjourney accepts (1...2).
    static func zoomValue(in prompt: String) -> Double? {
        let words = prompt.split(whereSeparator: \.isWhitespace).map(String.init)
        guard let i = words.firstIndex(where: { $0.lowercased() == "--zoom" }), i + 1 < words.count,
              let v = Double(words[i + 1]), (1...2).contains(v)
        else { return nil }
        return v
    }

    private static let subjects = ["a lighthouse on a cliff", "a red fox in snow", "a robot reading a book",
                                   "a bowl of ramen", "an astronaut in a garden", "a cat on a windowsill",
                                   "a tiny village at dusk", "a koi pond", "a steam train in fog",
                                   "a paper boat on a river"]
    private static let styles = ["in the style of Studio Ghibli", "watercolor illustration", "cinematic lighting",
                                 "isometric 3d render", "oil painting, impasto", "soft pastel colors",
                                 "low poly art", "ukiyo-e woodblock print", "golden hour photography",
                                 "minimalist line art"]
    private static let ratios = ["--ar 1:1", "--ar 3:2", "--ar 2:3", "--ar 16:9"]

    /// Four numbered prompts, chosen from what the image's bytes hash to.
    static func describePrompts(seed: UInt64) -> [String] {
        var rng = SeededRandom(seed: seed)
        return (0..<4).map { _ in
            let s = subjects[Int(rng.next() % UInt64(subjects.count))]
            let st = styles[Int(rng.next() % UInt64(styles.count))]
            let r = ratios[Int(rng.next() % UInt64(ratios.count))]
            return "\(s), \(st) \(r)"
        }
    }

    static func describeText(_ prompts: [String]) -> String {
        prompts.enumerated().map { "\(keycaps[$0.offset]) \($0.element)" }.joined(separator: "\n\n")
    }

    /// The five shortened prompts of /shorten: the prompt with ever more words dropped.
    static func shortenedPrompts(_ prompt: String) -> [String] {
        let words = prompt.split(whereSeparator: \.isWhitespace).filter { !$0.hasPrefix("--") }.map(String.init)
        guard !words.isEmpty else { return Array(repeating: prompt, count: 5) }
        return (0..<5).map { i in
            let keep = max(1, words.count - i * max(1, words.count / 6))
            return words.prefix(keep).joined(separator: " ")
        }
    }

    static func shortenText(_ prompt: String) -> String {
        let tokens = prompt.split(whereSeparator: \.isWhitespace).filter { !$0.hasPrefix("--") }
        let important = tokens.prefix(4).map { "\($0)" }.joined(separator: ", ")
        let lines = shortenedPrompts(prompt).enumerated().map { "\(keycaps[$0.offset]) \($0.element)" }
        return "**Important tokens**\n\(important)\n\n**Shortened prompts**\n" + lines.joined(separator: "\n")
    }

    /// A file-name slug like Discord attachments have (`user_dog_playing_ball_<uuid>.png`).
    static func slug(_ text: String) -> String {
        let words = text.lowercased().split { !($0.isASCII && ($0.isLetter || $0.isNumber)) }
        let s = words.prefix(6).joined(separator: "_")
        return String(s.prefix(48))
    }
}
