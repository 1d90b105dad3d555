import StrataKernels
import Testing

/// Error bound for BLAS against the naive loops: each element may differ by at most
/// `1e-13 · (|α|·Σ|a·b| + |β·c|)`: far above the rounding error of a k ≤ 20 dot product
/// (k·ε ≈ 5e-15) and far below any indexing or transposition mistake (an O(1) error).
private let productTolerance = 1e-13

struct GemmShape: Sendable, CustomTestStringConvertible {
    let m: Int
    let n: Int
    let k: Int
    var testDescription: String { "\(m)×\(k) · \(k)×\(n)" }
}

/// GEMM test shapes: 1×1, non-square both ways, inner dimension 1, empty in each dimension, and a larger odd shape.
let gemmShapes = [
    GemmShape(m: 1, n: 1, k: 1), GemmShape(m: 2, n: 3, k: 4), GemmShape(m: 5, n: 1, k: 7),
    GemmShape(m: 7, n: 6, k: 1), GemmShape(m: 3, n: 4, k: 0), GemmShape(m: 0, n: 3, k: 2),
    GemmShape(m: 4, n: 0, k: 5), GemmShape(m: 17, n: 13, k: 19),
]

/// Checks `c` against `α·A·B + β·c0` computed naively (A, B already in the op() orientation).
private func expectProduct(_ c: Matrix, alpha: Double, _ a: Matrix, _ b: Matrix, beta: Double, c0: Matrix) {
    let product = naiveProduct(a, b)
    let scale = naiveAbsoluteProduct(a, b)
    #expect(c.rows == product.rows && c.columns == product.columns)
    for i in 0..<c.values.count {
        let reference = alpha * product.values[i] + (beta == 0 ? 0 : beta * c0.values[i])
        let bound = productTolerance * (abs(alpha) * scale.values[i] + abs(beta * c0.values[i])) + 1e-300
        #expect(abs(c.values[i] - reference) <= bound, "element \(i): \(c.values[i]) vs \(reference)")
    }
}

@Suite("BLAS")
struct BLASTests {
    @Test(arguments: [0, 1, 7, 8, 9, 1000])
    func dotMatchesNaiveLoop(n: Int) {
        let x = randomValues(n, stream: 1)
        let y = randomValues(n, stream: 2)
        var reference = 0.0
        var scale = 0.0
        for i in 0..<n {
            reference += x[i] * y[i]
            scale += abs(x[i] * y[i])
        }
        let result = BLAS.dot(x, y)
        #expect(abs(result - reference) <= 1e-14 * scale)
        #expect(BLAS.dot(x.span, y.span) == result)
    }

    @Test func dotHandComputed() {
        #expect(BLAS.dot([1, 2, 3], [4, -5, 6]) == 12)
    }

    @Test(arguments: [0, 1, 13, 100])
    func axpyMatchesNaiveLoop(n: Int) {
        let x = randomValues(n, stream: 3)
        let y0 = randomValues(n, stream: 4)
        var y = y0
        BLAS.axpy(-2.5, x, &y)
        for i in 0..<n {
            // One multiply and one add: BLAS may fuse them, so allow 2 ulps of the terms' size.
            #expect(abs(y[i] - (-2.5 * x[i] + y0[i])) <= 4e-16 * (2.5 * abs(x[i]) + abs(y0[i])))
        }
    }

    @Test(arguments: gemmShapes, [false, true])
    func gemvMatchesNaiveLoop(shape: GemmShape, transposed: Bool) {
        let a = randomMatrix(shape.m, shape.k, stream: 5)
        let op = transposed ? a.transposed : a
        let x = randomValues(op.columns, stream: 6)
        let y0 = randomValues(op.rows, stream: 7)
        for beta in [0.0, -0.5] {
            // With beta == 0 the old y must not be read: a NaN there must not leak out.
            var y = beta == 0 ? [Double](repeating: .nan, count: y0.count) : y0
            BLAS.gemv(1.5, a, transposed: transposed, x, beta, &y)
            let c = Matrix(rows: y.count, columns: 1, values: y)
            let xm = Matrix(rows: x.count, columns: 1, values: x)
            expectProduct(c, alpha: 1.5, op, xm, beta: beta, c0: Matrix(rows: y0.count, columns: 1, values: y0))
        }
    }

