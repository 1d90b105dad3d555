import StrataKernels

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One generated loan, as numbers and table indices, already rounded to the precision it is
/// written with (money to cents, rates and ratios to 4 decimals, employment years to 1).
struct LoanRecord {
    /// 0-based row (loan) index; the loan id is `row + 1`.
    var row = 0
    /// Row of the customer's first loan; the customer id is `customerRow + 1`.
    var customerRow = 0
    var product = 0
    var region = 0
    var industry = 0
    var originationYear = 1970
    var originationMonth = 1
    var originationDay = 1
    var principal = 0.0
    var balance = 0.0
    var creditLimit = 0.0
    var interestRate = 0.0
    var termMonths = 1
    var remainingMonths = 0
    var annualIncome = 0.0
    var debtToIncome = 0.0
    var employmentYears = 0.0
    var age = 18
    var creditHistoryMonths = 0
    var delinquencies2y = 0
    var inquiries6m = 0
    var utilization = 0.0
    var collateralValue = 0.0
    var daysPastDue = 0
    /// Index into `LoanTape.classifications` (0 normal … 4 loss).
    var classification = 0
    var defaulted = false
    /// The true 12-month default probability the label was drawn from (not written).
    var probabilityOfDefault = 0.0
    /// The latent borrower risk factor (not written).
    var latentRisk = 0.0
}

/// The borrower behind one or more consecutive loans.
struct Borrower {
    var firstRow = 0
    /// True for a small or medium enterprise (its loans are all `sme`; income is revenue).
    var enterprise = false
    /// Latent risk factor, standard normal; higher is riskier.
    var risk = 0.0
    var age = 18
    var region = 0
    var industry = 0
    var income = 0.0
    var debtToIncome = 0.0
    var utilization = 0.0
    var delinquencies2y = 0
    var inquiries6m = 0
    var creditHistoryMonths = 0
    var employmentYears = 0.0
}

/// Lookup tables the sampler needs, built once per generator.
struct SamplerTables: Sendable {
    let productCumulative: [Double]
    /// Product distribution of further loans of an individual (no `sme`).
    let retailProductCumulative: [Double]
    let regionCumulative: [Double]
    let retailIndustryCumulative: [Double]
    let smeIndustryCumulative: [Double]
    let termMonths: [[Int]]
    let termCumulative: [[Double]]
    let regionRisk: [Double]
    let regionPriceLevel: [Double]
    let industryRisk: [Double]
    let industryIncome: [Double]
    let industrySize: [Double]
    let defaultIntercepts: [Double]

    init() {
        let profile = GeneratorProfile.self
        productCumulative = profile.cumulative(profile.productWeights)
        var retail = profile.productWeights
        retail[GeneratorProfile.Product.sme.rawValue] = 0
        retailProductCumulative = profile.cumulative(retail)
        regionCumulative = profile.cumulative(profile.regions.map(\.weight))
        retailIndustryCumulative = profile.cumulative(profile.industries.map(\.retailWeight))
        smeIndustryCumulative = profile.cumulative(profile.industries.map(\.smeWeight))
        termMonths = profile.terms.map { $0.map(\.months) }
        termCumulative = profile.terms.map { profile.cumulative($0.map(\.weight)) }
        regionRisk = profile.regions.map(\.riskOffset)
        regionPriceLevel = profile.regions.map(\.priceLevel)
        industryRisk = profile.industries.map(\.riskOffset)
        industryIncome = profile.industries.map(\.incomeOffset)
        industrySize = profile.industries.map(\.sizeOffset)
        defaultIntercepts = profile.defaultIntercepts
    }
}

