import CreditScoring
import StrataKernels
import Testing

@Suite struct BinMergingTests {
    func seg(_ i: Int, _ goods: Int, _ bads: Int) -> BinSegment {
        BinSegment(first: i, last: i, goods: goods, bads: bads)
    }

    @Test func chiSquareByHand() {
        // Table [[30, 10], [20, 40]]: N = 100, expected [[20, 20], [30, 30]].
        let expected = 100.0 / 20 + 100.0 / 20 + 100.0 / 30 + 100.0 / 30
        #expect(abs(BinMerging.chiSquare(seg(0, 30, 10), seg(1, 20, 40)) - expected) < 1e-12)
        // Identical rates: zero; a column of zero expected count contributes nothing.
        #expect(BinMerging.chiSquare(seg(0, 10, 2), seg(1, 20, 4)) == 0)
        #expect(BinMerging.chiSquare(seg(0, 10, 0), seg(1, 20, 0)) == 0)
    }

    @Test func poolAdjacentViolators() {
        // Rates 0.1, 0.3, 0.2, 0.5: ascending merges bins 1 and 2 (rate 0.25).
        let input = [seg(0, 90, 10), seg(1, 70, 30), seg(2, 80, 20), seg(3, 50, 50)]
        let up = BinMerging.enforceMonotonic(input, .ascending)
        #expect(up.map(\.bads) == [10, 50, 50])
        #expect(up[1].first == 1 && up[1].last == 2)
        let down = BinMerging.enforceMonotonic(input, .descending)
        #expect(down.count == 1)
        #expect(BinMerging.enforceMonotonic(input, .none) == input)
    }

    @Test func minimumCountMergesTheSmallestIntoTheCloserNeighbour() {
        // Bin 1 is small; its rate (0.5) is closer to bin 2 (0.45) than bin 0 (0.05).
        let result = BinMerging.enforceMinimumCount(
            [seg(0, 95, 5), seg(1, 2, 2), seg(2, 55, 45)], minimumCount: 10)
        #expect(result.count == 2)
        #expect(result[1].first == 1 && result[1].last == 2)
        #expect(result[1].total == 104)
    }

    @Test func mergeStopsAtMaxBinsAndSignificance() {
        var rng = RandomStream(seed: 3, stream: 0)
        var input = [BinSegment]()
        for i in 0..<30 { input.append(seg(i, 500 + Int(rng.nextUniform() * 100), 10 + i * 3)) }
        for method in MergeMethod.allCases {
            let result = BinMerging.merge(input, method: method, maxBins: 5, chiSquareThreshold: 3.841, smoothing: 0.5)
            #expect(result.count <= 5)
            #expect(result.map(\.total).reduce(0, +) == input.map(\.total).reduce(0, +))
            // Contiguous cover of the pre-bins.
            #expect(result.first?.first == 0 && result.last?.last == 29)
            for (a, b) in zip(result, result.dropFirst()) { #expect(a.last + 1 == b.first) }
        }
        // With a high threshold, chi-square merges below max bins.
        let strict = BinMerging.merge(input, method: .chiSquare, maxBins: 30, chiSquareThreshold: 1e9, smoothing: 0.5)
        #expect(strict.count == 1)
    }

    @Test(arguments: [MonotonicConstraint.ascending, .descending, .auto])
    func monotonicityHoldsWheneverAsked(_ constraint: MonotonicConstraint) {
        for trial in 0..<50 {
            var rng = RandomStream(seed: UInt64(trial), stream: 1)
            let k = 2 + Int(rng.nextUniform() * 40)
            var input = [BinSegment]()
            for i in 0..<k {
                let total = 20 + Int(rng.nextUniform() * 300)
                let bads = Int(rng.nextUniform() * Double(total) * 0.4)
                input.append(seg(i, total - bads, bads))
            }
            let (result, direction) = BinMerging.mergeOrdered(
                input, monotonic: constraint, method: trial % 2 == 0 ? .chiSquare : .informationValue, maxBins: 6,
                minimumCount: 100, chiSquareThreshold: 3.841, smoothing: 0.5)
            #expect(direction == .ascending || direction == .descending)
            if constraint != .auto { #expect(direction == constraint) }
            for (a, b) in zip(result, result.dropFirst()) {
                let order = BinMerging.compareRates(a, b)
                #expect(direction == .ascending ? order < 0 : order > 0, "trial \(trial)")
            }
            #expect(result.count <= 6)
            #expect(result.count == 1 || result.allSatisfy { $0.total >= 100 })
        }
    }
}
