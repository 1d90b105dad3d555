import COpenBLAS
import Synchronization

/// Safe wrappers over the CBLAS routines Strata uses (OpenBLAS), all on row-major data.
///
/// Each wrapper checks shapes with preconditions (a wrong shape is a programming error), handles
/// empty operands itself (BLAS rejects a leading dimension of 0), and documents the CBLAS function
/// it calls. OpenBLAS runs on one thread (see `OpenBLASSetup`); ``withThreads(_:_:)`` lends it more
/// threads for one large call made outside Strata's parallel regions.
///
/// With one OpenBLAS thread every routine here is deterministic: the same inputs give the same
/// bits on every run. Results may differ in the last bits from a naive loop, because BLAS blocks
/// and vectorises its sums.
public enum BLAS {
    /// Serialises ``withThreads(_:_:)`` callers: the OpenBLAS thread count is process-global.
    private static let threadGate = Mutex<Void>(())

    // MARK: - Level 1

    /// The dot product of two vectors of equal length (`cblas_ddot`).
    ///
    /// ```
    /// x · y = Σᵢ xᵢ yᵢ
    /// ```
    ///
    /// - Returns: 0 for empty vectors.
    /// - Precondition: `x.count == y.count`.
    /// - Complexity: O(n).
    public static func dot(_ x: Span<Double>, _ y: Span<Double>) -> Double {
        precondition(x.count == y.count, "BLAS.dot: vectors differ in length (\(x.count) and \(y.count))")
        let n = x.count
        if n == 0 { return 0 }
        _ = OpenBLASSetup.pinned
        let n32 = blasInt(n, "BLAS.dot")
        return x.withUnsafeBufferPointer { xp in
            y.withUnsafeBufferPointer { yp in
                // SAFETY: both buffers hold n >= 1 values and stay alive for the call; ddot only reads.
                cblas_ddot(n32, xp.baseAddress, 1, yp.baseAddress, 1)
            }
        }
    }

    /// The dot product of two arrays of equal length (`cblas_ddot`), as the span overload.
    public static func dot(_ x: [Double], _ y: [Double]) -> Double {
        dot(x.span, y.span)
    }

