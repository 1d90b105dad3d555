import Foundation
import StrataFrame
import StrataKernels

/// Settings of a k-means fit.
public struct KMeansOptions: Sendable, Equatable {
    /// The number of clusters.
    public var k: Int
    /// The most Lloyd iterations per run (default 300, as scikit-learn).
    public var maxIterations: Int
    /// Convergence threshold on the centroid shift, relative to the mean feature variance
    /// (scikit-learn's definition, default 1e-4):
    ///
    /// ```
    /// Σ_j ‖c_j⁽ᵗ⁺¹⁾ − c_j⁽ᵗ⁾‖²  ≤  tolerance · (1/d) Σ_f Var(x_f)
    /// ```
    public var tolerance: Double
    /// Independent k-means++ starts; the run with the lowest inertia is kept (default 1).
    public var restarts: Int
    /// The seed of the k-means++ draws (restart `r` uses stream `r`).
    public var seed: UInt64
    /// Starting centroids in standardised units (`k × d` row-major) instead of k-means++.
    public var initialCentroids: [Double]?
    /// How the distance products are computed.
    public var method: KMeansKernel.Method
    /// Worker threads.
    public var threads: Int

    /// Options for `k` clusters with the defaults above.
    public init(
        k: Int, maxIterations: Int = 300, tolerance: Double = 1e-4, restarts: Int = 1, seed: UInt64 = 42,
        initialCentroids: [Double]? = nil, method: KMeansKernel.Method = KMeans.defaultMethod,
        threads: Int = Parallel.threadCount
    ) {
        self.k = k
        self.maxIterations = maxIterations
        self.tolerance = tolerance
        self.restarts = restarts
        self.seed = seed
        self.initialCentroids = initialCentroids
        self.method = method
        self.threads = threads
    }
}

/// A fitted k-means clustering.
public struct KMeansResult: Sendable {
    /// The number of clusters.
    public let k: Int
    /// The number of features.
    public let dimension: Int
    /// The centroids in standardised units, `k × d` row-major.
    public let centroids: [Double]
    /// The cluster (0-based centroid index) of every matrix row.
    public let labels: ColumnBuffer<UInt32>
    /// The weighted within-cluster sum of squares `Σᵢ wᵢ ‖xᵢ − c_{label(i)}‖²`.
    public let inertia: Double
    /// Lloyd iterations of the kept run.
    public let iterations: Int
    /// Whether the kept run converged (labels unchanged or shift within tolerance) before
    /// reaching the iteration limit.
    public let converged: Bool
    /// Per cluster: `Σ wᵢ ‖xᵢ − c_j‖²`.
    public let clusterInertia: [Double]
    /// Per cluster: `Σ wᵢ ‖xᵢ − c_j‖` (the Davies–Bouldin scatter numerator).
    public let clusterScatter: [Double]
    /// Per cluster: the total weight (the number of rows without weights).
    public let clusterWeights: [Double]
    /// Per cluster: the number of rows.
    public let clusterCounts: [Int]
    /// Empty clusters re-seeded from the farthest rows during the kept run.
    public let reseeded: Int
    /// The inertia of every restart, in order.
    public let restartInertias: [Double]
    /// The index of the kept restart.
    public let chosenRestart: Int

    /// Centroid `j` in standardised units.
    public func centroid(_ j: Int) -> [Double] {
        Array(centroids[(j * dimension)..<((j + 1) * dimension)])
    }
}

