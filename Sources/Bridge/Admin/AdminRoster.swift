import Foundation
import IRC
import Logging
import Store

/// Admins, ignores and pauses as they are now: read from the store once, then kept in memory;
/// every change is written to the store first, so it survives a restart. Roles are decided by
/// the pure `RoleResolver` over these lists and `bot.conf`'s owners.
public actor AdminRoster {
    /// Owners and network access rules as of the last reload.
    private let live: LiveSettingsHolder
    private let store: any BotStore
    private let logger: Logger
    private var loaded = false
    private var admins: [AdminAccount] = []
    private var ignores: [IgnoreEntry] = []
    private var pauses: [PauseSetting] = []

    public init(live: LiveSettingsHolder, store: any BotStore, logger: Logger) {
        self.live = live
        self.store = store
        self.logger = logger
    }

    /// The resolver for senders on `network`.
    public func resolver(network: String) async -> RoleResolver {
        await load()
        // Read per decision, so a reload (`!reload`, SIGHUP) applies to the next line; admins,
        // ignores and pauses set from chat are not in bot.conf and stay.
        let settings = live.current
        return RoleResolver(ownerAccounts: settings.ownerAccounts,
                            ownerMasks: settings.access(network: network).ownerMasks,
                            adminAccounts: admins.map(\.account),
                            ignores: ignores.compactMap { RoleResolver.Entry($0.value) })
    }

    // MARK: Admins

    public func adminList() async -> [AdminAccount] {
        await load()
        return admins
    }

    /// False when the account already was an admin.
    public func addAdmin(_ admin: AdminAccount) async throws -> Bool {
        await load()
        let added = try await store.addAdmin(admin)
        if added { admins.append(admin) }
        return added
    }

    public func removeAdmin(account: String) async throws -> Bool {
        await load()
        let removed = try await store.removeAdmin(account: account)
        let key = TaskRoute.fold(account)
        admins.removeAll { $0.accountKey == key }
        return removed
    }

    // MARK: Ignores

    public func ignoreList() async -> [IgnoreEntry] {
        await load()
        return ignores
    }

    /// False when it replaced an entry for the same account or mask.
    public func addIgnore(_ entry: IgnoreEntry) async throws -> Bool {
        await load()
        let added = try await store.addIgnore(entry)
        ignores.removeAll { $0.key == entry.key }
        ignores.append(entry)
        return added
    }

    public func removeIgnore(key: String) async throws -> Bool {
        await load()
        let removed = try await store.removeIgnore(key: key)
        ignores.removeAll { $0.key == key }
        return removed
    }

    // MARK: Pauses

    /// The pause that holds for a line said on `network` in `channel` (nil = private): the
    /// channel's own, else the global one.
    public func pause(network: String, channel: String?) async -> PauseSetting? {
        await load()
        if let channel {
            let key = TaskRoute.fold(channel)
            if let own = pauses.first(where: { $0.network == network && $0.channelKey == key }) { return own }
        }
        return pauses.first(where: \.isGlobal)
    }

    public func setPause(_ pause: PauseSetting) async throws {
        await load()
        try await store.setPause(pause)
        pauses.removeAll { $0.network == pause.network && $0.channelKey == pause.channelKey }
        pauses.append(pause)
    }

    /// Lifts one pause (`channel` nil: the global one); false when there was none.
    public func removePause(network: String, channel: String?) async throws -> Bool {
        await load()
        let removed = try await store.removePause(network: network, channel: channel)
        if let channel {
            let key = TaskRoute.fold(channel)
            pauses.removeAll { $0.network == network && $0.channelKey == key }
        } else {
            pauses.removeAll(where: \.isGlobal)
        }
        return removed
    }

    /// Lifts every pause; returns how many there were.
    public func removeAllPauses() async throws -> Int {
        await load()
        let count = try await store.removeAllPauses()
        pauses = []
        return count
    }

    private typealias Lists = (admins: [AdminAccount], ignores: [IgnoreEntry], pauses: [PauseSetting])

    /// One read shared by everyone who arrives while it runs, so a change made meanwhile is
    /// never overwritten by a read that started before it.
    private var loading: Task<Lists?, Never>?

    private func load() async {
        guard !loaded else { return }
        let task = loading ?? Task { [store, logger] in
            do {
                return (try await store.adminAccounts(), try await store.ignoreEntries(), try await store.pauseSettings())
            } catch {
                // Without the lists nobody is an admin or ignored: fail closed for admin
                // powers, and try again on the next line.
                logger.error("cannot read admins, ignores and pauses", metadata: ["error": "\(error)"])
                return nil
            }
        }
        loading = task
        let lists = await task.value
        guard !loaded else { return }
        loading = nil
        guard let lists else { return }
        (admins, ignores, pauses) = lists
        loaded = true
    }
}
