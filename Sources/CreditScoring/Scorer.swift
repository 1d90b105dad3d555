import StrataFrame
import StrataKernels

/// The result of scoring a book: the new columns and what scoring noticed.
public struct ScoredBook: Sendable {
    /// The probability of default implied by each score.
    public var pd: ColumnBuffer<Double>
    /// The credit score (sum of points).
    public var score: ColumnBuffer<Double>
    /// The rating grade of each PD (codes into the master scale's labels).
    public var grade: CategoryValues
    /// Reason codes `reason_1 …`: the features that cost the most points relative to their best
    /// bin, most costly first; missing where fewer features cost points.
    public var reasons: [Column]
    /// Rows per feature whose category was not seen in training (only features with any).
    public var unseenCategories: [(feature: String, rows: Int)]
    /// Rows per score band of the model's training distribution.
    public var bandCounts: [Int]
    /// The population stability index of these scores against the training scores.
    public var psi: Double

    /// The columns to add to the book: `pd`, `score`, `grade`, `reason_1 …`.
    public var columns: [Column] {
        [
            Column(name: "pd", values: .float64(pd)), Column(name: "score", values: .float64(score)),
            Column(name: "grade", values: .category(grade)),
        ] + reasons
    }
}

/// Applies a ``ScorecardModel`` to a table, in parallel over fixed row chunks.
///
/// Per row: each feature's bin (see ``FeatureBinning``), the points of those bins added in model
/// feature order, `pd` from the score (``PointsScaling/pd(score:)``), the grade from the PD
/// (``MasterScale/grade(pd:)``), and the reason codes. Every row's result depends only on its
/// own values, so outputs are bit-identical for any thread count and equal to the scores the
/// trainer measured.
public enum Scorer {
    /// Scores every row of `table`.
    ///
    /// - Parameters:
    ///   - reasonCount: how many reason columns to add (default 3).
    ///   - threads: worker threads.
    /// - Throws: ``ScorecardError/scoring(reason:)`` when a model feature is missing from the
    ///   table (all of them are named) or has a type that does not fit.
    /// - Complexity: O(rows × features).
    public static func score(
        _ table: Table, model: ScorecardModel, reasonCount: Int = 3, threads: Int = Parallel.threadCount
    ) throws(ScorecardError) -> ScoredBook {
        let missing = model.features.map(\.name).filter { !table.hasColumn($0) }
        if !missing.isEmpty {
            throw .scoring(
                reason:
                    "the book has no column\(missing.count > 1 ? "s" : "") \(missing.map { "'\($0)'" }.joined(separator: ", ")) needed by the model"
            )
        }
        var assigners = [BinAssigner]()
        for feature in model.features {
            let column = try! table.column(named: feature.name)
            assigners.append(try BinAssigner(binning: feature.binning, column: column, table: table))
        }
        let m = model.features.count
        var offsets = [Int]()
        var points = [Double]()
        var maxPoints = [Double]()
        for feature in model.features {
            offsets.append(points.count)
            points.append(contentsOf: feature.binning.bins.map(\.points))
            maxPoints.append(feature.maxPoints)
        }
        let n = table.rowCount
        let scale = model.masterScale
        let bounds = scale.upperBounds
        let offset = model.scaling.offset
        let factor = model.scaling.factor
        let edges = model.scoreDistribution.edges
        let reasonSlots = max(0, min(reasonCount, m))
        let scoreOut = ColumnBufferBuilder<Double>(count: n)
        let pdOut = ColumnBufferBuilder<Double>(count: n)
        let gradeOut = ColumnBufferBuilder<UInt32>(count: n)
        let reasonOut = (0..<reasonSlots).map { _ in ColumnBufferBuilder<UInt32>(count: n) }
        let frozenAssigners = assigners
        let frozenOffsets = offsets
        let frozenPoints = points
        let frozenMax = maxPoints

        struct ChunkResult: Sendable {
            var unseen: [Int]
            var bands: [Int]
            var incomplete: Bool
        }
        // Reason codes are written as a feature index, or `noReason` where fewer features cost
        // points; `noReason` is replaced by 0 plus a missing bit before the column is sealed.
        let noReason = UInt32.max
        let results = parallelChunks(count: n, threads: threads) { _, rows -> ChunkResult in
            let r = rows.count
            var unseen = [Int](repeating: 0, count: m)
            // bins[f * r + i]: the bin of row i for feature f.
            var bins = [UInt16](repeating: 0, count: m * r)
            do {
                var span = bins.mutableSpan
                for f in 0..<m { unseen[f] = frozenAssigners[f].assign(rows: rows, into: &span, at: f * r) }
            }
            var bands = [Int](repeating: 0, count: edges.count + 1)
            var incomplete = false
            let b = bins.span
            let p = frozenPoints.span
            let o = frozenOffsets.span
            scoreOut.withMutableSpan(in: rows) { score in
                // Column-wise sums in model feature order: the same additions, in the same order,
                // as a row-by-row sum.
                for i in 0..<r { score[i] = 0 }
                for f in 0..<m {
                    let base = o[f]
                    let row0 = f * r
                    for i in 0..<r { score[i] += p[base + Int(b[row0 + i])] }
                }
                pdOut.withMutableSpan(in: rows) { pd in
                    gradeOut.withMutableSpan(in: rows) { grade in
                        let e = edges.span
                        let u = bounds.span
                        let lastGrade = u.count - 1
                        var counts = bands.mutableSpan
                        for i in 0..<r {
                            let s = score[i]
                            let value = PointsScaling.pd(score: s, offset: offset, factor: factor)
                            pd[i] = value
                            var k = 0
                            while k < lastGrade && value > u[k] { k += 1 }
                            grade[i] = UInt32(truncatingIfNeeded: k)
                            var band = 0
                            for j in 0..<e.count where s >= e[j] { band += 1 }
                            counts[band] += 1
                        }
                    }
                }
            }
            if reasonSlots > 0 {
                let top = frozenMax.span
                var codes0 = [UInt32](repeating: noReason, count: r)
                var codes1 = [UInt32](repeating: noReason, count: r)
                var codes2 = [UInt32](repeating: noReason, count: r)
                do {
                    var c0 = codes0.mutableSpan
                    var c1 = codes1.mutableSpan
                    var c2 = codes2.mutableSpan
                    for i in 0..<r {
                        // The three largest losses, larger first; equal losses keep feature order.
                        var l0 = 0.0
                        var l1 = 0.0
                        var l2 = 0.0
                        var f0 = -1
                        var f1 = -1
                        var f2 = -1
                        for f in 0..<m {
                            let loss = top[f] - p[o[f] + Int(b[f * r + i])]
                            if !(loss > 0) { continue }
                            if f0 < 0 || loss > l0 {
                                (l2, f2) = (l1, f1)
                                (l1, f1) = (l0, f0)
                                (l0, f0) = (loss, f)
                            } else if f1 < 0 || loss > l1 {
                                (l2, f2) = (l1, f1)
                                (l1, f1) = (loss, f)
                            } else if f2 < 0 || loss > l2 {
                                (l2, f2) = (loss, f)
                            }
                        }
                        if f0 >= 0 { c0[i] = UInt32(f0) }
                        if f1 >= 0 { c1[i] = UInt32(f1) }
                        if f2 >= 0 { c2[i] = UInt32(f2) }
                    }
                }
                for (k, codes) in [codes0, codes1, codes2].prefix(reasonSlots).enumerated() {
                    let c = codes.span
                    reasonOut[k].withMutableSpan(in: rows) { out in
                        for i in 0..<r {
                            out[i] = c[i]
                            if c[i] == noReason { incomplete = true }
                        }
                    }
                }
            }
            return ChunkResult(unseen: unseen, bands: bands, incomplete: incomplete)
        }
        var unseenTotals = [Int](repeating: 0, count: m)
        var bandCounts = [Int](repeating: 0, count: edges.count + 1)
        var incomplete = false
        for result in results {
            for f in 0..<m { unseenTotals[f] += result.unseen[f] }
            for b in bandCounts.indices { bandCounts[b] += result.bands[b] }
            incomplete = incomplete || result.incomplete
        }
        var reasonBitmaps = [ValidityBitmap?](repeating: nil, count: reasonSlots)
        if incomplete {
            // Seal the reason columns: a missing bit (and code 0) where a row has no such reason.
            // Chunks start at multiples of 64 rows, so each owns whole bitmap words.
            let words = (0..<reasonSlots).map { _ in ColumnBufferBuilder<UInt64>(count: (n + 63) / 64) }
            _ = parallelChunks(count: n, threads: threads) { _, rows -> Int in
                for k in 0..<reasonSlots {
                    reasonOut[k].withMutableSpan(in: rows) { out in
                        let firstWord = rows.lowerBound >> 6
                        words[k].withMutableSpan(in: firstWord..<((rows.upperBound + 63) >> 6)) { w in
                            for i in 0..<out.count {
                                if out[i] == noReason {
                                    out[i] = 0
                                } else {
                                    w[i >> 6] |= 1 << UInt64(i & 63)
                                }
                            }
                        }
                    }
                }
                return 0
            }
            for k in 0..<reasonSlots { reasonBitmaps[k] = ValidityBitmap(words: words[k].finish(), count: n) }
        }
        let names = model.features.map(\.name)
        var reasons = [Column]()
        for k in 0..<reasonSlots {
            reasons.append(
                Column(
                    name: "reason_\(k + 1)",
                    values: .category(CategoryValues(codes: reasonOut[k].finish(), dictionary: names)),
                    validity: reasonBitmaps[k]))
        }
        let psi =
            model.scoreDistribution.counts.count == bandCounts.count
            ? Metrics.psi(expected: model.scoreDistribution.counts, actual: bandCounts) : 0
        return ScoredBook(
            pd: pdOut.finish(), score: scoreOut.finish(),
            grade: CategoryValues(codes: gradeOut.finish(), dictionary: scale.labels), reasons: reasons,
            unseenCategories: zip(names, unseenTotals).filter { $0.1 > 0 }.map { ($0.0, $0.1) },
            bandCounts: bandCounts, psi: psi)
    }
}
