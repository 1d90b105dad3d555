import StrataFrame
import StrataKernels

/// NPL and default rates by origination quarter (the vintage) and months on book.
///
/// Every loan of every snapshot given falls in one cell: its origination quarter and its months on
/// book at the snapshot date, in buckets of ``RiskConfig/vintageBucketMonths`` months. One snapshot
/// fills a diagonal band (each vintage at its current age); several snapshots of the same book
/// fill the triangle.
///
/// ```
/// months on book = 12·(year(as_of) − year(orig)) + month(as_of) − month(orig)
///                  − 1 if day(as_of) < day(orig)
/// NPL rate       = balance of substandard, doubtful and loss loans / balance      (per cell)
/// default rate   = loans with defaulted_12m = 1 / loans with a defaulted_12m value (per cell)
/// ```
public struct VintageTable: Sendable, Equatable {
    /// Origination quarters, oldest first, such as "2024Q3".
    public let quarters: [String]
    /// Months-on-book buckets, such as "0-2", "3-5".
    public let mobBuckets: [String]
    /// Loans per cell, `[quarter][bucket]`.
    public let loans: [[Int64]]
    /// Balance per cell, cents.
    public let balance: [[Int64]]
    /// Non-performing loans per cell.
    public let nplLoans: [[Int64]]
    /// Balance of non-performing loans per cell, cents.
    public let nplBalance: [[Int64]]
    /// Loans with `defaulted_12m = 1` per cell.
    public let defaults: [[Int64]]
    /// Loans with a `defaulted_12m` value per cell.
    public let labelled: [[Int64]]

    /// The balance-weighted NPL rate of a cell, nil when it is empty.
    public func nplRate(_ quarter: Int, _ bucket: Int) -> Double? {
        balance[quarter][bucket] == 0 ? nil : Double(nplBalance[quarter][bucket]) / Double(balance[quarter][bucket])
    }

    /// The observed 12-month default rate of a cell, nil without labelled loans.
    public func defaultRate(_ quarter: Int, _ bucket: Int) -> Double? {
        labelled[quarter][bucket] == 0 ? nil : Double(defaults[quarter][bucket]) / Double(labelled[quarter][bucket])
    }

    /// Months on book at `asOf` of a loan originated at `origination`.
    public static func monthsOnBook(origination: CivilDate, asOf: CivilDate) -> Int {
        var months = 12 * (asOf.year - origination.year) + asOf.month - origination.month
        if asOf.day < origination.day { months -= 1 }
        return max(0, months)
    }
}

extension RiskEngine {
    /// The vintage table of one or more snapshots.
    ///
    /// - Throws: ``RiskError/input(column:reason:)`` when a snapshot lacks `origination_date`,
    ///   `as_of_date`, `balance` or `classification`, or has them with the wrong type.
    public func vintage(_ snapshots: [Table]) throws(RiskError) -> VintageTable {
        struct Cell: Hashable {
            let quarter: Int
            let bucket: Int
        }
        let width = config.vintageBucketMonths
        var cells = [Cell: [Int64]]()  // loans, balance, npl loans, npl balance, defaults, labelled
        for table in snapshots {
            let origination = try Self.dates(table, "origination_date")
            let asOf = try Self.dates(table, "as_of_date")
            let balance = try RiskInputs.numeric(table, "balance")
            let classification = try RiskInputs.category(table, "classification")
            var npl = [Bool]()
            for label in classification.dictionary {
                guard let loanClass = LoanClass(label: label) else {
                    throw .input(column: "classification", reason: "unknown class '\(label)'")
                }
                npl.append(loanClass.isNonPerforming)
            }
            var label: ColumnBuffer<Int64>?
            var labelValidity: ValidityBitmap?
            if table.hasColumn("defaulted_12m") {
                label = try RiskInputs.integer(table, "defaulted_12m")
                labelValidity = try RiskInputs.column(table, "defaulted_12m").validity
            }
            // Cache date decompositions: tapes hold few distinct dates.
            var civil = [Int32: CivilDate]()
            func date(_ days: Int32) -> CivilDate {
                if let known = civil[days] { return known }
                let value = CivilDate(daysSinceEpoch: days)
                civil[days] = value
                return value
            }
            for row in 0..<table.rowCount {
                let start = date(origination[row])
                let end = date(asOf[row])
                let mob = VintageTable.monthsOnBook(origination: start, asOf: end)
                let cell = Cell(quarter: start.year * 4 + (start.month - 1) / 3, bucket: mob / width)
                var sums = cells[cell] ?? [Int64](repeating: 0, count: 6)
                let cents = Cents.of(balance[row])
                sums[0] += 1
                sums[1] += cents
                if npl[Int(classification.codes[row])] {
                    sums[2] += 1
                    sums[3] += cents
                }
                if let label, labelValidity?.isValid(row) ?? true {
                    sums[5] += 1
                    if label[row] == 1 { sums[4] += 1 }
                }
                cells[cell] = sums
            }
        }
        guard let minQuarter = cells.keys.map(\.quarter).min(), let maxQuarter = cells.keys.map(\.quarter).max(),
            let maxBucket = cells.keys.map(\.bucket).max()
        else {
            return VintageTable(
                quarters: [], mobBuckets: [], loans: [], balance: [], nplLoans: [], nplBalance: [], defaults: [],
                labelled: [])
        }
        let quarters = Array(minQuarter...maxQuarter)
        let buckets = Array(0...maxBucket)
        func grid(_ field: Int) -> [[Int64]] {
            quarters.map { q in buckets.map { b in cells[Cell(quarter: q, bucket: b)]?[field] ?? 0 } }
        }
        return VintageTable(
            quarters: quarters.map { "\($0 / 4)Q\($0 % 4 + 1)" },
            mobBuckets: buckets.map { width == 1 ? "\($0)" : "\($0 * width)-\($0 * width + width - 1)" },
            loans: grid(0), balance: grid(1), nplLoans: grid(2), nplBalance: grid(3), defaults: grid(4),
            labelled: grid(5))
    }

    static func dates(_ table: Table, _ name: String) throws(RiskError) -> ColumnBuffer<Int32> {
        let column = try RiskInputs.column(table, name)
        guard case .date(let values) = column.values else {
            throw .input(column: name, reason: "is \(column.type), expected dates")
        }
        return values
    }
}
