import Foundation
import PortfolioRisk
import Testing

@Suite("IRB risk-weight functions")
struct IRBTests {
    /// Basel II Annex 5: every transcribed risk weight to 0.01 percentage points (the table's
    /// printed precision; the largest difference seen is about 0.007).
    @Test func reproducesBaselAnnex5Table() throws {
        let (header, rows) = try FixtureFiles.csv("basel2_annex5_risk_weights.csv")
        let columns: [(name: String, assetClass: AssetClass, lgd: Double, sales: Double)] = [
            ("corporate_45", .corporate, 0.45, 50), ("sme_45_s5", .sme, 0.45, 5),
            ("mortgage_45", .mortgage, 0.45, 50), ("mortgage_25", .mortgage, 0.25, 50),
            ("retail_45", .retail, 0.45, 50), ("retail_85", .retail, 0.85, 50),
            ("qrre_45", .revolving, 0.45, 50), ("qrre_85", .revolving, 0.85, 50),
        ]
        var checked = 0
        for row in rows {
            let pd = Double(row[0])! / 100
            for column in columns {
                let text = row[header.firstIndex(of: column.name)!]
                guard let published = Double(text) else { continue }
                let k = IRB.capital(
                    pd: pd, lgd: column.lgd, assetClass: column.assetClass, maturity: 2.5,
                    salesMillions: column.sales)
                let rw = IRB.riskWeight(capital: k) * 100
                #expect(abs(rw - published) <= 0.01, "PD \(row[0]) % \(column.name): \(rw) vs published \(published)")
                checked += 1
            }
        }
        #expect(checked == 106)
    }

    /// Values from scipy (ndtr, ndtri) for maturities, firm sizes and classes off the annex grid,
    /// written by Fixtures/make_fixtures.py.
    @Test func matchesScipyReference() throws {
        let (header, rows) = try FixtureFiles.csv("irb_reference.csv")
        #expect(header == ["asset_class", "pd", "lgd", "maturity", "sales", "k"])
        #expect(rows.count >= 50)
        for row in rows {
            let k = IRB.capital(
                pd: Double(row[1])!, lgd: Double(row[2])!, assetClass: AssetClass(rawValue: row[0])!,
                maturity: Double(row[3])!, salesMillions: Double(row[4])!)
            let expected = Double(row[5])!
            #expect(abs(k - expected) <= 1e-12 + 1e-11 * expected, "\(row): \(k)")
        }
    }

    @Test func scalingFactorAndRiskWeight() {
        let k = IRB.capital(pd: 0.01, lgd: 0.45, assetClass: .corporate)
        #expect(abs(IRB.riskWeight(capital: k, scaling: 1.06) - 1.06 * IRB.riskWeight(capital: k)) < 1e-15)
        #expect(abs(IRB.riskWeight(capital: k) - 0.9232) < 0.0001)
    }

    @Test func maturityAdjustmentIsOneAtTwoAndAHalfYears() {
        let base = IRB.capital(pd: 0.02, lgd: 0.45, assetClass: .corporate, maturity: 2.5)
        let longer = IRB.capital(pd: 0.02, lgd: 0.45, assetClass: .corporate, maturity: 5)
        let b = IRB.maturitySlope(pd: 0.02)
        // K(M) / K(2.5) = 1 + (M - 2.5) b
        #expect(abs(longer / base - (1 + 2.5 * b)) < 1e-13)
        // Retail functions ignore M.
        #expect(
            IRB.capital(pd: 0.02, lgd: 0.45, assetClass: .retail, maturity: 5)
                == IRB.capital(pd: 0.02, lgd: 0.45, assetClass: .retail, maturity: 1))
    }

    @Test func firmSizeAdjustmentIsClampedToFiveAndFifty() {
        #expect(IRB.firmSizeAdjustment(salesMillions: 1) == IRB.firmSizeAdjustment(salesMillions: 5))
        #expect(abs(IRB.firmSizeAdjustment(salesMillions: 5) - 0.04) < 1e-15)
        #expect(IRB.firmSizeAdjustment(salesMillions: 50) == 0)
        #expect(IRB.firmSizeAdjustment(salesMillions: 500) == 0)
        #expect(
            IRB.capital(pd: 0.01, lgd: 0.45, assetClass: .sme, salesMillions: 80)
                == IRB.capital(pd: 0.01, lgd: 0.45, assetClass: .corporate))
    }

    @Test func edgeValuesOfPD() {
        #expect(IRB.capital(pd: 0, lgd: 0.45, assetClass: .corporate) == 0)
        #expect(IRB.capital(pd: 1, lgd: 0.45, assetClass: .retail) == 0)
        #expect(IRB.defaultedCapital(lgd: 0.45, expectedLossBestEstimate: 0.35) == 0.45 - 0.35)
        #expect(IRB.defaultedCapital(lgd: 0.45, expectedLossBestEstimate: 0.5) == 0)
    }

    @Test func presets() {
        let basel2 = IRBSettings(preset: .basel2)
        #expect(basel2.scaling == 1.06)
        #expect(basel2.flooredPD(0.0001, assetClass: .revolving) == 0.0003)
        let basel31 = IRBSettings(preset: .basel31)
        #expect(basel31.scaling == 1.0)
        #expect(basel31.flooredPD(0.0001, assetClass: .corporate) == 0.0005)
        #expect(basel31.flooredPD(0.0001, assetClass: .revolving) == 0.001)
        #expect(basel31.flooredPD(0.2, assetClass: .revolving) == 0.2)
    }
}

@Suite("Tabulated conditional PD")
struct ConditionalPDTableTests {
    /// 200 000 PDs spread log-uniformly over the table's range, per class, against the exact
    /// formula: relative error below 1e-13.
    @Test(arguments: [AssetClass.corporate, .mortgage, .revolving, .retail])
    func matchesExactFormula(assetClass: AssetClass) {
        let table = ConditionalPDTable(assetClass)
        let low = log(ConditionalPDTable.lowPD)
        let high = log(ConditionalPDTable.highPD)
        var worst = 0.0
        let n = 200_000
        for i in 0...n {
            // Irregular spacing so points fall anywhere inside segments, ends included.
            let u = i == n ? 1.0 : (Double(i) + 0.5 * sin(Double(i))) / Double(n)
            let t = low + (high - low) * min(max(u, 0), 1)
            let pd = exp(t)
            let exact = IRB.conditionalPD(pd: pd, assetClass: assetClass)
            let approximate = table.value(logPD: log(pd))
            worst = max(worst, abs(approximate - exact) / exact)
        }
        #expect(worst < 1e-13, "worst relative error \(worst)")
    }
}

@Suite("Tabulated SME conditional PD")
struct SMEConditionalPDTableTests {
    @Test func matchesExactFormula() {
        let table = SMEConditionalPDTable()
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func uniform() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53)
        }
        let low = log(ConditionalPDTable.lowPD)
        let high = log(ConditionalPDTable.highPD)
        var worst = 0.0
        for i in 0..<100_000 {
            let pd = exp(low + (high - low) * uniform())
            let sales = i % 10 == 0 ? [1.0, 5, 49.999, 50][i / 10 % 4] : 5 + 45 * uniform()
            let exact = IRB.conditionalPD(pd: pd, assetClass: .sme, salesMillions: sales)
            let approximate = table.value(logPD: log(pd), salesMillions: sales)
            worst = max(worst, abs(approximate - exact) / exact)
        }
        #expect(worst < 1e-13, "worst relative error \(worst)")
    }
}
