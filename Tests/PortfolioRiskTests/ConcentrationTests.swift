import Foundation
import PortfolioRisk
import Testing

@Suite("Concentration: HHI, top shares, Gini")
struct ConcentrationTests {
    /// Against pandas (Fixtures/make_fixtures.py; Gini there by mean absolute difference).
    @Test func matchesPandasReference() throws {
        let expected =
            try JSONSerialization.jsonObject(with: Data(FixtureFiles.text("concentration_expected.json").utf8))
            as! [[String: Any]]
        let measures = try RiskEngine().concentration(TestTapes.a)
        #expect(measures.map(\.dimension) == ["customer_id", "industry", "region"])
        for (measure, reference) in zip(measures, expected) {
            #expect(measure.dimension == reference["dimension"] as! String)
            #expect(measure.names == reference["names"] as! Int)
            #expect(measure.totalExposure == Int64(reference["total_cents"] as! Int))
            for (value, key) in [
                (measure.hhi, "hhi"), (measure.normalizedHHI, "hhi_normalised"), (measure.top10Share, "top10_share"),
                (measure.top1PercentShare, "top1pct_share"), (measure.gini, "gini"),
            ] {
                let target = reference[key] as! Double
                #expect(abs(value - target) <= 1e-12, "\(measure.dimension) \(key): \(value) vs \(target)")
            }
            #expect(measure.top1PercentNames == reference["top1pct_names"] as! Int)
            let largest = reference["largest"] as! [[String: Any]]
            #expect(measure.largest.map(\.name) == largest.map { $0["name"] as! String })
            #expect(measure.largest.map(\.exposure) == largest.map { Int64($0["exposure_cents"] as! Int) })
            #expect(measure.largest.map(\.loans) == largest.map { Int64($0["loans"] as! Int) })
        }
    }

    @Test func handComputed() {
        // Exposures 50, 30, 20: HHI = .25 + .09 + .04 = .38; normalised (.38 − 1/3)/(2/3) = .07;
        // Gini = 2(1·20 + 2·30 + 3·50)/(3·100) − 4/3 = 460/300 − 400/300 = 0.2.
        let measure = ConcentrationMeasure(
            dimension: "x", exposures: [3000, 5000, 2000], loans: [1, 2, 1], top: 2, label: { ["a", "b", "c"][$0] })
        #expect(abs(measure.hhi - 0.38) < 1e-15)
        #expect(abs(measure.normalizedHHI - 0.07) < 1e-15)
        #expect(abs(measure.gini - 0.2) < 1e-15)
        #expect(measure.top10Share == 1)
        #expect(measure.top1PercentNames == 1 && measure.top1PercentShare == 0.5)
        #expect(measure.largest.map(\.name) == ["b", "a"])
        // One name: fully concentrated; equal names: HHI = 1/N, Gini 0.
        let single = ConcentrationMeasure(dimension: "x", exposures: [7], loans: [1], top: 10, label: { _ in "a" })
        #expect(single.hhi == 1 && single.normalizedHHI == 1 && single.gini == 0)
        let equal = ConcentrationMeasure(
            dimension: "x", exposures: [5, 5, 5, 5], loans: [1, 1, 1, 1], top: 10, label: { "\($0)" })
        #expect(abs(equal.hhi - 0.25) < 1e-15 && abs(equal.normalizedHHI) < 1e-15 && abs(equal.gini) < 1e-15)
        let empty = ConcentrationMeasure(dimension: "x", exposures: [], loans: [], top: 10, label: { "\($0)" })
        #expect(empty.names == 0 && empty.hhi == 0 && empty.largest.isEmpty)
    }

    @Test func customerExposureSumsLoans() throws {
        let table = TestTapes.table([
            TestTapes.Loan(id: "1", customer: "big", balance: 600),
            TestTapes.Loan(id: "2", customer: "small", balance: 100),
            TestTapes.Loan(id: "3", customer: "big", balance: 300),
        ])
        let customer = try RiskEngine().concentration(table, dimensions: [])[0]
        #expect(customer.names == 2)
        #expect(customer.largest.map(\.name) == ["big", "small"])
        #expect(customer.largest.map(\.exposure) == [90_000, 10_000])
        #expect(customer.largest.map(\.loans) == [2, 1])
    }
}
