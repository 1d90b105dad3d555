import Foundation
import StrataKernels
import Testing

@testable import StrataFrame

/// generate → ingest → snapshot → load: the loaded table equals the ingested one bit for bit, and
/// both equal an independent parse of the CSV text.
@Suite struct RoundTripTests {
    @Test func millionLoanTapeSurvivesSnapshotBitForBit() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("strata-roundtrip-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let csv = directory.appendingPathComponent("tape.csv").path
        let snapshot = directory.appendingPathComponent("book.strata").path
        let loans = 1_000_000
        try LoanTapeGenerator(loans: loans, seed: 2024, asOf: CivilDate("2026-06-30")!).write(to: csv)
        let ingested = try CSVIngest.ingest(path: csv)
        #expect(ingested.read == loans && ingested.accepted == loans && ingested.rejected == 0)
        try Snapshot.write(ingested.table, to: snapshot)
        let loaded = try Snapshot.load(path: snapshot, verify: true)
        #expect(loaded.columnNames == LoanTape.columnNames)
        for (a, b) in zip(ingested.table.columns, loaded.columns) {
            #expect(a.name == b.name && a.type == b.type)
            #expect(Self.bitwiseEqual(a.values, b.values), "column \(a.name) differs after the snapshot")
            #expect(a.validity == b.validity)
        }
        // Independent check: every 997th row's fields parsed with Swift's own Double/Int/CivilDate.
        let text = try String(contentsOfFile: csv, encoding: .utf8)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        lines.removeFirst()
        var checked = 0
        for row in stride(from: 0, to: loans, by: 997) {
            let fields = lines[row].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            for (c, column) in loaded.columns.enumerated() {
                let field = fields[c]
                switch column.values {
                case .float64(let values):
                    #expect(values[row].bitPattern == Double(field)!.bitPattern)
                case .int64(let values):
                    if field.isEmpty { #expect(!column.isValid(row)) } else { #expect(values[row] == Int64(field)!) }
                case .date(let values): #expect(values[row] == CivilDate(field)!.daysSinceEpoch)
                case .category(let values): #expect(values.value(at: row) == field)
                case .string(let values): #expect(values.value(at: row) == field)
                }
            }
            checked += 1
        }
        #expect(checked > 1_000)
    }

    static func bitwiseEqual(_ a: ColumnValues, _ b: ColumnValues) -> Bool {
        switch (a, b) {
        case (.float64(let x), .float64(let y)): return x.bitwiseEqual(y)
        case (.int64(let x), .int64(let y)): return x.bitwiseEqual(y)
        case (.date(let x), .date(let y)): return x.bitwiseEqual(y)
        case (.category(let x), .category(let y)): return x.codes.bitwiseEqual(y.codes) && x.dictionary == y.dictionary
        case (.string(let x), .string(let y)): return x.offsets.bitwiseEqual(y.offsets) && x.bytes.bitwiseEqual(y.bytes)
        default: return false
        }
    }
}
