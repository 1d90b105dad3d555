import Foundation
import Testing

@testable import StrataFrame

/// The same file gives bit-identical tables, counts and rejects for any thread count and any
/// block size (many small blocks exercise the quote-aware split).
@Suite("Ingest determinism")
struct IngestDeterminismTests {
    /// A loan tape with quoted fields (commas, quotes, CR/LF inside), CRLF line ends, extra
    /// columns of every inferred type (the first `extraColumns` of them; with none, every column
    /// is typed from the header and the ingest reads the file in one pass), missing values,
    /// duplicate ids and bad rows. The rows do not depend on `extraColumns`.
    static func messyTape(rows: Int, seed: UInt64, extraColumns: Int = 5) -> String {
        var rng = SplitMix(seed: seed)
        let columns =
            LoanTape.columnNames + ["score_band", "note", "review_date", "weight", "ref"].prefix(extraColumns)
        var lines = [columns.joined(separator: ",")]
        let regions = ["north", "south", "\"east, upper\"", "\"west \"\"new\"\"\"", "\"multi\r\nline\"", "central"]
        let industries = ["retail", "farming", "\"mining\nand quarrying\"", "tech"]
        let products = LoanTape.products
        for k in 0..<rows {
            var v = TapeBuilder.defaults
            v["loan_id"] = "L\(k % 997 == 5 ? k - 1 : k)"
            v["customer_id"] = "C\(rng.next() % 500)"
            v["product"] = products[Int(rng.next() % 5)]
            v["region"] = regions[Int(rng.next() % UInt64(regions.count))]
            v["industry"] = industries[Int(rng.next() % UInt64(industries.count))]
            v["balance"] = String(Double(rng.next() % 10_000_000) / 100)
            v["interest_rate"] = "0.\(String(rng.next() % 100_000))"
            v["utilization"] = String(Double(bitPattern: 0x3FF0_0000_0000_0000 | (rng.next() >> 12)) - 1)
            v["age"] = String(18 + rng.next() % 80)
            v["defaulted_12m"] = rng.next() % 5 == 0 ? "" : String(rng.next() % 2)
            v["score_band"] = rng.next() % 9 == 0 ? "" : "band\(rng.next() % 7)"
            v["note"] = "\"free text \(rng.next() % 100_000), \"\"quoted\"\"\""
            v["review_date"] =
                rng.next() % 4 == 0 ? "" : String(format: "2023-%02d-%02d", 1 + rng.next() % 12, 1 + rng.next() % 28)
            v["weight"] = rng.next() % 6 == 0 ? "" : String(Double(rng.next() % 1000) / 7)
            v["ref"] = String(rng.next() % 1_000_000)
            switch rng.next() % 61 {
            case 0: v["balance"] = "oops"
            case 1: v["remaining_months"] = "999"
            case 2: v["product"] = "yacht"
            case 3: v["origination_date"] = "2024-02-30"
            default: break
            }
            var line = columns.map { v[$0] ?? "" }.joined(separator: ",")
            if rng.next() % 97 == 0 { line += ",extra" }
            lines.append(line)
            if rng.next() % 50 == 0 { lines.append("") }
        }
        return lines.joined(separator: "\r\n")  // no final newline
    }

    /// Column-by-column, bit-for-bit equality.
    static func identical(_ a: Table, _ b: Table) -> Bool {
        guard a.columnNames == b.columnNames, a.rowCount == b.rowCount else { return false }
        for (x, y) in zip(a.columns, b.columns) {
            guard x.validity == y.validity else { return false }
            switch (x.values, y.values) {
            case (.float64(let p), .float64(let q)): if !p.bitwiseEqual(q) { return false }
            case (.int64(let p), .int64(let q)): if !p.bitwiseEqual(q) { return false }
            case (.date(let p), .date(let q)): if !p.bitwiseEqual(q) { return false }
            case (.category(let p), .category(let q)):
                if !p.codes.bitwiseEqual(q.codes) || p.dictionary != q.dictionary { return false }
            case (.string(let p), .string(let q)):
                if !p.offsets.bitwiseEqual(q.offsets) || !p.bytes.bitwiseEqual(q.bytes) { return false }
            default: return false
            }
        }
        return true
    }

