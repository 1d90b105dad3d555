import CreditScoring
import StrataFrame
import Testing

@Suite struct BinnerTests {
    func target(_ table: Table) throws -> BinaryTarget { try BinaryTarget(table: table, column: "y") }

    @Test func quantileCutsAreExactAndNeverSplitTies() {
        let values = (0..<100).map(Double.init)
        #expect(Binner.quantileCuts(sorted: values, preBins: 4) == [25, 50, 75])
        // Ties: 60 zeros then 40 ones; the cut at position 25 and 50 is 0 (the minimum), dropped.
        let tied = [Double](repeating: 0, count: 60) + [Double](repeating: 1, count: 40)
        #expect(Binner.quantileCuts(sorted: tied, preBins: 4) == [1])
        #expect(Binner.quantileCuts(sorted: [5, 5, 5], preBins: 10) == [])
    }

    @Test func numericBinsCountEveryRowOnceWithMissingAndSpecialBins() throws {
        // x: 1...200 (missing every 10th row, 999 every 25th); bads where x > 150, plus a few others.
        var xs = [Double?]()
        var ys = [Int64]()
        for i in 1...200 {
            let x: Double? = i % 10 == 0 ? nil : (i % 25 == 0 ? 999 : Double(i))
            xs.append(x)
            ys.append(i > 150 || i % 7 == 0 ? 1 : 0)
        }
        let table = try Table(columns: [TestData.float("x", xs), TestData.int("y", ys)])
        var options = BinningOptions()
        options.specialValues = ["x": [999]]
        options.maxBins = 4
        options.minBinShare = 0.05
        let outcome = Binner.bin(
            feature: "x", table: table, target: try target(table), train: [Bool](repeating: true, count: 200),
            options: options)
        guard case .binned(let b) = outcome else {
            Issue.record("not binned: \(outcome)")
            return
        }
        #expect(b.kind == .numeric)
        #expect(b.bins.map(\.count).reduce(0, +) == 200)
        #expect(b.bins.map(\.bads).reduce(0, +) == Int(ys.reduce(0, +)))
        let missing = b.bins[b.missingBin]
        #expect(missing.kind == .missing && missing.count == 20)
        let special = b.bins.first { $0.kind == .special }!
        #expect(special.value == 999 && special.count == 4)  // 25, 75, 125, 175 (multiples of 10 are missing)
        #expect(b.rangeBinCount <= 4)
        // Monotonic (auto picks ascending here: bads rise with x).
        #expect(b.monotonic == .ascending)
        let ranges = b.bins.prefix(b.rangeBinCount)
        for (lo, hi) in zip(ranges, ranges.dropFirst()) { #expect(lo.badRate < hi.badRate) }
        // Assignment agrees with the counts.
        #expect(b.bin(ofValue: nil) == b.missingBin)
        #expect(b.bin(ofValue: .nan) == b.missingBin)
        #expect(b.bins[b.bin(ofValue: 999)].kind == .special)
        #expect(b.bin(ofValue: -1e300) == 0)
        #expect(b.bin(ofValue: 1e300) == b.rangeBinCount - 1)
    }

    @Test func categoricalGroupsRareCategoriesAndMapsUnseenOnes() throws {
        var cats = [String?]()
        var ys = [Int64]()
        for i in 0..<1000 {
            let c: String
            switch i % 100 {
            case 0: c = "rare_a"
            case 1: c = "rare_b"
            case 2..<40: c = "low"
            case 40..<70: c = "mid"
            default: c = "high"
            }
            cats.append(i % 50 == 3 ? nil : c)
            let rate = ["low": 2, "mid": 10, "high": 30, "rare_a": 50, "rare_b": 50][c]!
            ys.append(i % 100 < rate || (i % 97 == 5) ? 1 : 0)
        }
        let table = try Table(columns: [TestData.category("c", cats), TestData.int("y", ys)])
        var options = BinningOptions()
        options.minBinShare = 0.05
        options.rareCategoryShare = 0.02
        guard
            case .binned(let b) = Binner.bin(
                feature: "c", table: table, target: try target(table), train: [Bool](repeating: true, count: 1000),
                options: options)
        else {
            Issue.record("not binned")
            return
        }
        #expect(b.kind == .categorical)
        #expect(b.bins.map(\.count).reduce(0, +) == 1000)
        let rareBin = b.bin(ofCategory: "rare_a")
        #expect(rareBin != nil && rareBin == b.bin(ofCategory: "rare_b"))
        #expect(b.unseenBin == rareBin)
        #expect(b.bins[b.missingBin].kind == .missing)
        // Category bins ordered by bad rate.
        let groups = b.bins.filter { $0.kind == .categories }
        for (lo, hi) in zip(groups, groups.dropFirst()) { #expect(lo.badRate < hi.badRate) }
    }

    @Test func unusableFeaturesSayWhy() throws {
        let n = 100
        let ys = (0..<n).map { Int64($0 % 5 == 0 ? 1 : 0) }
        let table = try Table(columns: [
            TestData.float("constant", [Double?](repeating: 4.2, count: n)),
            TestData.float("empty", [Double?](repeating: nil, count: n)),
            TestData.float("leak", ys.map { Double($0) * 10 }),
            TestData.category("onecat", [String?](repeating: "a", count: n)),
            TestData.int("y", ys),
        ])
        let t = try target(table)
        let all = [Bool](repeating: true, count: n)
        func reason(_ name: String) -> String {
            if case .unusable(_, let reason) = Binner.bin(
                feature: name, table: table, target: t, train: all, options: BinningOptions())
            {
                return reason
            }
            return "binned"
        }
        #expect(reason("constant").hasPrefix("constant"))
        #expect(reason("empty") == "all training values are missing")
        #expect(reason("leak").contains("separates bad from good loans perfectly"))
        #expect(reason("onecat").hasPrefix("constant"))
    }

    @Test func onlyTrainingRowsAreCounted() throws {
        let xs: [Double?] = (0..<40).map { Double($0) }
        let ys: [Int64] = (0..<40).map { ($0 < 12 && $0 % 3 != 0) || $0 == 25 ? 1 : 0 }
        let table = try Table(columns: [TestData.float("x", xs), TestData.int("y", ys)])
        let train = (0..<40).map { $0 < 30 }
        var options = BinningOptions()
        options.minBinShare = 0
        guard
            case .binned(let b) = Binner.bin(
                feature: "x", table: table, target: try target(table), train: train, options: options)
        else {
            Issue.record("not binned")
            return
        }
        #expect(b.bins.map(\.count).reduce(0, +) == 30)
    }
}
