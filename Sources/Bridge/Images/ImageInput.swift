/// One image argument of a command: a link the user typed, or an earlier result.
public enum ImageInput: Sendable, Hashable {
    case link(String)
    case reference(ImageReference)

    /// A ref when the word reads as one (see `ImageReference.parse`), else a link for the
    /// fetcher to judge (it refuses anything but http(s) with the usual sentence).
    public static func parse(_ word: String, bareReferences: Bool) -> ImageInput {
        ImageReference.parse(word, bare: bareReferences).map(ImageInput.reference) ?? .link(word)
    }
}

/// Where an image input's bytes come from once any ref is resolved.
enum ImageSource: Sendable, Hashable {
    /// Bytes the bot already has (its mirrored copy of a result).
    case dataURL(String)
    /// To be downloaded through the guarded fetcher, like any link a user typed; `from` is
    /// the ref it stands for when it is a result's proxy link.
    case link(String, from: ImageReference?)
}
