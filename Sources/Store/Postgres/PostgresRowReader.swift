import PostgresNIO

/// The typed accessors of ``StoredRowReader`` over a PostgresNIO row.
struct PostgresRowReader: StoredRowReader {
    let row: PostgresRandomAccessRow
    let table: String
    var key: String

    init(_ row: PostgresRow, table: String, key: String = "?") {
        self.row = row.makeRandomAccess()
        self.table = table
        self.key = key
    }

    private func decode<Value: PostgresDecodable>(_ column: String, as type: Value.Type, expected: String) throws(StoreError) -> Value? {
        // `row[column]` traps on an unknown name: check first.
        guard row.contains(column) else { throw failure(column, "column missing") }
        let cell = row[column]
        guard cell.bytes != nil else { return nil }  // SQL NULL
        do {
            return try cell.decode(Value.self)
        } catch {
            throw failure(column, "expected \(expected)")
        }
    }

    func string(_ column: String) throws(StoreError) -> String {
        guard let text = try decode(column, as: String.self, expected: "text") else { throw failure(column, "expected text, found null") }
        return text
    }

    func optionalString(_ column: String) throws(StoreError) -> String? {
        try decode(column, as: String.self, expected: "text or null")
    }

    func optionalInt64(_ column: String) throws(StoreError) -> Int64? {
        try decode(column, as: Int64.self, expected: "an integer")
    }

    func optionalDouble(_ column: String) throws(StoreError) -> Double? {
        try decode(column, as: Double.self, expected: "a number")
    }
}
