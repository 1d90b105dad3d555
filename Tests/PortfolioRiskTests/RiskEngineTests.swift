import Foundation
import PortfolioRisk
import StrataFrame
import Testing

@Suite("Exposure, expected loss, capital and provisions")
struct RiskEngineTests {
    /// The hand-computed book of the methodology note (docs/methodology/risk.md, worked example).
    static let handBook: [TestTapes.Loan] = [
        // Card: EAD = 6 000 + 0.40 × 4 000 = 7 600; LGD 85 %; EL = 0.03 × 0.85 × 7 600 = 193.80.
        TestTapes.Loan(id: "card", product: "credit_card", balance: 6000, limit: 10_000, pd: 0.03),
        // Mortgage, no PD: classification PD 20 %; fully covered by 60 % of the collateral: LGD 20 %;
        // EL = 0.20 × 0.20 × 500 000 = 20 000; provision 2 % = 10 000.
        TestTapes.Loan(
            id: "home", product: "mortgage", balance: 500_000, limit: 600_000, collateral: 1_000_000, dpd: 45,
            classification: "special_mention", pd: nil),
        // Auto 100 days past due: in default (PD 1); secured part min(80 000, 0.6 × 50 000) = 30 000:
        // LGD = (0.45 × 50 000 + 0.25 × 30 000) / 80 000 = 0.375; EL = 30 000; K = 0. Classified
        // special mention, floor substandard: flagged, shortfall (25 % − 2 %) × 80 000 = 18 400.
        TestTapes.Loan(
            id: "car", product: "auto", balance: 80_000, limit: 100_000, collateral: 50_000, dpd: 100,
            classification: "special_mention", pd: 0.05),
        // SME, sales 10M: LGD 40 %, EL = 0.01 × 0.40 × 1 000 000 = 4 000; provision 1 % = 10 000.
        TestTapes.Loan(
            id: "firm", product: "sme", balance: 1_000_000, limit: 1_000_000, pd: 0.01, remainingMonths: 24,
            income: 10_000_000),
    ]

    @Test func handComputedBook() throws {
        let engine = RiskEngine()
        let table = TestTapes.table(Self.handBook)
        let loans = try engine.loanMeasures(table)
        let ead = try loans.float64("ead").array
        let lgd = try loans.float64("lgd_used").array
        let pd = try loans.float64("pd_used").array
        let el = try loans.float64("el").array
        let k = try loans.float64("irb_k").array
        let rwa = try loans.float64("rwa").array
        #expect(ead == [7600, 500_000, 80_000, 1_000_000])
        #expect(abs(lgd[0] - 0.85) < 1e-15 && abs(lgd[1] - 0.20) < 1e-15 && abs(lgd[2] - 0.375) < 1e-15)
        #expect(pd == [0.03, 0.20, 1, 0.01])
        #expect(abs(el[0] - 193.8) < 1e-9 && abs(el[1] - 20_000) < 1e-9 && el[2] == 30_000 && abs(el[3] - 4000) < 1e-9)
        #expect(k[2] == 0 && rwa[2] == 0)
        let smeK = IRB.capital(pd: 0.01, lgd: 0.40, assetClass: .sme, maturity: 2, salesMillions: 10)
        #expect(abs(k[3] - smeK) < 1e-15)
        #expect(abs(rwa[3] - 12.5 * smeK * 1_000_000) < 1e-6)
        #expect(try loans.int64("below_floor").array == [0, 0, 1, 0])

        let aggregate = try engine.aggregate(table, by: [])
        let total = aggregate.total
        #expect(total.loans == 4)
        #expect(total.balance == 158_600_000)
        #expect(total.ead == 158_760_000)
        #expect(total.el == 5_419_380)
        #expect(total.provisions == 2_166_000)
        #expect(total.nplBalance == 0 && total.nplRatio == 0 && total.coverage == nil)
        #expect(total.belowFloorLoans == 1 && total.belowFloorBalance == 8_000_000)
        #expect(total.provisionShortfall == 1_840_000)
        #expect(total.defaultedLoans == 1 && total.defaultedEAD == 8_000_000)
        #expect(abs(total.loanProvisionRatio! - 21_660.0 / 1_586_000) < 1e-15)
        #expect(abs(total.elRate! - 54_193.80 / 1_587_600) < 1e-15)
        #expect(aggregate.pdSources == [3, 0, 1])
        // Capital is 8 % of RWA, loan by loan.
        #expect(abs(Double(total.capital) - 0.08 * Double(total.rwa)) <= 4)
    }

