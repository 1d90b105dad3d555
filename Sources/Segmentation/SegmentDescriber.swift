/// Short readable descriptions of segments ("high income, low DTI, long tenure") and the known
/// risk direction of the canonical loan-tape features.
public enum SegmentDescriber {
    /// Deviations smaller than this (in book standard deviations) are not mentioned.
    public static let threshold = 0.3
    /// Deviations at least this large are called "very".
    public static let strong = 1.5
    /// At most this many features are named.
    public static let maximumTerms = 3

    /// Words for the high and low side of the canonical features.
    static let vocabulary: [String: (high: String, low: String)] = [
        "annual_income": ("high income", "low income"),
        "debt_to_income": ("high DTI", "low DTI"),
        "employment_years": ("long tenure", "short tenure"),
        "credit_history_months": ("long credit history", "short credit history"),
        "age": ("older borrowers", "younger borrowers"),
        "utilization": ("high utilisation", "low utilisation"),
        "balance": ("large balance", "small balance"),
        "principal": ("large loans", "small loans"),
        "credit_limit": ("high limit", "low limit"),
        "interest_rate": ("high rate", "low rate"),
        "term_months": ("long term", "short term"),
        "remaining_months": ("long remaining term", "short remaining term"),
        "delinquencies_2y": ("recent delinquencies", "few delinquencies"),
        "inquiries_6m": ("many inquiries", "few inquiries"),
        "collateral_value": ("high collateral", "low collateral"),
        "days_past_due": ("in arrears", "up to date"),
        "pd": ("high PD", "low PD"),
        "score": ("high score", "low score"),
        "ead": ("high exposure", "low exposure"),
        "el": ("high expected loss", "low expected loss"),
        "ltv": ("high LTV", "low LTV"),
    ]

    /// +1 when a higher value means more credit risk, −1 when it means less, nil when unknown.
    public static func riskDirection(of column: String) -> Double? {
        switch column {
        case "debt_to_income", "utilization", "delinquencies_2y", "inquiries_6m", "days_past_due", "interest_rate",
            "pd", "ltv", "el":
            return 1
        case "annual_income", "employment_years", "credit_history_months", "score":
            return -1
        default:
            return nil
        }
    }

    /// The description of a segment: up to ``maximumTerms`` features with the largest
    /// |deviation| ≥ ``threshold``, largest first, "very" when ≥ ``strong``; indicator features
    /// read "mostly <level>" (share ≥ ½), "more <level>" or "few <level>".
    ///
    /// - Parameters:
    ///   - features: the feature scalings.
    ///   - deviations: the book deviation of each feature.
    ///   - centroid: the centroid in original units (indicator shares).
    public static func describe(features: [FeatureScaling], deviations: [Double], centroid: [Double]) -> String {
        let order = deviations.indices
            .filter { abs(deviations[$0]) >= threshold }
            .sorted {
                abs(deviations[$0]) > abs(deviations[$1]) || (abs(deviations[$0]) == abs(deviations[$1]) && $0 < $1)
            }
        var terms = [String]()
        var usedColumns = Set<String>()
        for f in order where terms.count < maximumTerms {
            let feature = features[f]
            let delta = deviations[f]
            if feature.transform == .indicator {
                let level = (feature.level ?? feature.name).replacingUnderscores()
                let share = centroid[f]
                if delta > 0 {
                    terms.append(share >= 0.5 ? "mostly \(level)" : "more \(level)")
                } else {
                    terms.append(share < 0.05 ? "no \(level)" : "few \(level)")
                }
                continue
            }
            if usedColumns.contains(feature.column) { continue }
            usedColumns.insert(feature.column)
            let words =
                vocabulary[feature.column]
                ?? ("high \(feature.column.replacingUnderscores())", "low \(feature.column.replacingUnderscores())")
            let phrase = delta > 0 ? words.high : words.low
            terms.append(abs(delta) >= strong ? "very \(phrase)" : phrase)
        }
        return terms.isEmpty ? "close to the book average" : terms.joined(separator: ", ")
    }
}

extension String {
    func replacingUnderscores() -> String {
        String(map { $0 == "_" ? " " : $0 })
    }
}
