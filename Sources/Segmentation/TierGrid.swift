import StrataFrame
import StrataKernels

/// Cut points that split a numeric column into bands `(−∞, e₁), [e₁, e₂), …, [e_m, ∞)`.
public struct Bands: Sendable, Equatable {
    /// The cut points, strictly increasing.
    public let edges: [Double]

    /// Bands at `edges`.
    ///
    /// - Throws: ``SegmentationError/option(name:reason:)`` (named `option`) when the edges are not
    ///   finite and strictly increasing.
    public init(edges: [Double], option: String = "bands") throws(SegmentationError) {
        guard edges.allSatisfy(\.isFinite) else {
            throw .option(name: option, reason: "band edges must be finite numbers")
        }
        for i in edges.indices.dropFirst() where !(edges[i] > edges[i - 1]) {
            throw .option(name: option, reason: "band edges must increase strictly (\(edges[i - 1]) then \(edges[i]))")
        }
        self.edges = edges
    }

    /// Parses comma-separated cut points such as `550,600,650`.
    ///
    /// - Throws: ``SegmentationError/option(name:reason:)`` for text that is not a list of numbers.
    public static func parse(_ text: String, option: String) throws(SegmentationError) -> Bands {
        let parts = text.split(separator: ",").map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
        guard !parts.isEmpty else { throw .option(name: option, reason: "expected cut points such as 550,600,650") }
        var edges = [Double]()
        for part in parts {
            guard let value = Double(part) else {
                throw .option(
                    name: option, reason: "'\(part)' is not a number (expected cut points such as 550,600,650)")
            }
            edges.append(value)
        }
        return try Bands(edges: edges, option: option)
    }

    /// The number of bands (one more than the edges).
    public var count: Int { edges.count + 1 }

