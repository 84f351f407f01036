/// The formats the bot hosts, decided by the bytes (never by the proxy's Content-Type or
/// link): the extension of the public name and the Content-Type it is served with.
public enum ImageFileType: String, Hashable, Sendable, CaseIterable {
    case png, jpg, webp, gif

    public var contentType: String {
        switch self {
        case .png: "image/png"
        case .jpg: "image/jpeg"
        case .webp: "image/webp"
        case .gif: "image/gif"
        }
    }

    public init?(contentType: String) {
        guard let found = Self.allCases.first(where: { $0.contentType == contentType }) else { return nil }
        self = found
    }
}