/// k-means clustering of a ``FeatureMatrix``: greedy k-means++ seeding and Lloyd iterations on
/// fused, chunked distance kernels.
///
/// One Lloyd iteration (scikit-learn's `lloyd_iter_chunked_dense`) assigns every row to its
/// nearest centroid and adds it to that centroid's sums in the same pass over each block
/// (``KMeansKernel/assign(block:rows:centroids:weights:labels:sums:clusterWeights:method:)``);
/// block partials are added in block order, so results are bit-identical for any thread count.
/// Then:
///
/// ```
/// c_j ← (Σ_{i: label_i = j} wᵢ xᵢ) · (1 / Σ_{i: label_i = j} wᵢ)
/// stop when no label changed (strict convergence), or when Σ_j ‖Δc_j‖² ≤ tol · mean_f Var(x_f)
/// ```
///
/// A cluster that ends an assignment pass with zero weight is re-seeded as in scikit-learn's
/// `_relocate_empty_clusters_dense`: the rows farthest from their assigned centroids (ties: lower
/// row first) become the new centroids, in order of the empty clusters, and are taken out of
/// their old cluster's sums. Without strict convergence a last assignment pass makes the labels
/// match the final centroids. From the same starting centroids the labels and inertia are those
/// of `sklearn.cluster.KMeans(algorithm="lloyd", n_init=1, init=centroids)` (rows at exact ties
/// aside; see the fixture test).
public enum KMeans {
    /// The kernel method used unless a caller says otherwise: ``KMeansKernel/Method/blas`` when
    /// OpenBLAS runs AVX2 or AVX-512 kernels, else the hand-vectorised ``KMeansKernel/Method/simd``
    /// (measured: faster than BLAS's generic SSE3 kernels; see docs/methodology/segmentation.md).
    public static var defaultMethod: KMeansKernel.Method {
        OpenBLASCore.isGeneric ? .simd : .blas
    }

    /// Fits `options.k` clusters to `x`.
    ///
    /// - Throws: ``SegmentationError/option(name:reason:)`` for invalid settings or starting
    ///   centroids of the wrong shape; ``SegmentationError/data(reason:)`` when the matrix has
    ///   fewer rows, or fewer distinct rows, than `k`.
    /// - Complexity: O(restarts · (k·L + iterations·k) · n·d), L = 2 + ⌊ln k⌋ seeding trials.
    public static func fit(_ x: FeatureMatrix, options: KMeansOptions) throws(SegmentationError) -> KMeansResult {
        try validate(options, x)
        let tolerance = options.tolerance == 0 ? 0 : options.tolerance * meanVariance(x, threads: options.threads)
        let runs = options.initialCentroids == nil ? options.restarts : 1
        var best: KMeansResult?
        var inertias = [Double]()
        for run in 0..<runs {
            let initial: [Double]
            if let given = options.initialCentroids {
                initial = given
            } else {
                initial = try seedPlusPlus(
                    x, k: options.k, seed: options.seed, stream: UInt64(run), threads: options.threads)
            }
            let result = lloyd(
                x, initial: initial, k: options.k, maxIterations: options.maxIterations, tolerance: tolerance,
                method: options.method, threads: options.threads, restartInertias: [], chosenRestart: run)
            inertias.append(result.inertia)
            if best == nil || result.inertia < best!.inertia { best = result }
        }
        let kept = best!
        return KMeansResult(
            k: kept.k, dimension: kept.dimension, centroids: kept.centroids, labels: kept.labels, inertia: kept.inertia,
            iterations: kept.iterations, converged: kept.converged, clusterInertia: kept.clusterInertia,
            clusterScatter: kept.clusterScatter, clusterWeights: kept.clusterWeights, clusterCounts: kept.clusterCounts,
            reseeded: kept.reseeded, restartInertias: inertias, chosenRestart: kept.chosenRestart)
    }