    /// The band of `value`: the number of edges at or below it.
    public func index(of value: Double) -> Int {
        var lo = 0
        var hi = edges.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if edges[mid] <= value { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// The label of band `i`: `<e₁`, `[eᵢ, eᵢ₊₁)` or `>=e_m`; `all` when there are no edges.
    public func label(_ i: Int) -> String {
        if edges.isEmpty { return "all" }
        if i == 0 { return "<\(FloatText.shortest(edges[0]))" }
        if i == edges.count { return ">=\(FloatText.shortest(edges[edges.count - 1]))" }
        return "[\(FloatText.shortest(edges[i - 1])), \(FloatText.shortest(edges[i])))"
    }
}

/// The settings of a rule-based tiering grid: score band × amount band × term band.
public struct TierGridSpec: Sendable, Equatable {
    /// The score column and its bands (no edges: one band, the column is not read).
    public var scoreColumn: String
    /// Score cut points.
    public var scoreBands: Bands
    /// The amount column (default `principal`, the loan amount) and its bands.
    public var amountColumn: String
    /// Amount cut points.
    public var amountBands: Bands
    /// The term column (default `term_months`) and its bands.
    public var termColumn: String
    /// Term cut points.
    public var termBands: Bands
    /// The column with data-driven segments (or tiers) to cross with the grid, when present.
    public var segmentColumn: String?
    /// LGD of the EL proxy `pd × lgd × balance` used when the input has `pd` but no `el`.
    public var lgd: Double

    /// A grid specification; bands default to none (one band).
    public init(
        scoreColumn: String = "score", scoreBands: Bands = try! Bands(edges: []), amountColumn: String = "principal",
        amountBands: Bands = try! Bands(edges: []), termColumn: String = "term_months",
        termBands: Bands = try! Bands(edges: []), segmentColumn: String? = "segment", lgd: Double = 0.45
    ) {
        self.scoreColumn = scoreColumn
        self.scoreBands = scoreBands
        self.amountColumn = amountColumn
        self.amountBands = amountBands
        self.termColumn = termColumn
        self.termBands = termBands
        self.segmentColumn = segmentColumn
        self.lgd = lgd
    }
}

/// One cell of the tiering grid.
public struct TierGridCell: Sendable, Equatable {
    /// The cell's code, `S<i>-A<j>-T<l>` with 1-based band numbers (`x` for a missing value).
    public let code: String
    /// The score band label.
    public let scoreBand: String
    /// The amount band label.
    public let amountBand: String
    /// The term band label.
    public let termBand: String
    /// Loans in the cell.
    public let loans: Int
    /// Σ `balance`, when the input has it.
    public let balance: Double?
    /// Loans with `defaulted_12m = 1`.
    public let defaults: Int?
    /// Loans with a `defaulted_12m` label.
    public let labelled: Int?
    /// `defaults / labelled`, nil without labels.
    public let badRate: Double?
    /// Σ `el`, or Σ `pd × lgd × balance` (see ``TierGrid/elSource``).
    public let el: Double?
}

/// A contingency table: counts of loans per (row label, column label).
public struct Contingency: Sendable, Equatable {
    /// The row labels (grid cells).
    public let rowLabels: [String]
    /// The column labels (segments).
    public let columnLabels: [String]
    /// `counts[r][c]`.
    public let counts: [[Int]]

    /// The contingency as a table: a `cell` column, one column per column label, and `total`.
    public func table(rowHeader: String) -> Table {
        var columns = [Column(name: rowHeader, values: .string(StringValues(rowLabels)))]
        for (c, label) in columnLabels.enumerated() {
            columns.append(Column(name: label, values: .int64(ColumnBuffer(counts.map { Int64($0[c]) }))))
        }
        columns.append(Column(name: "total", values: .int64(ColumnBuffer(counts.map { Int64($0.reduce(0, +)) }))))
        return try! Table(columns: columns, rowCount: rowLabels.count)
    }
}

/// The seed practice of rule-based tiering: loans cross-tabulated by score band × loan amount
/// band × term band, with loans, balance, bad rate and EL per cell, and — when the input carries
/// data-driven segments — a contingency table of grid cell versus segment.
///
/// ```
/// bad rate = Σ defaulted_12m / #labelled loans
/// EL       = Σ el                    (column el present)
///          = Σ pd × LGD × balance    (pd and balance present, LGD from the spec; a proxy)
/// ```
public struct TierGrid: Sendable {
    /// Where the EL figures come from.
    public enum ELSource: String, Sendable {
        /// The `el` column.
        case column = "el column"
        /// `pd × lgd × balance`.
        case proxy = "pd x lgd x balance"
        /// Not available.
        case none = "not available"
    }

    /// The specification.
    public let spec: TierGridSpec
    /// The non-empty cells, in band order (score slowest, missing bands last).
    public let cells: [TierGridCell]
    /// Where EL comes from.
    public let elSource: ELSource
    /// All loans.
    public let loans: Int
    /// Cell versus segment counts, when the segment column is present.
    public let contingency: Contingency?

    /// Tabulates `table`.
    ///
    /// - Throws: ``SegmentationError/option(name:reason:)`` when no bands are given;
    ///   ``SegmentationError/feature(name:reason:)`` when a banded column is missing or not numeric,
    ///   or the segment column is neither integer nor category.
    /// - Complexity: O(n), one parallel pass.
    public init(table: Table, spec: TierGridSpec, threads: Int = Parallel.threadCount) throws(SegmentationError) {
        let dimensions: [(column: String, bands: Bands, option: String)] = [
            (spec.scoreColumn, spec.scoreBands, "score-bands"), (spec.amountColumn, spec.amountBands, "amount-bands"),
            (spec.termColumn, spec.termBands, "term-bands"),
        ]
        guard dimensions.contains(where: { !$0.bands.edges.isEmpty }) else {
            throw .option(
                name: "score-bands", reason: "give at least one of --score-bands, --amount-bands, --term-bands")
        }
        guard spec.lgd.isFinite && spec.lgd >= 0 && spec.lgd <= 1 else {
            throw .option(name: "lgd", reason: "must lie between 0 and 1, got \(spec.lgd)")
        }
        // Each dimension: its values and validity, or nil when it has no bands.
        var banded = [(values: ColumnBuffer<Double>, validity: ValidityBitmap?)?]()
        for dimension in dimensions {
            if dimension.bands.edges.isEmpty {
                banded.append(nil)
                continue
            }
            banded.append(try TierGrid.numericColumn(table, dimension.column))
        }
        let sources = banded
        func optionalNumeric(_ name: String) -> (values: ColumnBuffer<Double>, validity: ValidityBitmap?)? {
            try? TierGrid.numericColumn(table, name)
        }
        let balance = optionalNumeric("balance")
        let label = optionalNumeric("defaulted_12m")
        let elColumn = optionalNumeric("el")
        let pd = optionalNumeric("pd")
        let elSource: ELSource = elColumn != nil ? .column : (pd != nil && balance != nil ? .proxy : .none)

        // Segments: dense keys 0..<s with labels.
        var segmentKeys: ColumnBuffer<Int64>?
        var segmentValidity: ValidityBitmap?
        var segmentLabels = [String]()
        var keyOffset: Int64 = 0
        if let name = spec.segmentColumn, table.hasColumn(name) {
            let column = try! table.column(named: name)
            switch column.values {
            case .int64(let values):
                var low = Int64.max
                var high = Int64.min
                for i in 0..<values.count where column.isValid(i) {
                    low = min(low, values[i])
                    high = max(high, values[i])
                }
                if low <= high {
                    guard high - low < 10_000 else {
                        throw .feature(name: name, reason: "spans more than 10,000 values; not a segment column")
                    }
                    keyOffset = low
                    segmentLabels = (low...high).map { "\(name) \($0)" }
                    segmentKeys = values
                    segmentValidity = column.validity
                }
            case .category(let category):
                segmentLabels = category.dictionary.map { "\(name) \($0)" }
                segmentKeys = ColumnBuffer(category.codes.array.map { Int64($0) })
                segmentValidity = column.validity
            default:
                throw .feature(name: name, reason: "must be an integer or category column to cross with the grid")
            }
        }

        let sizes = dimensions.map { $0.bands.count + 1 }  // + missing
        let cellCount = sizes[0] * sizes[1] * sizes[2]
        let segmentCount = segmentLabels.count
        let lgd = spec.lgd
        struct Partial: Sendable {
            var loans: [Int]
            var balance: [Double]
            var defaults: [Int]
            var labelled: [Int]
            var el: [Double]
            var cross: [Int]
        }
        let keys = segmentKeys
        let keysValidity = segmentValidity
        let offset = keyOffset
        let partials = parallelChunks(count: table.rowCount, threads: threads) { _, rows -> Partial in
            var p = Partial(
                loans: .init(repeating: 0, count: cellCount), balance: .init(repeating: 0, count: cellCount),
                defaults: .init(repeating: 0, count: cellCount), labelled: .init(repeating: 0, count: cellCount),
                el: .init(repeating: 0, count: cellCount), cross: .init(repeating: 0, count: cellCount * segmentCount))
            for row in rows {
                var cell = 0
                for (dim, source) in sources.enumerated() {
                    var band = 0
                    if let source {
                        if let validity = source.validity, !validity.isValid(row) {
                            band = sizes[dim] - 1
                        } else {
                            band = dimensions[dim].bands.index(of: source.values[row])
                        }
                    }
                    cell = cell * sizes[dim] + band
                }
                p.loans[cell] += 1
                if let balance, balance.validity?.isValid(row) ?? true { p.balance[cell] += balance.values[row] }
                if let label, label.validity?.isValid(row) ?? true {
                    p.labelled[cell] += 1
                    if label.values[row] != 0 { p.defaults[cell] += 1 }
                }
                switch elSource {
                case .column:
                    if let elColumn, elColumn.validity?.isValid(row) ?? true { p.el[cell] += elColumn.values[row] }
                case .proxy:
                    if let pd, let balance, pd.validity?.isValid(row) ?? true, balance.validity?.isValid(row) ?? true {
                        p.el[cell] += pd.values[row] * lgd * balance.values[row]
                    }
                case .none:
                    break
                }
                if let keys, keysValidity?.isValid(row) ?? true {
                    p.cross[cell * segmentCount + Int(keys[row] - offset)] += 1
                }
            }
            return p
        }
        var total = Partial(
            loans: .init(repeating: 0, count: cellCount), balance: .init(repeating: 0, count: cellCount),
            defaults: .init(repeating: 0, count: cellCount), labelled: .init(repeating: 0, count: cellCount),
            el: .init(repeating: 0, count: cellCount), cross: .init(repeating: 0, count: cellCount * segmentCount))
        for p in partials {
            for c in 0..<cellCount {
                total.loans[c] += p.loans[c]
                total.balance[c] += p.balance[c]
                total.defaults[c] += p.defaults[c]
                total.labelled[c] += p.labelled[c]
                total.el[c] += p.el[c]
            }
            for c in 0..<(cellCount * segmentCount) { total.cross[c] += p.cross[c] }
        }
        var cells = [TierGridCell]()
        var crossRows = [[Int]]()
        for c in 0..<cellCount where total.loans[c] > 0 {
            let s = c / (sizes[1] * sizes[2])
            let a = (c / sizes[2]) % sizes[1]
            let t = c % sizes[2]
            func bandLabel(_ dim: Int, _ band: Int) -> String {
                band == sizes[dim] - 1 ? "(missing)" : dimensions[dim].bands.label(band)
            }
            func bandCode(_ dim: Int, _ band: Int) -> String {
                band == sizes[dim] - 1 ? "x" : String(band + 1)
            }
            cells.append(
                TierGridCell(
                    code: "S\(bandCode(0, s))-A\(bandCode(1, a))-T\(bandCode(2, t))", scoreBand: bandLabel(0, s),
                    amountBand: bandLabel(1, a), termBand: bandLabel(2, t), loans: total.loans[c],
                    balance: balance == nil ? nil : total.balance[c], defaults: label == nil ? nil : total.defaults[c],
                    labelled: label == nil ? nil : total.labelled[c],
                    badRate: label == nil || total.labelled[c] == 0
                        ? nil : Double(total.defaults[c]) / Double(total.labelled[c]),
                    el: elSource == .none ? nil : total.el[c]))
            crossRows.append(Array(total.cross[(c * segmentCount)..<((c + 1) * segmentCount)]))
        }
        self.spec = spec
        self.cells = cells
        self.elSource = elSource
        self.loans = table.rowCount
        if segmentKeys != nil && segmentCount > 0 {
            // Keep only the segment values that occur.
            let used = (0..<segmentCount).filter { c in crossRows.contains { $0[c] > 0 } }
            self.contingency = Contingency(
                rowLabels: cells.map(\.code), columnLabels: used.map { segmentLabels[$0] },
                counts: crossRows.map { row in used.map { row[$0] } })
        } else {
            self.contingency = nil
        }
    }

    static func numericColumn(
        _ table: Table, _ name: String
    ) throws(SegmentationError) -> (values: ColumnBuffer<Double>, validity: ValidityBitmap?) {
        guard table.hasColumn(name) else {
            throw .feature(name: name, reason: "no such column (columns: \(table.columnNames.joined(separator: ", ")))")
        }
        let column = try! table.column(named: name)
        guard column.type == .float64 || column.type == .int64 else {
            throw .feature(name: name, reason: "is a \(column.type.rawValue) column, not numeric")
        }
        return (try! table.numeric(name), column.validity)
    }

    /// The grid as a table: `cell, score_band, amount_band, term_band, loans, share, balance,
    /// defaults, bad_rate, el` (columns the input cannot fill are left out).
    public var table: Table {
        var columns = [Column]()
        columns.append(Column(name: "cell", values: .string(StringValues(cells.map(\.code)))))
        columns.append(Column(name: "score_band", values: .string(StringValues(cells.map(\.scoreBand)))))
        columns.append(Column(name: "amount_band", values: .string(StringValues(cells.map(\.amountBand)))))
        columns.append(Column(name: "term_band", values: .string(StringValues(cells.map(\.termBand)))))
        columns.append(Column(name: "loans", values: .int64(ColumnBuffer(cells.map { Int64($0.loans) }))))
        let total = Double(max(loans, 1))
        columns.append(Column(name: "share", values: .float64(ColumnBuffer(cells.map { Double($0.loans) / total }))))
        if cells.first?.balance != nil {
            columns.append(Column(name: "balance", values: .float64(ColumnBuffer(cells.map { $0.balance ?? 0 }))))
        }
        if cells.first?.defaults != nil {
            columns.append(
                Column(name: "defaults", values: .int64(ColumnBuffer(cells.map { Int64($0.defaults ?? 0) }))))
            let rates = cells.map(\.badRate)
            let validity = rates.allSatisfy { $0 != nil } ? nil : ValidityBitmap(rates.map { $0 != nil })
            columns.append(
                Column(name: "bad_rate", values: .float64(ColumnBuffer(rates.map { $0 ?? 0 })), validity: validity))
        }
        if elSource != .none {
            columns.append(Column(name: "el", values: .float64(ColumnBuffer(cells.map { $0.el ?? 0 }))))
        }
        return try! Table(columns: columns, rowCount: cells.count)
    }
}
