@testable import App
import AsyncHTTPClient
import Foundation
import Logging
import Synchronization
import Testing

/// The `/health` connection rule over IRC networks and Matrix accounts, and the states a
/// Matrix account's sync loop reports (pure; the real thing on Synapse is in
/// `MatrixObservabilityOnSynapseTests`).
@Suite struct RuntimeHealthTests {
    let t0 = Date(timeIntervalSince1970: 1_764_500_000)

    func status(_ state: MatrixAccountStatus.State) -> MatrixAccountStatus { MatrixAccountStatus(state: state) }

    @Test func oneConnectionUpIsEnoughAndAStoppedAccountIsAlwaysAReason() {
        let syncing = status(.syncing)
        let backingOff = status(.backingOff(error: "connection refused", since: t0))
        let stopped = status(.stopped(reason: "the homeserver rejected the access token (M_UNKNOWN_TOKEN)"))
        typealias H = RuntimeHealth
        #expect(H.connectionReasons(networks: ["libera": "registered"], matrix: [:]).isEmpty)
        #expect(H.connectionReasons(networks: ["libera": "connecting"], matrix: [:]) == ["no network is registered"])
        #expect(H.connectionReasons(networks: [:], matrix: ["hs": syncing]).isEmpty)
        #expect(H.connectionReasons(networks: [:], matrix: ["hs": status(.starting)]) == ["no Matrix account is syncing"])
        #expect(H.connectionReasons(networks: [:], matrix: ["hs": backingOff]) == ["no Matrix account is syncing"])
        // As with two IRC networks: one up is enough, the other's state is in the body.
        #expect(H.connectionReasons(networks: ["libera": "registered"], matrix: ["hs": backingOff]).isEmpty)
        #expect(H.connectionReasons(networks: ["libera": "connecting"], matrix: ["hs": syncing]).isEmpty)
        #expect(H.connectionReasons(networks: ["libera": "connecting"], matrix: ["hs": backingOff])
                == ["no network is registered and no Matrix account is syncing"])
        // Stopped never comes back by itself: a reason even while everything else works.
        #expect(H.connectionReasons(networks: ["libera": "registered"], matrix: ["hs": stopped, "b": syncing])
                == ["Matrix account hs stopped: the homeserver rejected the access token (M_UNKNOWN_TOKEN)"])
        #expect(H.connectionReasons(networks: [:], matrix: ["hs": stopped]).count == 2)
        #expect(H.connectionReasons(networks: [:], matrix: [:]).isEmpty)
    }

    @Test func theSyncLoopsStatesAndWhatHealthShowsOfThem() {
        var s = MatrixAccountStatus()
        #expect(s.label == "starting" && !s.isSyncing && s.lastSyncAt == nil)
        s.failed("connection refused", at: t0)
        s.failed("HTTP 502", at: t0.addingTimeInterval(5))
        #expect(s.state == .backingOff(error: "HTTP 502", since: t0), "the last error, since the first failure")
        s.recovered(live: false)
        #expect(s.state == .starting)
        s.synced(at: t0.addingTimeInterval(6), live: false)
        #expect(s.state == .starting && s.lastSyncAt == t0.addingTimeInterval(6), "the history-skipping first sync")
        s.hearing(at: t0.addingTimeInterval(7))
        #expect(s.state == .syncing && s.isSyncing)
        // Not moved on for longer than the bound: stalled, as /health and /metrics see it.
        #expect(s.asOf(t0.addingTimeInterval(7 + 150), stalledAfter: 150).state == .syncing)
        let stalled = s.asOf(t0.addingTimeInterval(7 + 151), stalledAfter: 150)
        #expect(stalled.state == .stalled(since: t0.addingTimeInterval(7)) && stalled.label == "stalled" && !stalled.isSyncing)
        #expect(HealthReport.MatrixAccountState(stalled).failingSince == t0.addingTimeInterval(7))
        s.failed("timeout", at: t0.addingTimeInterval(40))
        #expect(s.label == "backing_off" && !s.isSyncing)
        var shown = HealthReport.MatrixAccountState(s)
        #expect(shown.state == "backing_off" && shown.lastError == "timeout" && shown.failingSince == t0.addingTimeInterval(40))
        #expect(shown.lastSyncAt == t0.addingTimeInterval(6) && shown.stopReason == nil)
        s.synced(at: t0.addingTimeInterval(50), live: true)
        #expect(s.state == .syncing && s.lastSyncAt == t0.addingTimeInterval(50))
        s.stopped("token rejected")
        s.synced(at: t0.addingTimeInterval(60), live: true)
        s.failed("late", at: t0.addingTimeInterval(61))
        s.stopped("another reason")
        #expect(s.state == .stopped(reason: "token rejected"), "stopped stays stopped, with its first reason")
        shown = HealthReport.MatrixAccountState(s)
        #expect(shown.state == "stopped" && shown.stopReason == "token rejected" && shown.lastError == nil)
    }

    /// Several processes on one database: an account held by another process shows who holds
    /// it, like a network, not the status of a loop that does not run here (a former holder's
    /// last "syncing", or "starting" forever on a standby), and does not count for health.
    @Test func anAccountHeldByAnotherProcessShowsItsHolder() {
        var syncing = MatrixAccountStatus()
        syncing.synced(at: t0, live: true)
        syncing.hearing(at: t0)
        let statuses = ["here": syncing, "there": syncing, "nobody": MatrixAccountStatus()]
        let holders = ["here": "held here", "there": "standby (held by box2 pid 42)", "nobody": "standby (no holder)"]
        let (shown, held) = RuntimeHealth.matrixStates(statuses, holders: holders)
        #expect(shown["here"] == HealthReport.MatrixAccountState(syncing))
        #expect(shown["there"]?.state == "standby (held by box2 pid 42)" && shown["there"]?.lastSyncAt == nil)
        #expect(shown["nobody"]?.state == "standby (no holder)")
        #expect(held == ["here": syncing])
        // A standby that holds nothing is healthy; one process alone (no holders) holds all.
        #expect(RuntimeHealth.connectionReasons(networks: [:], matrix: RuntimeHealth.matrixStates(["there": syncing], holders: [
            "there": "standby (held by box2 pid 42)"]).held).isEmpty)
        let single = RuntimeHealth.matrixStates(statuses, holders: nil)
        #expect(single.held == statuses && single.shown["there"]?.state == "syncing")
    }

    @Test func theBodyNamesMatrixAccountsOnlyWhenThereAreAny() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let ircOnly = String(decoding: try encoder.encode(HealthReport(reasons: [], version: "v", networks: ["libera": "registered"])),
                             as: UTF8.self)
        #expect(!ircOnly.contains("matrix"), "\(ircOnly)")
        var s = MatrixAccountStatus()
        s.synced(at: t0, live: true)
        let both = String(decoding: try encoder.encode(HealthReport(reasons: [], version: "v", networks: [:],
                                                                    matrix: ["hs": HealthReport.MatrixAccountState(s)])),
                          as: UTF8.self)
        #expect(both.contains(#""matrix":{"hs":{"last_sync_at":"2025-11-30T10:53:20Z","state":"syncing"}}"#), "\(both)")
    }
}

