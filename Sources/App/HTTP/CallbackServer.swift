import Hummingbird
import Logging
import NIOCore

/// One HTTP listener of the bot (callback, health, metrics — or a subset, see
/// `[http] metrics_listen`) as a Hummingbird application, which is a swift-service-lifecycle
/// `Service`.
enum CallbackServer {
    /// `onRunning` receives the bound port (useful with port 0).
    static func application(routes: [any HTTPRouteGroup], host: String, port: Int, logger: Logger,
                            onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let router = Router()
        for group in routes { group.add(to: router) }
        return Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "mjbridge"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
            logger: logger)
    }
}
