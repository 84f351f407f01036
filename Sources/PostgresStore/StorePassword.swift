import Foundation

/// Where `migrate-store` takes the PostgreSQL password from: the environment
/// (`MJBRIDGE_STORE_PASSWORD`) or a file, never the command line (it would be in the shell's
/// history and in `ps` for every user of the machine).
public enum StorePassword {
    public static let environmentVariable = "MJBRIDGE_STORE_PASSWORD"

    /// The password, or nil when neither gives one (a server that trusts the connection).
    /// Both at once is refused: which one was meant is a guess.
    public static func resolve(environment: [String: String], file: String?) throws -> String? {
        let fromEnvironment = environment[environmentVariable].flatMap { $0.isEmpty ? nil : $0 }
        guard let file else { return fromEnvironment }
        guard fromEnvironment == nil else {
            throw StorePasswordError("the password is given twice (\(environmentVariable) and a password file): give one")
        }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw StorePasswordError("cannot read the password file \(file)")
        }
        // Files written by editors end in a newline that is not part of the password.
        let password = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !password.isEmpty else { throw StorePasswordError("the password file \(file) is empty") }
        return password
    }
}

public struct StorePasswordError: Error, Equatable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
