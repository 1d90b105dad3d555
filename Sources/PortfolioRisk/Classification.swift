/// The five-category loan classification, best to worst.
///
/// Source: 商业银行金融资产风险分类办法 (Rules on Risk Classification of Financial Assets of
/// Commercial Banks, CBIRC and PBoC Order 2023 No. 1, in force 1 July 2023), Article 6. The last
/// three classes are non-performing (NPL).
public enum LoanClass: Int, Sendable, CaseIterable, Comparable, Codable {
    case normal = 0
    case specialMention = 1
    case substandard = 2
    case doubtful = 3
    case loss = 4

    /// The label used in loan tapes (`LoanTape.classifications`).
    public var label: String {
        switch self {
        case .normal: return "normal"
        case .specialMention: return "special_mention"
        case .substandard: return "substandard"
        case .doubtful: return "doubtful"
        case .loss: return "loss"
        }
    }

    /// The class with tape label `label`, or nil.
    public init?(label: String) {
        guard let match = LoanClass.allCases.first(where: { $0.label == label }) else { return nil }
        self = match
    }

    /// True for substandard, doubtful and loss: non-performing loans.
    public var isNonPerforming: Bool { self >= .substandard }

    public static func < (lhs: LoanClass, rhs: LoanClass) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The days-past-due floors of the five-category classification: the best class a loan in
/// arrears may have.
///
/// A loan at least `specialMention` days past due is at least special mention, and so on. The
/// 2023 rule (Articles 9–12 of the rules cited at ``LoanClass``): any overdue principal, interest
/// or income makes a loan at least special mention, more than 90 days at least substandard, more
/// than 270 days at least doubtful, more than 360 days loss. Credit cards follow the card rule
/// (商业银行信用卡业务监督管理办法, CBRC Order 2011 No. 2, Article 92): 1–90 days special
/// mention, 91–120 substandard, 121–180 doubtful, over 180 loss.
///
/// ```
/// loans:  dpd ≥ 1 → special_mention,  ≥ 91 → substandard,  ≥ 271 → doubtful,  ≥ 361 → loss
/// cards:  dpd ≥ 1 → special_mention,  ≥ 91 → substandard,  ≥ 121 → doubtful,  ≥ 181 → loss
/// ```
public struct ClassificationFloors: Sendable, Equatable {
    /// The smallest days past due that floors a loan at special mention, substandard, doubtful and
    /// loss, in that order; strictly increasing and at least 1.
    public let minimumDays: [Int64]

    /// Floors from the four thresholds.
    ///
    /// - Precondition: `1 <= specialMention < substandard < doubtful < loss`.
    public init(specialMention: Int64, substandard: Int64, doubtful: Int64, loss: Int64) {
        precondition(
            specialMention >= 1 && specialMention < substandard && substandard < doubtful && doubtful < loss,
            "classification floors must increase from at least 1")
        minimumDays = [specialMention, substandard, doubtful, loss]
    }

    /// The 2023 rule for loans other than credit cards.
    public static let rule2023 = ClassificationFloors(specialMention: 1, substandard: 91, doubtful: 271, loss: 361)

    /// The credit-card rule.
    public static let creditCard = ClassificationFloors(specialMention: 1, substandard: 91, doubtful: 121, loss: 181)

    /// The best class a loan `daysPastDue` days in arrears may have.
    @inline(__always)
    public func floor(daysPastDue: Int64) -> LoanClass {
        LoanClass(rawValue: floorSeverity(daysPastDue: daysPastDue))!
    }

    /// ``floor(daysPastDue:)`` as the class's raw value, 0 to 4.
    @inline(__always)
    public func floorSeverity(daysPastDue dpd: Int64) -> Int {
        var severity = 0
        for threshold in minimumDays where dpd >= threshold { severity += 1 }
        return severity
    }
}

/// Loan-loss provision rates per class, fractions of the balance.
///
/// The default is the classic schedule of the 2002 guideline on loan-loss provisioning
/// (银行贷款损失准备计提指引, PBoC 2002 No. 98, Articles 5–6): general provision 1 % of all
/// loans, specific provisions of 2 % (special mention), 25 % (substandard), 50 % (doubtful) and
/// 100 % (loss). Here the 1 % applies to the normal class so that every class has one rate.
public struct ProvisionRates: Sendable, Equatable {
    /// One rate per class, indexed by `LoanClass.rawValue`.
    public var rates: [Double]

    /// Rates for normal, special mention, substandard, doubtful and loss.
    public init(normal: Double, specialMention: Double, substandard: Double, doubtful: Double, loss: Double) {
        rates = [normal, specialMention, substandard, doubtful, loss]
    }

    /// 1 / 2 / 25 / 50 / 100 %.
    public static let classic = ProvisionRates(
        normal: 0.01, specialMention: 0.02, substandard: 0.25, doubtful: 0.50, loss: 1.00)

    /// The rate of `loanClass`.
    public subscript(loanClass: LoanClass) -> Double { rates[loanClass.rawValue] }
}
