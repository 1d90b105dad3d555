import StrataFrame
import StrataKernels

/// A row of a risk aggregate: one group, a subtotal over a key prefix, or the grand total.
public struct RiskRow: Sendable, Equatable {
    /// What the row sums.
    public enum Level: String, Sendable {
        /// One combination of all key values.
        case group
        /// All groups sharing the first `depth` key values.
        case subtotal
        /// Every loan.
        case total
    }

    /// What the row sums.
    public let level: Level
    /// The key values, one per key column; ``RiskAggregate/allLabel`` for keys a subtotal or the
    /// total runs over.
    public let keys: [String]
    /// How many leading keys are fixed (all for a group, 0 for the total).
    public let depth: Int
    /// The figures.
    public let totals: RiskTotals
}

/// Risk figures by a cut of the portfolio, with subtotals per key level and a grand total.
public struct RiskAggregate: Sendable {
    /// The key text of a row that runs over all values of a key.
    public static let allLabel = "(all)"

    /// The key columns, outermost first.
    public let keyColumns: [String]
    /// Groups, subtotals and the total in report order: for each value of the first key its groups
    /// (recursively), then its subtotal; the grand total last (like SQL `GROUP BY ROLLUP`).
    public let rows: [RiskRow]
    /// The figures of all loans.
    public let total: RiskTotals
    /// The figures per tape classification, indexed by `LoanClass.rawValue`.
    public let byClass: [RiskTotals]
    /// How many loans took their PD from each source, indexed by `PDSource.rawValue`.
    public let pdSources: [Int64]

    /// The group rows only.
    public var groups: [RiskRow] { rows.filter { $0.level == .group } }
}

/// Computes exposure, expected loss, IRB capital, classification and provisions for loan tapes.
///
/// The per-loan formulas are in ``RiskInputs`` and docs/methodology/risk.md. Aggregates fuse the
/// per-loan calculation with the group sums in one parallel pass (no per-loan column is
/// materialised); every sum is an exact integer (``Cents``), so results are identical for any
/// thread count and subtotals add up exactly.
public struct RiskEngine: Sendable {
    /// The configuration.
    public let config: RiskConfig
    /// Worker threads.
    public let threads: Int

    /// An engine with `config`.
    public init(config: RiskConfig = RiskConfig(), threads: Int = Parallel.threadCount) {
        self.config = config
        self.threads = threads
    }

    /// Checks and resolves the inputs of `table` (see ``RiskInputs``).
    public func inputs(_ table: Table) throws(RiskError) -> RiskInputs {
        let inputs = try RiskInputs(table, config: config)
        try checkAmounts(inputs)
        return inputs
    }

    /// The figures of `table` grouped by the category columns `keys` (none: the total only).
    ///
    /// - Throws: ``RiskError/input(column:reason:)`` for bad inputs, and
    ///   ``RiskError/option(name:reason:)`` (name `by`) for an unknown, repeated or non-category key.
    /// - Complexity: O(rows); one pass for the group ids and one fused pass for the figures.
    public func aggregate(_ table: Table, by keys: [String]) throws(RiskError) -> RiskAggregate {
        try Self.checkKeys(keys, in: table)
        let inputs = try self.inputs(table)
        var groupBy: GroupBy?
        if !keys.isEmpty {
            do {
                groupBy = try GroupBy(table, by: keys, threads: threads)
            } catch {
                throw .option(name: "by", reason: error.description)
            }
        }
        return aggregate(inputs, groupBy: groupBy)
    }

    /// Checks that every key is a distinct category column of `table`.
    public static func checkKeys(_ keys: [String], in table: Table) throws(RiskError) {
        let categories = table.columns.filter { $0.type == .category }.map(\.name)
        let list = categories.isEmpty ? "none" : categories.joined(separator: ", ")
        var seen = Set<String>()
        for key in keys {
            guard table.hasColumn(key) else {
                throw .option(name: "by", reason: "no column '\(key)' (category columns: \(list))")
            }
            let type = table.columns.first { $0.name == key }!.type
            guard type == .category else {
                throw .option(
                    name: "by", reason: "column '\(key)' is \(type), not a category (category columns: \(list))")
            }
            guard seen.insert(key).inserted else { throw .option(name: "by", reason: "column '\(key)' given twice") }
        }
    }

