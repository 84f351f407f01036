import Foundation
import Logging
import NIOSSL
import PostgresNIO
import Store

/// The dedicated database session through which one bot process holds its networks: a
/// connection of its own (never the pool's, whose connections come and go), on which it takes
/// one advisory lock per network it holds, pings (the heartbeat of its holders row), and
/// LISTENs for "lines were committed for a network you hold".
///
/// The server ends this session when it stays silent longer than `silenceLimit`
/// (`idle_session_timeout`, PostgreSQL 14 and newer), which releases its locks: a holder cut off
/// from the database loses its networks after that long, even though no packet says so.
public final class PostgresOwnershipSession: Sendable {
    /// The channel of `NOTIFY`, its payload the network name.
    public static let wakeChannel = "mjbridge_outbox"

    public let processId: String
    /// The server process of this session (`pg_backend_pid()`): what `pg_locks` names as the
    /// holder of its locks, and so the claimant of its networks' outbox lines.
    public let backendPID: Int32
    /// When that server process started (microseconds since 1970, from `pg_stat_activity`): with
    /// the pid, what names this session for good (a pid can be recycled).
    public let backendStartMicros: Int64
    let connection: PostgresConnection
    let logger: Logger
    /// The silence limit in seconds: a heartbeat older than this is a dead process's.
    let silenceSeconds: Double

    private init(processId: String, backendPID: Int32, backendStartMicros: Int64, connection: PostgresConnection,
                 silenceSeconds: Double, logger: Logger) {
        self.processId = processId
        self.backendPID = backendPID
        self.backendStartMicros = backendStartMicros
        self.connection = connection
        self.silenceSeconds = silenceSeconds
        self.logger = logger
    }

    /// Connects, sets the silence limit, and writes this process's holders row (holding nothing).
    public static func open(_ configuration: PostgresStoreConfiguration, processId: String, host: String, pid: Int,
                            startedAt: Date, silenceLimit: Duration, logger: Logger) async throws -> PostgresOwnershipSession {
        let tls: PostgresConnection.Configuration.TLS = switch try PostgresStore.tlsConfiguration(configuration) {
        case .none: .disable
        case .some(let context): .require(try NIOSSLContext(configuration: context))
        }
        var connectionConfiguration = PostgresConnection.Configuration(
            host: configuration.host, port: configuration.port, username: configuration.user,
            password: configuration.password, database: configuration.database, tls: tls)
        connectionConfiguration.options.connectTimeout = .seconds(10)
        let connection = try await PostgresConnection.connect(
            on: PostgresClient.defaultEventLoopGroup.any(), configuration: connectionConfiguration,
            id: Int.random(in: 1...Int(Int32.max)), logger: logger).get()
        let milliseconds = max(1000, Int(silenceLimit.components.seconds * 1000
                                         + silenceLimit.components.attoseconds / 1_000_000_000_000_000))
        let backendPID: Int32
        let backendStart: Int64
        do {
            // Integers only: SET takes no bind parameters.
            try await connection.rows(PostgresQuery(unsafeSQL: "SET idle_session_timeout = \(milliseconds)"), logger: logger)
            try await connection.rows("SET application_name = 'mjbridge ownership'", logger: logger)
            // Rows of processes silent for a day are gone for good (a crash leaves its row behind).
            try await connection.rows("DELETE FROM ownership_holders WHERE heartbeat_at < now() - interval '1 day'", logger: logger)
            let pid32 = Int32(truncatingIfNeeded: pid)
            let inserted = try await connection.rows("""
                INSERT INTO ownership_holders (process_id, host, pid, started_at, heartbeat_at, lock_backend_pid, networks)
                VALUES (\(processId), \(host), \(pid32), \(startedAt), now(), pg_backend_pid(), '[]')
                ON CONFLICT (process_id) DO UPDATE SET heartbeat_at = now(), lock_backend_pid = pg_backend_pid(), networks = '[]'
                RETURNING lock_backend_pid,
                    (SELECT (extract(epoch FROM backend_start) * 1000000)::int8 FROM pg_stat_activity WHERE pid = pg_backend_pid())
                """, logger: logger)
            guard let row = inserted.first else { throw PostgresStoreError.failed(reason: "no holders row was written", sqlState: nil) }
            (backendPID, backendStart) = try row.decode((Int32, Int64).self)
        } catch {
            try? await connection.close()
            throw error
        }
        return PostgresOwnershipSession(processId: processId, backendPID: backendPID, backendStartMicros: backendStart,
                                        connection: connection,
                                        silenceSeconds: Double(milliseconds) / 1000, logger: logger)
    }

