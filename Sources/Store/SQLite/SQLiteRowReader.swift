import SQLiteNIO

/// Reads typed columns from a row, naming table, row and column when a value is missing or of
/// the wrong type, instead of trapping or silently defaulting.
struct SQLiteRowReader {
    let row: SQLiteRow
    let table: String
    var key: String

    init(_ row: SQLiteRow, table: String, key: String = "?") {
        self.row = row
        self.table = table
        self.key = key
    }

    func failure(_ column: String, _ reason: String) -> StoreError {
        .corruptRow(table: table, key: key, column: column, reason: reason)
    }

    private func value(_ column: String) throws(StoreError) -> SQLiteData {
        guard let data = row.column(column) else { throw failure(column, "column missing") }
        return data
    }

    func string(_ column: String) throws(StoreError) -> String {
        guard case .text(let text) = try value(column) else { throw failure(column, "expected text") }
        return text
    }

    func optionalString(_ column: String) throws(StoreError) -> String? {
        let data = try value(column)
        if data.isNull { return nil }
        guard case .text(let text) = data else { throw failure(column, "expected text or null") }
        return text
    }

    func int64(_ column: String) throws(StoreError) -> Int64 {
        guard let value = try optionalInt64(column) else { throw failure(column, "expected an integer, found null") }
        return value
    }

    func optionalInt64(_ column: String) throws(StoreError) -> Int64? {
        let data = try value(column)
        if data.isNull { return nil }
        guard case .integer(let integer) = data else { throw failure(column, "expected an integer") }
        return Int64(integer)
    }

    func double(_ column: String) throws(StoreError) -> Double {
        guard let value = try optionalDouble(column) else { throw failure(column, "expected a number, found null") }
        return value
    }

    /// REAL columns may hand back whole numbers as integers; both are numbers.
    func optionalDouble(_ column: String) throws(StoreError) -> Double? {
        switch try value(column) {
        case .null: return nil
        case .float(let double): return double
        case .integer(let integer): return Double(integer)
        case .text, .blob: throw failure(column, "expected a number")
        }
    }

    func json<Value: Decodable>(_ column: String, as type: Value.Type) throws(StoreError) -> Value {
        let text = try string(column)
        do {
            return try StoredJSON.decode(type, from: text)
        } catch {
            throw failure(column, "invalid JSON: \(error)")
        }
    }
}

extension SQLiteData {
    static func int64(_ value: Int64) -> SQLiteData { .integer(SQLiteInt64(value)) }

    static func optional(_ value: Int64?) -> SQLiteData { value.map(int64) ?? .null }
    static func optional(_ value: Double?) -> SQLiteData { value.map { .float($0) } ?? .null }
    static func optional(_ value: String?) -> SQLiteData { value.map { .text($0) } ?? .null }
}
