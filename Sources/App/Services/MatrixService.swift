import Bridge
import ServiceLifecycle

/// Runs every Matrix account's sync loop; graceful shutdown ends the long polls. An account
/// that stopped (token rejected) ends alone: the service waits for shutdown, so the IRC
/// networks and the other accounts go on.
struct MatrixService: Service {
    let transport: MatrixTransport
    let bridge: ChatBridge

    func run() async throws {
        let transport = self.transport
        let bridge = self.bridge
        try await cancelWhenGracefulShutdown {
            await transport.run(into: bridge)
            // Every account stopped: stay until shutdown, the rest of the bot still works.
            try await Task.sleep(for: .seconds(100 * 365 * 86_400))
        }
    }
}
