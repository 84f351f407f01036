import Bridge
import Foundation
import GuardedFetch
import ImageHosting
import IRCClient
import Logging
import MidjourneyAPI
import ServiceLifecycle
import UnixSignals
import Store
import PostgresStore

/// One running bot assembled from a `Configuration`: store, proxy clients, bridge, one IRC
/// connection per network and the HTTP server, run as swift-service-lifecycle services so that
/// SIGTERM/SIGINT end it cleanly (QUIT on every network first, then the poller, then HTTP).
public struct BotRuntime: Sendable {
    public let configuration: Configuration
    public let bridge: ChatBridge
    public let transport: IRCTransport
    /// The `[[matrix]]` accounts (none: IRC only).
    public let matrix: MatrixTransport
    /// The SQLite file, or the shared PostgreSQL database (`[store] url`).
    public let store: any BotStore
    /// With a shared database: this process's hold on its networks; nil with SQLite.
    let ownership: OwnershipService?
    /// The URL passed to the proxy as `notifyHook`, nil when polling alone follows tasks.
    public let notifyHook: String?
    /// Re-reads the config file for `!reload` and SIGHUP; nil when started without a path.
    public let reloader: ConfigReloader?
    /// The runtime's own Prometheus registry (nothing global: see `BotMetrics`).
    public let metrics: BotMetrics
    let routes: CallbackRoutes
    let observability: ObservabilityRoutes
    let listen: (host: String, port: Int)?
    /// Where `/health` and `/metrics` are served when not on `listen`.
    let metricsListen: (host: String, port: Int)?
    /// The bot's hosted result images (`[images] public_base_url`); nil when hosting is off.
    public let imageHost: HostedResultImages?
    /// `GET`/`HEAD /i/<name>` on `listen`, and the host's background work; nil when off.
    let imageRoutes: ImageRoutes?
    let imageService: ImageHostingService?
    let logger: Logger

