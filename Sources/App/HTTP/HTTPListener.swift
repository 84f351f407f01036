import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// One HTTP listener of the bot as a service (see `CallbackServer`). When it cannot start
/// listening (the port is taken, the address is not this machine's), the error names the
/// address and the config key to change, instead of NIO's bare `bind(…)` error.
struct HTTPListener: Service {
    let host: String
    let port: Int
    /// The key in `[http]` the address comes from: `listen` or `metrics_listen`.
    let key: String
    let routes: [any HTTPRouteGroup]
    let logger: Logger

    func run() async throws {
        let listening = Mutex(false)
        let application = CallbackServer.application(routes: routes, host: host, port: port, logger: logger,
                                                     onRunning: { _ in listening.withLock { $0 = true } })
        do {
            try await application.run()
        } catch {
            // Failures after the listener was up (or a shutdown) are not about the address.
            guard !listening.withLock({ $0 }), !(error is CancellationError) else { throw error }
            throw HTTPListenError(host: host, port: port, key: key, underlying: error)
        }
    }
}

/// The bot could not listen for HTTP where the config says.
public struct HTTPListenError: Error, CustomStringConvertible {
    public let host: String
    public let port: Int
    /// `listen` or `metrics_listen`, in `[http]`.
    public let key: String
    public let underlying: any Error

    public var address: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    public var description: String {
        let why: String
        if let io = underlying as? IOError, io.errnoCode == EADDRINUSE {
            why = "the port is already in use (another process, perhaps another mjbridge, listens there)"
        } else if let io = underlying as? IOError, io.errnoCode == EADDRNOTAVAIL {
            why = "the address is not one of this machine's"
        } else if let io = underlying as? IOError, io.errnoCode == EACCES {
            why = "not allowed to listen on that port (below 1024 needs privileges)"
        } else {
            why = "\(underlying)"
        }
        return "cannot listen for HTTP on \(address): \(why). Change `\(key)` in the [http] section of the config "
            + "(e.g. \(key) = \"127.0.0.1:\(port == 8089 ? 8090 : 8089)\"), or stop what holds the port"
    }
}
