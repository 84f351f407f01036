/// Plain chat text to the `formatted_body` HTML Matrix clients render. The text is hostile:
/// every character that means something in HTML is escaped, and only `http://` and `https://`
/// links become anchors (never `javascript:` or `data:`), so what a user typed can neither
/// inject markup nor a dangerous link into the bot's messages.
public enum ChatHTML {
    /// Escapes the text, turns each `http(s)://` link into `<a href="…">…</a>` and each line
    /// break into `<br>`. C0 controls (other than line break and tab) and DEL are dropped
    /// (`ChatHTML.clean`).
    public static func render(_ text: String) -> String {
        var html = ""
        for segment in segments(of: clean(text)) {
            switch segment {
            case .text(let text):
                html += escape(text).replacingOccurrences(of: "\n", with: "<br>")
            case .link(let url):
                let escaped = escape(url)
                html += "<a href=\"\(escaped)\">\(escaped)</a>"
            }
        }
        return html
    }

    /// `&`, `<`, `>`, `"` and `'` as entities: safe in element content and in quoted attributes.
    public static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.unicodeScalars.append(character)
            }
        }
        return result
    }

    /// Drops C0 controls except `\n` and `\t`, and DEL: they have no business in a message and
    /// some clients render them as nothing, hiding text. `\r\n` and `\r` become `\n`.
    public static func clean(_ text: String) -> String {
        var result = String.UnicodeScalarView()
        var previousWasCR = false
        for scalar in text.unicodeScalars {
            defer { previousWasCR = scalar == "\r" }
            switch scalar.value {
            case 0x0D: result.append("\n")
            case 0x0A: if !previousWasCR { result.append(scalar) }
            case 0x09: result.append(scalar)
            case 0x00...0x1F, 0x7F: continue
            default: result.append(scalar)
            }
        }
        return String(result)
    }

    enum Segment: Equatable {
        case text(String)
        case link(String)
    }

    /// Splits text into plain runs and links. A link starts at `http://` or `https://`
    /// (any case) and runs to the next whitespace, control, `<`, `>`, `"` or end; trailing
    /// punctuation that usually ends the sentence (`.,;:!?'`) is left out, and so is a final
    /// `)` without an opening one in the link (a link in parentheses).
    static func segments(of text: String) -> [Segment] {
        var segments: [Segment] = []
        var plain = ""
        var rest = Substring(text)
        while let start = linkStart(in: rest) {
            plain += rest[..<start]
            var end = rest[start...].firstIndex { c in
                c.isWhitespace || c == "<" || c == ">" || c == "\"" || c.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
            } ?? rest.endIndex
            var link = rest[start..<end]
            while let last = link.last {
                if ".,;:!?'".contains(last) {
                    link = link.dropLast()
                } else if last == ")" && link.filter({ $0 == "(" }).count < link.filter({ $0 == ")" }).count {
                    link = link.dropLast()
                } else {
                    break
                }
            }
            end = link.endIndex
            // "https://" alone (or followed only by punctuation) is not a link.
            let scheme = link.lowercased().hasPrefix("https://") ? 8 : 7
            if link.count > scheme {
                if !plain.isEmpty { segments.append(.text(plain)); plain = "" }
                segments.append(.link(String(link)))
            } else {
                plain += link
            }
            rest = rest[end...]
        }
        plain += rest
        if !plain.isEmpty { segments.append(.text(plain)) }
        return segments
    }

    private static func linkStart(in text: Substring) -> Substring.Index? {
        var index = text.startIndex
        while index < text.endIndex {
            let head = text[index...].prefix(8).lowercased()
            if head.hasPrefix("http://") || head.hasPrefix("https://") {
                // Only at a word start: "xhttp://" is not a link.
                if index == text.startIndex || !(text[text.index(before: index)].isLetter || text[text.index(before: index)].isNumber) {
                    return index
                }
            }
            index = text.index(after: index)
        }
        return nil
    }
}
