import Foundation
import Store

/// Which networks (IRC networks and Matrix accounts, by name) this process holds, when several
/// bot processes share one database. Nil where the bridge takes one: a single process with its
/// SQLite file holds everything, as always.
public protocol NetworkHolding: Sendable {
    /// Whether this process holds `network` now: only its holder polls that network's tasks,
    /// expires them and delivers its lines.
    func holds(_ network: String) async -> Bool
    /// Whether a line may go out on `network` now: held, and the hold confirmed by the database
    /// recently enough that no other process can have taken it over (the fence; see
    /// `OwnershipMachine.mayDeliver`). Asked before every line.
    func mayDeliver(_ network: String) async -> Bool
    /// The claimant of `network`'s outbox lines: this process's lock session as the database
    /// knows it (nil when it holds no session or not the network). The store claims lines for
    /// it only while the database shows that session holding the network
    /// (`BotStore.claimOwedLines`).
    func claimant(for network: String) async -> OutboxClaimant?
    /// The database refused to claim `network`'s lines for `claimant(for:)` (it does not show
    /// that session holding the network) while this process believes it holds it: the holder
    /// checks its session and drops the network if the lock is not there (see
    /// `OwnershipMachine`), instead of holding a network it cannot deliver.
    func claimRefused(_ network: String) async
    /// Lines for `network` were committed here but another process holds it: its holder is
    /// woken (PostgreSQL NOTIFY), so a callback that reached any process is delivered at once.
    func wakeHolder(of network: String) async
    /// One sentence for `!pending`: what this process holds and who holds the rest.
    func report() async -> String
}
