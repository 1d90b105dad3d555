#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How well a score separates bads from goods on one set of rows.
public struct Discrimination: Sendable, Codable, Equatable {
    /// Rows measured.
    public var rows: Int
    /// Bad rows among them.
    public var bads: Int
    /// The area under the ROC curve (0.5 random, 1 perfect), ties counting one half.
    public var auc: Double
    /// `2·AUC − 1`.
    public var gini: Double
    /// The Kolmogorov–Smirnov statistic: the largest gap between the cumulative score
    /// distributions of bads and goods (a fraction, 0 to 1).
    public var ks: Double
    /// The credit score at which the KS gap is reached (rows at or below it are cumulated).
    public var ksScore: Double
}

/// One band of a decile (or other quantile) table, riskiest band first.
public struct ScoreBand: Sendable, Codable, Equatable {
    /// 1 for the riskiest band (lowest scores).
    public var band: Int
    /// The lowest score in the band.
    public var minScore: Double
    /// The highest score in the band.
    public var maxScore: Double
    /// Rows in the band.
    public var count: Int
    /// Bad rows in the band.
    public var bads: Int
    /// `bads / count`.
    public var badRate: Double
    /// The share of all bads in this band and the riskier ones (cumulative capture rate).
    public var cumulativeCapture: Double
    /// The share of all rows in this band and the riskier ones.
    public var cumulativeShare: Double
    /// `badRate / overall bad rate`.
    public var lift: Double
}

/// Score metrics: exact tie-aware AUC, KS, Gini, quantile tables, PSI.
///
/// All functions take *credit scores* (higher is better, as the points of a scorecard) and 0/1
/// labels (1 bad). Sorting makes them O(n log n); no sampling.
public enum Metrics {
    /// AUC, Gini and KS of credit scores against labels.
    ///
    /// The AUC is the Mann–Whitney statistic with ties counted one half, computed exactly in
    /// integers from the sorted scores of bads and goods:
    ///
    /// ```
    /// AUC = [ Σ_bads #{goods with a higher score} + ½·#{goods with an equal score} ] / (B·G)
    /// Gini = 2·AUC − 1
    /// KS  = maxₜ | F_bad(t) − F_good(t) |,   F(t) = share of the class with score ≤ t
    /// ```
    ///
    /// Sources: D. J. Hand & R. J. Till, Machine Learning 45 (2001) for AUC as Mann–Whitney;
    /// N. Siddiqi, *Credit Risk Scorecards* (Wiley, 2006) for KS and Gini. The AUC equals
    /// scikit-learn's `roc_auc_score(y, −score)` (tested to 10⁻⁹).
    ///
    /// - Returns: nil when either class is absent.
    public static func discrimination(scores: [Double], labels: [UInt8]) -> Discrimination? {
        precondition(scores.count == labels.count, "one label per score")
        var bad = [Double]()
        var good = [Double]()
        bad.reserveCapacity(scores.count / 8)
        good.reserveCapacity(scores.count)
        for i in scores.indices {
            if labels[i] == 1 { bad.append(scores[i]) } else { good.append(scores[i]) }
        }
        return discrimination(sortedBadScores: sorted(bad), sortedGoodScores: sorted(good))
    }

    /// ``discrimination(scores:labels:)`` from the ascending scores of each class.
    public static func discrimination(sortedBadScores bad: [Double], sortedGoodScores good: [Double]) -> Discrimination?
    {
        let b = bad.count
        let g = good.count
        guard b > 0 && g > 0 else { return nil }
        // Walk distinct values upwards; `twiceU` counts pairs (bad lower than good) twice, ties once.
        var i = 0
        var j = 0
        var twiceU = 0
        var ks = 0.0
        var ksScore = bad[0]
        while i < b || j < g {
            let v = i < b && (j >= g || bad[i] <= good[j]) ? bad[i] : good[j]
            var badsHere = 0
            var goodsHere = 0
            while i < b && bad[i] == v {
                badsHere += 1
                i += 1
            }
            while j < g && good[j] == v {
                goodsHere += 1
                j += 1
            }
            // Bads at v have (g − j) goods above them and goodsHere tied with them.
            twiceU += badsHere * (2 * (g - j) + goodsHere)
            let gap = abs(Double(i) / Double(b) - Double(j) / Double(g))
            if gap > ks {
                ks = gap
                ksScore = v
            }
        }
        let auc = Double(twiceU) / (2 * Double(b) * Double(g))
        return Discrimination(rows: b + g, bads: b, auc: auc, gini: 2 * auc - 1, ks: ks, ksScore: ksScore)
    }

