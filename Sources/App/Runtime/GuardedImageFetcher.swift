import Bridge
import GuardedFetch
import Logging

/// The bridge's `ImageFetcher`: GuardedFetch under the `[images]` policy. The user is told
/// only the coarse reason; what exactly went wrong (the address, the status, the TLS error)
/// is logged here for the operator.
public struct GuardedImageFetcher: ImageFetcher {
    let fetcher: GuardedFetcher
    let logger: Logger

    public init(fetcher: GuardedFetcher, logger: Logger) {
        self.fetcher = fetcher
        self.logger = logger
    }

    /// The fetcher for `settings`, with its own limiter (one per process).
    public init(settings: ImageSettings, logger: Logger) throws {
        if !settings.allowNetworks.isEmpty {
            // An exemption is a hole in the SSRF guard: say so once, at start.
            logger.notice("image links may point into these otherwise refused networks (images.allow_networks)",
                          metadata: ["networks": "\(settings.allowNetworks.map(\.description).joined(separator: ", "))"])
        }
        let limiter = DownloadLimiter(maxConcurrent: settings.maxConcurrentDownloads, budgetBytes: settings.downloadBudgetBytes)
        self.init(fetcher: try GuardedFetcher(policy: settings.fetchPolicy, limiter: limiter, logger: logger), logger: logger)
    }

    public func dataURL(for url: String) async throws(ImageFetchError) -> String {
        do {
            return try await fetcher.fetch(url).dataURL
        } catch {
            logger.notice("image link refused", metadata: ["url": "\(url.prefix(200))", "reason": "\(error)"])
            throw ImageFetchError(error.userReason)
        }
    }
}

extension ImageFetchError {
    init(_ reason: FetchFailure.UserReason) {
        switch reason {
        case .unsupportedLink: self = .unsupportedLink
        case .privateAddress: self = .privateAddress
        case .tooLarge(let limit): self = .tooLarge(limit: limit)
        case .notAnImage: self = .notAnImage
        case .timedOut: self = .timedOut
        case .unavailable: self = .unavailable
        }
    }
}
