import Bridge
import IRC
import IRCClient
import Logging
import Synchronization

/// The bridge's `ChatTransport` over one `IRCConnection` per configured network, and the pump
/// that turns what those clients hear into `ChatEvent`s for the bridge.
public struct IRCTransport: ChatTransport {
    /// Keyed by network name as written in `bot.conf`: the connection in use now. A process that
    /// holds networks among several (`[store] url`) gets a fresh connection each time it takes a
    /// network over (an `IRCConnection` does not start again once shut down).
    public var clients: [String: IRCConnection] { table.clients.withLock { $0 } }
    private let table: ClientTable
    let logger: Logger
    let metrics: BotMetrics?

    /// The connections by name, and which were handed out by `takeOver` (so a second takeover
    /// builds a new one).
    private final class ClientTable: Sendable {
        let clients: Mutex<[String: IRCConnection]>
        let used = Mutex<Set<String>>([])
        /// A new connection for a network, for takeovers after the first.
        let make: (@Sendable (String) -> IRCConnection?)?

        init(_ clients: [String: IRCConnection], make: (@Sendable (String) -> IRCConnection?)?) {
            self.clients = Mutex(clients)
            self.make = make
        }
    }

    public init(clients: [IRCConnection], logger: Logger, metrics: BotMetrics? = nil,
                makeClient: (@Sendable (String) -> IRCConnection?)? = nil) {
        var byName: [String: IRCConnection] = [:]
        for client in clients { byName[client.configuration.name] = client }
        self.table = ClientTable(byName, make: makeClient)
        self.logger = logger
        self.metrics = metrics
    }

    /// The connection to start for a network this process just took over: the configured one
    /// the first time, a new one after (nil: no such network, or no way to make one).
    func takeOver(_ network: String) -> IRCConnection? {
        let first = table.used.withLock { $0.insert(network).inserted }
        if first { return clients[network] }
        guard let fresh = table.make?(network) else { return nil }
        table.clients.withLock { $0[network] = fresh }
        return fresh
    }

    public func send(_ line: OutgoingChat) async throws {
        guard let client = clients[line.network] else { throw IRCTransportError.unknownNetwork(line.network) }
        // The client splits long text to fit the server's limit and strips CR, LF and NUL.
        do {
            switch line.style {
            case .privmsg: try await client.send(privmsg: line.target, text: line.text)
            case .notice: try await client.sendNotice(to: line.target, text: line.text)
            }
            metrics?.ircLine(network: line.network, sent: true)
        } catch {
            metrics?.ircLine(network: line.network, sent: false)
            throw error
        }
    }

    /// Sends the text from `offset` and waits for the server's confirmation of every piece
    /// (echo-message, labeled-response or a PING barrier: see `SendConfirmations`); bounded by
    /// the connection's confirm timeout, after which the connection is reopened.
    public func deliver(_ line: OutgoingChat, from offset: Int) async -> DeliveryReport {
        guard let client = clients[line.network] else {
            return .refused(DeliveryRefusal(.unknownNetwork, reason: IRCTransportError.unknownNetwork(line.network).description),
                            confirmedOffset: offset)
        }
        let result = await client.deliver(line.style == .notice ? .notice : .privmsg, to: line.target, text: line.text, from: offset)
        switch result {
        case .confirmed:
            metrics?.ircLine(network: line.network, sent: true)
            return .confirmed
        case .interrupted(let confirmedOffset):
            metrics?.ircLine(network: line.network, sent: false)
            return .interrupted(confirmedOffset: confirmedOffset)
        case .refused(let refusal, let confirmedOffset):
            metrics?.ircLine(network: line.network, sent: false)
            return .refused(Self.deliveryRefusal(refusal), confirmedOffset: confirmedOffset)
        }
    }

    static func deliveryRefusal(_ refusal: SendRefusal) -> DeliveryRefusal {
        let kind: DeliveryRefusal.Kind = switch refusal.kind {
        case .cannotSend: .cannotSendToChannel
        case .noSuchTarget: .noSuchTarget
        case .invalidTarget: .invalidTarget
        case .other: .other
        }
        return DeliveryRefusal(kind, reason: refusal.description)
    }

