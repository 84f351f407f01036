import PostgresNIO

/// Reading rows of `(key, body)` back into records, for the pg-rest tables.
enum RestRecords {
    /// Rows whose first column is the key (for the error message) and second the JSON body.
    static func decode<T: Decodable>(_ type: T.Type, _ rows: [PostgresRow], table: String) throws -> [T] {
        try rows.map { row in
            let (key, body) = try row.decode((String, String).self)
            return try RecordJSON.decode(type, from: body, table: table, key: key)
        }
    }
}