    /// Discrimination, quantile table and band edges of one set of scores, from one sort of each
    /// class (what the trainer reports for training and holdout rows).
    public struct Summary: Sendable {
        /// AUC, Gini, KS (nil when a class is absent).
        public var discrimination: Discrimination?
        /// The quantile table, riskiest band first.
        public var bands: [ScoreBand]
        /// The band edges (see ``quantileEdges(sortedScores:bands:)``).
        public var edges: [Double]
    }

    /// ``discrimination(scores:labels:)`` and ``bandTable(scores:labels:bands:)`` together, sorting
    /// each class once; the results equal those of the two functions.
    public static func summary(scores: [Double], labels: [UInt8], bands q: Int = 10) -> Summary {
        precondition(scores.count == labels.count, "one label per score")
        var bad = [Double]()
        var good = [Double]()
        for i in scores.indices {
            if labels[i] == 1 { bad.append(scores[i]) } else { good.append(scores[i]) }
        }
        RadixSort.sort(&bad)
        RadixSort.sort(&good)
        let discrimination = discrimination(sortedBadScores: bad, sortedGoodScores: good)
        // Merge into one ascending array.
        var all = [Double]()
        all.reserveCapacity(scores.count)
        var i = 0
        var j = 0
        while i < bad.count || j < good.count {
            if j >= good.count || (i < bad.count && bad[i] <= good[j]) {
                all.append(bad[i])
                i += 1
            } else {
                all.append(good[j])
                j += 1
            }
        }
        let edges = quantileEdges(sortedScores: all, bands: q)
        let n = all.count
        let totalBads = bad.count
        let overall = n == 0 ? 0 : Double(totalBads) / Double(n)
        var result = [ScoreBand]()
        var cumulativeBads = 0
        var cumulativeRows = 0
        for d in 0...edges.count {
            let low = d == 0 ? 0 : Binner.lowerBound(all, edges[d - 1])
            let high = d == edges.count ? n : Binner.lowerBound(all, edges[d])
            guard high > low else { continue }
            let lowBad = d == 0 ? 0 : Binner.lowerBound(bad, edges[d - 1])
            let highBad = d == edges.count ? bad.count : Binner.lowerBound(bad, edges[d])
            let count = high - low
            let bads = highBad - lowBad
            cumulativeBads += bads
            cumulativeRows += count
            let rate = Double(bads) / Double(count)
            result.append(
                ScoreBand(
                    band: result.count + 1, minScore: all[low], maxScore: all[high - 1], count: count, bads: bads,
                    badRate: rate,
                    cumulativeCapture: totalBads == 0 ? 0 : Double(cumulativeBads) / Double(totalBads),
                    cumulativeShare: Double(cumulativeRows) / Double(n), lift: overall == 0 ? 0 : rate / overall))
        }
        return Summary(discrimination: discrimination, bands: result, edges: edges)
    }

    /// The band edges of a quantile table: `sorted[⌊d·n/q⌋]` for d = 1 … q−1, without repeats and
    /// without the minimum, so equal scores always share a band. Band 0 holds scores below the
    /// first edge; band d scores in `[edge_d, edge_{d+1})`.
    public static func quantileEdges(sortedScores: [Double], bands q: Int = 10) -> [Double] {
        Binner.quantileCuts(sorted: sortedScores, preBins: q)
    }

    /// The band of `score` given ascending edges: the number of edges at or below it.
    @inline(__always)
    public static func band(of score: Double, edges: [Double]) -> Int {
        var k = 0
        for e in edges where score >= e { k += 1 }
        return k
    }

