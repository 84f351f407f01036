import Bridge
import ServiceLifecycle

/// Connects every network, feeds what is said to the bridge, and on graceful shutdown sends
/// QUIT everywhere and waits until it was written.
struct IRCService: Service {
    let transport: IRCTransport
    let bridge: ChatBridge
    /// False when networks are held among several processes: `OwnedTransports` starts each
    /// when this process takes it over (the pump is here all the same).
    var startsClients = true

    func run() async throws {
        if startsClients {
            for client in transport.clients.values { await client.start() }
        }
        let transport = self.transport
        await withGracefulShutdownHandler {
            await transport.pump(into: bridge)
        } onGracefulShutdown: {
            Task { await transport.quitAll(message: nil) }
        }
        // Cancelled rather than shut down (another service failed, e.g. the HTTP listener
        // could not bind): the connections must not outlive the service group.
        if Task.isCancelled { await transport.quitAll(message: nil) }
    }
}
