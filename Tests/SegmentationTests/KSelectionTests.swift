import Segmentation
import StrataFrame
import StrataKernels
import Testing

@Suite("choosing k")
struct KSelectionTests {
    @Test("k ranges parse; malformed ones are errors naming --k-range")
    func ranges() throws {
        #expect(try KSelection.parseRange("3..12") == 3...12)
        #expect(try KSelection.parseRange(" 2-5 ") == 2...5)
        #expect(try KSelection.parseRange("4:4") == 4...4)
        #expect(
            throws: SegmentationError.option(name: "k-range", reason: "expected LOW..HIGH such as 3..12, got '3..'")
        ) {
            try KSelection.parseRange("3..")
        }
        #expect(
            throws: SegmentationError.option(name: "k-range", reason: "expected LOW..HIGH such as 3..12, got 'abc'")
        ) {
            try KSelection.parseRange("abc")
        }
        #expect(throws: SegmentationError.option(name: "k-range", reason: "12 is smaller than 13")) {
            try KSelection.parseRange("13..12")
        }
        #expect(throws: SegmentationError.option(name: "k-range", reason: "the smallest k must be at least 2, got 1")) {
            try KSelection.parseRange("1..4")
        }
        #expect(throws: SegmentationError.self) { try KSelection.parseRange("2..1000") }
    }

    func entry(_ k: Int, _ silhouette: Double?, ch: Double? = nil, db: Double? = nil) -> KScanEntry {
        KScanEntry(
            k: k, inertia: 100 / Double(k), silhouette: silhouette, calinskiHarabasz: ch, daviesBouldin: db,
            iterations: 10, converged: true)
    }

    @Test("the rule: highest silhouette, smallest k within 0.01 of it")
    func rule() {
        let clear = KSelection.choose([
            entry(3, 0.30, ch: 10, db: 1.2), entry(4, 0.45, ch: 12, db: 0.9), entry(5, 0.40, ch: 11, db: 1.0),
        ])
        #expect(clear.k == 4)
        #expect(
            clear.reason
                == "k = 4: highest silhouette (0.450); Calinski-Harabasz prefers k = 4, Davies-Bouldin prefers k = 4")
        let close = KSelection.choose([entry(3, 0.441), entry(4, 0.45), entry(5, 0.30)])
        #expect(close.k == 3)
        #expect(close.reason.hasPrefix("k = 3: silhouette 0.441 is within 0.01 of the best (0.450 at k = 4)"))
        let none = KSelection.choose([entry(3, nil, ch: 5), entry(4, nil, ch: 9)])
        #expect(none.k == 4)
    }

    @Test("a scan over three well-separated groups picks k = 3")
    func scanFindsGroups() throws {
        var values = [Double]()
        var random = RandomStream(seed: 4, stream: 0)
        let centres: [[Double]] = [[0, 0], [8, 0], [0, 8]]
        for i in 0..<1500 {
            let c = centres[i % 3]
            values.append(c[0] + random.nextNormal() * 0.5)
            values.append(c[1] + random.nextNormal() * 0.5)
        }
        let x = FeatureMatrix(rowMajor: values, rowCount: 1500, dimension: 2, blockRows: 200)
        let scan = try KSelection.scan(x, range: 2...6, options: KMeansOptions(k: 2, seed: 1), sampleSize: 500)
        #expect(scan.entries.map(\.k) == [2, 3, 4, 5, 6])
        #expect(scan.chosenK == 3)
        #expect(scan.silhouetteSampleSize == 500)
        #expect(scan.chosenFit.k == 3)
        // Inertia falls with k (the elbow curve).
        for i in 1..<5 { #expect(scan.entries[i].inertia < scan.entries[i - 1].inertia) }
        #expect(throws: SegmentationError.data(reason: "k up to 2000 but there are only 1500 loans")) {
            try KSelection.scan(x, range: 2...2000, options: KMeansOptions(k: 2))
        }
    }

    @Test("silhouette on a small set against a naive O(n²) computation")
    func silhouetteNaive() throws {
        let values: [Double] = [0, 0, 1, 0, 0, 1, 5, 5, 6, 5, 5, 7, 9, 0, 10, 1]
        let x = FeatureMatrix(rowMajor: values, rowCount: 8, dimension: 2, blockRows: 3)
        let labels: [UInt32] = [0, 0, 0, 1, 1, 1, 2, 2]
        func distance(_ i: Int, _ j: Int) -> Double {
            let a = values[i * 2] - values[j * 2]
            let b = values[i * 2 + 1] - values[j * 2 + 1]
            return (a * a + b * b).squareRoot()
        }
        var total = 0.0
        for i in 0..<8 {
            var sums = [Double](repeating: 0, count: 3)
            var counts = [Int](repeating: 0, count: 3)
            for j in 0..<8 where j != i {
                sums[Int(labels[j])] += distance(i, j)
                counts[Int(labels[j])] += 1
            }
            let own = Int(labels[i])
            let a = sums[own] / Double(counts[own])
            let b = (0..<3).filter { $0 != own }.map { sums[$0] / Double(counts[$0]) }.min()!
            total += (b - a) / max(a, b)
        }
        let silhouette = ClusterMetrics.silhouette(
            x, labels: ColumnBuffer(labels), k: 3, sample: Array(0..<8), threads: 2)!
        #expect(abs(silhouette - total / 8) < 1e-12)
        // One cluster only: undefined.
        #expect(
            ClusterMetrics.silhouette(
                x, labels: ColumnBuffer([UInt32](repeating: 0, count: 8)), k: 1, sample: Array(0..<8)) == nil)
    }

    @Test("Calinski-Harabasz and Davies-Bouldin by hand")
    func indicesByHand() {
        // Two clusters in 1-D: {0, 2} and {10, 12}; centroids 1 and 11. W = 4, T = 104 (mean 6).
        #expect(
            ClusterMetrics.calinskiHarabasz(totalSumOfSquares: 104, inertia: 4, rows: 4, k: 2) == (100.0 / 1)
                / (4.0 / 2))
        // Scatter 1 each, centroid distance 10: DB = (1 + 1) / 10.
        let db = ClusterMetrics.daviesBouldin(centroids: [1, 11], dimension: 1, scatter: [2, 2], weights: [2, 2])
        #expect(db == 0.2)
        #expect(ClusterMetrics.calinskiHarabasz(totalSumOfSquares: 1, inertia: 1, rows: 4, k: 1) == nil)
    }

    @Test("sampling is seeded, sorted, without repeats")
    func sampling() {
        let a = ClusterMetrics.sampleRows(count: 1_000_000, size: 1000, seed: 5)
        let b = ClusterMetrics.sampleRows(count: 1_000_000, size: 1000, seed: 5)
        #expect(a == b)
        #expect(a.count == 1000 && Set(a).count == 1000 && a == a.sorted())
        #expect(ClusterMetrics.sampleRows(count: 1_000_000, size: 1000, seed: 6) != a)
        #expect(ClusterMetrics.sampleRows(count: 10, size: 1000, seed: 5) == Array(0..<10))
    }
}
