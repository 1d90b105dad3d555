/// A small dense matrix of `Double` values stored row-major, the operand of ``BLAS`` and ``LAPACK``.
///
/// Element `(i, j)` lives at `values[i * columns + j]`. `Matrix` is meant for the small, fat
/// matrices of model fitting (normal equations, covariance, centroids); row data of millions of
/// loans stays in columns and reaches BLAS through the span-level kernels.
///
/// `values` is public and mutable for cheap bulk access; keeping `values.count == rows * columns`
/// is the caller's responsibility, and every kernel checks it with a precondition.
public struct Matrix: Sendable, Equatable {
    /// The number of rows.
    public var rows: Int
    /// The number of columns.
    public var columns: Int
    /// The elements, row after row: `(i, j)` is `values[i * columns + j]`.
    public var values: [Double]

    /// A `rows` × `columns` matrix with every element equal to `value`.
    ///
    /// - Complexity: O(rows × columns).
    public init(rows: Int, columns: Int, repeating value: Double) {
        precondition(rows >= 0 && columns >= 0, "matrix dimensions must not be negative")
        self.rows = rows
        self.columns = columns
        self.values = [Double](repeating: value, count: rows * columns)
    }

    /// A `rows` × `columns` matrix over `values` given row after row.
    ///
    /// - Precondition: `values.count == rows * columns`.
    public init(rows: Int, columns: Int, values: [Double]) {
        precondition(rows >= 0 && columns >= 0, "matrix dimensions must not be negative")
        precondition(values.count == rows * columns, "matrix needs \(rows * columns) values, got \(values.count)")
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// A matrix from a list of rows of equal length (`[[1, 2], [3, 4]]`); an empty list is 0 × 0.
    ///
    /// - Precondition: all rows have the same length.
    public init(_ rowList: [[Double]]) {
        let width = rowList.first?.count ?? 0
        var flat = [Double]()
        flat.reserveCapacity(rowList.count * width)
        for row in rowList {
            precondition(row.count == width, "all rows of a matrix must have the same length")
            flat.append(contentsOf: row)
        }
        self.init(rows: rowList.count, columns: width, values: flat)
    }

    /// The element in row `row` and column `column` (both zero-based, bounds-checked).
    public subscript(row: Int, column: Int) -> Double {
        get {
            precondition(row >= 0 && row < rows && column >= 0 && column < columns, "matrix index out of range")
            return values[row * columns + column]
        }
        set {
            precondition(row >= 0 && row < rows && column >= 0 && column < columns, "matrix index out of range")
            values[row * columns + column] = newValue
        }
    }

    /// The transpose: a `columns` × `rows` matrix with `result[j, i] == self[i, j]`.
    ///
    /// - Complexity: O(rows × columns).
    public var transposed: Matrix {
        precondition(values.count == rows * columns, "matrix values do not match its shape")
        var result = [Double](repeating: 0, count: values.count)
        for i in 0..<rows {
            for j in 0..<columns {
                result[j * rows + i] = values[i * columns + j]
            }
        }
        return Matrix(rows: columns, columns: rows, values: result)
    }

    /// The `n` × `n` identity matrix.
    public static func identity(_ n: Int) -> Matrix {
        var result = Matrix(rows: n, columns: n, repeating: 0)
        for i in 0..<n { result.values[i * n + i] = 1 }
        return result
    }

    /// True when `rows == columns`.
    public var isSquare: Bool { rows == columns }

    /// Checks the shape invariant; every kernel calls this before reading `values`.
    func checkShape(_ name: StaticString = "matrix") {
        precondition(values.count == rows * columns, "\(name): values.count does not equal rows * columns")
    }
}
