import Foundation

/// Connection registration as a value: capability negotiation (CAP 302, multi-line LS,
/// cap-notify), SASL PLAIN/EXTERNAL/SCRAM, `PASS`/`NICK`/`USER`, nick fallback, 001 and the NickServ
/// fallback. Events go in, actions come out; the I/O shell executes them and never decides
/// anything about the protocol itself (the postgres-nio connection state machine pattern).
///
/// One value per connection. After 001 it keeps handling `CAP NEW`/`DEL`/`ACK` so the shell
/// can route every `CAP` line here for the connection's whole life.
public struct RegistrationStateMachine: Sendable {
    public enum Event: Sendable, Hashable {
        /// The transport (TCP, TLS handshake included) is up.
        case connected
        case received(Message)
        /// The shell's registration timer fired.
        case timedOut
    }

    enum Phase: Sendable, Hashable {
        case idle
        /// `CAP LS 302` sent; collecting LS lines until the last one.
        case listingCapabilities
        /// `CAP REQ` lines outstanding before `CAP END`.
        case requestingCapabilities
        /// `AUTHENTICATE <mechanism>` sent; waiting for the server's `AUTHENTICATE +`.
        case saslMechanismSent
        /// Our payload is sent; waiting for 903/904/….
        case saslPayloadSent
        /// `CAP END` sent, or the server does not speak CAP; waiting for 001.
        case awaitingWelcome
        case registered
        case closed
    }

    public let configuration: RegistrationConfiguration
    private(set) var phase: Phase = .idle
    /// What the server offers (`CAP LS`, `CAP NEW`, minus `CAP DEL`).
    public private(set) var offered = CapabilityList()
    public private(set) var enabled: Set<String> = []
    /// The nick we registered with, or the one we are currently trying.
    public private(set) var nick: String
    /// The account we are logged in as (900), if any.
    public private(set) var account: String?
    public private(set) var serverSupportsCapabilities = true
    private var pendingRequests: [[String]] = []
    private var nicks: NickFallback
    /// Mechanisms the server listed in 908, for a useful failure message.
    private var serverMechanisms: String?
    private var saslRequested = false
    /// The credentials in use: the configured ones, or what `.automatic` chose from `CAP LS`.
    private var sasl: SASLCredentials?
    /// The SCRAM exchange in progress, when the mechanism is SCRAM.
    private var scram: SCRAMExchange?
    /// Base64 `AUTHENTICATE` chunks from the server, until a chunk shorter than 400 (or `+`).
    private var saslInbound = ""
    /// `PASS`/`NICK`/`USER` not sent yet (a plain connection with a server password).
    private var heldRegistration: [RegistrationAction] = []
    /// Makes the SCRAM client nonce; the system CSPRNG unless a test injects a fixed one.
    private let makeNonce: @Sendable () -> String

    public init(
        configuration: RegistrationConfiguration,
        nonce: @escaping @Sendable () -> String = { SCRAMExchange.randomNonce() }
    ) {
        self.configuration = configuration
        self.makeNonce = nonce
        self.sasl = configuration.sasl
        self.nick = configuration.nick
        self.nicks = NickFallback(
            primary: configuration.nick,
            alternates: configuration.alternateNicks,
            maxLength: configuration.maxNickLength
        )
    }

    public var isRegistered: Bool { phase == .registered }

    public mutating func handle(_ event: Event) -> [RegistrationAction] {
        switch event {
        case .connected:
            return connected()
        case .received(let message):
            return received(message)
        case .timedOut:
            switch phase {
            case .registered, .closed:
                return []
            default:
                phase = .closed
                return [.disconnect(.timedOut, retry: true)]
            }
        }
    }

    // MARK: - Connection start

    private mutating func connected() -> [RegistrationAction] {
        guard phase == .idle else { return [] }
        phase = .listingCapabilities
        var registration: [RegistrationAction] = []
        if let password = configuration.password {
            registration.append(.send(Message("PASS", password)))
        }
        nick = nicks.first()
        registration.append(.send(Message("NICK", nick)))
        registration.append(.send(Message("USER", configuration.username, "0", "*", configuration.realname)))
        if configuration.password != nil, configuration.transport == .plain {
            // In plain text the server password waits for the end of CAP LS: a server that
            // requires TLS (STS) says so there, and then it never crosses the wire in clear.
            // NICK and USER wait with it (PASS must come first; registration is suspended by
            // CAP LS anyway).
            heldRegistration = registration
            return [.send(Message("CAP", "LS", "302"))]
        }
        return [.send(Message("CAP", "LS", "302"))] + registration
    }

