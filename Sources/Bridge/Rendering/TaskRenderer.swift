import Foundation
import MidjourneyAPI

/// The sentences the bot says about tasks. Pure: the tracker and the commands decide when,
/// this decides what. Lines are without the caller's nick; `ReplyAddressing` adds it.
public struct TaskRenderer: Sendable {
    public var prefix: String
    /// Prompts are quoted at most this many UTF-8 bytes (cut at a grapheme boundary), so a
    /// line quoting one fits an IRC line whatever the prompt's script.
    public var promptLimit = 80

    public init(prefix: String) {
        self.prefix = prefix
    }

    func quoted(_ prompt: String) -> String {
        "«\(ChatText.truncated(ChatText.untrusted(prompt), to: promptLimit))»"
    }

    /// The answer to a submission the proxy accepted. `queuePosition` is the proxy's
    /// `numberOfQueues` on code 22; servers differ on whether it counts the task itself, so it
    /// is shown as a position, not as "N tasks ahead".
    public func acknowledgement(what: String, ref: String, queuePosition: Int?) -> String {
        var line = "⏳ \(what) — ref \(ref)"
        if let queuePosition, queuePosition > 0 {
            line += ", queue position \(queuePosition)"
        }
        return line + ". I'll post the result here."
    }

    public func progress(ref: String, level: Int) -> String {
        level == 0 ? "⏳ ref \(ref) started" : "⏳ ref \(ref) at \(level) %"
    }

    /// What was asked, for acks and results: `«a red fox»`, `U2 of 1828`, `describe`.
    public func subject(kind: String, prompt: String) -> String {
        switch kind {
        case "imagine", "niji", "blend", "pick", "remix", "shorten", "describe", "faceswap":
            return prompt.isEmpty ? kind : quoted(prompt)
        default:
            return prompt.isEmpty ? kind : "\(kind) of \(quoted(prompt))"
        }
    }

    /// The lines announcing a successful result (the proxy's one link; see `success(…links:…)`).
    public func success(kind: String, action: String?, prompt: String, imageUrl: String?, finalPrompt: String?,
                        buttons: [TaskButton], ref: String) -> [String] {
        success(kind: kind, action: action, prompt: prompt, links: ResultLinks(grid: imageUrl), finalPrompt: finalPrompt,
                buttons: buttons, ref: ref)
    }

    /// The lines announcing a successful result. An image result links its grid (or its one
    /// image), then its single images labelled `1`…`4` and its video: between the grid and
    /// the ref while the whole line stays short (the bot's own links), else after the next
    /// actions, so that the first IRC line of a long one (the proxy's 200–300-byte links)
    /// still reads as today and the rest follow, each link whole, in the lines the splitter
    /// continues with. A describe or shorten result has no links.
    public func success(kind: String, action: String?, prompt: String, links: ResultLinks, finalPrompt: String?,
                        buttons: [TaskButton], ref: String) -> [String] {
        let next = nextHints(buttons)
        let nextPart = next.isEmpty ? "" : " · next: \(next)"
        if action?.uppercased() == "DESCRIBE" || kind == "describe" {
            let prompts = Self.describedPrompts(finalPrompt ?? "")
            var lines = ["✅ \(prompts.count) prompt\(prompts.count == 1 ? "" : "s") for your image · ref \(ref)\(nextPart)"]
            lines += prompts.enumerated().map { "\($0.offset + 1). \(ChatText.truncated(ChatText.untrusted($0.element), to: 350))" }
            return lines
        }
        if action?.uppercased() == "SHORTEN" || kind == "shorten" {
            // Discord markdown (`**Important tokens**`) means nothing on IRC.
            let analysis = (finalPrompt ?? "").split(whereSeparator: \.isNewline)
                .map { String($0).replacingOccurrences(of: "**", with: "").trimmingWhitespace() }.filter { !$0.isEmpty }.prefix(8)
            return ["✅ shortened \(quoted(prompt)) · ref \(ref)\(nextPart)"] + analysis.map { ChatText.truncated(ChatText.untrusted($0), to: 350) }
        }
        let head = "✅ \(subject(kind: kind, prompt: prompt))"
        let tail = " · ref \(ref)\(nextPart)"
        let (gridPart, extrasPart) = Self.linkParts(links)
        let inline = head + gridPart + extrasPart + tail
        if extrasPart.isEmpty || inline.utf8.count <= Self.inlineLinksBudget { return [inline] }
        return [head + gridPart + tail + extrasPart]
    }