/// A running bot whose only Matrix homeserver cannot be reached, over real HTTP: `/health` is
/// 503 and shows the account backing off with the error, `/metrics` counts the failures.
@Suite struct MatrixHealthOfAnUnreachableHomeserverTests {
    @Test func anAccountThatCannotReachItsHomeserverIsBackingOff() async throws {
        // The bot binds its port a moment after the test chose it (see HealthEndpointTests):
        // a bot whose services ended without answering is started again, at most three times.
        for attempt in 1...3 {
            if let (health, metrics) = try await Self.observe() {
                #expect(health.status == 503, "\(health.body)")
                let json = try JSONSerialization.jsonObject(with: Data(health.body.utf8)) as? [String: Any] ?? [:]
                #expect(json["reasons"] as? [String] == ["no Matrix account is syncing"], "\(health.body)")
                let account = try #require((json["matrix"] as? [String: Any])?["nowhere"] as? [String: Any], "\(health.body)")
                #expect(account["state"] as? String == "backing_off")
                #expect((account["last_error"] as? String)?.isEmpty == false, "\(account)")
                #expect(account["failing_since"] as? String != nil && account["last_sync_at"] == nil, "\(account)")
                let scrape = PrometheusScrape(metrics)
                #expect(scrape.value("mjbridge_matrix_connected", ["account": "nowhere"]) == 0, "\(metrics)")
                #expect((scrape.value("mjbridge_matrix_sync_failures_total", ["account": "nowhere"]) ?? 0) >= 1)
                #expect(scrape.value("mjbridge_matrix_last_sync_timestamp_seconds", ["account": "nowhere"]) == nil)
                return
            }
            try #require(attempt < 3, "the bot's HTTP service ended without answering three times")
        }
    }

    /// `/health` once it shows the account backing off, and `/metrics` then; nil when the
    /// bot's service group ended before answering (its port was taken).
    static func observe() async throws -> (health: (status: UInt, body: String), metrics: String)? {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mjbridge-mxhealth-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let httpPort = try await freePort()
        let homeserverPort = try await freePort()  // nobody listens there
        let configuration = try ConfigurationLoader(environment: [:]).parse(toml: """
            [bot]
            database = "bot.sqlite"
            [proxy]
            base_url = "http://127.0.0.1:9/mj"
            [http]
            listen = "127.0.0.1:\(httpPort)"
            [[matrix]]
            name = "nowhere"
            homeserver = "http://127.0.0.1:\(homeserverPort)"
            user_id = "@mjb:example.org"
            access_token = "syt_unused"
            """, baseDirectory: directory.path)
        var logger = Logger(label: "matrix-health.test")
        logger.logLevel = .critical
        let runtime = try await BotRuntime.make(configuration: configuration, logger: logger)
        let group = runtime.serviceGroup(signals: [])
        let ended = Mutex(false)
        let task = Task {
            defer { ended.withLock { $0 = true } }
            try await group.run()
        }
        defer { task.cancel() }
        func get(_ path: String) async -> (status: UInt, body: String)? {
            guard let response = try? await HTTPClient.shared.execute(
                HTTPClientRequest(url: "http://127.0.0.1:\(httpPort)\(path)"), timeout: .seconds(10)),
                let body = try? await response.body.collect(upTo: 1 << 20) else { return nil }
            return (response.status.code, String(buffer: body))
        }
        var result: (health: (status: UInt, body: String), metrics: String)?
        let deadline = ContinuousClock.now + .seconds(60)
        while result == nil {
            if let health = await get("/health"), health.body.contains("backing_off") {
                result = (health, await get("/metrics")?.body ?? "")
            } else if ended.withLock({ $0 }) {
                break
            } else if ContinuousClock.now >= deadline {
                await group.triggerGracefulShutdown()
                _ = try? await task.value
                Issue.record("the account was never shown backing off")
                throw CancellationError()
            } else {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        await group.triggerGracefulShutdown()
        _ = try? await task.value
        return result
    }
}