    /// Adds a multiple of one vector to another in place (`cblas_daxpy`).
    ///
    /// ```
    /// y ← α·x + y
    /// ```
    ///
    /// - Precondition: `x.count == y.count`.
    /// - Complexity: O(n).
    public static func axpy(_ alpha: Double, _ x: [Double], _ y: inout [Double]) {
        precondition(x.count == y.count, "BLAS.axpy: vectors differ in length (\(x.count) and \(y.count))")
        let n = x.count
        if n == 0 { return }
        _ = OpenBLASSetup.pinned
        let n32 = blasInt(n, "BLAS.axpy")
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                // SAFETY: both buffers hold n >= 1 values; x and y are distinct arrays (y is inout,
                // so exclusivity rules out aliasing); daxpy writes only y.
                cblas_daxpy(n32, alpha, xp.baseAddress, 1, yp.baseAddress, 1)
            }
        }
    }

    // MARK: - Level 2

    /// A matrix–vector product (`cblas_dgemv`, row-major).
    ///
    /// ```
    /// y ← α·A·x + β·y      (transposed: false; A is m × n, x has n values, y has m)
    /// y ← α·Aᵀ·x + β·y     (transposed: true;  x has m values, y has n)
    /// ```
    ///
    /// As in BLAS, `y` is not read when `beta == 0` (a NaN in `y` does not propagate).
    ///
    /// - Precondition: the lengths of `x` and `y` match the shape of `a`.
    /// - Complexity: O(m × n).
    public static func gemv(
        _ alpha: Double, _ a: Matrix, transposed: Bool = false, _ x: [Double], _ beta: Double, _ y: inout [Double]
    ) {
        a.checkShape("BLAS.gemv")
        let m = a.rows
        let n = a.columns
        let (xCount, yCount) = transposed ? (m, n) : (n, m)
        precondition(x.count == xCount, "BLAS.gemv: x has \(x.count) values, the matrix needs \(xCount)")
        precondition(y.count == yCount, "BLAS.gemv: y has \(y.count) values, the matrix gives \(yCount)")
        if yCount == 0 { return }
        if xCount == 0 {
            for i in y.indices { y[i] = beta == 0 ? 0 : beta * y[i] }
            return
        }
        _ = OpenBLASSetup.pinned
        let m32 = blasInt(m, "BLAS.gemv")
        let n32 = blasInt(n, "BLAS.gemv")
        a.values.withUnsafeBufferPointer { ap in
            x.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer { yp in
                    // SAFETY: A holds m·n values with leading dimension n >= 1; x and y have the
                    // lengths checked above; y is a distinct inout array, the only one written.
                    cblas_dgemv(
                        CblasRowMajor, transposed ? CblasTrans : CblasNoTrans, m32, n32, alpha,
                        ap.baseAddress, n32, xp.baseAddress, 1, beta, yp.baseAddress, 1)
                }
            }
        }
    }

    // MARK: - Level 3

    /// A matrix–matrix product (`cblas_dgemm`, row-major).
    ///
    /// ```
    /// C ← α·op(A)·op(B) + β·C,   op(X) = X or Xᵀ
    /// ```
    ///
    /// `op(A)` is m × k, `op(B)` is k × n and `C` is m × n. As in BLAS, `C` is not read when
    /// `beta == 0`.
    ///
    /// - Precondition: the shapes agree.
    /// - Complexity: O(m × n × k).
    public static func gemm(
        _ alpha: Double, _ a: Matrix, transposeA: Bool = false, _ b: Matrix, transposeB: Bool = false,
        _ beta: Double, _ c: inout Matrix
    ) {
        a.checkShape("BLAS.gemm (A)")
        b.checkShape("BLAS.gemm (B)")
        c.checkShape("BLAS.gemm (C)")
        let (m, k) = transposeA ? (a.columns, a.rows) : (a.rows, a.columns)
        let (kB, n) = transposeB ? (b.columns, b.rows) : (b.rows, b.columns)
        precondition(k == kB, "BLAS.gemm: inner dimensions differ (\(k) and \(kB))")
        precondition(c.rows == m && c.columns == n, "BLAS.gemm: C is \(c.rows)×\(c.columns), expected \(m)×\(n)")
        a.values.withUnsafeBufferPointer { ap in
            b.values.withUnsafeBufferPointer { bp in
                c.values.withUnsafeMutableBufferPointer { cp in
                    gemmUnchecked(
                        m: m, n: n, k: k, alpha: alpha, a: ap, transposeA: transposeA, b: bp,
                        transposeB: transposeB, beta: beta, c: cp)
                }
            }
        }
    }

    /// A matrix–matrix product on row-major spans with tight leading dimensions (`cblas_dgemm`),
    /// for per-chunk work such as k-means distances or Monte Carlo factor loadings.
    ///
    /// ```
    /// C ← α·op(A)·op(B) + β·C,   op(X) = X or Xᵀ
    /// ```
    ///
    /// Storage, row-major with no padding:
    /// - `a`: m × k (`transposeA == false`, leading dimension k) or k × m (`true`, leading dimension m);
    /// - `b`: k × n (`transposeB == false`, leading dimension n) or n × k (`true`, leading dimension k);
    /// - `c`: m × n (leading dimension n).
    ///
    /// Only the first m·k, k·n and m·n values are used, so scratch buffers sized for a full chunk
    /// serve a short last chunk too. `c` is not read when `beta == 0`.
    ///
    /// - Precondition: `a.count >= m*k`, `b.count >= k*n`, `c.count >= m*n`, all sizes non-negative.
    /// - Complexity: O(m × n × k).
    public static func gemm(
        rows m: Int, columns n: Int, inner k: Int, alpha: Double,
        a: Span<Double>, transposeA: Bool, b: Span<Double>, transposeB: Bool,
        beta: Double, c: inout MutableSpan<Double>
    ) {
        precondition(m >= 0 && n >= 0 && k >= 0, "BLAS.gemm: negative dimension")
        precondition(a.count >= m * k, "BLAS.gemm: a has \(a.count) values, needs \(m * k)")
        precondition(b.count >= k * n, "BLAS.gemm: b has \(b.count) values, needs \(k * n)")
        precondition(c.count >= m * n, "BLAS.gemm: c has \(c.count) values, needs \(m * n)")
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                c.withUnsafeMutableBufferPointer { cp in
                    gemmUnchecked(
                        m: m, n: n, k: k, alpha: alpha, a: ap, transposeA: transposeA, b: bp,
                        transposeB: transposeB, beta: beta, c: cp)
                }
            }
        }
    }

    /// The shared body of both `gemm` overloads; the callers have checked the sizes.
    private static func gemmUnchecked(
        m: Int, n: Int, k: Int, alpha: Double,
        a: UnsafeBufferPointer<Double>, transposeA: Bool, b: UnsafeBufferPointer<Double>, transposeB: Bool,
        beta: Double, c: UnsafeMutableBufferPointer<Double>
    ) {
        if m == 0 || n == 0 { return }
        if k == 0 {
            // op(A)·op(B) is the zero matrix; BLAS would reject the leading dimension 0.
            for i in 0..<(m * n) { c[i] = beta == 0 ? 0 : beta * c[i] }
            return
        }
        _ = OpenBLASSetup.pinned
        let lda = transposeA ? m : k
        let ldb = transposeB ? k : n
        // SAFETY: the callers checked a.count >= m·k, b.count >= k·n and c.count >= m·n, so every
        // element dgemm touches with these tight leading dimensions (all >= 1 here) lies inside
        // the buffers. C is an exclusive (inout) buffer, so it cannot alias A or B.
        cblas_dgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            blasInt(m, "BLAS.gemm"), blasInt(n, "BLAS.gemm"), blasInt(k, "BLAS.gemm"), alpha,
            a.baseAddress, blasInt(lda, "BLAS.gemm"), b.baseAddress, blasInt(ldb, "BLAS.gemm"),
            beta, c.baseAddress, blasInt(n, "BLAS.gemm"))
    }

    /// The Gram matrix update of the normal equations (`cblas_dsyrk`, upper triangle, mirrored).
    ///
    /// ```
    /// C ← α·AᵀA + β·C      (A is k × n, C is n × n)
    /// ```
    ///
    /// BLAS computes the upper triangle only; this wrapper copies it into the lower one, so `C`
    /// comes back fully symmetric. On input only the upper triangle of `C` is read (and not even
    /// that when `beta == 0`), so `C` should be symmetric.
    ///
    /// - Precondition: `c` is `a.columns` × `a.columns`.
    /// - Complexity: O(n² × k).
    public static func syrk(_ alpha: Double, _ a: Matrix, _ beta: Double, _ c: inout Matrix) {
        a.checkShape("BLAS.syrk (A)")
        c.checkShape("BLAS.syrk (C)")
        let n = a.columns
        precondition(c.rows == n && c.columns == n, "BLAS.syrk: C is \(c.rows)×\(c.columns), expected \(n)×\(n)")
        a.values.withUnsafeBufferPointer { ap in
            c.values.withUnsafeMutableBufferPointer { cp in
                syrkUnchecked(n: n, k: a.rows, alpha: alpha, a: ap, beta: beta, c: cp)
            }
        }
    }

    /// ``syrk(_:_:_:_:)`` on row-major spans: `a` holds k rows of n values, `c` holds n × n.
    ///
    /// ```
    /// C ← α·AᵀA + β·C
    /// ```
    ///
    /// Meant for chunked normal equations: each chunk writes its own `XᵀWX` slot, and the slots
    /// are added in chunk order. Only the first k·n values of `a` and n·n of `c` are used; `c`
    /// comes back fully symmetric.
    ///
    /// - Precondition: `a.count >= k*n`, `c.count >= n*n`.
    /// - Complexity: O(n² × k).
    public static func syrk(
        rows k: Int, columns n: Int, alpha: Double, a: Span<Double>, beta: Double, c: inout MutableSpan<Double>
    ) {
        precondition(k >= 0 && n >= 0, "BLAS.syrk: negative dimension")
        precondition(a.count >= k * n, "BLAS.syrk: a has \(a.count) values, needs \(k * n)")
        precondition(c.count >= n * n, "BLAS.syrk: c has \(c.count) values, needs \(n * n)")
        a.withUnsafeBufferPointer { ap in
            c.withUnsafeMutableBufferPointer { cp in
                syrkUnchecked(n: n, k: k, alpha: alpha, a: ap, beta: beta, c: cp)
            }
        }
    }

    private static func syrkUnchecked(
        n: Int, k: Int, alpha: Double, a: UnsafeBufferPointer<Double>, beta: Double,
        c: UnsafeMutableBufferPointer<Double>
    ) {
        if n == 0 { return }
        if k == 0 {
            for i in 0..<n {
                for j in i..<n { c[i * n + j] = beta == 0 ? 0 : beta * c[i * n + j] }
            }
        } else {
            _ = OpenBLASSetup.pinned
            let n32 = blasInt(n, "BLAS.syrk")
            // SAFETY: A holds k·n >= 1 values (k × n row-major, leading dimension n >= 1) and C
            // holds n·n values (leading dimension n); C is exclusive, so it cannot alias A.
            cblas_dsyrk(
                CblasRowMajor, CblasUpper, CblasTrans, n32, blasInt(k, "BLAS.syrk"), alpha,
                a.baseAddress, n32, beta, c.baseAddress, n32)
        }
        for i in 0..<n {
            for j in (i + 1)..<n { c[j * n + i] = c[i * n + j] }
        }
    }

    // MARK: - Threads

    /// Runs `body` with OpenBLAS allowed `n` threads, then pins it back to one thread.
    ///
    /// For ONE large BLAS or LAPACK call (a big GEMM or factorisation) made outside Strata's
    /// parallel regions. Never call it from inside ``parallelChunks(count:chunkSize:threads:_:)``:
    /// the OpenBLAS thread count is process-global, and OpenBLAS threads inside an outer parallel
    /// loop oversubscribe the cores (measured up to 2.7× slower). Concurrent callers are
    /// serialised by a mutex, so their thread settings cannot interleave.
    ///
    /// With more than one thread OpenBLAS may split sums differently, so results can differ in
    /// the last bits from a one-thread run.
    ///
    /// - Precondition: `n >= 1`.
    public static func withThreads<R>(_ n: Int, _ body: () throws -> R) rethrows -> R {
        precondition(n >= 1, "BLAS.withThreads: thread count must be at least 1")
        _ = OpenBLASSetup.pinned
        return try threadGate.withLock { _ in
            openblas_set_num_threads(Int32(clamping: n))
            defer { openblas_set_num_threads(1) }
            return try body()
        }
    }

    /// The number of threads OpenBLAS will use for its next call (1 outside ``withThreads(_:_:)``).
    public static var threads: Int {
        _ = OpenBLASSetup.pinned
        return Int(openblas_get_num_threads())
    }

    /// Converts a dimension to BLAS's 32-bit integer, trapping when it does not fit.
    static func blasInt(_ value: Int, _ routine: StaticString) -> Int32 {
        guard let result = Int32(exactly: value) else {
            preconditionFailure("\(routine): dimension \(value) exceeds the 32-bit BLAS integer range")
        }
        return result
    }
}
