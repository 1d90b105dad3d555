import StrataKernels
import Testing

/// Residual bound for the solvers: `|A·X − B| <= 1e-12 · max(1, |B|)` element-wise. The test
/// matrices are well conditioned (condition number below about 10 for `MᵀM + n·I`), so the
/// backward-stable LAPACK solvers land near 1e-15; a wrong triangle or transposition gives O(1).
private let residualTolerance = 1e-12

@Suite("LAPACK")
struct LAPACKTests {
    @Test(arguments: [1, 2, 5, 12], [1, 3])
    func choleskySolveMultipliesBack(n: Int, m: Int) throws {
        let a = randomSPD(n, stream: 20)
        let b = randomMatrix(n, m, stream: 21)
        let x = try LAPACK.choleskySolve(a, b)
        #expect(x.rows == n && x.columns == m)
        #expect(close(naiveProduct(a, x), b, residualTolerance))
        // The general solver must agree on the same system.
        #expect(close(try LAPACK.solve(a, b), x, residualTolerance))
    }

    @Test func choleskySolveHandComputed() throws {
        // [[4, 2], [2, 3]] x = [2, 5]  →  x = [-0.5, 2]
        let x = try LAPACK.choleskySolve(Matrix([[4, 2], [2, 3]]), Matrix([[2], [5]]))
        #expect(close(x[0, 0], -0.5, 1e-15) && close(x[1, 0], 2, 1e-15))
    }

    @Test func choleskySolveReadsOnlyUpperTriangle() throws {
        var a = randomSPD(4, stream: 22)
        let b = randomMatrix(4, 2, stream: 23)
        let expected = try LAPACK.choleskySolve(a, b)
        for i in 0..<4 {
            for j in 0..<i { a[i, j] = 1e6 }  // garbage below the diagonal
        }
        #expect(try LAPACK.choleskySolve(a, b) == expected)
    }

    @Test func notPositiveDefiniteThrowsWithOrder() {
        #expect(throws: KernelError.notPositiveDefinite(order: 2)) {
            try LAPACK.choleskySolve(Matrix([[1, 2], [2, 1]]), Matrix([[1], [1]]))
        }
        #expect(throws: KernelError.notPositiveDefinite(order: 1)) {
            try LAPACK.choleskySolve(Matrix([[-1]]), Matrix([[1]]))
        }
        #expect(throws: KernelError.notPositiveDefinite(order: 3)) {
            try LAPACK.inverseSPD(Matrix([[2, 0, 0], [0, 1, 0], [0, 0, 0]]))
        }
    }

    @Test func nonFiniteInputThrows() {
        #expect(throws: KernelError.notFinite(routine: "dposv")) {
            try LAPACK.choleskySolve(Matrix([[1, 0], [0, .nan]]), Matrix([[1], [1]]))
        }
        #expect(throws: KernelError.notFinite(routine: "dgesv")) {
            try LAPACK.solve(Matrix([[1, 0], [0, 1]]), Matrix([[1], [.infinity]]))
        }
        #expect(throws: KernelError.notFinite(routine: "dpotrf")) {
            try LAPACK.inverseSPD(Matrix([[.nan]]))
        }
    }

    @Test(arguments: [1, 3, 8])
    func inverseSPDIsSymmetricInverse(n: Int) throws {
        let a = randomSPD(n, stream: 24)
        let inverse = try LAPACK.inverseSPD(a)
        #expect(inverse == inverse.transposed)
        #expect(close(naiveProduct(a, inverse), Matrix.identity(n), residualTolerance))
    }

    @Test func inverseSPDHandComputed() throws {
        // [[4, 2], [2, 3]]⁻¹ = [[3, -2], [-2, 4]] / 8
        let inverse = try LAPACK.inverseSPD(Matrix([[4, 2], [2, 3]]))
        #expect(close(inverse, Matrix([[0.375, -0.25], [-0.25, 0.5]]), 1e-15))
    }

    @Test(arguments: [1, 2, 7, 15])
    func solveMultipliesBack(n: Int) throws {
        let a = randomMatrix(n, n, stream: 25)  // general, not symmetric
        var shifted = a
        for i in 0..<n { shifted[i, i] += 2 }  // keeps it comfortably non-singular
        let b = randomMatrix(n, 3, stream: 26)
        let x = try LAPACK.solve(shifted, b)
        #expect(close(naiveProduct(shifted, x), b, residualTolerance))
    }

    @Test func solveHandComputed() throws {
        // [[2, 1], [1, 3]] x = [3, 5]  →  x = [0.8, 1.4];  [[0, 1], [1, 0]] needs a row swap.
        let x = try LAPACK.solve(Matrix([[2, 1], [1, 3]]), Matrix([[3], [5]]))
        #expect(close(x, Matrix([[0.8], [1.4]]), 1e-15))
        #expect(try LAPACK.solve(Matrix([[0, 1], [1, 0]]), Matrix([[2], [3]])) == Matrix([[3], [2]]))
    }

    @Test func singularThrowsWithOrder() {
        #expect(throws: KernelError.singular(order: 2)) {
            try LAPACK.solve(Matrix([[1, 2], [2, 4]]), Matrix([[1], [1]]))
        }
        #expect(throws: KernelError.singular(order: 1)) {
            try LAPACK.solve(Matrix(rows: 3, columns: 3, repeating: 0), Matrix(rows: 3, columns: 1, repeating: 1))
        }
    }

    @Test func emptySystems() throws {
        let empty = Matrix(rows: 0, columns: 0, repeating: 0)
        let rhs = Matrix(rows: 0, columns: 2, repeating: 0)
        #expect(try LAPACK.choleskySolve(empty, rhs) == rhs)
        #expect(try LAPACK.solve(empty, rhs) == rhs)
        #expect(try LAPACK.inverseSPD(empty) == empty)
        // No right-hand sides: the factorisation still runs and still reports failure.
        let none = Matrix(rows: 2, columns: 0, repeating: 0)
        #expect(try LAPACK.choleskySolve(randomSPD(2, stream: 27), none) == none)
        #expect(throws: KernelError.notPositiveDefinite(order: 2)) {
            try LAPACK.choleskySolve(Matrix([[1, 2], [2, 1]]), none)
        }
    }

    @Test func errorsDescribeThemselves() {
        #expect(KernelError.singular(order: 2).description == "matrix is singular (pivot 2 is zero)")
        #expect(KernelError.notFinite(routine: "dposv").description.contains("NaN"))
    }
}