    /// - Parameters:
    ///   - configPath: the file `configuration` was loaded from with `loader`; given, `!reload`
    ///     and SIGHUP (see `run()`) re-read it.
    ///   - logLevel: the level `mjbridge run`'s log handlers read, which a reload changes.
    public static func make(configuration: Configuration, metrics: BotMetrics = BotMetrics(),
                            imageFetcher: (any ImageFetcher)? = nil, clock: BridgeClock = .system, configPath: String? = nil,
                            loader: ConfigurationLoader = ConfigurationLoader(), logLevel: LiveLogLevel? = nil,
                            logger: Logger) async throws -> BotRuntime {
        let store: any BotStore
        let postgres: PostgresStore?
        if let shared = configuration.store.postgres {
            let opened = try await PostgresStore.open(shared, logger: Logger(label: "mjbridge.store", level: logger.logLevel))
            postgres = opened
            store = opened
            logger.notice("using the shared PostgreSQL store", metadata: ["url": "\(shared.displayURL)"])
        } else {
            postgres = nil
            store = try SQLiteStore.open(path: configuration.bot.databasePath)
        }
        let secret: String
        if let configured = configuration.http.callbackSecret?.value, !configured.isEmpty {
            secret = configured
        } else {
            // Generated once and kept in the database, so the notifyHook of tasks submitted
            // before a restart still reaches us after it.
            secret = try await store.metaValue(forKey: "callbackSecret", orInsert: { CallbackSecret.generate() })
        }
        let listen = try configuration.http.listenAddress()
        let metricsListen = try configuration.http.metricsListenAddress()
        let notifyHook = configuration.http.notifyHook(secret: secret)
        if notifyHook == nil {
            logger.notice("no http.public_base_url: the proxy cannot call back, tasks are followed by polling alone")
        }

        if let warning = ProxyKeyExposure.warning(baseURL: configuration.proxy.baseURL,
                                                  hasAPIKey: !(configuration.proxy.apiKey?.value ?? "").isEmpty) {
            logger.warning("\(warning)")
        }
        let proxyLogger = Logger(label: "mjbridge.proxy", level: logger.logLevel)
        let clients = try ProxyClients(configuration.proxy, otherSecrets: [secret], logger: proxyLogger,
                                       observer: metrics.proxyObserver)
        let version = configuration.bot.versionText
        let stsPolicies = StoreSTSPolicies(store: store)
        let networks = configuration.networks
        let operatorContact = configuration.bot.operatorContact
        let ircLogger = Logger(label: "mjbridge.irc", level: logger.logLevel)
        let makeClient: @Sendable (String) -> IRCConnection? = { name in
            networks.first { $0.name == name }.map { network in
                IRCConnection(configuration: network.connectionConfiguration(version: version, operatorContact: operatorContact),
                              logger: ircLogger, stsPolicies: stsPolicies)
            }
        }
        let ircClients = networks.compactMap { makeClient($0.name) }
        let transport = IRCTransport(clients: ircClients, logger: logger, metrics: metrics, makeClient: makeClient)
        let imageHosting = try await Self.imageHosting(configuration: configuration, store: store, metrics: metrics, clock: clock,
                                                       logger: Logger(label: "mjbridge.images", level: logger.logLevel))
        let linkFetcher = try imageFetcher ?? GuardedImageFetcher(
            settings: configuration.images, logger: Logger(label: "mjbridge.images", level: logger.logLevel))
        let matrixLogger = Logger(label: "mjbridge.matrix", level: logger.logLevel)
        let resultImages = MatrixResultImages(store: store, host: imageHosting?.host, fetcher: linkFetcher, logger: matrixLogger)
        let matrix = MatrixTransport(accounts: configuration.matrix.map {
            MatrixAccount(settings: $0, store: store, logger: matrixLogger, resultImages: resultImages, metrics: metrics)
        })
        metrics.prepareMatrixSeries(accounts: configuration.matrix.map(\.name))
        // Several processes on one database: each network and account held by one of them.
        var ownership: OwnershipService?
        var ownedTransports: OwnedTransports?
        if let postgres, let shared = configuration.store.postgres {
            let transports = OwnedTransports(irc: transport, matrix: matrix, logger: logger)
            ownedTransports = transports
            ownership = OwnershipService(names: configuration.networks.map(\.name) + configuration.matrix.map(\.name),
                                         settings: configuration.store, configuration: shared, store: postgres, transports: transports,
                                         logger: Logger(label: "mjbridge.ownership", level: logger.logLevel))
        }
        let live = LiveSettingsHolder(configuration.liveSettings())
        let reloader = configPath.map { path in
            ConfigReloader(path: path, loader: loader, running: configuration, live: live, store: store, transport: transport,
                           logLevel: logLevel ?? LiveLogLevel(logger.logLevel),
                           logger: Logger(label: "mjbridge.reload", level: logger.logLevel))
        }
        let bridge = ChatBridge(configuration: configuration.bridgeConfiguration(notifyHook: notifyHook, callbackSecret: secret),
                            client: clients.main, store: store, transport: TransportRouter(irc: transport, matrix: matrix),
                            imageFetcher: linkFetcher,
                            resultImageHost: imageHosting?.host ?? DisabledResultImageHost(),
                            modeClients: clients.byMode, clock: clock, live: live, reloader: reloader,
                            metrics: metrics.bridgeMetrics, holding: ownership,
                            logger: Logger(label: "mjbridge.bridge", level: logger.logLevel))
        await ownedTransports?.attach(bridge)
        // A NOTIFY from the process that committed lines for a network held here.
        await ownership?.attach(wake: { await bridge.registered(network: $0) })
        let routes = CallbackRoutes(secret: secret, sink: BridgeCallbackSink(bridge: bridge), metrics: metrics)
        let health = RuntimeHealth(transport: transport, ownership: ownership, matrixAccounts: matrix.accounts, tracker: bridge.tracker,
                                   clock: clock,
                                   pollFailureThreshold: RuntimeHealth.threshold(pollInterval: configuration.proxy.pollIntervalSeconds))
        let matrixAccounts = matrix.accounts
        let tracker = bridge.tracker
        let observability = ObservabilityRoutes(health: health, metrics: metrics, beforeScrape: {
            // Gauges are read at scrape time: two COUNTs and each client's state, no bookkeeping
            // that could drift from the store.
            do {
                let gauges = try await store.gauges()
                metrics.storeGauges(gauges)
            } catch {
                logger.warning("cannot read the store for /metrics", metadata: ["error": "\(error)"])
            }
            for (name, client) in transport.clients {
                metrics.connection(network: name, registered: await client.isRegistered)
            }
            for (name, account) in matrixAccounts {
                metrics.matrixAccount(name, status: await account.currentStatus)
            }
            if let last = await tracker.lastPoll { metrics.lastPoll(reachedProxy: last.failure == nil) }
        })
        return BotRuntime(configuration: configuration, bridge: bridge, transport: transport, matrix: matrix, store: store,
                          ownership: ownership,
                          notifyHook: notifyHook, reloader: reloader, metrics: metrics, routes: routes,
                          observability: observability, listen: listen, metricsListen: metricsListen,
                          imageHost: imageHosting?.host, imageRoutes: imageHosting?.routes, imageService: imageHosting?.service,
                          logger: logger)
    }