    /// The figures of resolved inputs grouped by `groupBy` (nil: the total only).
    public func aggregate(_ inputs: RiskInputs, groupBy: GroupBy?) -> RiskAggregate {
        let groups = groupBy?.groupCount ?? 1
        let width = RiskTotals.fieldCount
        let classBase = groups * width
        let sourceBase = classBase + LoanClass.allCases.count * width
        let slots = sourceBase + PDSource.allCases.count
        let ids = groupBy?.groupIDs
        // Integer sums are exact, so the chunking may depend on the thread count: a few large
        // chunks keep the per-chunk partial arrays small.
        let chunkSize = max(Parallel.defaultChunkSize, (inputs.count + 4 * threads - 1) / max(1, 4 * threads))
        let partials = parallelChunks(count: inputs.count, chunkSize: chunkSize, threads: threads) { _, rows in
            var local = [Int64](repeating: 0, count: slots)
            let idBuffer = ids ?? ColumnBuffer<UInt32>()
            idBuffer.withSpan(in: ids == nil ? 0..<0 : rows) { idSpan in
                inputs.forEachLoan(in: rows) { row, balance, m in
                    let group = idSpan.isEmpty ? 0 : Int(idSpan[row - rows.lowerBound])
                    Self.accumulate(m, balance: balance, into: &local, base: group * width)
                    Self.accumulate(m, balance: balance, into: &local, base: classBase + m.severity * width)
                    local[sourceBase + m.pdSource.rawValue] += 1
                }
            }
            return local
        }
        var sums = [Int64](repeating: 0, count: slots)
        for part in partials { for j in 0..<slots { sums[j] += part[j] } }

        let leaf = (0..<groups).map { g in RiskTotals(values: Array(sums[(g * width)..<((g + 1) * width)])) }
        let byClass = LoanClass.allCases.map { c in
            RiskTotals(values: Array(sums[(classBase + c.rawValue * width)..<(classBase + (c.rawValue + 1) * width)]))
        }
        let sources = Array(sums[sourceBase..<slots])
        var total = RiskTotals()
        for totals in leaf { total.add(totals) }
        guard let groupBy else {
            return RiskAggregate(
                keyColumns: [], rows: [RiskRow(level: .total, keys: [], depth: 0, totals: total)], total: total,
                byClass: byClass, pdSources: sources)
        }
        let rows = Self.rollup(keys: groupBy.keys, leaves: leaf, total: total)
        return RiskAggregate(
            keyColumns: groupBy.keyColumns, rows: rows, total: total, byClass: byClass, pdSources: sources)
    }

    /// Adds one loan's figures to the slots at `base`.
    @inline(__always)
    static func accumulate(_ m: LoanMeasures, balance: Double, into acc: inout [Int64], base: Int) {
        let balanceCents = Cents.of(balance)
        let eadCents = Cents.of(m.ead)
        acc[base + 0] += 1
        acc[base + 1] += balanceCents
        acc[base + 2] += eadCents
        acc[base + 3] += Cents.of(m.el)
        acc[base + 4] += Cents.of(m.rwa)
        acc[base + 5] += Cents.of(m.capital)
        acc[base + 6] += Cents.of(m.pd * m.ead)
        acc[base + 7] += Cents.of(m.lgd * m.ead)
        if m.severity >= LoanClass.substandard.rawValue {
            acc[base + 8] += 1
            acc[base + 9] += balanceCents
        }
        acc[base + 10] += Cents.of(m.provision)
        if m.floorSeverity > m.severity {
            acc[base + 11] += 1
            acc[base + 12] += balanceCents
            acc[base + 13] += Cents.of(m.provisionShortfall)
        }
        if m.defaulted {
            acc[base + 14] += 1
            acc[base + 15] += eadCents
        }
    }

    /// Groups (sorted by key codes, so groups sharing a key prefix are contiguous) with a subtotal
    /// after each run of a shared prefix, and the grand total last.
    static func rollup(keys: [[String]], leaves: [RiskTotals], total: RiskTotals) -> [RiskRow] {
        let depth = keys.first?.count ?? 0
        var rows = [RiskRow]()
        rows.reserveCapacity(leaves.count * 2 + 1)
        // open[d] accumulates the current run sharing the first d + 1 keys, for d < depth - 1.
        var open = [RiskTotals](repeating: RiskTotals(), count: max(0, depth - 1))
        func closeRuns(from level: Int, previous: [String]) {
            // Close the innermost runs first.
            for d in stride(from: depth - 2, through: level, by: -1) {
                let prefix = Array(previous[0...d]) + [String](repeating: RiskAggregate.allLabel, count: depth - d - 1)
                rows.append(RiskRow(level: .subtotal, keys: prefix, depth: d + 1, totals: open[d]))
                open[d] = RiskTotals()
            }
        }
        for (g, key) in keys.enumerated() {
            if g > 0 {
                let previous = keys[g - 1]
                if let first = (0..<(depth - 1)).first(where: { previous[$0] != key[$0] }) {
                    closeRuns(from: first, previous: previous)
                }
            }
            rows.append(RiskRow(level: .group, keys: key, depth: depth, totals: leaves[g]))
            for d in 0..<max(0, depth - 1) { open[d].add(leaves[g]) }
        }
        if let last = keys.last { closeRuns(from: 0, previous: last) }
        rows.append(
            RiskRow(
                level: .total, keys: [String](repeating: RiskAggregate.allLabel, count: depth), depth: 0,
                totals: total))
        return rows
    }

    /// Checks that the money columns hold finite, non-negative amounts within ``Cents/maximumAmount``.
    func checkAmounts(_ inputs: RiskInputs) throws(RiskError) {
        for (name, buffer) in [
            ("balance", inputs.balance), ("credit_limit", inputs.creditLimit), ("collateral_value", inputs.collateral),
        ] {
            let bad = parallelChunks(count: buffer.count, threads: threads) { _, rows -> Int? in
                buffer.withSpan(in: rows) { span in
                    for i in span.indices where !(span[i] >= 0 && span[i] <= Cents.maximumAmount) {
                        return rows.lowerBound + i
                    }
                    return nil
                }
            }
            if let row = bad.lazy.compactMap({ $0 }).first {
                throw .input(
                    column: name, reason: "row \(row + 1): \(buffer[row]) is not an amount between 0 and 10^13")
            }
        }
    }
}
