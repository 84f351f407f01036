import Bridge
import Foundation
import Testing

/// The ownership decisions exactly, with a hand-moved clock (takeover 10 s: attempts every 2 s,
/// pings every 1 s, fence 5 s).
@Suite struct OwnershipMachineTests {
    let t0 = Date(timeIntervalSinceReferenceDate: 1_000_000)
    func at(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }
    static let three = ["libera", "oftc", "synapse"]

    func machine(_ names: [String] = three, maxHeld: Int = 0) -> OwnershipMachine {
        OwnershipMachine(names: names, maxHeld: maxHeld, timing: .init(takeoverSeconds: 10), now: t0)
    }

    /// Session opened at 0, pings answered at 0 and 1 (with `peers` live processes); at 2 the
    /// settle time is over: the returned actions are those of the tick at 2.
    func opened(_ names: [String] = three, maxHeld: Int = 0, peers: Int = 1) -> (OwnershipMachine, [OwnershipMachine.Action]) {
        var m = machine(names, maxHeld: maxHeld)
        _ = m.handle(.tick, now: t0)
        _ = m.handle(.sessionOpened, now: t0)
        _ = m.handle(.pingAnswered(sentAt: t0, peers: peers), now: t0)
        _ = m.handle(.tick, now: at(1))
        _ = m.handle(.pingAnswered(sentAt: at(1), peers: peers), now: at(1))
        let actions = m.handle(.tick, now: at(2))
        return (m, actions)
    }

    @Test func timingFollowsTheTakeoverDelay() {
        let timing = OwnershipMachine.Timing(takeoverSeconds: 10)
        #expect(timing == .init(attemptInterval: 2, pingInterval: 1, fenceWindow: 5))
        // Short delays keep a floor on attempts and a ceiling on pings.
        #expect(OwnershipMachine.Timing(takeoverSeconds: 2) == .init(attemptInterval: 0.5, pingInterval: 0.2, fenceWindow: 1))
        #expect(OwnershipMachine.Timing(takeoverSeconds: 60).pingInterval == 1)
    }

    @Test func opensTheSessionWaitsToSettleThenTriesTheNetworksInOrder() {
        var m = machine()
        #expect(m.handle(.tick, now: t0) == [.openSession])
        #expect(m.handle(.tick, now: at(0.125)) == [], "opening: nothing else")
        // No attempt before the first ping's count and one attempt interval.
        #expect(m.handle(.sessionOpened, now: at(0.25)) == [.ping(held: [])])
        #expect(m.handle(.pingAnswered(sentAt: at(0.25), peers: 1), now: at(0.5)) == [])
        #expect(m.handle(.tick, now: at(1.25)) == [.ping(held: [])])
        #expect(m.handle(.pingAnswered(sentAt: at(1.25), peers: 1), now: at(1.5)) == [])
        #expect(m.handle(.tick, now: at(2.0)) == [])
        #expect(m.handle(.tick, now: at(2.25)) == [.ping(held: []), .tryAcquire("libera")])
        #expect(m.handle(.acquired("libera"), now: at(2.3)) == [.startTransport("libera"), .tryAcquire("oftc")])
        #expect(m.handle(.refused("oftc"), now: at(2.4)) == [.tryAcquire("synapse")])
        #expect(m.handle(.acquired("synapse"), now: at(2.5)) == [.startTransport("synapse")])
        #expect(m.held == ["libera", "synapse"])
        // The round is over: the next one 2 s later (4.5), for what is still not held.
        #expect(m.handle(.pingAnswered(sentAt: at(2.25), peers: 1), now: at(2.625)) == [])
        #expect(m.handle(.tick, now: at(3.25)) == [.ping(held: ["libera", "synapse"])])
        #expect(m.handle(.pingAnswered(sentAt: at(3.25), peers: 1), now: at(3.5)) == [])
        #expect(m.handle(.tick, now: at(4.0)) == [])
        #expect(m.handle(.tick, now: at(4.5)) == [.ping(held: ["libera", "synapse"]), .tryAcquire("oftc")])
    }

    @Test func takesItsShareOfTheLiveProcesses() {
        // Three networks, three live processes: one each.
        var (m, actions) = opened(peers: 3)
        #expect(m.share == 1)
        #expect(actions == [.ping(held: []), .tryAcquire("libera")])
        #expect(m.handle(.refused("libera"), now: at(2.1)) == [.tryAcquire("oftc")])
        #expect(m.handle(.acquired("oftc"), now: at(2.2)) == [.startTransport("oftc")], "its share: no more attempts")
        _ = m.handle(.pingAnswered(sentAt: at(2), peers: 3), now: at(2.3))
        #expect(m.handle(.tick, now: at(5)) == [.ping(held: ["oftc"])])
        // A peer stopped: two live, a share of two, the orphan is tried at the next round.
        _ = m.handle(.pingAnswered(sentAt: at(5), peers: 2), now: at(5.1))
        #expect(m.share == 2)
        #expect(m.handle(.tick, now: at(5.2)) == [.tryAcquire("libera")])
        #expect(m.handle(.acquired("libera"), now: at(5.3)) == [.startTransport("libera")])
        #expect(m.held == ["oftc", "libera"])
    }

