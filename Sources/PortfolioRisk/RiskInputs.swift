import StrataFrame
import StrataKernels

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where a loan's PD came from.
public enum PDSource: Int, Sendable, CaseIterable {
    /// The `pd` column.
    case column = 0
    /// The PD of the loan's grade (`pd.by_grade`).
    case grade = 1
    /// The PD of the loan's classification (`pd.by_classification`).
    case classification = 2
}

/// The measures of one loan, as computed by ``RiskInputs``.
public struct LoanMeasures: Sendable, Equatable {
    /// Exposure at default, currency units.
    public var ead: Double
    /// Loss given default used, a fraction.
    public var lgd: Double
    /// PD used (floored; 1 for defaulted loans), a fraction.
    public var pd: Double
    /// Expected loss `PD × LGD × EAD`, currency units.
    public var el: Double
    /// IRB capital requirement K before the scaling factor, a fraction of EAD.
    public var k: Double
    /// Risk-weighted assets `12.5 × K × scaling × EAD`, currency units.
    public var rwa: Double
    /// Capital `capital_ratio × RWA`, currency units.
    public var capital: Double
    /// Provision `rate(classification) × balance`, currency units.
    public var provision: Double
    /// Extra provision if the loan were moved to its days-past-due floor class, currency units.
    public var provisionShortfall: Double
    /// The tape's classification, `LoanClass.rawValue`.
    public var severity: Int
    /// The days-past-due floor class, `LoanClass.rawValue`.
    public var floorSeverity: Int
    /// True when the loan is in default (PD = 1).
    public var defaulted: Bool
    /// Where the PD came from.
    public var pdSource: PDSource
    /// The IRB asset class.
    public var assetClass: AssetClass
}

/// The checked and resolved inputs of the risk calculations for one table.
///
/// Making one checks every column the calculations read (presence, type, range) and turns the
/// configuration into lookup tables by category code, so that the per-loan loop does no string
/// work. Required columns: `balance`, `credit_limit`, `collateral_value`, `days_past_due`,
/// `product` and `classification` (categories). Optional: the PD column (`pd`), the LGD column
/// (`lgd`), the grade column (with `pd.by_grade`), `remaining_months` (maturity) and the sales
/// column (SME firm-size adjustment).
public struct RiskInputs: Sendable {
    /// The configuration the inputs were resolved with.
    public let config: RiskConfig
    /// The number of loans.
    public let count: Int

    let balance: ColumnBuffer<Double>
    let creditLimit: ColumnBuffer<Double>
    let collateral: ColumnBuffer<Double>
    let daysPastDue: ColumnBuffer<Int64>
    let productCodes: ColumnBuffer<UInt32>
    let classCodes: ColumnBuffer<UInt32>

    let pd: ColumnBuffer<Double>?
    let pdValidity: ValidityBitmap?
    let lgd: ColumnBuffer<Double>?
    let lgdValidity: ValidityBitmap?
    let gradeCodes: ColumnBuffer<UInt32>?
    let gradeValidity: ValidityBitmap?
    let remainingMonths: ColumnBuffer<Int64>?
    let sales: ColumnBuffer<Double>?

    // Lookup tables by category code.
    let ccfByProduct: [Double]
    let productParameters: [ProductParameters]
    let bandsByProduct: [[LTVBand]]
    let severityByCode: [Int]
    let pdByGradeCode: [Double]  // NaN where the grade has no PD

    // Per class (LoanClass.rawValue) constants.
    let defaultByClass: [Bool]
    let pdBySeverity: [Double]
    let provisionBySeverity: [Double]

    /// The product labels, by code.
    public let products: [String]

