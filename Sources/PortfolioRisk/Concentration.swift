import StrataFrame
import StrataKernels

/// How concentrated the exposure of a book is across the names of one dimension (borrowers,
/// industries, regions).
///
/// With exposures `x_i` of the N names (EAD summed over each name's loans), `X = Σ x_i` and
/// shares `s_i = x_i / X`:
///
/// ```
/// HHI (raw)         = Σ s_i²                                  in [1/N, 1]
/// HHI (normalised)  = (HHI − 1/N) / (1 − 1/N)                  in [0, 1]; 1 when N = 1
/// top-10 share      = Σ of the 10 largest x_i / X
/// top-1 % share     = Σ of the ⌈N/100⌉ largest x_i / X
/// Gini              = 2·Σ_i i·x_(i) / (N·X) − (N + 1)/N        x_(1) ≤ … ≤ x_(N), i from 1
/// ```
///
/// Sources: Herfindahl–Hirschman index (as in BCBS, "Studies on credit risk concentration",
/// Working Paper 15, 2006, §3); the Gini coefficient of the Lorenz curve of exposures (same
/// paper). Every name present counts towards N, including names with zero exposure.
public struct ConcentrationMeasure: Sendable, Equatable {
    /// One of the largest names.
    public struct Name: Sendable, Equatable {
        /// The name (customer id, industry, region).
        public let name: String
        /// Its exposure, cents.
        public let exposure: Int64
        /// Its share of the total exposure.
        public let share: Double
        /// Its number of loans.
        public let loans: Int64
    }

    /// The column the names come from.
    public let dimension: String
    /// N, the number of distinct names.
    public let names: Int
    /// Σ x_i, cents.
    public let totalExposure: Int64
    /// The raw Herfindahl–Hirschman index Σ s_i².
    public let hhi: Double
    /// The normalised HHI, (HHI − 1/N) / (1 − 1/N).
    public let normalizedHHI: Double
    /// Share of the 10 largest names (all names when fewer).
    public let top10Share: Double
    /// How many names make the top 1 %: ⌈N/100⌉.
    public let top1PercentNames: Int
    /// Share of the ⌈N/100⌉ largest names.
    public let top1PercentShare: Double
    /// The Gini coefficient of the exposures.
    public let gini: Double
    /// The largest names, largest first (ties: the name met first in the column).
    public let largest: [Name]

    /// The measures of `exposures` (cents) of names with `loans` loans each.
    ///
    /// - Parameters:
    ///   - label: the text of name `i` (called for the largest names only).
    ///   - top: how many of the largest names to list.
    public init(dimension: String, exposures: [Int64], loans: [Int64], top: Int, label: (Int) -> String) {
        precondition(exposures.count == loans.count)
        self.dimension = dimension
        let n = exposures.count
        names = n
        var total: Int64 = 0
        for x in exposures { total += x }
        totalExposure = total
        // The largest names by a scan that keeps the best `top` (ties: lower index first).
        var best = [Int]()
        if top > 0 {
            for i in 0..<n {
                if best.count == top, exposures[i] <= exposures[best[top - 1]] { continue }
                var position = best.count
                while position > 0, exposures[best[position - 1]] < exposures[i] { position -= 1 }
                best.insert(i, at: position)
                if best.count > top { best.removeLast() }
            }
        }
        top1PercentNames = n == 0 ? 0 : (n + 99) / 100
        guard n > 0, total > 0 else {
            hhi = 0
            normalizedHHI = 0
            top10Share = 0
            top1PercentShare = 0
            gini = 0
            largest = best.map { Name(name: label($0), exposure: exposures[$0], share: 0, loans: loans[$0]) }
            return
        }
        let denominator = Double(total)
        var squares = 0.0
        for x in exposures {
            let share = Double(x) / denominator
            squares += share * share
        }
        hhi = squares
        normalizedHHI = n == 1 ? 1 : (squares - 1 / Double(n)) / (1 - 1 / Double(n))
        let ascending = exposures.sorted()
        func shareOfLargest(_ k: Int) -> Double {
            var sum: Int64 = 0
            for x in ascending.suffix(k) { sum += x }
            return Double(sum) / denominator
        }
        top10Share = shareOfLargest(10)
        top1PercentShare = shareOfLargest(top1PercentNames)
        var weighted = 0.0
        for (i, x) in ascending.enumerated() { weighted += Double(i + 1) * Double(x) }
        gini = 2 * weighted / (Double(n) * denominator) - (Double(n) + 1) / Double(n)
        largest = best.map {
            Name(name: label($0), exposure: exposures[$0], share: Double(exposures[$0]) / denominator, loans: loans[$0])
        }
    }
}

