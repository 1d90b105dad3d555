/// Errors of scorecard training, model files and scoring, each one line a person can act on.
public enum ScorecardError: Error, Equatable, CustomStringConvertible {
    /// The target column does not hold exactly two classes; `found` lists what it holds.
    case target(column: String, reason: String)
    /// A feature cannot be used (constant, all missing, unknown type, perfectly separating ...).
    case feature(name: String, reason: String)
    /// The model cannot be fitted (singular design, no feature left, non-convergence ...).
    case fit(reason: String)
    /// A model file is malformed or of an unknown version.
    case modelFile(path: String, reason: String)
    /// A book cannot be scored with this model (a model feature is missing or of another type).
    case scoring(reason: String)
    /// A command-line option is out of range or malformed.
    case option(name: String, reason: String)

    public var description: String {
        switch self {
        case .target(let column, let reason): return "target column '\(column)': \(reason)"
        case .feature(let name, let reason): return "feature '\(name)': \(reason)"
        case .fit(let reason): return "cannot fit the scorecard: \(reason)"
        case .modelFile(let path, let reason): return "\(path): not a valid Strata scorecard: \(reason)"
        case .scoring(let reason): return "cannot score: \(reason)"
        case .option(let name, let reason): return "--\(name): \(reason)"
        }
    }
}
