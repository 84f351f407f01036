// swift-tools-version:6.1
import PackageDescription

// One target per layer; see README "Architecture". Pure protocol code (IRC, Bridge) has no
// I/O dependencies so its tests run in microseconds; the shells (IRCClient, MidjourneyAPI,
// MidjourneySimulator, Store, App) are thin and tested against real peers.
let package = Package(
    name: "mjbridge",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "mjbridge", targets: ["mjbridge"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        // Prometheus text exposition with real histograms, as the swift-metrics backend.
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        // HMAC-SHA256 for the signed callback `state` (Bridge/Tracking/SignedRouteState).
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        // The shared database of several bot processes (issue 10): PostgresClient pool, advisory
        // locks on a dedicated session, LISTEN/NOTIFY.
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        // Pure IRC protocol: values and state machines, Foundation only — plus Crypto for the
        // hashes and HMAC of SASL SCRAM (no I/O).
        .target(name: "IRC", dependencies: [
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // NIO + TLS I/O shell that executes what the IRC state machines decide.
        .target(name: "IRCClient", dependencies: [
            "IRC",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Logging", package: "swift-log"),
            // SHA-256 of the server's certificate and key for `tls_fingerprint` pins.
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // Typed client for the Midjourney proxy HTTP contract.
        .target(name: "MidjourneyAPI", dependencies: [
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // A stand-in proxy that follows the contract, for tests, the demo and benchmarks.
        // It speaks JSON on its own (no shared Codable models) so client decoding bugs show.
        .target(name: "MidjourneySimulator", dependencies: [
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            // Its servers stop by graceful shutdown (cancelling a NIO server can trap).
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            // Callbacks are POSTed with AsyncHTTPClient (URLSession could not carry 5,000/s).
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
        ]),
        // SQLite persistence: tasks, routes, delivery outbox.
        .target(name: "Store", dependencies: [
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        // The same BotStore on PostgreSQL, for several bot processes sharing one database: records
        // as JSON beside the columns queries filter on, migrations under an advisory lock.
        .target(name: "PostgresStore", dependencies: [
            "Store",
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Transport-agnostic bot logic.
        .target(name: "Bridge", dependencies: [
            // IRC (pure, Foundation only) for CASEMAPPING and hostmask patterns in roles.
            "IRC", "MidjourneyAPI", "Store",
            .product(name: "Logging", package: "swift-log"),
            // HMAC-SHA256 signs and verifies the route `state` sent with each task.
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // Downloads of images named by URL: pure policy (address classes, allowlist, redirects,
        // size, magic bytes) and a thin NIO shell that connects to the checked address.
        .target(name: "GuardedFetch", dependencies: [
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Hosting the bot's result images: the content-addressed blob store behind a small
        // protocol (disk today; S3 or PostgreSQL large objects could implement it), public
        // names, retention and retry decisions as values. SHA-256 and HMAC from Crypto.
        .target(name: "ImageHosting", dependencies: [
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // Matrix client-server API: request builders, /sync parsing, reply content, retry
        // decisions (pure), and a thin MatrixClient actor over AsyncHTTPClient.
        .target(name: "Matrix", dependencies: [
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Wiring: config, HTTP endpoints, services, transports.
        .target(name: "App", dependencies: [
            "IRC", "IRCClient", "MidjourneyAPI", "MidjourneySimulator", "Store", "PostgresStore", "Bridge", "GuardedFetch", "ImageHosting", "Matrix",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            .product(name: "TOMLKit", package: "TOMLKit"),
        ]),
        // Benchmarks (figures, not tests): `swift run -c release mjbridge-bench`.
        .executableTarget(name: "mjbridge-bench", dependencies: [
            "IRC", "MidjourneyAPI", "MidjourneySimulator",
            // The tracking and start-up benchmarks run the bridge's own parts (TaskTracker,
            // SQLiteStore, ConsoleTransport); callback → wire latency and flood-safe delivery
            // run the whole bot (App) in-process; takeover and outbox claims PostgresStore.
            "App", "Bridge", "Store", "PostgresStore", "BenchSupport",
            .product(name: "Logging", package: "swift-log"),
            // ScriptRunner starts Scripts/testnet (no pipes a daemon could hold open).
            "TestnetSupport",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], path: "Benchmarks/mjbridge-bench"),
        // The benchmarks' own bookkeeping (statement counts, /proc parsing, row verdicts); no timings.
        .testTarget(name: "BenchmarkTests", dependencies: ["mjbridge-bench"]),
        // The benchmarks' arithmetic (percentiles, the fake-lag minimum): pure, and tested.
        .target(name: "BenchSupport", path: "Benchmarks/BenchSupport"),
        .executableTarget(name: "mjbridge", dependencies: [
            "App",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Fixtures/ (the ircv3 parser-tests vectors) is read by path, not bundled.
        .testTarget(name: "IRCTests", dependencies: ["IRC"], exclude: ["Fixtures"]),
        // Test-only: starts the real InspIRCd + Atheme of Scripts/testnet/ and speaks to it as a user.
        .target(name: "TestnetSupport", dependencies: [
            "IRC", "IRCClient",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
        ], path: "Tests/TestnetSupport"),
        // Test-only: starts the real Synapse of Scripts/matrix-testnet/ (ScriptRunner from TestnetSupport).
        .target(name: "MatrixTestSupport", dependencies: ["TestnetSupport"], path: "Tests/MatrixTestSupport"),
        .testTarget(name: "MatrixTests", dependencies: [
            "Matrix", "MatrixTestSupport",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ]),
        .testTarget(name: "IRCClientTests", dependencies: ["IRCClient", "IRC", "TestnetSupport"]),
        .testTarget(name: "MidjourneyAPITests", dependencies: ["MidjourneyAPI", "MidjourneySimulator"]),
        .testTarget(name: "MidjourneySimulatorTests", dependencies: [
            "MidjourneySimulator",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ]),
        // Test-only: the throw-away PostgreSQL of Scripts/pg-testnet/, one per test process, a
        // fresh database per test.
        .target(name: "PostgresTestSupport", dependencies: ["TestnetSupport"], path: "Tests/PostgresTestSupport"),
        // The store's behaviour tests run on SQLite and on the real PostgreSQL.
        .testTarget(name: "StoreTests", dependencies: ["Store", "PostgresStore", "PostgresTestSupport"]),
        .testTarget(name: "BenchSupportTests", dependencies: ["BenchSupport"]),
        // DiskBlobStore on a real temp directory; the pure planners exactly.
        .testTarget(name: "ImageHostingTests", dependencies: ["ImageHosting"]),
        .testTarget(name: "BridgeTests", dependencies: [
            "Bridge", "MidjourneyAPI", "MidjourneySimulator", "Store",
            // A store moved to the real PostgreSQL (`migrate-store`) delivers the moved tasks.
            "PostgresStore", "PostgresTestSupport",
            // The harness downloads image links with the real fetcher (loopback allowed).
            "GuardedFetch",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ]),
        // Loopback HTTP(S) servers of its own; the TLS tests make a throwaway CA with openssl.
        .testTarget(name: "GuardedFetchTests", dependencies: [
            "GuardedFetch",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
        ]),
        .testTarget(name: "AppTests", dependencies: [
            "App", "IRC", "IRCClient", "MidjourneySimulator", "TestnetSupport", "Bridge", "Store", "MidjourneyAPI",
            "ImageHosting", "GuardedFetch", "Matrix", "MatrixTestSupport",
            // Several bot processes on one real PostgreSQL (network ownership, failover).
            "PostgresStore", "PostgresTestSupport",
            // The end-to-end tests start the real executable (SIGKILL/SIGTERM), so it must be built.
            "mjbridge",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
