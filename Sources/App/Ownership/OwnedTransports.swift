import Bridge
import IRCClient
import Logging

/// Starts and stops the transport of one network or Matrix account when this process takes it
/// over or loses it (several processes on one database).
actor OwnedTransports {
    private let irc: IRCTransport
    private let matrix: MatrixTransport
    private let logger: Logger
    /// Set once the bridge exists (it is built after the transports).
    private var bridge: ChatBridge?
    /// The running sync loop of each held Matrix account; the pump of each IRC connection
    /// started after the first (the first ones are pumped by `IRCService`).
    private var matrixRuns: [String: Task<Void, Never>] = [:]
    private var pumps: [String: Task<Void, Never>] = [:]
    private var started: [String: IRCConnection] = [:]

    init(irc: IRCTransport, matrix: MatrixTransport, logger: Logger) {
        self.irc = irc
        self.matrix = matrix
        self.logger = logger
    }

    func attach(_ bridge: ChatBridge) {
        self.bridge = bridge
    }

    /// Connects (IRC: registers, joins; the delivery worker sends what is owed on
    /// registration) or starts the account's sync loop.
    func start(_ name: String) async {
        guard let bridge else { return }
        if let account = matrix.accounts[name] {
            await matrixRuns.removeValue(forKey: name)?.value
            // As a fresh process would: the rooms joined or left from chat as the database has
            // them now (another process may have changed them while this one stood by), nothing
            // taken as joined before the login and the first sync. Read in the run's task, not
            // here: the ownership loop waits for this method.
            await account.startAfresh()
            matrixRuns[name] = Task {
                await bridge.restoreChannels(network: name)
                await account.run(into: bridge)
            }
            return
        }
        let before = irc.clients[name]
        guard let client = irc.takeOver(name) else {
            logger.error("cannot start a network this process took over", metadata: ["network": "\(name)"])
            return
        }
        if client !== before {
            // A connection of its own: pumped here (IRCService pumps the configured ones).
            let (logger, metrics) = (irc.logger, irc.metrics)
            pumps[name] = Task { await IRCTransport.pump(client, network: name, into: bridge, logger: logger, metrics: metrics) }
        }
        started[name] = client
        // The channels joined or left from chat as the database has them now: a new connection
        // knows only the configured ones, and another process may have changed them since this
        // one started.
        await bridge.restoreChannels(network: name)
        await client.start()
    }

    /// At once: QUIT without draining (what was not confirmed stays owed in the database, for
    /// the next holder), or the account's sync loop cancelled.
    func stop(_ name: String, quitMessage: String) async {
        if let run = matrixRuns.removeValue(forKey: name) {
            run.cancel()
            await run.value
            return
        }
        guard let client = started.removeValue(forKey: name) else { return }
        await client.shutdown(quitMessage: quitMessage, drainTimeout: .zero)
        pumps.removeValue(forKey: name)
    }
}
