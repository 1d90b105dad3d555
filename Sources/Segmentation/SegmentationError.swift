/// Errors of segmentation: features, k-means settings, segment models.
public enum SegmentationError: Error, Equatable, CustomStringConvertible {
    /// A feature column cannot be used (not numeric, missing values, constant ...).
    case feature(name: String, reason: String)
    /// A setting is out of range or malformed (k, k-range, tolerances ...).
    case option(name: String, reason: String)
    /// The data cannot be clustered as asked (fewer distinct rows than k ...).
    case data(reason: String)
    /// A segment model or centroid file is malformed or of an unknown version.
    case modelFile(path: String, reason: String)

    public var description: String {
        switch self {
        case .feature(let name, let reason): return "feature '\(name)': \(reason)"
        case .option(let name, let reason): return "--\(name): \(reason)"
        case .data(let reason): return "cannot segment: \(reason)"
        case .modelFile(let path, let reason): return "\(path): not a valid Strata segment model: \(reason)"
        }
    }
}
