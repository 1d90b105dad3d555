import COpenBLAS

/// Safe wrappers over the LAPACKE routines Strata uses: Cholesky solve and inverse for symmetric
/// positive definite matrices (the normal equations of IRLS) and a general LU solve.
///
/// All matrices are row-major ``Matrix`` values; inputs are copied, never changed. Shape
/// mismatches are programming errors (preconditions); numerical failures throw ``KernelError``.
/// Inputs are checked for NaN and infinities first, because LAPACKE's own NaN check reports them
/// only as an invalid argument.
public enum LAPACK {
    /// The `uplo` argument "upper triangle" as LAPACKE's `char`.
    private static let upper = CChar(UInt8(ascii: "U"))

    /// Solves `A·X = B` for a symmetric positive definite `A` by Cholesky factorisation (`LAPACKE_dposv`).
    ///
    /// ```
    /// A = UᵀU,   X = U⁻¹ U⁻ᵀ B
    /// ```
    ///
    /// Only the upper triangle of `a` is read; `a` is assumed symmetric.
    ///
    /// - Parameters:
    ///   - a: an n × n symmetric positive definite matrix.
    ///   - b: n × m right-hand sides, one per column.
    /// - Returns: the n × m solution `X`.
    /// - Throws: ``KernelError/notPositiveDefinite(order:)`` when the leading minor of that order is
    ///   not positive; ``KernelError/notFinite(routine:)`` when an input holds NaN or ±∞.
    /// - Complexity: O(n³ + n² m).
    public static func choleskySolve(_ a: Matrix, _ b: Matrix) throws(KernelError) -> Matrix {
        a.checkShape("LAPACK.choleskySolve (A)")
        b.checkShape("LAPACK.choleskySolve (B)")
        precondition(a.isSquare, "LAPACK.choleskySolve: A is \(a.rows)×\(a.columns), not square")
        precondition(b.rows == a.rows, "LAPACK.choleskySolve: B has \(b.rows) rows, A has \(a.rows)")
        try requireFinite(a, "dposv")
        try requireFinite(b, "dposv")
        let n = a.rows
        let m = b.columns
        if n == 0 { return b }
        var factor = a.values
        var solution = b.values
        let info = factor.withUnsafeMutableBufferPointer { ap in
            solution.withUnsafeMutableBufferPointer { bp in
                // SAFETY: A holds n·n values with leading dimension n; B holds n·m values with
                // leading dimension max(1, m) (LAPACKE requires ≥ 1 even for m = 0, and reads no
                // B values then). Both are private copies, so LAPACK may overwrite them.
                LAPACKE_dposv(
                    LAPACK_ROW_MAJOR, upper, lapackInt(n), lapackInt(m), ap.baseAddress, lapackInt(n),
                    bp.baseAddress, lapackInt(max(1, m)))
            }
        }
        if info > 0 { throw .notPositiveDefinite(order: Int(info)) }
        try checkArgument(info, "dposv")
        return Matrix(rows: n, columns: m, values: solution)
    }

    /// The inverse of a symmetric positive definite matrix (`LAPACKE_dpotrf` then `LAPACKE_dpotri`),
    /// returned fully symmetric.
    ///
    /// ```
    /// A = UᵀU,   A⁻¹ = U⁻¹ U⁻ᵀ
    /// ```
    ///
    /// Only the upper triangle of `a` is read. Used for the covariance of fitted coefficients
    /// (`(XᵀWX)⁻¹`); to solve a system prefer ``choleskySolve(_:_:)``.
    ///
    /// - Throws: ``KernelError/notPositiveDefinite(order:)``; ``KernelError/notFinite(routine:)``.
    /// - Complexity: O(n³).
    public static func inverseSPD(_ a: Matrix) throws(KernelError) -> Matrix {
        a.checkShape("LAPACK.inverseSPD")
        precondition(a.isSquare, "LAPACK.inverseSPD: A is \(a.rows)×\(a.columns), not square")
        try requireFinite(a, "dpotrf")
        let n = a.rows
        if n == 0 { return a }
        var values = a.values
        let (factorInfo, inverseInfo) = values.withUnsafeMutableBufferPointer { ap in
            // SAFETY: A holds n·n values with leading dimension n and is a private copy.
            let factorInfo = LAPACKE_dpotrf(LAPACK_ROW_MAJOR, upper, lapackInt(n), ap.baseAddress, lapackInt(n))
            if factorInfo != 0 { return (factorInfo, Int32(0)) }
            // SAFETY: as above; dpotri reads the factor dpotrf left in the upper triangle.
            let inverseInfo = LAPACKE_dpotri(LAPACK_ROW_MAJOR, upper, lapackInt(n), ap.baseAddress, lapackInt(n))
            return (factorInfo, inverseInfo)
        }
        if factorInfo > 0 { throw .notPositiveDefinite(order: Int(factorInfo)) }
        try checkArgument(factorInfo, "dpotrf")
        // dpotri's info > 0 means a zero diagonal in the factor, which dpotrf has already ruled out.
        if inverseInfo > 0 { throw .notPositiveDefinite(order: Int(inverseInfo)) }
        try checkArgument(inverseInfo, "dpotri")
        for i in 0..<n {
            for j in (i + 1)..<n { values[j * n + i] = values[i * n + j] }
        }
        return Matrix(rows: n, columns: n, values: values)
    }

