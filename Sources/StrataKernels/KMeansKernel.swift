import COpenBLAS

/// Centroids prepared once per Lloyd iteration for ``KMeansKernel``: the centroids, `−2·c`, the
/// squared norms `|c|²` and a splatted copy of `−2·c` for the vector kernel.
///
/// Built once per iteration (O(k·d)) and shared read-only by every chunk.
public struct KMeansCentroids: Sendable {
    /// The number of centroids `k`.
    public let count: Int
    /// The number of features `d`.
    public let dimension: Int
    /// The centroids, `k × d` row-major: centroid `j` is `values[j*d ..< (j+1)*d]`.
    public let values: [Double]
    /// `−2·c`, `k × d` row-major (the `A` operand of the distance GEMM).
    let scaled: [Double]
    /// `|c_j|² = Σ_f c_jf²`, summed in feature order.
    let norms: [Double]
    /// `−2·c_jf` repeated in four lanes, `k × d` of them (vector kernel operand).
    let splat: [SIMD4<Double>]

    /// Prepares `count` centroids of `dimension` values each.
    ///
    /// - Precondition: `values.count == count * dimension`, `count >= 1`, `dimension >= 1`.
    public init(values: [Double], count: Int, dimension: Int) {
        precondition(count >= 1 && dimension >= 1, "KMeansCentroids: need at least one centroid and one feature")
        precondition(values.count == count * dimension, "KMeansCentroids: values do not match k × d")
        self.count = count
        self.dimension = dimension
        self.values = values
        var scaled = [Double](repeating: 0, count: values.count)
        var norms = [Double](repeating: 0, count: count)
        var splat = [SIMD4<Double>](repeating: .zero, count: values.count)
        for j in 0..<count {
            var norm = 0.0
            for f in 0..<dimension {
                let c = values[j * dimension + f]
                norm += c * c
                scaled[j * dimension + f] = -2 * c
                splat[j * dimension + f] = SIMD4(repeating: -2 * c)
            }
            norms[j] = norm
        }
        self.scaled = scaled
        self.norms = norms
        self.splat = splat
    }
}

/// The row kernels of k-means on feature-major blocks: fused assignment and centroid sums,
/// distances to the assigned centroid, and distances to one point.
///
/// A block holds the rows `m` of one chunk feature after feature: feature `f` of block row `i`
/// is `block[f * m + i]` (a `d × m` row-major matrix, i.e. the chunk's `m × d` rows stored
/// column-major). Loops then run along contiguous rows, four at a time, and the same block is
/// the `B` operand of a BLAS GEMM without copying.
///
/// Squared distances use the expansion of scikit-learn's Lloyd step (`_k_means_lloyd.pyx`):
///
/// ```
/// ‖x − c_j‖² = |x|² − 2·x·c_j + |c_j|²,   argmin_j ‖x − c_j‖² = argmin_j (|c_j|² − 2·x·c_j)
/// ```
///
/// Ties go to the lowest centroid index (strict `<` in index order), as `argmin` does. Two
/// methods compute `|c_j|² − 2·x·c_j`; they can differ in the last bits, so rows that are exact
/// ties to rounding may be labelled differently by the two:
/// - ``Method/blas``: per sub-block of up to 8,192/k rows, `D (k × w) = (−2·C)·X_sub` by
///   `cblas_dgemm`, then `|c_j|² + D[j, i]` (the order of operations of scikit-learn's `_gemm`
///   with `beta = 1`), an argmin over eight rows at a time, a one-hot matrix `H` of the labels
///   (times the weights) and the centroid sums `S += H·X_subᵀ` by a second `cblas_dgemm`. While
///   one sub-block is reduced, the next one is prefetched.
/// - ``Method/simd``: a hand-vectorised loop over four rows at a time, `|c_j|² + Σ_f x_f·(−2·c_jf)`
///   accumulated in feature order, then the row added to its centroid's sums.
///
/// Every function is deterministic: the result depends only on its inputs (OpenBLAS runs on one
/// thread inside Strata's parallel regions).
public enum KMeansKernel {
    /// How the distance products are computed.
    public enum Method: String, Sendable, CaseIterable {
        /// BLAS `dgemm` per sub-block, then a vectorised argmin.
        case blas
        /// A hand-vectorised loop (distances, argmin and sums in one pass).
        case simd
    }

