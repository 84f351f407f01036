import Store

/// Text hygiene at the chat boundary.
public enum ChatText {
    /// Removes IRC formatting codes (bold, colours with their digits, hex colours, reset,
    /// reverse, italic, strikethrough, underline, monospace) and CR, LF, NUL, so that commands
    /// typed with formatting still parse and no input can smuggle a line break.
    public static func stripFormatting(_ text: String) -> String {
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
            case 0x02, 0x0F, 0x11, 0x16, 0x1D, 0x1E, 0x1F, 0x00, 0x0A, 0x0D:
                i += 1
            default:
                out.append(s)
                i += 1
            }
        }
        return String(out)
    }

    /// Makes text safe for one IRC line: CR and LF become spaces, NUL is dropped.
    public static func wireSafe(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.value == 0 || $0.value == 0x0A || $0.value == 0x0D }) else {
            return text
        }
        var out = String.UnicodeScalarView()
        for s in text.unicodeScalars {
            switch s.value {
            case 0x00: continue
            case 0x0A, 0x0D: out.append(" ")
            default: out.append(s)
            }
        }
        return String(out)
    }

    /// Nick and channel comparison under RFC 1459 case mapping; the same folding the store
    /// keys its routes with, so the two can never disagree.
    public static func caseFolded(_ name: String) -> String {
        TaskRoute.fold(name)
    }

    /// Shortens `text` to at most `limit` characters, ending with "…" when cut.
    public static func truncated(_ text: String, to limit: Int) -> String {
        guard text.count > limit, limit > 1 else { return text }
        return String(text.prefix(limit - 1)) + "…"
    }
}
