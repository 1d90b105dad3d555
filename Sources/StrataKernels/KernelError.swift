/// Errors raised by the numeric kernels: file mapping and LAPACK failures.
public enum KernelError: Error, Equatable, CustomStringConvertible {
    /// A file could not be opened, read or mapped.
    case io(path: String, reason: String)
    /// A matrix that must be symmetric positive definite is not (LAPACK `info` > 0: the leading
    /// minor of that order is not positive).
    case notPositiveDefinite(order: Int)
    /// LAPACK rejected an argument (`info` < 0): a programming error reported as an error.
    case lapackArgument(routine: String, position: Int)
    /// A square matrix is exactly singular (LAPACK `info` > 0 from an LU factorisation: the
    /// diagonal element `U(order, order)` is zero, counting from 1).
    case singular(order: Int)
    /// A matrix handed to a LAPACK routine holds NaN or an infinity.
    case notFinite(routine: String)

    public var description: String {
        switch self {
        case .io(let path, let reason): return "\(path): \(reason)"
        case .notPositiveDefinite(let order):
            return "matrix is not positive definite (leading minor \(order) is not positive)"
        case .lapackArgument(let routine, let position): return "\(routine): argument \(position) is invalid"
        case .singular(let order): return "matrix is singular (pivot \(order) is zero)"
        case .notFinite(let routine): return "\(routine): matrix holds NaN or infinite values"
        }
    }
}
