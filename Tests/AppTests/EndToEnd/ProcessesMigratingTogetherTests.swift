import Foundation
@testable import PostgresStore
import PostgresTestSupport
import Testing
import TestnetSupport
#if canImport(Glibc)
import Glibc
#endif

/// Twenty real `mjbridge run` processes started at once on one new PostgreSQL database migrate
/// its schema once. The store is opened (and migrated) before anything else of the bot starts,
/// so the processes need no IRC network: theirs points at a closed loopback port, which the
/// holder keeps retrying, and they have no HTTP listener. To make "at once" certain rather
/// than likely, the test holds the migration advisory lock itself (a psql session) until all
/// twenty are waiting for it, then lets go: they race for it together.
@Suite(.serialized, .timeLimit(.minutes(15)),
       .enabled(if: !PostgresTestServer.skipRequested, PostgresTestServer.skipReason))
struct ProcessesMigratingTogetherTests {
    static let processCount = 20
    static let barrierName = "mjbridge test barrier"

    /// One config for all of them (each its own log): the shared store, no listener, a network
    /// nobody answers on.
    static func config(_ database: PostgresTestServer.Database, in directory: URL) throws -> String {
        try database.password.write(to: directory.appendingPathComponent("pg.pass"), atomically: true, encoding: .utf8)
        let text = """
            [bot]
            database = "bot.sqlite"
            log_level = "info"

            [proxy]
            base_url = "http://127.0.0.1:9/mj"
            poll_interval_seconds = 60

            [http]
            listen = ""

            [[networks]]
            name = "nowhere"
            host = "127.0.0.1"
            port = 9
            tls = false
            nick = "migbot"
            sasl_mechanism = "none"

            [[networks.channels]]
            name = "#migrate"

            [store]
            url = "\(database.url)"
            password_file = "pg.pass"
            """
        let path = directory.appendingPathComponent("bot.conf").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// psql on the test's database as the test role, password from the file (never in argv).
    /// `arguments` go after the connection options.
    static func psqlCommand(_ database: PostgresTestServer.Database, passwordFile: String, name: String = "mjbridge test",
                            _ arguments: String) -> [String] {
        let script = """
            . "$1" && pg_find_bin && PGPASSWORD="$(cat "$2")" PGAPPNAME="$3" exec "$PG_PSQL" -X -q -At -v ON_ERROR_STOP=1 \
              -h 127.0.0.1 -p "$4" -U "$5" -d "$6" \(arguments)
            """
        return ["-c", script, "bash", PostgresTestServer.script("lib.sh"), passwordFile, name,
                String(database.server.port), database.server.user, database.name]
    }

    /// One statement's result as psql prints it unaligned (`|` between columns).
    static func sql(_ database: PostgresTestServer.Database, passwordFile: String, _ statement: String) async throws -> String {
        let command = psqlCommand(database, passwordFile: passwordFile, "-c \"$7\"")
        return try await ScriptRunner.run(command + [statement]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The migration lock as `pg_locks` shows a bigint advisory key: high and low 32 bits.
    static var lockColumns: String {
        let key = UInt64(bitPattern: PostgresMigrations.lockKey)
        return "classid = \(key >> 32) AND objid = \(key & 0xFFFF_FFFF) AND objsubid = 1"
    }

    /// Sessions of this database waiting for the migration lock (granted: holding it).
    static func lockSessions(_ database: PostgresTestServer.Database, passwordFile: String, granted: Bool) async throws -> Int {
        let text = try await sql(database, passwordFile: passwordFile, """
            SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND \(lockColumns) AND granted = \(granted) \
            AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
            """)
        guard let count = Int(text) else { throw ChildProcessError("pg_locks count: \(text)") }
        return count
    }

    /// The tables the migrations create, read from their statements (so a migration added
    /// later is covered without changing this test).
    static var tablesTheMigrationsCreate: Set<String> {
        let pattern = /CREATE TABLE (?:IF NOT EXISTS )?([a-z_]+)/
        return Set(PostgresMigrations.all.flatMap(\.statements).flatMap { statement in
            statement.matches(of: pattern).map { String($0.1) }
        })
    }

    /// The indexes the migrations create, likewise.
    static var indexesTheMigrationsCreate: Set<String> {
        let pattern = /CREATE (?:UNIQUE )?INDEX (?:IF NOT EXISTS )?([a-z_]+)/
        return Set(PostgresMigrations.all.flatMap(\.statements).flatMap { statement in
            statement.matches(of: pattern).map { String($0.1) }
        })
    }

    /// Whether `pid` (a child of this process) has ended, without reaping it (its exit code
    /// stays for `wait()`): a zombie's state in /proc is Z.
    static func hasEnded(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
        return stat.range(of: ") Z ") != nil
    }

    /// The migrations a process's log says it applied (the store's info line), if any.
    static func appliedMigrations(inLog log: String) -> [String]? {
        guard let line = log.split(separator: "\n").first(where: { $0.contains("applied PostgreSQL store migrations") }),
              let match = line.firstMatch(of: /migrations=([a-z0-9,_-]+)/) else { return nil }
        return match.1.split(separator: ",").map(String.init)
    }

    @Test func twentyProcessesStartingAtOnceMigrateTheSchemaOnce() async throws {
        let database = try await PostgresTestServer.shared.freshDatabase()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mjbridge-migrate-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let config = try Self.config(database, in: directory)
        let passwordFile = directory.appendingPathComponent("pg.pass").path
        var barrier: ChildProcess?
        var processes: [ChildProcess] = []
        // Children whose exit was collected: their pids may belong to someone else by now.
        var reaped = Set<pid_t>()
        try await withCleanup {
            // The barrier: a session that holds the migration lock (transaction-level, as the
            // bot takes it) inside a long statement, until the test cancels that statement.
            barrier = try ChildProcess("/bin/bash", Self.psqlCommand(
                database, passwordFile: passwordFile, name: Self.barrierName,
                "-c \"SELECT pg_advisory_xact_lock(\(PostgresMigrations.lockKey)), pg_sleep(900)\""),
                logPath: directory.appendingPathComponent("barrier.log").path)
            _ = try await eventually("the test holding the migration lock", timeout: .seconds(60), interval: .milliseconds(200)) {
                try await Self.lockSessions(database, passwordFile: passwordFile, granted: true) == 1 ? true : nil
            }

            let spawnedAt = ContinuousClock.now
            for index in 0..<Self.processCount {
                processes.append(try ChildProcess(ChildProcess.mjbridgeExecutable, ["run", "-c", config],
                                                  logPath: directory.appendingPathComponent("p\(index).log").path))
            }
            // A generous deadline: twenty debug binaries starting on two shared cores. Each
            // waits up to the migration's own lock_timeout (5 min) at the lock.
            _ = try await eventually("all \(Self.processCount) processes waiting for the migration lock",
                                     timeout: .seconds(240), interval: .milliseconds(500)) {
                let exited = processes.filter { Self.hasEnded($0.pid) }
                guard exited.isEmpty else {
                    throw ChildProcessError("a process ended before the barrier:\n\(exited[0].log.suffix(3000))")
                }
                return try await Self.lockSessions(database, passwordFile: passwordFile, granted: false)
                    == Self.processCount ? true : nil
            }
            let gathered = spawnedAt.duration(to: .now)
            #expect(try await Self.sql(database, passwordFile: passwordFile,
                                       "SELECT to_regclass('mjbridge_migrations') IS NULL") == "t",
                    "nothing migrated while the test held the lock")

            // Release: cancel the barrier's statement, which ends its transaction and its lock.
            let releasedAt = ContinuousClock.now
            #expect(try await Self.sql(database, passwordFile: passwordFile, """
                SELECT count(*) FROM (SELECT pg_cancel_backend(pid) AS cancelled FROM pg_stat_activity \
                WHERE application_name = '\(Self.barrierName)' AND datname = current_database()) AS barrier WHERE cancelled
                """) == "1")
            if let holder = barrier {
                let barrierExit = await SingleInstanceTests.exitCode(of: holder, within: 60)
                #expect(barrierExit != nil, "psql holding the barrier ended once cancelled")
                if barrierExit != nil { reaped.insert(holder.pid) }
            }

            // Every process opens the store (one migrates, the others find it current) and runs.
            for process in processes {
                try await SingleInstanceTests.waitForLog(process, "SIGHUP re-reads the config", seconds: 240)
            }
            let running = releasedAt.duration(to: .now)

            // From the database: every migration recorded once, by one transaction (all rows
            // of one run share now()), and every table they create is there.
            let recorded = try await Self.sql(database, passwordFile: passwordFile,
                                              "SELECT name FROM mjbridge_migrations ORDER BY ordinal")
                .split(separator: "\n").map(String.init)
            #expect(recorded == PostgresMigrations.all.map(\.name))
            #expect(try await Self.sql(database, passwordFile: passwordFile,
                                       "SELECT count(DISTINCT applied_at) FROM mjbridge_migrations") == "1")
            let tables = Set(try await Self.sql(database, passwordFile: passwordFile,
                                                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
                .split(separator: "\n").map(String.init))
            let expected = Self.tablesTheMigrationsCreate
            #expect(expected.count >= 5 && expected.isSubset(of: tables), "missing: \(expected.subtracting(tables).sorted())")
            let indexes = Set(try await Self.sql(database, passwordFile: passwordFile,
                                                 "SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")
                .split(separator: "\n").map(String.init))
            let expectedIndexes = Self.indexesTheMigrationsCreate
            #expect(expectedIndexes.isSubset(of: indexes), "missing: \(expectedIndexes.subtracting(indexes).sorted())")

            // From the processes: exactly one applied the migrations, all of them; the other
            // nineteen opened the store having applied none.
            let logs = processes.map(\.log)
            let appliers = logs.indices.filter { Self.appliedMigrations(inLog: logs[$0]) != nil }
            #expect(appliers.count == 1, "processes that applied migrations: \(appliers)")
            for name in PostgresMigrations.all.map(\.name) {
                let by = logs.filter { Self.appliedMigrations(inLog: $0)?.contains(name) == true }.count
                #expect(by == 1, "\(name) applied by \(by) processes")
            }
            let opened = logs.filter { $0.contains("using the shared PostgreSQL store") }.count
            #expect(opened == Self.processCount)
            for (index, log) in logs.enumerated() {
                #expect(!log.contains("stopped by an error") && !log.contains("could not be migrated"),
                        "p\(index):\n\(log.suffix(3000))")
            }

            // All of them stop cleanly on SIGTERM.
            for process in processes { process.signal(SIGTERM) }
            for (index, process) in processes.enumerated() {
                let code = await SingleInstanceTests.exitCode(of: process, within: 180)
                if code != nil { reaped.insert(process.pid) }
                #expect(code == 0, "p\(index) on SIGTERM: \(code.map(String.init) ?? "still running")\n\(process.log.suffix(3000))")
            }
            print("ProcessesMigratingTogether: \(Self.processCount) processes spawned and waiting at the migration lock after "
                  + "\(gathered); released together, all running \(running) later; migrations \(recorded.joined(separator: ", ")) "
                  + "applied once, by one process (p\(appliers.first ?? -1)); \(Self.processCount - appliers.count) found the schema current")
        } cleanup: {
            for process in processes + [barrier].compactMap({ $0 }) where !reaped.contains(process.pid) {
                if !Self.hasEnded(process.pid) { process.signal(SIGKILL) }
                _ = await process.wait()
            }
            // A killed psql leaves its statement running on the server; end it.
            _ = try? await Self.sql(database, passwordFile: passwordFile, """
                SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = '\(Self.barrierName)'
                """)
        }
        // Kept when the test failed (the processes' logs); a passing run leaves nothing.
        try? FileManager.default.removeItem(at: directory)
    }
}
