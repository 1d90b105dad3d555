/// A value per product with a fallback for products the table does not name.
public struct ProductTable<Value: Sendable & Equatable>: Sendable, Equatable {
    /// Values by product label.
    public var entries: [String: Value]
    /// The value of any other product.
    public var fallback: Value

    /// A table of `entries` with `fallback` for the rest.
    public init(_ entries: [String: Value], fallback: Value) {
        self.entries = entries
        self.fallback = fallback
    }

    /// The value for `product`.
    public subscript(product: String) -> Value { entries[product] ?? fallback }
}

/// One band of an LTV-based LGD table: loans with `LTV <= maxLTV` (and above the previous band)
/// get `lgd`.
public struct LTVBand: Sendable, Equatable {
    /// The upper bound of LTV = balance / collateral_value for this band (inclusive); +∞ for the last.
    public var maxLTV: Double
    /// The LGD of loans in the band, a fraction.
    public var lgd: Double

    /// A band up to `maxLTV` with `lgd`.
    public init(maxLTV: Double, lgd: Double) {
        self.maxLTV = maxLTV
        self.lgd = lgd
    }
}

/// How a product's LGD is found when the tape has no `lgd` value for a loan.
///
/// Unsecured loans (collateral_value = 0) get `unsecured`. Secured loans get, when `ltvBands` is
/// empty, the exposure-weighted blend of the foundation IRB approach (CRE32.10–32.11):
///
/// ```
/// E_S  = min(E, C · (1 − H_C))       collateral value C after the haircut H_C, capped at E
/// E_U  = E − E_S
/// LGD* = (LGD_U · E_U + LGD_S · E_S) / E
/// ```
///
/// with E the loan's EAD; and otherwise the LGD of the first band whose `maxLTV` is at least
/// LTV = balance / collateral_value.
public struct LGDRule: Sendable, Equatable {
    /// LGD of an unsecured exposure (LGD_U), a fraction.
    public var unsecured: Double
    /// LGD of the collateralised part (LGD_S), a fraction.
    public var secured: Double
    /// Haircut on the collateral value (H_C), a fraction below 1.
    public var haircut: Double
    /// LTV bands, ascending by `maxLTV`; when not empty they replace the blend for secured loans.
    public var ltvBands: [LTVBand]

    /// A rule with the given parameters.
    public init(unsecured: Double, secured: Double = 0, haircut: Double = 0.4, ltvBands: [LTVBand] = []) {
        self.unsecured = unsecured
        self.secured = secured
        self.haircut = haircut
        self.ltvBands = ltvBands
    }

    /// The LGD of a loan with exposure `ead`, drawn `balance` and collateral `collateral`.
    @inline(__always)
    public func lgd(ead: Double, balance: Double, collateral: Double) -> Double {
        if collateral <= 0 { return unsecured }
        if !ltvBands.isEmpty {
            let ltv = balance / collateral
            for band in ltvBands where ltv <= band.maxLTV { return band.lgd }
            return ltvBands[ltvBands.count - 1].lgd
        }
        if ead <= 0 { return secured }
        let securedPart = min(ead, collateral * (1 - haircut))
        return (unsecured * (ead - securedPart) + secured * securedPart) / ead
    }
}

/// How the effective maturity M of corporate and SME exposures is set.
public enum MaturityRule: Sendable, Equatable {
    /// `M = remaining_months / 12`, floored at 1 and capped at 5 years (CRE32.46, CRE32.48).
    case remainingTerm
    /// The same M for every exposure, for example 2.5 years under the foundation approach (CRE32.44).
    case fixed(Double)
}

/// The thresholds of the early-warning rules (`strata watch`).
public struct WatchRules: Sendable, Equatable {
    /// Flag a loan whose days past due rose by at least this many days (0 disables the rule).
    public var dpdIncrease: Int64 = 1
    /// Flag a loan whose utilisation rose by at least this much (0 disables the rule).
    public var utilizationJump: Double = 0.30
    /// Flag a loan whose score fell by at least this many points (0 disables the rule).
    public var scoreDrop: Double = 20
    /// The score column compared when both snapshots have it.
    public var scoreColumn: String = "score"
    /// Flag a loan whose days-past-due floor class worsened (it crossed a classification floor).
    public var floorCrossing: Bool = true

    /// The default rules.
    public init() {}
}

/// Every setting of the risk calculations, with the defaults stated in docs/methodology/risk.md.
///
/// Load overrides from YAML with ``RiskConfig/load(path:)`` or ``RiskConfig/parse(yaml:file:)``.
public struct RiskConfig: Sendable, Equatable {
    /// PD floors and scaling factor.
    public var irb = IRBSettings(preset: .basel31)
    /// Capital as a fraction of RWA (8 %, Basel II ¶40 / CRE: the minimum total capital ratio).
    public var capitalRatio = 0.08