    /// Resolves the inputs of `table`.
    ///
    /// - Throws: ``RiskError/input(column:reason:)`` for a missing required column, a column of
    ///   the wrong type, an unknown classification label, or a PD or LGD outside [0, 1].
    public init(_ table: Table, config: RiskConfig) throws(RiskError) {
        self.config = config
        count = table.rowCount
        balance = try Self.numeric(table, "balance")
        creditLimit = try Self.numeric(table, "credit_limit")
        collateral = try Self.numeric(table, "collateral_value")
        daysPastDue = try Self.integer(table, "days_past_due")
        let product = try Self.category(table, "product")
        let classification = try Self.category(table, "classification")
        productCodes = product.codes
        classCodes = classification.codes
        products = product.dictionary

        var severities = [Int]()
        for label in classification.dictionary {
            guard let loanClass = LoanClass(label: label) else {
                throw .input(
                    column: "classification",
                    reason:
                        "unknown class '\(label)' (expected \(LoanClass.allCases.map(\.label).joined(separator: ", ")))"
                )
            }
            severities.append(loanClass.rawValue)
        }
        severityByCode = severities
        ccfByProduct = product.dictionary.map { config.ccf[$0] }
        bandsByProduct = product.dictionary.map { config.lgd[$0].ltvBands }
        productParameters = product.dictionary.map { ProductParameters(product: $0, config: config) }

        if table.hasColumn(config.pdColumn) {
            let column = try Self.column(table, config.pdColumn)
            let values = try Self.numeric(table, config.pdColumn)
            try Self.checkFraction(values, validity: column.validity, name: config.pdColumn)
            pd = values
            pdValidity = column.validity
        } else {
            pd = nil
            pdValidity = nil
        }
        if table.hasColumn(config.lgdColumn) {
            let column = try Self.column(table, config.lgdColumn)
            let values = try Self.numeric(table, config.lgdColumn)
            try Self.checkFraction(values, validity: column.validity, name: config.lgdColumn)
            lgd = values
            lgdValidity = column.validity
        } else {
            lgd = nil
            lgdValidity = nil
        }
        if !config.pdByGrade.isEmpty, table.hasColumn(config.gradeColumn) {
            let grade = try Self.category(table, config.gradeColumn, allowMissing: true)
            gradeCodes = grade.codes
            gradeValidity = try Self.column(table, config.gradeColumn).validity
            pdByGradeCode = grade.dictionary.map { config.pdByGrade[$0] ?? .nan }
        } else {
            gradeCodes = nil
            gradeValidity = nil
            pdByGradeCode = []
        }
        remainingMonths = table.hasColumn("remaining_months") ? try Self.integer(table, "remaining_months") : nil
        sales = table.hasColumn(config.salesColumn) ? try Self.numeric(table, config.salesColumn) : nil

        defaultByClass = LoanClass.allCases.map { config.defaultClasses.contains($0) }
        pdBySeverity = config.pdByClassification
        provisionBySeverity = config.provisions.rates
    }

    // MARK: - Column access with risk errors

    static func column(_ table: Table, _ name: String) throws(RiskError) -> Column {
        do {
            return try table.column(named: name)
        } catch {
            throw .input(column: name, reason: "missing (the risk calculations need it)")
        }
    }

    static func numeric(_ table: Table, _ name: String) throws(RiskError) -> ColumnBuffer<Double> {
        let column = try column(table, name)
        guard column.type == .float64 || column.type == .int64 else {
            throw .input(column: name, reason: "is \(column.type), expected a number")
        }
        do {
            return try table.numeric(name)
        } catch {
            throw .input(column: name, reason: error.description)
        }
    }

    static func integer(_ table: Table, _ name: String) throws(RiskError) -> ColumnBuffer<Int64> {
        let column = try column(table, name)
        guard case .int64(let values) = column.values else {
            throw .input(column: name, reason: "is \(column.type), expected whole numbers")
        }
        return values
    }

    static func category(_ table: Table, _ name: String, allowMissing: Bool = false) throws(RiskError) -> CategoryValues
    {
        let column = try column(table, name)
        guard case .category(let values) = column.values else {
            throw .input(column: name, reason: "is \(column.type), expected a category")
        }
        if !allowMissing, column.nullCount > 0 {
            throw .input(column: name, reason: "\(column.nullCount) rows have no value")
        }
        return values
    }

    /// Checks that every present value lies in [0, 1]; names the first bad row (1-based).
    static func checkFraction(_ values: ColumnBuffer<Double>, validity: ValidityBitmap?, name: String) throws(RiskError)
    {
        let bad = parallelChunks(count: values.count) { _, rows -> Int? in
            values.withSpan(in: rows) { span in
                for i in span.indices where !(span[i] >= 0 && span[i] <= 1) {
                    if validity?.isValid(rows.lowerBound + i) ?? true { return rows.lowerBound + i }
                }
                return nil
            }
        }
        if let row = bad.lazy.compactMap({ $0 }).first {
            throw .input(column: name, reason: "row \(row + 1): \(values[row]) is outside [0, 1]")
        }
    }

    // MARK: - The per-loan loop

