import App
import ArgumentParser
import Foundation
import Logging
import MidjourneySimulator

struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Run the Midjourney proxy simulator (for trying the bot without a real proxy)."
    )

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0 picks a free one).")
    var port = 8080

    @Option(help: "Which proxy to imitate: trueai or novicezk (novicezk also stands for midjourney-proxy-plus).")
    var flavor = "trueai"

    @Option(name: .customLong("api-key"), help: "Key clients must send (default: none required). Or env MJBRIDGE_SIMULATOR_API_KEY.")
    var apiKey: String?

    @Option(help: "Job speed: realistic (~20 s per job), quick (under a second) or instant.")
    var timing = "realistic"

    @Flag(help: "Answer variations, rerolls, vary and pan with code 21 (remix modal), like remix mode.")
    var remix = false

    @Option(name: .customLong("public-url"), help: "Base URL for image links, when clients reach the simulator by another name.")
    var publicURL: String?

    func run() async throws {
        guard let flavor = SimulatorFlavor(parsing: flavor) else {
            throw ValidationError("unknown --flavor '\(self.flavor)'; use trueai or novicezk")
        }
        let timing: SimulatorTiming
        switch self.timing.lowercased() {
        case "realistic": timing = .realistic
        case "quick": timing = .quick
        case "instant": timing = .instant
        default: throw ValidationError("unknown --timing '\(self.timing)'; use realistic, quick or instant")
        }
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        let key = apiKey ?? ProcessInfo.processInfo.environment["MJBRIDGE_SIMULATOR_API_KEY"]
        let server = try await SimulatorServer.start(
            host: host, port: port,
            configuration: SimulatorConfiguration(flavor: flavor, apiKey: key, timing: timing, remix: remix,
                                                  publicBaseURL: publicURL),
            logger: Logger(label: "mjbridge.simulator"))
        print("Midjourney proxy SIMULATOR (\(flavor)) at \(server.apiBaseURL) — not a real proxy, images are generated test patterns.")
        print("Point the bot at it with [proxy] base_url = \"\(server.apiBaseURL)\"\(key == nil ? "" : " and your --api-key").")
        try await server.waitUntilStopped()
    }
}
