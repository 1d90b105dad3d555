import StrataFrame
import StrataKernels

/// Segment profiles and tiers of a fitted clustering of a loan table.
///
/// Tiers: segments are ranked best to worst by the first risk measure the input allows
/// (``SegmentRanking``: mean `pd`, observed default rate, mean `score`, a feature risk index, or
/// size), ties broken by larger total balance then lower segment number; the ranked segments are
/// cut into `T` tiers of consecutive ranks as evenly as possible:
///
/// ```
/// tier(rank r) = ⌊(r − 1) · T / k⌋ + 1        (r = 1 … k)
/// ```
public struct SegmentReport: Sendable {
    /// The feature scalings of the fit.
    public let features: [FeatureScaling]
    /// One profile per segment, in segment order (segment 1 first).
    public let profiles: [SegmentProfile]
    /// The number of tiers.
    public let tierCount: Int
    /// What the segments were ranked by.
    public let ranking: SegmentRanking
    /// Loans clustered.
    public let loans: Int
    /// Loans skipped for missing values.
    public let skippedLoans: Int

    /// Risk columns read from the input when present (numeric).
    public static let riskColumns = (
        pd: "pd", score: "score", label: "defaulted_12m", balance: "balance", ead: "ead", el: "el"
    )

    /// Profiles, ranks and tiers of `fit` on `matrix`, built from `table`.
    ///
    /// - Parameters:
    ///   - table: the loans the matrix was built from (risk columns are read from it).
    ///   - matrix: the features.
    ///   - fit: the clustering of `matrix`.
    ///   - tiers: the number of tiers (at most k; default 3).
    /// - Throws: ``SegmentationError/option(name:reason:)`` when `tiers < 1`.
    /// - Complexity: O(n) per risk column present, in parallel passes.
    public init(
        table: Table, matrix: FeatureMatrix, fit: KMeansResult, tiers: Int = 3, threads: Int = Parallel.threadCount
    ) throws(SegmentationError) {
        guard tiers >= 1 else { throw .option(name: "tiers", reason: "must be at least 1, got \(tiers)") }
        precondition(fit.labels.count == matrix.rowCount, "the fit does not belong to this matrix")
        let k = fit.k
        let d = matrix.dimension
        let n = matrix.rowCount
        let names = SegmentReport.riskColumns
        func aggregate(_ name: String) -> (sums: [Double], counts: [Int])? {
            guard table.hasColumn(name), let column = try? table.column(named: name),
                column.type == .float64 || column.type == .int64, let values = try? table.numeric(name)
            else { return nil }
            let result = SegmentReport.segmentSums(
                values, validity: column.validity, labels: fit.labels, matrix: matrix, k: k, threads: threads)
            return result.counts.reduce(0, +) > 0 ? result : nil
        }
        let pd = aggregate(names.pd)
        let score = aggregate(names.score)
        let label = aggregate(names.label)
        let balance = aggregate(names.balance)
        let ead = aggregate(names.ead)
        let el = aggregate(names.el)
        let ranking: SegmentRanking
        if pd != nil {
            ranking = .meanPD
        } else if label != nil {
            ranking = .defaultRate
        } else if score != nil {
            ranking = .meanScore
        } else if matrix.features.contains(where: { SegmentDescriber.riskDirection(of: $0.column) != nil }) {
            ranking = .featureRiskIndex
        } else {
            ranking = .size
        }
        let totalWeight = fit.clusterWeights.reduce(0, +)
        struct Draft {
            var segment: Int
            var loans: Int
            var key: Double
            var balance: Double
        }
        var drafts = [Draft]()
        var partial = [(centroid: [Double], standardized: [Double], deviations: [Double], description: String)]()
        for j in 0..<k {
            let standardized = fit.centroid(j)
            let centroid = (0..<d).map { matrix.features[$0].original(standardized[$0]) }
            let deviations = (0..<d).map { matrix.features[$0].bookDeviation(standardized[$0]) }
            let description = SegmentDescriber.describe(
                features: matrix.features, deviations: deviations, centroid: centroid)
            partial.append((centroid, standardized, deviations, description))
            func mean(_ a: (sums: [Double], counts: [Int])?) -> Double? {
                guard let a, a.counts[j] > 0 else { return nil }
                return a.sums[j] / Double(a.counts[j])
            }
            let key: Double
            switch ranking {
            case .meanPD: key = mean(pd) ?? .infinity
            case .defaultRate: key = mean(label) ?? .infinity
            case .meanScore: key = mean(score).map { -$0 } ?? .infinity
            case .featureRiskIndex:
                var index = 0.0
                for f in 0..<d {
                    if let sign = SegmentDescriber.riskDirection(of: matrix.features[f].column),
                        matrix.features[f].transform != .indicator
                    {
                        index += sign * deviations[f]
                    }
                }
                key = fit.clusterCounts[j] > 0 ? index : .infinity
            case .size: key = -Double(fit.clusterCounts[j])
            }
            drafts.append(
                Draft(segment: j + 1, loans: fit.clusterCounts[j], key: key, balance: balance?.sums[j] ?? 0))
        }
        let ranked = drafts.sorted {
            if $0.key != $1.key { return $0.key < $1.key }
            if $0.balance != $1.balance { return $0.balance > $1.balance }
            return $0.segment < $1.segment
        }
        let tierCount = min(tiers, k)
        var rankOf = [Int](repeating: 0, count: k)
        for (r, draft) in ranked.enumerated() { rankOf[draft.segment - 1] = r + 1 }
        var profiles = [SegmentProfile]()
        for j in 0..<k {
            func mean(_ a: (sums: [Double], counts: [Int])?) -> Double? {
                guard let a, a.counts[j] > 0 else { return nil }
                return a.sums[j] / Double(a.counts[j])
            }
            let rank = rankOf[j]
            profiles.append(
                SegmentProfile(
                    segment: j + 1, loans: fit.clusterCounts[j],
                    share: n > 0 ? Double(fit.clusterCounts[j]) / Double(n) : 0,
                    weightShare: matrix.weights == nil ? nil : fit.clusterWeights[j] / totalWeight,
                    centroid: partial[j].centroid, standardizedCentroid: partial[j].standardized,
                    deviations: partial[j].deviations, meanPD: mean(pd), meanScore: mean(score),
                    defaultRate: mean(label), defaults: label.map { Int($0.sums[j].rounded()) },
                    labelledLoans: label.map { $0.counts[j] }, totalBalance: balance?.sums[j], totalEAD: ead?.sums[j],
                    totalEL: el?.sums[j], riskKey: drafts[j].key, rank: rank,
                    tier: (rank - 1) * tierCount / k + 1, description: partial[j].description))
        }
        self.features = matrix.features
        self.profiles = profiles
        self.tierCount = tierCount
        self.ranking = ranking
        self.loans = n
        self.skippedLoans = matrix.skippedRows
    }

