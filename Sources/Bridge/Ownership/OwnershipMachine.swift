import Foundation

/// The decisions of one process about holding networks (IRC networks and Matrix accounts, by
/// name) when several processes share a database: when to open the lock session, which network
/// to try next, when a hold can no longer be trusted. A value that consumes events and returns
/// actions; the shell (`OwnershipService` in App) runs the actions against PostgreSQL and the
/// transports and reports what came of them.
///
/// The rules:
/// - A network is held through an advisory lock on the process's own database session. Locks
///   are the truth: the server gives each to one session, and releases them all when that
///   session ends (the process died, or the server ended a session silent for too long).
/// - Standing by, the process tries the networks it does not hold every `attemptInterval`, in
///   configuration order, up to its share: N networks over P live processes (those whose lock
///   session exists, counted at every ping) is ⌈N / P⌉ each, and never more than `maxHeld`
///   (0: no limit of its own). A process over its share (a peer started later) hands one
///   network over per `attemptInterval` (stop, release) for a process under its share to take.
///   A fresh session waits one `attemptInterval` and its first ping's count before its first
///   try, so processes started together spread instead of the first taking everything.
/// - The session is pinged every `pingInterval`. A hold is trusted for `fenceWindow` after the
///   last ping that was answered was *sent*: past it (the database unreachable, the session
///   stuck) the process stops every transport it holds at once and drops the session, so it
///   does not speak on a network a standby may take over after the server's silence limit.
/// - Losing the session stops every held transport; the machine then opens a new session and
///   stands by like a fresh process.
/// - A claim of outbox lines the database refused although the process holds the network (the
///   server's lock table does not show its session holding the lock) is checked on the session
///   itself. Not held there (the lock was released behind its back, or a pooler in transaction
///   mode runs its statements on other server processes): the session cannot be trusted, and
///   it is dropped like a lost one, so the process stops speaking and a standby can take over.
///   Held there although claims keep being refused (the pool and the session reach different
///   servers): after `maxRefusedClaims` such checks the session is dropped too, instead of
///   holding a network it cannot deliver forever.
public struct OwnershipMachine: Sendable {
    public struct Timing: Sendable, Equatable {
        public var attemptInterval: TimeInterval
        public var pingInterval: TimeInterval
        public var fenceWindow: TimeInterval

        public init(attemptInterval: TimeInterval, pingInterval: TimeInterval, fenceWindow: TimeInterval) {
            self.attemptInterval = attemptInterval
            self.pingInterval = pingInterval
            self.fenceWindow = fenceWindow
        }

        /// From `[store] takeover_seconds` T, which is also the server's silence limit for the
        /// lock session (`idle_session_timeout`): a standby tries every T/5 (at least 0.5 s),
        /// the session is pinged every T/10 (at most 1 s), and a hold is trusted for T/2 after
        /// a ping was sent. The fence (T/2) is well inside the server's limit (T), so a holder
        /// cut off from the database stops sending before its locks can be released.
        public init(takeoverSeconds t: TimeInterval) {
            self.init(attemptInterval: max(0.5, t / 5), pingInterval: min(1, t / 10), fenceWindow: t / 2)
        }
    }

    public enum Action: Sendable, Equatable {
        /// Connect the dedicated lock session; report `.sessionOpened` or `.sessionFailed`.
        case openSession
        /// Close it (any locks it still has are released by the server).
        case closeSession
        /// Ask the session something (and record which networks are held, for `!pending` and
        /// `/health`); report `.pingAnswered(sentAt:peers:)` with the time it was sent and the
        /// number of live processes (this one included), or `.sessionLost`.
        case ping(held: [String])
        /// `pg_try_advisory_lock` for this network; report `.acquired` or `.refused`.
        case tryAcquire(String)
        case release(String)
        /// Connect, join, deliver what the outbox owes.
        case startTransport(String)
        /// At once: QUIT without waiting for queued lines (they stay owed in the database).
        case stopTransport(String)
        /// Ask the session whether the server shows it holding this network's lock; report
        /// `.holdVerified(_:held:)`, or `.sessionLost`.
        case verifyHold(String)
    }

    public enum Event: Sendable, Equatable {
        /// Time passed (the shell ticks a few times per second).
        case tick
        case sessionOpened
        case sessionFailed
        /// The session broke (a query failed, the connection closed).
        case sessionLost
        case pingAnswered(sentAt: Date, peers: Int)
        case acquired(String)
        case refused(String)
        /// The database refused to claim this network's outbox lines for this process's session
        /// (its delivery worker says so), although the process holds the network.
        case claimRefused(String)
        /// The answer to `.verifyHold`.
        case holdVerified(String, held: Bool)
        /// Graceful shutdown: stop the transports, release the locks, close.
        case stop
    }

    enum Session: Sendable, Equatable {
        /// None; the next attempt to open one at this date.
        case closed(retryAt: Date)
        case opening
        /// `confirmedAt`: when the last answered ping was sent. `pingSentAt`: the ping in flight.
        case open(confirmedAt: Date, pingSentAt: Date?)
    }

    public let names: [String]
    public let maxHeld: Int
    public let timing: Timing
    /// Refused claims of a network the session still showed holding, before the session is
    /// dropped anyway.
    public static let maxRefusedClaims = 3
    /// In the order they were acquired.
    public private(set) var held: [String] = []
    var session: Session
    /// The networks still to try in this round of attempts, and the one being tried.
    private var candidates: [String] = []
    private var trying: String?
    private var nextRound: Date
    private var lastPingSent: Date?
    /// Live processes as of the last answered ping (nil: none answered on this session yet).
    private var peers: Int?
    /// No attempt before this (a fresh session lets peers started together show up).
    private var settleUntil: Date
    private var nextRelease: Date
    /// Networks whose hold is being verified after a refused claim (one check at a time).
    private var verifying: Set<String> = []
    /// Per network: refused claims whose check found the hold in place, on this session.
    private var refusedWhileHeld: [String: Int] = [:]
    public private(set) var isStopped = false

