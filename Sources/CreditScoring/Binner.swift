import StrataFrame
import StrataKernels

/// The settings of binning, shared by all features.
public struct BinningOptions: Sendable, Equatable {
    /// Quantile pre-bins per numeric feature before merging (default 50).
    public var preBins: Int = 50
    /// The most bins of regular values (ranges or category groups) a feature may keep (default 6).
    public var maxBins: Int = 6
    /// The smallest share of training rows a bin of regular values may hold (default 0.05).
    public var minBinShare: Double = 0.05
    /// Categories with a smaller share of training rows are pooled into one rare group before
    /// grouping (default 0.01), unless that would leave fewer than two other categories.
    public var rareCategoryShare: Double = 0.01
    /// How adjacent bins are merged (default chi-square).
    public var merge: MergeMethod = .chiSquare
    /// The chi-square value below which two neighbours are merged even when fewer than
    /// ``maxBins`` bins remain: 3.841, the 95 % point of χ² with one degree of freedom.
    public var chiSquareThreshold: Double = 3.841458820694124
    /// The monotonic constraint on numeric features (default auto).
    public var monotonic: MonotonicConstraint = .auto
    /// The WoE smoothing weight α (see ``WeightOfEvidence``).
    public var smoothing: Double = WeightOfEvidence.defaultSmoothing
    /// Special values per numeric feature, each binned on its own.
    public var specialValues: [String: [Double]] = [:]

    /// The defaults stated on each property.
    public init() {}
}

/// The outcome of binning one feature: a binning, or the reason the feature cannot be used.
public enum BinningOutcome: Sendable {
    /// The feature was binned.
    case binned(FeatureBinning)
    /// The feature cannot be used; the reason is one sentence.
    case unusable(name: String, reason: String)
}

/// Bins features against a binary target: exact quantile pre-bins over all training rows (no
/// sampling), then merging (see ``BinMerging``), plus bins for missing and special values.
public enum Binner {
    /// Bins the feature `name` of `table` over the rows where `train` is true.
    ///
    /// Numeric features: the non-missing, non-special training values are sorted; the pre-bin cut
    /// `k` (k = 1 … P−1) is the value at sorted position ⌊k·n/P⌋, kept when larger than the
    /// minimum and the previous cut, so every pre-bin holds at least one row and equal values
    /// never straddle a cut. Pre-bins are merged with the monotonic constraint, minimum share and
    /// maximum bins. Categorical features: categories below the rare share are pooled into a
    /// rare group (unless fewer than two others would remain); groups are ordered by bad rate and merged the same way (no constraint needed:
    /// the order is monotonic by construction).
    ///
    /// - Returns: ``BinningOutcome/unusable(name:reason:)`` for a feature whose training values
    ///   are all missing, that is constant, that is of a date or text type, or that separates
    ///   bads from goods perfectly.
    /// - Complexity: O(n log n) for numeric features (the sort), O(n) for categorical ones.
    public static func bin(
        feature name: String, table: Table, target: BinaryTarget, train: [Bool], options: BinningOptions
    ) -> BinningOutcome {
        guard let column = try? table.column(named: name) else {
            return .unusable(name: name, reason: "no such column")
        }
        var trainRows = 0
        for flag in train where flag { trainRows += 1 }
        let minimumCount = Int((options.minBinShare * Double(trainRows)).rounded(.up))
        let rareCount = Int((options.rareCategoryShare * Double(trainRows)).rounded(.up))
        let binning: FeatureBinning
        var distinctRegular = 0
        switch column.values {
        case .float64, .int64:
            let values = try! table.numeric(name)
            guard
                let result = binNumeric(
                    name: name, values: values, validity: column.validity, target: target, train: train,
                    trainRows: trainRows, minimumCount: minimumCount, options: options, distinct: &distinctRegular)
            else {
                return .unusable(name: name, reason: "all training values are missing")
            }
            binning = result
        case .category(let category):
            guard
                let result = binCategorical(
                    name: name, values: category, validity: column.validity, target: target, train: train,
                    minimumCount: minimumCount, rareCount: rareCount, options: options, distinct: &distinctRegular)
            else {
                return .unusable(name: name, reason: "all training values are missing")
            }
            binning = result
        case .date:
            return .unusable(name: name, reason: "a date column; use numeric or category features")
        case .string:
            return .unusable(name: name, reason: "a free-text column; use numeric or category features")
        }
        let nonEmpty = binning.bins.filter { $0.count > 0 }
        if nonEmpty.count <= 1 {
            if distinctRegular <= 1 {
                let only = nonEmpty.first?.label ?? "?"
                return .unusable(name: name, reason: "constant: every training row holds the same value (\(only))")
            }
            return .unusable(
                name: name,
                reason:
                    "one bin after merging: the bad rate does not differ enough across its \(distinctRegular) values"
            )
        }
        if nonEmpty.allSatisfy({ $0.goods == 0 || $0.bads == 0 }) {
            return .unusable(
                name: name,
                reason:
                    "separates bad from good loans perfectly (each bin holds only one class): check it for target leakage"
            )
        }
        return .binned(binning)
    }