/// Draws loans one after another from one random stream (one chunk of the tape).
///
/// The model, in order (docs/methodology/generator.md has the full list of formulas):
/// a new customer (probability 1 − ``continuationProbability``; always on a chunk's first row)
/// gets a latent risk `r ~ N(0, 1)` and borrower attributes driven by it; each loan gets a
/// product, term, amount, rate, seasoning and collateral; the default label is drawn from
///
/// ```
/// logit(PD) = a_product + region + industry + 0.70·(ln DTI − ln 0.3) + 1.05·(utilization − 0.4)
///           + 0.28·min(delinquencies, 4) + 0.085·min(inquiries, 6) − 0.175·(ln(1 + history) − 4.5)
///           − 0.105·(ln(1 + employment years) − 1.7) + 0.0105·max(0, 30 − age)
///           + 1.75·(LTV − 0.6) [secured] + 0.2 [unsecured sme] + 0.4·r
/// ```
///
/// and days past due and the five-category classification are drawn consistent with the label.
struct LoanSampler {
    /// Probability that a loan belongs to the same customer as the loan before it.
    static let continuationProbability = 0.08
    static let lnReferenceIncome = log(110_000.0)
    static let lnReferenceRevenue = log(4_000_000.0)
    static let lnReferenceDTI = log(0.3)
    static let lnAutoDepreciation = log(0.85)

    var random: RandomStream
    let tables: SamplerTables
    /// As-of date as a month count `year × 12 + (month − 1)`.
    let asOfMonthIndex: Int
    /// Origination days are drawn from 1 to this (min(28, as-of day)), so whole months on book
    /// are exactly `term − remaining`.
    let originationDayMax: Int
    var borrower = Borrower()

    init(seed: UInt64, stream: UInt64, asOf: CivilDate, tables: SamplerTables) {
        random = RandomStream(seed: seed, stream: stream)
        self.tables = tables
        asOfMonthIndex = asOf.year * 12 + asOf.month - 1
        originationDayMax = min(28, asOf.day)
    }

    // MARK: draws

    @inline(__always)
    mutating func uniform() -> Double { random.nextUniform() }

    @inline(__always)
    mutating func normal() -> Double { random.nextNormal() }

    /// An index drawn from a cumulative distribution (last entry 1).
    @inline(__always)
    mutating func pick(_ cumulative: [Double]) -> Int {
        let u = uniform()
        var index = 0
        let last = cumulative.count - 1
        while index < last && u > cumulative[index] { index += 1 }
        return index
    }

    /// A Poisson draw with mean `mean` by inversion (one uniform), capped at `cap`.
    @inline(__always)
    mutating func poisson(_ mean: Double, cap: Int) -> Int {
        let u = uniform()
        var term = exp(-mean)
        var total = term
        var k = 0
        while u > total && k < cap {
            k += 1
            term *= mean / Double(k)
            total += term
        }
        return k
    }

    @inline(__always)
    static func clamp(_ value: Double, _ low: Double, _ high: Double) -> Double { min(max(value, low), high) }

    @inline(__always)
    static func roundTo(_ value: Double, _ step: Double) -> Double { (value / step).rounded() * step }

    // MARK: borrower

    mutating func newBorrower(row: Int, enterprise: Bool) {
        var b = Borrower()
        b.firstRow = row
        b.enterprise = enterprise
        let r = normal()
        b.risk = r
        let ageDraw = 18 + 22 * exp(0.42 * (0.95 * normal() - 0.3 * r))
        b.age = Int(LoanSampler.clamp(ageDraw.rounded(), 18, 95))
        b.region = pick(tables.regionCumulative)
        b.industry = pick(enterprise ? tables.smeIndustryCumulative : tables.retailIndustryCumulative)
        let incomeNoise = normal()
        if enterprise {
            let lnRevenue =
                LoanSampler.lnReferenceRevenue + tables.industrySize[b.industry] + 0.9 * incomeNoise
                - 0.2 * r
            b.income = FixedPointFormatter.rounded(LoanSampler.clamp(exp(lnRevenue), 100_000, 5.0e9), decimals: 2)
        } else {
            let lnIncome =
                log(90_000.0) + 0.012 * Double(min(b.age - 18, 30)) + tables.industryIncome[b.industry]
                + 0.55 * incomeNoise - 0.15 * r
            b.income = FixedPointFormatter.rounded(LoanSampler.clamp(exp(lnIncome), 12_000, 2.0e7), decimals: 2)
        }
        let dti = exp(LoanSampler.lnReferenceDTI + 0.22 * r + 0.40 * normal())
        b.debtToIncome = FixedPointFormatter.rounded(LoanSampler.clamp(dti, 0.01, 3.0), decimals: 4)
        let utilization = 1.2 * Normal.cdf(-0.7 + 0.55 * r + 0.85 * normal()) - 0.02
        b.utilization = FixedPointFormatter.rounded(max(0, utilization), decimals: 4)
        b.delinquencies2y = poisson(exp(-2.2 + 0.8 * r), cap: 30)
        b.inquiries6m = poisson(exp(-0.1 + 0.35 * r + 0.4 * normal()), cap: 40)
        let adultMonths = Double((b.age - 18) * 12)
        b.creditHistoryMonths = Int((adultMonths * Normal.cdf(0.8 - 0.35 * r + 0.7 * normal())).rounded(.down))
        let adultYears = Double(b.age - 18)
        b.employmentYears = FixedPointFormatter.rounded(
            adultYears * Normal.cdf(-0.5 - 0.3 * r + 0.8 * normal()), decimals: 1)
        borrower = b
    }