    /// The image host when `[images] public_base_url` is set: a disk blob store at `store_dir`,
    /// a fetcher with its own limiter (mirrors never wait behind users' images, nor they behind
    /// mirrors), the `/i/` routes and the background service. Nil (logged) when not set.
    static func imageHosting(configuration: Configuration, store: any BotStore, metrics: BotMetrics, clock: BridgeClock,
                             logger: Logger) async throws -> (host: HostedResultImages, routes: ImageRoutes, service: ImageHostingService)? {
        guard let settings = HostedResultImages.Settings(configuration.images, proxyBaseURL: configuration.proxy.baseURL) else {
            logger.notice("no images.public_base_url: result images are not hosted, the proxy's links are posted as they are (they expire)")
            return nil
        }
        let directory = configuration.images.storeDirectory(databasePath: configuration.bot.databasePath)
        let blobs = try DiskBlobStore(directory: directory)
        let limiter = DownloadLimiter(maxConcurrent: 4, budgetBytes: 4 * configuration.images.maxImageBytes)
        let fetcher = try GuardedFetcher(policy: settings.fetchPolicy, limiter: limiter, logger: logger)
        let host = try await HostedResultImages.make(settings: settings, store: store, blobs: blobs, fetcher: fetcher,
                                                     now: clock.now, metrics: metrics, logger: logger)
        let served = ServedImageLog()
        logger.notice("hosting result images", metadata: ["links": "\(settings.publicBaseURL)/i/<name>", "store_dir": "\(directory)"])
        return (host, ImageRoutes(store: store, blobs: blobs, served: served, now: clock.now, logger: logger),
                ImageHostingService(host: host, served: served, logger: logger))
    }

    /// What `lockDatabase(of:)` returns: keep it alive as long as the bot runs.
    public typealias DatabaseLockHandle = DatabaseLock

    /// The one-bot-per-database lock (`<database>.lock`, see `DatabaseLock`); `mjbridge run`
    /// takes it before `make` opens the store and holds it until the process ends. Not taken
    /// by `make` itself: in-process restarts in tests open the same file again on purpose.
    /// - Throws: `DatabaseLockError` naming the file and, when known, the holder's pid.
    /// Nil with a shared PostgreSQL store (`[store] url`): several processes use it on purpose,
    /// and each network's advisory lock decides who speaks there.
    public static func lockDatabase(of configuration: Configuration) throws -> DatabaseLock? {
        guard !configuration.store.isShared else { return nil }
        return try DatabaseLock.acquire(forDatabaseAt: configuration.bot.databasePath)
    }

    /// The services in start order; graceful shutdown runs in reverse.
    public func services() -> [any Service] {
        var services: [any Service] = []
        let httpLogger = Logger(label: "mjbridge.http", level: logger.logLevel)
        if let listen {
            // `/health` and `/metrics` beside the callback unless they have a listener of their own.
            var groups: [any HTTPRouteGroup] = metricsListen == nil ? [routes, observability] : [routes]
            // `/i/<name>` beside the callback: the listener a reverse proxy exposes.
            if let imageRoutes { groups.append(imageRoutes) }
            services.append(HTTPListener(host: listen.host, port: listen.port, key: "listen", routes: groups, logger: httpLogger))
        }
        if let metricsListen {
            services.append(HTTPListener(host: metricsListen.host, port: metricsListen.port, key: "metrics_listen",
                                         routes: [observability], logger: httpLogger))
        }
        if let imageService { services.append(imageService) }
        services.append(BridgeService(bridge: bridge, logger: logger))
        // Before the transports, so it stops after them: their QUITs go out before the locks
        // are released and a standby takes over.
        if let ownership { services.append(ownership) }
        // A service that returns ends the group: one without networks or accounts is left out.
        // Held among several processes, a network or account starts when this one takes it over.
        if !transport.clients.isEmpty {
            services.append(IRCService(transport: transport, bridge: bridge, startsClients: ownership == nil))
        }
        if !matrix.accounts.isEmpty, ownership == nil { services.append(MatrixService(transport: matrix, bridge: bridge)) }
        return services
    }

    /// Runs until SIGTERM or SIGINT (or a service fails); SIGHUP re-reads the config.
    public func run() async throws {
        try await serviceGroup(signals: [.sigterm, .sigint], reloadSignal: .sighup).run()
    }

    /// The bot as one service group; `triggerGracefulShutdown()` ends it like a signal would.
    /// `reloadSignal` re-reads the config file (when the runtime has one).
    public func serviceGroup(signals: [UnixSignal], reloadSignal: UnixSignal? = nil) -> ServiceGroup {
        var services = services()
        if let reloadSignal, let reloader {
            services.append(ReloadService(reloader: reloader, signal: reloadSignal, logger: logger))
        }
        return ServiceGroup(configuration: .init(
            services: services.map { .init(service: $0) },
            gracefulShutdownSignals: signals,
            logger: logger))
    }
}

extension Logger {
    init(label: String, level: Logger.Level) {
        self.init(label: label)
        self.logLevel = level
    }
}

enum CallbackSecret {
    /// 128 random bits as hex: unguessable, and safe in a URL path.
    static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in
            let word = UInt32.random(in: .min ... .max, using: &generator)
            let hex = String(word, radix: 16)
            return String(repeating: "0", count: 8 - hex.count) + hex
        }.joined()
    }
}
