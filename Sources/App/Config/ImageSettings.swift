import Foundation
import GuardedFetch

/// `[images]`: what the bot may download when users name images by URL, and where it hosts
/// the images of its results (`public_base_url`, `store_dir`, retention).
public struct ImageSettings: Sendable {
    /// Networks exempt from the private/loopback/link-local refusal (default none).
    public var allowNetworks: [IPNetwork] = []
    /// Downloads running at once; more wait their turn (within the download timeout).
    public var maxConcurrentDownloads = 2
    /// Total bytes the running downloads may hold; each reserves `maxImageBytes`.
    public var downloadBudgetBytes = 40_000_000
    public var maxImageBytes = 10_000_000
    /// Where users reach the bot's `/i/<name>` links (no trailing slash); nil: the bot hosts
    /// nothing and posts the proxy's links as they are.
    public var publicBaseURL: String?
    /// The blob store's directory (resolved); nil: `images` next to the database.
    public var storeDirectory: String?
    /// Hosted images older than this are removed (0: no age limit).
    public var retentionDays = 30
    /// Hosted images may take this much; past it the least recently served go.
    public var maxStoreBytes = 2048 * 1_000_000

    public init() {}

    /// The blob store's directory: `store_dir`, else the folder `images` beside the database.
    public func storeDirectory(databasePath: String) -> String {
        storeDirectory ?? URL(fileURLWithPath: databasePath).deletingLastPathComponent().appendingPathComponent("images").path
    }

    /// The policy for images users name (the download timeout stays the fetcher's default).
    public var fetchPolicy: FetchPolicy {
        FetchPolicy(addresses: AddressPolicy(allowedNetworks: allowNetworks), maxBytes: maxImageBytes)
    }

    /// Reads the table (absent: the defaults), strictly like the rest of the loader.
    static func read(_ table: TableReader?, resolve: (String) -> String = { $0 }) throws(ConfigError) -> ImageSettings {
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
        if let base = try t.string("public_base_url"), !base.isEmpty {
            guard let url = URL(string: base), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
                  url.host != nil, url.query == nil, url.fragment == nil, url.user == nil else {
                throw .invalidValue(key: t.key("public_base_url"),
                                    reason: "must be an http:// or https:// URL without query, fragment or user (e.g. https://bot.example.org)")
            }
            var trimmed = base
            while trimmed.hasSuffix("/") { trimmed.removeLast() }
            settings.publicBaseURL = trimmed
        }
        if let directory = try t.string("store_dir"), !directory.isEmpty {
            settings.storeDirectory = resolve(directory)
        }
        settings.retentionDays = try t.int("retention_days", default: 30, range: 0...36_500)
        settings.maxStoreBytes = try t.int("max_store_mb", default: 2048, range: 1...10_000_000) * 1_000_000
        try t.finish()
        return settings
    }
}