extension RiskInputs {
    /// Every loan's EAD in cents (see ``forEachLoan(in:_:)`` for the formula).
    func eadCents(threads: Int = Parallel.threadCount) -> ColumnBuffer<Int64> {
        let out = ColumnBufferBuilder<Int64>(uninitializedCount: count)
        _ = parallelChunks(count: count, threads: threads) { _, rows in
            balance.withSpan(in: rows) { balance in
                creditLimit.withSpan(in: rows) { limit in
                    productCodes.withSpan(in: rows) { product in
                        out.withMutableSpan(in: rows) { target in
                            for i in 0..<rows.count {
                                let ead = balance[i] + ccfByProduct[Int(product[i])] * max(0, limit[i] - balance[i])
                                target[i] = Cents.of(ead)
                            }
                        }
                    }
                }
            }
        }
        return out.finish()
    }
}

extension RiskEngine {
    /// Concentration of EAD by borrower (`customer_id` summed over its loans) and by each of the
    /// category columns `dimensions` (default industry and region, those present).
    ///
    /// - Throws: ``RiskError/input(column:reason:)`` for bad inputs or a dimension column that is
    ///   missing or not a category (or, for `customer_id`, not text).
    public func concentration(
        _ table: Table, customerColumn: String = "customer_id", dimensions: [String] = ["industry", "region"]
    ) throws(RiskError) -> [ConcentrationMeasure] {
        let inputs = try self.inputs(table)
        let ead = inputs.eadCents(threads: threads)
        var result = [ConcentrationMeasure]()
        let customers = try RiskInputs.column(table, customerColumn)
        guard case .string(let ids) = customers.values else {
            throw .input(column: customerColumn, reason: "is \(customers.type), expected text identifiers")
        }
        let index = StringIndex(ids)
        var exposures = [Int64](repeating: 0, count: index.count)
        var loans = [Int64](repeating: 0, count: index.count)
        ead.withSpan { span in
            index.ids.withSpan { ids in
                for row in 0..<ids.count {
                    let id = Int(ids[row])
                    exposures[id] += span[row]
                    loans[id] += 1
                }
            }
        }
        result.append(
            ConcentrationMeasure(
                dimension: customerColumn, exposures: exposures, loans: loans, top: config.topBorrowers,
                label: { index.text($0) }))
        for dimension in dimensions where table.hasColumn(dimension) {
            let column = try RiskInputs.column(table, dimension)
            guard case .category(let values) = column.values else {
                throw .input(column: dimension, reason: "is \(column.type), expected a category")
            }
            let slots = values.dictionary.count + 1
            var exposures = [Int64](repeating: 0, count: slots)
            var loans = [Int64](repeating: 0, count: slots)
            values.codes.withSpan { codes in
                ead.withSpan { span in
                    for row in 0..<codes.count {
                        let code = column.isValid(row) ? Int(codes[row]) : slots - 1
                        exposures[code] += span[row]
                        loans[code] += 1
                    }
                }
            }
            // Only names present count towards N.
            let present = (0..<slots).filter { loans[$0] > 0 }
            let labels = values.dictionary + [GroupBy.missingLabel]
            result.append(
                ConcentrationMeasure(
                    dimension: dimension, exposures: present.map { exposures[$0] }, loans: present.map { loans[$0] },
                    top: config.topBorrowers, label: { labels[present[$0]] }))
        }
        return result
    }
}
