import IRC
import NIOCore

/// Per-connection I/O state. Owned by the `IRCConnection` actor and never handed out, so it
/// needs no synchronisation of its own. What the connection means on the network (nick,
/// channels, hostmask, 005) lives in the actor's `IRCSessionStateMachine`.
final class Session {
    let id: Int
    let channel: any Channel
    var registration: RegistrationStateMachine
    var watchdog: PingWatchdog<ContinuousClock.Instant>
    var flood: FloodControl
    var queue = OutgoingQueue()
    var capabilities: Set<String> = [] {
        didSet {
            accounts.capabilities = capabilities
            confirmations.mode = .init(capabilities: capabilities)
        }
    }
    /// Who is logged in to which services account, as far as the server told us.
    var accounts = AccountTracker()
    /// `lookUpAccount` callers waiting for an answer, by folded nick.
    var accountWaiters: [String: [Int]] = [:]
    var registeredAt: ContinuousClock.Instant?
    /// The port connected to (the configured one, or the TLS one STS named).
    var port = 0
    /// How this connection is secured, for what STS means on it.
    var transport: STSPolicy.Transport = .plain
    /// The STS duration this (verified TLS) server gave, to refresh the stored expiry at the end.
    var stsDuration: Int?
    var stsPreload = false
    var endReason: DisconnectReason?
    /// The session state machine's timers that run now, one per id; each removes itself when
    /// it fires and is removed when cancelled, so this never holds more than the machine's
    /// live timers.
    var timers: [SessionTimer: RunningTimer] = [:]
    let wakes: AsyncStream<Void>
    let wake: AsyncStream<Void>.Continuation
    /// Which chat lines the server passed on (echo-message, labels, PING barriers).
    var confirmations: SendConfirmations<ContinuousClock.Instant>
    /// Queued lines `confirmations` must hear about when they are written, by queue ticket.
    var outgoingRoles: [Int: OutgoingRole] = [:]
    /// `deliver` calls waiting for the server's answers, by delivery id.
    var deliveries: [Int: PendingDelivery] = [:]
    /// The delivery whose piece (and barrier) is out while more pieces follow: other chat
    /// lines wait until its next piece is queued (at the front) or it ends, so nothing comes
    /// between the pieces of one reply. Control lines still go.
    var chatHeldFor: Int?
    /// Queue tickets that start such a hold when written (a piece's last line), by ticket.
    var holdingTickets: [Int: Int] = [:]
    /// Wakes the confirmation watchdog when a piece is written while nothing waited.
    let confirmWakes: AsyncStream<Void>
    let confirmWake: AsyncStream<Void>.Continuation

    init(id: Int, channel: any Channel, registration: RegistrationStateMachine, configuration: IRCConnectionConfiguration, now: ContinuousClock.Instant) {
        self.id = id
        self.channel = channel
        self.registration = registration
        self.watchdog = PingWatchdog(idle: configuration.ping.idle, timeout: configuration.ping.timeout, now: now)
        self.flood = FloodControl(configuration.flood.control)
        (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        self.confirmations = SendConfirmations(mode: .barrier, timeout: configuration.confirmTimeout)
        (confirmWakes, confirmWake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }
}

/// One running session timer; `serial` tells its fire from that of a timer that replaced it.
struct RunningTimer {
    let serial: Int
    let task: Task<Void, Never>
}
