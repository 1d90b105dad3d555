import Foundation
import Segmentation
import StrataFrame
import StrataKernels

/// Fixture files beside this test target (Tests/SegmentationTests/Fixtures) and small tables.
enum SegmentationTestData {
    /// The path of fixture `name`.
    static func fixturePath(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
            .appendingPathComponent(name).path
    }

    /// The text of fixture `name`.
    static func fixtureText(_ name: String) throws -> String {
        try String(contentsOfFile: fixturePath(name), encoding: .utf8)
    }

    /// A numeric CSV fixture as a table of Float64 columns.
    static func numericTable(_ name: String) throws -> Table {
        let lines = try fixtureText(name).split(separator: "\n").map(String.init)
        let header = lines[0].split(separator: ",").map(String.init)
        var values = [[Double]](repeating: [], count: header.count)
        for line in lines.dropFirst() {
            for (c, field) in line.split(separator: ",").enumerated() { values[c].append(Double(field)!) }
        }
        return try Table(
            columns: header.enumerated().map {
                Column(name: $0.element, values: .float64(ColumnBuffer(values[$0.offset])))
            })
    }

    /// The parsed kmeans_expected.json.
    static func expected() throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: fixturePath("kmeans_expected.json")))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    /// A table of Float64 columns from name → values.
    static func table(_ columns: [(String, [Double])]) -> Table {
        try! Table(columns: columns.map { Column(name: $0.0, values: .float64(ColumnBuffer($0.1))) })
    }

    /// Two well-separated groups in 3 features: rows 0..<a around (0, 0, 0), rows a..<a+b around
    /// (10, −10, 5), with deterministic jitter in [−0.5, 0.5].
    static func twoGroups(a: Int, b: Int) -> (values: [Double], truth: [Int]) {
        var values = [Double]()
        var truth = [Int]()
        var state: UInt64 = 12345
        func jitter() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53) - 0.5
        }
        for i in 0..<(a + b) {
            let centre: [Double] = i < a ? [0, 0, 0] : [10, -10, 5]
            for c in centre { values.append(c + jitter()) }
            truth.append(i < a ? 0 : 1)
        }
        return (values, truth)
    }

    /// Relative difference `|a − b| / max(|a|, |b|, tiny)`.
    static func relative(_ a: Double, _ b: Double) -> Double {
        abs(a - b) / max(abs(a), abs(b), 1e-300)
    }
}
