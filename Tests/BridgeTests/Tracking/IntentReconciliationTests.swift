import Foundation
import Store
import Testing
@testable import Bridge

/// The pure rules for open intents: adopt what the proxy lists under a valid signed state
/// naming an open intent, declare lost what is unmatched after the grace period.
@Suite struct IntentReconciliationTests {
    let key = RouteStateKey(callbackSecret: "0123456789abcdef0123456789abcdef")
    let route = TaskRoute(network: "net", channel: "#art", nick: "alice")
    let t0 = Date(timeIntervalSince1970: 1_748_339_000)
    let rules = IntentReconciliation(gracePeriod: 300, gracePeriodWithoutListing: 900)

    func intent(_ id: String, age: TimeInterval) -> IntentRecord {
        IntentRecord(id: id, route: route, kind: "imagine", prompt: "fox", createdAt: t0.addingTimeInterval(-age))
    }

    func task(_ id: String, intent: String?, signedWith key: RouteStateKey? = nil) -> TaskSnapshot {
        let state = SignedRouteState(route: route, intent: intent).encoded(with: key ?? self.key)
        return TaskSnapshot(id: id, status: "SUBMITTED", state: state)
    }

    @Test func aListedTaskNamingAnOpenIntentIsAdoptedWhateverItsAge() {
        let open = [intent("young", age: 5), intent("old", age: 1000)]
        let plan = rules.plan(open: open, listing: .tasks([task("1", intent: "old"), task("2", intent: "young"),
                                                           task("3", intent: "young")]), key: key, now: t0)
        #expect(plan.adopt.map(\.intentId) == ["old", "young", "young"])
        #expect(plan.adopt.map(\.snapshot.id) == ["1", "2", "3"])
        #expect(plan.lost.isEmpty)
    }

    @Test func onlyAValidSignatureNamingAnOpenIntentCounts() {
        let other = RouteStateKey(callbackSecret: "another-secret-another-secret-xx")
        let open = [intent("a", age: 400)]
        let listed = [task("1", intent: "a", signedWith: other), task("2", intent: nil), task("3", intent: "closed"),
                      TaskSnapshot(id: "4", status: "SUCCESS", state: "mjb2 net #art alice - a forged"),
                      TaskSnapshot(id: "5", status: "SUCCESS", state: nil)]
        let plan = rules.plan(open: open, listing: .tasks(listed), key: key, now: t0)
        #expect(plan.adopt.isEmpty)
        #expect(plan.lost.map(\.id) == ["a"])
        // Without a key nothing can be believed, so nothing is adopted from a list.
        #expect(rules.plan(open: open, listing: .tasks([task("1", intent: "a")]), key: nil, now: t0).adopt.isEmpty)
    }

    @Test func lostOnlyAfterTheGracePeriodAndLaterWhenTheProxyCannotBeAsked() {
        let open = [intent("a", age: 299), intent("b", age: 300), intent("c", age: 899), intent("d", age: 900)]
        #expect(rules.plan(open: open, listing: .cannotList, key: key, now: t0).lost.map(\.id) == ["b", "c", "d"])
        #expect(rules.plan(open: open, listing: .tasks([]), key: key, now: t0).lost.map(\.id) == ["b", "c", "d"])
        #expect(rules.plan(open: open, listing: .failed, key: key, now: t0).lost.map(\.id) == ["d"])
        #expect(IntentReconciliation(gracePeriod: 300, gracePeriodWithoutListing: 10).gracePeriodWithoutListing == 300)
    }
}
