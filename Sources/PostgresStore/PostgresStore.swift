import Foundation
import Logging
import NIOSSL
import PostgresNIO
import Store
import Synchronization

/// The bot's memory in a shared PostgreSQL database, for several bot processes (each network
/// held by one of them). It implements `BotStore` exactly as `SQLiteStore` does; the store's
/// behaviour tests run against both.
///
/// Records are kept as JSON text (`body`) beside the columns the queries filter and order on; the
/// columns are written from the record on every write, never separately. A field added to a
/// record needs no PostgreSQL migration unless a query uses it, PROVIDED it decodes when absent
/// (optional, or `decodeIfPresent` with a default): older rows lack it (see `RecordJSON`).
/// A field that a query filters on needs a migration that fills its column.
///
/// Upgrades: a binary refuses a database migrated by a newer one (`newerSchema`), since it
/// would drop the fields it does not know when it rewrites a record. Upgrade every process.
public final class PostgresStore: Sendable {
    public let configuration: PostgresStoreConfiguration
    let client: PostgresClient
    let logger: Logger
    private let runner: Task<Void, Never>
    /// Statements and transactions run again after a serialization failure or deadlock, since
    /// the store was opened: tests read it to prove their lock order never needs a retry.
    let retryCounter = Atomic<Int>(0)
    var retries: Int { retryCounter.load(ordering: .relaxed) }

    private init(configuration: PostgresStoreConfiguration, client: PostgresClient, runner: Task<Void, Never>, logger: Logger) {
        self.configuration = configuration
        self.client = client
        self.logger = logger
        self.runner = runner
    }

    /// Starts the pool's `run()` and returns once its task has begun, so the first query does
    /// not find the pool not yet running (PostgresNIO warns about that on every lease).
    private static func running(_ client: PostgresClient) async -> Task<Void, Never> {
        let (started, signal) = AsyncStream<Void>.makeStream()
        let runner = Task {
            signal.finish()
            await client.run()
        }
        for await _ in started {}
        return runner
    }

    /// Connects, checks the database answers, and migrates the schema (once, however many
    /// processes start together: the migrations run under an advisory lock). A wrong address,
    /// password or certificate fails here with the server's reason (the pool alone would retry
    /// in the background and every query would wait).
    public static func open(_ configuration: PostgresStoreConfiguration, logger: Logger) async throws -> PostgresStore {
        try await probe(configuration, logger: logger)
        let client = PostgresClient(configuration: try clientConfiguration(configuration), backgroundLogger: logger)
        let store = PostgresStore(configuration: configuration, client: client, runner: await running(client), logger: logger)
        do {
            try await PostgresMigrations.migrate(store)
        } catch let error as PostgresStoreError {
            await store.close()
            switch error {
            case .failed(let reason, _): throw PostgresStoreError.migrationFailed("\(configuration.displayURL): \(reason)")
            default: throw error
            }
        } catch {
            await store.close()
            throw PostgresStoreError.migrationFailed("\(configuration.displayURL): \(Self.reason(error))")
        }
        return store
    }

    /// One connection made and closed, to report what is wrong before the pool starts.
    static func probe(_ configuration: PostgresStoreConfiguration, logger: Logger) async throws {
        do {
            let tls: PostgresConnection.Configuration.TLS = switch try tlsConfiguration(configuration) {
            case .none: .disable
            case .some(let context): .require(try NIOSSLContext(configuration: context))
            }
            let connectionConfiguration = Self.connectionConfiguration(configuration, tls: tls)
            let connection = try await PostgresConnection.connect(
                on: PostgresClient.defaultEventLoopGroup.any(), configuration: connectionConfiguration,
                id: 0, logger: logger).get()
            try await connection.close()
        } catch {
            throw PostgresStoreError.cannotConnect(
                "\(configuration.displayURL): \(Self.tlsReason(error, configuration) ?? Self.reason(error))")
        }
    }