    // MARK: loan

    /// Outstanding balance of an annuity loan after `paid` of `term` monthly payments.
    ///
    /// ```
    /// B_k = P · (g^n − g^k) / (g^n − 1),   g = 1 + rate/12   (P · (1 − k/n) when rate = 0)
    /// ```
    @inline(__always)
    static func amortisedBalance(principal: Double, rate: Double, term: Int, paid: Int) -> Double {
        let i = rate / 12
        if i == 0 { return principal * (1 - Double(paid) / Double(term)) }
        let g = 1 + i
        let gn = pow(g, Double(term))
        let gk = pow(g, Double(paid))
        return principal * (gn - gk) / (gn - 1)
    }

    /// The next loan of the stream; `first` is true on the chunk's first row (a new customer).
    mutating func next(row: Int, first: Bool) -> LoanRecord {
        typealias P = GeneratorProfile.Product
        let continues = !first && uniform() < LoanSampler.continuationProbability
        let product: Int
        if continues {
            product = borrower.enterprise ? P.sme.rawValue : pick(tables.retailProductCumulative)
        } else {
            product = pick(tables.productCumulative)
            newBorrower(row: row, enterprise: product == P.sme.rawValue)
        }
        let b = borrower
        let r = b.risk
        var loan = LoanRecord()
        loan.row = row
        loan.customerRow = b.firstRow
        loan.product = product
        loan.region = b.region
        loan.industry = b.industry
        loan.annualIncome = b.income
        loan.debtToIncome = b.debtToIncome
        loan.employmentYears = b.employmentYears
        loan.age = b.age
        loan.delinquencies2y = b.delinquencies2y
        loan.inquiries6m = b.inquiries6m
        loan.latentRisk = r

        // Term and seasoning: months on book skewed young (u²), at most term − 1 (a performing
        // loan has a payment left), 180 for mortgages, and not before the borrower turned 18.
        let termIndex = pick(tables.termCumulative[product])
        let term = tables.termMonths[product][termIndex]
        let seasonCap = product == P.mortgage.rawValue ? min(term - 1, 180) : term - 1
        let maxOnBook = max(0, min(seasonCap, (b.age - 18) * 12))
        let u = uniform()
        let onBook = min(maxOnBook, Int(Double(maxOnBook + 1) * u * u))
        loan.termMonths = term
        loan.remainingMonths = term - onBook
        let originationMonth = asOfMonthIndex - onBook
        loan.originationYear = originationMonth / 12
        loan.originationMonth = originationMonth % 12 + 1
        loan.originationDay = 1 + min(originationDayMax - 1, Int(uniform() * Double(originationDayMax)))
        loan.creditHistoryMonths = max(b.creditHistoryMonths, onBook)

        // Amount and rate.
        let lnIncomeRatio =
            log(b.income) - (b.enterprise ? LoanSampler.lnReferenceRevenue : LoanSampler.lnReferenceIncome)
        var principal: Double
        var rate: Double
        switch product {
        case P.mortgage.rawValue:
            let ln = log(750_000.0 * tables.regionPriceLevel[b.region]) + 0.6 * lnIncomeRatio + 0.4 * normal()
            principal = LoanSampler.roundTo(LoanSampler.clamp(exp(ln), 100_000, 3.0e7), 1000)
            rate = LoanSampler.clamp(0.036 + 0.003 * r + 0.003 * normal(), 0.028, 0.065)
        case P.consumer.rawValue:
            let ln = log(40_000.0) + 0.6 * lnIncomeRatio + 0.7 * normal()
            principal = LoanSampler.roundTo(LoanSampler.clamp(exp(ln), 1000, 1.0e6), 100)
            rate = LoanSampler.clamp(0.09 + 0.025 * r + 0.025 * normal(), 0.035, 0.24)
        case P.creditCard.rawValue:
            let ln = log(30_000.0) + 0.7 * lnIncomeRatio - 0.1 * r + 0.5 * normal()
            principal = LoanSampler.roundTo(LoanSampler.clamp(exp(ln), 1000, 1.0e6), 1000)
            rate = uniform() < 0.65 ? 0.1825 : LoanSampler.clamp(0.13 + 0.01 * r + 0.025 * normal(), 0.06, 0.1825)
        case P.auto.rawValue:
            let ln = log(120_000.0) + 0.5 * lnIncomeRatio + 0.45 * normal()
            principal = LoanSampler.roundTo(LoanSampler.clamp(exp(ln), 20_000, 3.0e6), 1000)
            rate = LoanSampler.clamp(0.05 + 0.01 * r + 0.01 * normal(), 0.025, 0.12)
        default:  // sme
            let ln = log(1_200_000.0) + tables.industrySize[b.industry] + 0.5 * lnIncomeRatio + 0.8 * normal()
            principal = LoanSampler.roundTo(LoanSampler.clamp(exp(ln), 50_000, 2.0e8), 1000)
            rate = LoanSampler.clamp(0.045 + 0.008 * r + 0.008 * normal(), 0.03, 0.12)
        }
        rate = FixedPointFormatter.rounded(rate, decimals: 4)
        loan.principal = principal
        loan.creditLimit = principal
        loan.interestRate = rate

        // Scheduled balance (all payments made so far) and collateral.
        let isCard = product == P.creditCard.rawValue
        let isBullet = product == P.sme.rawValue && term <= 12
        var cardUtilization = min(b.utilization, 0.98)
        let scheduled: Double
        if isCard {
            scheduled = FixedPointFormatter.rounded(principal * cardUtilization, decimals: 2)
        } else if isBullet {
            scheduled = principal
        } else {
            scheduled = LoanSampler.amortisedBalance(principal: principal, rate: rate, term: term, paid: onBook)
        }
        var collateral = 0.0
        let years = Double(onBook) / 12
        switch product {
        case P.mortgage.rawValue:
            let originalLTV = LoanSampler.clamp(0.68 + 0.09 * normal(), 0.35, 0.80)
            let growth = LoanSampler.clamp(0.04 * normal(), -0.10, 0.10)
            collateral = LoanSampler.roundTo(principal / originalLTV * exp(growth * years), 100)
        case P.auto.rawValue:
            let originalLTV = LoanSampler.clamp(0.70 + 0.10 * normal(), 0.30, 0.90)
            collateral = LoanSampler.roundTo(
                principal / originalLTV * exp(LoanSampler.lnAutoDepreciation * years), 100)
        case P.sme.rawValue:
            if uniform() < 0.55 {
                let originalLTV = LoanSampler.clamp(0.55 + 0.12 * normal(), 0.25, 0.85)
                collateral = LoanSampler.roundTo(principal / originalLTV, 100)
            }
        default:
            break
        }
        loan.collateralValue = collateral

        // The default label from the true model.
        var logit = tables.defaultIntercepts[product] + tables.regionRisk[b.region] + tables.industryRisk[b.industry]
        logit += 0.70 * (log(b.debtToIncome) - LoanSampler.lnReferenceDTI)
        logit += 1.05 * (b.utilization - 0.4)
        logit += 0.28 * Double(min(b.delinquencies2y, 4)) + 0.085 * Double(min(b.inquiries6m, 6))
        logit -= 0.175 * (log(1 + Double(loan.creditHistoryMonths)) - 4.5)
        logit -= 0.105 * (log(1 + b.employmentYears) - 1.7)
        logit += 0.0105 * Double(max(0, 30 - b.age))
        if collateral > 0 {
            logit += 1.75 * (scheduled / collateral - 0.6)
        } else if product == P.sme.rawValue {
            logit += 0.2
        }
        logit += 0.4 * r
        let pd = 1 / (1 + exp(-logit))
        let defaulted = uniform() < pd
        loan.probabilityOfDefault = pd
        loan.defaulted = defaulted

        // Days past due now, consistent with the label: more than 90 only for loans that default
        // (they are in default already); 1 to 90 much more often for them; never more than the
        // loan's age allows (the first payment falls due a month after origination).
        let v = uniform()
        var dpd = 0
        if defaulted {
            if v < 0.35 {
                dpd = 0
            } else if v < 0.47 {
                dpd = 1 + Int(uniform() * 30)
            } else if v < 0.55 {
                dpd = 31 + Int(uniform() * 30)
            } else if v < 0.63 {
                dpd = 61 + Int(uniform() * 30)
            } else if v < 0.80 {
                dpd = 91 + Int(uniform() * 90)
            } else if v < 0.92 {
                dpd = 181 + Int(uniform() * 180)
            } else {
                dpd = 361 + Int(uniform() * 360)
            }
        } else if v < 0.35 * pd {
            dpd = 1 + Int(uniform() * 30)
        } else if v < 0.45 * pd {
            dpd = 31 + Int(uniform() * 30)
        } else if v < 0.5 * pd {
            dpd = 61 + Int(uniform() * 30)
        }
        dpd = min(dpd, max(0, (onBook - 1) * 28))
        loan.daysPastDue = dpd

        // Balance: missed instalments stay outstanding; a card in arrears is mostly drawn.
        if isCard {
            if dpd > 0 { cardUtilization = min(0.98, max(cardUtilization, 0.6 + 0.35 * uniform())) }
            loan.balance = FixedPointFormatter.rounded(principal * cardUtilization, decimals: 2)
            loan.utilization = FixedPointFormatter.rounded(loan.balance / principal, decimals: 4)
        } else {
            let missed = dpd > 0 ? min(onBook, (dpd + 29) / 30) : 0
            let balance =
                isBullet
                ? principal
                : LoanSampler.amortisedBalance(principal: principal, rate: rate, term: term, paid: onBook - missed)
            loan.balance = FixedPointFormatter.rounded(balance, decimals: 2)
            loan.utilization = b.utilization
        }

        // Five-category classification: the DPD rule (cards on their own scale), plus a small
        // risk-driven share of current loans in special mention for other weaknesses.
        if dpd == 0 {
            let specialMention = defaulted ? 0.12 : min(0.05, 0.2 * pd)
            loan.classification = uniform() < specialMention ? 1 : 0
        } else {
            loan.classification = LoanSampler.classification(daysPastDue: dpd, creditCard: isCard)
        }
        return loan
    }

    /// The classification the generator gives a loan in arrears.
    ///
    /// ```
    /// loans:  1–90 special_mention, 91–180 substandard, 181–360 doubtful, > 360 loss
    /// cards:  1–90 special_mention, 91–120 substandard, 121–180 doubtful, > 180 loss
    /// ```
    static func classification(daysPastDue dpd: Int, creditCard: Bool) -> Int {
        if dpd <= 0 { return 0 }
        if dpd <= 90 { return 1 }
        if creditCard { return dpd <= 120 ? 2 : dpd <= 180 ? 3 : 4 }
        return dpd <= 180 ? 2 : dpd <= 360 ? 3 : 4
    }
}
