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
        let options: SimulatorLaunchOptions
        do {
            options = try SimulatorLaunchOptions(
                host: host, port: port, flavor: flavor,
                apiKey: apiKey ?? ProcessInfo.processInfo.environment["MJBRIDGE_SIMULATOR_API_KEY"],
                timing: timing, remix: remix, publicURL: publicURL)
        } catch {
            throw ValidationError("\(error)")
        }
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        // The server logs a banner saying loudly that it is a simulator, with its URLs.
        let server = try await SimulatorServer.start(options, logger: Logger(label: "mjbridge.simulator"))
        try await server.waitUntilStopped()
    }
}