    /// What an operator can act on when TLS refused the server, or nil for other errors.
    /// NIOSSL's own texts name neither the host nor the CA file ("Couldn't find <none> in
    /// certificate from peer" for an address the certificate does not name; a BoringSSL error
    /// stack with a source path for an untrusted certificate).
    static func tlsReason(_ error: any Error, _ configuration: PostgresStoreConfiguration) -> String? {
        let underlying = (error as? PSQLError)?.underlying ?? error
        let trust = configuration.caFile.map { "the CA in sslrootcert=\($0)" }
            ?? "the system's trust roots (give the CA's PEM file as sslrootcert=…)"
        if let extra = underlying as? NIOSSLExtraError, extra == .failedToValidateHostname {
            return "TLS refused: the server's certificate does not name \(configuration.host) "
                + "(sslmode=verify-full checks the host of the URL against the certificate)"
        }
        guard let ssl = underlying as? NIOSSLError else { return nil }
        switch ssl {
        case .handshakeFailed(let failure) where "\(failure)".contains("CERTIFICATE_VERIFY_FAILED"):
            return "TLS refused: the server's certificate could not be verified against \(trust) "
                + "(CERTIFICATE_VERIFY_FAILED: an unknown issuer, an expired or not yet valid certificate)"
        case .handshakeFailed(let failure):
            return "TLS handshake failed: \(failure)"
        case .noSuchFilesystemObject, .failedToLoadCertificate:
            return "TLS: cannot load \(configuration.caFile.map { "sslrootcert=\($0)" } ?? "the trust roots") (\(ssl))"
        default:
            return nil
        }
    }

    /// One session as the pool's are made (with the same startup parameters): the probe's, and
    /// tests that play a frozen process.
    static func connectionConfiguration(_ configuration: PostgresStoreConfiguration,
                                        tls: PostgresConnection.Configuration.TLS) -> PostgresConnection.Configuration {
        var connectionConfiguration = PostgresConnection.Configuration(
            host: configuration.host, port: configuration.port, username: configuration.user,
            password: configuration.password, database: configuration.database, tls: tls)
        connectionConfiguration.options.connectTimeout = .seconds(10)
        connectionConfiguration.options.additionalStartupParameters = configuration.timeouts.startupParameters
        return connectionConfiguration
    }

