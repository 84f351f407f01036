import Store

/// An earlier result named as an image input: a task ref (or full task id), and optionally one
/// image of its grid (`1828/2`).
public struct ImageReference: Sendable, Hashable {
    /// The digits as typed, without `ref:` and `/n`.
    public var reference: String
    /// 1...4: one image of a grid; nil: the grid, or the one image of an upscale.
    public var index: Int?

    public init(reference: String, index: Int? = nil) {
        self.reference = reference
        self.index = index
    }

    /// How the user wrote it, for answers (`1828/2`).
    public var typed: String { index.map { "\(reference)/\($0)" } ?? reference }

    /// The explicit prefix; required where a bare number could be prompt text (`!imagine`).
    public static let prefix = "ref:"

    /// `1828`, `1828/2`, `ref:1828`, `ref:1828/2` (the prefix in any case). A bare form only
    /// when `bare` is true: where the word can only be an image. Digits only, at least
    /// `ShortReference.minimumLength` of them, as every other ref the bot accepts.
    public static func parse(_ word: String, bare: Bool) -> ImageReference? {
        var body = Substring(word)
        if body.lowercased().hasPrefix(prefix) {
            body = body.dropFirst(prefix.count)
        } else if !bare {
            return nil
        }
        var index: Int?
        if let slash = body.firstIndex(of: "/") {
            let tail = body[body.index(after: slash)...]
            guard tail.count == 1, let n = Int(tail), (1...4).contains(n) else { return nil }
            index = n
            body = body[..<slash]
        }
        guard body.count >= ShortReference.minimumLength, body.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return ImageReference(reference: String(body), index: index)
    }
}
