import StrataFrame
import StrataKernels

/// Internal validity indices of a clustering, used to choose k.
///
/// All three are computed in the standardised feature space the clustering used.
public enum ClusterMetrics {
    /// The mean silhouette of the rows `sample` (Rousseeuw 1987, "Silhouettes: a graphical aid to
    /// the interpretation and validation of cluster analysis", J. Comput. Appl. Math. 20):
    ///
    /// ```
    /// a(i) = mean distance from i to the other sampled rows of its cluster
    /// b(i) = min over other clusters C of the mean distance from i to the sampled rows of C
    /// s(i) = (b(i) − a(i)) / max(a(i), b(i)),   s(i) = 0 when i is alone in its cluster
    /// silhouette = mean of s(i) over the sample
    /// ```
    ///
    /// Distances are Euclidean, from `‖x‖² + ‖y‖² − 2·x·y` by BLAS on blocks of 64 sampled rows
    /// (as scikit-learn's `silhouette_score(..., sample_size=...)`, which also restricts a(i) and
    /// b(i) to the sample). Weights are not used. Block partials are added in block order.
    ///
    /// - Returns: nil when fewer than two clusters occur in the sample.
    /// - Complexity: O(s²·d) for s sampled rows; memory O(64·s).
    public static func silhouette(
        _ x: FeatureMatrix, labels: ColumnBuffer<UInt32>, k: Int, sample: [Int], threads: Int = Parallel.threadCount
    ) -> Double? {
        let s = sample.count
        let d = x.dimension
        guard s >= 2 else { return nil }
        var points = [Double](repeating: 0, count: s * d)
        var norms = [Double](repeating: 0, count: s)
        var sampleLabels = [Int](repeating: 0, count: s)
        var clusterSizes = [Int](repeating: 0, count: k)
        for (t, row) in sample.enumerated() {
            var norm = 0.0
            for f in 0..<d {
                let v = x.value(row: row, feature: f)
                points[t * d + f] = v
                norm += v * v
            }
            norms[t] = norm
            sampleLabels[t] = Int(labels[row])
            clusterSizes[sampleLabels[t]] += 1
        }
        guard clusterSizes.filter({ $0 > 0 }).count >= 2 else { return nil }
        let blockSize = 64
        let pointsCopy = points
        let normsCopy = norms
        let labelsCopy = sampleLabels
        let sizes = clusterSizes
        let partials = parallelChunks(count: s, chunkSize: blockSize, threads: threads) { _, rows -> Double in
            let b = rows.count
            var gram = [Double](repeating: 0, count: b * s)
            let blockValues = Array(pointsCopy[(rows.lowerBound * d)..<(rows.upperBound * d)])
            var gramSpan = gram.mutableSpan
            BLAS.gemm(
                rows: b, columns: s, inner: d, alpha: 1, a: blockValues.span, transposeA: false, b: pointsCopy.span,
                transposeB: true, beta: 0, c: &gramSpan)
            var total = 0.0
            var clusterSums = [Double](repeating: 0, count: k)
            for r in 0..<b {
                let i = rows.lowerBound + r
                for c in 0..<k { clusterSums[c] = 0 }
                for j in 0..<s where j != i {
                    let squared = normsCopy[i] + normsCopy[j] - 2 * gram[r * s + j]
                    clusterSums[labelsCopy[j]] += max(0, squared).squareRoot()
                }
                let own = labelsCopy[i]
                if sizes[own] <= 1 { continue }
                let a = clusterSums[own] / Double(sizes[own] - 1)
                var nearest = Double.infinity
                for c in 0..<k where c != own && sizes[c] > 0 {
                    nearest = min(nearest, clusterSums[c] / Double(sizes[c]))
                }
                let spread = max(a, nearest)
                if spread > 0 { total += (nearest - a) / spread }
            }
            return total
        }
        return partials.reduce(0, +) / Double(s)
    }

    /// The Calinski–Harabasz index (Caliński & Harabasz 1974, "A dendrite method for cluster
    /// analysis", Commun. Stat. 3), with weighted sums of squares:
    ///
    /// ```
    /// CH = [B / (k − 1)] / [W / (n − k)],   W = inertia,  B = T − W,  T = Σ wᵢ ‖xᵢ − x̄‖²
    /// ```
    ///
    /// - Returns: nil when `k < 2`, `n <= k` or `W = 0`.
    public static func calinskiHarabasz(totalSumOfSquares t: Double, inertia w: Double, rows n: Int, k: Int) -> Double?
    {
        guard k >= 2 && n > k && w > 0 else { return nil }
        return ((t - w) / Double(k - 1)) / (w / Double(n - k))
    }

    /// The Davies–Bouldin index (Davies & Bouldin 1979, "A cluster separation measure", IEEE
    /// TPAMI 1(2)), over clusters with positive weight:
    ///
    /// ```
    /// S_j = Σ_{i∈j} wᵢ ‖xᵢ − c_j‖ / Σ_{i∈j} wᵢ,   M_ij = ‖c_i − c_j‖
    /// DB = (1/k) Σ_i max_{j≠i} (S_i + S_j) / M_ij
    /// ```
    ///
    /// As scikit-learn's `davies_bouldin_score`, pairs of coincident centroids are ignored, and
    /// the index is 0 when every scatter or every centroid distance is 0.
    ///
    /// - Returns: nil with fewer than two non-empty clusters.
    public static func daviesBouldin(
        centroids: [Double], dimension d: Int, scatter: [Double], weights: [Double]
    ) -> Double? {
        let live = weights.indices.filter { weights[$0] > 0 }
        guard live.count >= 2 else { return nil }
        let spread = live.map { scatter[$0] / weights[$0] }
        var distances = [[Double]](repeating: [Double](repeating: 0, count: live.count), count: live.count)
        var anyDistance = false
        for (p, i) in live.enumerated() {
            for (q, j) in live.enumerated() where q != p {
                var squared = 0.0
                for f in 0..<d {
                    let delta = centroids[i * d + f] - centroids[j * d + f]
                    squared += delta * delta
                }
                distances[p][q] = squared.squareRoot()
                anyDistance = anyDistance || distances[p][q] > 0
            }
        }
        if !anyDistance || spread.allSatisfy({ $0 == 0 }) { return 0 }
        var total = 0.0
        for p in live.indices {
            var worst = 0.0
            for q in live.indices where q != p && distances[p][q] > 0 {
                worst = max(worst, (spread[p] + spread[q]) / distances[p][q])
            }
            total += worst
        }
        return total / Double(live.count)
    }

    /// `size` distinct rows of `0..<n` drawn uniformly without replacement (Floyd's algorithm,
    /// Bentley & Floyd 1987, "Programming pearls: a sample of brilliance"), sorted; all rows
    /// when `n <= size`. Depends only on `n`, `size` and `seed`.
    public static func sampleRows(count n: Int, size: Int, seed: UInt64) -> [Int] {
        if n <= size { return Array(0..<n) }
        var random = RandomStream(seed: seed, stream: 0x5111_0E77)
        var chosen = Set<Int>(minimumCapacity: size)
        for j in (n - size)..<n {
            let t = Int.random(in: 0...j, using: &random)
            if !chosen.insert(t).inserted { chosen.insert(j) }
        }
        return chosen.sorted()
    }
}
