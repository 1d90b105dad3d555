/// What a manager needs to know about one segment: size, centre in original units, risk, tier.
public struct SegmentProfile: Sendable, Equatable {
    /// The segment number, 1-based: centroid `segment − 1` of the fit.
    public let segment: Int
    /// Loans in the segment.
    public let loans: Int
    /// `loans / Σ loans` over the clustered loans.
    public let share: Double
    /// The segment's share of the total weight, when the fit was weighted.
    public let weightShare: Double?
    /// The centroid in original units, per feature (`FeatureScaling.original`): for `log1p`
    /// features `exp(mean of log(1 + x)) − 1`, for indicators the share of the level.
    public let centroid: [Double]
    /// The centroid in standardised units.
    public let standardizedCentroid: [Double]
    /// Per feature, how far the centroid lies from the book mean in book standard deviations
    /// (``FeatureScaling/bookDeviation(_:)``).
    public let deviations: [Double]
    /// Mean of the `pd` column, when the input has it.
    public let meanPD: Double?
    /// Mean of the `score` column, when the input has it.
    public let meanScore: Double?
    /// Observed default rate: defaults / loans with a `defaulted_12m` label, when labelled.
    public let defaultRate: Double?
    /// Loans with `defaulted_12m = 1`.
    public let defaults: Int?
    /// Loans with a `defaulted_12m` label.
    public let labelledLoans: Int?
    /// Σ `balance`, when the input has it.
    public let totalBalance: Double?
    /// Σ `ead`, when the input has it.
    public let totalEAD: Double?
    /// Σ `el`, when the input has it.
    public let totalEL: Double?
    /// The risk measure segments were ranked by (see ``SegmentRanking``); lower is better.
    public let riskKey: Double
    /// 1 for the best segment.
    public let rank: Int
    /// The tier, 1 = best.
    public let tier: Int
    /// A short description from the features that most distinguish the segment from the book.
    public let description: String

    /// A profile with every field given.
    public init(
        segment: Int, loans: Int, share: Double, weightShare: Double?, centroid: [Double],
        standardizedCentroid: [Double], deviations: [Double], meanPD: Double?, meanScore: Double?,
        defaultRate: Double?, defaults: Int?, labelledLoans: Int?, totalBalance: Double?, totalEAD: Double?,
        totalEL: Double?, riskKey: Double, rank: Int, tier: Int, description: String
    ) {
        self.segment = segment
        self.loans = loans
        self.share = share
        self.weightShare = weightShare
        self.centroid = centroid
        self.standardizedCentroid = standardizedCentroid
        self.deviations = deviations
        self.meanPD = meanPD
        self.meanScore = meanScore
        self.defaultRate = defaultRate
        self.defaults = defaults
        self.labelledLoans = labelledLoans
        self.totalBalance = totalBalance
        self.totalEAD = totalEAD
        self.totalEL = totalEL
        self.riskKey = riskKey
        self.rank = rank
        self.tier = tier
        self.description = description
    }
}

/// What segments were ranked by, in order of preference: the first one the input allows.
public enum SegmentRanking: String, Sendable, Codable, CaseIterable {
    /// Mean `pd` (scorecard output), lower is better.
    case meanPD = "mean_pd"
    /// Observed `defaulted_12m` rate, lower is better.
    case defaultRate = "default_rate"
    /// Mean `score`, higher is better (the key is its negative).
    case meanScore = "mean_score"
    /// A risk index from the centroid's book deviations on features of known direction
    /// (``SegmentDescriber/riskDirection(of:)``): `Σ_f sign_f · δ_f`, lower is better.
    case featureRiskIndex = "feature_risk_index"
    /// No risk information at all: larger segments first (tiers then carry no risk meaning).
    case size = "size"

    /// A sentence for reports.
    public var explanation: String {
        switch self {
        case .meanPD: return "ranked by mean PD (lowest = Tier 1)"
        case .defaultRate: return "ranked by observed 12-month default rate (lowest = Tier 1)"
        case .meanScore: return "ranked by mean score (highest = Tier 1)"
        case .featureRiskIndex:
            return "no PD, score or default labels: ranked by a feature risk index (sum of signed book deviations)"
        case .size: return "no risk information: ranked by size only, tiers carry no risk meaning"
        }
    }
}