    /// Calls `body` with every loan of `rows` and its measures, in row order.
    ///
    /// The single definition of the per-loan formulas (docs/methodology/risk.md):
    ///
    /// ```
    /// EAD  = balance + CCF(product) · max(0, credit_limit − balance)
    /// LGD  = lgd column, else the product's LGDRule
    /// PD   = pd column, else PD(grade), else PD(classification);
    ///        1 when defaulted (PD = 1, dpd > default_days_past_due or a default class),
    ///        else max(PD, floor(asset class))
    /// EL   = PD · LGD · EAD
    /// K    = IRB.capital(PD, LGD, class, M, S), or max(0, LGD − share · LGD) when defaulted
    /// RWA  = 12.5 · K · scaling · EAD,  capital = capital_ratio · RWA
    /// provision = rate(classification) · balance
    /// ```
    @inline(__always)
    func forEachLoan(in rows: Range<Int>, _ body: (_ row: Int, _ balance: Double, _ measures: LoanMeasures) -> Void) {
        let empty = 0..<0
        balance.withSpan(in: rows) { balance in
            creditLimit.withSpan(in: rows) { limit in
                collateral.withSpan(in: rows) { collateral in
                    daysPastDue.withSpan(in: rows) { dpd in
                        productCodes.withSpan(in: rows) { product in
                            classCodes.withSpan(in: rows) { classCode in
                                let pdBuffer = pd ?? ColumnBuffer<Double>()
                                pdBuffer.withSpan(in: pd == nil ? empty : rows) { pdSpan in
                                    let lgdBuffer = lgd ?? ColumnBuffer<Double>()
                                    lgdBuffer.withSpan(in: lgd == nil ? empty : rows) { lgdSpan in
                                        let gradeBuffer = gradeCodes ?? ColumnBuffer<UInt32>()
                                        gradeBuffer.withSpan(in: gradeCodes == nil ? empty : rows) { gradeSpan in
                                            let monthsBuffer = remainingMonths ?? ColumnBuffer<Int64>()
                                            monthsBuffer.withSpan(in: remainingMonths == nil ? empty : rows) { months in
                                                let salesBuffer = sales ?? ColumnBuffer<Double>()
                                                salesBuffer.withSpan(in: sales == nil ? empty : rows) { salesSpan in
                                                    Self.words(pdValidity) { pdWords in
                                                        Self.words(lgdValidity) { lgdWords in
                                                            Self.words(gradeValidity) { gradeWords in
                                                                for i in 0..<rows.count {
                                                                    let row = rows.lowerBound + i
                                                                    let pdValue: Double? =
                                                                        pdSpan.isEmpty || !Self.isValid(pdWords, row)
                                                                        ? nil : pdSpan[i]
                                                                    let lgdValue: Double? =
                                                                        lgdSpan.isEmpty || !Self.isValid(lgdWords, row)
                                                                        ? nil : lgdSpan[i]
                                                                    var gradePD = Double.nan
                                                                    if !gradeSpan.isEmpty, Self.isValid(gradeWords, row)
                                                                    {
                                                                        gradePD = pdByGradeCode[Int(gradeSpan[i])]
                                                                    }
                                                                    let measures = evaluate(
                                                                        balance: balance[i], limit: limit[i],
                                                                        collateral: collateral[i], daysPastDue: dpd[i],
                                                                        product: Int(product[i]),
                                                                        classCode: Int(classCode[i]),
                                                                        pd: pdValue, gradePD: gradePD, lgd: lgdValue,
                                                                        remainingMonths: months.isEmpty
                                                                            ? nil : months[i],
                                                                        sales: salesSpan.isEmpty ? nil : salesSpan[i])
                                                                    body(row, balance[i], measures)
                                                                }
                                                            }
                                                        }
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The measures of one loan from its inputs (see ``forEachLoan(in:_:)``).
    @inline(__always)
    func evaluate(
        balance: Double, limit: Double, collateral: Double, daysPastDue: Int64, product: Int, classCode: Int,
        pd pdValue: Double?, gradePD: Double, lgd lgdValue: Double?, remainingMonths: Int64?, sales: Double?
    ) -> LoanMeasures {
        let p = productParameters[product]
        let ead = balance + p.ccf * max(0, limit - balance)
        let lgd: Double
        if let lgdValue {
            lgd = lgdValue
        } else if collateral <= 0 {
            lgd = p.unsecuredLGD
        } else if p.hasBands {
            lgd = LGDRule(unsecured: p.unsecuredLGD, ltvBands: bandsByProduct[product])
                .lgd(ead: ead, balance: balance, collateral: collateral)
        } else if ead <= 0 {
            lgd = p.securedLGD
        } else {
            let securedPart = min(ead, collateral * (1 - p.haircut))
            lgd = (p.unsecuredLGD * (ead - securedPart) + p.securedLGD * securedPart) / ead
        }
        let severity = severityByCode[classCode]
        let floorSeverity = p.floorSeverity(daysPastDue)

        var source = PDSource.column
        var rawPD: Double
        if let pdValue {
            rawPD = pdValue
        } else if !gradePD.isNaN {
            rawPD = gradePD
            source = .grade
        } else {
            rawPD = pdBySeverity[severity]
            source = .classification
        }
        let defaulted = rawPD >= 1 || daysPastDue > config.defaultDaysPastDue || defaultByClass[severity]
        let pd: Double
        let k: Double
        if defaulted {
            pd = 1
            k = IRB.defaultedCapital(lgd: lgd, expectedLossBestEstimate: config.defaultedELShare * lgd)
        } else {
            pd = max(rawPD, p.pdFloor)
            var maturity = 2.5
            var salesMillions = 50.0
            if p.hasMaturityAdjustment {
                switch config.maturity {
                case .fixed(let years): maturity = years
                case .remainingTerm:
                    if let remainingMonths { maturity = min(max(Double(remainingMonths) / 12, 1), 5) }
                }
                if p.assetClass == .sme, let sales { salesMillions = sales / config.salesPerMillion }
            }
            if pd >= ConditionalPDTable.lowPD, pd <= ConditionalPDTable.highPD {
                // The tabulated conditional PD (relative error below 1e-13, see ConditionalPDTable).
                let t = log(pd)
                let conditional =
                    salesMillions < 50
                    ? SMEConditionalPDTable.shared.value(logPD: t, salesMillions: salesMillions)
                    : ConditionalPDTable.shared[p.assetClassIndex].value(logPD: t)
                var capital = lgd * (conditional - pd)
                if p.hasMaturityAdjustment {
                    let slope = 0.11852 - 0.05478 * t
                    let b = slope * slope
                    capital *= (1 + (maturity - 2.5) * b) / (1 - 1.5 * b)
                }
                k = capital
            } else {
                k = IRB.capital(
                    pd: pd, lgd: lgd, assetClass: p.assetClass, maturity: maturity, salesMillions: salesMillions)
            }
        }
        let rwa = 12.5 * k * config.irb.scaling * ead
        let provisionRate = provisionBySeverity[severity]
        let shortfall =
            floorSeverity > severity ? max(0, provisionBySeverity[floorSeverity] - provisionRate) * balance : 0
        return LoanMeasures(
            ead: ead, lgd: lgd, pd: pd, el: pd * lgd * ead, k: k, rwa: rwa, capital: config.capitalRatio * rwa,
            provision: provisionRate * balance, provisionShortfall: shortfall, severity: severity,
            floorSeverity: floorSeverity, defaulted: defaulted, pdSource: source, assetClass: p.assetClass)
    }

    /// Calls `body` with the words of `validity`, or an empty span when every row is valid.
    @inline(__always)
    static func words<R>(_ validity: ValidityBitmap?, _ body: (Span<UInt64>) -> R) -> R {
        let buffer = validity?.words ?? ColumnBuffer<UInt64>()
        return buffer.withSpan(body)
    }

    /// True when bit `row` of `words` is set, or `words` is empty (no bitmap).
    @inline(__always)
    static func isValid(_ words: Span<UInt64>, _ row: Int) -> Bool {
        words.isEmpty || (words[row >> 6] >> UInt64(row & 63)) & 1 == 1
    }
}

/// The per-product constants of the per-loan loop, as plain values (no reference counting).
struct ProductParameters: Sendable {
    let ccf: Double
    let unsecuredLGD: Double
    let securedLGD: Double
    let haircut: Double
    let hasBands: Bool
    let assetClass: AssetClass
    let assetClassIndex: Int
    let hasMaturityAdjustment: Bool
    let pdFloor: Double
    let floor1: Int64
    let floor2: Int64
    let floor3: Int64
    let floor4: Int64

    init(product: String, config: RiskConfig) {
        let rule = config.lgd[product]
        ccf = config.ccf[product]
        unsecuredLGD = rule.unsecured
        securedLGD = rule.secured
        haircut = rule.haircut
        hasBands = !rule.ltvBands.isEmpty
        assetClass = config.assetClass[product]
        assetClassIndex = assetClass.index
        hasMaturityAdjustment = assetClass.hasMaturityAdjustment
        pdFloor = config.irb.pdFloors[assetClass] ?? 0
        let days = (config.cardProducts.contains(product) ? config.cardFloors : config.floors).minimumDays
        floor1 = days[0]
        floor2 = days[1]
        floor3 = days[2]
        floor4 = days[3]
    }

    /// The days-past-due floor class, as `LoanClass.rawValue`.
    @inline(__always)
    func floorSeverity(_ dpd: Int64) -> Int {
        (dpd >= floor1 ? 1 : 0) + (dpd >= floor2 ? 1 : 0) + (dpd >= floor3 ? 1 : 0) + (dpd >= floor4 ? 1 : 0)
    }
}

extension AssetClass {
    /// The position in `allCases`, for lookup tables.
    @inline(__always)
    var index: Int {
        switch self {
        case .corporate: return 0
        case .sme: return 1
        case .mortgage: return 2
        case .revolving: return 3
        case .retail: return 4
        }
    }
}
