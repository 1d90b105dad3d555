/// Errors of portfolio risk: configuration, inputs, joins of snapshots.
public enum RiskError: Error, Equatable, CustomStringConvertible {
    /// A configuration file has a wrong key or value, at a 1-based line.
    case config(file: String, line: Int, key: String, reason: String)
    /// An input column is missing, of the wrong type, or holds values out of range.
    case input(column: String, reason: String)
    /// A command-line option is out of range or malformed.
    case option(name: String, reason: String)
    /// Two snapshots cannot be compared (different schemas, no common loans ...).
    case comparison(reason: String)

    public var description: String {
        switch self {
        case .config(let file, let line, let key, let reason): return "\(file):\(line): key \(key): \(reason)"
        case .input(let column, let reason): return "column '\(column)': \(reason)"
        case .option(let name, let reason): return "--\(name): \(reason)"
        case .comparison(let reason): return "cannot compare snapshots: \(reason)"
        }
    }
}