    /// The PD column used when present.
    public var pdColumn = "pd"
    /// The grade column used for PD by grade when ``pdByGrade`` is not empty.
    public var gradeColumn = "grade"
    /// PD by grade label (used where the `pd` column is absent or empty).
    public var pdByGrade: [String: Double] = [:]
    /// PD by classification (used where neither `pd` nor a grade PD is available), indexed by
    /// `LoanClass.rawValue`. Illustrative defaults: 2 % normal, 20 % special mention, 100 % NPL.
    public var pdByClassification: [Double] = [0.02, 0.20, 1, 1, 1]

    /// The LGD column used when present.
    public var lgdColumn = "lgd"
    /// Credit conversion factor per product, applied to `credit_limit − balance`. Amortising
    /// products have no open commitment (their limit is the original principal): CCF 0. Card
    /// lines: 40 %, the commitment CCF of CRE20.94–20.101 used by foundation IRB (CRE32.33).
    public var ccf = ProductTable(["credit_card": 0.40], fallback: 0.0)
    /// LGD rule per product.
    ///
    /// Defaults: SME (corporate) 40 % unsecured (CRE32.6), 20 % on real-estate-secured parts with
    /// a 40 % haircut (CRE32.11); mortgages 45 % / 20 %; auto and consumer 45 % / 25 % (other
    /// physical collateral, CRE32.11); credit cards 85 % (the QRRE LGD of Basel II Annex 5).
    public var lgd = ProductTable(
        [
            "mortgage": LGDRule(unsecured: 0.45, secured: 0.20, haircut: 0.40),
            "sme": LGDRule(unsecured: 0.40, secured: 0.20, haircut: 0.40),
            "auto": LGDRule(unsecured: 0.45, secured: 0.25, haircut: 0.40),
            "consumer": LGDRule(unsecured: 0.45, secured: 0.25, haircut: 0.40),
            "credit_card": LGDRule(unsecured: 0.85, secured: 0.25, haircut: 0.40),
        ],
        fallback: LGDRule(unsecured: 0.45, secured: 0.25, haircut: 0.40))
    /// IRB asset class per product.
    public var assetClass = ProductTable(
        ["mortgage": .mortgage, "credit_card": .revolving, "consumer": .retail, "auto": .retail, "sme": .sme],
        fallback: AssetClass.retail)
    /// Effective maturity of corporate and SME exposures.
    public var maturity = MaturityRule.remainingTerm
    /// The column holding the SME borrower's annual sales (turnover).
    public var salesColumn = "annual_income"
    /// Currency units per million euros of sales, to express S in the firm-size adjustment.
    public var salesPerMillion = 1_000_000.0
    /// A loan more than this many days past due is in default (Basel II ¶452: 90 days).
    public var defaultDaysPastDue: Int64 = 90
    /// Classes treated as in default (PD = 1).
    public var defaultClasses: Set<LoanClass> = [.substandard, .doubtful, .loss]
    /// The bank's best estimate of expected loss on a defaulted exposure, as a share of its LGD:
    /// `EL_BE = share · LGD`, so `K = max(0, LGD − EL_BE) = (1 − share) · LGD`. 1 means the
    /// loss is fully expected and no unexpected-loss capital remains.
    public var defaultedELShare = 1.0

    /// The days-past-due floors of loans other than credit cards.
    public var floors = ClassificationFloors.rule2023
    /// The days-past-due floors of credit cards.
    public var cardFloors = ClassificationFloors.creditCard
    /// Products that follow the credit-card rule.
    public var cardProducts: Set<String> = ["credit_card"]
    /// Provision rate per class.
    public var provisions = ProvisionRates.classic

    /// How many of the largest borrowers the concentration report lists.
    public var topBorrowers = 10
    /// Early-warning thresholds.
    public var watch = WatchRules()
    /// Lower bounds (days past due) of the DPD buckets of roll-rate matrices, ascending, from 0.
    public var dpdBuckets: [Int64] = [0, 1, 31, 61, 91, 181]
    /// Width of the months-on-book buckets of the vintage table.
    public var vintageBucketMonths = 3

    /// The default configuration (Basel 3.1 preset).
    public init() {}

    /// The default configuration with the PD floors and scaling of `preset`.
    public init(preset: IRBPreset) {
        irb = IRBSettings(preset: preset)
    }

    /// The label of DPD bucket `index`, such as "1-30" or "181+".
    public func dpdBucketLabel(_ index: Int) -> String {
        let low = dpdBuckets[index]
        if index + 1 == dpdBuckets.count { return "\(low)+" }
        let high = dpdBuckets[index + 1] - 1
        return low == high ? "\(low)" : "\(low)-\(high)"
    }

    /// The DPD bucket of `days`.
    @inline(__always)
    public func dpdBucket(_ days: Int64) -> Int {
        var bucket = 0
        for (i, low) in dpdBuckets.enumerated() where days >= low { bucket = i }
        return bucket
    }
}