    /// The quantile table (deciles by default) of credit scores, riskiest band first.
    ///
    /// Bands are cut at score quantiles (see ``quantileEdges(sortedScores:bands:)``), so bands
    /// hold about n/q rows each, exactly when no score value straddles an edge.
    public static func bandTable(scores: [Double], labels: [UInt8], bands q: Int = 10) -> [ScoreBand] {
        precondition(scores.count == labels.count, "one label per score")
        let all = sorted(scores)
        let edges = quantileEdges(sortedScores: all, bands: q)
        return bandTable(scores: scores, labels: labels, edges: edges)
    }

    /// The band table for given edges (see ``band(of:edges:)``).
    public static func bandTable(scores: [Double], labels: [UInt8], edges: [Double]) -> [ScoreBand] {
        let k = edges.count + 1
        var counts = [Int](repeating: 0, count: k)
        var bads = [Int](repeating: 0, count: k)
        var low = [Double](repeating: .infinity, count: k)
        var high = [Double](repeating: -.infinity, count: k)
        var totalBads = 0
        for i in scores.indices {
            let s = scores[i]
            let d = band(of: s, edges: edges)
            counts[d] += 1
            if labels[i] == 1 {
                bads[d] += 1
                totalBads += 1
            }
            low[d] = min(low[d], s)
            high[d] = max(high[d], s)
        }
        let n = scores.count
        let overall = n == 0 ? 0 : Double(totalBads) / Double(n)
        var result = [ScoreBand]()
        var cumulativeBads = 0
        var cumulativeRows = 0
        for d in 0..<k where counts[d] > 0 {
            cumulativeBads += bads[d]
            cumulativeRows += counts[d]
            let rate = Double(bads[d]) / Double(counts[d])
            result.append(
                ScoreBand(
                    band: result.count + 1, minScore: low[d], maxScore: high[d], count: counts[d], bads: bads[d],
                    badRate: rate,
                    cumulativeCapture: totalBads == 0 ? 0 : Double(cumulativeBads) / Double(totalBads),
                    cumulativeShare: Double(cumulativeRows) / Double(n), lift: overall == 0 ? 0 : rate / overall))
        }
        return result
    }

    /// The population stability index between an expected (training) and an actual distribution
    /// over the same bins, with additive smoothing so empty bins stay finite.
    ///
    /// ```
    /// eᵢ = (Eᵢ + α) / (ΣE + kα),   aᵢ = (Aᵢ + α) / (ΣA + kα)          (α = 0.5 by default)
    /// PSI = Σᵢ (aᵢ − eᵢ) · ln(aᵢ / eᵢ)
    /// ```
    ///
    /// Source: N. Siddiqi, *Credit Risk Scorecards* (Wiley, 2006), the system stability report; the
    /// usual reading: below 0.1 stable, 0.1–0.25 some shift, above 0.25 a significant shift.
    /// Applied to a feature's bins it is the characteristic stability index (CSI).
    ///
    /// - Precondition: equal bin counts, counts non-negative.
    public static func psi(expected: [Int], actual: [Int], smoothing alpha: Double = 0.5) -> Double {
        precondition(expected.count == actual.count, "the distributions must have the same bins")
        let k = Double(expected.count)
        let e = Double(expected.reduce(0, +)) + k * alpha
        let a = Double(actual.reduce(0, +)) + k * alpha
        if e == 0 || a == 0 { return 0 }
        var total = 0.0
        for i in expected.indices {
            let es = (Double(expected[i]) + alpha) / e
            let as_ = (Double(actual[i]) + alpha) / a
            if es > 0 && as_ > 0 { total += (as_ - es) * log(as_ / es) }
        }
        return total
    }

    /// Counts of `scores` per band of `edges`.
    public static func bandCounts(scores: [Double], edges: [Double]) -> [Int] {
        var counts = [Int](repeating: 0, count: edges.count + 1)
        for s in scores { counts[band(of: s, edges: edges)] += 1 }
        return counts
    }

    /// `values` (no NaN) sorted ascending.
    static func sorted(_ values: [Double]) -> [Double] {
        var copy = values
        RadixSort.sort(&copy)
        return copy
    }
}
