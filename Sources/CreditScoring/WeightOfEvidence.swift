#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Weight of evidence and information value of a binned feature, with additive smoothing
/// towards the overall bad rate so that an empty or one-class bin never yields ±∞.
///
/// With `gᵢ`, `bᵢ` the goods and bads of bin i (k bins), `G = Σgᵢ`, `B = Σbᵢ`, the overall bad
/// rate `p = B / (G + B)` and a smoothing weight `α ≥ 0` (Strata's default 0.5):
///
/// ```
/// g'ᵢ = gᵢ + α(1 − p)        b'ᵢ = bᵢ + α·p             (α pseudo-rows at the overall bad rate)
/// G'  = G + kα(1 − p)        B'  = B + kα·p
/// WoEᵢ = ln( (g'ᵢ / G') / (b'ᵢ / B') )                   (positive: fewer bads than average)
/// IV   = Σᵢ (g'ᵢ / G' − b'ᵢ / B') · WoEᵢ
/// ```
///
/// With α = 0 these are the textbook formulas (N. Siddiqi, *Credit Risk Scorecards*, Wiley 2006,
/// ch. 6; IV after Kullback's divergence, S. Kullback, *Information Theory and Statistics*, 1959).
/// An empty bin gets `WoE = ln(((1−p)/G')/(p/B')) ≈ 0`: no evidence either way, rather than the
/// ±∞ (or the arbitrary ±ln(0.5/…)) of other conventions. Each bin's IV term is non-negative.
public enum WeightOfEvidence {
    /// Strata's default smoothing weight α: half a pseudo-row per bin.
    public static let defaultSmoothing = 0.5

    /// The weight of evidence of each bin.
    ///
    /// - Precondition: `goods.count == bads.count`, counts non-negative, `smoothing >= 0`; with
    ///   `smoothing == 0` every bin must hold goods and bads (else the result is ±∞).
    /// - Returns: one value per bin; all zeros when there are no goods or no bads at all.
    public static func woe(goods: [Int], bads: [Int], smoothing: Double) -> [Double] {
        terms(goods: goods, bads: bads, smoothing: smoothing).woe
    }

    /// The information value `Σ (g'ᵢ/G' − b'ᵢ/B')·WoEᵢ` of the binning.
    public static func informationValue(goods: [Int], bads: [Int], smoothing: Double) -> Double {
        let t = terms(goods: goods, bads: bads, smoothing: smoothing)
        var total = 0.0
        for value in t.iv { total += value }
        return total
    }

    /// WoE and the IV term of each bin (the IV is their sum, added in bin order).
    public static func terms(
        goods: [Int], bads: [Int], smoothing alpha: Double
    ) -> (woe: [Double], iv: [Double]) {
        precondition(goods.count == bads.count, "goods and bads differ in length")
        precondition(alpha >= 0, "smoothing must not be negative")
        let k = goods.count
        var goodTotal = 0
        var badTotal = 0
        for i in 0..<k {
            precondition(goods[i] >= 0 && bads[i] >= 0, "negative count")
            goodTotal += goods[i]
            badTotal += bads[i]
        }
        if goodTotal == 0 || badTotal == 0 {
            return ([Double](repeating: 0, count: k), [Double](repeating: 0, count: k))
        }
        let p = Double(badTotal) / Double(goodTotal + badTotal)
        let goodPrior = alpha * (1 - p)
        let badPrior = alpha * p
        let goodDenominator = Double(goodTotal) + Double(k) * goodPrior
        let badDenominator = Double(badTotal) + Double(k) * badPrior
        var woe = [Double](repeating: 0, count: k)
        var iv = [Double](repeating: 0, count: k)
        for i in 0..<k {
            let goodShare = (Double(goods[i]) + goodPrior) / goodDenominator
            let badShare = (Double(bads[i]) + badPrior) / badDenominator
            let w = log(goodShare / badShare)
            woe[i] = w
            iv[i] = (goodShare - badShare) * w
        }
        return (woe, iv)
    }
}
