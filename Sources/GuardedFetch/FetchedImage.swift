import Foundation

/// A downloaded image: what its bytes say it is, and the URL it finally came from.
public struct FetchedImage: Sendable, Hashable {
    public let kind: ImageKind
    public let bytes: [UInt8]
    public let finalURL: FetchURL

    /// `data:<type>;base64,<bytes>`, the form the proxy's `base64Array` fields take.
    public var dataURL: String { "data:\(kind.mediaType);base64,\(Data(bytes).base64EncodedString())" }
}
