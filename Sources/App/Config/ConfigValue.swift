import TOMLKit

/// A TOML document as a plain `Sendable` value tree.
///
/// TOMLKit hands out reference types bound to a C++ document; converting once at load time
/// keeps the rest of configuration handling pure and easy to test.
enum ConfigValue: Sendable, Equatable {
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case array([ConfigValue])
    case table([String: ConfigValue])
    /// Dates and times: parsed, but no key of ours takes one, so they only produce type errors.
    case other(String)

    var typeName: String {
        switch self {
        case .string: "a string"
        case .int: "an integer"
        case .double: "a number"
        case .bool: "a boolean"
        case .array: "an array"
        case .table: "a table"
        case .other(let kind): "a \(kind)"
        }
    }

    /// Parses TOML text; syntax errors carry the line and column toml++ reports.
    static func parse(toml text: String) throws(ConfigError) -> [String: ConfigValue] {
        try TOMLCrashGuard.check(text)
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw .syntax(message: error.description, line: error.source.begin.line, column: error.source.begin.column)
        } catch {
            throw .syntax(message: "\(error)", line: nil, column: nil)
        }
        return convert(table)
    }

    private static func convert(_ table: TOMLTable) -> [String: ConfigValue] {
        var result: [String: ConfigValue] = [:]
        for key in table.keys {
            if let value = table[key] { result[key] = convert(value) }
        }
        return result
    }

    private static func convert(_ value: any TOMLValueConvertible) -> ConfigValue {
        switch value.type {
        case .string: return .string(value.string ?? "")
        case .int: return .int(value.int ?? 0)
        case .double: return .double(value.double ?? 0)
        case .bool: return .bool(value.bool ?? false)
        case .table: return .table(value.table.map(convert) ?? [:])
        case .array:
            guard let array = value.array else { return .array([]) }
            return .array(array.map { convert($0) })
        case .date: return .other("date")
        case .time: return .other("time")
        case .dateTime: return .other("date-time")
        }
    }
}
