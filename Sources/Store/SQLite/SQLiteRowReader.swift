import SQLiteNIO

/// The typed accessors of ``StoredRowReader`` over a SQLiteNIO row.
struct SQLiteRowReader: StoredRowReader {
    let row: SQLiteRow
    let table: String
    var key: String

    init(_ row: SQLiteRow, table: String, key: String = "?") {
        self.row = row
        self.table = table
        self.key = key
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

    func optionalInt64(_ column: String) throws(StoreError) -> Int64? {
        let data = try value(column)
        if data.isNull { return nil }
        guard case .integer(let integer) = data else { throw failure(column, "expected an integer") }
        return Int64(integer)
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
}

extension SQLiteData {
    static func int64(_ value: Int64) -> SQLiteData { .integer(SQLiteInt64(value)) }

    static func optional(_ value: Int64?) -> SQLiteData { value.map(int64) ?? .null }
    static func optional(_ value: Double?) -> SQLiteData { value.map { .float($0) } ?? .null }
    static func optional(_ value: String?) -> SQLiteData { value.map { .text($0) } ?? .null }
}
