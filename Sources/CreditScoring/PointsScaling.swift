#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How log-odds become score points: `pdo` points double the good:bad odds, and a score of
/// `baseScore` means good:bad odds of `baseOdds` to 1.
///
/// With `odds` the bad:good odds `p / (1 − p)` of the model (so `ln(odds) = η`, the linear predictor):
///
/// ```
/// factor = PDO / ln 2
/// offset = baseScore − factor · ln(baseOdds)          (baseOdds as good:bad)
/// score  = offset − factor · ln(odds) = offset − factor · η
/// η      = (offset − score) / factor,   pd = 1 / (1 + e^(−η))
/// ```
///
/// Points per bin, for a model `η = β₀ + Σⱼ βⱼ·WoEⱼ` over m features:
///
/// ```
/// pointsⱼ(bin) = −factor · βⱼ · WoEⱼ(bin) + (offset − factor · β₀) / m
/// score        = Σⱼ pointsⱼ(binⱼ)
/// ```
///
/// Source: N. Siddiqi, *Credit Risk Scorecards* (Wiley, 2006), ch. 6, "Scaling"; the intercept is
/// spread evenly over the features as in Siddiqi's points allocation. Strata's defaults: PDO 20,
/// base score 600 at good:bad odds 50:1.
public struct PointsScaling: Sendable, Codable, Equatable {
    /// Points that double the good:bad odds.
    public var pdo: Double
    /// The score at `baseOdds`.
    public var baseScore: Double
    /// Good:bad odds at `baseScore` (50 means 50 goods per bad).
    public var baseOdds: Double

    /// Strata's defaults: 20 points double the odds; 600 points at 50:1.
    public static let standard = PointsScaling(pdo: 20, baseScore: 600, baseOdds: 50)

    /// A scaling; `pdo` and `baseOdds` must be positive and finite (checked by ``validate()``).
    public init(pdo: Double, baseScore: Double, baseOdds: Double) {
        self.pdo = pdo
        self.baseScore = baseScore
        self.baseOdds = baseOdds
    }

    /// `PDO / ln 2`.
    public var factor: Double { pdo / log(2.0) }

    /// `baseScore − factor · ln(baseOdds)`: at bad:good odds `1/baseOdds`, `offset − factor·ln(odds)`
    /// is `baseScore`.
    public var offset: Double { baseScore - factor * log(baseOdds) }

    /// Throws ``ScorecardError/option(name:reason:)`` for a non-positive or non-finite parameter.
    public func validate() throws(ScorecardError) {
        guard pdo.isFinite && pdo > 0 else {
            throw .option(name: "pdo", reason: "must be a positive number, got \(pdo)")
        }
        guard baseOdds.isFinite && baseOdds > 0 else {
            throw .option(name: "base-odds", reason: "must be positive good:bad odds such as 50, got \(baseOdds)")
        }
        guard baseScore.isFinite else { throw .option(name: "base-score", reason: "must be a finite number") }
    }

    /// The score of a linear predictor `η = ln(bad:good odds)`.
    public func score(logOdds eta: Double) -> Double { offset - factor * eta }

    /// The PD a score stands for: `1 / (1 + e^(−(offset − score)/factor))`.
    @inline(__always)
    public func pd(score: Double) -> Double {
        Self.pd(score: score, offset: offset, factor: factor)
    }

    /// ``pd(score:)`` with `offset` and `factor` computed once by the caller (the scoring loop).
    @inline(__always)
    static func pd(score: Double, offset: Double, factor: Double) -> Double {
        let eta = (offset - score) / factor
        return 1 / (1 + exp(-eta))
    }
}

/// A master scale: PD bands mapped to rating grades, best grade first.
///
/// Grade `k` holds PDs in `(upperBounds[k−1], upperBounds[k]]` (the first from 0, the last up to 1).
/// Strata's default is geometric: ten grades whose upper PD bounds double from 0.1 %:
///
/// ```
/// upperₖ = 0.001 · 2^(k−1),  k = 1 … 9;   upper₁₀ = 1
/// → 0.1 %, 0.2 %, 0.4 %, 0.8 %, 1.6 %, 3.2 %, 6.4 %, 12.8 %, 25.6 %, 100 %
/// ```
///
/// A geometric scale keeps the ratio of PDs between neighbouring grades constant (here 2), the
/// usual shape of a bank master scale; the bounds themselves are Strata's choice, not a
/// regulatory table, and can be replaced (`--grade-bounds`, `--grade-labels`).
public struct MasterScale: Sendable, Codable, Equatable {
    /// The grade names, best first.
    public var labels: [String]
    /// The upper PD bound of each grade, strictly increasing, the last equal to 1.
    public var upperBounds: [Double]

    /// The documented default scale of ten grades `G01` … `G10`.
    public static let standard: MasterScale = {
        var bounds = (0..<9).map { 0.001 * Double(1 << $0) }
        bounds.append(1)
        return MasterScale(labels: (1...10).map { $0 < 10 ? "G0\($0)" : "G\($0)" }, upperBounds: bounds)
    }()

    /// A scale; see ``validated(labels:upperBounds:)`` for a checked one.
    public init(labels: [String], upperBounds: [Double]) {
        self.labels = labels
        self.upperBounds = upperBounds
    }

    /// A checked scale from upper bounds (1 is appended when the last bound is below 1) and
    /// optional labels (default `G01`, `G02`, …).
    ///
    /// - Throws: ``ScorecardError/option(name:reason:)`` when bounds are not strictly increasing in
    ///   (0, 1] or the label count does not match.
    public static func validated(labels: [String]?, upperBounds: [Double]) throws(ScorecardError) -> MasterScale {
        var bounds = upperBounds
        if bounds.last.map({ $0 < 1 }) ?? true { bounds.append(1) }
        for (i, b) in bounds.enumerated() {
            guard b > 0 && b <= 1 && (i == 0 || b > bounds[i - 1]) else {
                throw .option(
                    name: "grade-bounds", reason: "PD bounds must rise strictly within (0, 1], got \(upperBounds)")
            }
        }
        let names = labels ?? (1...bounds.count).map { $0 < 10 ? "G0\($0)" : "G\($0)" }
        guard names.count == bounds.count else {
            throw .option(
                name: "grade-labels",
                reason: "\(names.count) labels for \(bounds.count) grades (bounds plus the last one at 1)")
        }
        guard Set(names).count == names.count else {
            throw .option(name: "grade-labels", reason: "labels must be distinct")
        }
        return MasterScale(labels: names, upperBounds: bounds)
    }

    /// The index of the grade of `pd` (the first whose upper bound is at least `pd`).
    @inline(__always)
    public func grade(pd: Double) -> Int {
        var k = 0
        let last = upperBounds.count - 1
        while k < last && pd > upperBounds[k] { k += 1 }
        return k
    }
}
