@testable import App
import Foundation
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
        s.hearing()
        #expect(s.state == .syncing && s.isSyncing)
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
