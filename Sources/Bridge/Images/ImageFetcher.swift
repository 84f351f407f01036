/// Why an image named by URL could not be used. Deliberately coarse: the bot must not tell
/// a user which internal address a name resolved to, what a host answered or why a connection
/// failed (that would make it a port scanner); the fetcher logs those details instead.
/// `description` is fit for the user.
public enum ImageFetchError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Not an http(s) URL with a host (or with user:password@ in it).
    case unsupportedLink
    /// The host is, or redirects to, a loopback, private, link-local or otherwise non-public address.
    case privateAddress
    case tooLarge(limit: Int)
    /// The bytes are no PNG, JPEG, WebP or GIF, whatever the Content-Type said.
    case notAnImage
    case timedOut
    /// Anything else: unresolvable, refused, an HTTP error, a TLS failure, too many redirects.
    case unavailable

    public var description: String {
        switch self {
        case .unsupportedLink: "that link can't be used: only http and https links work"
        case .privateAddress: "that link can't be used: it points to a private address"
        case .tooLarge(let limit): "that image is larger than \(limit / 1_000_000) MB"
        case .notAnImage: "that link is not a PNG, JPEG, WebP or GIF image"
        case .timedOut: "the image took too long to download"
        case .unavailable: "couldn't download an image from that link"
        }
    }
}

/// Downloads an image named by URL and returns it as a data URL. The App gives an
/// implementation that guards the download (GuardedFetch); ChatBridge stays free of I/O.
public protocol ImageFetcher: Sendable {
    func dataURL(for url: String) async throws(ImageFetchError) -> String
}