    /// `PASS`/`NICK`/`USER` held back by `connected()`, once: the server has answered CAP LS
    /// without an STS upgrade, or does not speak CAP at all.
    private mutating func releaseRegistration() -> [RegistrationAction] {
        defer { heldRegistration = [] }
        return heldRegistration
    }

    // MARK: - Incoming lines

    private mutating func received(_ message: Message) -> [RegistrationAction] {
        guard phase != .closed else { return [] }
        let params = message.params
        switch message.command {
        case "CAP":
            return capability(params)
        case "AUTHENTICATE":
            return authenticate(params)
        case "900":
            // RPL_LOGGEDIN <nick> <nick!user@host> <account> :text
            guard params.count >= 3 else { return [] }
            account = params[2]
            return [
                .loggedIn(account: params[2], mask: params[1]),
                .log(.info, "logged in as '\(params[2])'"),
            ]
        case "901":
            account = nil
            return [.log(.notice, "logged out: \(params.last ?? "")")]
        case "903":
            guard isAuthenticating else { return [] }
            if let scram, !scram.isVerified {
                // Success without a valid `v=`: nothing showed the server knows the password.
                return serverNotVerified("the server reported success without proving it")
            }
            return [.log(.info, "SASL \(saslMechanism) login succeeded")] + endNegotiation()
        case "907":
            guard isAuthenticating else { return [] }
            return [.log(.info, "already authenticated")] + endNegotiation()
        case "904", "905", "906":
            guard isAuthenticating else { return [] }
            return saslFailed(serverText: params.last ?? message.command)
        case "908":
            // RPL_SASLMECHS <nick> <mechanisms> :are available SASL mechanisms
            if params.count >= 2 { serverMechanisms = params[1] }
            return []
        case "001":
            return welcome(params)
        case "432", "433", "436", "437":
            guard phase != .registered else { return [] }
            return nickRefused(message)
        case "421":
            // ERR_UNKNOWNCOMMAND for CAP: a server from before capability negotiation.
            guard phase == .listingCapabilities, params.count >= 2, params[1].uppercased() == "CAP" else {
                return []
            }
            serverSupportsCapabilities = false
            phase = .awaitingWelcome
            let actions = [RegistrationAction.log(.info, "server does not support capability negotiation")]
            return actions + releaseRegistration() + saslWithoutCapabilities()
        case "451" where phase == .listingCapabilities && !heldRegistration.isEmpty:
            // ERR_NOTREGISTERED for CAP: the other answer of a server without capabilities,
            // which would otherwise wait for the held NICK/USER until the registration timer.
            serverSupportsCapabilities = false
            phase = .awaitingWelcome
            let actions = [RegistrationAction.log(.info, "server does not support capability negotiation")]
            return actions + releaseRegistration() + saslWithoutCapabilities()
        case "464":
            phase = .closed
            return [.disconnect(.passwordRejected(serverText: params.last ?? ""), retry: true)]
        case "465":
            phase = .closed
            return [.disconnect(.banned(serverText: params.last ?? ""), retry: true)]
        default:
            return []
        }
    }

    // MARK: - Capabilities

    private mutating func capability(_ params: [String]) -> [RegistrationAction] {
        guard params.count >= 3 else { return [] }
        let list = params[params.count - 1]
        switch params[1].uppercased() {
        case "LS":
            offered.add(parsing: list)
            // `CAP * LS * :...` announces more lines to come.
            if params.count >= 4, params[2] == "*" { return [] }
            guard phase == .listingCapabilities else { return [] }
            let sts = strictTransportSecurity(offered)
            if phase == .closed { return sts }
            return sts + releaseRegistration() + capabilitiesListed()
        case "NEW":
            let before = offered
            offered.add(parsing: list)
            // A policy announced (or changed) later counts like one in LS.
            let sts = strictTransportSecurity(CapabilityList(parsing: list))
            if phase == .closed { return sts }
            return sts + capabilityNew(before: before)
        case "DEL":
            var removed: [String] = []
            for name in list.split(separator: " ").map(String.init) {
                offered.remove(name)
                if enabled.remove(name) != nil { removed.append(name) }
            }
            guard !removed.isEmpty else { return [] }
            return [
                .log(.info, "server withdrew capabilities: \(removed.joined(separator: " "))"),
                .capabilitiesChanged(enabled),
            ]
        case "ACK":
            let names = list.split(separator: " ").map(String.init)
            resolvePending(names.map { $0.hasPrefix("-") ? String($0.dropFirst()) : $0 })
            for name in names {
                if name.hasPrefix("-") {
                    enabled.remove(String(name.dropFirst()))
                } else {
                    enabled.insert(name)
                }
            }
            return [.capabilitiesChanged(enabled)] + afterRequestAnswered()
        case "NAK":
            let names = list.split(separator: " ").map(String.init)
            resolvePending(names)
            var actions: [RegistrationAction] = []
            if names.count > 1 {
                // A NAK refuses the whole request; ask for each one alone so one bad
                // capability does not cost us the others.
                actions.append(.log(.debug, "server refused capabilities together, asking one by one"))
                for name in names {
                    actions += request([name])
                }
                return actions
            }
            actions.append(.log(.notice, "server refused capability \(list)"))
            return actions + afterRequestAnswered()
        default:
            return []
        }
    }