    @Test func maxHeldCapsTheShare() {
        var (m, actions) = opened(maxHeld: 1, peers: 1)
        #expect(m.share == 1)
        #expect(actions == [.ping(held: []), .tryAcquire("libera")])
        #expect(m.handle(.acquired("libera"), now: at(2.1)) == [.startTransport("libera")])
        for second in stride(from: 3.0, through: 8.0, by: 1.0) {
            _ = m.handle(.pingAnswered(sentAt: at(second - 1), peers: 1), now: at(second - 0.5))
            #expect(m.handle(.tick, now: at(second)) == [.ping(held: ["libera"])])
        }
    }

    @Test func overItsShareItHandsOneNetworkOverPerInterval() {
        var (m, _) = opened(peers: 1)
        _ = m.handle(.acquired("libera"), now: at(2.1))
        _ = m.handle(.acquired("oftc"), now: at(2.2))
        _ = m.handle(.acquired("synapse"), now: at(2.3))
        #expect(m.held == Self.three)
        // Two more processes started: a share of one; the last taken goes first, QUIT then release.
        _ = m.handle(.pingAnswered(sentAt: at(2), peers: 3), now: at(2.4))
        #expect(m.handle(.tick, now: at(2.5)) == [.stopTransport("synapse"), .release("synapse")])
        #expect(m.handle(.tick, now: at(3.0)) == [.ping(held: ["libera", "oftc"])])
        _ = m.handle(.pingAnswered(sentAt: at(3), peers: 3), now: at(3.1))
        #expect(m.handle(.tick, now: at(4.4)) == [.ping(held: ["libera", "oftc"])])
        #expect(m.handle(.tick, now: at(4.5)) == [.stopTransport("oftc"), .release("oftc")])
        _ = m.handle(.pingAnswered(sentAt: at(4.4), peers: 3), now: at(4.6))
        #expect(m.handle(.tick, now: at(7)) == [.ping(held: ["libera"])], "at its share: neither hands over nor tries")
    }

    @Test func theFenceClosesFiveSecondsAfterTheLastAnsweredPingWasSent() {
        var (m, _) = opened(["libera"])
        _ = m.handle(.acquired("libera"), now: at(2.1))
        _ = m.handle(.pingAnswered(sentAt: at(2), peers: 1), now: at(2.1))
        #expect(m.handle(.tick, now: at(3)) == [.ping(held: ["libera"])])
        // This ping's answer arrives late: what counts is when it was sent (t = 3).
        _ = m.handle(.pingAnswered(sentAt: at(3), peers: 1), now: at(5))
        #expect(m.mayDeliver("libera", now: at(7.9)))
        #expect(!m.mayDeliver("oftc", now: at(7.9)), "not held")
        #expect(!m.mayDeliver("libera", now: at(8.0)))
        // A ping is in flight and never answered (the database is cut off): the tick at the
        // fence stops the transport at once and drops the session.
        #expect(m.handle(.tick, now: at(5)) == [.ping(held: ["libera"])])
        #expect(m.handle(.tick, now: at(7.9)) == [])
        #expect(m.handle(.tick, now: at(8.0)) == [.stopTransport("libera"), .closeSession])
        #expect(m.held.isEmpty)
        #expect(!m.mayDeliver("libera", now: at(8.0)))
        // A new session after the attempt interval; it stands by like a fresh process.
        #expect(m.handle(.tick, now: at(9.9)) == [])
        #expect(m.handle(.tick, now: at(10.0)) == [.openSession])
        #expect(m.handle(.sessionOpened, now: at(10.0)) == [.ping(held: [])])
    }

    @Test func aLostSessionStopsEveryHeldTransport() {
        var (m, _) = opened()
        _ = m.handle(.acquired("libera"), now: at(2.1))
        _ = m.handle(.acquired("oftc"), now: at(2.2))
        _ = m.handle(.refused("synapse"), now: at(2.3))
        #expect(m.handle(.sessionLost, now: at(2.5)) == [.stopTransport("libera"), .stopTransport("oftc"), .closeSession])
        #expect(!m.mayDeliver("libera", now: at(2.5)))
        // Twice is once.
        #expect(m.handle(.sessionLost, now: at(2.6)) == [])
        #expect(m.handle(.tick, now: at(4.5)) == [.openSession])
        // The open failed (database down): retried after the attempt interval.
        #expect(m.handle(.sessionFailed, now: at(4.5)) == [])
        #expect(m.handle(.tick, now: at(6.4)) == [])
        #expect(m.handle(.tick, now: at(6.5)) == [.openSession])
    }

