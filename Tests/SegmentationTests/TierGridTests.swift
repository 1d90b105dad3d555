import Segmentation
import StrataFrame
import StrataKernels
import Testing

@Suite("rule-based tiering grid")
struct TierGridTests {
    static func tape() -> Table {
        // Eight loans: score, principal, term, balance, defaulted, pd, segment.
        let score: [Double] = [520, 580, 610, 690, 720, 560, 640, 700]
        let principal: [Double] = [5_000, 20_000, 8_000, 60_000, 15_000, 9_000, 30_000, 80_000]
        let term: [Int64] = [12, 36, 24, 60, 36, 12, 48, 60]
        let balance: [Double] = [4_000, 18_000, 7_000, 55_000, 10_000, 8_000, 25_000, 70_000]
        let defaulted: [Int64] = [1, 0, 0, 0, 0, 1, 0, 0]
        let pd: [Double] = [0.2, 0.08, 0.05, 0.02, 0.01, 0.15, 0.04, 0.015]
        let segment: [Int64] = [3, 3, 2, 1, 1, 3, 2, 1]
        var valid = [Bool](repeating: true, count: 8)
        valid[6] = false  // loan 7 has no defaulted_12m label
        return try! Table(columns: [
            Column(name: "score", values: .float64(ColumnBuffer(score))),
            Column(name: "principal", values: .float64(ColumnBuffer(principal))),
            Column(name: "term_months", values: .int64(ColumnBuffer(term))),
            Column(name: "balance", values: .float64(ColumnBuffer(balance))),
            Column(name: "defaulted_12m", values: .int64(ColumnBuffer(defaulted)), validity: ValidityBitmap(valid)),
            Column(name: "pd", values: .float64(ColumnBuffer(pd))),
            Column(name: "segment", values: .int64(ColumnBuffer(segment))),
        ])
    }

    @Test("bands: left-closed intervals and labels")
    func bands() throws {
        let bands = try Bands.parse("600, 650", option: "score-bands")
        #expect(bands.count == 3)
        #expect([599.9, 600, 649, 650, 900].map(bands.index(of:)) == [0, 1, 1, 2, 2])
        #expect((0..<3).map(bands.label) == ["<600", "[600, 650)", ">=650"])
        #expect(
            throws: SegmentationError.option(
                name: "score-bands", reason: "band edges must increase strictly (650.0 then 600.0)")
        ) {
            try Bands.parse("650,600", option: "score-bands")
        }
        #expect(throws: SegmentationError.self) { try Bands.parse("a,b", option: "term-bands") }
    }

    @Test("cells: loans, balance, bad rate and EL proxy per score x term cell")
    func grid() throws {
        let spec = TierGridSpec(
            scoreBands: try Bands.parse("600,680", option: "score-bands"),
            termBands: try Bands.parse("36", option: "term-bands"))
        let grid = try TierGrid(table: Self.tape(), spec: spec, threads: 2)
        #expect(grid.elSource == .proxy)
        // Score < 600 & term < 36: loans 1 and 6 (520/12, 560/12); score < 600 & term >= 36: loan 2 (580/36).
        let low = grid.cells.first { $0.code == "S1-A1-T1" }!
        #expect(low.loans == 2 && low.balance == 12_000 && low.defaults == 2 && low.badRate == 1)
        #expect(abs(low.el! - (0.2 * 0.45 * 4_000 + 0.15 * 0.45 * 8_000)) < 1e-9)
        let mid = grid.cells.first { $0.code == "S2-A1-T2" }!
        // 640/48 has no label: 1 loan, 0 labelled.
        #expect(mid.loans == 1 && mid.labelled == 0 && mid.badRate == nil)
        #expect(grid.cells.map(\.loans).reduce(0, +) == 8)
        #expect(grid.cells.map(\.code) == ["S1-A1-T1", "S1-A1-T2", "S2-A1-T1", "S2-A1-T2", "S3-A1-T2"])
        let contingency = try #require(grid.contingency)
        #expect(contingency.columnLabels == ["segment 1", "segment 2", "segment 3"])
        #expect(contingency.counts[0] == [0, 0, 2])
        #expect(contingency.counts.map { $0.reduce(0, +) } == grid.cells.map(\.loans))
        #expect(
            contingency.table(rowHeader: "cell").columnNames == [
                "cell", "segment 1", "segment 2", "segment 3", "total",
            ])
        #expect(
            grid.table.columnNames == [
                "cell", "score_band", "amount_band", "term_band", "loans", "share", "balance", "defaults", "bad_rate",
                "el",
            ])
    }

    @Test("bad specifications are errors")
    func badSpecs() throws {
        #expect(throws: SegmentationError.self) { try TierGrid(table: Self.tape(), spec: TierGridSpec()) }
        let noScore = try Self.tape().selecting(["principal", "term_months"])
        #expect(throws: SegmentationError.self) {
            try TierGrid(table: noScore, spec: TierGridSpec(scoreBands: try Bands.parse("600", option: "score-bands")))
        }
        let amounts = try TierGrid(
            table: noScore, spec: TierGridSpec(amountBands: try Bands.parse("10000", option: "amount-bands")))
        #expect(amounts.cells.count == 2 && amounts.elSource == .none && amounts.contingency == nil)
    }
}