    /// Joined now; wanted (configured or joined from chat, not parted) but not in it: waiting;
    /// otherwise, or on a network not configured: not wanted. A nick is not a channel: there
    /// is nothing to join, the send decides (`.joined`).
    public func channelStatus(network: String, channel: String) async -> ChannelStatus {
        guard let client = clients[network] else { return .notWanted }
        // Disconnected, the usual channel types (#&) decide.
        if !(await client.serverSupport ?? ISupport()).isChannel(channel) { return .joined }
        if await client.isJoined(channel) { return .joined }
        return await client.isDesired(channel) ? .waiting : .notWanted
    }

    public func isJoined(network: String, channel: String) async -> Bool {
        guard let client = clients[network] else { return false }
        // Compared with the network's own CASEMAPPING.
        return await client.isJoined(channel)
    }

    /// JOIN now when registered, and after every reconnect; a refusal (banned, bad key, full)
    /// is logged by the client when the server answers it.
    public func join(network: String, channel: String, key: String?) async throws {
        guard let client = clients[network] else { throw IRCTransportError.unknownNetwork(network) }
        await client.join(channel, key: key)
    }

    /// PART now when registered, and no more rejoining after reconnects or kicks.
    public func part(network: String, channel: String, reason: String?) async throws {
        guard let client = clients[network] else { throw IRCTransportError.unknownNetwork(network) }
        await client.part(channel, reason: reason)
    }

    /// WHOX or WHOIS through the network's client (10 s at most).
    public func lookUpAccount(network: String, nick: String) async -> AccountLookup {
        guard let client = clients[network] else { return .unavailable }
        switch await client.lookUpAccount(nick) {
        case .loggedIn(let account)?: return .loggedIn(account)
        case .loggedOut?: return .loggedOut
        case nil: return .unavailable
        }
    }

    /// NAMES through the network's client (10 s at most).
    public func channelStanding(network: String, channel: String, nick: String) async -> ChannelMembers.Standing? {
        guard let client = clients[network] else { return nil }
        return await client.channelStanding(of: nick, in: channel)
    }

    public func wantedChannelCount(network: String) async -> Int {
        guard let client = clients[network] else { return 0 }
        return await client.desiredChannels.count
    }

    /// Feeds every client's events to the bridge until all clients have stopped.
    public func pump(into bridge: ChatBridge) async {
        await withTaskGroup(of: Void.self) { group in
            for (name, client) in clients {
                group.addTask { await Self.pump(client, network: name, into: bridge, logger: logger, metrics: metrics) }
            }
        }
    }

    /// Commands that wait on the proxy or on an image download (seconds, at worst the
    /// request timeout) run side by side, so one slow command does not stall the channel;
    /// bounded so a burst of commands cannot pile up unbounded work.
    static let commandsInFlight = 8

    static func pump(_ client: IRCConnection, network: String, into bridge: ChatBridge, logger: Logger, metrics: BotMetrics?) async {
        await withTaskGroup(of: Void.self) { group in
            var running = 0
            // A registration after the first is a reconnect, which `!stats` counts.
            var registeredBefore = false
            for await event in client.events {
                switch event {
                case .message(let message):
                    // NOTICEs are never answered (RFC 2812 §3.3.2: no automatic replies to them),
                    // and our own lines coming back (echo-message) are not commands.
                    guard message.kind == .privmsg else { continue }
                    // Our nick as the client knew it when the line arrived: no hop to ask for it.
                    let botNick = message.ownNick
                    if let botNick, message.caseMapping.equal(message.sender.nick, botNick) { continue }
                    let chat = Self.chatEvent(message, network: network)
                    metrics?.chatMessage(network: network)
                    // Ordinary chatter ends here, before any task or actor hop is spent on it.
                    guard bridge.mayBeCommand(chat) else { continue }
                    if running >= commandsInFlight {
                        await group.next()
                        running -= 1
                    }
                    running += 1
                    group.addTask { await bridge.handle(chat) }
                case .chatDropped(let count):
                    metrics?.chatDropped(network: network, count: count)
                case .joined(let channel):
                    await bridge.joined(network: network, channel: channel)
                case .invited(let channel, let inviter, let account):
                    // Decided by the bridge (accept_invites); it waits on NAMES, so not in line.
                    let userHost = inviter.user.flatMap { user in inviter.host.map { "\(user)@\($0)" } }
                    let mapping = await client.serverSupport?.caseMapping ?? .rfc1459
                    let invite = ChatInvite(network: network, channel: channel, inviter: inviter.nick, userHost: userHost,
                                            account: account, caseMapping: mapping)
                    // Counted with the commands: a flood of INVITEs cannot pile up NAMES lookups.
                    if running >= commandsInFlight {
                        await group.next()
                        running -= 1
                    }
                    running += 1
                    group.addTask { await bridge.invited(invite) }
                case .channelAccessChanged(let channel):
                    // Voice, op, -m, -b: lines held for the channel are tried again (signal only).
                    await bridge.channelAccessChanged(network: network, channel: channel)
                case .registered:
                    // Owed lines, and pieces the drop interrupted, go out now (the worker
                    // sends them; the pump does not wait).
                    await bridge.registered(network: network)
                    if registeredBefore {
                        bridge.counters.recordReconnect()
                        metrics?.reconnect(network: network)
                    }
                    registeredBefore = true
                default:
                    // IRCConnection logs connection events itself; repeating them here adds nothing.
                    logger.trace("irc event", metadata: ["network": "\(network)", "event": "\(event)"])
                }
            }
        }
    }

