import Foundation
import Logging

/// The options of `mjbridge simulate`, checked and turned into what `SimulatorServer.start` takes:
///
///     mjbridge simulate --port N --flavor trueai|novicezk [--host H] [--api-key K]
///                       [--timing realistic|quick|instant] [--remix] [--public-url URL]
///
/// The command line is parsed by the app; this type only interprets the values, so every
/// message about a bad value is written once, here.
public struct SimulatorLaunchOptions: Sendable {
    public var host: String
    public var port: Int
    public var configuration: SimulatorConfiguration

    /// Throws `SimulatorError.invalidOption` with a sentence naming the option and what is accepted.
    /// The clock is always real time: the manual clock is for tests in-process.
    public init(host: String = "127.0.0.1", port: Int, flavor: String, apiKey: String? = nil,
                timing: String = "realistic", remix: Bool = false, publicURL: String? = nil) throws(SimulatorError) {
        let trimmedHost = host.trimmingCharacters(in: .whitespaces)
        guard !trimmedHost.isEmpty, !trimmedHost.contains("/"), !trimmedHost.contains(" ") else {
            throw .invalidOption("--host must be an address to listen on, e.g. 127.0.0.1 or 0.0.0.0; got '\(host)'")
        }
        guard (0...65_535).contains(port) else {
            throw .invalidOption("--port must be 0...65535 (0 = any free port); got \(port)")
        }
        guard let parsedFlavor = SimulatorFlavor(parsing: flavor) else {
            throw .invalidOption("--flavor must be one of \(SimulatorFlavor.allCases.map(\.rawValue).joined(separator: ", ")); got '\(flavor)'")
        }
        guard let parsedTiming = SimulatorTiming(parsing: timing) else {
            throw .invalidOption("--timing must be one of \(SimulatorTiming.names.joined(separator: ", ")); got '\(timing)'")
        }
        var publicBase: String?
        if let publicURL, !publicURL.trimmingCharacters(in: .whitespaces).isEmpty {
            let trimmed = publicURL.trimmingCharacters(in: .whitespaces)
            guard let components = URLComponents(string: trimmed),
                  let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
                  components.host?.isEmpty == false, components.query == nil else {
                throw .invalidOption("--public-url must be an http(s) URL without query, e.g. http://203.0.113.5:8080; got '\(publicURL)'")
            }
            publicBase = trimmed
        }
        let key = apiKey.flatMap { $0.isEmpty ? nil : $0 }
        self.host = trimmedHost
        self.port = port
        self.configuration = SimulatorConfiguration(flavor: parsedFlavor, apiKey: key, timing: parsedTiming,
                                                    clock: .realTime(), remix: remix, publicBaseURL: publicBase)
    }
}

extension SimulatorServer {
    /// Starts a simulator from `mjbridge simulate` options; the banner is logged at `notice`.
    public static func start(_ options: SimulatorLaunchOptions, logger: Logger) async throws -> SimulatorServer {
        try await start(host: options.host, port: options.port, configuration: options.configuration, logger: logger)
    }
}
