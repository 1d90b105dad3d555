import StrataFrame
import StrataKernels

/// Whether a feature is binned by value ranges or by groups of categories.
public enum FeatureKind: String, Sendable, Codable {
    /// Integer or float values, binned by ranges `[lower, upper)`.
    case numeric
    /// Category values, binned by groups of categories.
    case categorical
}

/// What a bin holds.
public enum BinKind: String, Sendable, Codable {
    /// Numeric values in `[lower, upper)` (nil bounds are unbounded).
    case range
    /// One special numeric value (such as 999 for "no record"), kept out of the ranges.
    case special
    /// Rows where the feature has no value.
    case missing
    /// A group of categories.
    case categories
}

/// One bin of a feature: what it holds, its training counts, its weight of evidence and points.
public struct ScorecardBin: Sendable, Codable, Equatable {
    /// What the bin holds.
    public var kind: BinKind
    /// For a range: the inclusive lower bound, nil for −∞.
    public var lower: Double?
    /// For a range: the exclusive upper bound, nil for +∞.
    public var upper: Double?
    /// For a special bin: the value.
    public var value: Double?
    /// For a category bin: the categories, sorted.
    public var categories: [String]?
    /// Good training rows in the bin.
    public var goods: Int
    /// Bad training rows in the bin.
    public var bads: Int
    /// The smoothed weight of evidence (see ``WeightOfEvidence``).
    public var woe: Double
    /// This bin's term of the feature's information value.
    public var iv: Double
    /// Score points for a loan in this bin (0 for features not in the model).
    public var points: Double

    /// A bin with its counts; WoE, IV and points are filled in later.
    public init(
        kind: BinKind, lower: Double? = nil, upper: Double? = nil, value: Double? = nil,
        categories: [String]? = nil, goods: Int, bads: Int
    ) {
        self.kind = kind
        self.lower = lower
        self.upper = upper
        self.value = value
        self.categories = categories
        self.goods = goods
        self.bads = bads
        self.woe = 0
        self.iv = 0
        self.points = 0
    }

    /// Training rows in the bin.
    public var count: Int { goods + bads }

    /// The bad rate of the bin's training rows (0 when empty).
    public var badRate: Double { count == 0 ? 0 : Double(bads) / Double(count) }

    /// A short text for tables: `[1.5, 3)`, `(-inf, 1.5)`, `= 999`, `missing`, `a, b`.
    public var label: String {
        switch kind {
        case .range:
            let low = lower.map(FloatText.shortest) ?? "-inf"
            let high = upper.map(FloatText.shortest) ?? "inf"
            return (lower == nil ? "(" : "[") + low + ", " + high + ")"
        case .special: return "= " + (value.map(FloatText.shortest) ?? "?")
        case .missing: return "missing"
        case .categories:
            let list = categories ?? []
            let all = list.joined(separator: ", ")
            if all.count <= 48 { return all }
            var shown = ""
            var count = 0
            for name in list {
                if count > 0 && shown.count + name.count > 40 { break }
                shown += (count == 0 ? "" : ", ") + name
                count += 1
            }
            return shown + ", … (\(list.count) categories)"
        }
    }
}

/// The fitted binning of one feature: how a value finds its bin, and each bin's statistics.
///
/// Numeric features hold `cuts.count + 1` range bins first (bin `r` holds
/// `cuts[r-1] <= x < cuts[r]`, i.e. `r` = the number of cuts `<= x`), then one bin per special
/// value, then the missing bin when training had missing values. Categorical features hold one
/// bin per group of categories, ordered by bad rate, then the missing bin when training had any.
///
/// Values the bins do not cover at scoring time go to documented bins, recorded here so the model
/// file states them: a missing value when training had none goes to ``missingBin`` (then the
/// bin of lowest WoE, the riskiest); a category unseen in training goes to ``unseenBin`` (the bin
/// of rare categories when there is one, else the riskiest bin). NaN counts as missing.
public struct FeatureBinning: Sendable, Codable, Equatable {
    /// The column name.
    public var name: String
    /// Numeric or categorical.
    public var kind: FeatureKind
    /// Numeric: the ascending cut points between range bins.
    public var cuts: [Double]
    /// Numeric: the special values, each with its own bin after the ranges.
    public var specialValues: [Double]
    /// The bins.
    public var bins: [ScorecardBin]
    /// The bin of a missing value.
    public var missingBin: Int
    /// Categorical: the bin of a category not seen in training.
    public var unseenBin: Int?
    /// The information value (sum of the bins' IV terms, in bin order).
    public var iv: Double
    /// The monotonic direction imposed on the range bins (`none` for categorical features).
    public var monotonic: MonotonicConstraint

    /// The number of range bins of a numeric feature (0 for categorical).
    public var rangeBinCount: Int { kind == .numeric ? cuts.count + 1 : 0 }

    /// The bin of category text `value` (nil when unseen in training).
    public func bin(ofCategory value: String) -> Int? {
        for (i, bin) in bins.enumerated() where bin.kind == .categories {
            if let list = bin.categories, list.contains(value) { return i }
        }
        return nil
    }

    /// The bin of numeric `value` (nil for missing).
    public func bin(ofValue value: Double?) -> Int {
        guard let x = value, !x.isNaN else { return missingBin }
        for (i, special) in specialValues.enumerated() where special == x { return rangeBinCount + i }
        var r = 0
        for cut in cuts where x >= cut { r += 1 }
        return r
    }
}

