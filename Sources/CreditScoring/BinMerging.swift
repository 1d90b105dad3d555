/// How adjacent bins are merged after pre-binning.
public enum MergeMethod: String, Sendable, Codable, CaseIterable {
    /// ChiMerge: merge the adjacent pair with the smallest 2×2 chi-square statistic, while more
    /// bins remain than allowed or the smallest statistic is below the significance threshold.
    case chiSquare = "chi2"
    /// Merge the adjacent pair whose merging loses the least information value, while more bins
    /// remain than allowed.
    case informationValue = "iv"
}

/// The required direction of the event (bad) rate across the ordered bins of a numeric feature.
public enum MonotonicConstraint: String, Sendable, Codable, CaseIterable {
    /// Ascending or descending, whichever keeps the higher information value (ties: ascending).
    case auto
    /// The bad rate rises strictly from the lowest to the highest bin.
    case ascending
    /// The bad rate falls strictly from the lowest to the highest bin.
    case descending
    /// No constraint.
    case none
}

/// A run of adjacent pre-bins with its good and bad counts: the unit the merging steps work on.
public struct BinSegment: Sendable, Equatable {
    /// The first pre-bin of the run.
    public var first: Int
    /// The last pre-bin of the run (inclusive).
    public var last: Int
    /// Good (non-event) rows.
    public var goods: Int
    /// Bad (event) rows.
    public var bads: Int

    /// A segment of pre-bins `first...last` holding `goods` and `bads` rows.
    public init(first: Int, last: Int, goods: Int, bads: Int) {
        self.first = first
        self.last = last
        self.goods = goods
        self.bads = bads
    }

    /// All rows of the segment.
    public var total: Int { goods + bads }

    /// The two segments as one.
    func merged(with next: BinSegment) -> BinSegment {
        BinSegment(first: first, last: next.last, goods: goods + next.goods, bads: bads + next.bads)
    }
}

/// The merging steps of binning, on plain counts so that each can be checked by hand.
///
/// Every step merges *adjacent* segments only. Merging two neighbours of a sequence whose bad
/// rate is monotonic keeps it monotonic (the merged rate lies between the two), so the order
/// monotonic → minimum share → maximum bins / significance preserves the constraint.
/// Ties are broken towards the lowest index, so results are deterministic.
public enum BinMerging {
    /// Compares the bad rates `a.bads / a.total` and `b.bads / b.total` exactly (cross products in
    /// 128 bits): negative when a's rate is lower, 0 when equal, positive when higher. Empty
    /// segments count as rate 0.
    public static func compareRates(_ a: BinSegment, _ b: BinSegment) -> Int {
        let lhs = a.bads.multipliedFullWidth(by: max(b.total, 1))
        let rhs = b.bads.multipliedFullWidth(by: max(a.total, 1))
        if lhs.high != rhs.high { return lhs.high < rhs.high ? -1 : 1 }
        if lhs.low != rhs.low { return lhs.low < rhs.low ? -1 : 1 }
        return 0
    }

    /// Pool-adjacent-violators: merges neighbours until the bad rate is strictly monotonic in
    /// `direction` (`.ascending` or `.descending`; other values return the input).
    ///
    /// Source: Barlow, Bartholomew, Bremner & Brunk, *Statistical Inference under Order
    /// Restrictions* (Wiley, 1972), the PAV algorithm; strictness merges equal neighbours too.
    ///
    /// - Complexity: O(k) for k segments.
    public static func enforceMonotonic(_ segments: [BinSegment], _ direction: MonotonicConstraint) -> [BinSegment] {
        guard direction == .ascending || direction == .descending else { return segments }
        var stack = [BinSegment]()
        stack.reserveCapacity(segments.count)
        for segment in segments {
            stack.append(segment)
            while stack.count >= 2 {
                let order = compareRates(stack[stack.count - 2], stack[stack.count - 1])
                let violates = direction == .ascending ? order >= 0 : order <= 0
                if !violates { break }
                let last = stack.removeLast()
                stack[stack.count - 1] = stack[stack.count - 1].merged(with: last)
            }
        }
        return stack
    }

    /// The chi-square statistic of the 2×2 table of two adjacent segments (rows: segments,
    /// columns: good / bad), with cells of zero expected count contributing nothing.
    ///
    /// ```
    /// χ² = Σᵢ Σⱼ (Aᵢⱼ − Eᵢⱼ)² / Eᵢⱼ,   Eᵢⱼ = Rᵢ·Cⱼ / N
    /// ```
    ///
    /// Source: R. Kerber, "ChiMerge: Discretization of Numeric Attributes", AAAI-92, 123–128.
    public static func chiSquare(_ a: BinSegment, _ b: BinSegment) -> Double {
        let n = Double(a.total + b.total)
        if n == 0 { return 0 }
        let goodTotal = Double(a.goods + b.goods)
        let badTotal = Double(a.bads + b.bads)
        var chi = 0.0
        for (rowTotal, good, bad) in [
            (Double(a.total), Double(a.goods), Double(a.bads)),
            (Double(b.total), Double(b.goods), Double(b.bads)),
        ] {
            let expectedGood = rowTotal * goodTotal / n
            let expectedBad = rowTotal * badTotal / n
            if expectedGood > 0 { chi += (good - expectedGood) * (good - expectedGood) / expectedGood }
            if expectedBad > 0 { chi += (bad - expectedBad) * (bad - expectedBad) / expectedBad }
        }
        return chi
    }