    static func validate(_ options: KMeansOptions, _ x: FeatureMatrix) throws(SegmentationError) {
        guard options.k >= 1 else { throw .option(name: "k", reason: "must be at least 1, got \(options.k)") }
        guard options.maxIterations >= 1 else {
            throw .option(name: "max-iter", reason: "must be at least 1, got \(options.maxIterations)")
        }
        guard options.tolerance.isFinite && options.tolerance >= 0 else {
            throw .option(name: "tol", reason: "must be a finite number >= 0, got \(options.tolerance)")
        }
        guard options.restarts >= 1 else {
            throw .option(name: "restarts", reason: "must be at least 1, got \(options.restarts)")
        }
        guard options.threads >= 1 else { throw .option(name: "threads", reason: "must be at least 1") }
        if options.k > x.rowCount {
            throw .data(reason: "k = \(options.k) but there are only \(x.rowCount) loans")
        }
        if let given = options.initialCentroids {
            guard given.count == options.k * x.dimension else {
                throw .option(
                    name: "init-centroids",
                    reason: "expected \(options.k) centroids of \(x.dimension) features, got \(given.count) values")
            }
            guard given.allSatisfy(\.isFinite) else {
                throw .option(name: "init-centroids", reason: "centroids must be finite")
            }
        }
    }

    // MARK: - Lloyd

    /// One Lloyd run from `initial` (standardised `k × d`); `tolerance` is absolute here.
    static func lloyd(
        _ x: FeatureMatrix, initial: [Double], k: Int, maxIterations: Int, tolerance: Double,
        method: KMeansKernel.Method, threads: Int, restartInertias: [Double], chosenRestart: Int
    ) -> KMeansResult {
        let n = x.rowCount
        let d = x.dimension
        let labels = ColumnBufferBuilder<UInt32>(count: n)
        _ = parallelChunks(count: n, chunkSize: x.blockRows, threads: threads) { _, rows in
            labels.withMutableSpan(in: rows) { span in
                for i in span.indices { span[i] = UInt32.max }
            }
        }
        var centers = initial
        var strict = false
        var converged = false
        var iterations = 0
        var reseeded = 0
        for iteration in 0..<maxIterations {
            let prepared = KMeansCentroids(values: centers, count: k, dimension: d)
            var (sums, weights, changed) = assignAndSum(x, prepared, labels: labels, method: method, threads: threads)
            let empty = (0..<k).filter { weights[$0] == 0 }
            if !empty.isEmpty {
                relocate(empty: empty, x, prepared, labels: labels, sums: &sums, weights: &weights, threads: threads)
                reseeded += empty.count
            }
            for j in 0..<k where weights[j] > 0 {
                let alpha = 1 / weights[j]
                for f in 0..<d { sums[j * d + f] *= alpha }
            }
            var shift = 0.0
            for j in 0..<k {
                var own = 0.0
                for f in 0..<d {
                    let delta = sums[j * d + f] - centers[j * d + f]
                    own += delta * delta
                }
                shift += own
            }
            centers = sums
            iterations = iteration + 1
            if changed == 0 {
                strict = true
                converged = true
                break
            }
            if shift <= tolerance {
                converged = true
                break
            }
        }
        let prepared = KMeansCentroids(values: centers, count: k, dimension: d)
        // Without strict convergence the labels are re-assigned to the final centroids; that pass
        // and the totals share one read of each block.
        let totals = clusterTotals(x, prepared, labels: labels, assignFirst: !strict, method: method, threads: threads)
        let finalLabels = labels.finish()
        return KMeansResult(
            k: k, dimension: d, centroids: centers, labels: finalLabels,
            inertia: totals.inertia.reduce(0, +), iterations: iterations, converged: converged,
            clusterInertia: totals.inertia, clusterScatter: totals.scatter, clusterWeights: totals.weights,
            clusterCounts: totals.counts, reseeded: reseeded, restartInertias: restartInertias,
            chosenRestart: chosenRestart)
    }

