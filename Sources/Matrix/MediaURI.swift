/// An `mxc://server/mediaId` content URI, as returned by the upload and put into `m.image`.
public struct MediaURI: Sendable, Hashable, CustomStringConvertible {
    public var serverName: String
    public var mediaID: String

    public init(serverName: String, mediaID: String) {
        self.serverName = serverName
        self.mediaID = mediaID
    }

    /// Nil unless the text is `mxc://` + a non-empty server + `/` + a non-empty media id
    /// without further slashes (the spec's media id alphabet is `[A-Za-z0-9_-]`; anything
    /// that would change a download path is refused rather than encoded).
    public init?(_ text: String) {
        guard text.hasPrefix("mxc://") else { return nil }
        let rest = text.dropFirst("mxc://".count)
        let parts = rest.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
        guard parts[1].allSatisfy({ allowed.contains($0) }),
              parts[0].allSatisfy({ !$0.isWhitespace && $0 != "?" && $0 != "#" && $0 != "%" }) else { return nil }
        serverName = String(parts[0])
        mediaID = String(parts[1])
    }

    public var description: String { "mxc://\(serverName)/\(mediaID)" }
}
