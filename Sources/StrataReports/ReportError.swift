import StrataKernels

/// Errors of the report writers.
///
/// Each case carries what was wrong and where, and ``description`` renders it as the one line a
/// person reads after `error: `.
public enum ReportError: Error, Equatable, CustomStringConvertible {
    /// A file could not be created, written, synced or renamed into place.
    case io(path: String, reason: String)

    /// A report error from a kernel error of the atomic file writer.
    init(_ error: KernelError, path: String) {
        switch error {
        case .io(let path, let reason): self = .io(path: path, reason: reason)
        default: self = .io(path: path, reason: error.description)
        }
    }

    public var description: String {
        switch self {
        case .io(let path, let reason): return "\(path): \(reason)"
        }
    }
}
