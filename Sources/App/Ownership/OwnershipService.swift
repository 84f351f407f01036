import Bridge
import Foundation
import Logging
import PostgresStore
import ServiceLifecycle
import Store

/// The I/O shell of `OwnershipMachine`: one process's hold on its networks through advisory
/// locks on a dedicated PostgreSQL session (`PostgresOwnershipSession`). It ticks the machine a
/// few times a second, runs its actions (session, locks, pings off the tick, so a stuck query
/// never stalls the fence), starts and stops the transports, and answers the bridge's
/// `NetworkHolding` questions (what this process holds, whether a line may go out now).
actor OwnershipService: NetworkHolding, Service {
    private var machine: OwnershipMachine
    private let store: PostgresStore
    private let transports: OwnedTransports
    private let configuration: PostgresStoreConfiguration
    private let silenceLimit: Duration
    private let identity: (processId: String, host: String, pid: Int, startedAt: Date)
    /// Monotonic time as a `Date` (a wall-clock jump must not stretch or shrink the fence).
    private let now: @Sendable () -> Date
    private let logger: Logger
    private var session: PostgresOwnershipSession?
    private var listener: Task<Void, Never>?
    /// Wakes the delivery worker of a held network (a NOTIFY from another process).
    private var wake: (@Sendable (String) async -> Void)?

    init(names: [String], settings: StoreSettings, configuration: PostgresStoreConfiguration, store: PostgresStore,
         transports: OwnedTransports, logger: Logger) {
        let origin = ContinuousClock.now
        let now: @Sendable () -> Date = {
            let elapsed = origin.duration(to: .now).components
            return Date(timeIntervalSinceReferenceDate: Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18)
        }
        self.now = now
        machine = OwnershipMachine(names: names, maxHeld: settings.maxNetworksPerProcess,
                                   timing: .init(takeoverSeconds: settings.takeoverSeconds), now: now())
        self.store = store
        self.transports = transports
        self.configuration = configuration
        silenceLimit = .milliseconds(Int64(settings.takeoverSeconds * 1000))
        let host = ProcessInfo.processInfo.hostName
        let pid = Int(ProcessInfo.processInfo.processIdentifier)
        identity = ("\(host):\(pid):\(CallbackSecret.generate().prefix(8))", host, pid, Date())
        self.logger = logger
    }

    func attach(wake: @escaping @Sendable (String) async -> Void) {
        self.wake = wake
    }

    var processId: String { identity.processId }

    // MARK: NetworkHolding

    func holds(_ network: String) -> Bool {
        machine.held.contains(network)
    }

    func mayDeliver(_ network: String) -> Bool {
        machine.mayDeliver(network, now: now())
    }

    /// The lock session in use, if this process holds `network` on it. The database decides
    /// whether that session really holds it when the lines are claimed.
    func claimant(for network: String) -> OutboxClaimant? {
        guard machine.held.contains(network), let session, !session.isClosed else { return nil }
        return session.claimant(for: network)
    }

    func claimRefused(_ network: String) async {
        await handle(.claimRefused(network))
    }

    func wakeHolder(of network: String) async {
        do {
            try await store.wakeHolder(of: network)
        } catch {
            // Its holder polls its outbox on its own schedule (every wake of its worker).
            logger.warning("cannot wake the holder of a network", metadata: ["network": "\(network)", "error": "\(error)"])
        }
    }

    func report() async -> String {
        let mine = machine.held
        var text = mine.isEmpty ? "this process holds nothing (standing by)" : "this process holds \(mine.joined(separator: ", "))"
        if let holdings = try? await store.processHoldings() {
            let others = holdings.filter { $0.processId != identity.processId }
            let shown = others.prefix(5).map { holding in
                let held = holding.networks.isEmpty ? "standing by" : holding.networks.joined(separator: ", ")
                let silent = holding.silentSeconds > 3 * silenceLimitSeconds ? ", silent \(Int(holding.silentSeconds)) s" : ""
                return "\(holding.host) pid \(holding.pid): \(held)\(silent)"
            }
            if !shown.isEmpty { text += "; others: " + shown.joined(separator: "; ") }
        }
        return text
    }

    private var silenceLimitSeconds: Double { Double(silenceLimit.components.seconds) }

    /// Who holds what, for `/health`: network → "held here", "held by host pid N" or "no holder".
    func holders() async -> [String: String] {
        var answer: [String: String] = [:]
        let holdings = (try? await store.processHoldings()) ?? []
        for name in machine.names {
            if machine.held.contains(name) {
                answer[name] = "held here"
            } else if let other = holdings.first(where: {
                $0.processId != identity.processId && $0.networks.contains(name) && $0.silentSeconds <= silenceLimitSeconds
            }) {
                answer[name] = "standby (held by \(other.host) pid \(other.pid))"
            } else {
                answer[name] = "standby (no holder)"
            }
        }
        return answer
    }

    // MARK: The loop

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await self.handle(.tick)
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
        await handle(.stop)
    }

    private func handle(_ event: OwnershipMachine.Event) async {
        let actions = machine.handle(event, now: now())
        for action in actions { await execute(action) }
    }

    /// Reports an event only if it is about the session in use (a late answer from a
    /// dropped session must not confirm the new one).
    private func report(_ event: OwnershipMachine.Event, from reporting: PostgresOwnershipSession) async {
        guard session === reporting else { return }
        await handle(event)
    }

    private func execute(_ action: OwnershipMachine.Action) async {
        switch action {
        case .openSession:
            Task { await self.openSession() }
        case .closeSession:
            listener?.cancel()
            listener = nil
            if let closing = session {
                session = nil
                if machine.isStopped {
                    // A clean stop: the row goes and the locks are released before the process ends.
                    await closing.close(removingRow: true)
                } else {
                    // Lost: closing may hang on a dead link; the server ends the session anyway.
                    Task { await closing.close(removingRow: false) }
                }
            }
        case .ping(let held):
            guard let session else { return }
            let sentAt = now()
            Task {
                do {
                    let peers = try await session.ping(held: held)
                    await self.report(.pingAnswered(sentAt: sentAt, peers: peers), from: session)
                } catch {
                    await self.sessionBroke(session, error)
                }
            }
        case .tryAcquire(let name):
            guard let session else { return }
            Task {
                do {
                    let won = try await session.tryLock(name)
                    if won { self.logger.notice("holding a network", metadata: ["network": "\(name)"]) }
                    await self.report(won ? .acquired(name) : .refused(name), from: session)
                } catch {
                    await self.sessionBroke(session, error)
                }
            }
        case .verifyHold(let name):
            guard let session else { return }
            Task {
                do {
                    let held = try await session.holdsLock(name)
                    if !held {
                        self.logger.error("""
                            the database does not show this process's lock session holding a network it believes it \
                            holds (was the lock released behind its back, or is a pooler in transaction mode between the \
                            bot and PostgreSQL?): dropping the session
                            """, metadata: ["network": "\(name)"])
                    } else {
                        self.logger.error("""
                            the database refused a claim of a network this process's lock session holds (do the pool \
                            and the lock session reach different servers?)
                            """, metadata: ["network": "\(name)"])
                    }
                    await self.report(.holdVerified(name, held: held), from: session)
                } catch {
                    await self.sessionBroke(session, error)
                }
            }
        case .release(let name):
            // After the transport stopped (actions come in that order): the next holder finds
            // the network quiet.
            try? await session?.unlock(name)
        case .startTransport(let name):
            await transports.start(name)
            await wake?(name)
        case .stopTransport(let name):
            logger.warning("no longer holding a network: stopping it", metadata: ["network": "\(name)"])
            await transports.stop(name, quitMessage: machine.isStopped ? "mjbridge shutting down" : "mjbridge handing over")
        }
    }

    private func openSession() async {
        do {
            let opened = try await PostgresOwnershipSession.open(
                configuration, processId: identity.processId, host: identity.host, pid: identity.pid,
                startedAt: identity.startedAt, silenceLimit: silenceLimit, logger: logger)
            guard !machine.isStopped else {
                await opened.close(removingRow: true)
                return
            }
            session = opened
            let wake = self.wake
            listener = Task {
                do {
                    try await opened.listen { network in
                        // Only a network held here has a worker that may send.
                        guard await self.holds(network) else { return }
                        await wake?(network)
                    }
                } catch {
                    await self.sessionBroke(opened, error)
                }
            }
            await handle(.sessionOpened)
        } catch {
            logger.warning("cannot open the ownership session; retrying", metadata: ["error": "\(PostgresStore.readableReason(error))"])
            await handle(.sessionFailed)
        }
    }

    private func sessionBroke(_ broken: PostgresOwnershipSession, _ error: any Error) async {
        guard session === broken, !(error is CancellationError) else { return }
        logger.error("the ownership session broke", metadata: ["error": "\(PostgresStore.readableReason(error))"])
        await handle(.sessionLost)
    }
}
