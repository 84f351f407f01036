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

    @Option(help: "The SQLite database file of the bot (its [bot] database).")
    var from: String

    @Option(help: "postgres://user@host[:port]/database[?sslmode=disable|require|verify-full&sslrootcert=FILE]")
    var to: String

    @Option(help: "A file holding the PostgreSQL password (instead of MJBRIDGE_STORE_PASSWORD).")
    var passwordFile: String?

    func run() async throws {
        do {
            let target = try PostgresStoreConfiguration(url: to, password: try password())
            print("copying \(from) into \(target.displayURL)")
            let report = try await StoreCopy.copy(sqlitePath: from, to: target, logger: Logger(label: "mjbridge.migrate-store"))
            print("copied in one transaction; rows per table (read from SQLite → read back from PostgreSQL):")
            for line in report.lines { print("  " + line) }
            print("done: point [store] url at the PostgreSQL database; keep \(from) until the bot runs well there")
        } catch {
            FileHandle.standardError.write(Data("mjbridge migrate-store: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }

    /// The environment or the file; both at once is a mistake worth stopping on.
    func password() throws -> String? {
        let fromEnvironment = ProcessInfo.processInfo.environment["MJBRIDGE_STORE_PASSWORD"].flatMap { $0.isEmpty ? nil : $0 }
        guard let passwordFile else { return fromEnvironment }
        guard fromEnvironment == nil else {
            throw ValidationError("the password is given twice (MJBRIDGE_STORE_PASSWORD and --password-file): give one")
        }
        guard let data = FileManager.default.contents(atPath: passwordFile) else {
            throw ValidationError("cannot read the password file \(passwordFile)")
        }
        // Files written by editors end in a newline that is not part of the password.
        let password = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !password.isEmpty else { throw ValidationError("the password file \(passwordFile) is empty") }
        return password
    }
}