    /// One fused assignment pass; returns the summed centroid sums, weights and label changes.
    static func assignAndSum(
        _ x: FeatureMatrix, _ prepared: KMeansCentroids, labels: ColumnBufferBuilder<UInt32>,
        method: KMeansKernel.Method, threads: Int, accumulate: Bool = true
    ) -> (sums: [Double], weights: [Double], changed: Int) {
        let k = prepared.count
        let d = prepared.dimension
        let partials = parallelChunks(count: x.rowCount, chunkSize: x.blockRows, threads: threads) {
            _, rows -> (sums: [Double], weights: [Double], changed: Int) in
            var sums = [Double](repeating: 0, count: accumulate ? k * d : 0)
            var weights = [Double](repeating: 0, count: accumulate ? k : 0)
            let changed = x.values.withSpan(in: x.valueRange(of: rows)) { block in
                labels.withMutableSpan(in: rows) { labelSpan in
                    var sumSpan = sums.mutableSpan
                    var weightSpan = weights.mutableSpan
                    if let w = x.weights {
                        return w.withSpan(in: rows) { weightValues in
                            KMeansKernel.assign(
                                block: block, rows: rows.count, centroids: prepared, weights: weightValues,
                                labels: &labelSpan, sums: &sumSpan, clusterWeights: &weightSpan, method: method
                            ).changed
                        }
                    }
                    return KMeansKernel.assign(
                        block: block, rows: rows.count, centroids: prepared, weights: Span(), labels: &labelSpan,
                        sums: &sumSpan, clusterWeights: &weightSpan, method: method
                    ).changed
                }
            }
            return (sums, weights, changed)
        }
        var sums = [Double](repeating: 0, count: k * d)
        var weights = [Double](repeating: 0, count: k)
        var changed = 0
        for partial in partials {
            if accumulate {
                for i in 0..<(k * d) { sums[i] += partial.sums[i] }
                for j in 0..<k { weights[j] += partial.weights[j] }
            }
            changed += partial.changed
        }
        return (sums, weights, changed)
    }

    /// Re-seeds empty clusters from the rows farthest from their assigned centroid (scikit-learn's
    /// `_relocate_empty_clusters_dense`); labels are left as they are.
    static func relocate(
        empty: [Int], _ x: FeatureMatrix, _ prepared: KMeansCentroids, labels: ColumnBufferBuilder<UInt32>,
        sums: inout [Double], weights: inout [Double], threads: Int
    ) {
        let d = x.dimension
        let far = farthestRows(count: empty.count, x, prepared, labels: labels, threads: threads)
        for (index, cluster) in empty.enumerated() where index < far.count {
            let row = far[index]
            let w = x.weight(row)
            let old = Int(labels.get(row))
            let values = x.row(row)
            for f in 0..<d {
                sums[old * d + f] -= values[f] * w
                sums[cluster * d + f] = values[f] * w
            }
            weights[cluster] = w
            weights[old] -= w
        }
    }

    /// The `count` rows farthest from their assigned centroids, farthest first (ties: lower row).
    static func farthestRows(
        count: Int, _ x: FeatureMatrix, _ prepared: KMeansCentroids, labels: ColumnBufferBuilder<UInt32>, threads: Int
    ) -> [Int] {
        let perChunk = parallelChunks(count: x.rowCount, chunkSize: x.blockRows, threads: threads) {
            _, rows -> [(distance: Double, row: Int)] in
            var distances = [Double](repeating: 0, count: rows.count)
            x.values.withSpan(in: x.valueRange(of: rows)) { block in
                labels.withMutableSpan(in: rows) { labelSpan in
                    var out = distances.mutableSpan
                    KMeansKernel.assignedDistances(
                        block: block, rows: rows.count, centroids: prepared, labels: labelSpan.span, out: &out)
                }
            }
            var top = [(distance: Double, row: Int)]()
            for i in 0..<rows.count {
                insertTop(&top, (distances[i], rows.lowerBound + i), limit: count)
            }
            return top
        }
        var top = [(distance: Double, row: Int)]()
        for candidates in perChunk {
            for candidate in candidates { insertTop(&top, candidate, limit: count) }
        }
        return top.map(\.row)
    }

