/// The fixed tables behind ``LoanTapeGenerator``: regions, industries, products and their
/// profiles (shares, terms, amounts, rates, risk offsets).
///
/// Every number here is an assumption chosen to make a plausible Chinese retail and small-business
/// book, not an estimate from data. docs/methodology/generator.md explains each choice.
enum GeneratorProfile {
    /// One province-level region.
    struct Region {
        /// Pinyin name without spaces (no CSV quoting needed).
        let name: String
        /// Relative share of borrowers: roughly the region's 2023 GDP in trillion yuan.
        let weight: Double
        /// Added to the default log-odds (north-east and west riskier, the big coastal cities safer).
        let riskOffset: Double
        /// Multiplier on mortgage amounts (house price level).
        let priceLevel: Double
    }

    /// One industry: a GB/T 4754-2017 section (A to S; T, international organisations, left out)
    /// plus `other`.
    struct Industry {
        /// Lower snake case name.
        let name: String
        /// Relative share among individual borrowers (the employer's sector).
        let retailWeight: Double
        /// Relative share among small and medium enterprises.
        let smeWeight: Double
        /// Added to the default log-odds.
        let riskOffset: Double
        /// Added to the log of individual income.
        let incomeOffset: Double
        /// Added to the log of an enterprise's revenue and of its loan amounts.
        let sizeOffset: Double
    }

    static let regions: [Region] = [
        Region(name: "Guangdong", weight: 13.57, riskOffset: 0.00, priceLevel: 1.35),
        Region(name: "Jiangsu", weight: 12.82, riskOffset: -0.10, priceLevel: 1.20),
        Region(name: "Shandong", weight: 9.21, riskOffset: 0.00, priceLevel: 0.90),
        Region(name: "Zhejiang", weight: 8.26, riskOffset: -0.15, priceLevel: 1.35),
        Region(name: "Sichuan", weight: 6.01, riskOffset: 0.05, priceLevel: 0.85),
        Region(name: "Henan", weight: 5.91, riskOffset: 0.05, priceLevel: 0.75),
        Region(name: "Hubei", weight: 5.58, riskOffset: 0.00, priceLevel: 0.85),
        Region(name: "Fujian", weight: 5.44, riskOffset: -0.05, priceLevel: 1.10),
        Region(name: "Hunan", weight: 5.00, riskOffset: 0.05, priceLevel: 0.75),
        Region(name: "Shanghai", weight: 4.72, riskOffset: -0.25, priceLevel: 2.30),
        Region(name: "Anhui", weight: 4.71, riskOffset: 0.00, priceLevel: 0.85),
        Region(name: "Hebei", weight: 4.39, riskOffset: 0.05, priceLevel: 0.80),
        Region(name: "Beijing", weight: 4.38, riskOffset: -0.25, priceLevel: 2.40),
        Region(name: "Shaanxi", weight: 3.38, riskOffset: 0.05, priceLevel: 0.85),
        Region(name: "Jiangxi", weight: 3.22, riskOffset: 0.05, priceLevel: 0.75),
        Region(name: "Liaoning", weight: 3.02, riskOffset: 0.25, priceLevel: 0.75),
        Region(name: "Chongqing", weight: 3.01, riskOffset: 0.05, priceLevel: 0.80),
        Region(name: "Yunnan", weight: 3.00, riskOffset: 0.15, priceLevel: 0.75),
        Region(name: "Guangxi", weight: 2.72, riskOffset: 0.15, priceLevel: 0.70),
        Region(name: "Shanxi", weight: 2.57, riskOffset: 0.10, priceLevel: 0.70),
        Region(name: "Neimenggu", weight: 2.46, riskOffset: 0.20, priceLevel: 0.65),
        Region(name: "Guizhou", weight: 2.09, riskOffset: 0.25, priceLevel: 0.65),
        Region(name: "Xinjiang", weight: 1.91, riskOffset: 0.10, priceLevel: 0.70),
        Region(name: "Tianjin", weight: 1.67, riskOffset: 0.10, priceLevel: 1.10),
        Region(name: "Heilongjiang", weight: 1.59, riskOffset: 0.30, priceLevel: 0.60),
        Region(name: "Jilin", weight: 1.35, riskOffset: 0.30, priceLevel: 0.60),
        Region(name: "Gansu", weight: 1.18, riskOffset: 0.20, priceLevel: 0.60),
        Region(name: "Hainan", weight: 0.76, riskOffset: 0.10, priceLevel: 1.10),
        Region(name: "Ningxia", weight: 0.53, riskOffset: 0.10, priceLevel: 0.60),
        Region(name: "Qinghai", weight: 0.38, riskOffset: 0.20, priceLevel: 0.60),
        Region(name: "Xizang", weight: 0.24, riskOffset: 0.10, priceLevel: 0.70),
    ]