    /// Per segment: the sum and count of the valid values of a table column over the matrix rows.
    static func segmentSums(
        _ values: ColumnBuffer<Double>, validity: ValidityBitmap?, labels: ColumnBuffer<UInt32>, matrix: FeatureMatrix,
        k: Int, threads: Int
    ) -> (sums: [Double], counts: [Int]) {
        let partials = parallelChunks(count: matrix.rowCount, chunkSize: matrix.blockRows, threads: threads) {
            _, rows -> (sums: [Double], counts: [Int]) in
            var sums = [Double](repeating: 0, count: k)
            var counts = [Int](repeating: 0, count: k)
            labels.withSpan(in: rows) { labelSpan in
                for i in 0..<rows.count {
                    let row = matrix.tableRow(rows.lowerBound + i)
                    if let validity, !validity.isValid(row) { continue }
                    let j = Int(labelSpan[i])
                    sums[j] += values[row]
                    counts[j] += 1
                }
            }
            return (sums, counts)
        }
        var sums = [Double](repeating: 0, count: k)
        var counts = [Int](repeating: 0, count: k)
        for partial in partials {
            for j in 0..<k {
                sums[j] += partial.sums[j]
                counts[j] += partial.counts[j]
            }
        }
        return (sums, counts)
    }

    /// The tier of each segment, in segment order.
    public var tiers: [Int] { profiles.map(\.tier) }