/// Fills bin indices for rows of one column, the shared kernel of training and scoring.
///
/// Built once per (feature, column): for categorical features it maps the column's dictionary
/// onto the model's bins, so the per-row work is a table lookup; for numeric features it counts
/// the cuts at or below the value (a branch-free loop over a handful of cuts).
struct BinAssigner: Sendable {
    let binning: FeatureBinning
    let values: Values
    let validity: ValidityBitmap?
    /// For categorical features: the dictionary codes whose category was not seen in training.
    let unseenCodes: [UInt32]
    /// For categorical features: 1 for each dictionary code unseen in training, else 0.
    let unseenFlags: [UInt8]

    enum Values: Sendable {
        case numeric(ColumnBuffer<Double>)
        case categorical(ColumnBuffer<UInt32>, codeToBin: [UInt16])
    }

    /// Prepares the assignment of `column` to the bins of `binning`.
    ///
    /// - Throws: ``ScorecardError/scoring(reason:)`` when the column's type does not fit the feature.
    init(binning: FeatureBinning, column: Column, table: Table) throws(ScorecardError) {
        self.binning = binning
        self.validity = column.validity
        switch (binning.kind, column.values) {
        case (.numeric, .float64(let buffer)):
            values = .numeric(buffer)
            unseenCodes = []
            unseenFlags = []
        case (.numeric, .int64):
            values = .numeric(try! table.numeric(column.name))
            unseenCodes = []
            unseenFlags = []
        case (.categorical, .category(let category)):
            var map = [UInt16](repeating: 0, count: max(1, category.dictionary.count))
            var unseen = [UInt32]()
            let fallback = UInt16(binning.unseenBin ?? binning.missingBin)
            var lookup = [String: Int]()
            for (i, bin) in binning.bins.enumerated() where bin.kind == .categories {
                for name in bin.categories ?? [] { lookup[name] = i }
            }
            for (code, text) in category.dictionary.enumerated() {
                if let bin = lookup[text] {
                    map[code] = UInt16(bin)
                } else {
                    map[code] = fallback
                    unseen.append(UInt32(code))
                }
            }
            values = .categorical(category.codes, codeToBin: map)
            unseenCodes = unseen
            var flags = [UInt8](repeating: 0, count: max(1, category.dictionary.count))
            for code in unseen { flags[Int(code)] = 1 }
            unseenFlags = flags
        default:
            throw .scoring(
                reason:
                    "column '\(column.name)' is \(column.type), but the model's feature is \(binning.kind) (needs \(binning.kind == .numeric ? "int64 or float64" : "category"))"
            )
        }
    }

    /// Writes the bin of each row in `rows` to `out[base + i]` (i = 0 for `rows.lowerBound`) and
    /// returns how many rows held a category unseen in training.
    func assign(rows: Range<Int>, into out: inout MutableSpan<UInt16>, at base: Int = 0) -> Int {
        precondition(base >= 0 && base + rows.count <= out.count, "output too short")
        let missing = UInt16(binning.missingBin)
        var unseen = 0
        switch values {
        case .numeric(let buffer):
            let cuts = binning.cuts
            let specials = binning.specialValues
            let firstSpecial = binning.rangeBinCount
            buffer.withSpan(in: rows) { x in
                if cuts.count <= 8 {
                    // Up to eight cuts held in registers (unused ones are +∞): eight compares per
                    // value, no loop, no bounds checks.
                    func cut(_ j: Int) -> Double { j < cuts.count ? cuts[j] : .infinity }
                    let (c0, c1, c2, c3) = (cut(0), cut(1), cut(2), cut(3))
                    let (c4, c5, c6, c7) = (cut(4), cut(5), cut(6), cut(7))
                    for i in 0..<x.count {
                        let v = x[i]
                        var r = (v >= c0 ? 1 : 0) &+ (v >= c1 ? 1 : 0) &+ (v >= c2 ? 1 : 0) &+ (v >= c3 ? 1 : 0)
                        r &+= (v >= c4 ? 1 : 0) &+ (v >= c5 ? 1 : 0) &+ (v >= c6 ? 1 : 0) &+ (v >= c7 ? 1 : 0)
                        out[base + i] = v.isNaN ? missing : UInt16(truncatingIfNeeded: r)
                    }
                } else {
                    let c = cuts.span
                    for i in 0..<x.count {
                        let v = x[i]
                        var r = 0
                        for j in 0..<c.count { r &+= v >= c[j] ? 1 : 0 }
                        out[base + i] = v.isNaN ? missing : UInt16(truncatingIfNeeded: r)
                    }
                }
                if !specials.isEmpty {
                    for i in 0..<x.count {
                        let v = x[i]
                        for (s, special) in specials.enumerated() where v == special {
                            out[base + i] = UInt16(firstSpecial + s)
                        }
                    }
                }
            }
        case .categorical(let codes, let map):
            codes.withSpan(in: rows) { c in
                let m = map.span
                for i in 0..<c.count { out[base + i] = m[Int(c[i])] }
                if !unseenCodes.isEmpty {
                    let flags = unseenFlags.span
                    for i in 0..<c.count { unseen &+= Int(flags[Int(c[i])]) }
                    if let validity {
                        // A missing row stores code 0, which must not count as unseen.
                        for i in 0..<c.count where !validity.isValid(rows.lowerBound + i) {
                            unseen -= Int(flags[Int(c[i])])
                        }
                    }
                }
            }
        }
        if let validity {
            for i in 0..<rows.count where !validity.isValid(rows.lowerBound + i) { out[base + i] = missing }
        }
        return unseen
    }
}
