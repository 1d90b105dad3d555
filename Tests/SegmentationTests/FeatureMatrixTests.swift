import Foundation
import Segmentation
import StrataFrame
import StrataKernels
import Testing

@Suite("feature matrix")
struct FeatureMatrixTests {
    static let income: [Double] = [30_000, 45_000, 52_000, 61_000, 75_000, 90_000, 120_000, 250_000, 38_000, 66_000]
    static let dti: [Double] = [0.42, 0.35, 0.3, 0.28, 0.2, 0.18, 0.15, 0.1, 0.5, 0.25]
    static let product = [
        "mortgage", "consumer", "mortgage", "auto", "mortgage", "consumer", "auto", "mortgage", "consumer", "mortgage",
    ]

    static func table() -> Table {
        try! Table(columns: [
            Column(name: "annual_income", values: .float64(ColumnBuffer(income))),
            Column(name: "debt_to_income", values: .float64(ColumnBuffer(dti))),
            Column(name: "term_months", values: .int64(ColumnBuffer((0..<10).map { Int64(12 + 12 * ($0 % 4)) }))),
            Column(name: "product", values: .category(CategoryValues(product))),
            Column(name: "loan_id", values: .string(StringValues((0..<10).map { "L\($0)" }))),
        ])
    }

    @Test("z-score: (t - mean) / population sd, against a naive computation")
    func zscore() throws {
        let x = try FeatureMatrix(
            table: Self.table(), spec: FeatureSpec(columns: ["annual_income", "debt_to_income", "term_months"]),
            blockRows: 3)
        #expect(x.rowCount == 10 && x.dimension == 3)
        let mean = Self.income.reduce(0, +) / 10
        let sd = (Self.income.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 10).squareRoot()
        for i in 0..<10 {
            #expect(abs(x.value(row: i, feature: 0) - (Self.income[i] - mean) / sd) < 1e-12)
        }
        #expect(abs(x.features[0].center - mean) < 1e-9 && abs(x.features[0].scale - sd) < 1e-9)
        // Round trip to original units.
        #expect(abs(x.features[0].original(x.value(row: 7, feature: 0)) - 250_000) < 1e-6)
        // Int64 columns are features too.
        #expect(x.features[2].name == "term_months")
    }

    @Test("robust: (t - median) / IQR with linear quartiles")
    func robust() throws {
        let x = try FeatureMatrix(
            table: Self.table(), spec: FeatureSpec(columns: ["annual_income"], standardization: .robust))
        // Sorted: 30, 38, 45, 52, 61, 66, 75, 90, 120, 250 (thousands). h = 9p:
        // q25 = x(2.25) = 45 + 0.25·7 = 46.75; median = x(4.5) = 63.5; q75 = x(6.75) = 75 + 0.75·15 = 86.25.
        #expect(abs(x.features[0].center - 63_500) < 1e-9)
        #expect(abs(x.features[0].scale - (86_250 - 46_750)) < 1e-9)
    }

