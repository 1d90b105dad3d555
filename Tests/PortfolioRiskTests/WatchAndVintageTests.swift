import PortfolioRisk
import StrataFrame
import StrataKernels
import Testing

@Suite("Early warning and vintage")
struct WatchAndVintageTests {
    @Test func everyRuleWithItsReason() throws {
        var before = TestTapes.table([
            TestTapes.Loan(id: "quiet", balance: 100),
            TestTapes.Loan(id: "late", balance: 500, dpd: 80, classification: "special_mention"),
            TestTapes.Loan(id: "drawn", product: "credit_card", balance: 300, utilization: 0.3),
            TestTapes.Loan(id: "scored", balance: 200),
        ])
        var after = TestTapes.table([
            TestTapes.Loan(id: "quiet", balance: 90),
            TestTapes.Loan(id: "late", balance: 500, dpd: 95, classification: "special_mention"),
            TestTapes.Loan(id: "drawn", product: "credit_card", balance: 900, utilization: 0.9),
            TestTapes.Loan(id: "scored", balance: 200),
            TestTapes.Loan(id: "new", balance: 1000, dpd: 200),
        ])
        before = try before.with(Column(name: "score", values: .float64(ColumnBuffer([700, 650, 600, 640]))))
        after = try after.with(Column(name: "score", values: .float64(ColumnBuffer([690, 650, 600, 610, 500]))))
        let list = try RiskEngine().watchList(from: before, to: after)
        #expect(list.map(\.loanID) == ["late", "drawn", "scored"])
        let late = list[0]
        #expect(late.reasons.count == 2)
        #expect(
            late.reasons[0].text
                == "crossed the substandard floor (floor special_mention at 80 dpd, substandard at 95 dpd)")
        #expect(late.reasons[1].text == "days past due rose from 80 to 95")
        #expect(list[1].reasons.map(\.text) == ["utilisation jumped from 30.0% to 90.0%"])
        #expect(list[2].reasons.map(\.text) == ["score fell from 640 to 610"])
        #expect(late.balance == 50_000 && late.classification == "special_mention" && late.daysPastDue == 95)

        var config = RiskConfig()
        config.watch.scoreDrop = 40
        config.watch.dpdIncrease = 20
        #expect(try RiskEngine(config: config).watchList(from: before, to: after).map(\.loanID) == ["drawn", "late"])
    }

    @Test func watchOnFixtureTapesIsConsistent() throws {
        let list = try RiskEngine().watchList(from: TestTapes.a, to: TestTapes.b)
        #expect(!list.isEmpty)
        for (earlier, later) in zip(list, list.dropFirst()) {
            #expect(earlier.reasons.count >= later.reasons.count)
        }
    }

    @Test func monthsOnBook() {
        let start = CivilDate(year: 2024, month: 1, day: 31)!
        #expect(VintageTable.monthsOnBook(origination: start, asOf: CivilDate(year: 2024, month: 2, day: 29)!) == 0)
        #expect(VintageTable.monthsOnBook(origination: start, asOf: CivilDate(year: 2024, month: 3, day: 31)!) == 2)
        #expect(VintageTable.monthsOnBook(origination: start, asOf: CivilDate(year: 2026, month: 6, day: 30)!) == 28)
    }

    @Test func handComputedVintage() throws {
        func dates(_ values: [String]) -> ColumnValues {
            .date(ColumnBuffer(values.map { CivilDate($0)!.daysSinceEpoch }))
        }
        var table = TestTapes.table([
            TestTapes.Loan(id: "1", balance: 100, classification: "normal"),
            TestTapes.Loan(id: "2", balance: 300, classification: "substandard"),
            TestTapes.Loan(id: "3", balance: 50, classification: "loss"),
        ])
        table = try table.with(
            Column(name: "origination_date", values: dates(["2025-01-15", "2025-02-20", "2025-12-01"])))
        table = try table.with(Column(name: "as_of_date", values: dates(["2026-06-30", "2026-06-30", "2026-06-30"])))
        table = try table.with(
            Column(
                name: "defaulted_12m", values: .int64(ColumnBuffer([0, 1, 1])),
                validity: ValidityBitmap([true, true, false])))
        var config = RiskConfig()
        config.vintageBucketMonths = 6
        let vintage = try RiskEngine(config: config).vintage([table])
        // 2025Q1: loans 1 (17 months) and 2 (16 months) → bucket 12-17; 2025Q4: loan 3 (6 months) → 6-11.
        #expect(vintage.quarters == ["2025Q1", "2025Q2", "2025Q3", "2025Q4"])
        #expect(vintage.mobBuckets == ["0-5", "6-11", "12-17"])
        #expect(vintage.loans[0] == [0, 0, 2] && vintage.loans[3] == [0, 1, 0])
        #expect(vintage.nplRate(0, 2) == 0.75)
        #expect(vintage.nplRate(3, 1) == 1)
        #expect(vintage.nplRate(1, 0) == nil)
        #expect(vintage.defaultRate(0, 2) == 0.5)
        #expect(vintage.defaultRate(3, 1) == nil)
    }
}
