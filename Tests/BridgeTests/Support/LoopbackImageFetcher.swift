import Bridge
import GuardedFetch

/// The real guarded fetcher for the bridge's end-to-end tests. The simulator serves its image
/// links on 127.0.0.1, which the default policy refuses, so this harness allows 127.0.0.0/8 —
/// explicitly, as an operator would with `[images] allow_networks` — and nothing else.
struct LoopbackImageFetcher: ImageFetcher {
    static let allowedNetworks: [IPNetwork] = ["127.0.0.0/8"]
    let fetcher: GuardedFetcher

    init() throws {
        fetcher = try GuardedFetcher(policy: FetchPolicy(addresses: AddressPolicy(allowedNetworks: Self.allowedNetworks)))
    }

    func dataURL(for url: String) async throws(ImageFetchError) -> String {
        do {
            return try await fetcher.fetch(url).dataURL
        } catch {
            // The same mapping as the App's GuardedImageFetcher.
            switch error.userReason {
            case .unsupportedLink: throw .unsupportedLink
            case .privateAddress: throw .privateAddress
            case .tooLarge(let limit): throw .tooLarge(limit: limit)
            case .notAnImage: throw .notAnImage
            case .timedOut: throw .timedOut
            case .unavailable: throw .unavailable
            }
        }
    }
}
