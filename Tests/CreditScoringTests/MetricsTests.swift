import CreditScoring
import Foundation
import StrataKernels
import Testing

@Suite struct MetricsTests {
    @Test func aucAndKSMatchScikitLearnAndNumpy() throws {
        let data = try TestData.csv("auc_data.csv")
        let expected = try TestData.json("auc_expected.json")
        let scores = data["score"]!
        let labels = data["y"]!.map { UInt8($0) }
        let d = Metrics.discrimination(scores: scores, labels: labels)!
        #expect(abs(d.auc - (expected["auc"] as! Double)) < 1e-9)
        #expect(abs(d.gini - (2 * (expected["auc"] as! Double) - 1)) < 1e-9)
        #expect(abs(d.ks - (expected["ks"] as! Double)) < 1e-12)
        #expect(d.ksScore == expected["ksScore"] as! Double)
        #expect(d.rows == 3000 && d.bads == expected["bads"] as! Int)
    }

    @Test func aucAgainstBruteForcePairs() {
        var rng = RandomStream(seed: 5, stream: 0)
        for trial in 0..<20 {
            let n = 10 + Int(rng.nextUniform() * 200)
            let scores = (0..<n).map { _ in (rng.nextUniform() * 10).rounded() }
            var labels = (0..<n).map { _ in UInt8(rng.nextUniform() < 0.3 ? 1 : 0) }
            labels[0] = 1
            labels[1] = 0
            var pairs = 0.0
            var wins = 0.0
            for i in 0..<n where labels[i] == 1 {
                for j in 0..<n where labels[j] == 0 {
                    pairs += 1
                    wins += scores[i] < scores[j] ? 1 : (scores[i] == scores[j] ? 0.5 : 0)
                }
            }
            let auc = Metrics.discrimination(scores: scores, labels: labels)!.auc
            #expect(abs(auc - wins / pairs) < 1e-12, "trial \(trial)")
        }
        #expect(Metrics.discrimination(scores: [1, 2], labels: [0, 0]) == nil)
    }

    @Test func psiByHandIncludingEmptyBins() {
        // Identical distributions: 0.
        #expect(Metrics.psi(expected: [10, 20, 30], actual: [10, 20, 30]) == 0)
        // An empty bin on either side stays finite with the 0.5 smoothing.
        let e = [100, 0, 50]
        let a = [60, 30, 0]
        let es = e.map { (Double($0) + 0.5) / 151.5 }
        let as_ = a.map { (Double($0) + 0.5) / 91.5 }
        var expected = 0.0
        for i in 0..<3 { expected += (as_[i] - es[i]) * log(as_[i] / es[i]) }
        let psi = Metrics.psi(expected: e, actual: a)
        #expect(psi.isFinite && abs(psi - expected) < 1e-14)
        // Without smoothing an empty bin would be infinite; with it the sign is right.
        #expect(psi > 0.25)
    }

    @Test func decileTableAddsUp() {
        var rng = RandomStream(seed: 9, stream: 0)
        let n = 5000
        let scores = (0..<n).map { _ in (500 + 100 * rng.nextUniform()).rounded() }
        let labels = scores.map { UInt8(rng.nextUniform() < (600 - $0) / 400 ? 1 : 0) }
        let table = Metrics.bandTable(scores: scores, labels: labels, bands: 10)
        #expect(table.map(\.count).reduce(0, +) == n)
        let totalBads = labels.reduce(0) { $0 + Int($1) }
        #expect(table.map(\.bads).reduce(0, +) == totalBads)
        #expect(abs(table.last!.cumulativeCapture - 1) < 1e-12)
        #expect(abs(table.last!.cumulativeShare - 1) < 1e-12)
        #expect(table.count == 10)
        for band in table { #expect(abs(Double(band.count) - 500) < 120) }
        for (a, b) in zip(table, table.dropFirst()) { #expect(a.maxScore < b.minScore) }
        // Riskiest band first: its lift is above 1.
        #expect(table[0].lift > 1)
    }
}

@Suite struct MetricsSummaryTests {
    @Test func summaryEqualsTheSeparateFunctions() {
        var rng = RandomStream(seed: 21, stream: 0)
        let n = 20_000
        let scores = (0..<n).map { _ in (400 + 300 * rng.nextUniform()).rounded() / 2 }
        let labels = scores.map { UInt8(rng.nextUniform() < (600 - $0) / 800 ? 1 : 0) }
        let summary = Metrics.summary(scores: scores, labels: labels, bands: 10)
        #expect(summary.discrimination == Metrics.discrimination(scores: scores, labels: labels))
        #expect(summary.bands == Metrics.bandTable(scores: scores, labels: labels, bands: 10))
    }
}
