import ArgumentParser
import Foundation
import Logging
import PostgresStore
import Store

struct MigrateStoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate-store",
        abstract: "Copy a stopped bot's SQLite store into an empty PostgreSQL database.",
        discussion: """
            The password comes from the environment (MJBRIDGE_STORE_PASSWORD) or from --password-file, \
            never from the command line. The SQLite file is only read; nothing is copied unless all of it is.
            """
    )

    @Option(help: "The SQLite database file of the bot (`bot.database`).")
    var from: String

    @Option(help: "postgres://user@host[:port]/database[?sslmode=disable|require|verify-full&sslrootcert=FILE]")
    var to: String

    @Option(help: "A file holding the PostgreSQL password (instead of MJBRIDGE_STORE_PASSWORD).")
    var passwordFile: String?

    func run() async throws {
        do {
            let password = try StorePassword.resolve(environment: ProcessInfo.processInfo.environment, file: passwordFile)
            let target = try PostgresStoreConfiguration(url: to, password: password)
            print("copying \(from) into \(target.displayURL)")
            // Errors are reported below, once, in full; the pool's own warnings are noise here.
            var logger = Logger(label: "mjbridge.migrate-store")
            logger.logLevel = .error
            let report: StoreCopy.Report
            do {
                report = try await StoreCopy.copy(sqlitePath: from, to: target, logger: logger)
            } catch PostgresStoreError.cannotConnect(let why) where password == nil {
                throw PostgresStoreError.cannotConnect(
                    why + " (no password was given: set \(StorePassword.environmentVariable) or use --password-file)")
            }
            print("copied in one transaction; rows per table (read from SQLite → read back from PostgreSQL):")
            for line in report.lines { print("  " + line) }
            print("done: point [store] url at the PostgreSQL database; keep \(from) until the bot runs well there")
        } catch {
            FileHandle.standardError.write(Data("mjbridge migrate-store: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