    @Test(arguments: gemmShapes, [(false, false), (true, false), (false, true), (true, true)])
    func gemmMatrixMatchesNaiveLoop(shape: GemmShape, transpose: (a: Bool, b: Bool)) {
        // Stored A is m×k or k×m, stored B is k×n or n×k, so op(A)·op(B) is always m×n.
        let storedA =
            transpose.a
            ? randomMatrix(shape.k, shape.m, stream: 8)
            : randomMatrix(shape.m, shape.k, stream: 8)
        let storedB =
            transpose.b
            ? randomMatrix(shape.n, shape.k, stream: 9)
            : randomMatrix(shape.k, shape.n, stream: 9)
        let opA = transpose.a ? storedA.transposed : storedA
        let opB = transpose.b ? storedB.transposed : storedB
        let c0 = randomMatrix(shape.m, shape.n, stream: 10)
        for beta in [0.0, -0.5] {
            var c = beta == 0 ? Matrix(rows: shape.m, columns: shape.n, repeating: .nan) : c0
            BLAS.gemm(1.5, storedA, transposeA: transpose.a, storedB, transposeB: transpose.b, beta, &c)
            expectProduct(c, alpha: 1.5, opA, opB, beta: beta, c0: c0)
        }
    }

    @Test(arguments: gemmShapes, [(false, false), (true, false), (false, true), (true, true)])
    func gemmSpanMatchesNaiveLoop(shape: GemmShape, transpose: (a: Bool, b: Bool)) {
        let storedA =
            transpose.a
            ? randomMatrix(shape.k, shape.m, stream: 11)
            : randomMatrix(shape.m, shape.k, stream: 11)
        let storedB =
            transpose.b
            ? randomMatrix(shape.n, shape.k, stream: 12)
            : randomMatrix(shape.k, shape.n, stream: 12)
        let c0 = randomMatrix(shape.m, shape.n, stream: 13)
        // Scratch larger than needed, as for a short last chunk: the extra values must survive.
        let sentinel = 12345.0
        var scratch = c0.values + [sentinel, sentinel, sentinel]
        var span = scratch.mutableSpan
        BLAS.gemm(
            rows: shape.m, columns: shape.n, inner: shape.k, alpha: -1, a: storedA.values.span,
            transposeA: transpose.a, b: storedB.values.span, transposeB: transpose.b, beta: 2, c: &span)
        _ = consume span
        #expect(Array(scratch.suffix(3)) == [sentinel, sentinel, sentinel])
        let c = Matrix(rows: shape.m, columns: shape.n, values: Array(scratch.prefix(shape.m * shape.n)))
        expectProduct(
            c, alpha: -1, transpose.a ? storedA.transposed : storedA, transpose.b ? storedB.transposed : storedB,
            beta: 2, c0: c0)
    }

    @Test func gemmHandComputed() {
        let a = Matrix([[1, 2], [3, 4], [5, 6]])
        let b = Matrix([[1, 0, -1], [2, 1, 0]])
        var c = Matrix(rows: 3, columns: 3, repeating: 1)
        BLAS.gemm(1, a, b, 1, &c)
        #expect(c == Matrix([[6, 3, 0], [12, 5, -2], [18, 7, -4]]))
    }

    @Test(arguments: [(1, 1), (5, 3), (3, 5), (0, 3), (10, 1), (40, 7)])
    func syrkMatchesNaiveGram(rows k: Int, columns n: Int) {
        let a = randomMatrix(k, n, stream: 14)
        let symmetric = randomSPD(n, stream: 15)
        for beta in [0.0, 0.25] {
            var c = beta == 0 ? Matrix(rows: n, columns: n, repeating: .nan) : symmetric
            BLAS.syrk(2, a, beta, &c)
            expectProduct(c, alpha: 2, a.transposed, a, beta: beta, c0: symmetric)
            // The lower triangle is a mirror of the upper one, bit for bit.
            #expect(c == c.transposed)
        }
    }

    @Test func syrkSpanMatchesMatrixVersion() {
        let a = randomMatrix(9, 4, stream: 16)
        var expected = Matrix(rows: 4, columns: 4, repeating: 0)
        BLAS.syrk(1, a, 0, &expected)
        var scratch = [Double](repeating: .nan, count: 16)
        var span = scratch.mutableSpan
        BLAS.syrk(rows: 9, columns: 4, alpha: 1, a: a.values.span, beta: 0, c: &span)
        _ = consume span
        #expect(scratch == expected.values)
    }

    /// Large enough for OpenBLAS to run it on its worker threads, which Strata stops at start
    /// (OpenBLASSetup) and OpenBLAS must start again.
    @Test func withThreadsRestoresOneThread() throws {
        #expect(BLAS.threads == 1)
        let a = randomMatrix(128, 128, stream: 17)
        var c = Matrix(rows: 128, columns: 128, repeating: 0)
        let inside = BLAS.withThreads(2) { () -> Int in
            BLAS.gemm(1, a, a, 0, &c)
            return BLAS.threads
        }
        #expect(inside >= 1 && inside <= 2)
        #expect(BLAS.threads == 1)
        expectProduct(c, alpha: 1, a, a, beta: 0, c0: c)

        struct Failure: Error {}
        #expect(throws: Failure.self) { try BLAS.withThreads(2) { throw Failure() } }
        #expect(BLAS.threads == 1)
    }
}