    /// The `segment` (1-based) and `tier` columns for every row of the table the matrix came
    /// from; rows skipped for missing values are missing in both.
    public func assignmentColumns(
        labels: ColumnBuffer<UInt32>, matrix: FeatureMatrix
    ) -> (segment: Column, tier: Column) {
        SegmentReport.assignmentColumns(labels: labels, matrix: matrix, tiers: tiers)
    }

    /// The `segment` and `tier` columns of labelled matrix rows (see the instance method).
    public static func assignmentColumns(
        labels: ColumnBuffer<UInt32>, matrix: FeatureMatrix, tiers: [Int], threads: Int = Parallel.threadCount
    ) -> (segment: Column, tier: Column) {
        let n = matrix.tableRowCount
        let segments = ColumnBufferBuilder<Int64>(count: n)
        let tierValues = ColumnBufferBuilder<Int64>(count: n)
        var validity: ValidityBitmap?
        if let sourceRows = matrix.sourceRows {
            let valid = ValidityBitmap.Builder(count: n)
            for i in 0..<matrix.rowCount {
                let row = Int(sourceRows[i])
                let j = Int(labels[i])
                segments.set(row, Int64(j + 1))
                tierValues.set(row, Int64(tiers[j]))
                valid.setValid(row)
            }
            validity = valid.finish()
        } else {
            _ = parallelChunks(count: n, threads: threads) { _, rows in
                labels.withSpan(in: rows) { labelSpan in
                    segments.withMutableSpan(in: rows) { out in
                        for i in labelSpan.indices { out[i] = Int64(labelSpan[i]) + 1 }
                    }
                    tierValues.withMutableSpan(in: rows) { out in
                        for i in labelSpan.indices { out[i] = Int64(tiers[Int(labelSpan[i])]) }
                    }
                }
            }
        }
        return (
            Column(name: "segment", values: .int64(segments.finish()), validity: validity),
            Column(name: "tier", values: .int64(tierValues.finish()), validity: validity)
        )
    }

    /// The segment table for export: one row per segment with `segment, tier, rank, loans,
    /// share, [weight_share], description`, the centroid in original units (one column per
    /// feature), then `mean_pd, mean_score, default_rate, total_balance, total_ead, total_el`
    /// where the input has them.
    public var table: Table {
        var columns = [Column]()
        func ints(_ name: String, _ values: [Int]) {
            columns.append(Column(name: name, values: .int64(ColumnBuffer(values.map(Int64.init)))))
        }
        func doubles(_ name: String, _ values: [Double?]) {
            let present = values.map { $0 != nil }
            let validity = present.allSatisfy { $0 } ? nil : ValidityBitmap(present)
            columns.append(
                Column(name: name, values: .float64(ColumnBuffer(values.map { $0 ?? 0 })), validity: validity))
        }
        ints("segment", profiles.map(\.segment))
        ints("tier", profiles.map(\.tier))
        ints("rank", profiles.map(\.rank))
        ints("loans", profiles.map(\.loans))
        doubles("share", profiles.map(\.share))
        if profiles.first?.weightShare != nil { doubles("weight_share", profiles.map(\.weightShare)) }
        columns.append(Column(name: "description", values: .string(StringValues(profiles.map(\.description)))))
        let reserved = Set(columns.map(\.name))
        for (f, feature) in features.enumerated() {
            let name = reserved.contains(feature.name) ? "centroid_\(feature.name)" : feature.name
            doubles(name, profiles.map { $0.centroid[f] })
        }
        let taken = Set(columns.map(\.name))
        func optional(_ name: String, _ values: [Double?]) {
            guard values.contains(where: { $0 != nil }), !taken.contains(name) else { return }
            doubles(name, values)
        }
        optional("mean_pd", profiles.map(\.meanPD))
        optional("mean_score", profiles.map(\.meanScore))
        optional("default_rate", profiles.map(\.defaultRate))
        optional("total_balance", profiles.map(\.totalBalance))
        optional("total_ead", profiles.map(\.totalEAD))
        optional("total_el", profiles.map(\.totalEL))
        return try! Table(columns: columns, rowCount: profiles.count)
    }
}
