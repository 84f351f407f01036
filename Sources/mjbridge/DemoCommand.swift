import App
import ArgumentParser
import Foundation
import Logging

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Chat with the bot in your terminal, against the built-in proxy simulator. No config, no network."
    )

    @Flag(name: .shortAndLong, help: "Show the bot's log (HTTP, polling, callbacks) on stderr.")
    var verbose = false

    func run() async throws {
        let level: Logger.Level = verbose ? .debug : .warning
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        var logger = Logger(label: "mjbridge.demo")
        logger.logLevel = level
        try await DemoRuntime().run(input: StandardInputLines.stream(), write: { line in print(line) }, logger: logger)
    }
}
