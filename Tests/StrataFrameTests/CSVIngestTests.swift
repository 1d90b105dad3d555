import Foundation
import StrataKernels
import Testing

@testable import StrataFrame

/// RFC 4180 reading, encodings, line ends, headers and inferred types.
@Suite("CSV ingest: format")
struct CSVIngestTests {
    @Test func readsQuotedFieldsWithCommasQuotesAndNewlines() throws {
        let csv =
            "id,name,amount\r\n" + "1,\"Smith, John\",10.5\r\n" + "2,\"She said \"\"hi\"\"\",20\r\n"
            + "3,\"two\r\nlines\",30\r\n" + "4,,40\r\n" + "5,\"\",50\r\n"
        let result = try TempCSV.ingest(csv, schema: .inferred)
        #expect(result.read == 5 && result.accepted == 5 && result.rejected == 0)
        let table = result.table
        #expect(table.columnNames == ["id", "name", "amount"])
        #expect(try table.int64("id").array == [1, 2, 3, 4, 5])
        let name = try table.column(named: "name")
        #expect(name.type == .category)
        #expect(name.text(at: 0) == "Smith, John")
        #expect(name.text(at: 1) == "She said \"hi\"")
        #expect(name.text(at: 2) == "two\r\nlines")
        #expect(!name.isValid(3) && !name.isValid(4), "empty fields (quoted or not) are missing")
        #expect(name.nullCount == 2)
        #expect(try table.float64("amount").array == [10.5, 20, 30, 40, 50])
    }

    @Test func lowBytesInsideUnquotedFieldsAreContent() throws {
        // Bytes below '-' other than the structural ones (space, '!', '#', '&', '(', '+', ...)
        // pass the tokenizer's first byte test; they must stay inside their field. Many records
        // and small blocks so the word-at-a-time path and block ends both see them.
        var lines = ["id,name,amount"]
        var names = [String]()
        for i in 0..<400 {
            let name = ["A B", " lead", "trail ", "x!#$%&'()*+y", "+", "a\tb", "Q&A (2)"][i % 7] + String(i)
            names.append(name)
            lines.append("\(i),\(name),+\(i).5")
        }
        for chunkBytes in [64, 256, 4096] {
            let result = try TempCSV.ingest(
                lines.joined(separator: "\n") + "\n", schema: .inferred, chunkBytes: chunkBytes)
            #expect(result.read == 400 && result.rejected == 0)
            let name = try result.table.column(named: "name")
            #expect((0..<400).allSatisfy { name.text(at: $0) == names[$0] })
            #expect(try result.table.float64("amount").array == (0..<400).map { Double($0) + 0.5 })
        }
    }