    @Test("quantiles by selection match sorting", arguments: [1, 2, 7, 100, 1001])
    func quantiles(count: Int) throws {
        var random = RandomStream(seed: UInt64(count), stream: 0)
        // Many ties: values on a coarse grid.
        let values = (0..<count).map { _ in (random.nextUniform() * 20).rounded() }
        let table = SegmentationTestData.table([("v", values), ("w", values.map { -$0 })])
        let sorted = values.sorted()
        func linear(_ p: Double) -> Double {
            let h = Double(count - 1) * p
            let lo = Int(h.rounded(.down))
            let hi = min(lo + 1, count - 1)
            return sorted[lo] + (h - Double(lo)) * (sorted[hi] - sorted[lo])
        }
        guard Set(values).count > 1 else { return }
        let x = try FeatureMatrix(table: table, spec: FeatureSpec(columns: ["v"], standardization: .robust))
        #expect(x.features[0].center == linear(0.5))
        let iqr = linear(0.75) - linear(0.25)
        if iqr > 0 { #expect(abs(x.features[0].scale - iqr) < 1e-12) }
    }

    @Test("none: centred by the mean, not scaled")
    func none() throws {
        let x = try FeatureMatrix(
            table: Self.table(), spec: FeatureSpec(columns: ["debt_to_income"], standardization: .none))
        let mean = Self.dti.reduce(0, +) / 10
        #expect(x.features[0].scale == 1)
        #expect(abs(x.value(row: 0, feature: 0) - (0.42 - mean)) < 1e-15)
    }

    @Test("--log applies log(1 + x) before standardising")
    func logTransform() throws {
        let x = try FeatureMatrix(
            table: Self.table(),
            spec: FeatureSpec(columns: ["annual_income"], standardization: .none, logColumns: ["annual_income"]))
        let logs = Self.income.map { log1p($0) }
        let mean = logs.reduce(0, +) / 10
        #expect(abs(x.value(row: 3, feature: 0) - (logs[3] - mean)) < 1e-12)
        #expect(abs(x.features[0].original(x.value(row: 3, feature: 0)) - 61_000) < 1e-6)
        let negative = SegmentationTestData.table([("v", [1, -2, 3])])
        #expect(throws: SegmentationError.feature(name: "v", reason: "--log needs values above -1; row 2 has -2")) {
            try FeatureMatrix(table: negative, spec: FeatureSpec(columns: ["v"], logColumns: ["v"]))
        }
        #expect(throws: SegmentationError.option(name: "log", reason: "'age' is not one of the features")) {
            try FeatureMatrix(table: Self.table(), spec: FeatureSpec(columns: ["annual_income"], logColumns: ["age"]))
        }
    }

    @Test("one-hot: one indicator per level present, only when asked")
    func oneHot() throws {
        #expect(
            throws: SegmentationError.feature(
                name: "product",
                reason: "is a category column; pass --one-hot to encode its levels as indicator features")
        ) {
            try FeatureMatrix(table: Self.table(), spec: FeatureSpec(columns: ["product"]))
        }
        let x = try FeatureMatrix(
            table: Self.table(), spec: FeatureSpec(columns: ["annual_income", "product"], oneHot: true))
        #expect(x.featureNames == ["annual_income", "product=mortgage", "product=consumer", "product=auto"])
        // Indicators are centred by the level share and not scaled: row 0 is a mortgage (share 0.5).
        #expect(abs(x.value(row: 0, feature: 1) - 0.5) < 1e-15)
        #expect(abs(x.value(row: 0, feature: 2) + 0.3) < 1e-15)
        #expect(abs(x.features[1].original(x.value(row: 0, feature: 1)) - 1) < 1e-15)
    }

    @Test("non-numeric, unknown and constant columns are errors")
    func badColumns() throws {
        #expect(throws: SegmentationError.feature(name: "loan_id", reason: "is a string column, not numeric")) {
            try FeatureMatrix(table: Self.table(), spec: FeatureSpec(columns: ["loan_id"]))
        }
        #expect(throws: SegmentationError.self) {
            try FeatureMatrix(table: Self.table(), spec: FeatureSpec(columns: ["nope"]))
        }
        #expect(throws: SegmentationError.option(name: "features", reason: "'annual_income' is listed twice")) {
            try FeatureMatrix(table: Self.table(), spec: FeatureSpec(columns: ["annual_income", "annual_income"]))
        }
        #expect(throws: SegmentationError.option(name: "features", reason: "no feature columns given")) {
            try FeatureMatrix(table: Self.table(), spec: FeatureSpec(columns: []))
        }
        let constant = SegmentationTestData.table([("c", [2, 2, 2]), ("v", [1, 2, 3])])
        #expect(
            throws: SegmentationError.feature(
                name: "c", reason: "is constant (every loan has 2); it cannot separate segments")
        ) {
            try FeatureMatrix(table: constant, spec: FeatureSpec(columns: ["v", "c"]))
        }
        let infinite = SegmentationTestData.table([("v", [1, .infinity, 3])])
        #expect(throws: SegmentationError.feature(name: "v", reason: "non-finite value inf in row 2")) {
            try FeatureMatrix(table: infinite, spec: FeatureSpec(columns: ["v"]))
        }
    }

    static func tableWithMissing() -> Table {
        let values: [Double] = [1, 2, 0, 4, 5, 0, 7, 8]
        let valid = [true, true, false, true, true, false, true, true]
        let other: [Double] = [10, 0, 30, 40, 50, 60, 70, 80]
        let otherValid = [true, false, true, true, true, true, true, true]
        return try! Table(columns: [
            Column(name: "a", values: .float64(ColumnBuffer(values)), validity: ValidityBitmap(valid)),
            Column(name: "b", values: .float64(ColumnBuffer(other)), validity: ValidityBitmap(otherValid)),
            Column(name: "c", values: .float64(ColumnBuffer([1, 2, 3, 4, 5, 6, 7, 9]))),
        ])
    }

    @Test("missing values: an error naming the column and count, or skipped with --drop-missing")
    func missing() throws {
        #expect(
            throws: SegmentationError.feature(
                name: "a", reason: "2 missing values (of 8 loans); pass --drop-missing to skip those loans")
        ) {
            try FeatureMatrix(table: Self.tableWithMissing(), spec: FeatureSpec(columns: ["c", "a", "b"]))
        }
        let x = try FeatureMatrix(
            table: Self.tableWithMissing(),
            spec: FeatureSpec(columns: ["a", "b"], standardization: .none, dropMissing: true), blockRows: 2)
        #expect(x.rowCount == 5)
        #expect(x.skippedRows == 3)
        #expect((0..<5).map { x.tableRow($0) } == [0, 3, 4, 6, 7])
        // Statistics use the kept rows only: mean of a over rows 0, 3, 4, 6, 7.
        #expect(abs(x.features[0].mean - 25.0 / 5) < 1e-15)
        #expect(abs(x.value(row: 1, feature: 0) - (4 - 5)) < 1e-15)
    }

    @Test("weights: gathered for kept rows; negative weights are an error")
    func weightColumn() throws {
        let table = SegmentationTestData.table([("v", [1, 2, 3, 4]), ("w", [1, 0, 2, 5])])
        let x = try FeatureMatrix(table: table, spec: FeatureSpec(columns: ["v"], weightColumn: "w"))
        #expect(x.weights?.array == [1, 0, 2, 5])
        let bad = SegmentationTestData.table([("v", [1, 2, 3]), ("w", [1, -1, 2])])
        #expect(throws: SegmentationError.self) {
            try FeatureMatrix(table: bad, spec: FeatureSpec(columns: ["v"], weightColumn: "w"))
        }
        let zero = SegmentationTestData.table([("v", [1, 2, 3]), ("w", [0, 0, 0])])
        #expect(throws: SegmentationError.feature(name: "w", reason: "every weight is zero")) {
            try FeatureMatrix(table: zero, spec: FeatureSpec(columns: ["v"], weightColumn: "w"))
        }
    }

    @Test("a fitted scaling is applied unchanged to new loans")
    func applyScaling() throws {
        let fitted = try FeatureMatrix(
            table: Self.table(), spec: FeatureSpec(columns: ["annual_income", "product"], oneHot: true))
        let newLoans = try Table(columns: [
            Column(name: "annual_income", values: .float64(ColumnBuffer([52_000, 1_000_000]))),
            Column(name: "product", values: .category(CategoryValues(["auto", "sme"]))),
        ])
        let x = try FeatureMatrix(
            table: newLoans, scaling: fitted.features, standardization: .zscore, dropMissing: false)
        #expect(x.value(row: 0, feature: 0) == fitted.value(row: 2, feature: 0))
        // 'sme' is unknown to the model: every indicator is 0 before centring.
        for f in 1...3 { #expect(abs(x.value(row: 1, feature: f) + fitted.features[f].center) < 1e-15) }
        #expect(abs(x.value(row: 0, feature: 3) - (1 - fitted.features[3].center)) < 1e-15)
    }
}
