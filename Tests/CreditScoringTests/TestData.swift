import CreditScoring
import Foundation
import StrataFrame
import StrataKernels

/// Helpers shared by the CreditScoring tests: fixture files and synthetic tables.
enum TestData {
    /// The folder of fixtures made by Fixtures/make_fixtures.py.
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// A numeric CSV fixture as columns by header name.
    static func csv(_ name: String) throws -> [String: [Double]] {
        let text = try String(contentsOf: fixtures.appendingPathComponent(name), encoding: .utf8)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        let header = lines.removeFirst().split(separator: ",").map(String.init)
        var columns = [String: [Double]]()
        for name in header { columns[name] = [] }
        for line in lines {
            for (i, field) in line.split(separator: ",", omittingEmptySubsequences: false).enumerated() {
                columns[header[i]]!.append(Double(String(field))!)
            }
        }
        return columns
    }

    /// A JSON fixture as a dictionary.
    static func json(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: fixtures.appendingPathComponent(name))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    /// A float column, with missing values where `values` holds nil.
    static func float(_ name: String, _ values: [Double?]) -> Column {
        let hasMissing = values.contains { $0 == nil }
        return Column(
            name: name, values: .float64(ColumnBuffer(values.map { $0 ?? 0 })),
            validity: hasMissing ? ValidityBitmap(values.map { $0 != nil }) : nil)
    }

    /// An integer column.
    static func int(_ name: String, _ values: [Int64]) -> Column {
        Column(name: name, values: .int64(ColumnBuffer(values)))
    }

    /// A category column, with missing values where `values` holds nil.
    static func category(_ name: String, _ values: [String?]) -> Column {
        let hasMissing = values.contains { $0 == nil }
        return Column(
            name: name, values: .category(CategoryValues(values.map { $0 ?? "" })),
            validity: hasMissing ? ValidityBitmap(values.map { $0 != nil }) : nil)
    }

    /// A synthetic credit table of `n` rows: numeric risk drivers (one with missing values and a
    /// special value 999), a category with a rare level, an identifier, and a 0/1 target drawn
    /// from a logistic model.
    static func creditTable(rows n: Int, seed: UInt64 = 1) -> Table {
        var rng = RandomStream(seed: seed, stream: 99)
        var income = [Double?]()
        var dti = [Double?]()
        var utilization = [Double?]()
        var inquiries = [Int64]()
        var region = [String?]()
        var noise = [Double?]()
        var ids = [String]()
        var target = [Int64]()
        let regions = ["north", "south", "east", "west", "islands"]
        for i in 0..<n {
            let inc = (30_000 + 70_000 * rng.nextUniform()).rounded()
            let d = (rng.nextUniform() * 0.6 * 1000).rounded() / 1000
            let u = rng.nextUniform() < 0.08 ? nil : (rng.nextUniform() * 1.2 * 100).rounded() / 100
            let special = rng.nextUniform() < 0.03
            let q = Int64(rng.nextUniform() * 6)
            let rIndex = rng.nextUniform() < 0.01 ? 4 : Int(rng.nextUniform() * 4)
            let eta =
                -2.2 - 1.2 * (inc - 65_000) / 20_000 + 3.0 * (d - 0.3) + 1.4 * ((u ?? 0.9) - 0.6) + 0.25 * Double(q)
                + [0.3, -0.2, 0.0, 0.4, 0.8][rIndex] + (special ? 0.7 : 0)
            let bad = rng.nextUniform() < 1 / (1 + exp(-eta))
            income.append(inc)
            dti.append(d)
            utilization.append(special ? 999 : u)
            inquiries.append(q)
            region.append(regions[rIndex])
            noise.append(rng.nextUniform())
            ids.append("L\(i)")
            target.append(bad ? 1 : 0)
        }
        return try! Table(columns: [
            Column(name: "loan_id", values: .string(StringValues(ids))),
            float("annual_income", income), float("debt_to_income", dti), float("utilization", utilization),
            int("inquiries_6m", inquiries), category("region", region), float("noise", noise),
            int("defaulted_12m", target),
        ])
    }
}
