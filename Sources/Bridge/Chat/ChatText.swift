import Store

/// Text hygiene at the chat boundary.
public enum ChatText {
    /// Removes IRC formatting codes (bold, colours with their digits, hex colours, reset,
    /// reverse, italic, strikethrough, underline, monospace) and every other C0 control but TAB
    /// (CR, LF, NUL, `\u{1}` which starts a CTCP, …) and DEL, so that commands typed with
    /// formatting still parse and no input can smuggle a line break or a CTCP. TAB stays: the
    /// command parser treats it as a space.
    public static func stripFormatting(_ text: String) -> String {
        // Most chat has no control character at all: nothing to copy.
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var out = String.UnicodeScalarView()
        let scalars = Array(text.unicodeScalars)
        var i = 0
        func isDigit(_ k: Int) -> Bool { k < scalars.count && ("0"..."9").contains(scalars[k]) }
        func isHex(_ k: Int) -> Bool { k < scalars.count && scalars[k].properties.isASCIIHexDigit }
        while i < scalars.count {
            let s = scalars[i]
            switch s.value {
            case 0x03:
                i += 1
                // Up to two foreground digits, then optionally ",<up to two background digits>".
                if isDigit(i) {
                    i += 1
                    if isDigit(i) { i += 1 }
                    if i + 1 < scalars.count, scalars[i] == ",", isDigit(i + 1) {
                        i += 2
                        if isDigit(i) { i += 1 }
                    }
                }
            case 0x04:
                i += 1
                if (0..<6).allSatisfy({ isHex(i + $0) }) {
                    i += 6
                    if i < scalars.count, scalars[i] == ",", (1...6).allSatisfy({ isHex(i + $0) }) {
                        i += 7
                    }
                }
            case 0x00...0x08, 0x0A...0x1F, 0x7F:
                // Formatting toggles (02 0F 11 16 1D 1E 1F) and every other control.
                i += 1
            default:
                out.append(s)
                i += 1
            }
        }
        return String(out)
    }

    /// Makes text safe for one IRC line: CR, LF, TAB, VT and FF become spaces; NUL, `\u{1}`
    /// (a CTCP marker), every other C0 control and DEL are dropped. The bot's own text has none
    /// of them, so this is applied to every outgoing line as the last guard.
    public static func wireSafe(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var out = String.UnicodeScalarView()
        for s in text.unicodeScalars {
            switch s.value {
            case 0x09...0x0D: out.append(" ")
            case 0x00...0x1F, 0x7F: continue
            default: out.append(s)
            }
        }
        return String(out)
    }

    /// Text from outside (chat input, the proxy's prompts, fail reasons, labels and links) as
    /// it may be shown: formatting codes removed, line breaks and tabs turned into spaces, no
    /// C0 control or DEL left.
    public static func untrusted(_ text: String) -> String {
        // Spaces first: stripFormatting drops line breaks, which would glue words together.
        stripFormatting(wireSafe(keepingFormatting: text))
    }

    /// `untrusted` for text whose line breaks carry meaning (a describe result's four
    /// prompts): each line is cleaned, LF is kept, CR and empty lines are dropped.
    public static func untrustedLines(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).map { untrusted(String($0)) }.filter { !$0.isEmpty }
            .joined(separator: "\n")
    }

    static func isControl(_ s: Unicode.Scalar) -> Bool {
        s.value < 0x20 || s.value == 0x7F
    }

    /// CR, LF, TAB, VT and FF as spaces; everything else, formatting codes included, kept for
    /// `stripFormatting` (which needs the colour code before its digits).
    private static func wireSafe(keepingFormatting text: String) -> String {
        guard text.unicodeScalars.contains(where: { (0x09...0x0D).contains($0.value) }) else { return text }
        var out = String.UnicodeScalarView()
        for s in text.unicodeScalars {
            out.append((0x09...0x0D).contains(s.value) ? " " : s)
        }
        return String(out)
    }

    /// Nick and channel comparison under RFC 1459 case mapping; the same folding the store
    /// keys its routes with, so the two can never disagree.
    public static func caseFolded(_ name: String) -> String {
        TaskRoute.fold(name)
    }

    /// Shortens `text` to at most `limit` UTF-8 bytes, cut at a grapheme (Character) boundary
    /// and ending with "…" when cut. Bytes, not characters: the IRC line budget is in bytes, and
    /// one character can be dozens of them (emoji sequences, stacked combining marks). A first
    /// grapheme bigger than the limit leaves just "…".
    public static func truncated(_ text: String, to limit: Int) -> String {
        guard text.utf8.count > limit else { return text }
        let ellipsis = "…"
        let room = limit - ellipsis.utf8.count
        guard room >= 0 else { return "" }
        var end = text.startIndex
        var used = 0
        while end < text.endIndex {
            let next = text.index(after: end)
            let size = text.utf8.distance(from: end, to: next)
            if used + size > room { break }
            used += size
            end = next
        }
        return String(text[..<end]) + ellipsis
    }
}
