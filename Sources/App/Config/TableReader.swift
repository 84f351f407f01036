import Foundation

/// Reads one TOML table strictly: typed accessors that name the full key path in errors,
/// and `finish()` that rejects keys nobody asked for (typos must not be silently ignored).
struct TableReader {
    let path: String
    private let values: [String: ConfigValue]
    private var used: Set<String> = []

    init(path: String, values: [String: ConfigValue]) {
        self.path = path
        self.values = values
    }

    func key(_ name: String) -> String { path.isEmpty ? name : "\(path).\(name)" }

    func has(_ name: String) -> Bool { values[name] != nil }

    private mutating func raw(_ name: String) -> ConfigValue? {
        used.insert(name)
        return values[name]
    }

    mutating func string(_ name: String) throws(ConfigError) -> String? {
        guard let value = raw(name) else { return nil }
        guard case .string(let s) = value else { throw .wrongType(key: key(name), expected: "a string", found: value.typeName) }
        return s
    }

    mutating func string(_ name: String, default fallback: String) throws(ConfigError) -> String {
        try string(name) ?? fallback
    }

    mutating func requiredString(_ name: String) throws(ConfigError) -> String {
        guard let s = try string(name) else { throw .missingKey(key(name)) }
        guard !s.isEmpty else { throw .invalidValue(key: key(name), reason: "must not be empty") }
        return s
    }

    mutating func int(_ name: String, default fallback: Int, range: ClosedRange<Int>? = nil) throws(ConfigError) -> Int {
        guard let value = raw(name) else { return fallback }
        guard case .int(let i) = value else { throw .wrongType(key: key(name), expected: "an integer", found: value.typeName) }
        if let range, !range.contains(i) {
            throw .invalidValue(key: key(name), reason: "must be between \(range.lowerBound) and \(range.upperBound), found \(i)")
        }
        return i
    }

    mutating func double(_ name: String, default fallback: Double, range: ClosedRange<Double>? = nil) throws(ConfigError) -> Double {
        guard let value = raw(name) else { return fallback }
        let d: Double
        switch value {
        case .double(let x): d = x
        case .int(let i): d = Double(i)
        default: throw .wrongType(key: key(name), expected: "a number", found: value.typeName)
        }
        if let range, !range.contains(d) {
            throw .invalidValue(key: key(name), reason: "must be between \(range.lowerBound) and \(range.upperBound), found \(d)")
        }
        return d
    }

    mutating func bool(_ name: String, default fallback: Bool) throws(ConfigError) -> Bool {
        guard let value = raw(name) else { return fallback }
        guard case .bool(let b) = value else { throw .wrongType(key: key(name), expected: "true or false", found: value.typeName) }
        return b
    }

    mutating func stringArray(_ name: String, default fallback: [String] = []) throws(ConfigError) -> [String] {
        guard let value = raw(name) else { return fallback }
        guard case .array(let items) = value else { throw .wrongType(key: key(name), expected: "an array of strings", found: value.typeName) }
        var result: [String] = []
        for (index, item) in items.enumerated() {
            guard case .string(let s) = item else {
                throw .wrongType(key: "\(key(name))[\(index)]", expected: "a string", found: item.typeName)
            }
            result.append(s)
        }
        return result
    }

    /// One string or an array of strings (`tls_fingerprint = "…"` or `= ["…", "…"]`), with the
    /// key path of each for error messages (`key` or `key[1]`); nil when absent.
    mutating func stringOrStrings(_ name: String) throws(ConfigError) -> [(key: String, value: String)]? {
        guard let value = raw(name) else { return nil }
        switch value {
        case .string(let s):
            return [(key(name), s)]
        case .array(let items):
            var result: [(key: String, value: String)] = []
            for (index, item) in items.enumerated() {
                guard case .string(let s) = item else {
                    throw .wrongType(key: "\(key(name))[\(index)]", expected: "a string", found: item.typeName)
                }
                result.append(("\(key(name))[\(index)]", s))
            }
            return result
        default:
            throw .wrongType(key: key(name), expected: "a string or an array of strings", found: value.typeName)
        }
    }

    mutating func oneOf(_ name: String, _ allowed: [String], default fallback: String) throws(ConfigError) -> String {
        let s = try string(name, default: fallback)
        guard allowed.contains(s) else {
            throw .invalidValue(key: key(name), reason: "must be one of \(allowed.map { "\"\($0)\"" }.joined(separator: ", ")), found \"\(s)\"")
        }
        return s
    }

    mutating func table(_ name: String) throws(ConfigError) -> TableReader? {
        guard let value = raw(name) else { return nil }
        guard case .table(let t) = value else { throw .wrongType(key: key(name), expected: "a table", found: value.typeName) }
        return TableReader(path: key(name), values: t)
    }

    /// An array of tables (`[[networks]]`), or of plain strings when `stringForm` names the
    /// key a bare string stands for (`channels = ["#a"]` is `[[channels]] name = "#a"`).
    mutating func tables(_ name: String, stringForm: String? = nil) throws(ConfigError) -> [TableReader] {
        guard let value = raw(name) else { return [] }
        guard case .array(let items) = value else { throw .wrongType(key: key(name), expected: "an array of tables", found: value.typeName) }
        var result: [TableReader] = []
        for (index, item) in items.enumerated() {
            let itemPath = "\(key(name))[\(index)]"
            switch item {
            case .table(let t): result.append(TableReader(path: itemPath, values: t))
            case .string(let s) where stringForm != nil: result.append(TableReader(path: itemPath, values: [stringForm!: .string(s)]))
            default: throw .wrongType(key: itemPath, expected: stringForm == nil ? "a table" : "a string or a table", found: item.typeName)
            }
        }
        return result
    }

    /// A credential: the environment variable wins, then `<name>_file`, then the inline value.
    mutating func secret(_ name: String, env envName: String, environment: [String: String],
                         readFile: (String) -> String?) throws(ConfigError) -> Secret? {
        let inline = try string(name)
        let file = try string(name + "_file")
        if inline != nil && file != nil { throw .secretConflict(key: key(name)) }
        if let fromEnv = environment[envName], !fromEnv.isEmpty {
            return Secret(fromEnv, origin: "env \(envName)")
        }
        if let file {
            guard let contents = readFile(file) else { throw .secretFileUnreadable(key: key(name), path: file) }
            // Files written by editors end in a newline that is not part of the secret.
            let trimmed = contents.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty else { throw .invalidValue(key: key(name + "_file"), reason: "\(file) is empty") }
            return Secret(trimmed, origin: "file \(file)")
        }
        if let inline, !inline.isEmpty { return Secret(inline, origin: "config \(key(name))") }
        return nil
    }

    /// Rejects every key that no accessor asked for.
    func finish() throws(ConfigError) {
        if let unknown = values.keys.sorted().first(where: { !used.contains($0) }) {
            throw .unknownKey(key(unknown))
        }
    }
}
