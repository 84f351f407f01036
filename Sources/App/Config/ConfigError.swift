/// Why a configuration file was refused. Every case names the key a user has to fix.
public enum ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case syntax(message: String, line: Int?, column: Int?)
    case unknownKey(String)
    case missingKey(String)
    case wrongType(key: String, expected: String, found: String)
    case invalidValue(key: String, reason: String)
    case secretConflict(key: String)
    case secretFileUnreadable(key: String, path: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            "cannot read config file \(path): \(reason)"
        case .syntax(let message, let line, let column):
            if let line, let column { "TOML syntax error at line \(line), column \(column): \(message)" }
            else { "TOML syntax error: \(message)" }
        case .unknownKey(let key):
            "unknown key '\(key)' (misspelled? see bot.conf.example for every key)"
        case .missingKey(let key):
            "missing required key '\(key)'"
        case .wrongType(let key, let expected, let found):
            "key '\(key)' must be \(expected), found \(found)"
        case .invalidValue(let key, let reason):
            "key '\(key)': \(reason)"
        case .secretConflict(let key):
            "key '\(key)' and '\(key)_file' are both set; keep one"
        case .secretFileUnreadable(let key, let path):
            "key '\(key)_file': cannot read \(path)"
        }
    }
}
