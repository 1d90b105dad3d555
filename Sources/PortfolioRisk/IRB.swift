import StrataKernels

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The IRB asset class of an exposure, which picks its risk-weight function.
public enum AssetClass: String, Sendable, CaseIterable, Codable {
    /// Corporate exposure (Basel II ¶272, CRE31.5), with the maturity adjustment.
    case corporate
    /// Corporate exposure to an SME: the corporate function with the firm-size adjustment
    /// (Basel II ¶273, CRE31.8), for reported sales between €5M and €50M.
    case sme
    /// Retail exposure secured by residential real estate, R = 0.15 (Basel II ¶328, CRE31.14).
    case mortgage
    /// Qualifying revolving retail exposure, R = 0.04 (Basel II ¶329, CRE31.15).
    case revolving
    /// Other retail exposure, R between 0.03 and 0.16 by PD (Basel II ¶330, CRE31.16).
    case retail

    /// True for the corporate functions, which carry a maturity adjustment.
    public var hasMaturityAdjustment: Bool { self == .corporate || self == .sme }
}

/// Which edition of the Basel framework sets the PD floors and the scaling factor.
public enum IRBPreset: String, Sendable, CaseIterable, Codable {
    /// Basel II (June 2006): PD floor 0.03 % for every class (¶285, ¶331) and the 1.06 scaling
    /// factor on IRB credit risk-weighted assets (¶44).
    case basel2
    /// Basel III final ("Basel 3.1", CRE30–36 as of 2023): PD floor 0.05 % (CRE32.4, CRE32.58),
    /// 0.10 % for QRRE revolvers (CRE32.58), no 1.06 scaling factor.
    case basel31
}

/// The Basel IRB risk-weight functions for one exposure.
///
/// With `G = Φ⁻¹` and `N = Φ` (``Normal``), PD and LGD as fractions and M in years:
///
/// ```
/// corporate (¶272, CRE31.5):
///   w = (1 − e^(−50·PD)) / (1 − e^(−50))
///   R = 0.12·w + 0.24·(1 − w)                      − 0.04·(1 − (S − 5)/45)   for SMEs (¶273, CRE31.8)
///   b = (0.11852 − 0.05478·ln PD)²
///   K = [LGD·N((G(PD) + √R·G(0.999)) / √(1 − R)) − PD·LGD] · (1 + (M − 2.5)·b) / (1 − 1.5·b)
/// residential mortgage (¶328, CRE31.14):  R = 0.15, K without maturity adjustment
/// qualifying revolving (¶329, CRE31.15):  R = 0.04
/// other retail (¶330, CRE31.16):          w = (1 − e^(−35·PD)) / (1 − e^(−35)),  R = 0.03·w + 0.16·(1 − w)
/// defaulted (PD = 1, ¶272/¶328, CRE31.3): K = max(0, LGD − EL_BE)
/// risk weight:                             RW = 12.5 · K · scaling,   RWA = RW · EAD
/// ```
///
/// S is annual sales in millions of euros, clamped to [5, 50]; at 50 and above the adjustment is
/// zero. All functions are pure and allocation-free; they are safe to call from any thread.
public enum IRB {
    /// `G(0.999)`, the 99.9 % quantile of the standard normal distribution.
    public static let quantile999 = Normal.quantile(0.999)

    /// The asset correlation `R`.
    ///
    /// - Parameters:
    ///   - pd: the probability of default, a fraction in (0, 1].
    ///   - salesMillions: annual sales in millions of euros, used for ``AssetClass/sme`` only.
    public static func correlation(_ assetClass: AssetClass, pd: Double, salesMillions: Double = 50) -> Double {
        switch assetClass {
        case .corporate, .sme:
            let w = -expm1(-50 * pd) / -expm1(-50)
            var r = 0.12 * w + 0.24 * (1 - w)
            if assetClass == .sme { r -= firmSizeAdjustment(salesMillions: salesMillions) }
            return r
        case .mortgage: return 0.15
        case .revolving: return 0.04
        case .retail:
            let w = -expm1(-35 * pd) / -expm1(-35)
            return 0.03 * w + 0.16 * (1 - w)
        }
    }

    /// The SME firm-size adjustment to the correlation, `0.04 · (1 − (S − 5)/45)` with S clamped
    /// to [5, 50] (Basel II ¶273, CRE31.8); zero for sales of €50M and above.
    public static func firmSizeAdjustment(salesMillions: Double) -> Double {
        let s = min(max(salesMillions.isNaN ? 50 : salesMillions, 5), 50)
        return 0.04 * (1 - (s - 5) / 45)
    }