    private mutating func capabilityNew(before: CapabilityList) -> [RegistrationAction] {
        let fresh = configuration.capabilities.filter {
            // SASL after registration would need a new login flow; we only log in once.
            $0 != "sasl" && offered.contains($0) && !before.contains($0) && !enabled.contains($0)
        }
        guard !fresh.isEmpty else { return [] }
        return [.log(.debug, "server offers new capabilities: \(fresh.joined(separator: " "))")] + request(fresh)
    }

    /// IRCv3 STS, from `CAP LS` or `CAP NEW`: on plain text, stop registering and upgrade
    /// (before any credential is sent: SASL waits for `CAP LS` to end, and `PASS` is the
    /// operator's choice to send in the clear); over verified TLS, the policy to keep.
    /// `sts` itself is never requested (the spec forbids it).
    private mutating func strictTransportSecurity(_ list: CapabilityList) -> [RegistrationAction] {
        guard list.contains("sts") else { return [] }
        guard let policy = STSPolicy(capabilityValue: list.value(of: "sts")) else {
            return [.log(.notice, "the server advertises sts without a policy; ignored")]
        }
        switch policy.decision(on: configuration.transport) {
        case .upgrade(let port):
            phase = .closed
            return [.log(.notice, "the server requires TLS (STS): reconnecting with TLS to port \(port)"), .upgradeToTLS(port: port)]
        case .remember(let duration):
            return [.rememberSTS(duration: duration, preload: policy.preload)]
        case .forget:
            return [.forgetSTS]
        case .ignore(let reason):
            return [.log(.notice, reason)]
        }
    }

    private mutating func capabilitiesListed() -> [RegistrationAction] {
        var actions: [RegistrationAction] = [
            .log(.debug, "server offers: \(offered.values.keys.sorted().joined(separator: " "))"),
        ]
        var wanted = configuration.capabilities.filter { offered.contains($0) && $0 != "sasl" }
        if case .automatic? = sasl, offered.contains("sasl") {
            let chosen = sasl?.choosing(from: offered.listValue(of: "sasl"))
            sasl = chosen
            actions.append(.log(.info, "SASL auto: using \(chosen?.mechanism ?? "?")"))
        }
        if let sasl = self.sasl, configuration.capabilities.contains("sasl") {
            if offered.contains("sasl") {
                // Requested even when the listed mechanisms lack ours (what irctest and the
                // big clients do): the server's 908/904 then names its mechanisms in the log
                // and `saslRequired` decides, exactly as for a refused login.
                if !saslOffered(sasl), let listed = offered.value(of: "sasl") {
                    serverMechanisms = listed
                    actions.append(.log(.notice, "the server lists SASL mechanisms \(listed), not \(sasl.mechanism); trying \(sasl.mechanism) anyway"))
                }
                wanted.insert("sasl", at: 0)
                saslRequested = true
            } else {
                let failure = RegistrationFailure.saslUnavailable(mechanism: sasl.mechanism, offered: nil)
                actions += saslUnavailable(failure)
                if phase == .closed { return actions }
            }
        }
        guard !wanted.isEmpty else { return actions + endNegotiation() }
        phase = .requestingCapabilities
        return actions + request(wanted)
    }

    private func saslOffered(_ sasl: SASLCredentials) -> Bool {
        guard offered.contains("sasl") else { return false }
        // A bare `sasl` (CAP 301 style) does not list mechanisms; try ours and let 904/908 tell.
        guard let mechanisms = offered.listValue(of: "sasl") else { return true }
        return mechanisms.contains { $0.uppercased() == sasl.mechanism }
    }

