import Foundation
import StrataFrame
import StrataKernels

extension KMeans {
    /// Greedy k-means++ seeding (Arthur & Vassilvitskii 2007, with the greedy local trials of
    /// scikit-learn's `_kmeans_plusplus`), drawn from `RandomStream(seed:stream:)`.
    ///
    /// ```
    /// c₁ = xᵢ with probability wᵢ / Σ w
    /// D(x) = min over chosen centres of ‖x − c‖²
    /// for each next centre: draw L = 2 + ⌊ln k⌋ candidates, xᵢ with probability wᵢ D(xᵢ) / Σ w D,
    ///   keep the candidate c minimising the potential Σᵢ wᵢ min(D(xᵢ), ‖xᵢ − c‖²)
    /// ```
    ///
    /// Sampling walks the cumulative sums of `wᵢ D(xᵢ)` block by block in row order, so the
    /// centres depend only on the data, `seed` and `stream`, never on the thread count.
    ///
    /// - Returns: `k × d` centroids in standardised units (rows of `x`).
    /// - Throws: ``SegmentationError/data(reason:)`` when fewer than `k` distinct rows (of positive
    ///   weight) exist.
    /// - Complexity: O(k·L·n·d), two parallel passes per centre.
    public static func seedPlusPlus(
        _ x: FeatureMatrix, k: Int, seed: UInt64, stream: UInt64 = 0, threads: Int = Parallel.threadCount
    ) throws(SegmentationError) -> [Double] {
        let n = x.rowCount
        precondition(k >= 1, "k must be positive")
        if k > n { throw .data(reason: "k = \(k) but there are only \(n) loans") }
        var random = RandomStream(seed: seed, stream: stream)
        let trials = 2 + Int(Foundation.log(Double(k)))

        // First centre: a row drawn in proportion to its weight.
        let blockWeights = parallelChunks(count: n, chunkSize: x.blockRows, threads: threads) { _, rows -> Double in
            guard let w = x.weights else { return Double(rows.count) }
            var total = 0.0
            for i in rows { total += w[i] }
            return total
        }
        let totalWeight = blockWeights.reduce(0, +)
        let first = locate(
            random.nextUniform() * totalWeight, blockTotals: blockWeights, x: x
        ) { row in x.weight(row) }
        var centers = x.row(first)

        // D(x) for every row, and its weighted block totals.
        let closest = ColumnBufferBuilder<Double>(count: n)
        var blockPotentials = updateClosest(x, closest: closest, point: centers, initial: true, threads: threads)
        var potential = blockPotentials.reduce(0, +)

        for chosen in 1..<k {
            guard potential > 0 else {
                throw .data(
                    reason: "only \(chosen) distinct loans (feature rows) but k = \(k); lower k or add features")
            }
            var candidates = [Int]()
            for _ in 0..<trials {
                let target = random.nextUniform() * potential
                let potentials = blockPotentials
                candidates.append(
                    locate(target, blockTotals: potentials, x: x) { row in x.weight(row) * closest.get(row) })
            }
            let points = candidates.map { x.row($0) }
            let candidatePotentials = trialPotentials(x, closest: closest, points: points, threads: threads)
            var best = 0
            for t in 1..<points.count where candidatePotentials[t] < candidatePotentials[best] { best = t }
            blockPotentials = updateClosest(x, closest: closest, point: points[best], initial: false, threads: threads)
            potential = blockPotentials.reduce(0, +)
            centers.append(contentsOf: points[best])
        }
        return centers
    }

    /// The row at which the running sum of `value(row)` (rows in order) first exceeds `target`,
    /// found through block totals first. Falls back to the last row of positive value in the
    /// block when rounding leaves the target just past the block's running sum.
    static func locate(
        _ target: Double, blockTotals: [Double], x: FeatureMatrix, value: (Int) -> Double
    ) -> Int {
        var before = 0.0
        var chosen: Int?
        for (b, total) in blockTotals.enumerated() where total > 0 {
            if target < before + total {
                chosen = b
                break
            }
            before += total
        }
        if chosen == nil {
            // Rounding put the target at or past the grand total: take the last block with weight.
            let last = blockTotals.lastIndex { $0 > 0 } ?? 0
            before -= blockTotals[last]
            chosen = last
        }
        let block = chosen!
        var running = 0.0
        var lastPositive: Int?
        let rows = x.rows(ofBlock: block)
        for row in rows {
            let v = value(row)
            if v > 0 {
                lastPositive = row
                running += v
                if before + running > target { return row }
            }
        }
        return lastPositive ?? rows.lowerBound
    }

    /// Sets `closest[i] = ‖xᵢ − point‖²` (`initial`) or `min(closest[i], ‖xᵢ − point‖²)`, and
    /// returns each block's `Σ wᵢ closest[i]` (added row after row).
    static func updateClosest(
        _ x: FeatureMatrix, closest: ColumnBufferBuilder<Double>, point: [Double], initial: Bool, threads: Int
    ) -> [Double] {
        parallelChunks(count: x.rowCount, chunkSize: x.blockRows, threads: threads) { _, rows -> Double in
            var distances = [Double](repeating: 0, count: rows.count)
            x.values.withSpan(in: x.valueRange(of: rows)) { block in
                var out = distances.mutableSpan
                KMeansKernel.distancesToPoint(block: block, rows: rows.count, point: point.span, out: &out)
            }
            return closest.withMutableSpan(in: rows) { span in
                var total = 0.0
                for i in 0..<rows.count {
                    let value = initial ? distances[i] : min(span[i], distances[i])
                    span[i] = value
                    total += x.weight(rows.lowerBound + i) * value
                }
                return total
            }
        }
    }

    /// For each candidate point, `Σᵢ wᵢ min(closest[i], ‖xᵢ − point‖²)` with block partials added
    /// in block order.
    static func trialPotentials(
        _ x: FeatureMatrix, closest: ColumnBufferBuilder<Double>, points: [[Double]], threads: Int
    ) -> [Double] {
        let partials = parallelChunks(count: x.rowCount, chunkSize: x.blockRows, threads: threads) {
            _, rows -> [Double] in
            var distances = [Double](repeating: 0, count: rows.count)
            var totals = [Double](repeating: 0, count: points.count)
            for (t, point) in points.enumerated() {
                x.values.withSpan(in: x.valueRange(of: rows)) { block in
                    var out = distances.mutableSpan
                    KMeansKernel.distancesToPoint(block: block, rows: rows.count, point: point.span, out: &out)
                }
                totals[t] = closest.withMutableSpan(in: rows) { span in
                    var total = 0.0
                    for i in 0..<rows.count { total += x.weight(rows.lowerBound + i) * min(span[i], distances[i]) }
                    return total
                }
            }
            return totals
        }
        var totals = [Double](repeating: 0, count: points.count)
        for partial in partials { for t in 0..<points.count { totals[t] += partial[t] } }
        return totals
    }
}