    /// Merges segments smaller than `minimumCount` rows into a neighbour until none is left (or one
    /// segment remains): the smallest offender first (lowest index on ties), into the neighbour
    /// whose chi-square with it is lower (the left one on ties).
    ///
    /// - Complexity: O(k²).
    public static func enforceMinimumCount(_ segments: [BinSegment], minimumCount: Int) -> [BinSegment] {
        var result = segments
        while result.count > 1 {
            var smallest = -1
            for (i, segment) in result.enumerated() where segment.total < minimumCount {
                if smallest < 0 || segment.total < result[smallest].total { smallest = i }
            }
            if smallest < 0 { break }
            let mergeLeft: Bool
            if smallest == 0 {
                mergeLeft = false
            } else if smallest == result.count - 1 {
                mergeLeft = true
            } else {
                mergeLeft =
                    chiSquare(result[smallest - 1], result[smallest])
                    <= chiSquare(result[smallest], result[smallest + 1])
            }
            let left = mergeLeft ? smallest - 1 : smallest
            result[left] = result[left].merged(with: result[left + 1])
            result.remove(at: left + 1)
        }
        return result
    }

    /// Merges adjacent pairs until at most `maxBins` segments remain and, for chi-square, every
    /// adjacent pair differs with a statistic of at least `chiSquareThreshold`.
    ///
    /// For `.chiSquare` the pair with the smallest statistic is merged; for `.informationValue`
    /// the pair whose merging lowers the information value least (IV from
    /// ``WeightOfEvidence/informationValue(goods:bads:smoothing:)`` with the given smoothing).
    ///
    /// - Complexity: O(k²) (O(k³) for information value), k is small (the pre-bins).
    public static func merge(
        _ segments: [BinSegment], method: MergeMethod, maxBins: Int, chiSquareThreshold: Double, smoothing: Double
    ) -> [BinSegment] {
        precondition(maxBins >= 1, "maxBins must be at least 1")
        var result = segments
        while result.count > 1 {
            var best = 0
            var bestValue = Double.infinity
            switch method {
            case .chiSquare:
                for i in 0..<(result.count - 1) {
                    let value = chiSquare(result[i], result[i + 1])
                    if value < bestValue {
                        bestValue = value
                        best = i
                    }
                }
                if result.count <= maxBins && bestValue >= chiSquareThreshold { return result }
            case .informationValue:
                if result.count <= maxBins { return result }
                for i in 0..<(result.count - 1) {
                    var trial = result
                    trial[i] = trial[i].merged(with: trial[i + 1])
                    trial.remove(at: i + 1)
                    let value = -WeightOfEvidence.informationValue(
                        goods: trial.map(\.goods), bads: trial.map(\.bads), smoothing: smoothing)
                    if value < bestValue {
                        bestValue = value
                        best = i
                    }
                }
            }
            result[best] = result[best].merged(with: result[best + 1])
            result.remove(at: best + 1)
        }
        return result
    }

    /// The full merging pipeline on ordered pre-bins: monotonic constraint, minimum share, then
    /// maximum bins / significance. `.auto` tries both directions and keeps the one with the
    /// higher information value after all steps (ascending on ties).
    ///
    /// - Returns: the segments and the direction actually imposed (`.none` when unconstrained).
    public static func mergeOrdered(
        _ preBins: [BinSegment], monotonic: MonotonicConstraint, method: MergeMethod, maxBins: Int,
        minimumCount: Int, chiSquareThreshold: Double, smoothing: Double
    ) -> (segments: [BinSegment], direction: MonotonicConstraint) {
        func run(_ direction: MonotonicConstraint) -> [BinSegment] {
            let monotone = enforceMonotonic(preBins, direction)
            let sized = enforceMinimumCount(monotone, minimumCount: minimumCount)
            return merge(
                sized, method: method, maxBins: maxBins, chiSquareThreshold: chiSquareThreshold, smoothing: smoothing)
        }
        switch monotonic {
        case .none, .ascending, .descending:
            return (run(monotonic), monotonic)
        case .auto:
            let up = run(.ascending)
            let down = run(.descending)
            let ivUp = WeightOfEvidence.informationValue(
                goods: up.map(\.goods), bads: up.map(\.bads), smoothing: smoothing)
            let ivDown = WeightOfEvidence.informationValue(
                goods: down.map(\.goods), bads: down.map(\.bads), smoothing: smoothing)
            return ivDown > ivUp ? (down, .descending) : (up, .ascending)
        }
    }
}
