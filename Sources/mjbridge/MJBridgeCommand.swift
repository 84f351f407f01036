import App
import ArgumentParser
import Foundation

@main
struct MJBridgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mjbridge",
        abstract: "An IRC bot that bridges chat commands to a Midjourney proxy server.",
        version: MJBridgeVersion.current,
        subcommands: [RunCommand.self, DemoCommand.self, SimulateCommand.self, CheckConfigCommand.self,
                      MigrateStoreCommand.self],
        defaultSubcommand: nil
    )
}

struct CheckConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a config file and print the effective configuration, secrets redacted."
    )

    @Argument(help: "Path of the config file.")
    var path: String = "bot.conf"

    func run() async throws {
        do {
            let config = try ConfigurationLoader().load(path: path)
            print(config.redactedSummary)
            for note in await config.storedSTSNotes() { print(note) }
            print("\n# \(path): OK")
        } catch {
            FileHandle.standardError.write(Data("\(path): \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
