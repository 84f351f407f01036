import Foundation

/// Any JSON value, kept as received.
///
/// Proxies disagree about types (`result` is a string on the servers and a number in gateway
/// docs, `progress` is `"42%"`, `numberOfQueues` may be a number or a string), so the models decode
/// into this first and interpret leniently instead of failing on the first surprise.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    /// Integers are kept apart from doubles so 16-digit task ids survive untouched.
    case integer(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Parses a complete JSON document; `nil` for empty or whitespace-only data.
    public static func parse(_ data: Data) throws -> JSONValue? {
        if data.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return nil }
        var parser = JSONValueParser(data)
        return try parser.parseDocument()
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// Strings as they are, numbers and booleans in their JSON spelling; `nil` for null, arrays, objects.
    public var stringValue: String? {
        switch self {
        case .string(let s): return s
        case .integer(let i): return String(i)
        case .double(let d):
            if d.rounded() == d, abs(d) < 9.0e15 { return String(Int64(d)) }
            return String(d)
        case .bool(let b): return b ? "true" : "false"
        case .null, .array, .object: return nil
        }
    }

    /// Numbers, and strings that hold a number (optionally followed by `%`).
    public var intValue: Int? {
        switch self {
        case .integer(let i): return Int(exactly: i)
        case .double(let d): return d.isFinite ? Int(d.rounded(.towardZero)) : nil
        case .string(let s):
            var text = s.trimmingCharacters(in: .whitespaces)
            if text.hasSuffix("%") { text.removeLast() }
            if let i = Int(text) { return i }
            if let d = Double(text), d.isFinite { return Int(d.rounded(.towardZero)) }
            return nil
        case .bool, .null, .array, .object: return nil
        }
    }

    public var int64Value: Int64? {
        switch self {
        case .integer(let i): return i
        case .double(let d): return d.isFinite && abs(d) < 9.2e18 ? Int64(d) : nil
        case .string(let s): return Int64(s.trimmingCharacters(in: .whitespaces))
        case .bool, .null, .array, .object: return nil
        }
    }

    public var boolValue: Bool? {
        switch self {
        case .bool(let b): return b
        case .string(let s): return s == "true" ? true : (s == "false" ? false : nil)
        case .integer(let i): return i != 0
        default: return nil
        }
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    public var objectValue: [String: JSONValue]? {
        if case .object(let o) = self { return o }
        return nil
    }
}

extension JSONValue: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        // `JSONValue.parse` (what the client uses) decides types without trying; this path
        // (a model decoded by a `Decoder`) must try. Strings first: they are the commonest
        // scalar and no JSON decoder reads a number or a boolean as a String, so the order
        // changes no result.
        if container.decodeNil() {
            self = .null
        } else if let s = try? container.decode(String.self) {
            self = .string(s)
        } else if let b = try? container.decode(Bool.self) {
            self = .bool(b)
        } else if let i = try? container.decode(Int64.self) {
            self = .integer(i)
        } else if let d = try? container.decode(Double.self) {
            self = .double(d)
        } else if let a = try? container.decode([JSONValue].self) {
            self = .array(a)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let b): try container.encode(b)
        case .integer(let i): try container.encode(i)
        case .double(let d): try container.encode(d)
        case .string(let s): try container.encode(s)
        case .array(let a): try container.encode(a)
        case .object(let o): try container.encode(o)
        }
    }
}
