import GuardedFetch

/// `[images]`: what the bot may download when users name images by URL.
public struct ImageSettings: Sendable {
    /// Networks exempt from the private/loopback/link-local refusal (default none).
    public var allowNetworks: [IPNetwork] = []
    /// Downloads running at once; more wait their turn (within the download timeout).
    public var maxConcurrentDownloads = 2
    /// Total bytes the running downloads may hold; each reserves `maxImageBytes`.
    public var downloadBudgetBytes = 40_000_000
    public var maxImageBytes = 10_000_000

    public init() {}

    /// The policy for images users name (the download timeout stays the fetcher's default).
    public var fetchPolicy: FetchPolicy {
        FetchPolicy(addresses: AddressPolicy(allowedNetworks: allowNetworks), maxBytes: maxImageBytes)
    }

    /// Reads the table (absent: the defaults), strictly like the rest of the loader.
    static func read(_ table: TableReader?) throws(ConfigError) -> ImageSettings {
        var settings = ImageSettings()
        guard var t = table else { return settings }
        for (index, text) in try t.stringArray("allow_networks").enumerated() {
            do {
                settings.allowNetworks.append(try IPNetwork(parsing: text))
            } catch {
                throw .invalidValue(key: "\(t.key("allow_networks"))[\(index)]", reason: error.description)
            }
        }
        settings.maxConcurrentDownloads = try t.int("max_concurrent_downloads", default: 2, range: 1...64)
        let budget = try t.int("download_budget_mb", default: 40, range: 1...4096)
        let image = try t.int("max_image_mb", default: 10, range: 1...100)
        guard budget >= image else {
            throw .invalidValue(key: t.key("download_budget_mb"), reason: "must be at least max_image_mb (\(image)), or no download could start")
        }
        settings.downloadBudgetBytes = budget * 1_000_000
        settings.maxImageBytes = image * 1_000_000
        try t.finish()
        return settings
    }
}
