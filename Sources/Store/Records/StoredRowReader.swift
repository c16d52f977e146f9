/// Reads typed columns from one stored row, naming table, row and column when a value is missing
/// or of the wrong type, instead of trapping or silently defaulting. Each backend supplies the
/// typed accessors over its own row type; decoding rows into Detect's types (and JSON columns)
/// is shared, so both backends read back exactly the same values.
protocol StoredRowReader {
    var table: String { get }
    /// The row's key, for error messages; set once read.
    var key: String { get set }

    func string(_ column: String) throws(StoreError) -> String
    func optionalString(_ column: String) throws(StoreError) -> String?
    func optionalInt64(_ column: String) throws(StoreError) -> Int64?
    func optionalDouble(_ column: String) throws(StoreError) -> Double?
}

extension StoredRowReader {
    func failure(_ column: String, _ reason: String) -> StoreError {
        .corruptRow(table: table, key: key, column: column, reason: reason)
    }

    func int64(_ column: String) throws(StoreError) -> Int64 {
        guard let value = try optionalInt64(column) else { throw failure(column, "expected an integer, found null") }
        return value
    }

    func double(_ column: String) throws(StoreError) -> Double {
        guard let value = try optionalDouble(column) else { throw failure(column, "expected a number, found null") }
        return value
    }

    /// A JSON text column (see ``StoredJSON``).
    func json<Value: Decodable>(_ column: String, as type: Value.Type) throws(StoreError) -> Value {
        let text = try string(column)
        do {
            return try StoredJSON.decode(type, from: text)
        } catch {
            throw failure(column, "invalid JSON: \(error)")
        }
    }
}