    /// Solves `A·X = B` for a general square `A` by LU factorisation with partial pivoting (`LAPACKE_dgesv`).
    ///
    /// ```
    /// P·A = L·U,   X = U⁻¹ L⁻¹ P B
    /// ```
    ///
    /// Only an exactly zero pivot is reported; a nearly singular `A` gives a solution with large
    /// error and no exception.
    ///
    /// - Parameters:
    ///   - a: an n × n matrix.
    ///   - b: n × m right-hand sides, one per column.
    /// - Returns: the n × m solution `X`.
    /// - Throws: ``KernelError/singular(order:)`` when `U(order, order)` is exactly zero;
    ///   ``KernelError/notFinite(routine:)`` when an input holds NaN or ±∞.
    /// - Complexity: O(n³ + n² m).
    public static func solve(_ a: Matrix, _ b: Matrix) throws(KernelError) -> Matrix {
        a.checkShape("LAPACK.solve (A)")
        b.checkShape("LAPACK.solve (B)")
        precondition(a.isSquare, "LAPACK.solve: A is \(a.rows)×\(a.columns), not square")
        precondition(b.rows == a.rows, "LAPACK.solve: B has \(b.rows) rows, A has \(a.rows)")
        try requireFinite(a, "dgesv")
        try requireFinite(b, "dgesv")
        let n = a.rows
        let m = b.columns
        if n == 0 { return b }
        var factor = a.values
        var solution = b.values
        var pivots = [Int32](repeating: 0, count: n)
        let info = factor.withUnsafeMutableBufferPointer { ap in
            solution.withUnsafeMutableBufferPointer { bp in
                pivots.withUnsafeMutableBufferPointer { pp in
                    // SAFETY: A holds n·n values (leading dimension n), B n·m values (leading
                    // dimension max(1, m)), the pivot array n entries; all are private copies.
                    LAPACKE_dgesv(
                        LAPACK_ROW_MAJOR, lapackInt(n), lapackInt(m), ap.baseAddress, lapackInt(n),
                        pp.baseAddress, bp.baseAddress, lapackInt(max(1, m)))
                }
            }
        }
        if info > 0 { throw .singular(order: Int(info)) }
        try checkArgument(info, "dgesv")
        return Matrix(rows: n, columns: m, values: solution)
    }

    /// Throws ``KernelError/notFinite(routine:)`` when `matrix` holds NaN or an infinity.
    private static func requireFinite(_ matrix: Matrix, _ routine: String) throws(KernelError) {
        for value in matrix.values where !value.isFinite { throw .notFinite(routine: routine) }
    }

    /// Maps a negative LAPACK `info` (argument `-info` was invalid) to an error.
    private static func checkArgument(_ info: Int32, _ routine: String) throws(KernelError) {
        if info < 0 { throw .lapackArgument(routine: routine, position: Int(-info)) }
    }

    /// Converts a dimension to LAPACK's 32-bit `lapack_int`, trapping when it does not fit.
    private static func lapackInt(_ value: Int) -> Int32 {
        guard let result = Int32(exactly: value) else {
            preconditionFailure("LAPACK: dimension \(value) exceeds the 32-bit lapack_int range")
        }
        return result
    }
}
