import Foundation
import PortfolioRisk
import StrataFrame
import Testing

@Suite("Migration matrices and roll rates")
struct MigrationTests {
    static func expected() throws -> [String: [String: Any]] {
        let data = Data(try FixtureFiles.text("migration_expected.json").utf8)
        return try JSONSerialization.jsonObject(with: data) as! [String: [String: Any]]
    }

    static func matrix(_ value: Any?) -> [[Int64]] {
        (value as! [[Int]]).map { $0.map(Int64.init) }
    }

    /// Against pandas (merge with indicator, crosstab, pivot_table; Fixtures/make_fixtures.py).
    @Test(arguments: ["classification", "grade"])
    func matchesPandasReference(column: String) throws {
        let migration = try RiskEngine().migration(from: TestTapes.a, to: TestTapes.b, by: column)
        let reference = try Self.expected()[column]!
        #expect(migration.states.states == reference["states"] as! [String])
        #expect(migration.states.counts == Self.matrix(reference["counts"]))
        #expect(migration.states.balances == Self.matrix(reference["balances_cents"]))
        #expect(migration.dpdBuckets.states == reference["dpd_buckets"] as! [String])
        #expect(migration.dpdBuckets.counts == Self.matrix(reference["dpd_counts"]))
        #expect(migration.dpdBuckets.balances == Self.matrix(reference["dpd_balances_cents"]))
        #expect(migration.matched + migration.closedLoans == TestTapes.a.rowCount)
        #expect(migration.matched + migration.newLoans == TestTapes.b.rowCount)
    }

    @Test func probabilitiesAreRowNormalised() throws {
        let migration = try RiskEngine().migration(from: TestTapes.a, to: TestTapes.b, by: "classification")
        for (row, probabilities) in zip(migration.states.counts, migration.states.probabilities) {
            let total = row.reduce(0, +)
            if total == 0 {
                #expect(probabilities.allSatisfy { $0 == nil })
            } else {
                let sum = probabilities.reduce(0.0) { $0 + $1! }
                #expect(abs(sum - 1) < 1e-12)
                #expect(abs(probabilities[0]! - Double(row[0]) / Double(total)) < 1e-15)
            }
        }
        let forward = migration.rollForwardRates
        let cure = migration.cureRates
        #expect(cure[0] == 0)  // nothing is better than current
        #expect(forward.last! == 0)  // nothing is worse than the last bucket
        let counts = migration.dpdBuckets.counts[0]
        let continuing = counts[0..<6].reduce(0, +)
        #expect(abs(forward[0]! - Double(counts[1..<6].reduce(0, +)) / Double(continuing)) < 1e-15)
    }

    @Test func differentSchemasAreRejected() throws {
        let narrower = try TestTapes.b.selecting(TestTapes.b.columnNames.filter { $0 != "score" })
        #expect(throws: RiskError.comparison(reason: "different schemas (only in the earlier: score)")) {
            try RiskEngine().migration(from: TestTapes.a, to: narrower, by: "classification")
        }
        let retyped = try TestTapes.b.with(
            Column(name: "score", values: .float64(try TestTapes.b.numeric("score"))))
        #expect(throws: RiskError.comparison(reason: "different schemas (score is int64 then float64)")) {
            try RiskEngine().migration(from: TestTapes.a, to: retyped, by: "classification")
        }
    }

    @Test func noCommonLoansIsRejected() throws {
        let a = TestTapes.table([TestTapes.Loan(id: "x1"), TestTapes.Loan(id: "x2")])
        let b = TestTapes.table([TestTapes.Loan(id: "y1")])
        #expect(throws: RiskError.comparison(reason: "no loan_id is in both snapshots")) {
            try RiskEngine().migration(from: a, to: b, by: "classification")
        }
        let repeated = TestTapes.table([TestTapes.Loan(id: "x1"), TestTapes.Loan(id: "x1")])
        #expect(throws: RiskError.comparison(reason: "the later snapshot repeats a loan_id ('x1' at row 2)")) {
            try RiskEngine().migration(from: a, to: repeated, by: "classification")
        }
        #expect(throws: RiskError.self) { try RiskEngine().migration(from: a, to: a, by: "balance") }
    }

    @Test func handComputedTransitions() throws {
        let a = TestTapes.table([
            TestTapes.Loan(id: "1", balance: 100, classification: "normal"),
            TestTapes.Loan(id: "2", balance: 200, dpd: 40, classification: "special_mention"),
            TestTapes.Loan(id: "3", balance: 300, classification: "normal"),
        ])
        let b = TestTapes.table([
            TestTapes.Loan(id: "2", balance: 190, dpd: 100, classification: "substandard"),
            TestTapes.Loan(id: "3", balance: 290, classification: "normal"),
            TestTapes.Loan(id: "4", balance: 50, classification: "normal"),
        ])
        let migration = try RiskEngine().migration(from: a, to: b, by: "classification")
        // States present: normal, special_mention, substandard (+ new row, closed column).
        #expect(migration.states.states == ["normal", "special_mention", "substandard"])
        #expect(migration.states.counts == [[1, 0, 0, 1], [0, 0, 1, 0], [0, 0, 0, 0], [1, 0, 0, 0]])
        #expect(
            migration.states.balances == [[30_000, 0, 0, 10_000], [0, 0, 20_000, 0], [0, 0, 0, 0], [5000, 0, 0, 0]])
        #expect(migration.matched == 2 && migration.newLoans == 1 && migration.closedLoans == 1)
        // DPD: loan 2 rolls 31-60 → 91-180.
        #expect(migration.dpdBuckets.counts[2][4] == 1)
        #expect(migration.rollForwardRates[2] == 1)
    }
}