    /// The advisory lock key of a network: a 64-bit FNV-1a hash of its lower-cased name. Two
    /// names that collide share one lock, so one process holds both: never two holders, only
    /// less spreading.
    public static func lockKey(_ network: String) -> Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in ("mjbridge network " + network.lowercased()).utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return Int64(bitPattern: hash)
    }

    /// `pg_try_advisory_lock`: true when this session holds the network now.
    public func tryLock(_ network: String) async throws -> Bool {
        let rows = try await connection.query("SELECT pg_try_advisory_lock(\(Self.lockKey(network)))", logger: logger)
        for try await held in rows.decode(Bool.self) { return held }
        return false
    }

    /// The claimant of `network`'s outbox lines through this session (see `OutboxClaimant`).
    public func claimant(for network: String) -> OutboxClaimant {
        OutboxClaimant(backendPID: backendPID, lockKey: Self.lockKey(network), backendStartMicros: backendStartMicros)
    }

    /// Whether the server shows this very session (its backend, started when it was opened)
    /// holding `network`'s lock now: asked when a claim was refused although this process
    /// believes it holds the network. False when the statement runs on another server process
    /// than the one that took the lock (a pooler in transaction mode between the bot and the
    /// database), or the lock is gone.
    public func holdsLock(_ network: String) async throws -> Bool {
        let key = UInt64(bitPattern: Self.lockKey(network))
        let high = Int64(key >> 32)
        let low = Int64(key & 0xFFFF_FFFF)
        let rows = try await connection.query("""
            SELECT pg_backend_pid() = \(backendPID) AND EXISTS (
                SELECT 1 FROM pg_locks l
                WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 AND l.pid = pg_backend_pid()
                  AND l.classid::int8 = \(high) AND l.objid::int8 = \(low)
                  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()))
            """, logger: logger)
        for try await held in rows.decode(Bool.self) { return held }
        return false
    }

    public func unlock(_ network: String) async throws {
        try await connection.rows("SELECT pg_advisory_unlock(\(Self.lockKey(network)))", logger: logger)
    }

    /// The heartbeat: proves the session alive, records what is held, and counts the live
    /// processes (this one included): those whose lock session still exists on the server and
    /// whose heartbeat is younger than the silence limit (a recycled backend pid alone does not
    /// make a dead process live).
    public func ping(held: [String]) async throws -> Int {
        let networks = String(decoding: try JSONEncoder().encode(held), as: UTF8.self)
        let rows = try await connection.query("""
            WITH beat AS (
                UPDATE ownership_holders SET heartbeat_at = now(), networks = \(networks)
                WHERE process_id = \(processId) RETURNING process_id)
            SELECT count(*)::int8 FROM ownership_holders h
            WHERE h.heartbeat_at > now() - make_interval(secs => \(silenceSeconds))
              AND EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = h.lock_backend_pid)
            """, logger: logger)
        var live = 1
        for try await count in rows.decode(Int64.self) { live = Int(count) }
        return max(1, live)
    }

    /// Runs `wake` with the network of every NOTIFY on `wakeChannel` until the session ends.
    public func listen(_ wake: @escaping @Sendable (String) async -> Void) async throws {
        try await connection.listen(on: Self.wakeChannel) { notifications in
            for try await notification in notifications { await wake(notification.payload) }
        }
    }

    public var isClosed: Bool { connection.isClosed }

    /// Removes the holders row (a clean stop) and closes: the server releases every lock.
    public func close(removingRow: Bool) async {
        if removingRow, !connection.isClosed {
            _ = try? await connection.rows("DELETE FROM ownership_holders WHERE process_id = \(processId)", logger: logger)
        }
        try? await connection.close()
    }
}

extension PostgresStore {
    /// The server's own words for an error (never a password), for logs outside this module.
    public static func readableReason(_ error: any Error) -> String {
        reason(error)
    }

    /// Wakes the holder of `network` (its lock session LISTENs): lines were committed for it
    /// by a process that does not hold it.
    public func wakeHolder(of network: String) async throws {
        try await query("SELECT pg_notify(\(PostgresOwnershipSession.wakeChannel), \(network))")
    }

    /// Every process in the holders table, the earliest started first.
    public func processHoldings() async throws -> [ProcessHolding] {
        let logger = self.logger
        return try await withLease { connection in
            var holdings: [ProcessHolding] = []
            let rows = try await connection.query("""
                SELECT process_id, host, pid, started_at, heartbeat_at, networks,
                       EXTRACT(EPOCH FROM now() - heartbeat_at)::float8
                FROM ownership_holders ORDER BY started_at, process_id
                """, logger: logger)
            for try await (id, host, pid, started, heartbeat, networks, silent)
                in rows.decode((String, String, Int32, Date, Date, String, Double).self) {
                let names = (try? JSONDecoder().decode([String].self, from: Data(networks.utf8))) ?? []
                holdings.append(ProcessHolding(processId: id, host: host, pid: Int(pid), startedAt: started, heartbeatAt: heartbeat,
                                               networks: names, silentSeconds: silent))
            }
            return holdings
        }
    }
}
