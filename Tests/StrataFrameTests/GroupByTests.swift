import StrataKernels
import Testing

@testable import StrataFrame

@Suite struct GroupByTests {
    /// A deterministic pseudo-random table with two category keys (one with missing values) and a
    /// value column, large enough to span several chunks.
    static func sampleTable(rows: Int) throws -> Table {
        var rng = SplitMixForTests(seed: 7)
        let regions = ["north", "south", "east", "west", "central"]
        let products = ["mortgage", "consumer", "auto"]
        var regionValues = [String]()
        var productValues = [String]()
        var productValid = [Bool]()
        var amounts = [Double]()
        for _ in 0..<rows {
            regionValues.append(regions[Int(rng.next() % 5)])
            productValues.append(products[Int(rng.next() % 3)])
            productValid.append(rng.next() % 10 != 0)
            amounts.append(Double(rng.next() % 1_000_000) / 100)
        }
        return try Table(columns: [
            Column(name: "region", values: .category(CategoryValues(regionValues))),
            Column(
                name: "product", values: .category(CategoryValues(productValues)),
                validity: ValidityBitmap(productValid)),
            Column(name: "amount", values: .float64(ColumnBuffer(amounts))),
        ])
    }

    @Test func groupsMatchANaiveDictionary() throws {
        let table = try Self.sampleTable(rows: 200_000)
        let groups = try GroupBy(table, by: ["region", "product"])
        let region = try table.column(named: "region")
        let product = try table.column(named: "product")
        let amount = try table.float64("amount")
        var naiveCount = [[String]: Int]()
        var naiveSum = [[String]: Double]()
        for i in 0..<table.rowCount {
            let key = [region.text(at: i), product.isValid(i) ? product.text(at: i) : GroupBy.missingLabel]
            naiveCount[key, default: 0] += 1
            naiveSum[key, default: 0] += amount[i]
        }
        #expect(groups.groupCount == naiveCount.count)
        #expect(groups.groupCount == 5 * 4)
        let counts = groups.counts()
        let sums = groups.sums(amount)
        for g in 0..<groups.groupCount {
            #expect(counts[g] == naiveCount[groups.keys[g]])
            // Sums differ from the naive row-order sum only by rounding: tolerance 1e-9 relative.
            let expected = naiveSum[groups.keys[g]]!
            #expect(abs(sums[g] - expected) <= 1e-9 * abs(expected))
        }
        #expect(counts.reduce(0, +) == table.rowCount)
        #expect(groups.keys.contains(["north", GroupBy.missingLabel]))
    }

    @Test func resultsAreBitIdenticalForAnyThreadCount() throws {
        let table = try Self.sampleTable(rows: 300_000)
        let amount = try table.float64("amount")
        let reference = try GroupBy(table, by: ["product", "region"], threads: 1)
        let referenceSums = reference.sums(amount)
        for threads in [2, 3, 8] {
            let groups = try GroupBy(table, by: ["product", "region"], threads: threads)
            #expect(groups.keys == reference.keys)
            #expect(groups.groupIDs.bitwiseEqual(reference.groupIDs))
            let sums = groups.sums(amount)
            #expect(sums.map(\.bitPattern) == referenceSums.map(\.bitPattern))
        }
    }

    @Test func groupsAreOrderedByKeyCodes() throws {
        let table = try Table(columns: [
            Column(name: "k", values: .category(CategoryValues(["b", "a", "b", "c", "a"])))
        ])
        let groups = try GroupBy(table, by: ["k"])
        // Dictionary order is first appearance: b, a, c.
        #expect(groups.keys == [["b"], ["a"], ["c"]])
        #expect(groups.groupIDs.array == [0, 1, 0, 2, 1])
        #expect(groups.counts() == [2, 2, 1])
    }

    @Test func missingValuesAreSkippedInSums() throws {
        let table = try Table(columns: [
            Column(name: "k", values: .category(CategoryValues(["x", "x", "y"]))),
            Column(
                name: "v", values: .float64(ColumnBuffer([1, 99, 3])), validity: ValidityBitmap([true, false, true])),
        ])
        let groups = try GroupBy(table, by: ["k"])
        let column = try table.column(named: "v")
        let sums = groups.sums([(try table.float64("v"), column.validity)])
        #expect(sums[0] == [1, 3])
    }

    @Test func emptyTableHasNoGroups() throws {
        let table = try Table(columns: [Column(name: "k", values: .category(CategoryValues([])))])
        let groups = try GroupBy(table, by: ["k"])
        #expect(groups.groupCount == 0)
        #expect(groups.counts().isEmpty)
    }

    @Test func badKeysThrow() throws {
        let table = try Self.sampleTable(rows: 10)
        #expect(throws: StrataFrameError.columnNotFound(name: "nope", available: ["region", "product", "amount"])) {
            _ = try GroupBy(table, by: ["nope"])
        }
        #expect(throws: StrataFrameError.typeMismatch(column: "amount", expected: .category, actual: .float64)) {
            _ = try GroupBy(table, by: ["amount"])
        }
    }
}

/// SplitMix64, a tiny deterministic generator for building test data.
struct SplitMixForTests {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
