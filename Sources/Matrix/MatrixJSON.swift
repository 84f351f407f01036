import Foundation

/// Any JSON value. Matrix event content is open-ended (clients add keys freely, hostile
/// senders send anything), so events are read through this instead of strict `Decodable`
/// models: a field of the wrong type makes that one event unreadable, never the whole `/sync`
/// answer. Integers stay integers (`origin_server_ts`, `retry_after_ms`, image sizes).
/// Not called `JSONValue`: the App imports `MidjourneyAPI`, which has one.
public enum MatrixJSON: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([MatrixJSON])
    case object([String: MatrixJSON])

    public subscript(key: String) -> MatrixJSON? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var int64Value: Int64? {
        switch self {
        case .int(let value): value
        case .double(let value) where value.rounded() == value && abs(value) < 9e15: Int64(value)
        default: nil
        }
    }

    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    public var arrayValue: [MatrixJSON]? {
        if case .array(let value) = self { return value }
        return nil
    }

    public var objectValue: [String: MatrixJSON]? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// Parses a JSON document (any top-level value).
    public static func parse(_ data: Data) throws -> MatrixJSON {
        try JSONDecoder().decode(MatrixJSON.self, from: data)
    }

    /// Compact JSON with sorted keys: the same value always gives the same bytes.
    public func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding a MatrixJSON cannot fail: every case maps to a JSON value (a non-finite
        // double is written as null, see `encode(to:)`).
        return (try? encoder.encode(self)) ?? Data("null".utf8)
    }
}

extension MatrixJSON: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([MatrixJSON].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: MatrixJSON].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .double(let value): value.isFinite ? try container.encode(value) : try container.encodeNil()
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}

extension MatrixJSON: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral, ExpressibleByFloatLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: MatrixJSON...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, MatrixJSON)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
    public init(nilLiteral: ()) { self = .null }
    public init(floatLiteral value: Double) { self = .double(value) }
}