    /// Per-loan figures of tape A against the independent Python implementation
    /// (Fixtures/make_fixtures.py, scipy for Φ and Φ⁻¹).
    @Test func perLoanMeasuresMatchPythonReference() throws {
        let loans = try RiskEngine().loanMeasures(TestTapes.a)
        let (header, rows) = try FixtureFiles.csv("risk_loans_expected.csv")
        #expect(rows.count == loans.rowCount)
        let ids = try loans.string("loan_id")
        let floors = try loans.category("floor_classification")
        let mine = try ["ead", "lgd_used", "pd_used", "el", "irb_k", "rwa"].map { try loans.float64($0) }
        for (i, row) in rows.enumerated() {
            #expect(ids.value(at: i) == row[0])
            for (c, name) in ["ead", "lgd", "pd", "el", "k", "rwa"].enumerated() {
                let expected = Double(row[header.firstIndex(of: name)!])!
                let tolerance = c < 4 ? 1e-12 * abs(expected) : 1e-11 * abs(expected) + 1e-12
                #expect(abs(mine[c][i] - expected) <= tolerance, "\(row[0]) \(name): \(mine[c][i]) vs \(expected)")
            }
            #expect(floors.value(at: i) == row[7])
        }
    }

    /// Balance, EAD and EL sums equal the cents of the reference's per-loan values exactly (same
    /// floating-point operations); RWA within one cent per loan.
    @Test func totalsEqualSumOfReferenceCents() throws {
        let total = try RiskEngine().aggregate(TestTapes.a, by: []).total
        let (header, rows) = try FixtureFiles.csv("risk_loans_expected.csv")
        func cents(_ name: String) -> Int64 {
            rows.reduce(0) { $0 + Int64((Double($1[header.firstIndex(of: name)!])! * 100).rounded(.toNearestOrEven)) }
        }
        #expect(total.ead == cents("ead"))
        #expect(total.el == cents("el"))
        #expect(abs(total.rwa - cents("rwa")) <= Int64(rows.count))
        #expect(total.loans == 400)
    }

