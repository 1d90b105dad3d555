import StrataKernels

/// A set of equally long, uniquely named columns: a loan tape or any result table.
///
/// `Table` is a value: adding or replacing a column makes a new table that shares the other
/// columns' storage. Stages meet at column names (`pd`, `score`, `grade`, `segment`, `ead`, ...).
public struct Table: Sendable, Equatable {
    /// The columns, in order.
    public private(set) var columns: [Column]
    /// The number of rows.
    public let rowCount: Int
    private var index: [String: Int]

    /// A table of `columns`, which must have unique names and equal lengths.
    ///
    /// - Parameter rowCount: the row count of a table with no columns (ignored otherwise).
    /// - Throws: ``StrataFrameError/invalidTable(reason:)``.
    public init(columns: [Column], rowCount: Int? = nil) throws(StrataFrameError) {
        var index = [String: Int]()
        for (i, column) in columns.enumerated() {
            if index[column.name] != nil { throw .invalidTable(reason: "duplicate column name '\(column.name)'") }
            index[column.name] = i
        }
        let n = columns.first?.count ?? rowCount ?? 0
        if let bad = columns.first(where: { $0.count != n }) {
            throw .invalidTable(reason: "column '\(bad.name)' has \(bad.count) rows, expected \(n)")
        }
        self.columns = columns
        self.rowCount = n
        self.index = index
    }

    /// The column names, in order.
    public var columnNames: [String] { columns.map(\.name) }

    /// (name, type) for each column, in order.
    public var schema: [(name: String, type: ColumnType)] { columns.map { ($0.name, $0.type) } }

    /// True when a column named `name` exists.
    public func hasColumn(_ name: String) -> Bool { index[name] != nil }

    /// The column named `name`.
    ///
    /// - Throws: ``StrataFrameError/columnNotFound(name:available:)``.
    public func column(named name: String) throws(StrataFrameError) -> Column {
        guard let i = index[name] else { throw .columnNotFound(name: name, available: columnNames) }
        return columns[i]
    }

    /// The values of the Float64 column `name`.
    public func float64(_ name: String) throws(StrataFrameError) -> ColumnBuffer<Double> {
        let column = try column(named: name)
        guard case .float64(let values) = column.values else {
            throw .typeMismatch(column: name, expected: .float64, actual: column.type)
        }
        return values
    }

    /// The values of the Int64 column `name`.
    public func int64(_ name: String) throws(StrataFrameError) -> ColumnBuffer<Int64> {
        let column = try column(named: name)
        guard case .int64(let values) = column.values else {
            throw .typeMismatch(column: name, expected: .int64, actual: column.type)
        }
        return values
    }

    /// The values (days since 1970-01-01) of the Date column `name`.
    public func date(_ name: String) throws(StrataFrameError) -> ColumnBuffer<Int32> {
        let column = try column(named: name)
        guard case .date(let values) = column.values else {
            throw .typeMismatch(column: name, expected: .date, actual: column.type)
        }
        return values
    }

    /// The codes and dictionary of the category column `name`.
    public func category(_ name: String) throws(StrataFrameError) -> CategoryValues {
        let column = try column(named: name)
        guard case .category(let values) = column.values else {
            throw .typeMismatch(column: name, expected: .category, actual: column.type)
        }
        return values
    }

    /// The strings of the string column `name`.
    public func string(_ name: String) throws(StrataFrameError) -> StringValues {
        let column = try column(named: name)
        guard case .string(let values) = column.values else {
            throw .typeMismatch(column: name, expected: .string, actual: column.type)
        }
        return values
    }

    /// A numeric column as Float64 values: Float64 as is, Int64 converted, for features and
    /// aggregates that accept either.
    public func numeric(_ name: String) throws(StrataFrameError) -> ColumnBuffer<Double> {
        let column = try column(named: name)
        switch column.values {
        case .float64(let values): return values
        case .int64(let values):
            let builder = ColumnBufferBuilder<Double>(count: values.count)
            _ = parallelChunks(count: values.count) { _, rows in
                values.withSpan(in: rows) { source in
                    builder.withMutableSpan(in: rows) { target in
                        for i in source.indices { target[i] = Double(source[i]) }
                    }
                }
            }
            return builder.finish()
        default:
            throw .typeMismatch(column: name, expected: .float64, actual: column.type)
        }
    }

    /// This table with `column` added at the end, or replacing the column of the same name in place.
    ///
    /// - Throws: ``StrataFrameError/invalidTable(reason:)`` when the length differs.
    public func with(_ column: Column) throws(StrataFrameError) -> Table {
        var columns = self.columns
        if let i = index[column.name] { columns[i] = column } else { columns.append(column) }
        return try Table(columns: columns, rowCount: rowCount)
    }

    /// This table with only the named columns, in the given order.
    public func selecting(_ names: [String]) throws(StrataFrameError) -> Table {
        var picked = [Column]()
        for name in names { picked.append(try column(named: name)) }
        return try Table(columns: picked, rowCount: rowCount)
    }
}
