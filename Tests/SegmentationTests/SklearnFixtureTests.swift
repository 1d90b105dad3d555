import Foundation
import Segmentation
import StrataFrame
import StrataKernels
import Testing

/// Lloyd from given centroids against scikit-learn (Fixtures/make_fixtures.py): same labels,
/// inertia within 1e-9 relative, same iteration count.
@Suite("k-means against scikit-learn")
struct SklearnFixtureTests {
    /// Runs one fixture case through the real pipeline: a table, `--standardize none` (centred by
    /// the mean, as scikit-learn centres), starting centroids from the CSV file in original units.
    func run(
        _ name: String, initFile: String, method: KMeansKernel.Method, threads: Int = 2
    ) throws -> (
        result: KMeansResult, matrix: FeatureMatrix, expected: [String: Any], labels: [Int]
    ) {
        let table = try SegmentationTestData.numericTable("kmeans_data.csv")
        let all = try SegmentationTestData.expected()
        let cases = all["cases"] as! [String: Any]
        let expected = cases[name] as! [String: Any]
        let weighted = expected["weighted"] as! Bool
        let spec = FeatureSpec(
            columns: ["x1", "x2", "x3", "x4"], standardization: .none, weightColumn: weighted ? "w" : nil)
        // A small block size so the 4,000 rows span several blocks (chunk partials are exercised).
        let matrix = try FeatureMatrix(table: table, spec: spec, blockRows: 512, threads: threads)
        let file = try CentroidFile.load(path: SegmentationTestData.fixturePath(initFile))
        let initial = try file.standardized(for: matrix.features, path: initFile)
        let options = KMeansOptions(
            k: 6, maxIterations: expected["max_iter"] as! Int, tolerance: 0, initialCentroids: initial, method: method,
            threads: threads)
        let result = try KMeans.fit(matrix, options: options)
        let labelTable = try SegmentationTestData.numericTable("kmeans_labels.csv")
        let labels = try labelTable.float64(name).array.map { Int($0) }
        return (result, matrix, expected, labels)
    }

    @Test(
        "same labels, inertia and iterations as sklearn",
        arguments: [
            ("converged", "kmeans_init.csv"), ("capped", "kmeans_init.csv"), ("weighted", "kmeans_init.csv"),
            ("empty", "kmeans_init_empty.csv"),
        ], KMeansKernel.Method.allCases)
    func matchesSklearn(_ fixture: (String, String), method: KMeansKernel.Method) throws {
        let (result, matrix, expected, labels) = try run(fixture.0, initFile: fixture.1, method: method)
        #expect(result.labels.array.map { Int($0) } == labels)
        let inertia = expected["inertia"] as! Double
        #expect(
            SegmentationTestData.relative(result.inertia, inertia) < 1e-9, "inertia \(result.inertia) vs \(inertia)")
        #expect(result.iterations == expected["n_iter"] as! Int)
        // Centroids in original units within 1e-9 relative to the data scale (x3 is ~50).
        let centers = expected["centers"] as! [[Double]]
        for j in 0..<6 {
            for f in 0..<4 {
                let mine = matrix.features[f].original(result.centroids[j * 4 + f])
                #expect(abs(mine - centers[j][f]) < 1e-9 * 100, "centroid \(j) feature \(f)")
            }
        }
    }

    @Test("the empty-cluster case really re-seeds a cluster")
    func emptyCaseReseeds() throws {
        let (result, _, _, _) = try run("empty", initFile: "kmeans_init_empty.csv", method: .simd)
        #expect(result.reseeded >= 1)
        let (plain, _, _, _) = try run("converged", initFile: "kmeans_init.csv", method: .simd)
        #expect(plain.reseeded == 0)
    }

    @Test("silhouette, Calinski-Harabasz and Davies-Bouldin match sklearn")
    func validityIndices() throws {
        let (result, matrix, expected, _) = try run("converged", initFile: "kmeans_init.csv", method: .simd)
        let sample = ClusterMetrics.sampleRows(count: matrix.rowCount, size: 10_000, seed: 1)
        #expect(sample.count == matrix.rowCount)  // the whole fixture: no sampling
        let silhouette = ClusterMetrics.silhouette(matrix, labels: result.labels, k: 6, sample: sample)!
        #expect(abs(silhouette - (expected["silhouette"] as! Double)) < 1e-9)
        let total = KMeans.totalSumOfSquares(matrix)
        let ch = ClusterMetrics.calinskiHarabasz(
            totalSumOfSquares: total, inertia: result.inertia, rows: matrix.rowCount, k: 6)!
        #expect(SegmentationTestData.relative(ch, expected["calinski_harabasz"] as! Double) < 1e-9)
        let db = ClusterMetrics.daviesBouldin(
            centroids: result.centroids, dimension: 4, scatter: result.clusterScatter, weights: result.clusterWeights)!
        #expect(SegmentationTestData.relative(db, expected["davies_bouldin"] as! Double) < 1e-9)
    }
}
