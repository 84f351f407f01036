import Foundation
import Store

/// The pure rules for open intents (submissions not known to have become tasks): a task the
/// proxy lists whose validly signed `state` names an open intent is adopted; an intent still
/// unmatched after the grace period is declared lost, and its user told. The grace period is
/// long enough for a callback to adopt it first.
public struct IntentReconciliation: Sendable {
    /// What the proxy's task list said.
    public enum Listing: Sendable {
        case tasks([TaskSnapshot])
        /// The proxy (or a gateway in front) has no task list: only callbacks can still help.
        case cannotList
        /// The proxy could not be asked now; a later round may do better.
        case failed
    }

    public struct Plan: Sendable {
        /// Listed tasks to adopt, each with the intent it came of.
        public var adopt: [(intentId: String, snapshot: TaskSnapshot)] = []
        public var lost: [IntentRecord] = []
    }

    /// Unmatched this long after it was written, an intent is lost.
    public var gracePeriod: TimeInterval
    /// While the proxy cannot be asked, intents are declared lost only after this long (the
    /// task deadline): an outage must not turn a job that is running into "lost".
    public var gracePeriodWithoutListing: TimeInterval

    public init(gracePeriod: TimeInterval, gracePeriodWithoutListing: TimeInterval) {
        self.gracePeriod = gracePeriod
        self.gracePeriodWithoutListing = max(gracePeriod, gracePeriodWithoutListing)
    }

    public func plan(open: [IntentRecord], listing: Listing, key: RouteStateKey?, now: Date) -> Plan {
        var plan = Plan()
        let openIds = Set(open.map(\.id))
        var matched = Set<String>()
        if case .tasks(let snapshots) = listing, let key {
            for snapshot in snapshots {
                guard case .valid(let signed) = SignedRouteState.verify(snapshot.state, with: key),
                      let intentId = signed.intent, openIds.contains(intentId) else { continue }
                plan.adopt.append((intentId, snapshot))
                matched.insert(intentId)
            }
        }
        let grace: TimeInterval
        switch listing {
        case .tasks, .cannotList: grace = gracePeriod
        case .failed: grace = gracePeriodWithoutListing
        }
        plan.lost = open.filter { !matched.contains($0.id) && now.timeIntervalSince($0.createdAt) >= grace }
        return plan
    }
}