    /// The tokenizer (its 64-byte mask path for plain records, its general path for the rest)
    /// against a byte-by-byte RFC 4180 reference, on random records: plain, empty and quoted
    /// fields (with and without `""`, with commas, CR and LF inside, some longer than a 64-byte
    /// window), LF and CRLF line ends, lone CRs, wrong field counts and blank lines.
    @Test func tokenizerMatchesAByteLoop() {
        var state: UInt64 = 99
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(state >> 33) % bound
        }
        let columns = 5
        for _ in 0..<300 {
            var text = ""
            for _ in 0..<(1 + next(12)) {
                if next(15) == 0 {
                    text += next(2) == 0 ? "\n" : "\r\n"
                    continue
                }
                let fieldCount = next(10) == 0 ? 1 + next(8) : columns
                var fields = [String]()
                for _ in 0..<fieldCount {
                    switch next(10) {
                    case 0: fields.append("")
                    case 1: fields.append("\"a,\"\"b\r\nc\"")
                    case 2: fields.append(String(repeating: "x", count: next(90)))
                    case 3: fields.append("a\rb")
                    case 4: fields.append("\"\"")
                    case 5: fields.append("\"plain text\"")
                    case 6: fields.append("\"x,y\nz\r\n\"")
                    case 7: fields.append("\"" + String(repeating: "q,", count: next(60)) + "\"")
                    default: fields.append(String(next(1_000_000)))
                    }
                }
                text += fields.joined(separator: ",") + (next(3) == 0 ? "\r\n" : "\n")
            }
            let bytes = Array(text.utf8)
            let reference = Self.referenceRecords(bytes)
            let t = bytes.withUnsafeBufferPointer {
                CSVTokenizer.tokenize(
                    Span(_unsafeElements: $0), columns: columns, expectedRecords: reference.count, checkText: false)
            }
            #expect(t.records == reference.count)
            for (r, fields) in reference.enumerated() {
                if fields.isEmpty {
                    #expect(t.status[r] == CSVTokens.blank, "record \(r) of \(text.debugDescription)")
                } else if fields.count != columns {
                    #expect(t.status[r] == CSVTokens.rejected, "record \(r) of \(text.debugDescription)")
                } else {
                    #expect(t.status[r] == CSVTokens.ok, "record \(r) of \(text.debugDescription)")
                    guard t.status[r] == CSVTokens.ok else { continue }
                    let got = (0..<columns).map { j -> [UInt8] in
                        let f = t.fields[r * columns + j]
                        var out = [UInt8]()
                        bytes.withUnsafeBufferPointer {
                            let s = Span(_unsafeElements: $0)
                            if CSVTokens.escaped(f) {
                                ByteText.unescape(s, CSVTokens.lo(f), CSVTokens.hi(f), into: &out)
                            } else {
                                for i in CSVTokens.lo(f)..<CSVTokens.hi(f) { out.append(s[i]) }
                            }
                        }
                        return out
                    }
                    #expect(got == fields, "record \(r) of \(text.debugDescription)")
                }
            }
        }
    }

    /// Records of well-quoted CSV bytes, byte by byte: each record's unescaped fields; a blank
    /// line is an empty record. A record ends at LF or CRLF outside quotes; a lone CR is content.
    static func referenceRecords(_ bytes: [UInt8]) -> [[[UInt8]]] {
        var records = [[[UInt8]]]()
        var fields = [[UInt8]]()
        var field = [UInt8]()
        var i = 0
        var blank = true
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "\"") {
                blank = false
                i += 1
                while i < bytes.count {
                    if bytes[i] == UInt8(ascii: "\"") {
                        if i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "\"") {
                            field.append(UInt8(ascii: "\""))
                            i += 2
                            continue
                        }
                        i += 1
                        break
                    }
                    field.append(bytes[i])
                    i += 1
                }
                continue
            }
            let lineEnd =
                b == UInt8(ascii: "\n")
                || (b == UInt8(ascii: "\r") && i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "\n"))
            if lineEnd {
                if blank {
                    records.append([])
                } else {
                    fields.append(field)
                    records.append(fields)
                }
                fields = []
                field = []
                blank = true
                i += b == UInt8(ascii: "\n") ? 1 : 2
                continue
            }
            blank = false
            if b == UInt8(ascii: ",") {
                fields.append(field)
                field = []
            } else {
                field.append(b)
            }
            i += 1
        }
        if !blank {
            fields.append(field)
            records.append(fields)
        }
        return records
    }

    /// Category values go through the short-key index (values of up to 32 bytes, read as words)
    /// in front of the dictionary: values of every length 1-40, values that differ only in their
    /// last byte or by a trailing byte, more distinct values than the index starts with (it
    /// grows), at block sizes that put values at block ends.
    @Test func categoryValuesOfEveryLengthKeepTheirIdentity() throws {
        var values = [String]()
        for length in 1...40 {
            let stem = String(repeating: "abcdefghij", count: 4).prefix(length)
            values.append(String(stem))
            values.append(String(stem.dropLast()) + "Z")
        }
        values = Array(Set(values)).sorted()
        var lines = ["id,kind"]
        var expected = [String]()
        var state: UInt64 = 7
        for i in 0..<3000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let value = values[Int(state >> 33) % values.count]
            expected.append(value)
            lines.append("\(i),\(value)")
        }
        for chunkBytes in [64, 1000, 1 << 16] {
            for threads in [1, 2] {
                let result = try TempCSV.ingest(
                    lines.joined(separator: "\n") + "\n", schema: .inferred, threads: threads, chunkBytes: chunkBytes)
                let kind = try result.table.column(named: "kind")
                #expect(kind.type == .category)
                #expect((0..<3000).allSatisfy { kind.text(at: $0) == expected[$0] })
                guard case .category(let category) = kind.values else { continue }
                #expect(Set(category.dictionary) == Set(expected))
                #expect(category.dictionary.count == Set(expected).count, "one code per distinct value")
            }
        }
    }

    /// The block scan (vector path without quotes, 64-byte bit masks with quotes) against a
    /// byte-by-byte reference, on random blocks of every length up to 300 bytes drawn from the
    /// bytes that matter (quote, line feed, NUL, a byte >= 0x80, others).
    @Test func blockScanMatchesAByteLoop() {
        func reference(_ bytes: [UInt8]) -> CSVLayout.BlockStats {
            var st = CSVLayout.BlockStats()
            var odd = false
            var feeds = 0
            for (i, b) in bytes.enumerated() {
                if b == UInt8(ascii: "\"") { odd.toggle() }
                if b == UInt8(ascii: "\n") {
                    feeds += 1
                    if odd {
                        st.count.1 += 1
                        st.last.1 = i
                        st.upToLast.1 = feeds
                    } else {
                        st.count.0 += 1
                        st.last.0 = i
                        st.upToLast.0 = feeds
                    }
                }
                if b == 0 || b >= 0x80 { st.special = true }
            }
            st.oddQuotes = odd
            st.lineFeeds = feeds
            return st
        }
        var state: UInt64 = 12_345
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        let alphabet: [UInt8] = [UInt8(ascii: "\""), UInt8(ascii: "\n"), 0, 0xC3, UInt8(ascii: "a"), UInt8(ascii: ",")]
        for length in 0...300 {
            for trial in 0..<6 {
                // Some blocks without quotes (the vector path), most with.
                let choices = trial == 0 ? [1, 4, 5] : [0, 1, 2, 3, 4, 5, 4, 5, 4, 5]
                let bytes = (0..<length).map { _ in alphabet[choices[Int(next() % UInt64(choices.count))]] }
                let got = bytes.withUnsafeBufferPointer { CSVLayout.scanBlock(Span(_unsafeElements: $0)) }
                let want = reference(bytes)
                #expect(got.oddQuotes == want.oddQuotes && got.lineFeeds == want.lineFeeds)
                #expect(got.count == want.count && got.last == want.last && got.upToLast == want.upToLast)
                #expect(got.special == want.special, "length \(length), trial \(trial)")
            }
        }
    }

    @Test func columnNamesReadOnlyTheHeader() throws {
        let path = TempCSV.write(Array("\u{FEFF}id,\"name, full\",\"say \"\"hi\"\"\"\r\n1,2,3\n".utf8))
        #expect(try CSVIngest.columnNames(path: path) == ["id", "name, full", "say \"hi\""])
        let empty = TempCSV.write([])
        #expect(throws: StrataFrameError.self) { try CSVIngest.columnNames(path: empty) }
        #expect(throws: StrataFrameError.self) { try CSVIngest.columnNames(path: path + ".missing") }
    }

    @Test func byteOrderMarkAndNoFinalNewline() throws {
        let text = "\u{FEFF}a,b\n1,x\n2,y"
        let result = try TempCSV.ingest(text, schema: .inferred)
        #expect(result.table.columnNames == ["a", "b"], "the BOM is not part of the first name")
        #expect(try result.table.int64("a").array == [1, 2])
        #expect(try result.table.column(named: "b").text(at: 1) == "y")
    }

    @Test func crlfWithoutFinalNewlineAndQuotedLastField() throws {
        let result = try TempCSV.ingest("a,b\r\n1,\"x\"\r\n2,\"y,z\"", schema: .inferred)
        #expect(result.read == 2)
        #expect(try result.table.column(named: "b").text(at: 1) == "y,z")
    }

    @Test func blankLinesAreNotRecords() throws {
        let result = try TempCSV.ingest("a,b\n1,2\n\n3,4\r\n\r\n\n", schema: .inferred)
        #expect(result.read == 2 && result.accepted == 2)
        #expect(try result.table.int64("b").array == [2, 4])
    }

    @Test func headerProblemsAreInputErrors() throws {
        func inputReason(_ text: String, schema: IngestOptions.Schema = .inferred) -> String? {
            do {
                _ = try TempCSV.ingest(text, schema: schema)
                return nil
            } catch {
                if case .input(_, let reason) = error { return reason }
                return "unexpected error \(error)"
            }
        }
        #expect(inputReason("")?.contains("empty file") == true)
        #expect(inputReason("\u{FEFF}")?.contains("empty file") == true)
        #expect(inputReason("a,b\n")?.contains("no data rows") == true)
        #expect(inputReason("a,b")?.contains("no data rows") == true)
        #expect(inputReason("a,b\n\n\n")?.contains("no data rows") == true)
        #expect(inputReason("a,b,a\n1,2,3\n")?.contains("duplicate column name 'a'") == true)
        #expect(inputReason("a,,b\n1,2,3\n")?.contains("empty name") == true)
        #expect(inputReason("a,\"b\n1,2\n")?.contains("unterminated") == true)
        let header = LoanTape.columnNames.filter { $0 != "balance" && $0 != "age" }.joined(separator: ",")
        let missing = inputReason(header + "\n" + String(repeating: "x,", count: 22) + "x\n", schema: .loanTape)
        #expect(missing?.contains("missing required columns 'balance', 'age'") == true, "\(missing ?? "")")
    }

    @Test func missingFileIsAnIOError() {
        #expect(throws: StrataFrameError.self) {
            _ = try CSVIngest.ingest(path: "/nonexistent/tape.csv")
        }
        do {
            _ = try CSVIngest.ingest(path: "/nonexistent/tape.csv")
        } catch {
            guard case .io(let path, _) = error else {
                Issue.record("expected .io, got \(error)")
                return
            }
            #expect(path == "/nonexistent/tape.csv")
        }
    }

    @Test func infersEveryType() throws {
        var lines = ["i,f,d,c,s,e,mixed,bigint"]
        for k in 0..<5_000 {
            let day = String(format: "2024-%02d-%02d", 1 + k % 12, 1 + k % 28)
            let f = k % 7 == 0 ? "" : "\(Double(k) / 8)"
            let mixed = k == 4_999 ? "2024-01-01" : "\(k)"
            lines.append(
                "\(k - 2500),\(f),\(day),grp\(k % 9),id\(k),,\(mixed),\(k == 0 ? "99999999999999999999" : "1")")
        }
        let result = try TempCSV.ingest(lines.joined(separator: "\n") + "\n", schema: .inferred, chunkBytes: 4096)
        let table = result.table
        #expect(table.schema.map(\.type) == [.int64, .float64, .date, .category, .string, .string, .string, .float64])
        #expect(try table.int64("i")[0] == -2500)
        let f = try table.column(named: "f")
        #expect(f.nullCount == (0..<5_000).filter { $0 % 7 == 0 }.count)
        #expect(try table.float64("f")[1] == 0.125)
        #expect(try table.date("d")[0] == CivilDate(year: 2024, month: 1, day: 1)!.daysSinceEpoch)
        let c = try table.category("c")
        #expect(c.dictionary == (0..<9).map { "grp\($0)" }, "categories in order of first appearance")
        #expect(try table.column(named: "e").nullCount == 5_000, "an all-empty column is an all-missing string")
        #expect(try table.string("s").value(at: 4_999) == "id4999")
        #expect(try table.float64("bigint")[0] == 1e20, "integers beyond Int64 make a Float64 column")
    }

    @Test func distinctLimitDecidesCategoryOrString() throws {
        func typeOf(distinct: Int) throws -> ColumnType {
            var lines = ["v"]
            for k in 0..<(distinct + 10) { lines.append("v\(k % distinct)") }
            return try TempCSV.ingest(lines.joined(separator: "\n"), schema: .inferred, chunkBytes: 2048)
                .table.columns[0].type
        }
        #expect(try typeOf(distinct: CSVIngest.maxInferredCategories) == .category)
        #expect(try typeOf(distinct: CSVIngest.maxInferredCategories + 1) == .string)
    }

    @Test func inferredSchemaRejectsStructuralProblems() throws {
        let csv = "a,b\n1,2\n3\n4,5,6\n7,\"8\"x\n9,10\n"
        let result = try TempCSV.ingest(csv, schema: .inferred, rejects: true)
        #expect(result.read == 5 && result.accepted == 2 && result.rejected == 3)
        #expect(result.rejectsByReason == ["field_count": 2, "bad_quote": 1])
        #expect(try result.table.int64("b").array == [2, 10])
    }
}