    @Test func identicalForEveryThreadCountAndBlockSize() throws {
        let text = Self.messyTape(rows: 2_500, seed: 42)
        let path = TempCSV.write(text)
        func run(threads: Int, chunkBytes: Int) throws -> (IngestResult, [UInt8], [UInt8]) {
            var options = IngestOptions(
                rejectsPath: path + ".\(threads).\(chunkBytes).rej", maxRejectRate: 1, threads: threads)
            options.chunkBytes = chunkBytes
            let result = try CSVIngest.ingest(path: path, options: options)
            let rejects = try Data(contentsOf: URL(fileURLWithPath: options.rejectsPath!))
            let errors = try Data(contentsOf: URL(fileURLWithPath: options.rejectsPath! + ".errors.csv"))
            return (result, Array(rejects), Array(errors))
        }
        let (reference, referenceRejects, referenceErrors) = try run(threads: 1, chunkBytes: 1 << 24)
        #expect(reference.rejected > 20 && reference.accepted > 2_000)
        #expect(reference.read == 2_500 && reference.read == reference.accepted + reference.rejected)
        #expect(
            Set(reference.rejectsByReason.keys) == [
                "bad_number", "remaining_exceeds_term", "bad_category", "bad_date", "field_count", "duplicate_id",
            ])
        #expect(reference.table.schema.suffix(5).map(\.type) == [.category, .category, .date, .float64, .int64])
        for (threads, chunkBytes) in [(1, 700), (2, 700), (3, 700), (2, 4_096), (3, 65), (2, 1 << 16)] {
            let (result, rejects, errors) = try run(threads: threads, chunkBytes: chunkBytes)
            #expect(Self.identical(result.table, reference.table), "threads \(threads), blocks of \(chunkBytes) bytes")
            #expect(result.read == reference.read && result.rejected == reference.rejected)
            #expect(result.rejectsByReason == reference.rejectsByReason)
            #expect(rejects == referenceRejects && errors == referenceErrors)
        }
    }

    /// A loan tape without extra columns is read in one pass (scan, hand-off and parse per
    /// block): the same table, counts and rejects for any thread count and block size, and the
    /// same as the general path gives for the same rows.
    @Test func onePassIsIdenticalForEveryThreadCountAndBlockSize() throws {
        let text = Self.messyTape(rows: 2_500, seed: 7, extraColumns: 0)
        let path = TempCSV.write(text)
        func run(threads: Int, chunkBytes: Int) throws -> (IngestResult, [UInt8], [UInt8]) {
            var options = IngestOptions(
                rejectsPath: path + ".\(threads).\(chunkBytes).rej", maxRejectRate: 1, threads: threads)
            options.chunkBytes = chunkBytes
            let result = try CSVIngest.ingest(path: path, options: options)
            let rejects = try Data(contentsOf: URL(fileURLWithPath: options.rejectsPath!))
            let errors = try Data(contentsOf: URL(fileURLWithPath: options.rejectsPath! + ".errors.csv"))
            return (result, Array(rejects), Array(errors))
        }
        let (reference, referenceRejects, referenceErrors) = try run(threads: 1, chunkBytes: 1 << 24)
        #expect(reference.rejected > 20 && reference.accepted > 2_000)
        #expect(reference.read == 2_500 && reference.read == reference.accepted + reference.rejected)
        for (threads, chunkBytes) in [(1, 700), (2, 700), (3, 700), (2, 4_096), (3, 65), (2, 1 << 16)] {
            let (result, rejects, errors) = try run(threads: threads, chunkBytes: chunkBytes)
            #expect(Self.identical(result.table, reference.table), "threads \(threads), blocks of \(chunkBytes) bytes")
            #expect(result.read == reference.read && result.rejected == reference.rejected)
            #expect(result.rejectsByReason == reference.rejectsByReason)
            #expect(rejects == referenceRejects && errors == referenceErrors)
        }
        // The general path (three passes), forced by one extra column, reads the same rows.
        let wider = Self.messyTape(rows: 2_500, seed: 7, extraColumns: 1)
        var options = IngestOptions(rejectsPath: path + ".wider.rej", maxRejectRate: 1, threads: 2)
        options.chunkBytes = 700
        let general = try CSVIngest.ingest(path: TempCSV.write(wider), options: options)
        #expect(general.read == reference.read && general.rejected == reference.rejected)
        let columns = reference.table.columns
        let generalColumns = Array(general.table.columns.prefix(columns.count))
        #expect(
            Self.identical(
                try Table(columns: columns, rowCount: reference.table.rowCount),
                try Table(columns: generalColumns, rowCount: general.table.rowCount)))
    }

    /// The one-pass read allocates the columns before it knows the row count, from an estimate
    /// on the first MiB. Long records first and short ones after make the estimate too small:
    /// the columns are then allocated again at the exact size and every block parsed again,
    /// with the same table for every thread count and block size.
    @Test func rowEstimateTooSmallGivesTheSameTable() throws {
        var tape = TapeBuilder()
        let longID = String(repeating: "x", count: 58)
        for k in 0..<4_000 { tape.add(["loan_id": "L\(k)" + longID, "customer_id": "C\(k)" + longID]) }
        for k in 4_000..<20_000 { tape.add(["loan_id": "L\(k)"]) }
        let path = TempCSV.write(tape.text)
        let one = try CSVIngest.ingest(path: path, options: IngestOptions(threads: 1))
        #expect(one.accepted == 20_000)
        let ids = try one.table.column(named: "loan_id")
        #expect(ids.text(at: 0) == "L0" + longID && ids.text(at: 19_999) == "L19999")
        for (threads, chunkBytes) in [(2, 1 << 18), (3, 5_000)] {
            var options = IngestOptions(threads: threads)
            options.chunkBytes = chunkBytes
            let other = try CSVIngest.ingest(path: path, options: options)
            #expect(Self.identical(one.table, other.table), "threads \(threads), blocks of \(chunkBytes) bytes")
        }
    }

    @Test func valuesMatchAnIndependentReading() throws {
        // A clean tape: every field's value checked against Swift's own parsing of the text.
        var builder = TapeBuilder()
        var rng = SplitMix(seed: 9)
        var balances = [Double]()
        var regions = [String]()
        for k in 0..<3_000 {
            let balance = String(Double(rng.next() % 1_000_000_000) / 1000)
            let region = ["a", "b\"q", "c,d", "e\nf"][Int(rng.next() % 4)]
            balances.append(Double(balance)!)
            regions.append(region)
            let quotedRegion = "\"" + region.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            builder.add(["balance": balance, "region": quotedRegion, "loan_id": "id-\(k)"])
        }
        for threads in [1, 2] {
            let result = try TempCSV.ingest(builder.text, threads: threads, chunkBytes: 1_000)
            #expect(result.accepted == 3_000)
            let table = result.table
            #expect(try table.float64("balance").array.map(\.bitPattern) == balances.map(\.bitPattern))
            let region = try table.category("region")
            #expect((0..<3_000).map { region.value(at: $0) } == regions)
            let ids = try table.string("loan_id")
            #expect(ids.value(at: 2_999) == "id-2999")
            #expect(try table.date("as_of_date")[0] == CivilDate(year: 2024, month: 6, day: 30)!.daysSinceEpoch)
            let product = try table.category("product")
            #expect(product.dictionary == LoanTape.products, "fixed sets keep their canonical order")
        }
    }
}
