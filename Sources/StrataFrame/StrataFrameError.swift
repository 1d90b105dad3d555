/// Errors of the columnar layer: lookups, ingest, snapshot files.
///
/// Each case carries what was wrong and where, and ``description`` renders it as the one line a
/// person reads after `error: `.
public enum StrataFrameError: Error, Equatable, CustomStringConvertible {
    /// No column of that name; `available` lists the table's columns.
    case columnNotFound(name: String, available: [String])
    /// The column exists but has another type.
    case typeMismatch(column: String, expected: ColumnType, actual: ColumnType)
    /// Two columns with the same name, or columns of different lengths, in one table.
    case invalidTable(reason: String)
    /// A bad value or row in an input file, at a 1-based line and a named column (or "" when the
    /// problem is the row itself).
    case parse(file: String, line: Int, column: String, reason: String)
    /// The input as a whole is unusable (empty, no header, missing required column, ...).
    case input(file: String, reason: String)
    /// More rows were rejected than allowed.
    case tooManyRejects(file: String, rejected: Int, read: Int, maxRate: Double)
    /// A snapshot file is truncated, corrupted or of another version.
    case snapshot(file: String, reason: String)
    /// A file could not be read or written.
    case io(path: String, reason: String)

    public var description: String {
        switch self {
        case .columnNotFound(let name, let available):
            let list = available.count <= 40 ? available.joined(separator: ", ") : "\(available.count) columns"
            return "no column named '\(name)' (columns: \(list))"
        case .typeMismatch(let column, let expected, let actual):
            return "column '\(column)' is \(actual), expected \(expected)"
        case .invalidTable(let reason):
            return "invalid table: \(reason)"
        case .parse(let file, let line, let column, let reason):
            return column.isEmpty ? "\(file):\(line): \(reason)" : "\(file):\(line): column \(column): \(reason)"
        case .input(let file, let reason):
            return "\(file): \(reason)"
        case .tooManyRejects(let file, let rejected, let read, let maxRate):
            let share = read == 0 ? 0 : Double(rejected) / Double(read)
            return
                "\(file): \(rejected) of \(read) rows rejected (\(percent(share))), above --max-reject-rate \(percent(maxRate))"
        case .snapshot(let file, let reason):
            return "\(file): not a valid Strata snapshot: \(reason)"
        case .io(let path, let reason):
            return "\(path): \(reason)"
        }
    }
}

private func percent(_ fraction: Double) -> String {
    let scaled = (fraction * 10_000).rounded() / 100
    return "\(scaled)%"
}