// MARK: - Helpers shared by the ingest tests

/// Writes CSV text to a fresh temporary file and ingests it.
enum TempCSV {
    static func directory() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("strata-ingest-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func write(_ text: String, name: String = "tape.csv") -> String {
        write(Array(text.utf8), name: name)
    }

    static func write(_ bytes: [UInt8], name: String = "tape.csv") -> String {
        let path = directory().appendingPathComponent(name).path
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return path
    }

    static func ingest(
        _ text: String, schema: IngestOptions.Schema = .loanTape, rejects: Bool = false, threads: Int = 2,
        chunkBytes: Int? = nil, maxRejectRate: Double = 1
    ) throws(StrataFrameError) -> IngestResult {
        try ingest(
            bytes: Array(text.utf8), schema: schema, rejects: rejects, threads: threads, chunkBytes: chunkBytes,
            maxRejectRate: maxRejectRate)
    }

    static func ingest(
        bytes: [UInt8], schema: IngestOptions.Schema = .loanTape, rejects: Bool = false, threads: Int = 2,
        chunkBytes: Int? = nil, maxRejectRate: Double = 1
    ) throws(StrataFrameError) -> IngestResult {
        let path = write(bytes)
        var options = IngestOptions(
            schema: schema, rejectsPath: rejects ? path + ".rejects.csv" : nil, maxRejectRate: maxRejectRate,
            threads: threads)
        if let chunkBytes { options.chunkBytes = chunkBytes }
        return try CSVIngest.ingest(path: path, options: options)
    }
}

