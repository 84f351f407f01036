/// Cuts a reply of any length into PRIVMSG/NOTICE lines that fit the server's line limit *as
/// the recipients receive them*: the server prepends `:nick!user@host `, so the budget is
/// computed from the bot's own hostmask, or from a safe worst case for the parts not known yet.
///
/// Rules, in order of preference:
/// - CR, LF and CRLF in the text end a line: each input line starts a new IRC line (a newline
///   in a reply is meant as one). Empty lines and NUL bytes are dropped, because servers reject
///   an empty message and NUL cannot travel.
/// - `\u{1}` is dropped: a piece starting with it would be a CTCP (ACTION, DCC…) to everyone
///   who receives it, and a cut can land anywhere. The client's own CTCP replies are built by
///   `CTCP` and never pass through here.
/// - A line is cut after a space (the space stays at the end of the earlier line, so the pieces
///   concatenate back to the exact input line), unless the next word could not fit in a line of
///   its own anyway; such a word (a very long URL, say) fills the line and is cut at a character
///   (grapheme) boundary. So a URL that fits in one line is never cut.
/// - A single grapheme longer than the budget is cut between Unicode scalars. The cut is never
///   inside a UTF-8 sequence; if the limit is so small that not even one scalar fits, the line
///   carries one scalar anyway (progress beats an endless loop).
public struct LineSplitter: Sendable, Hashable {
    /// User part assumed when unknown: USERLEN 10 plus the `~` many servers add without ident.
    public static let worstCaseUserLength = 11
    /// Host part assumed when unknown: the longest DNS label a server would show.
    public static let worstCaseHostLength = 63

    /// The bot's own mask as others see it (from 001, 396, CHGHOST); `user`/`host` nil when unknown.
    public var sender: Source
    /// The server's `LINELEN`: bytes per line including CRLF (512 unless ISUPPORT says more).
    public var lineLength: Int

    public init(sender: Source, lineLength: Int = 512) {
        self.sender = sender
        self.lineLength = lineLength
    }

    /// Bytes of text one line to `target` may carry.
    public func textBudget(command: String, target: String) -> Int {
        let maskLength = sender.nick.utf8.count
            + 1 + (sender.user?.utf8.count ?? Self.worstCaseUserLength)
            + 1 + (sender.host?.utf8.count ?? Self.worstCaseHostLength)
        // Measure the command and target exactly as the serializer will write them, with the
        // trailing ':' counted even when it would be left out.
        let envelope = Message(command: command, params: [target, ""]).serialized().utf8.count
        return lineLength - 2 - (1 + maskLength + 1) - envelope
    }

    /// The messages carrying `text` to `target`; none when the text is empty.
    public func split(_ text: String, command: String = "PRIVMSG", target: String) -> [Message] {
        let budget = textBudget(command: command, target: target)
        return Self.lines(in: text).flatMap { line in
            Self.chunks(of: line, budget: budget).map { Message(command: command, params: [target, $0]) }
        }
    }

    /// The input lines of `text` (split at CR, LF, CRLF), NUL and `\u{1}` removed, empty lines dropped.
    public static func lines(in text: String) -> [Substring] {
        let clean = WireText.clean(text) { $0 == 0 || $0 == CTCP.marker }
        return clean.split(omittingEmptySubsequences: true) { $0 == "\r" || $0 == "\n" || $0 == "\r\n" }
    }

    /// Cuts one line (no CR/LF) into pieces of at most `budget` UTF-8 bytes that concatenate
    /// back to `line`, preferring word boundaries as described on the type.
    public static func chunks(of line: Substring, budget: Int) -> [String] {
        var result: [String] = []
        var line = line
        var start = line.startIndex
        while start < line.endIndex {
            let utf8 = line.utf8
            if utf8.distance(from: start, to: line.endIndex) <= budget {
                result.append(String(line[start...]))
                break
            }
            var used = 0
            var index = start
            var afterLastSpace: String.Index?
            while index < line.endIndex {
                let next = line.index(after: index)
                let size = utf8.distance(from: index, to: next)
                if used + size > budget { break }
                used += size
                if line[index] == " " { afterLastSpace = next }
                index = next
            }
            if index == start {
                // Cut inside an oversized grapheme. Character indices are rounded to grapheme
                // boundaries of the underlying string, so continue on a fresh copy of the rest.
                let cut = scalarCut(line, from: start, budget: budget)
                result.append(String(line[start..<cut]))
                line = Substring(String(line[cut...]))
                start = line.startIndex
                continue
            }
            let cut: String.Index
            if let wordStart = afterLastSpace, wordStart < index, wordLength(line, from: wordStart) <= budget {
                cut = wordStart
            } else {
                cut = index
            }
            result.append(String(line[start..<cut]))
            start = cut
        }
        return result
    }

    private static func wordLength(_ line: Substring, from start: String.Index) -> Int {
        let end = line[start...].firstIndex(of: " ") ?? line.endIndex
        return line.utf8.distance(from: start, to: end)
    }

    // For a grapheme bigger than the budget: as many whole scalars as fit, at least one.
    private static func scalarCut(_ line: Substring, from start: String.Index, budget: Int) -> String.Index {
        let scalars = line.unicodeScalars
        var index = scalars.index(after: start)
        var used = line.utf8.distance(from: start, to: index)
        while index < line.endIndex {
            let next = scalars.index(after: index)
            let size = line.utf8.distance(from: index, to: next)
            if used + size > budget { break }
            used += size
            index = next
        }
        return index
    }
}