    /// Keeps `top` as the `limit` largest distances, sorted descending, ties by lower row.
    static func insertTop(_ top: inout [(distance: Double, row: Int)], _ item: (distance: Double, row: Int), limit: Int)
    {
        func before(_ a: (distance: Double, row: Int), _ b: (distance: Double, row: Int)) -> Bool {
            a.distance > b.distance || (a.distance == b.distance && a.row < b.row)
        }
        if top.count == limit, let last = top.last, !before(item, last) { return }
        var position = top.count
        while position > 0 && before(item, top[position - 1]) { position -= 1 }
        top.insert(item, at: position)
        if top.count > limit { top.removeLast() }
    }

    /// Per-cluster inertia, scatter, weight and count of final labels.
    static func clusterTotals(
        _ x: FeatureMatrix, _ prepared: KMeansCentroids, labels: ColumnBufferBuilder<UInt32>, assignFirst: Bool,
        method: KMeansKernel.Method, threads: Int
    ) -> (inertia: [Double], scatter: [Double], weights: [Double], counts: [Int]) {
        let k = prepared.count
        let partials = parallelChunks(count: x.rowCount, chunkSize: x.blockRows, threads: threads) {
            _, rows -> (squared: [Double], plain: [Double], weights: [Double], counts: [Int]) in
            var squared = [Double](repeating: 0, count: k)
            var plain = [Double](repeating: 0, count: k)
            var weights = [Double](repeating: 0, count: k)
            var counts = [Int](repeating: 0, count: k)
            x.values.withSpan(in: x.valueRange(of: rows)) { block in
                labels.withMutableSpan(in: rows) { labelSpan in
                    if assignFirst {
                        var noSums = [Double]()
                        var noWeights = [Double]()
                        var sumSpan = noSums.mutableSpan
                        var weightSpan = noWeights.mutableSpan
                        _ = KMeansKernel.assign(
                            block: block, rows: rows.count, centroids: prepared, weights: Span(), labels: &labelSpan,
                            sums: &sumSpan, clusterWeights: &weightSpan, method: method)
                    }
                    var squaredSpan = squared.mutableSpan
                    var plainSpan = plain.mutableSpan
                    let assigned = labelSpan.span
                    if let w = x.weights {
                        w.withSpan(in: rows) { weightValues in
                            KMeansKernel.distanceTotals(
                                block: block, rows: rows.count, centroids: prepared, labels: assigned,
                                weights: weightValues, squared: &squaredSpan, plain: &plainSpan)
                            for i in assigned.indices {
                                weights[Int(assigned[i])] += weightValues[i]
                                counts[Int(assigned[i])] += 1
                            }
                        }
                    } else {
                        KMeansKernel.distanceTotals(
                            block: block, rows: rows.count, centroids: prepared, labels: assigned, weights: Span(),
                            squared: &squaredSpan, plain: &plainSpan)
                        for i in assigned.indices { counts[Int(assigned[i])] += 1 }
                        for j in 0..<k { weights[j] = Double(counts[j]) }
                    }
                }
            }
            return (squared, plain, weights, counts)
        }
        var inertia = [Double](repeating: 0, count: k)
        var scatter = [Double](repeating: 0, count: k)
        var weights = [Double](repeating: 0, count: k)
        var counts = [Int](repeating: 0, count: k)
        for partial in partials {
            for j in 0..<k {
                inertia[j] += partial.squared[j]
                scatter[j] += partial.plain[j]
                weights[j] += partial.weights[j]
                counts[j] += partial.counts[j]
            }
        }
        return (inertia, scatter, weights, counts)
    }

    /// Assigns every row of `x` to the nearest of `centroids` (standardised `k × d`).
    ///
    /// - Complexity: O(n·k·d), one parallel pass.
    public static func assign(
        _ x: FeatureMatrix, centroids: [Double], method: KMeansKernel.Method = KMeans.defaultMethod,
        threads: Int = Parallel.threadCount
    ) -> ColumnBuffer<UInt32> {
        precondition(!centroids.isEmpty && centroids.count % x.dimension == 0, "centroids do not match the features")
        let prepared = KMeansCentroids(values: centroids, count: centroids.count / x.dimension, dimension: x.dimension)
        let labels = ColumnBufferBuilder<UInt32>(count: x.rowCount)
        _ = assignAndSum(x, prepared, labels: labels, method: method, threads: threads, accumulate: false)
        return labels.finish()
    }