/// Builds loan tapes row by row from a valid default loan.
struct TapeBuilder {
    static let defaults: [String: String] = [
        "loan_id": "L1", "customer_id": "C1", "as_of_date": "2024-06-30", "origination_date": "2020-01-15",
        "product": "mortgage", "region": "north", "industry": "retail", "principal": "250000.00",
        "balance": "180000.50", "credit_limit": "250000.00", "interest_rate": "0.0435", "term_months": "360",
        "remaining_months": "300", "annual_income": "85000", "debt_to_income": "0.35", "employment_years": "4.5",
        "age": "42", "credit_history_months": "120", "delinquencies_2y": "0", "inquiries_6m": "1",
        "utilization": "0.45", "collateral_value": "320000", "days_past_due": "0", "classification": "normal",
        "defaulted_12m": "0",
    ]

    var columns = LoanTape.columnNames
    var lines: [String] = []

    init(columns: [String] = LoanTape.columnNames) {
        self.columns = columns
        lines.append(columns.joined(separator: ","))
    }

    /// A row with a unique loan id `L<n>` unless overridden; values are written as given (no quoting).
    mutating func add(_ overrides: [String: String] = [:]) {
        var values = TapeBuilder.defaults
        values["loan_id"] = "L\(lines.count)"
        for (key, value) in overrides { values[key] = value }
        lines.append(columns.map { values[$0] ?? "" }.joined(separator: ","))
    }

    /// A raw line as is.
    mutating func addRaw(_ line: String) { lines.append(line) }

    var text: String { lines.joined(separator: "\n") + "\n" }
}