    /// The maturity adjustment slope `b = (0.11852 − 0.05478 · ln PD)²` (Basel II ¶272, CRE31.5).
    public static func maturitySlope(pd: Double) -> Double {
        let t = 0.11852 - 0.05478 * log(pd)
        return t * t
    }

    /// The conditional PD at the 99.9 % systematic quantile,
    /// `N((G(PD) + √R·G(0.999)) / √(1 − R))`, the first term of K.
    public static func conditionalPD(pd: Double, assetClass: AssetClass, salesMillions: Double = 50) -> Double {
        if pd <= 0 { return 0 }
        if pd >= 1 { return 1 }
        let r = correlation(assetClass, pd: pd, salesMillions: salesMillions)
        return Normal.cdf((Normal.quantile(pd) + r.squareRoot() * quantile999) / (1 - r).squareRoot())
    }

    /// The capital requirement `K` of an exposure that is not in default, before the scaling
    /// factor, as a fraction of EAD.
    ///
    /// PD is used as given: apply floors first (``IRBSettings/flooredPD(_:assetClass:)``). PD = 0
    /// gives 0; PD = 1 gives the non-defaulted formula's limit, 0 (use
    /// ``defaultedCapital(lgd:expectedLossBestEstimate:)`` for defaulted exposures).
    ///
    /// - Parameters:
    ///   - pd: probability of default, a fraction in [0, 1].
    ///   - lgd: loss given default, a fraction.
    ///   - maturity: effective maturity M in years (corporate and SME only; 2.5 gives no adjustment).
    ///   - salesMillions: annual sales in millions of euros (SME only).
    public static func capital(
        pd: Double, lgd: Double, assetClass: AssetClass, maturity: Double = 2.5, salesMillions: Double = 50
    ) -> Double {
        if pd <= 0 || pd >= 1 { return 0 }
        var k = lgd * (conditionalPD(pd: pd, assetClass: assetClass, salesMillions: salesMillions) - pd)
        if assetClass.hasMaturityAdjustment {
            let b = maturitySlope(pd: pd)
            k *= (1 + (maturity - 2.5) * b) / (1 - 1.5 * b)
        }
        return k
    }

    /// The capital requirement of a defaulted exposure, `max(0, LGD − EL_BE)` (Basel II ¶272,
    /// ¶328–330; CRE31.3), where `EL_BE` is the bank's best estimate of expected loss.
    public static func defaultedCapital(lgd: Double, expectedLossBestEstimate: Double) -> Double {
        max(0, lgd - expectedLossBestEstimate)
    }

    /// The risk weight `RW = 12.5 · K · scaling` as a fraction (1.0 = 100 %).
    public static func riskWeight(capital k: Double, scaling: Double = 1) -> Double { 12.5 * k * scaling }
}

/// PD floors, the scaling factor and the defaulted-exposure treatment for IRB capital.
public struct IRBSettings: Sendable, Equatable {
    /// The preset these settings started from.
    public var preset: IRBPreset
    /// The PD floor per asset class, a fraction.
    public var pdFloors: [AssetClass: Double]
    /// The multiplier on IRB risk-weighted assets: 1.06 under Basel II (¶44), 1 under Basel 3.1.
    public var scaling: Double

    /// The settings of a preset.
    ///
    /// ```
    /// basel2:  PD floor 0.0003 for all classes (¶285, ¶331), scaling 1.06 (¶44)
    /// basel31: PD floor 0.0005 (CRE32.4, CRE32.58), 0.0010 for revolving (QRRE revolvers,
    ///          CRE32.58), scaling 1.0
    /// ```
    public init(preset: IRBPreset) {
        self.preset = preset
        switch preset {
        case .basel2:
            pdFloors = Dictionary(uniqueKeysWithValues: AssetClass.allCases.map { ($0, 0.0003) })
            scaling = 1.06
        case .basel31:
            pdFloors = Dictionary(uniqueKeysWithValues: AssetClass.allCases.map { ($0, 0.0005) })
            pdFloors[.revolving] = 0.001
            scaling = 1.0
        }
    }

    /// `max(pd, floor)` for the asset class; PD = 1 (default) is left as is.
    public func flooredPD(_ pd: Double, assetClass: AssetClass) -> Double {
        max(pd, pdFloors[assetClass] ?? 0)
    }
}