    /// Every subtotal is exactly the sum of its groups, and the total the sum of all groups and of
    /// the first-level subtotals, in every field.
    @Test(arguments: [["product"], ["product", "region"], ["product", "region", "classification"]])
    func subtotalsAddUpExactly(keys: [String]) throws {
        let aggregate = try RiskEngine().aggregate(TestTapes.a, by: keys)
        let groups = aggregate.groups
        #expect(!groups.isEmpty)
        for row in aggregate.rows where row.level == .subtotal {
            var sum = RiskTotals()
            for group in groups where Array(group.keys.prefix(row.depth)) == Array(row.keys.prefix(row.depth)) {
                sum.add(group.totals)
            }
            #expect(sum == row.totals, "subtotal \(row.keys)")
            #expect(row.keys.dropFirst(row.depth).allSatisfy { $0 == RiskAggregate.allLabel })
        }
        var all = RiskTotals()
        for group in groups { all.add(group.totals) }
        #expect(all == aggregate.total)
        var firstLevel = RiskTotals()
        for row in aggregate.rows where row.level == .subtotal && row.depth == 1 { firstLevel.add(row.totals) }
        if keys.count > 1 { #expect(firstLevel == aggregate.total) }
        #expect(aggregate.rows.last?.level == .total)
        #expect(aggregate.total.loans == 400)
        // A subtotal follows its last group: check ordering for the outermost key.
        var seen = Set<String>()
        var current: String?
        for row in aggregate.rows where row.level == .group {
            if row.keys[0] != current {
                #expect(!seen.contains(row.keys[0]), "groups of \(row.keys[0]) are not contiguous")
                seen.insert(row.keys[0])
                current = row.keys[0]
            }
        }
    }

    @Test func identicalForAnyThreadCount() throws {
        let keys = ["product", "region", "classification"]
        let one = try RiskEngine(threads: 1).aggregate(TestTapes.a, by: keys)
        let three = try RiskEngine(threads: 3).aggregate(TestTapes.a, by: keys)
        #expect(one.rows == three.rows)
        #expect(one.byClass == three.byClass)
    }

    @Test func byClassMatchesGroupingByClassification() throws {
        let engine = RiskEngine()
        let aggregate = try engine.aggregate(TestTapes.a, by: ["classification"])
        for group in aggregate.groups {
            let loanClass = LoanClass(label: group.keys[0])!
            #expect(aggregate.byClass[loanClass.rawValue] == group.totals)
        }
    }

    @Test func emptyTable() throws {
        let table = TestTapes.table([])
        let aggregate = try RiskEngine().aggregate(table, by: ["product", "region"])
        #expect(aggregate.groups.isEmpty)
        #expect(aggregate.rows.count == 1)
        #expect(aggregate.total == RiskTotals())
        #expect(aggregate.total.elRate == nil && aggregate.total.nplRatio == nil && aggregate.total.weightedPD == nil)
        #expect(try RiskEngine().loanMeasures(table).rowCount == 0)
    }

    @Test func groupsOnlyForValuesPresent() throws {
        // The region dictionary lists a value no loan has: it forms no group.
        var table = TestTapes.table([TestTapes.Loan(id: "a", region: "east"), TestTapes.Loan(id: "b", region: "west")])
        let codes = try table.category("region").codes
        table = try table.with(
            Column(
                name: "region",
                values: .category(CategoryValues(codes: codes, dictionary: ["east", "west", "unused"]))))
        let aggregate = try RiskEngine().aggregate(table, by: ["region"])
        #expect(aggregate.groups.map(\.keys) == [["east"], ["west"]])
    }

    @Test func missingKeyValuesFormTheirOwnGroup() throws {
        var table = TestTapes.table([TestTapes.Loan(id: "a"), TestTapes.Loan(id: "b"), TestTapes.Loan(id: "c")])
        let column = try table.column(named: "region")
        table = try table.with(
            Column(name: "region", values: column.values, validity: ValidityBitmap([true, false, true])))
        let aggregate = try RiskEngine().aggregate(table, by: ["region"])
        #expect(aggregate.groups.map(\.keys) == [["east"], [GroupBy.missingLabel]])
        #expect(aggregate.groups.map(\.totals.loans) == [2, 1])
    }

    @Test func missingPDFallsBackToGradeThenClassification() throws {
        var config = RiskConfig()
        config.pdByGrade = ["A": 0.001, "B": 0.01]
        let loans = [
            TestTapes.Loan(id: "column", pd: 0.05),
            TestTapes.Loan(id: "grade", pd: nil),
            TestTapes.Loan(id: "class", classification: "special_mention", pd: nil),
        ]
        var table = TestTapes.table(loans)
        // Grades: B, B, and a grade without a configured PD.
        table = try table.with(Column(name: "grade", values: .category(CategoryValues(["B", "B", "Z"]))))
        let measures = try RiskEngine(config: config).loanMeasures(table)
        #expect(try measures.float64("pd_used").array == [0.05, 0.01, 0.20])
        let aggregate = try RiskEngine(config: config).aggregate(table, by: [])
        #expect(aggregate.pdSources == [1, 1, 1])
        // Without a pd column at all every loan takes its classification PD.
        let bare = TestTapes.table(loans, pdColumn: false)
        #expect(try RiskEngine().aggregate(bare, by: []).pdSources == [0, 0, 3])
        // Tape A has 10 % of its pd values missing.
        let tape = try RiskEngine().aggregate(TestTapes.a, by: [])
        let missing = Int64(try TestTapes.a.column(named: "pd").nullCount)
        #expect(missing > 0)
        #expect(tape.pdSources == [400 - missing, 0, missing])
    }

    @Test func presetChangesFloorAndScaling() throws {
        let table = TestTapes.table([TestTapes.Loan(id: "safe", product: "consumer", pd: 0.0001)])
        let basel2 = try RiskEngine(config: RiskConfig(preset: .basel2)).loanMeasures(table)
        let basel31 = try RiskEngine(config: RiskConfig(preset: .basel31)).loanMeasures(table)
        #expect(try basel2.float64("pd_used")[0] == 0.0003)
        #expect(try basel31.float64("pd_used")[0] == 0.0005)
        let k2 = IRB.capital(pd: 0.0003, lgd: 0.45, assetClass: .retail)
        #expect(abs(try basel2.float64("rwa")[0] - 12.5 * 1.06 * k2 * 1000) < 1e-9)
    }

    @Test func badInput() throws {
        let table = TestTapes.table([TestTapes.Loan()])
        let engine = RiskEngine()
        #expect(
            throws: RiskError.option(
                name: "by", reason: "no column 'sector' (category columns: product, region, industry, classification)")
        ) {
            try engine.aggregate(table, by: ["sector"])
        }
        #expect(
            throws: RiskError.option(
                name: "by",
                reason:
                    "column 'balance' is float64, not a category (category columns: product, region, industry, classification)"
            )
        ) {
            try engine.aggregate(table, by: ["balance"])
        }
        #expect(throws: RiskError.option(name: "by", reason: "column 'region' given twice")) {
            try engine.aggregate(table, by: ["region", "region"])
        }
        let badPD = TestTapes.table([TestTapes.Loan(), TestTapes.Loan(id: "L2", pd: 1.5)])
        #expect(throws: RiskError.input(column: "pd", reason: "row 2: 1.5 is outside [0, 1]")) {
            try engine.aggregate(badPD, by: [])
        }
        let negativePD = TestTapes.table([TestTapes.Loan(pd: -0.1)])
        #expect(throws: RiskError.self) { try engine.aggregate(negativePD, by: []) }
        let badClass = TestTapes.table([TestTapes.Loan(classification: "watch")])
        #expect(throws: RiskError.self) { try engine.aggregate(badClass, by: []) }
        let noBalance = try table.selecting(table.columnNames.filter { $0 != "balance" })
        #expect(throws: RiskError.input(column: "balance", reason: "missing (the risk calculations need it)")) {
            try engine.aggregate(noBalance, by: [])
        }
        let nanBalance = TestTapes.table([TestTapes.Loan(balance: .nan)])
        #expect(throws: RiskError.self) { try engine.aggregate(nanBalance, by: []) }
    }
}
