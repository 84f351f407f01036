import Foundation
import Testing
@testable import ImageHosting

/// The planner with tiny limits and a fixed "now".
@Suite struct RetentionPlannerTests {
    let now = Date(timeIntervalSince1970: 2_000_000_000)
    let a = BlobDigest(of: [1]), b = BlobDigest(of: [2]), c = BlobDigest(of: [3]), d = BlobDigest(of: [4])

    func image(_ name: String, _ digest: BlobDigest, bytes: Int = 100, ageDays: Double, servedDaysAgo: Double? = nil) -> RetentionPlanner.Image {
        RetentionPlanner.Image(name: name, digest: digest, bytes: bytes, createdAt: now.addingTimeInterval(-ageDays * 86_400),
                               lastServedAt: servedDaysAgo.map { now.addingTimeInterval(-$0 * 86_400) })
    }

    @Test func oldImagesGoFirstThenLeastRecentlyServedWhileOverTheCap() {
        let planner = RetentionPlanner(retentionDays: 30, maxBytes: 250)
        let live = [
            image("old", a, ageDays: 31, servedDaysAgo: 0.1),      // expired, however recently served
            image("served-long-ago", b, ageDays: 10, servedDaysAgo: 9),
            image("never-served", c, ageDays: 5),                   // last use = created 5 days ago
            image("fresh", d, ageDays: 1, servedDaysAgo: 0.5),
        ]
        let plan = planner.plan(live: live, now: now)
        // 300 bytes kept after the expiry, cap 250: the least recently used one goes.
        #expect(plan.removals == [.init(name: "old", reason: .expired), .init(name: "served-long-ago", reason: .size)])
        #expect(Set(plan.blobsToDelete) == [a, b])
        #expect(plan.bytesAfter == 200)
        // Within both limits: nothing.
        #expect(RetentionPlanner(retentionDays: 30, maxBytes: 1_000).plan(live: Array(live.dropFirst()), now: now).isEmpty)
    }

    @Test func bytesCountPerBlobAndSharedBlobsStayWhileANameUsesThem() {
        // Two names for blob a (100 bytes once), one for b.
        let live = [image("a1", a, ageDays: 3), image("a2", a, ageDays: 2, servedDaysAgo: 0), image("b", b, ageDays: 1)]
        let fits = RetentionPlanner(retentionDays: 30, maxBytes: 200).plan(live: live, now: now)
        #expect(fits.isEmpty && fits.bytesAfter == 200)

        let plan = RetentionPlanner(retentionDays: 30, maxBytes: 150).plan(live: live, now: now)
        // a1 goes first (oldest use) but frees nothing: a2 still points at a; then b (used
        // 1 day ago) before a2 (served today).
        #expect(plan.removals.map(\.name) == ["a1", "b"])
        #expect(plan.blobsToDelete == [b])
        #expect(plan.bytesAfter == 100)
    }

    @Test func zeroRetentionDaysMeansNoAgeLimitAndTheCapCanEmptyTheStore() {
        let live = [image("ancient", a, ageDays: 4000), image("big", b, bytes: 500, ageDays: 0)]
        let plan = RetentionPlanner(retentionDays: 0, maxBytes: 50).plan(live: live, now: now)
        #expect(plan.removals.map(\.reason) == [.size, .size])
        #expect(plan.removals.map(\.name) == ["ancient", "big"])
        #expect(plan.bytesAfter == 0)
    }
}
