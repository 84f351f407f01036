import Foundation

/// Why an image named by URL could not be used; `description` is fit for the user.
public enum ImageFetchError: Error, Sendable, Hashable, CustomStringConvertible {
    case unsupportedScheme(String)
    case tooLarge(limit: Int)
    case notAnImage(contentType: String)
    case httpStatus(Int)
    case timedOut
    case unreachable(String)

    public var description: String {
        switch self {
        case .unsupportedScheme(let url):
            return "only http and https image links work (\(ChatText.truncated(url, to: 60)))"
        case .tooLarge(let limit):
            return "the image is larger than \(limit / 1_000_000) MB"
        case .notAnImage(let type):
            return "that link is not an image (\(type.isEmpty ? "no content type" : ChatText.truncated(type, to: 40)))"
        case .httpStatus(let status):
            return "the image server answered HTTP \(status)"
        case .timedOut:
            return "the image took too long to download"
        case .unreachable(let reason):
            return "the image could not be downloaded (\(ChatText.truncated(reason, to: 80)))"
        }
    }
}

/// Limits on images the bot downloads on a user's behalf.
public struct ImageFetchPolicy: Sendable, Hashable {
    public var maxBytes: Int
    public var timeout: Duration
    public var allowedContentTypes: Set<String>

    public init(maxBytes: Int = 10_000_000, timeout: Duration = .seconds(20),
                allowedContentTypes: Set<String> = ["image/png", "image/jpeg", "image/webp", "image/gif"]) {
        self.maxBytes = maxBytes
        self.timeout = timeout
        self.allowedContentTypes = allowedContentTypes
    }

    /// Checks the URL before any byte is fetched.
    public func validate(url: String) throws(ImageFetchError) -> URL {
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(),
              scheme == "http" || scheme == "https", parsed.host?.isEmpty == false else {
            throw .unsupportedScheme(url)
        }
        return parsed
    }

    /// The bare media type of a Content-Type header, if it is an allowed image type.
    public func validate(contentType: String?) throws(ImageFetchError) -> String {
        let type = (contentType ?? "").split(separator: ";").first.map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        } ?? ""
        guard allowedContentTypes.contains(type) else { throw .notAnImage(contentType: type) }
        return type
    }

    /// `data:<type>;base64,<bytes>`, the form the proxy's `base64Array` fields take.
    public static func dataURL(contentType: String, bytes: some Collection<UInt8>) -> String {
        "data:\(contentType);base64,\(Data(bytes).base64EncodedString())"
    }
}

/// Downloads an image named by URL and returns it as a data URL. The App gives an
/// AsyncHTTPClient implementation; it must enforce `ImageFetchPolicy`.
public protocol ImageFetcher: Sendable {
    func dataURL(for url: String) async throws(ImageFetchError) -> String
}
