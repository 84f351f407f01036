import IRC
import NIOCore

/// Per-connection state. Owned by the `IRCConnection` actor and never handed out, so it needs
/// no synchronisation of its own.
final class Session {
    let id: Int
    let channel: any Channel
    var registration: RegistrationStateMachine
    var watchdog: PingWatchdog<ContinuousClock.Instant>
    var flood: FloodControl
    var queue = OutgoingQueue()
    var support = ISupport()
    var nick: String
    /// Our `nick!user@host` as others see it (001, JOIN echo, 396, CHGHOST, SASL 900); the
    /// line splitter budgets with it, and with a worst case for the parts still unknown.
    var hostmask: Source?
    var account: String?
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
    var joined: [String] = []
    var registeredAt: ContinuousClock.Instant?
    var endReason: DisconnectReason?
    var timers: [Task<Void, Never>] = []
    /// Refused JOINs in a row per channel (lower-cased by CASEMAPPING), for the retry backoff.
    var joinRefusals: [String: Int] = [:]
    /// A timer asks for the configured nick while we are on a fallback one.
    var regainingNick = false
    let wakes: AsyncStream<Void>
    let wake: AsyncStream<Void>.Continuation
    /// Which chat lines the server passed on (echo-message, labels, PING barriers).
    var confirmations: SendConfirmations<ContinuousClock.Instant>
    /// Queued lines `confirmations` must hear about when they are written, by queue ticket.
    var outgoingRoles: [Int: OutgoingRole] = [:]
    /// `deliver` calls waiting for the server's answers, by delivery id.
    var deliveries: [Int: PendingDelivery] = [:]
    /// Wakes the confirmation watchdog when a piece is written while nothing waited.
    let confirmWakes: AsyncStream<Void>
    let confirmWake: AsyncStream<Void>.Continuation

    init(id: Int, channel: any Channel, registration: RegistrationStateMachine, configuration: IRCConnectionConfiguration, now: ContinuousClock.Instant) {
        self.id = id
        self.channel = channel
        self.registration = registration
        self.watchdog = PingWatchdog(idle: configuration.ping.idle, timeout: configuration.ping.timeout, now: now)
        self.flood = FloodControl(configuration.flood.control)
        self.nick = configuration.nick
        (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        self.confirmations = SendConfirmations(mode: .barrier, timeout: configuration.confirmTimeout)
        (confirmWakes, confirmWake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Nick and channel comparison under the network's CASEMAPPING.
    func same(_ a: String, _ b: String) -> Bool {
        support.caseMapping.equal(a, b)
    }

    func isJoined(_ channel: String) -> Bool {
        joined.contains { same($0, channel) }
    }

    /// How others see us, as far as we know it.
    var sender: Source {
        hostmask.map { Source(nick: nick, user: $0.user, host: $0.host) } ?? Source(nick: nick)
    }
}