    /// The number of values in the sorted `values` that are below `x`.
    static func lowerBound(_ values: [Double], _ x: Double) -> Int {
        var low = 0
        var high = values.count
        while low < high {
            let mid = (low + high) >> 1
            if values[mid] < x { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// The exact quantile pre-bin cuts of sorted `values`: `values[⌊k·n/P⌋]` for k = 1 … P−1,
    /// keeping each only when above the minimum and the previous cut.
    public static func quantileCuts(sorted values: [Double], preBins: Int) -> [Double] {
        precondition(preBins >= 1, "at least one pre-bin")
        let n = values.count
        guard n > 0 else { return [] }
        var cuts = [Double]()
        for k in 1..<max(preBins, 1) {
            let position = Int((Int64(k) * Int64(n)) / Int64(preBins))
            let c = values[min(position, n - 1)]
            if c > values[0] && (cuts.last.map { c > $0 } ?? true) { cuts.append(c) }
        }
        return cuts
    }

    static func binNumeric(
        name: String, values: ColumnBuffer<Double>, validity: ValidityBitmap?, target: BinaryTarget, train: [Bool],
        trainRows: Int, minimumCount: Int, options: BinningOptions, distinct: inout Int
    ) -> FeatureBinning? {
        let specials = Array(Set(options.specialValues[name] ?? [])).sorted()
        var specialGoods = [Int](repeating: 0, count: specials.count)
        var specialBads = [Int](repeating: 0, count: specials.count)
        var missingGoods = 0
        var missingBads = 0
        var regular = [Double]()
        var regularBad = [Double]()
        regular.reserveCapacity(trainRows)
        let labels = target.labels
        values.withSpan { x in
            for row in 0..<x.count where train[row] {
                let bad = labels[row] == 1
                let v = x[row]
                if !(validity?.isValid(row) ?? true) || v.isNaN {
                    if bad { missingBads += 1 } else { missingGoods += 1 }
                    continue
                }
                if !specials.isEmpty, let s = specials.firstIndex(of: v) {
                    if bad { specialBads[s] += 1 } else { specialGoods[s] += 1 }
                    continue
                }
                regular.append(v)
                if bad { regularBad.append(v) }
            }
        }
        let specialRows = specialGoods.reduce(0, +) + specialBads.reduce(0, +)
        if regular.isEmpty && specialRows == 0 { return nil }
        RadixSort.sort(&regular)
        RadixSort.sort(&regularBad)
        distinct = regular.isEmpty ? 0 : 1
        if let first = regular.first, let last = regular.last, first != last { distinct = 2 }
        if distinct == 2 {
            distinct = 1
            for i in 1..<regular.count where regular[i] != regular[i - 1] { distinct += 1 }
        }
        let preCuts = quantileCuts(sorted: regular, preBins: options.preBins)
        var segments = [BinSegment]()
        segments.reserveCapacity(preCuts.count + 1)
        if !regular.isEmpty {
            for r in 0...preCuts.count {
                let low = r == 0 ? 0 : lowerBound(regular, preCuts[r - 1])
                let high = r == preCuts.count ? regular.count : lowerBound(regular, preCuts[r])
                let lowBad = r == 0 ? 0 : lowerBound(regularBad, preCuts[r - 1])
                let highBad = r == preCuts.count ? regularBad.count : lowerBound(regularBad, preCuts[r])
                let bads = highBad - lowBad
                segments.append(BinSegment(first: r, last: r, goods: high - low - bads, bads: bads))
            }
        }
        var direction = MonotonicConstraint.none
        if segments.count > 1 {
            let merged = BinMerging.mergeOrdered(
                segments, monotonic: options.monotonic, method: options.merge, maxBins: options.maxBins,
                minimumCount: minimumCount, chiSquareThreshold: options.chiSquareThreshold,
                smoothing: options.smoothing)
            segments = merged.segments
            direction = merged.direction
        } else if segments.isEmpty {
            segments = [BinSegment(first: 0, last: 0, goods: 0, bads: 0)]
        }
        var cuts = [Double]()
        var bins = [ScorecardBin]()
        for (i, segment) in segments.enumerated() {
            if i > 0 { cuts.append(preCuts[segment.first - 1]) }
        }
        for (i, segment) in segments.enumerated() {
            bins.append(
                ScorecardBin(
                    kind: .range, lower: i == 0 ? nil : cuts[i - 1], upper: i == cuts.count ? nil : cuts[i],
                    goods: segment.goods, bads: segment.bads))
        }
        for (s, value) in specials.enumerated() {
            bins.append(ScorecardBin(kind: .special, value: value, goods: specialGoods[s], bads: specialBads[s]))
        }
        let hasMissing = missingGoods + missingBads > 0
        if hasMissing { bins.append(ScorecardBin(kind: .missing, goods: missingGoods, bads: missingBads)) }
        var binning = FeatureBinning(
            name: name, kind: .numeric, cuts: cuts, specialValues: specials, bins: bins, missingBin: 0,
            unseenBin: nil, iv: 0, monotonic: direction)
        fillWoE(&binning, smoothing: options.smoothing)
        binning.missingBin = hasMissing ? bins.count - 1 : riskiestBin(binning)
        return binning
    }

    static func binCategorical(
        name: String, values: CategoryValues, validity: ValidityBitmap?, target: BinaryTarget, train: [Bool],
        minimumCount: Int, rareCount: Int, options: BinningOptions, distinct: inout Int
    ) -> FeatureBinning? {
        let k = values.dictionary.count
        var goods = [Int](repeating: 0, count: k)
        var bads = [Int](repeating: 0, count: k)
        var missingGoods = 0
        var missingBads = 0
        let labels = target.labels
        values.codes.withSpan { codes in
            for row in 0..<codes.count where train[row] {
                let bad = labels[row] == 1
                if !(validity?.isValid(row) ?? true) {
                    if bad { missingBads += 1 } else { missingGoods += 1 }
                    continue
                }
                let code = Int(codes[row])
                if bad { bads[code] += 1 } else { goods[code] += 1 }
            }
        }
        // Categories with training rows, by name (the dictionary order is the file's, not meaningful).
        let present = (0..<k).filter { goods[$0] + bads[$0] > 0 }.sorted {
            values.dictionary[$0] < values.dictionary[$1]
        }
        if present.isEmpty && missingGoods + missingBads == 0 { return nil }
        if present.isEmpty {
            return nil
        }
        distinct = present.count
        let rareTotal = present.filter { goods[$0] + bads[$0] < rareCount }.count
        let pool = present.count - rareTotal >= 2
        struct Group {
            var names: [String]
            var goods: Int
            var bads: Int
            var rare: Bool
        }
        var groups = [Group]()
        var rare = Group(names: [], goods: 0, bads: 0, rare: true)
        for code in present {
            let total = goods[code] + bads[code]
            if pool && total < rareCount {
                rare.names.append(values.dictionary[code])
                rare.goods += goods[code]
                rare.bads += bads[code]
            } else {
                groups.append(
                    Group(names: [values.dictionary[code]], goods: goods[code], bads: bads[code], rare: false))
            }
        }
        if !rare.names.isEmpty { groups.append(rare) }
        // Order by bad rate (exactly), ties by the first name.
        groups.sort { a, b in
            let order = BinMerging.compareRates(
                BinSegment(first: 0, last: 0, goods: a.goods, bads: a.bads),
                BinSegment(first: 0, last: 0, goods: b.goods, bads: b.bads))
            return order != 0 ? order < 0 : a.names[0] < b.names[0]
        }
        var segments = groups.enumerated().map { i, g in BinSegment(first: i, last: i, goods: g.goods, bads: g.bads) }
        if segments.count > 1 {
            segments =
                BinMerging.mergeOrdered(
                    segments, monotonic: .none, method: options.merge, maxBins: options.maxBins,
                    minimumCount: minimumCount, chiSquareThreshold: options.chiSquareThreshold,
                    smoothing: options.smoothing
                ).segments
        }
        var bins = [ScorecardBin]()
        var rareBin: Int?
        for segment in segments {
            var names = [String]()
            for g in segment.first...segment.last {
                names.append(contentsOf: groups[g].names)
                if groups[g].rare { rareBin = bins.count }
            }
            bins.append(
                ScorecardBin(kind: .categories, categories: names.sorted(), goods: segment.goods, bads: segment.bads))
        }
        let hasMissing = missingGoods + missingBads > 0
        if hasMissing { bins.append(ScorecardBin(kind: .missing, goods: missingGoods, bads: missingBads)) }
        var binning = FeatureBinning(
            name: name, kind: .categorical, cuts: [], specialValues: [], bins: bins, missingBin: 0, unseenBin: nil,
            iv: 0, monotonic: .none)
        fillWoE(&binning, smoothing: options.smoothing)
        binning.missingBin = hasMissing ? bins.count - 1 : riskiestBin(binning)
        binning.unseenBin = rareBin ?? riskiestBin(binning)
        return binning
    }

    /// Fills each bin's WoE and IV term and the feature's IV.
    static func fillWoE(_ binning: inout FeatureBinning, smoothing: Double) {
        let terms = WeightOfEvidence.terms(
            goods: binning.bins.map(\.goods), bads: binning.bins.map(\.bads), smoothing: smoothing)
        var iv = 0.0
        for i in binning.bins.indices {
            binning.bins[i].woe = terms.woe[i]
            binning.bins[i].iv = terms.iv[i]
            iv += terms.iv[i]
        }
        binning.iv = iv
    }

    /// The bin of lowest WoE (highest smoothed bad rate), lowest index on ties.
    static func riskiestBin(_ binning: FeatureBinning) -> Int {
        var best = 0
        for (i, bin) in binning.bins.enumerated() where bin.woe < binning.bins[best].woe { best = i }
        return best
    }
}