    static let industries: [Industry] = [
        Industry(
            name: "agriculture", retailWeight: 4, smeWeight: 6, riskOffset: 0.25, incomeOffset: -0.30,
            sizeOffset: -0.30),
        Industry(
            name: "mining", retailWeight: 1, smeWeight: 1.5, riskOffset: 0.20, incomeOffset: 0.05,
            sizeOffset: 0.50),
        Industry(
            name: "manufacturing", retailWeight: 16, smeWeight: 24, riskOffset: 0.05, incomeOffset: 0.00,
            sizeOffset: 0.30),
        Industry(
            name: "utilities", retailWeight: 2, smeWeight: 1, riskOffset: -0.25, incomeOffset: 0.10,
            sizeOffset: 0.60),
        Industry(
            name: "construction", retailWeight: 7, smeWeight: 10, riskOffset: 0.35, incomeOffset: -0.05,
            sizeOffset: 0.40),
        Industry(
            name: "wholesale_retail", retailWeight: 12, smeWeight: 25, riskOffset: 0.10, incomeOffset: -0.10,
            sizeOffset: -0.10),
        Industry(
            name: "transport_logistics", retailWeight: 5, smeWeight: 6, riskOffset: 0.10, incomeOffset: 0.00,
            sizeOffset: 0.00),
        Industry(
            name: "hospitality_catering", retailWeight: 5, smeWeight: 8, riskOffset: 0.30, incomeOffset: -0.25,
            sizeOffset: -0.40),
        Industry(
            name: "information_technology", retailWeight: 6, smeWeight: 4, riskOffset: -0.05, incomeOffset: 0.35,
            sizeOffset: 0.00),
        Industry(
            name: "finance", retailWeight: 4, smeWeight: 0.5, riskOffset: -0.20, incomeOffset: 0.35,
            sizeOffset: 0.30),
        Industry(
            name: "real_estate", retailWeight: 3, smeWeight: 4, riskOffset: 0.40, incomeOffset: 0.10,
            sizeOffset: 0.70),
        Industry(
            name: "business_services", retailWeight: 5, smeWeight: 5, riskOffset: 0.05, incomeOffset: 0.00,
            sizeOffset: -0.10),
        Industry(
            name: "scientific_research", retailWeight: 2, smeWeight: 1.5, riskOffset: -0.15, incomeOffset: 0.25,
            sizeOffset: 0.00),
        Industry(
            name: "environment_public_facilities", retailWeight: 1, smeWeight: 0.5, riskOffset: -0.10,
            incomeOffset: 0.00, sizeOffset: 0.30),
        Industry(
            name: "resident_services", retailWeight: 5, smeWeight: 4, riskOffset: 0.20, incomeOffset: -0.25,
            sizeOffset: -0.50),
        Industry(
            name: "education", retailWeight: 6, smeWeight: 1, riskOffset: -0.20, incomeOffset: 0.05,
            sizeOffset: -0.30),
        Industry(
            name: "health_social_work", retailWeight: 4, smeWeight: 1, riskOffset: -0.15, incomeOffset: 0.10,
            sizeOffset: -0.10),
        Industry(
            name: "culture_entertainment", retailWeight: 2, smeWeight: 1.5, riskOffset: 0.20, incomeOffset: 0.00,
            sizeOffset: -0.20),
        Industry(
            name: "public_administration", retailWeight: 7, smeWeight: 0, riskOffset: -0.35, incomeOffset: 0.05,
            sizeOffset: 0.00),
        Industry(
            name: "other", retailWeight: 5, smeWeight: 1, riskOffset: 0.15, incomeOffset: -0.20,
            sizeOffset: -0.30),
    ]

    /// Product indices, in the order of `LoanTape.products`.
    enum Product: Int {
        case mortgage = 0
        case consumer = 1
        case creditCard = 2
        case auto = 3
        case sme = 4
    }

    /// Share of new customers whose first loan is each product (mortgage, consumer, credit_card,
    /// auto, sme).
    static let productWeights: [Double] = [0.22, 0.25, 0.35, 0.12, 0.06]

    /// Contractual terms in months and their weights, per product.
    static let terms: [[(months: Int, weight: Double)]] = [
        [(240, 0.25), (300, 0.15), (360, 0.60)],
        [(12, 0.30), (24, 0.25), (36, 0.35), (60, 0.10)],
        [(12, 0.25), (36, 0.75)],
        [(36, 0.45), (48, 0.15), (60, 0.40)],
        [(12, 0.50), (24, 0.15), (36, 0.25), (60, 0.10)],
    ]

    /// Default log-odds intercept per product, calibrated so the overall 12-month bad rate is about
    /// 5 % (mortgage lowest, cards and consumer loans highest).
    static let defaultIntercepts: [Double] = [-4.50, -3.30, -3.05, -3.65, -3.35]

    /// Cumulative distribution of `weights` (last entry exactly 1).
    static func cumulative(_ weights: [Double]) -> [Double] {
        let total = weights.reduce(0, +)
        var running = 0.0
        var result = weights.map { weight -> Double in
            running += weight
            return running / total
        }
        if !result.isEmpty { result[result.count - 1] = 1 }
        return result
    }
}