    /// Per-cluster totals (inertia, scatter, weights, counts) of given labels and centroids.
    public static func totals(
        _ x: FeatureMatrix, centroids: [Double], labels: ColumnBuffer<UInt32>, threads: Int = Parallel.threadCount
    ) -> (inertia: [Double], scatter: [Double], weights: [Double], counts: [Int]) {
        let prepared = KMeansCentroids(values: centroids, count: centroids.count / x.dimension, dimension: x.dimension)
        let builder = ColumnBufferBuilder<UInt32>(count: labels.count)
        _ = parallelChunks(count: labels.count, threads: threads) { _, rows in
            labels.withSpan(in: rows) { source in
                builder.withMutableSpan(in: rows) { target in
                    for i in source.indices { target[i] = source[i] }
                }
            }
        }
        return clusterTotals(x, prepared, labels: builder, assignFirst: false, method: defaultMethod, threads: threads)
    }

    // MARK: - Moments

    /// The mean over features of the (unweighted, population) variance of each matrix column.
    static func meanVariance(_ x: FeatureMatrix, threads: Int) -> Double {
        let moments = columnMoments(x, weighted: false, threads: threads)
        return moments.squares.reduce(0, +) / Double(x.dimension) / moments.totalWeight
    }

    /// The total weighted sum of squares about the weighted mean, `Σᵢ wᵢ ‖xᵢ − x̄‖²`.
    public static func totalSumOfSquares(_ x: FeatureMatrix, threads: Int = Parallel.threadCount) -> Double {
        columnMoments(x, weighted: true, threads: threads).squares.reduce(0, +)
    }

    /// Per column: the (weighted) mean and the (weighted) sum of squared deviations from it, two
    /// passes (``KMeansKernel/moments(block:rows:shift:weights:sums:squares:)``) with block
    /// partials combined in block order.
    static func columnMoments(
        _ x: FeatureMatrix, weighted: Bool, threads: Int
    ) -> (means: [Double], squares: [Double], totalWeight: Double) {
        let d = x.dimension
        let useWeights = weighted && x.weights != nil
        func pass(_ shift: [Double]) -> (sums: [Double], squares: [Double]) {
            let partials = parallelChunks(count: x.rowCount, chunkSize: x.blockRows, threads: threads) {
                _, rows -> (sums: [Double], squares: [Double]) in
                var sums = [Double](repeating: 0, count: d)
                var squares = [Double](repeating: 0, count: d)
                x.values.withSpan(in: x.valueRange(of: rows)) { block in
                    var sumSpan = sums.mutableSpan
                    var squareSpan = squares.mutableSpan
                    if useWeights, let weights = x.weights {
                        weights.withSpan(in: rows) { w in
                            KMeansKernel.moments(
                                block: block, rows: rows.count, shift: shift.span, weights: w, sums: &sumSpan,
                                squares: &squareSpan)
                        }
                    } else {
                        KMeansKernel.moments(
                            block: block, rows: rows.count, shift: shift.span, weights: Span(), sums: &sumSpan,
                            squares: &squareSpan)
                    }
                }
                return (sums, squares)
            }
            var sums = [Double](repeating: 0, count: d)
            var squares = [Double](repeating: 0, count: d)
            for partial in partials {
                for f in 0..<d {
                    sums[f] += partial.sums[f]
                    squares[f] += partial.squares[f]
                }
            }
            return (sums, squares)
        }
        var totalWeight = Double(x.rowCount)
        if useWeights, let weights = x.weights { totalWeight = Reduce.sum(weights, threads: threads) }
        let first = pass([Double](repeating: 0, count: d))
        let means = first.sums.map { $0 / totalWeight }
        let second = pass(means)
        return (means, second.squares, totalWeight)
    }
}