    public init(names: [String], maxHeld: Int, timing: Timing, now: Date) {
        self.names = names
        self.maxHeld = maxHeld
        self.timing = timing
        session = .closed(retryAt: now)
        nextRound = now
        settleUntil = now
        nextRelease = now
    }

    /// How many networks this process should hold now: its share of the live processes, at
    /// most `maxHeld`.
    public var share: Int {
        let live = max(1, peers ?? 1)
        let fair = (names.count + live - 1) / live
        return maxHeld == 0 ? fair : min(maxHeld, fair)
    }

    /// Whether a line may go out on `name` now: held, and the last answered ping was sent
    /// less than `fenceWindow` ago.
    public func mayDeliver(_ name: String, now: Date) -> Bool {
        guard held.contains(name), case .open(let confirmedAt, _) = session else { return false }
        return now.timeIntervalSince(confirmedAt) < timing.fenceWindow
    }

    private var hasRoom: Bool { held.count < share }

    public mutating func handle(_ event: Event, now: Date) -> [Action] {
        guard !isStopped else { return [] }
        switch event {
        case .tick:
            return tick(now)
        case .sessionOpened:
            guard session == .opening else { return [] }
            session = .open(confirmedAt: now, pingSentAt: nil)
            settleUntil = now.addingTimeInterval(timing.attemptInterval)
            nextRound = settleUntil
            peers = nil
            candidates = []
            trying = nil
            verifying = []
            refusedWhileHeld = [:]
            return tick(now)
        case .sessionFailed:
            guard session == .opening else { return [] }
            session = .closed(retryAt: now.addingTimeInterval(timing.attemptInterval))
            return []
        case .sessionLost:
            guard case .open = session else { return [] }
            return lose(now)
        case .pingAnswered(let sentAt, let count):
            guard case .open(let confirmedAt, _) = session else { return [] }
            session = .open(confirmedAt: max(confirmedAt, sentAt), pingSentAt: nil)
            peers = count
            return []
        case .acquired(let name):
            guard case .open = session, trying == name else { return [] }
            trying = nil
            held.append(name)
            return [.startTransport(name)] + nextAttempt(now)
        case .refused(let name):
            guard case .open = session, trying == name else { return [] }
            trying = nil
            return nextAttempt(now)
        case .claimRefused(let name):
            guard case .open = session, held.contains(name), !verifying.contains(name) else { return [] }
            verifying.insert(name)
            return [.verifyHold(name)]
        case .holdVerified(let name, let isHeld):
            guard case .open = session, verifying.remove(name) != nil, held.contains(name) else { return [] }
            guard isHeld else { return lose(now) }
            refusedWhileHeld[name, default: 0] += 1
            return refusedWhileHeld[name, default: 0] >= Self.maxRefusedClaims ? lose(now) : []
        case .stop:
            isStopped = true
            let stopping = held
            held = []
            var actions = stopping.map(Action.stopTransport) + stopping.map(Action.release)
            if case .closed = session {} else { actions.append(.closeSession) }
            session = .closed(retryAt: .distantFuture)
            return actions
        }
    }

    private mutating func tick(_ now: Date) -> [Action] {
        switch session {
        case .closed(let retryAt):
            guard now >= retryAt else { return [] }
            session = .opening
            return [.openSession]
        case .opening:
            return []
        case .open(let confirmedAt, let pingSentAt):
            // The fence: no answer for too long means this process may no longer be the holder
            // the server believes in; stop before a standby can take over.
            if now.timeIntervalSince(confirmedAt) >= timing.fenceWindow { return lose(now) }
            var actions: [Action] = []
            if pingSentAt == nil, lastPingSent.map({ now.timeIntervalSince($0) >= timing.pingInterval }) ?? true {
                session = .open(confirmedAt: confirmedAt, pingSentAt: now)
                lastPingSent = now
                actions.append(.ping(held: held))
            }
            guard peers != nil, now >= settleUntil, trying == nil, candidates.isEmpty else { return actions }
            if held.count > share {
                // Over its share (more processes now): hand the last one taken over, one at a
                // time, QUIT before the release.
                guard now >= nextRelease, let last = held.popLast() else { return actions }
                nextRelease = now.addingTimeInterval(timing.attemptInterval)
                nextRound = now.addingTimeInterval(timing.attemptInterval)
                return actions + [.stopTransport(last), .release(last)]
            }
            if now >= nextRound, hasRoom {
                candidates = names.filter { !held.contains($0) }
                actions += nextAttempt(now)
            }
            return actions
        }
    }

    /// The next network of this round, or the round ends (the next one `attemptInterval` later).
    private mutating func nextAttempt(_ now: Date) -> [Action] {
        guard hasRoom, !candidates.isEmpty else {
            candidates = []
            nextRound = now.addingTimeInterval(timing.attemptInterval)
            return []
        }
        let name = candidates.removeFirst()
        trying = name
        return [.tryAcquire(name)]
    }

    /// Every held transport stops at once; the session is dropped and opened again later.
    private mutating func lose(_ now: Date) -> [Action] {
        let lost = held
        held = []
        candidates = []
        trying = nil
        lastPingSent = nil
        peers = nil
        verifying = []
        refusedWhileHeld = [:]
        session = .closed(retryAt: now.addingTimeInterval(timing.attemptInterval))
        return lost.map(Action.stopTransport) + [.closeSession]
    }
}
