import Foundation
import PostgresStore

/// `[store]`: where the bot keeps its memory. Without `url`, the SQLite file of `[bot] database`
/// (one process, as always). With `url = "postgres://user@host/db"`, a shared PostgreSQL
/// database that several bot processes use together, each IRC network and Matrix account held
/// by one of them at a time (see `NetworkOwnership`).
public struct StoreSettings: Sendable {
    /// The shared database; nil: the SQLite file.
    public var postgres: PostgresStoreConfiguration?
    /// Where the password came from (`password`, `password_file`, `MJBRIDGE_STORE_PASSWORD`).
    public var password: Secret?
    /// At most this many networks and accounts held by one process (0: no limit). With N
    /// processes and N networks, 1 spreads them one per process.
    public var maxNetworksPerProcess = 0
    /// How long a network may stay without a holder when its holder dies or loses its
    /// database session, roughly: the server ends a holder's session that has been silent this
    /// long (which releases its locks), the holder stops sending after half of it without an
    /// answer, and standbys try to take over every fifth of it.
    public var takeoverSeconds: Double = 10

    public init() {}

    public var isShared: Bool { postgres != nil }

    static func read(_ table: TableReader?, environment: [String: String],
                     readFile: (String) -> String?, resolve: (String) -> String) throws(ConfigError) -> StoreSettings {
        var settings = StoreSettings()
        guard var t = table else { return settings }
        let url = try t.string("url") ?? ""
        settings.password = try t.secret("password", env: "MJBRIDGE_STORE_PASSWORD", environment: environment, readFile: readFile)
        settings.maxNetworksPerProcess = try t.int("max_networks_per_process", default: 0, range: 0...10_000)
        settings.takeoverSeconds = try t.double("takeover_seconds", default: 10, range: 2...600)
        try t.finish()
        if url.isEmpty {
            // The knobs of the shared database mean nothing for the SQLite file: say so rather
            // than let an operator believe failover is on.
            for key in ["password", "password_file", "max_networks_per_process", "takeover_seconds"] where t.has(key) {
                throw .invalidValue(key: t.key(key), reason: "needs store.url (a postgres:// URL); without it the bot uses the SQLite file of bot.database")
            }
            return settings
        }
        do {
            var configuration = try PostgresStoreConfiguration(url: url, password: settings.password?.value)
            // A relative CA file is next to the config, like every other path in it.
            configuration.caFile = configuration.caFile.map(resolve)
            settings.postgres = configuration
        } catch {
            throw .invalidValue(key: t.key("url"), reason: "\(error)")
        }
        return settings
    }
}
