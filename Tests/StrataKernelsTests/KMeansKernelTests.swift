import Testing

@testable import StrataKernels

/// The k-means row kernels against naive loops over a feature-major block.
@Suite("k-means kernels")
struct KMeansKernelTests {
    /// A feature-major block of `m` rows and `d` features (`block[f*m + i]`) and its rows.
    static func block(m: Int, d: Int, stream: UInt64) -> (block: [Double], rows: [[Double]]) {
        let values = randomValues(m * d, seed: 11, stream: stream)
        var block = [Double](repeating: 0, count: m * d)
        var rows = [[Double]]()
        for i in 0..<m {
            var row = [Double]()
            for f in 0..<d {
                block[f * m + i] = values[i * d + f]
                row.append(values[i * d + f])
            }
            rows.append(row)
        }
        return (block, rows)
    }

    static func squared(_ a: [Double], _ b: ArraySlice<Double>) -> Double {
        var total = 0.0
        for (x, y) in zip(a, b) { total += (x - y) * (x - y) }
        return total
    }

    @Test(
        "assign: nearest centroid, sums, weights and change count against naive loops",
        arguments: [(37, 3, 5), (64, 8, 8), (5, 1, 2), (300, 12, 20)], KMeansKernel.Method.allCases)
    func assign(shape: (Int, Int, Int), method: KMeansKernel.Method) {
        let (m, d, k) = shape
        let (block, rows) = Self.block(m: m, d: d, stream: UInt64(m))
        let centroids = randomValues(k * d, seed: 5, stream: UInt64(k))
        let weights = randomValues(m, seed: 9, stream: 1).map { $0 + 1.5 }
        let prepared = KMeansCentroids(values: centroids, count: k, dimension: d)
        var labels = [UInt32](repeating: 0, count: m)
        var sums = [Double](repeating: 0, count: k * d)
        var clusterWeights = [Double](repeating: 0, count: k)
        var labelSpan = labels.mutableSpan
        var sumSpan = sums.mutableSpan
        var weightSpan = clusterWeights.mutableSpan
        let stats = KMeansKernel.assign(
            block: block.span, rows: m, centroids: prepared, weights: weights.span, labels: &labelSpan,
            sums: &sumSpan, clusterWeights: &weightSpan, method: method)
        var expectedSums = [Double](repeating: 0, count: k * d)
        var expectedWeights = [Double](repeating: 0, count: k)
        var changed = 0
        for i in 0..<m {
            var best = 0
            var bestDistance = Double.infinity
            for j in 0..<k {
                let distance = Self.squared(rows[i], centroids[(j * d)..<((j + 1) * d)])
                if distance < bestDistance {
                    bestDistance = distance
                    best = j
                }
            }
            #expect(Int(labels[i]) == best, "row \(i)")
            if best != 0 { changed += 1 }
            for f in 0..<d { expectedSums[best * d + f] += weights[i] * rows[i][f] }
            expectedWeights[best] += weights[i]
        }
        #expect(stats.changed == changed)
        for i in 0..<(k * d) { #expect(abs(sums[i] - expectedSums[i]) < 1e-12) }
        for j in 0..<k { #expect(abs(clusterWeights[j] - expectedWeights[j]) < 1e-12) }

        // Labels only, unit weights: same labels, no change, sums untouched.
        var empty = [Double]()
        var noWeights = [Double]()
        var emptySpan = empty.mutableSpan
        var noWeightSpan = noWeights.mutableSpan
        var again = labels
        var againSpan = again.mutableSpan
        let second = KMeansKernel.assign(
            block: block.span, rows: m, centroids: prepared, weights: Span(), labels: &againSpan, sums: &emptySpan,
            clusterWeights: &noWeightSpan, method: method)
        #expect(second.changed == 0)
        #expect(again == labels)
    }

    @Test("distances to the assigned centroid, per-cluster totals and distances to a point")
    func distances() {
        let (m, d, k) = (41, 5, 4)
        let (block, rows) = Self.block(m: m, d: d, stream: 3)
        let centroids = randomValues(k * d, seed: 6, stream: 2)
        let prepared = KMeansCentroids(values: centroids, count: k, dimension: d)
        let labels = (0..<m).map { UInt32($0 % k) }
        var out = [Double](repeating: 0, count: m)
        var outSpan = out.mutableSpan
        KMeansKernel.assignedDistances(
            block: block.span, rows: m, centroids: prepared, labels: labels.span, out: &outSpan)
        var squared = [Double](repeating: 0, count: k)
        var plain = [Double](repeating: 0, count: k)
        var squaredSpan = squared.mutableSpan
        var plainSpan = plain.mutableSpan
        let weights = (0..<m).map { Double($0 % 3 + 1) }
        KMeansKernel.distanceTotals(
            block: block.span, rows: m, centroids: prepared, labels: labels.span, weights: weights.span,
            squared: &squaredSpan, plain: &plainSpan)
        var expectedSquared = [Double](repeating: 0, count: k)
        var expectedPlain = [Double](repeating: 0, count: k)
        for i in 0..<m {
            let j = Int(labels[i])
            let distance = Self.squared(rows[i], centroids[(j * d)..<((j + 1) * d)])
            #expect(abs(out[i] - distance) < 1e-14)
            expectedSquared[j] += weights[i] * distance
            expectedPlain[j] += weights[i] * distance.squareRoot()
        }
        for j in 0..<k {
            #expect(abs(squared[j] - expectedSquared[j]) < 1e-12)
            #expect(abs(plain[j] - expectedPlain[j]) < 1e-12)
        }
        let point = rows[7]
        var toPoint = [Double](repeating: -1, count: m)
        var toPointSpan = toPoint.mutableSpan
        KMeansKernel.distancesToPoint(block: block.span, rows: m, point: point.span, out: &toPointSpan)
        for i in 0..<m { #expect(abs(toPoint[i] - Self.squared(rows[i], point[...])) < 1e-14) }
        #expect(toPoint[7] == 0)
    }

    @Test("ties go to the lowest centroid index")
    func ties() {
        // One row at 0 and two identical centroids at 1: both methods must pick centroid 0.
        for method in KMeansKernel.Method.allCases {
            let prepared = KMeansCentroids(values: [1, 1, 5], count: 3, dimension: 1)
            var labels: [UInt32] = [9, 9, 9, 9, 9]
            var labelSpan = labels.mutableSpan
            var sums = [Double](repeating: 0, count: 3)
            var weights = [Double](repeating: 0, count: 3)
            var sumSpan = sums.mutableSpan
            var weightSpan = weights.mutableSpan
            let block: [Double] = [0, 0, 0, 0, 0]
            _ = KMeansKernel.assign(
                block: block.span, rows: 5, centroids: prepared, weights: Span(), labels: &labelSpan, sums: &sumSpan,
                clusterWeights: &weightSpan, method: method)
            #expect(labels == [0, 0, 0, 0, 0])
            #expect(weights == [5, 0, 0])
        }
    }
}
