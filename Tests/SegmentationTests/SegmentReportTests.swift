import Foundation
import Segmentation
import StrataFrame
import StrataKernels
import Testing

@Suite("segment profiles, tiers and models")
struct SegmentReportTests {
    /// Three groups of 40, 30 and 30 loans:
    /// A: income ~50k, DTI ~0.30, pd 0.04; B: income ~150k, DTI ~0.10, pd 0.01; C: income ~40k, DTI ~0.55, pd 0.12.
    /// Row 5 misses its DTI (skipped with --drop-missing).
    static func book(missing: Bool = false) -> Table {
        var income = [Double]()
        var dti = [Double]()
        var pd = [Double]()
        var defaulted = [Int64]()
        var balance = [Double]()
        for i in 0..<100 {
            let wobble = Double(i % 7) - 3
            switch i {
            case 0..<40:
                income.append(50_000 + 500 * wobble)
                dti.append(0.30 + 0.005 * wobble)
                pd.append(0.04)
                defaulted.append(i % 10 == 0 ? 1 : 0)
            case 40..<70:
                income.append(150_000 + 800 * wobble)
                dti.append(0.10 + 0.004 * wobble)
                pd.append(0.01)
                defaulted.append(0)
            default:
                income.append(40_000 + 400 * wobble)
                dti.append(0.55 + 0.006 * wobble)
                pd.append(0.12)
                defaulted.append(i % 5 == 0 ? 1 : 0)
            }
            balance.append(Double(1000 + i))
        }
        let validity = missing ? ValidityBitmap((0..<100).map { $0 != 5 }) : nil
        return try! Table(columns: [
            Column(name: "annual_income", values: .float64(ColumnBuffer(income))),
            Column(name: "debt_to_income", values: .float64(ColumnBuffer(dti)), validity: validity),
            Column(name: "pd", values: .float64(ColumnBuffer(pd))),
            Column(name: "defaulted_12m", values: .int64(ColumnBuffer(defaulted))),
            Column(name: "balance", values: .float64(ColumnBuffer(balance))),
        ])
    }

    /// Fits with starting centroids at rows 0 (A), 40 (B), 70 (C), so segment numbers are known.
    static func fit(_ table: Table, dropMissing: Bool = false) throws -> (FeatureMatrix, KMeansResult) {
        let matrix = try FeatureMatrix(
            table: table,
            spec: FeatureSpec(columns: ["annual_income", "debt_to_income"], dropMissing: dropMissing), blockRows: 16)
        let rows = [0, 40 - (dropMissing ? 1 : 0), 70 - (dropMissing ? 1 : 0)]
        let initial = rows.flatMap { matrix.row($0) }
        let fit = try KMeans.fit(matrix, options: KMeansOptions(k: 3, initialCentroids: initial))
        return (matrix, fit)
    }

    @Test("profiles: sizes, centroids in original units, risk figures")
    func profiles() throws {
        let table = Self.book()
        let (matrix, fit) = try Self.fit(table)
        let report = try SegmentReport(table: table, matrix: matrix, fit: fit, tiers: 3)
        #expect(report.profiles.map(\.loans) == [40, 30, 30])
        #expect(report.profiles.map(\.share) == [0.4, 0.3, 0.3])
        #expect(abs(report.profiles[1].centroid[0] - 150_000 - 800 * Self.meanWobble(40..<70)) < 1e-6)
        #expect(abs(report.profiles[0].meanPD! - 0.04) < 1e-15)
        #expect(report.profiles[0].defaults == 4 && report.profiles[0].labelledLoans == 40)
        #expect(abs(report.profiles[2].defaultRate! - 6.0 / 30) < 1e-15)
        #expect(report.profiles[1].totalBalance == (40..<70).reduce(0.0) { $0 + Double(1000 + $1) })
        #expect(report.profiles[0].totalEAD == nil && report.profiles[0].totalEL == nil)
        #expect(report.ranking == .meanPD)
        // Rank by mean pd: B (0.01) first, then A, then C.
        #expect(report.profiles.map(\.rank) == [2, 1, 3])
        #expect(report.profiles.map(\.tier) == [2, 1, 3])
        #expect(report.profiles[1].description.contains("high income"))
        #expect(report.profiles[1].description.contains("low DTI"))
        #expect(report.profiles[2].description.contains("high DTI"))
    }

    static func meanWobble(_ rows: Range<Int>) -> Double {
        rows.map { Double($0 % 7) - 3 }.reduce(0, +) / Double(rows.count)
    }

