import Segmentation
import StrataFrame
import StrataKernels
import Testing

@Suite("k-means")
struct KMeansTests {
    @Test("two well-separated clusters are recovered exactly", arguments: KMeansKernel.Method.allCases)
    func twoClusters(method: KMeansKernel.Method) throws {
        let (values, truth) = SegmentationTestData.twoGroups(a: 700, b: 300)
        let x = FeatureMatrix(rowMajor: values, rowCount: 1000, dimension: 3, blockRows: 128)
        let fit = try KMeans.fit(x, options: KMeansOptions(k: 2, seed: 7, method: method, threads: 2))
        let labels = fit.labels.array.map(Int.init)
        // The same partition up to renaming the clusters.
        let first = labels[0]
        #expect(labels.enumerated().allSatisfy { ($0.element == first) == (truth[$0.offset] == 0) })
        #expect(fit.clusterCounts.sorted() == [300, 700])
        #expect(fit.converged)
        // Centroids are the group means (jitter is symmetric, so close to the true centres).
        let big = fit.clusterCounts[0] == 700 ? 0 : 1
        let centre = fit.centroid(big)
        for c in centre { #expect(abs(c) < 0.1) }
        // Inertia against a direct sum over rows.
        var naive = 0.0
        for i in 0..<1000 {
            let c = fit.centroid(labels[i])
            for f in 0..<3 {
                let delta = values[i * 3 + f] - c[f]
                naive += delta * delta
            }
        }
        #expect(SegmentationTestData.relative(fit.inertia, naive) < 1e-12)
    }

    @Test("bit-identical for any thread count and across runs")
    func determinism() throws {
        var values = [Double]()
        var random = RandomStream(seed: 99, stream: 0)
        for _ in 0..<(5000 * 4) { values.append(random.nextNormal()) }
        let x = FeatureMatrix(rowMajor: values, rowCount: 5000, dimension: 4, blockRows: 256)
        var reference: KMeansResult?
        for threads in [1, 2, 3, 1] {
            let fit = try KMeans.fit(x, options: KMeansOptions(k: 5, restarts: 2, seed: 3, threads: threads))
            if let reference {
                #expect(fit.labels == reference.labels)
                #expect(fit.centroids.map(\.bitPattern) == reference.centroids.map(\.bitPattern))
                #expect(fit.inertia.bitPattern == reference.inertia.bitPattern)
                #expect(fit.iterations == reference.iterations)
                #expect(fit.restartInertias.map(\.bitPattern) == reference.restartInertias.map(\.bitPattern))
            } else {
                reference = fit
            }
        }
        // Another seed gives another start (and here another restart history).
        let other = try KMeans.fit(x, options: KMeansOptions(k: 5, restarts: 2, seed: 4, threads: 2))
        #expect(other.restartInertias != reference!.restartInertias)
    }

    @Test("restarts keep the lowest inertia")
    func restarts() throws {
        var values = [Double]()
        var random = RandomStream(seed: 5, stream: 1)
        for _ in 0..<(2000 * 2) { values.append(random.nextUniform()) }
        let x = FeatureMatrix(rowMajor: values, rowCount: 2000, dimension: 2, blockRows: 300)
        let fit = try KMeans.fit(x, options: KMeansOptions(k: 7, restarts: 4, seed: 11, threads: 2))
        #expect(fit.restartInertias.count == 4)
        #expect(fit.inertia == fit.restartInertias.min()!)
        #expect(fit.restartInertias[fit.chosenRestart] == fit.inertia)
    }

    @Test("an empty cluster is re-seeded from the farthest row (hand-computed)")
    func emptyClusterByHand() throws {
        // One feature: rows 0, 0.1, 0.3, 10, 10.1; start at 0.1, 10, 100. The third cluster gets
        // nothing; the farthest row from its centroid is 0.3 (0.04 from 0.1), so it becomes
        // centroid 3 and leaves cluster 1, which becomes (0 + 0.1) / 2.
        let x = FeatureMatrix(rowMajor: [0, 0.1, 0.3, 10, 10.1], rowCount: 5, dimension: 1)
        let fit = try KMeans.fit(
            x, options: KMeansOptions(k: 3, tolerance: 0, initialCentroids: [0.1, 10, 100], threads: 1))
        #expect(fit.reseeded == 1)
        #expect(abs(fit.centroids[0] - 0.05) < 1e-15)
        #expect(abs(fit.centroids[1] - 10.05) < 1e-12)
        #expect(abs(fit.centroids[2] - 0.3) < 1e-15)
        #expect(fit.labels.array == [0, 0, 2, 1, 1])
        #expect(abs(fit.inertia - 0.01) < 1e-12)
    }

    @Test("k-means++ picks distinct rows and is seeded")
    func seeding() throws {
        let (values, _) = SegmentationTestData.twoGroups(a: 50, b: 50)
        let x = FeatureMatrix(rowMajor: values, rowCount: 100, dimension: 3, blockRows: 16)
        let a = try KMeans.seedPlusPlus(x, k: 4, seed: 1, threads: 1)
        let b = try KMeans.seedPlusPlus(x, k: 4, seed: 1, threads: 2)
        #expect(a == b)
        let rows = (0..<100).map { x.row($0) }
        var picked = [Int]()
        for j in 0..<4 {
            let centre = Array(a[(j * 3)..<(j * 3 + 3)])
            let row = rows.firstIndex(of: centre)
            #expect(row != nil)
            picked.append(row ?? -1)
        }
        #expect(Set(picked).count == 4)
        // With two far groups and k = 2 the second centre lies in the other group.
        let two = try KMeans.seedPlusPlus(x, k: 2, seed: 9, threads: 1)
        #expect((two[0] < 5) != (two[3] < 5))
    }

    @Test("weights: a row of weight w counts as w copies")
    func weights() throws {
        // Rows 0, 1, 5 with weights 1, 3, 2 and one cluster: the weighted mean (0 + 3 + 10) / 6.
        let x = FeatureMatrix(rowMajor: [0, 1, 5], rowCount: 3, dimension: 1, weights: [1, 3, 2])
        let fit = try KMeans.fit(x, options: KMeansOptions(k: 1, threads: 1))
        #expect(abs(fit.centroids[0] - 13.0 / 6) < 1e-15)
        let expected =
            1 * (13.0 / 6) * (13.0 / 6) + 3 * (1 - 13.0 / 6) * (1 - 13.0 / 6) + 2 * (5 - 13.0 / 6) * (5 - 13.0 / 6)
        #expect(abs(fit.inertia - expected) < 1e-12)
        #expect(fit.clusterWeights == [6])
        #expect(fit.clusterCounts == [3])
    }

    @Test("k larger than the rows or the distinct rows is an error")
    func tooFewRows() throws {
        let x = FeatureMatrix(rowMajor: [1, 1, 1, 2, 2, 2], rowCount: 6, dimension: 1)
        #expect(throws: SegmentationError.data(reason: "k = 7 but there are only 6 loans")) {
            try KMeans.fit(x, options: KMeansOptions(k: 7))
        }
        #expect(
            throws: SegmentationError.data(
                reason: "only 2 distinct loans (feature rows) but k = 3; lower k or add features")
        ) {
            try KMeans.fit(x, options: KMeansOptions(k: 3))
        }
        #expect(throws: SegmentationError.self) { try KMeans.fit(x, options: KMeansOptions(k: 0)) }
        #expect(throws: SegmentationError.self) { try KMeans.fit(x, options: KMeansOptions(k: 2, tolerance: -1)) }
        #expect(throws: SegmentationError.self) {
            try KMeans.fit(x, options: KMeansOptions(k: 2, initialCentroids: [1, 2, 3]))
        }
    }

    @Test("max-iter caps the iterations and the labels match the final centroids")
    func cappedIterations() throws {
        var values = [Double]()
        var random = RandomStream(seed: 8, stream: 0)
        for _ in 0..<(3000 * 2) { values.append(random.nextUniform()) }
        let x = FeatureMatrix(rowMajor: values, rowCount: 3000, dimension: 2, blockRows: 500)
        let fit = try KMeans.fit(x, options: KMeansOptions(k: 9, maxIterations: 2, tolerance: 0))
        #expect(fit.iterations == 2)
        #expect(!fit.converged)
        let again = KMeans.assign(x, centroids: fit.centroids)
        #expect(again == fit.labels)
    }

    @Test("the tolerance stops early on a relative centroid shift")
    func tolerance() throws {
        var values = [Double]()
        var random = RandomStream(seed: 2, stream: 0)
        for _ in 0..<(4000 * 2) { values.append(random.nextUniform()) }
        let x = FeatureMatrix(rowMajor: values, rowCount: 4000, dimension: 2, blockRows: 512)
        let loose = try KMeans.fit(x, options: KMeansOptions(k: 10, tolerance: 1e-1, seed: 1))
        let tight = try KMeans.fit(x, options: KMeansOptions(k: 10, tolerance: 0, seed: 1))
        #expect(loose.iterations < tight.iterations)
        #expect(loose.converged && tight.converged)
        #expect(tight.inertia <= loose.inertia)
    }

    @Test("both kernel methods give the same labels on random data")
    func methodsAgree() throws {
        var values = [Double]()
        var random = RandomStream(seed: 21, stream: 0)
        for _ in 0..<(3001 * 8) { values.append(random.nextNormal()) }
        let x = FeatureMatrix(rowMajor: values, rowCount: 3001, dimension: 8, blockRows: 1000)
        let centroids = Array(values[0..<(8 * 8)])
        let simd = KMeans.assign(x, centroids: centroids, method: .simd)
        let blas = KMeans.assign(x, centroids: centroids, method: .blas)
        #expect(simd == blas)
        // And both against a naive nearest-centroid search.
        for i in stride(from: 0, to: 3001, by: 37) {
            var best = 0
            var bestDistance = Double.infinity
            for j in 0..<8 {
                var squared = 0.0
                for f in 0..<8 {
                    let delta = values[i * 8 + f] - centroids[j * 8 + f]
                    squared += delta * delta
                }
                if squared < bestDistance {
                    bestDistance = squared
                    best = j
                }
            }
            #expect(Int(simd[i]) == best)
        }
    }
}
