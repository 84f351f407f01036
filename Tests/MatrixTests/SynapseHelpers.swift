import Foundation
import Matrix
import MatrixTestSupport
import Testing

/// Shared steps of the suites against the real Synapse. Every wait has a deadline.
enum SynapseSteps {
    static func client(_ synapse: Synapse, _ user: MatrixTestUser) -> MatrixClient {
        MatrixClient(homeserver: synapse.url, accessToken: user.accessToken)
    }

    /// A private room made by `creator`, with `member` invited and joined. Returns its id.
    static func room(_ creator: MatrixClient, with member: MatrixClient, memberID: String) async throws -> String {
        let roomID = try await creator.createRoom(["preset": "private_chat", "invite": [.string(memberID)]])
        let joined = try await member.join(roomID)
        #expect(joined == roomID)
        return roomID
    }

    /// Syncs from `since` (short polls) until `predicate` holds for a batch; returns that batch.
    /// Fails the test after `deadline`.
    static func syncUntil(_ client: MatrixClient, ownUserID: String, since: String?, within deadline: Duration = .seconds(30),
                          _ predicate: (SyncBatch) -> Bool) async throws -> SyncBatch {
        let end = ContinuousClock.now + deadline
        var since = since
        while ContinuousClock.now < end {
            let batch = try await client.sync(since: since, timeout: .seconds(2), ownUserID: ownUserID)
            if predicate(batch) { return batch }
            since = batch.nextBatch
        }
        Issue.record("no sync batch matched within \(deadline)")
        throw CancellationError()
    }

    /// The room's `m.room.message` events (newest first) as Synapse stores them, read with
    /// `/messages` (up to 200: enough for these tests, which send a few).
    static func messageEvents(_ client: MatrixClient, roomID: String) async throws -> [MatrixJSON] {
        var events: [MatrixJSON] = []
        var from: String?
        for _ in 0..<2 {
            let page = try await client.messages(roomID: roomID, from: from, limit: 100)
            events += page.events.filter { $0["type"] == "m.room.message" }
            guard let end = page.end, !page.events.isEmpty else { break }
            from = end
        }
        return events
    }

    /// A valid 2×1 PNG (so Synapse's thumbnailer has a real image), plus a tail of random bytes
    /// after IEND so each test's upload differs.
    static func png() -> Data {
        var bytes = Data(base64Encoded: "iVBORw0KGgoAAAANSUhEUgAAAAIAAAABCAYAAAD0In+KAAAADklEQVR4nGP4z8AAQv8BD/kD/YURmXYAAAAASUVORK5CYII=")!
        bytes.append(contentsOf: (0..<32).map { _ in UInt8.random(in: 0...255) })
        return bytes
    }
}