    /// The database refused a claim of a network the process holds: the machine checks its
    /// session (once at a time); the lock not there, it drops the session like a lost one,
    /// every held transport stopped, so a standby can take over instead of "held here" forever.
    @Test func aRefusedClaimWhoseLockIsGoneDropsTheSession() {
        var (m, _) = opened()
        _ = m.handle(.acquired("libera"), now: at(2.1))
        _ = m.handle(.acquired("oftc"), now: at(2.2))
        _ = m.handle(.refused("synapse"), now: at(2.3))
        #expect(m.handle(.claimRefused("libera"), now: at(2.5)) == [.verifyHold("libera")])
        // The worker says it again while the check runs: one check.
        #expect(m.handle(.claimRefused("libera"), now: at(2.6)) == [])
        // A network not held here (handed over meanwhile): nothing to check.
        #expect(m.handle(.claimRefused("synapse"), now: at(2.6)) == [])
        #expect(m.handle(.holdVerified("libera", held: false), now: at(2.7))
                == [.stopTransport("libera"), .stopTransport("oftc"), .closeSession])
        #expect(m.held.isEmpty)
        #expect(!m.mayDeliver("libera", now: at(2.7)) && !m.mayDeliver("oftc", now: at(2.7)))
        // A fresh session later, as after any loss.
        #expect(m.handle(.tick, now: at(4.7)) == [.openSession])
    }

    /// The session shows the lock held, yet claims are refused (the pool and the session reach
    /// different servers): tolerated `maxRefusedClaims - 1` times, then the session is dropped
    /// too. A check answered for a dropped session changes nothing.
    @Test func claimsRefusedWhileTheLockIsHeldDropTheSessionAfterAFew() {
        var (m, _) = opened(["libera"])
        _ = m.handle(.acquired("libera"), now: at(2.1))
        for n in 1..<OwnershipMachine.maxRefusedClaims {
            #expect(m.handle(.claimRefused("libera"), now: at(2 + Double(n))) == [.verifyHold("libera")])
            #expect(m.handle(.holdVerified("libera", held: true), now: at(2.1 + Double(n))) == [])
            _ = m.handle(.pingAnswered(sentAt: at(2 + Double(n)), peers: 1), now: at(2.1 + Double(n)))
            #expect(m.held == ["libera"])
        }
        let last = 2 + Double(OwnershipMachine.maxRefusedClaims)
        #expect(m.handle(.claimRefused("libera"), now: at(last)) == [.verifyHold("libera")])
        #expect(m.handle(.holdVerified("libera", held: true), now: at(last + 0.1)) == [.stopTransport("libera"), .closeSession])
        #expect(m.held.isEmpty)
        #expect(m.handle(.holdVerified("libera", held: false), now: at(last + 0.2)) == [])
        #expect(m.handle(.claimRefused("libera"), now: at(last + 0.2)) == [])
    }

    @Test func lateAnswersAreIgnored() {
        var (m, actions) = opened(["libera", "oftc"])
        #expect(actions == [.ping(held: []), .tryAcquire("libera")])
        // Not the network being tried.
        #expect(m.handle(.acquired("oftc"), now: at(2.1)) == [])
        _ = m.handle(.sessionLost, now: at(2.2))
        // The lock answer and the ping answer of the dropped session.
        #expect(m.handle(.acquired("libera"), now: at(2.3)) == [])
        #expect(m.held.isEmpty)
        #expect(m.handle(.pingAnswered(sentAt: at(2.3), peers: 1), now: at(2.4)) == [])
    }

    @Test func stoppingQuitsThenReleasesThenCloses() {
        var (m, _) = opened()
        _ = m.handle(.acquired("libera"), now: at(2.1))
        _ = m.handle(.acquired("oftc"), now: at(2.2))
        #expect(m.handle(.stop, now: at(3)) == [.stopTransport("libera"), .stopTransport("oftc"),
                                                .release("libera"), .release("oftc"), .closeSession])
        #expect(m.isStopped)
        #expect(m.handle(.tick, now: at(10)) == [])
        #expect(m.handle(.acquired("synapse"), now: at(10)) == [])
    }

    @Test func aStandbyTriesEveryRoundAndTakesOverWhenTheLockIsFree() {
        var (m, actions) = opened(["libera"], peers: 2)
        #expect(actions == [.ping(held: []), .tryAcquire("libera")])
        #expect(m.handle(.refused("libera"), now: at(2.1)) == [])
        _ = m.handle(.pingAnswered(sentAt: at(2), peers: 2), now: at(2.2))
        #expect(m.handle(.tick, now: at(3.0)) == [.ping(held: [])])
        _ = m.handle(.pingAnswered(sentAt: at(3), peers: 2), now: at(3.1))
        #expect(m.handle(.tick, now: at(4.0)) == [.ping(held: [])])
        _ = m.handle(.pingAnswered(sentAt: at(4), peers: 1), now: at(4.05))
        #expect(m.handle(.tick, now: at(4.2)) == [.tryAcquire("libera")])
        #expect(m.handle(.acquired("libera"), now: at(4.3)) == [.startTransport("libera")])
    }
}