    @Test("tiers group consecutive ranks: tier = floor((rank - 1) T / k) + 1")
    func tierGrouping() throws {
        let table = Self.book()
        let (matrix, fit) = try Self.fit(table)
        let two = try SegmentReport(table: table, matrix: matrix, fit: fit, tiers: 2)
        // Ranks 2, 1, 3 -> tiers floor(2/3)+1 = 1, 1, floor(4/3)+1 = 2.
        #expect(two.profiles.map(\.tier) == [1, 1, 2])
        let many = try SegmentReport(table: table, matrix: matrix, fit: fit, tiers: 9)
        #expect(many.tierCount == 3)
        #expect(throws: SegmentationError.option(name: "tiers", reason: "must be at least 1, got 0")) {
            try SegmentReport(table: table, matrix: matrix, fit: fit, tiers: 0)
        }
    }

    @Test("ranking falls back to default rate, then to a feature risk index")
    func rankingFallback() throws {
        let full = Self.book()
        let noPD = try full.selecting(["annual_income", "debt_to_income", "defaulted_12m"])
        let (matrix, fit) = try Self.fit(noPD)
        let byRate = try SegmentReport(table: noPD, matrix: matrix, fit: fit)
        #expect(byRate.ranking == .defaultRate)
        #expect(byRate.profiles.map(\.rank) == [2, 1, 3])
        let bare = try full.selecting(["annual_income", "debt_to_income"])
        let byIndex = try SegmentReport(table: bare, matrix: matrix, fit: fit)
        #expect(byIndex.ranking == .featureRiskIndex)
        // High income and low DTI is the least risky by the index too.
        #expect(byIndex.profiles.map(\.rank) == [2, 1, 3])
    }

    @Test("assignment columns: 1-based segments, tiers, missing for skipped loans")
    func assignmentColumns() throws {
        let table = Self.book(missing: true)
        let (matrix, fit) = try Self.fit(table, dropMissing: true)
        #expect(matrix.skippedRows == 1)
        let report = try SegmentReport(table: table, matrix: matrix, fit: fit)
        let (segment, tier) = report.assignmentColumns(labels: fit.labels, matrix: matrix)
        #expect(segment.count == 100 && segment.nullCount == 1 && !segment.isValid(5))
        guard case .int64(let values) = segment.values, case .int64(let tiers) = tier.values else {
            Issue.record("segment and tier must be Int64 columns")
            return
        }
        #expect(values[0] == 1 && values[45] == 2 && values[99] == 3)
        #expect(tiers[45] == Int64(report.profiles[1].tier))
    }

    @Test("the export table has the profile columns")
    func exportTable() throws {
        let table = Self.book()
        let (matrix, fit) = try Self.fit(table)
        let report = try SegmentReport(table: table, matrix: matrix, fit: fit)
        #expect(
            report.table.columnNames == [
                "segment", "tier", "rank", "loans", "share", "description", "annual_income", "debt_to_income",
                "mean_pd",
                "default_rate", "total_balance",
            ])
        #expect(report.table.rowCount == 3)
    }

    @Test("a model round-trips through JSON and places loans as the fit did")
    func modelRoundTrip() throws {
        let table = Self.book()
        let (matrix, fit) = try Self.fit(table)
        let report = try SegmentReport(table: table, matrix: matrix, fit: fit)
        let model = SegmentModel(report: report, fit: fit, matrix: matrix, seed: 42, weightColumn: nil)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("seg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("model.json").path
        try model.write(to: path)
        let loaded = try SegmentModel.load(path: path)
        #expect(loaded == model)
        #expect(loaded.centroids.flatMap { $0 }.map(\.bitPattern) == fit.centroids.map(\.bitPattern))
        let assignment = try loaded.assign(table, dropMissing: false)
        #expect(assignment.counts == [40, 30, 30])
        guard case .int64(let segments) = assignment.segment.values else {
            Issue.record("segment must be Int64")
            return
        }
        #expect(segments.array == fit.labels.array.map { Int64($0) + 1 })
    }

    @Test("malformed model files are errors with a reason")
    func badModels() throws {
        #expect(throws: SegmentationError.modelFile(path: "m.json", reason: "malformed JSON or value at the top level"))
        {
            try SegmentModel.decode(Data("{not json".utf8), path: "m.json")
        }
        #expect(throws: SegmentationError.modelFile(path: "m.json", reason: "missing field 'format'")) {
            try SegmentModel.decode(Data("{}".utf8), path: "m.json")
        }
        let table = Self.book()
        let (matrix, fit) = try Self.fit(table)
        let report = try SegmentReport(table: table, matrix: matrix, fit: fit)
        var model = SegmentModel(report: report, fit: fit, matrix: matrix, seed: 1, weightColumn: nil)
        model.version = 99
        #expect(
            throws: SegmentationError.modelFile(
                path: "m.json", reason: "version 99 is not supported (this build reads 1)")
        ) {
            try SegmentModel.decode(Data(model.jsonText().utf8), path: "m.json")
        }
        model.version = 1
        model.centroids.removeLast()
        #expect(throws: SegmentationError.self) { try SegmentModel.decode(Data(model.jsonText().utf8), path: "m.json") }
        #expect(throws: SegmentationError.modelFile(path: "/nonexistent/m.json", reason: "cannot read the file")) {
            try SegmentModel.load(path: "/nonexistent/m.json")
        }
    }

    @Test("centroid files: original units, any column order, errors with line numbers")
    func centroidFiles() throws {
        let table = Self.book()
        let (matrix, _) = try Self.fit(table)
        let file = try CentroidFile.parse(
            "segment,debt_to_income,annual_income\n1,0.3,50000\n2,0.1,150000\n", path: "c.csv")
        let standardized = try file.standardized(for: matrix.features, path: "c.csv")
        #expect(standardized.count == 4)
        #expect(abs(standardized[0] - matrix.features[0].standardized(50_000)) < 1e-15)
        #expect(abs(standardized[3] - matrix.features[1].standardized(0.1)) < 1e-15)
        #expect(throws: SegmentationError.modelFile(path: "c.csv", reason: "line 3: expected 2 values, got 1")) {
            try CentroidFile.parse("a,b\n1,2\n3\n", path: "c.csv")
        }
        #expect(throws: SegmentationError.modelFile(path: "c.csv", reason: "line 2, column 'b': 'x' is not a number")) {
            try CentroidFile.parse("a,b\n1,x\n", path: "c.csv")
        }
        let missing = try CentroidFile.parse("annual_income\n1\n", path: "c.csv")
        #expect(throws: SegmentationError.modelFile(path: "c.csv", reason: "feature 'debt_to_income' has no column")) {
            try missing.standardized(for: matrix.features, path: "c.csv")
        }
    }
}