    /// The server's own words when it answered (e.g. "password authentication failed for user
    /// …"), else the error; never the password (PostgresNIO does not put it in errors).
    static func reason(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] {
                return message + (error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? "")
            }
            if let underlying = error.underlying { return "\(error.code): \(underlying)" }
            return "\(error.code)"
        }
        return "\(error)"
    }

    /// Closes the pool. Callers must have stopped using the store first: a query or transaction
    /// still running may fail with a connection error (a transaction not committed is rolled
    /// back by the server), and one started afterwards fails.
    public func close() async {
        runner.cancel()
        await runner.value
    }

    /// nil: plain TCP.
    static func tlsConfiguration(_ configuration: PostgresStoreConfiguration) throws -> TLSConfiguration? {
        switch configuration.tls {
        case .disable:
            return nil
        case .require:
            var context = TLSConfiguration.makeClientConfiguration()
            context.certificateVerification = .none
            return context
        case .verifyFull:
            var context = TLSConfiguration.makeClientConfiguration()
            context.certificateVerification = .fullVerification
            if let caFile = configuration.caFile {
                context.trustRoots = .file(caFile)
            }
            return context
        }
    }

    static func clientConfiguration(_ configuration: PostgresStoreConfiguration) throws -> PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS = switch try tlsConfiguration(configuration) {
        case .none: .disable
        case .some(let context): .require(context)
        }
        var client = PostgresClient.Configuration(host: configuration.host, port: configuration.port,
                                                  username: configuration.user, password: configuration.password,
                                                  database: configuration.database, tls: tls)
        client.options.maximumConnections = configuration.maximumConnections
        client.options.connectTimeout = .seconds(10)
        client.options.additionalStartupParameters = configuration.timeouts.startupParameters
        return client
    }

    // MARK: Helpers for the method files

    /// Runs `body` in one transaction (READ COMMITTED; read-modify-write methods lock their rows
    /// with `FOR UPDATE`), retrying it on a serialization failure or deadlock, which is why
    /// the store's closures must be pure. Errors leave as `PostgresStoreError` (see `storeError`).
    /// A lock wait past `lock_timeout` (55P03) is not retried: the holder is stuck, and waiting
    /// again would only hold this connection longer.
    func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await retrying {
            try await self.withLease { connection in
                do {
                    try await connection.query("BEGIN", logger: self.logger)
                } catch let error as PSQLError where Self.isConnectionLost(error) {
                    // A pooled connection that broke while idle (the pool learns it on use):
                    // nothing was done, so another one is tried.
                    throw NothingDone(error: error)
                }
                let result: T
                do {
                    result = try await body(connection)
                } catch {
                    _ = try? await connection.query("ROLLBACK", logger: self.logger)
                    throw error
                }
                do {
                    try await connection.query("COMMIT", logger: self.logger)
                } catch let error as PSQLError where Self.leavesCommitOutcomeUnknown(error) {
                    // The server may have committed before the connection went: neither retried
                    // nor reported as a plain failure (see `BotStore`, "Commit outcome unknown").
                    throw CommitOutcomeUnknown(reason: Self.reason(error))
                }
                return result
            }
        }
    }

    /// One statement outside a transaction; the rows collected. Retried like a transaction (a
    /// multi-row UPDATE can deadlock too; every single statement of the store is idempotent).
    /// A write (INSERT, UPDATE, DELETE) commits with its statement: a connection lost before
    /// the server answered leaves that commit's outcome unknown, as in `transaction`.
    @discardableResult
    func query(_ query: PostgresQuery) async throws -> [PostgresRow] {
        let writes = ["INSERT", "UPDATE", "DELETE"].contains {
            query.sql.drop { $0.isWhitespace }.prefix($0.count).uppercased() == $0
        }
        return try await retrying {
            do {
                let logger = self.logger
                return try await self.withLease { try await $0.rows(query, logger: logger) }
            } catch let error as PSQLError where writes && Self.leavesCommitOutcomeUnknown(error) {
                throw CommitOutcomeUnknown(reason: Self.reason(error))
            } catch let error as PSQLError where !writes && Self.isConnectionLost(error) {
                // A read on a pooled connection that broke while idle: read again.
                throw NothingDone(error: error)
            }
        }
    }

    /// `work` again (up to five times, a little later each time) on 40001/40P01, or when its
    /// connection was found broken before anything was done (`NothingDone`); any error that
    /// ends it mapped by `storeError`.
    private func retrying<T: Sendable>(_ work: () async throws -> T) async throws -> T {
        var attempt = 0
        while true {
            do {
                return try await work()
            } catch let error as PSQLError where attempt < 5 && Self.isRetryable(error) {
                attempt += 1
                retryCounter.add(1, ordering: .relaxed)
                try await Task.sleep(for: .milliseconds(5 * attempt))
            } catch let error as NothingDone where attempt < 5 {
                attempt += 1
                logger.debug("PostgreSQL connection lost before any work, retried", metadata: ["error": "\(Self.reason(error.error))"])
                try await Task.sleep(for: .milliseconds(5 * attempt))
            } catch let error as NothingDone {
                throw Self.storeError(error.error)
            } catch {
                throw Self.storeError(error)
            }
        }
    }

    /// A COMMIT that failed without the server answering it: the connection broke (closed,
    /// reset, timed out) or the server ended the session (FATAL/PANIC, class 08, 57P0x) while
    /// COMMIT was in flight. The server may have committed or not. A COMMIT the server answered
    /// with an ordinary error (a serialization failure, a deferred constraint) was rolled back.
    static func leavesCommitOutcomeUnknown(_ error: PSQLError) -> Bool {
        guard let info = error.serverInfo else { return true }
        if let severity = info[.severity] ?? info[.localizedSeverity], severity == "FATAL" || severity == "PANIC" {
            return true
        }
        guard let state = info[.sqlState] else { return true }
        return state.hasPrefix("08") || state.hasPrefix("57P")
    }

    /// The connection was found broken before anything was written (at BEGIN, or on a read):
    /// safe to run again on another connection.
    struct NothingDone: Error {
        let error: PSQLError
    }

    /// The connection broke (closed by the server or the network, or failed), or the server
    /// ended the session (a restart or failover, `pg_terminate_backend`, an idle-session
    /// timeout: FATAL with class 57P or 08, which an idle pooled connection reports on its next
    /// use), as opposed to the server answering a statement with an error.
    static func isConnectionLost(_ error: PSQLError) -> Bool {
        if error.code == .serverClosedConnection || error.code == .connectionError || error.code == .uncleanShutdown {
            return true
        }
        guard let info = error.serverInfo, let state = info[.sqlState] else { return false }
        let severity = info[.severity] ?? info[.localizedSeverity]
        return severity == "FATAL" && (state.hasPrefix("57P") || state.hasPrefix("08"))
    }

    /// `transaction`'s COMMIT left its outcome unknown (carried out of `withConnection`,
    /// mapped by `storeError`).
    struct CommitOutcomeUnknown: Error {
        let reason: String
    }

    /// PostgresNIO's errors as the store's: the server's message and SQLSTATE, or the connection
    /// error's code. Never `String(reflecting:)` of a `PSQLError`: it holds the query with its
    /// binds (access tokens, the callback secret). Decoding errors name the column, not the data.
    static func storeError(_ error: any Error) -> any Error {
        if let error = error as? CommitOutcomeUnknown {
            return PostgresStoreError.commitOutcomeUnknown(reason: error.reason)
        }
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] {
                return PostgresStoreError.failed(reason: message, sqlState: error.serverInfo?[.sqlState])
            }
            return PostgresStoreError.failed(reason: reason(error), sqlState: nil)
        }
        if let error = error as? PostgresDecodingError {
            return PostgresStoreError.failed(
                reason: "column \(error.columnName) does not decode as \(error.targetType) (\(error.code))", sqlState: nil)
        }
        return error
    }

    /// serialization_failure, deadlock_detected.
    static func isRetryable(_ error: PSQLError) -> Bool {
        guard let state = error.serverInfo?[.sqlState] else { return false }
        return state == "40001" || state == "40P01"
    }
}

extension PostgresConnection {
    /// One statement in this session; the rows collected.
    @discardableResult
    func rows(_ query: PostgresQuery, logger: Logger) async throws -> [PostgresRow] {
        try await self.query(query, logger: logger).collect()
    }
}

/// Records as JSON text: dates as seconds since 2001, as `JSONEncoder` writes them, rounded to
/// the millisecond like every date this store writes (`StoreMilliseconds`), so a record reads back
/// as it would from SQLite. Older bodies with exact dates decode unchanged.
///
/// The rule for record changes: every field added to a record must decode when absent (an
/// optional, or `decodeIfPresent` with a default), because rows written before it lack it and
/// no PostgreSQL migration rewrites bodies. A non-optional field with synthesized `Decodable`
/// makes every older row fail here with `badRecord`. (`StoreTests` checks bodies missing their
/// optional fields still decode.)
enum RecordJSON {
    static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(StoreMilliseconds.rounded(date).timeIntervalSinceReferenceDate)
        }
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, from text: String, table: String, key: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(text.utf8))
        } catch {
            throw PostgresStoreError.badRecord(table: table, key: key, reason: "\(error)")
        }
    }
}

extension PostgresStore: BotStore {
}