    /// The bridge's view of a chat line heard on `network`.
    static func chatEvent(_ message: IRCChatMessage, network: String) -> ChatEvent {
        let target: ChatTarget = message.channel.map { .channel($0) } ?? .privateMessage
        let userHost = message.sender.user.flatMap { user in message.sender.host.map { "\(user)@\($0)" } }
        return ChatEvent(network: network, target: target, sender: message.sender.nick,
                         account: message.account, text: message.text, botNick: message.ownNick,
                         accountVerified: message.accountVerified, userHost: userHost,
                         caseMapping: message.caseMapping)
    }

    /// Sends QUIT with `message` on every network and waits for it to be written.
    public func quitAll(message: String?) async {
        await withTaskGroup(of: Void.self) { group in
            for client in clients.values {
                // Replies still queued behind flood control get two seconds to go out first.
                group.addTask { await client.shutdown(quitMessage: message, drainTimeout: .seconds(2)) }
            }
        }
    }
}

public enum IRCTransportError: Error, CustomStringConvertible {
    case unknownNetwork(String)

    public var description: String {
        switch self {
        case .unknownNetwork(let name): "no network named '\(name)' is configured"
        }
    }
}

extension NetworkSettings {
    /// The connection settings the IRC client takes.
    /// `operatorContact` (`[bot] operator_contact`) goes into the realname, so network staff
    /// see whom to reach in WHOIS.
    func connectionConfiguration(version: String, operatorContact: String? = nil) -> IRCConnectionConfiguration {
        let sasl: SASLCredentials? = switch saslMechanism {
        case "plain": .plain(account: saslAccount ?? nick, password: saslPassword?.value ?? "")
        case "external": .external(account: saslAccount)
        case "scram-sha-256": .scram(.sha256, account: saslAccount ?? nick, password: saslPassword?.value ?? "")
        case "scram-sha-1": .scram(.sha1, account: saslAccount ?? nick, password: saslPassword?.value ?? "")
        case "auto": .automatic(account: saslAccount ?? nick, password: saslPassword?.value, clientCertificate: clientCert != nil)
        default: nil
        }
        var configuration = IRCConnectionConfiguration(
            name: name, host: host, port: port, tls: tls, tlsVerify: tlsVerify, caFile: caFile,
            clientCertificate: clientCert, clientKey: clientKey,
            nick: nick, alternateNicks: altNicks, username: username,
            realname: operatorContact.map { "\(realname) (contact: \($0))" } ?? realname,
            password: serverPassword?.value, sasl: sasl, saslRequired: saslRequired,
            nickservPassword: nickservPassword?.value,
            channels: channels.map { IRCConnectionConfiguration.Channel($0.name, key: $0.key?.value) },
            flood: .init(burst: floodBurst, interval: .milliseconds(Int64(floodIntervalSeconds * 1000))),
            ping: .init(idle: .milliseconds(Int64(pingIdleSeconds * 1000)), timeout: .milliseconds(Int64(pingTimeoutSeconds * 1000))),
            rejoinOnKick: rejoinOnKick, rejoinDelay: .milliseconds(Int64(rejoinDelaySeconds * 1000)),
            nickRegainInterval: nickRegainSeconds > 0 ? .milliseconds(Int64(nickRegainSeconds * 1000)) : nil,
            joinRetryMaximum: .milliseconds(Int64(joinRetryMaxSeconds * 1000)),
            quitMessage: quitMessage, version: version)
        configuration.tlsFingerprints = tlsFingerprints
        return configuration
    }
}