    /// A result line with its extra links inline stays within this many bytes, so that with
    /// the addressing (`nick: `) and a worst-case hostmask it is one IRC line (about 400 bytes
    /// of text each).
    static let inlineLinksBudget = 360

    /// Between a link's label and the link: U+00A0 NO-BREAK SPACE.
    static let labelSpace = "\u{00A0}"

    /// ` → <grid>` and ` · 1 <single> · 2 … · video <url>` (the first extra takes the arrow
    /// when there is no grid). A label is bound to its link by a no-break space: the IRC line
    /// splitter cuts only at ASCII spaces, so a label never ends one line with its link
    /// starting the next; clients show it as a space and find the link after it as usual.
    static func linkParts(_ links: ResultLinks) -> (grid: String, extras: String) {
        let grid = links.grid.map { " → \(postable(ChatText.untrusted($0)))" } ?? ""
        var extras = links.singles.enumerated().map { "\($0.offset + 1)\(labelSpace)\(postable(ChatText.untrusted($0.element)))" }
        if let video = links.video { extras.append("video\(labelSpace)\(postable(ChatText.untrusted(video)))") }
        guard !extras.isEmpty else { return (grid, "") }
        let joined = extras.joined(separator: " · ")
        return (grid, grid.isEmpty ? " → \(joined)" : " · \(joined)")
    }

    /// The links a `!status` or `!tasks` answer shows: the grid, then the singles labelled
    /// `1`…`4` (only the bot's own short links carry singles there).
    public static func statusLinks(_ links: ResultLinks) -> String {
        let (grid, extras) = linkParts(ResultLinks(grid: links.grid, singles: links.singles))
        return grid + extras
    }

    /// Real result links (Discord CDN with `ex`/`is`/`hm`) are 200–300 bytes; a longer one
    /// would be split over many IRC lines (a flood the proxy could cause at will) and be
    /// unusable cut, so past this it is not posted. The cap is what fits whole in one IRC line
    /// in the worst case the line splitter budgets for: 512 bytes less CRLF, the sender's mask
    /// (`:` + 30-byte nick + unknown user (11) and host (63) + space: 108), `PRIVMSG <50-byte
    /// channel> :` (60), and the longest label bound to a link (`video` + no-break space: 7),
    /// so 335; the splitter cuts only at spaces, so a link that fits a line is never cut.
    static let maxLinkBytes = 330

    static func linkPart(_ url: String) -> String {
        " → \(postable(url))"
    }

    static func postable(_ url: String) -> String {
        guard url.utf8.count > maxLinkBytes else { return url }
        return "(the proxy's link is \(url.utf8.count) bytes long, too long to post here)"
    }

    public func failure(kind: String, prompt: String, reason: String?, ref: String) -> String {
        "❌ \(subject(kind: kind, prompt: prompt)) failed: \(Self.readableFailReason(reason)) · ref \(ref)"
    }

    public func cancelled(kind: String, prompt: String, ref: String) -> String {
        "🚫 \(subject(kind: kind, prompt: prompt)) was cancelled · ref \(ref)"
    }

    public func timedOut(kind: String, prompt: String, minutes: Int, lastProgress: Int?, ref: String) -> String {
        let seen = lastProgress.map { " (last seen at \($0) %)" } ?? ""
        return "⏱ \(subject(kind: kind, prompt: prompt)) got no result within \(minutes) min\(seen) · ref \(ref) — \(prefix)status \(ref) checks again"
    }

    /// Remix mode answered an action with code 21: the action waits for a new prompt.
    public func remixWaiting(ref: String, prefilled: String? = nil) -> String {
        let was = prefilled.flatMap { $0.isEmpty ? nil : " (was \(quoted($0)))" } ?? ""
        return "✏️ Remix is on: ref \(ref) waits for a new prompt\(was) — send \(prefix)remix \(ref) <new prompt> (or \(prefix)cancel \(ref))."
    }

