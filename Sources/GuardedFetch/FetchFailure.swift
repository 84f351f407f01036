/// Why a fetch failed, in full, for the log: which address, which status, which error.
/// What a user may see is only `userReason`, so that the bot is no port scanner or oracle
/// for what lives on the operator's network.
public enum FetchFailure: Error, Hashable, Sendable, CustomStringConvertible {
    case badURL(FetchURL.Refusal)
    case badRedirect(FetchURL.Refusal)
    case refusedAddress(host: String, address: IPAddress, kind: AddressClass)
    case unresolvable(host: String, reason: String)
    case tooManyRedirects(limit: Int)
    case downgrade(to: String)
    case httpStatus(Int)
    case tooLarge(limit: Int, announced: Int?)
    case notAnImage(contentType: String, firstBytes: String)
    case timedOut
    case connectionFailed(String)

    /// The few things a user is told.
    public enum UserReason: Hashable, Sendable {
        case unsupportedLink
        case privateAddress
        case tooLarge(limit: Int)
        case notAnImage
        case timedOut
        case unavailable
    }

    public var userReason: UserReason {
        switch self {
        case .badURL: .unsupportedLink
        case .refusedAddress: .privateAddress
        case .tooLarge(let limit, _): .tooLarge(limit: limit)
        case .notAnImage: .notAnImage
        case .timedOut: .timedOut
        case .badRedirect, .unresolvable, .tooManyRedirects, .downgrade, .httpStatus, .connectionFailed: .unavailable
        }
    }

    public var description: String {
        switch self {
        case .badURL(let refusal): "bad URL: \(refusal)"
        case .badRedirect(let refusal): "bad redirect Location: \(refusal)"
        case .refusedAddress(let host, let address, let kind): "\(host) resolves to \(address), a \(kind.rawValue) address"
        case .unresolvable(let host, let reason): "cannot resolve \(host): \(reason)"
        case .tooManyRedirects(let limit): "more than \(limit) redirects"
        case .downgrade(let target): "https redirected to plain http (\(target))"
        case .httpStatus(let status): "HTTP \(status)"
        case .tooLarge(let limit, let announced): "larger than \(limit) bytes" + (announced.map { " (announced \($0))" } ?? "")
        case .notAnImage(let type, let bytes): "not a PNG/JPEG/WebP/GIF (Content-Type '\(type)', first bytes \(bytes))"
        case .timedOut: "timed out"
        case .connectionFailed(let reason): "connection failed: \(reason)"
        }
    }
}
