@testable import StrataKernels

/// Shared helpers for the kernel tests: deterministic random data and naive reference kernels.

/// `count` deterministic values in [-1, 1) drawn from `RandomStream(seed:stream:)`.
func randomValues(_ count: Int, seed: UInt64 = 2024, stream: UInt64 = 0) -> [Double] {
    var rng = RandomStream(seed: seed, stream: stream)
    return (0..<count).map { _ in 2 * rng.nextUniform() - 1 }
}

/// A deterministic random `rows` × `columns` matrix with entries in [-1, 1).
func randomMatrix(_ rows: Int, _ columns: Int, stream: UInt64) -> Matrix {
    Matrix(rows: rows, columns: columns, values: randomValues(rows * columns, seed: 7, stream: stream))
}

/// A symmetric positive definite n × n matrix `MᵀM + n·I` (well conditioned).
func randomSPD(_ n: Int, stream: UInt64) -> Matrix {
    let m = randomMatrix(n, n, stream: stream)
    var result = naiveProduct(m.transposed, m)
    for i in 0..<n { result[i, i] += Double(n) }
    return result
}

/// The textbook triple loop `A·B`.
func naiveProduct(_ a: Matrix, _ b: Matrix) -> Matrix {
    precondition(a.columns == b.rows)
    var c = Matrix(rows: a.rows, columns: b.columns, repeating: 0)
    for i in 0..<a.rows {
        for j in 0..<b.columns {
            var s = 0.0
            for l in 0..<a.columns { s += a[i, l] * b[l, j] }
            c[i, j] = s
        }
    }
    return c
}

/// Element-wise `|A·B|` (absolute values), the scale for product error bounds.
func naiveAbsoluteProduct(_ a: Matrix, _ b: Matrix) -> Matrix {
    precondition(a.columns == b.rows)
    var c = Matrix(rows: a.rows, columns: b.columns, repeating: 0)
    for i in 0..<a.rows {
        for j in 0..<b.columns {
            var s = 0.0
            for l in 0..<a.columns { s += abs(a[i, l] * b[l, j]) }
            c[i, j] = s
        }
    }
    return c
}

/// True when `|x − y| <= tolerance · max(1, |y|)` (relative for large values, absolute near 0).
func close(_ x: Double, _ y: Double, _ tolerance: Double) -> Bool {
    abs(x - y) <= tolerance * max(1, abs(y))
}

/// True when every element satisfies `|x − y| <= tolerance · max(1, |y|)`.
func close(_ x: Matrix, _ y: Matrix, _ tolerance: Double) -> Bool {
    x.rows == y.rows && x.columns == y.columns && zip(x.values, y.values).allSatisfy { close($0, $1, tolerance) }
}

/// The relative error `|x − reference| / |reference|` (absolute when the reference is 0).
func relativeError(_ x: Double, _ reference: Double) -> Double {
    reference == 0 ? abs(x) : abs(x - reference) / abs(reference)
}