    /// `CAP REQ` lines, grouped so no line grows past what every server accepts.
    private mutating func request(_ names: [String]) -> [RegistrationAction] {
        var groups: [[String]] = []
        var current: [String] = []
        var length = 0
        for name in names {
            if !current.isEmpty, length + 1 + name.utf8.count > 400 {
                groups.append(current)
                current = []
                length = 0
            }
            current.append(name)
            length += (length == 0 ? 0 : 1) + name.utf8.count
        }
        if !current.isEmpty { groups.append(current) }
        pendingRequests += groups
        return groups.map { .send(Message("CAP", "REQ", $0.joined(separator: " "))) }
    }

    private mutating func resolvePending(_ names: [String]) {
        let answered = Set(names)
        if let index = pendingRequests.firstIndex(where: { Set($0) == answered }) {
            pendingRequests.remove(at: index)
        } else if !pendingRequests.isEmpty {
            pendingRequests.removeFirst()
        }
    }

    private mutating func afterRequestAnswered() -> [RegistrationAction] {
        guard phase == .requestingCapabilities, pendingRequests.isEmpty else { return [] }
        guard let sasl = self.sasl, configuration.capabilities.contains("sasl") else {
            return endNegotiation()
        }
        guard enabled.contains("sasl") else {
            // Not offered: the policy already ran when LS was complete. Refused (NAK): run it now.
            guard saslRequested else { return endNegotiation() }
            let actions = saslUnavailable(.saslUnavailable(mechanism: sasl.mechanism, offered: nil))
            return phase == .closed ? actions : actions + endNegotiation()
        }
        phase = .saslMechanismSent
        return [.send(Message("AUTHENTICATE", sasl.mechanism))]
    }

    private mutating func endNegotiation() -> [RegistrationAction] {
        phase = .awaitingWelcome
        return [.send(Message("CAP", "END"))]
    }

    // MARK: - SASL

    private var isAuthenticating: Bool {
        phase == .saslMechanismSent || phase == .saslPayloadSent
    }

    private var saslMechanism: String {
        sasl?.mechanism ?? "?"
    }

    private mutating func authenticate(_ params: [String]) -> [RegistrationAction] {
        guard let sasl = self.sasl, isAuthenticating else { return [] }
        if case .scram(let hash, let account, let password) = sasl {
            return scramStep(params.first ?? "", hash: hash, account: account, password: password)
        }
        guard phase == .saslMechanismSent, params.first == "+" else {
            // PLAIN and EXTERNAL never expect a challenge; abort rather than guess (906 follows).
            return [
                .log(.warning, "unexpected SASL challenge from the server, aborting"),
                .send(Message("AUTHENTICATE", "*")),
            ]
        }
        phase = .saslPayloadSent
        let payload: [UInt8]
        switch sasl {
        case .plain(let account, let password):
            payload = SASLPayload.plain(account: account, password: password)
        case .external(let account):
            payload = SASLPayload.external(account: account)
        case .scram, .automatic:
            payload = []  // SCRAM goes through scramStep; automatic is resolved at CAP LS
        }
        return SASLPayload.chunks(for: payload).map { .send(Message("AUTHENTICATE", $0)) }
    }

    private func authenticateLines(_ text: String) -> [RegistrationAction] {
        SASLPayload.chunks(for: Array(text.utf8)).map { .send(Message("AUTHENTICATE", $0)) }
    }

    /// One `AUTHENTICATE` line of a SCRAM exchange: the `+` that starts it, then the server's
    /// challenges, each possibly split into 400-byte chunks.
    private mutating func scramStep(
        _ chunk: String, hash: SCRAMHash, account: String, password: String
    ) -> [RegistrationAction] {
        if phase == .saslMechanismSent {
            guard chunk == "+" else { return abortSASL("unexpected SASL challenge before our first message") }
            phase = .saslPayloadSent
            var exchange = SCRAMExchange(hash: hash, username: account, password: password, clientNonce: makeNonce())
            let first = exchange.clientFirst()
            scram = exchange
            return authenticateLines(first)
        }
        guard var exchange = scram else { return [] }
        if chunk != "+" {
            saslInbound += chunk
            // A chunk of exactly 400 bytes means more follow (or a lone `+` ends it).
            if chunk.utf8.count == SASLPayload.chunkSize { return [] }
        }
        let encoded = saslInbound
        saslInbound = ""
        guard let data = Data(base64Encoded: encoded), let text = String(data: data, encoding: .utf8) else {
            return abortSASL("the server's SASL challenge is not base64 UTF-8")
        }
        defer { scram = exchange }
        do throws(SCRAMExchange.Failure) {
            if case .clientFirstSent = exchange.state {
                let final = try exchange.clientFinal(serverFirst: text)
                var actions: [RegistrationAction] = []
                if let count = exchange.iterations, count < 4096 {
                    actions.append(.log(.notice, "the server's \(hash.mechanism) uses only \(count) iterations (RFC 7677 asks for 4096 or more)"))
                }
                return actions + authenticateLines(final)
            }
            try exchange.verify(serverFinal: text)
            // The server proved it knows the password; an empty response lets it send 903.
            return [.log(.debug, "\(hash.mechanism): server signature verified"), .send(Message("AUTHENTICATE", "+"))]
        } catch .serverSignatureMismatch {
            return [.send(Message("AUTHENTICATE", "*"))] + serverNotVerified("its signature is wrong")
        } catch {
            // Bad credentials or a broken server: abort, and 906/904 runs the sasl_required policy.
            return abortSASL(error.description)
        }
    }

