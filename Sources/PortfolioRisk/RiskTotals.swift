/// Exact money: amounts as a whole number of cents (hundredths of a currency unit) in an `Int64`.
///
/// Every money figure of the risk report is the sum of per-loan amounts each rounded to the cent
/// (half to even), added as integers. Integer sums do not depend on the order of addition, so
/// group figures, subtotals and the grand total add up exactly, for any thread count and in any
/// order a reader adds them, and partial results of shards merge exactly.
public enum Cents {
    /// The largest per-loan amount accepted, in currency units (10¹³; sums overflow only past
    /// about 9.2 · 10¹⁶ units in total).
    public static let maximumAmount = 1e13

    /// `amount` (currency units) rounded to the nearest cent, ties to even.
    ///
    /// - Precondition: `amount` is finite and `|amount| <= 100 · maximumAmount` (callers check
    ///   inputs; every per-loan measure is bounded by a small multiple of the exposure).
    @inline(__always)
    public static func of(_ amount: Double) -> Int64 {
        Int64((amount * 100).rounded(.toNearestOrEven))
    }

    /// The amount in currency units as the nearest `Double` (exact for |cents| < 2⁵³).
    @inline(__always)
    public static func double(_ cents: Int64) -> Double { Double(cents) / 100 }

    /// The exact decimal text of `cents` in currency units with two decimals, such as "-12.05".
    public static func text(_ cents: Int64) -> String {
        let sign = cents < 0 ? "-" : ""
        let magnitude = cents.magnitude
        let fraction = magnitude % 100
        return "\(sign)\(magnitude / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}

/// The additive figures of a set of loans: counts and money in cents, all exact.
///
/// Ratios (EL rate, EAD-weighted PD and LGD, NPL ratio, coverage) are derived from these sums, so
/// a subtotal's ratio is computed from its own sums, never averaged from its children.
public struct RiskTotals: Sendable, Equatable {
    /// The number of slots in ``values``.
    public static let fieldCount = 16

    /// The raw sums, in the order of the properties below.
    public internal(set) var values: [Int64]

    /// All zero.
    public init() { values = [Int64](repeating: 0, count: Self.fieldCount) }

    init(values: [Int64]) {
        precondition(values.count == Self.fieldCount)
        self.values = values
    }

    /// Number of loans.
    public var loans: Int64 { values[0] }
    /// Drawn balance, cents.
    public var balance: Int64 { values[1] }
    /// Exposure at default, cents.
    public var ead: Int64 { values[2] }
    /// Expected loss, cents.
    public var el: Int64 { values[3] }
    /// Risk-weighted assets, cents.
    public var rwa: Int64 { values[4] }
    /// Capital (capital ratio × RWA, per loan), cents.
    public var capital: Int64 { values[5] }
    /// Σ PD × EAD, cents: the numerator of the EAD-weighted PD.
    public var pdWeightedEAD: Int64 { values[6] }
    /// Σ LGD × EAD, cents: the numerator of the EAD-weighted LGD.
    public var lgdWeightedEAD: Int64 { values[7] }
    /// Non-performing loans (substandard, doubtful, loss).
    public var nplLoans: Int64 { values[8] }
    /// Balance of non-performing loans, cents.
    public var nplBalance: Int64 { values[9] }
    /// Provisions at the classification's rate, cents.
    public var provisions: Int64 { values[10] }
    /// Loans classified better than their days-past-due floor.
    public var belowFloorLoans: Int64 { values[11] }
    /// Balance of loans classified better than their floor, cents.
    public var belowFloorBalance: Int64 { values[12] }
    /// Extra provisions if those loans were moved to their floor class, cents.
    public var provisionShortfall: Int64 { values[13] }
    /// Loans in default (PD = 1).
    public var defaultedLoans: Int64 { values[14] }
    /// EAD of loans in default, cents.
    public var defaultedEAD: Int64 { values[15] }

    /// EL / EAD.
    public var elRate: Double? { ratio(el, ead) }
    /// EAD-weighted PD, `Σ PD·EAD / Σ EAD`.
    public var weightedPD: Double? { ratio(pdWeightedEAD, ead) }
    /// EAD-weighted LGD, `Σ LGD·EAD / Σ EAD`.
    public var weightedLGD: Double? { ratio(lgdWeightedEAD, ead) }
    /// Average risk weight, RWA / EAD.
    public var riskWeight: Double? { ratio(rwa, ead) }
    /// NPL ratio, NPL balance / balance.
    public var nplRatio: Double? { ratio(nplBalance, balance) }
    /// Provision coverage ratio, provisions / NPL balance.
    public var coverage: Double? { ratio(provisions, nplBalance) }
    /// Loan-provision ratio, provisions / balance.
    public var loanProvisionRatio: Double? { ratio(provisions, balance) }

    /// Adds `other` field by field.
    public mutating func add(_ other: RiskTotals) {
        for i in 0..<Self.fieldCount { values[i] += other.values[i] }
    }

    private func ratio(_ numerator: Int64, _ denominator: Int64) -> Double? {
        denominator == 0 ? nil : Double(numerator) / Double(denominator)
    }
}