    /// The partial result of ``assign(block:rows:centroids:weights:labels:sums:clusterWeights:method:)``.
    public struct AssignStats: Sendable, Equatable {
        /// Rows whose label differs from the one stored in `labels` before the call.
        public var changed: Int
    }

    /// Values of GEMM output kept per sub-block (stays in L2 while the argmin reads it).
    static let scratchDoubles = 8192
    /// How many rows ahead the vector kernel prefetches.
    static let prefetchDistance = 512

    /// Assigns every row of a block to its nearest centroid and, when `sums` is not empty, adds
    /// each row (times its weight) to its centroid's sum: one fused pass over the block.
    ///
    /// ```
    /// label_i = argmin_j (|c_j|² − 2·x_i·c_j)          (first minimum)
    /// sums[label_i] += w_i · x_i,  clusterWeights[label_i] += w_i      (w_i = 1 without weights)
    /// ```
    ///
    /// The partial sums are a deterministic function of the block (row after row for `.simd`, a
    /// single-threaded GEMM per sub-block for `.blas`).
    ///
    /// - Parameters:
    ///   - block: `d × m` feature-major values (see the type's documentation), at least `d·m`.
    ///   - rows: `m`, the rows in the block.
    ///   - centroids: the prepared centroids.
    ///   - weights: one weight per row, or empty for unit weights.
    ///   - labels: on input the previous labels (for the change count), on output the new ones.
    ///   - sums: `k × d` sums to add to, or empty to compute labels only.
    ///   - clusterWeights: `k` weight totals to add to (ignored when `sums` is empty).
    ///   - method: how distance products are computed.
    /// - Returns: the number of labels that changed.
    /// - Complexity: O(m·k·d); `.blas` uses a scratch of 16,384 values (on the stack when the
    ///   stack allows, else one heap allocation per call).
    public static func assign(
        block: Span<Double>, rows m: Int, centroids: KMeansCentroids, weights: Span<Double>,
        labels: inout MutableSpan<UInt32>, sums: inout MutableSpan<Double>, clusterWeights: inout MutableSpan<Double>,
        method: Method
    ) -> AssignStats {
        let k = centroids.count
        let d = centroids.dimension
        precondition(m >= 0 && block.count >= m * d, "KMeansKernel.assign: block too short")
        precondition(labels.count >= m, "KMeansKernel.assign: labels too short")
        precondition(weights.isEmpty || weights.count >= m, "KMeansKernel.assign: weights too short")
        let accumulate = !sums.isEmpty
        precondition(
            !accumulate || (sums.count >= k * d && clusterWeights.count >= k), "KMeansKernel.assign: sums too short")
        if m == 0 { return AssignStats(changed: 0) }
        let changed = block.withUnsafeBufferPointer { x in
            weights.withUnsafeBufferPointer { w in
                labels.withUnsafeMutableBufferPointer { lab in
                    sums.withUnsafeMutableBufferPointer { s in
                        clusterWeights.withUnsafeMutableBufferPointer { cw in
                            centroids.norms.withUnsafeBufferPointer { norms in
                                // SAFETY: the preconditions above give x ≥ m·d values, lab ≥ m,
                                // w empty or ≥ m, s ≥ k·d and cw ≥ k when accumulating; every
                                // buffer lives for the duration of the call; outputs are distinct
                                // exclusive buffers (inout spans), so nothing aliases.
                                let sink = Sink(
                                    labels: lab.baseAddress!, sums: accumulate ? s.baseAddress : nil,
                                    clusterWeights: accumulate ? cw.baseAddress : nil,
                                    weights: w.isEmpty ? nil : w.baseAddress)
                                switch method {
                                case .simd:
                                    return centroids.splat.withUnsafeBufferPointer { splat in
                                        assignSIMD(
                                            x: x.baseAddress!, m: m, d: d, k: k, splat: splat.baseAddress!,
                                            norms: norms.baseAddress!, sink: sink)
                                    }
                                case .blas:
                                    return centroids.scaled.withUnsafeBufferPointer { scaled in
                                        assignBLAS(
                                            x: x.baseAddress!, m: m, d: d, k: k, scaled: scaled.baseAddress!,
                                            norms: norms.baseAddress!, sink: sink)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return AssignStats(changed: changed)
    }

    /// Where the assignment of a row goes: its label, and optionally the centroid sums.
    struct Sink {
        let labels: UnsafeMutablePointer<UInt32>
        let sums: UnsafeMutablePointer<Double>?
        let clusterWeights: UnsafeMutablePointer<Double>?
        let weights: UnsafePointer<Double>?
    }

    /// Stores the label of block row `i` and adds the row to its centroid sum; returns 1 when the
    /// label changed.
    @inline(__always)
    static func record(
        _ i: Int, label j: Int, x: UnsafePointer<Double>, m: Int, d: Int, sink: Sink
    ) -> Int {
        // SAFETY: i < m and j < k (callers), so every address lies inside the buffers checked by
        // assign(...): the row's feature f is x[f·m + i], its centroid sum s[j·d + f].
        let new = UInt32(truncatingIfNeeded: j)
        let old = sink.labels[i]
        sink.labels[i] = new
        if let sums = sink.sums, let cw = sink.clusterWeights {
            let s = sums + j &* d
            var p = x + i
            if let w = sink.weights {
                let wi = w[i]
                for f in 0..<d {
                    s[f] += wi * p.pointee
                    p += m
                }
                cw[j] += wi
            } else {
                for f in 0..<d {
                    s[f] += p.pointee
                    p += m
                }
                cw[j] += 1
            }
        }
        return old == new ? 0 : 1
    }

    @inline(__always)
    static func load8(_ p: UnsafePointer<Double>) -> SIMD8<Double> {
        // SAFETY: callers pass p with eight readable values after it.
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Double>.self)
    }

    @inline(__always)
    static func load4(_ p: UnsafePointer<Double>) -> SIMD4<Double> {
        // SAFETY: callers pass p with four readable values after it.
        UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Double>.self)
    }

    /// The vector kernel: four rows at a time, all k distances, running argmin, then the sums.
    static func assignSIMD(
        x: UnsafePointer<Double>, m: Int, d: Int, k: Int, splat: UnsafePointer<SIMD4<Double>>,
        norms: UnsafePointer<Double>, sink: Sink
    ) -> Int {
        var changed = 0
        var i = 0
        while i &+ 4 <= m {
            if i & 7 == 0 && i &+ prefetchDistance < m {
                // SAFETY: a prefetch never faults; the addresses lie inside the block anyway.
                var q = x + (i &+ prefetchDistance)
                for _ in 0..<d {
                    strata_prefetch(q)
                    q += m
                }
            }
            var best = SIMD4<Double>(repeating: .infinity)
            var bestIndex = SIMD4<Int64>(repeating: 0)
            // SAFETY: i + 3 < m, so x + f·m + i has four values for every f < d; the coefficient
            // pointer walks the k·d splatted values exactly once.
            var coefficient = splat
            let row = x + i
            for j in 0..<k {
                var acc = SIMD4<Double>(repeating: norms[j])
                var p = row
                for _ in 0..<d {
                    acc = acc + load4(p) * coefficient.pointee
                    p += m
                    coefficient += 1
                }
                let better = acc .< best
                best.replace(with: acc, where: better)
                bestIndex.replace(with: SIMD4(repeating: Int64(j)), where: better)
            }
            for r in 0..<4 {
                changed &+= record(i &+ r, label: Int(truncatingIfNeeded: bestIndex[r]), x: x, m: m, d: d, sink: sink)
            }
            i &+= 4
        }
        while i < m {
            var best = Double.infinity
            var bestIndex = 0
            var coefficient = splat
            for j in 0..<k {
                // SAFETY: i < m, and the coefficient pointer stays inside the k·d values.
                var acc = norms[j]
                var p = x + i
                for _ in 0..<d {
                    acc = acc + p.pointee * coefficient.pointee[0]
                    p += m
                    coefficient += 1
                }
                if acc < best {
                    best = acc
                    bestIndex = j
                }
            }
            changed &+= record(i, label: bestIndex, x: x, m: m, d: d, sink: sink)
            i &+= 1
        }
        return changed
    }

    /// The BLAS kernel, per sub-block of `w` rows:
    ///
    /// ```
    /// D (k × w) = (−2·C) · X_sub                  dgemm
    /// label_i   = argmin_j (|c_j|² + D[j, i])      vectorised, four rows at a time
    /// H (k × w) = one-hot of the labels times the weights
    /// S (k × d) += H · X_subᵀ                     dgemm (the centroid sums)
    /// ```
    static func assignBLAS(
        x: UnsafePointer<Double>, m: Int, d: Int, k: Int, scaled: UnsafePointer<Double>,
        norms: UnsafePointer<Double>, sink: Sink
    ) -> Int {
        _ = OpenBLASSetup.pinned
        // Sub-block width: as many rows as fit the scratch, a multiple of 8, at least 8.
        let width = max(8, (scratchDoubles / k) & ~7)
        let accumulate = sink.sums != nil
        var changed = 0
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * width * k) { scratch in
            // SAFETY: the scratch holds 2·width·k doubles: D in the first width·k, H in the rest.
            let D = scratch.baseAddress!
            let H = D + width * k
            var start = 0
            while start < m {
                let w = min(width, m - start)
                // SAFETY: A = scaled is k × d (lda d); B = the columns start..<start+w of the
                // d × m block (ldb m, first element x + start); C = D is k × w (ldc w), inside
                // the scratch. All dimensions are ≥ 1.
                cblas_dgemm(
                    CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(k), Int32(w), Int32(d), 1.0,
                    scaled, Int32(d), x + start, Int32(m), 0.0, D, Int32(w))
                if accumulate { H.update(repeating: 0, count: k * w) }
                // While this sub-block's argmin runs, prefetch the next sub-block (one line per
                // feature per 8 rows), so the next GEMM finds it in cache: memory and compute
                // overlap instead of alternating.
                let next = start &+ w
                let ahead = min(width, m &- next)
                var i = 0
                while i &+ 8 <= w {
                    if i < ahead {
                        // SAFETY: a prefetch never faults; the addresses lie inside the block anyway.
                        var q = x + (next &+ i)
                        for _ in 0..<d {
                            strata_prefetch(q)
                            q += m
                        }
                    }
                    var best = SIMD8<Double>(repeating: .infinity)
                    var bestIndex = SIMD8<Int64>(repeating: 0)
                    // SAFETY: j < k and i + 7 < w, inside the k × w result.
                    var p = D + i
                    for j in 0..<k {
                        let dist = SIMD8<Double>(repeating: norms[j]) + load8(p)
                        p += w
                        let better = dist .< best
                        best.replace(with: dist, where: better)
                        bestIndex.replace(with: SIMD8(repeating: Int64(j)), where: better)
                    }
                    for r in 0..<8 {
                        let j = Int(truncatingIfNeeded: bestIndex[r])
                        changed &+= label(start &+ i &+ r, j, accumulate ? H + (j &* w &+ i &+ r) : nil, sink: sink)
                    }
                    i &+= 8
                }
                while i < w {
                    var best = Double.infinity
                    var bestIndex = 0
                    for j in 0..<k {
                        // SAFETY: j < k, i < w.
                        let dist = norms[j] + D[j &* w &+ i]
                        if dist < best {
                            best = dist
                            bestIndex = j
                        }
                    }
                    changed &+= label(start &+ i, bestIndex, accumulate ? H + (bestIndex &* w &+ i) : nil, sink: sink)
                    i &+= 1
                }
                if let sums = sink.sums {
                    // SAFETY: A = H is k × w (lda w); B = the same d × w columns of the block
                    // (ldb m), transposed; C = the k × d sums (ldc d), accumulated (beta 1).
                    cblas_dgemm(
                        CblasRowMajor, CblasNoTrans, CblasTrans, Int32(k), Int32(d), Int32(w), 1.0,
                        H, Int32(w), x + start, Int32(m), 1.0, sums, Int32(d))
                }
                start += w
            }
            return changed
        }
    }

    /// Stores the label of block row `i`, writes its weight into its one-hot cell and adds it
    /// to its cluster weight; returns 1 when the label changed.
    @inline(__always)
    static func label(_ i: Int, _ j: Int, _ cell: UnsafeMutablePointer<Double>?, sink: Sink) -> Int {
        // SAFETY: i < m, j < k; `cell` points into the one-hot scratch (see assignBLAS).
        let new = UInt32(truncatingIfNeeded: j)
        let old = sink.labels[i]
        sink.labels[i] = new
        if let cell, let cw = sink.clusterWeights {
            let wi = sink.weights.map { $0[i] } ?? 1
            cell.pointee = wi
            cw[j] += wi
        }
        return old == new ? 0 : 1
    }

    /// The squared distance of every row of a block to its assigned centroid, computed directly:
    ///
    /// ```
    /// out_i = Σ_f (x_if − c_{label_i, f})²
    /// ```
    ///
    /// - Precondition: `block.count >= m·d`, `labels.count >= m`, `out.count >= m`, labels < k.
    /// - Complexity: O(m·d).
    public static func assignedDistances(
        block: Span<Double>, rows m: Int, centroids: KMeansCentroids, labels: Span<UInt32>,
        out: inout MutableSpan<Double>
    ) {
        let d = centroids.dimension
        let k = centroids.count
        precondition(block.count >= m * d && labels.count >= m && out.count >= m, "assignedDistances: short buffers")
        block.withUnsafeBufferPointer { x in
            labels.withUnsafeBufferPointer { lab in
                out.withUnsafeMutableBufferPointer { o in
                    centroids.values.withUnsafeBufferPointer { c in
                        for i in 0..<m {
                            // SAFETY: i < m; the label is checked against k; f < d.
                            let j = Int(lab[i])
                            precondition(j < k, "assignedDistances: label out of range")
                            var acc = 0.0
                            for f in 0..<d {
                                let diff = x[f * m + i] - c[j * d + f]
                                acc += diff * diff
                            }
                            o[i] = acc
                        }
                    }
                }
            }
        }
    }

    /// Per-centroid totals of the weighted squared and plain distances of a block's rows to their
    /// assigned centroids (inertia and the Davies–Bouldin scatter):
    ///
    /// ```
    /// squared[j] += Σ_{i: label_i = j} w_i·‖x_i − c_j‖²,   plain[j] += Σ_{i: label_i = j} w_i·‖x_i − c_j‖
    /// ```
    ///
    /// The squared distance is summed as `Σ_f (x_f − c_f)²` (scikit-learn's `_inertia_dense`).
    ///
    /// - Precondition: `squared.count >= k`, `plain.count >= k`, `weights` empty or `>= m`.
    /// - Complexity: O(m·d).
    public static func distanceTotals(
        block: Span<Double>, rows m: Int, centroids: KMeansCentroids, labels: Span<UInt32>, weights: Span<Double>,
        squared: inout MutableSpan<Double>, plain: inout MutableSpan<Double>
    ) {
        let d = centroids.dimension
        let k = centroids.count
        precondition(block.count >= m * d && labels.count >= m, "distanceTotals: short buffers")
        precondition(squared.count >= k && plain.count >= k, "distanceTotals: short totals")
        precondition(weights.isEmpty || weights.count >= m, "distanceTotals: weights too short")
        block.withUnsafeBufferPointer { x in
            labels.withUnsafeBufferPointer { lab in
                weights.withUnsafeBufferPointer { w in
                    squared.withUnsafeMutableBufferPointer { sq in
                        plain.withUnsafeMutableBufferPointer { pl in
                            centroids.values.withUnsafeBufferPointer { c in
                                let weighted = !w.isEmpty
                                for i in 0..<m {
                                    // SAFETY: i < m, label checked < k, f < d.
                                    let j = Int(lab[i])
                                    precondition(j < k, "distanceTotals: label out of range")
                                    var acc = 0.0
                                    for f in 0..<d {
                                        let diff = x[f * m + i] - c[j * d + f]
                                        acc += diff * diff
                                    }
                                    let wi = weighted ? w[i] : 1
                                    sq[j] += wi * acc
                                    pl[j] += wi * acc.squareRoot()
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Per feature, the weighted sums of `x − shift` and of its square over a block's rows:
    ///
    /// ```
    /// sums[f]    += Σᵢ wᵢ (x_if − shift_f)
    /// squares[f] += Σᵢ wᵢ (x_if − shift_f)²          (wᵢ = 1 without weights)
    /// ```
    ///
    /// Four running sums per feature (rows i mod 4), added pairwise at the end of the block.
    ///
    /// - Precondition: `shift.count == d`, `sums.count >= d`, `squares.count >= d`, `block.count >= m·d`,
    ///   `weights` empty or `>= m`.
    /// - Complexity: O(m·d).
    public static func moments(
        block: Span<Double>, rows m: Int, shift: Span<Double>, weights: Span<Double>,
        sums: inout MutableSpan<Double>, squares: inout MutableSpan<Double>
    ) {
        let d = shift.count
        precondition(block.count >= m * d && sums.count >= d && squares.count >= d, "moments: short buffers")
        precondition(weights.isEmpty || weights.count >= m, "moments: weights too short")
        block.withUnsafeBufferPointer { x in
            shift.withUnsafeBufferPointer { c in
                weights.withUnsafeBufferPointer { w in
                    sums.withUnsafeMutableBufferPointer { s in
                        squares.withUnsafeMutableBufferPointer { q in
                            for f in 0..<d {
                                // SAFETY: feature f of the block is x[f·m ..< (f+1)·m]; i + 3 < m
                                // in the vector loop; w has m values when not empty.
                                let column = x.baseAddress! + f &* m
                                let center = SIMD4<Double>(repeating: c[f])
                                var sum = SIMD4<Double>.zero
                                var square = SIMD4<Double>.zero
                                var i = 0
                                if let weight = w.baseAddress {
                                    while i &+ 4 <= m {
                                        let v = load4(column + i) - center
                                        let wv = load4(weight + i)
                                        sum += wv * v
                                        square += wv * v * v
                                        i &+= 4
                                    }
                                } else {
                                    while i &+ 4 <= m {
                                        let v = load4(column + i) - center
                                        sum += v
                                        square += v * v
                                        i &+= 4
                                    }
                                }
                                var total = (sum[0] + sum[2]) + (sum[1] + sum[3])
                                var totalSquare = (square[0] + square[2]) + (square[1] + square[3])
                                while i < m {
                                    let v = column[i] - c[f]
                                    let wi = w.baseAddress.map { $0[i] } ?? 1
                                    total += wi * v
                                    totalSquare += wi * v * v
                                    i &+= 1
                                }
                                s[f] += total
                                q[f] += totalSquare
                            }
                        }
                    }
                }
            }
        }
    }

    /// The squared distance of every row of a block to one point `p` (k-means++ seeding):
    ///
    /// ```
    /// out_i = Σ_f (x_if − p_f)²
    /// ```
    ///
    /// - Precondition: `point.count == d`, `block.count >= m·d`, `out.count >= m`.
    /// - Complexity: O(m·d).
    public static func distancesToPoint(
        block: Span<Double>, rows m: Int, point: Span<Double>, out: inout MutableSpan<Double>
    ) {
        let d = point.count
        precondition(d >= 1 && block.count >= m * d && out.count >= m, "distancesToPoint: short buffers")
        block.withUnsafeBufferPointer { x in
            point.withUnsafeBufferPointer { p in
                out.withUnsafeMutableBufferPointer { o in
                    var i = 0
                    while i + 4 <= m {
                        // SAFETY: i + 3 < m and f < d, inside the block and the output.
                        var acc = SIMD4<Double>.zero
                        for f in 0..<d {
                            let diff = load4(x.baseAddress! + f * m + i) - SIMD4(repeating: p[f])
                            acc = acc + diff * diff
                        }
                        UnsafeMutableRawPointer(o.baseAddress! + i).storeBytes(of: acc, as: SIMD4<Double>.self)
                        i += 4
                    }
                    while i < m {
                        // SAFETY: i < m, f < d.
                        var acc = 0.0
                        for f in 0..<d {
                            let diff = x[f * m + i] - p[f]
                            acc = acc + diff * diff
                        }
                        o[i] = acc
                        i += 1
                    }
                }
            }
        }
    }
}