    private func abortSASL(_ reason: String) -> [RegistrationAction] {
        [
            .log(.warning, "\(saslMechanism): \(reason), aborting"),
            .send(Message("AUTHENTICATE", "*")),
        ]
    }

    /// Whoever answered cannot prove it knows our password: never stay, whatever `sasl_required` says.
    private mutating func serverNotVerified(_ reason: String) -> [RegistrationAction] {
        phase = .closed
        let failure = RegistrationFailure.saslServerNotVerified(mechanism: saslMechanism, reason: reason)
        return [.log(.error, "\(failure); disconnecting"), .disconnect(failure, retry: true)]
    }

    private mutating func saslFailed(serverText: String) -> [RegistrationAction] {
        let sasl = self.sasl
        var text = serverText
        if let serverMechanisms { text += " (server mechanisms: \(serverMechanisms))" }
        let failure = RegistrationFailure.saslFailed(
            mechanism: saslMechanism, account: sasl?.account, serverText: text
        )
        if configuration.saslRequired {
            phase = .closed
            return [
                .log(.error, "\(failure); SASL is required, disconnecting"),
                .disconnect(failure, retry: true),
            ]
        }
        return [.log(.error, "\(failure); continuing without authentication")] + endNegotiation()
    }

    /// The `saslRequired` policy when SASL cannot even start.
    private mutating func saslUnavailable(_ failure: RegistrationFailure) -> [RegistrationAction] {
        if configuration.saslRequired {
            phase = .closed
            return [
                .log(.error, "\(failure); SASL is required, disconnecting"),
                .disconnect(failure, retry: true),
            ]
        }
        return [.log(.warning, "\(failure); continuing without authentication")]
    }

    private mutating func saslWithoutCapabilities() -> [RegistrationAction] {
        guard let sasl = self.sasl else { return [] }
        return saslUnavailable(.saslUnavailable(mechanism: sasl.mechanism, offered: nil))
    }

    // MARK: - Welcome and nicks

    private mutating func welcome(_ params: [String]) -> [RegistrationAction] {
        guard phase != .registered else { return [] }
        var actions: [RegistrationAction] = []
        if phase == .listingCapabilities {
            // Welcomed without ever answering CAP LS: a server without capability negotiation.
            serverSupportsCapabilities = false
            actions += saslWithoutCapabilities()
            if phase == .closed { return actions }
        }
        phase = .registered
        if let first = params.first, !first.isEmpty { nick = first }
        actions.append(.registered(nick: nick))
        if let password = configuration.nickservPassword, account == nil {
            let name = sasl?.account ?? configuration.nick
            actions.append(.log(.info, "identifying to NickServ as '\(name)'"))
            actions.append(.send(Message("PRIVMSG", "NickServ", "IDENTIFY \(name) \(password)")))
        }
        return actions
    }

    private mutating func nickRefused(_ message: Message) -> [RegistrationAction] {
        let refused = message.params.count >= 2 ? message.params[1] : nick
        let reason = message.params.last ?? message.command
        guard let next = nicks.next(afterRefusing: refused, erroneous: message.command == "432") else {
            phase = .closed
            return [.disconnect(.nicknamesExhausted(tried: nicks.tried), retry: true)]
        }
        nick = next
        return [
            .log(.notice, "nick '\(refused)' refused (\(reason)), trying '\(next)'"),
            .send(Message("NICK", next)),
        ]
    }
}