    /// `!u1–4 !v1–4 !reroll` from the buttons the task really has.
    public func nextHints(_ buttons: [TaskButton]) -> String {
        let kinds = buttons.map(\.kind)
        var hints: [String] = []
        func family(_ letter: String, _ indices: [Int]) {
            let sorted = Array(Set(indices)).sorted()
            if sorted == [1, 2, 3, 4] { hints.append("\(prefix)\(letter)1–4") }
            else { hints += sorted.map { "\(prefix)\(letter)\($0)" } }
        }
        family("u", kinds.compactMap { if case .upscale(let i) = $0 { return i } else { return nil } })
        family("v", kinds.compactMap { if case .variation(let i) = $0 { return i } else { return nil } })
        if kinds.contains(.reroll) { hints.append("\(prefix)reroll") }
        let upscales = [(ButtonKind.upscaleSubtle, "subtle"), (.upscaleCreative, "creative"), (.upscale2x, "2x"), (.upscale4x, "4x")]
            .filter { kinds.contains($0.0) }.map(\.1)
        if !upscales.isEmpty { hints.append("\(prefix)upscale \(upscales.joined(separator: "|"))") }
        let varies = [(ButtonKind.varySubtle, "subtle"), (.varyStrong, "strong")].filter { kinds.contains($0.0) }.map(\.1)
        if !varies.isEmpty { hints.append("\(prefix)vary \(varies.joined(separator: "|"))") }
        if kinds.contains(.varyRegion) { hints.append("\(prefix)region") }
        let zooms = [(ButtonKind.zoomOut2x, "2x"), (.zoomOut1_5x, "1.5x"), (.customZoom, "<1–2>")]
            .filter { kinds.contains($0.0) }.map(\.1)
        if !zooms.isEmpty { hints.append("\(prefix)zoom \(zooms.joined(separator: "|"))") }
        let pans = ButtonKind.PanDirection.allCases.filter { kinds.contains(.pan($0)) }.map(\.rawValue)
        if !pans.isEmpty { hints.append("\(prefix)pan \(pans.joined(separator: "|"))") }
        let picks = kinds.compactMap { if case .describePick(let i) = $0 { return i } else { return nil } }.sorted()
        if picks == [1, 2, 3, 4] { hints.append("\(prefix)pick 1–4") } else if !picks.isEmpty {
            hints.append("\(prefix)pick \(picks.map(String.init).joined(separator: "|"))")
        }
        let covered: (ButtonKind) -> Bool = { kind in
            switch kind {
            case .upscale, .variation, .reroll, .upscaleSubtle, .upscaleCreative, .upscale2x, .upscale4x,
                 .varySubtle, .varyStrong, .varyRegion, .zoomOut2x, .zoomOut1_5x, .customZoom, .pan, .describePick:
                return true
            default:
                return false
            }
        }
        if kinds.contains(where: { !covered($0) }) { hints.append("\(prefix)btn") }
        return hints.joined(separator: " ")
    }

    /// The four prompts of a describe result (`1️⃣ …\n\n2️⃣ …`), keycaps removed.
    public static func describedPrompts(_ text: String) -> [String] {
        text.split(whereSeparator: \.isNewline)
            .map { line -> String in
                var s = Substring(line).drop(while: { $0 == " " })
                // "1️⃣" is one Character: a digit with variation selector and keycap.
                if let first = s.first, first.unicodeScalars.contains(where: { $0.value == 0x20E3 }) {
                    s = s.dropFirst()
                } else if let first = s.first, first.isNumber, s.dropFirst().first.map({ $0 == "." || $0 == ")" }) == true {
                    s = s.dropFirst(2)
                }
                return String(s).trimmingWhitespace()
            }
            .filter { !$0.isEmpty }
    }

    /// Proxy fail reasons are often Chinese or raw Discord embeds; say them plainly.
    public static func readableFailReason(_ reason: String?) -> String {
        let raw = ChatText.untrusted(reason ?? "")
            .split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
        guard !raw.isEmpty else { return "the proxy gave no reason" }
        let known: [(String, String)] = [
            ("可能包含敏感词", "Midjourney flagged the prompt"),
            ("执行超时", "the proxy gave up waiting for Midjourney"),
            ("任务超时", "the proxy gave up waiting for Midjourney"),
            ("任务提交超时", "the task waited too long in the proxy's queue"),
            ("取消任务", "cancelled"),
            ("超时，未找到消息", "the confirmation window expired"),
        ]
        if let match = known.first(where: { raw.contains($0.0) }) { return match.1 }
        return ChatText.truncated(raw, to: 200)
    }
}
