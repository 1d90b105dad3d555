import CreditScoring
import Foundation
import Testing

@Suite struct WeightOfEvidenceTests {
    @Test func textbookValuesWithoutSmoothing() {
        // Goods 60/40 of 100, bads 4/16 of 20: WoE = ln((60/100)/(4/20)) = ln 3, ln((40/100)/(16/20)) = ln 0.5.
        let t = WeightOfEvidence.terms(goods: [60, 40], bads: [4, 16], smoothing: 0)
        #expect(abs(t.woe[0] - log(3.0)) < 1e-15)
        #expect(abs(t.woe[1] - log(0.5)) < 1e-15)
        let iv = (0.6 - 0.2) * log(3.0) + (0.4 - 0.8) * log(0.5)
        #expect(abs(WeightOfEvidence.informationValue(goods: [60, 40], bads: [4, 16], smoothing: 0) - iv) < 1e-15)
    }

    @Test func smoothedValuesByHand() {
        // p = 20/120 = 1/6, alpha = 0.5: goods +5/12, bads +1/12 per bin; G' = 100 + 2·5/12, B' = 20 + 2/12.
        let g0 = (60 + 5.0 / 12) / (100 + 10.0 / 12)
        let b0 = (4 + 1.0 / 12) / (20 + 2.0 / 12)
        let g1 = (40 + 5.0 / 12) / (100 + 10.0 / 12)
        let b1 = (16 + 1.0 / 12) / (20 + 2.0 / 12)
        let t = WeightOfEvidence.terms(goods: [60, 40], bads: [4, 16], smoothing: 0.5)
        #expect(abs(t.woe[0] - log(g0 / b0)) < 1e-14)
        #expect(abs(t.woe[1] - log(g1 / b1)) < 1e-14)
        #expect(abs(t.iv[0] + t.iv[1] - ((g0 - b0) * log(g0 / b0) + (g1 - b1) * log(g1 / b1))) < 1e-14)
    }

    @Test func emptyAndOneClassBinsStayFinite() {
        let t = WeightOfEvidence.terms(goods: [50, 0, 30, 0], bads: [5, 0, 0, 3], smoothing: 0.5)
        #expect(t.woe.allSatisfy { $0.isFinite })
        #expect(t.iv.allSatisfy { $0 >= 0 && $0.isFinite })
        // The empty bin carries (almost) no evidence: ln((1-p)/G' / (p/B')) with p = 8/88.
        let p = 8.0 / 88
        let expected = log(((1 - p) * 0.5 / (80 + 4 * 0.5 * (1 - p))) / (p * 0.5 / (8 + 4 * 0.5 * p)))
        #expect(abs(t.woe[1] - expected) < 1e-14)
        #expect(abs(t.woe[1]) < 0.15)
    }

    @Test func noBadsMeansNoEvidence() {
        #expect(WeightOfEvidence.woe(goods: [3, 4], bads: [0, 0], smoothing: 0.5) == [0, 0])
    }
}
