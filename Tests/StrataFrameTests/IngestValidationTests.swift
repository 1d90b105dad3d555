import Foundation
import Testing

@testable import StrataFrame

/// Every rule of LOAN_TAPE.md and every error class: the line, column and reason reported, in
/// the throwing mode and in the rejects mode, and `read == accepted + rejected`.
@Suite("Ingest validation")
struct IngestValidationTests {
    /// One bad row and what it must be reported as.
    struct Case: CustomStringConvertible, Sendable {
        let overrides: [String: String]
        let kind: String
        let column: String
        let reason: String
        var description: String { "\(kind) \(overrides)" }
    }

    static let cases: [Case] = [
        Case(overrides: ["balance": ""], kind: "missing_value", column: "balance", reason: "required value is empty"),
        Case(overrides: ["region": ""], kind: "missing_value", column: "region", reason: "required value is empty"),
        Case(overrides: ["balance": "abc"], kind: "bad_number", column: "balance", reason: "not a number: 'abc'"),
        Case(
            overrides: ["balance": " 12"], kind: "bad_number", column: "balance",
            reason: "not a number: ' 12' (leading or trailing whitespace is not allowed)"),
        Case(overrides: ["balance": "1e"], kind: "bad_number", column: "balance", reason: "not a number: '1e'"),
        Case(overrides: ["balance": "--1"], kind: "bad_number", column: "balance", reason: "not a number: '--1'"),
        Case(
            overrides: ["utilization": "NaN"], kind: "bad_number", column: "utilization", reason: "not a number: 'NaN'"),
        Case(
            overrides: ["utilization": "inf"], kind: "bad_number", column: "utilization", reason: "not a number: 'inf'"),
        Case(overrides: ["principal": "0x10"], kind: "bad_number", column: "principal", reason: "not a number: '0x10'"),
        Case(
            overrides: ["principal": "1e400"], kind: "bad_number", column: "principal",
            reason: "number outside the Float64 range: '1e400'"),
        Case(
            overrides: ["term_months": "36.0"], kind: "bad_integer", column: "term_months",
            reason: "not an integer: '36.0'"),
        Case(overrides: ["age": "4e1"], kind: "bad_integer", column: "age", reason: "not an integer: '4e1'"),
        Case(
            overrides: ["inquiries_6m": "99999999999999999999"], kind: "bad_integer", column: "inquiries_6m",
            reason: "integer outside the Int64 range: '99999999999999999999'"),
        Case(
            overrides: ["as_of_date": "2023-02-30"], kind: "bad_date", column: "as_of_date",
            reason: "no such date: '2023-02-30'"),
        Case(
            overrides: ["origination_date": "2020/01/15"], kind: "bad_date", column: "origination_date",
            reason: "not a date in YYYY-MM-DD form: '2020/01/15'"),
        Case(
            overrides: ["interest_rate": "1.5"], kind: "out_of_range", column: "interest_rate",
            reason: "'1.5' is out of range: must lie between 0 and 1"),
        Case(
            overrides: ["balance": "-0.01"], kind: "out_of_range", column: "balance",
            reason: "'-0.01' is out of range: must be at least 0"),
        Case(
            overrides: ["age": "17"], kind: "out_of_range", column: "age",
            reason: "'17' is out of range: must lie between 18 and 100"),
        Case(
            overrides: ["age": "101"], kind: "out_of_range", column: "age",
            reason: "'101' is out of range: must lie between 18 and 100"),
        Case(
            overrides: ["term_months": "0"], kind: "out_of_range", column: "term_months",
            reason: "'0' is out of range: must be at least 1"),
        Case(
            overrides: ["days_past_due": "-3"], kind: "out_of_range", column: "days_past_due",
            reason: "'-3' is out of range: must be at least 0"),
        Case(
            overrides: ["defaulted_12m": "2"], kind: "out_of_range", column: "defaulted_12m",
            reason: "'2' is out of range: must lie between 0 and 1"),
        Case(
            overrides: ["product": "boat"], kind: "bad_category", column: "product",
            reason: "'boat' is not one of: mortgage, consumer, credit_card, auto, sme"),
        Case(
            overrides: ["classification": "Normal"], kind: "bad_category", column: "classification",
            reason: "'Normal' is not one of: normal, special_mention, substandard, doubtful, loss"),
        Case(
            overrides: ["origination_date": "2024-07-01"], kind: "date_order", column: "origination_date",
            reason: "origination_date 2024-07-01 is after as_of_date 2024-06-30"),
        Case(
            overrides: ["remaining_months": "361"], kind: "remaining_exceeds_term", column: "remaining_months",
            reason: "remaining_months 361 exceeds term_months 360"),
        Case(
            overrides: ["loan_id": String(repeating: "x", count: 65)], kind: "too_long", column: "loan_id",
            reason: "identifier is 65 bytes long, more than 64"),
        Case(
            overrides: ["customer_id": String(repeating: "é", count: 33)], kind: "too_long", column: "customer_id",
            reason: "identifier is 66 bytes long, more than 64"),
        Case(
            overrides: ["loan_id": "L2"], kind: "duplicate_id", column: "loan_id",
            reason: "duplicate loan_id 'L2' (first seen on line 3)"),
        Case(
            overrides: ["region": "\"nor\"th"], kind: "bad_quote", column: "region",
            reason: "text after the closing quote of a quoted field"),
        Case(
            overrides: ["region": "no\"r\"th"], kind: "bad_quote", column: "region",
            reason: "quote inside an unquoted field (quote the whole field and double the quote)"),
        Case(overrides: ["industry": "a,b"], kind: "field_count", column: "", reason: "expected 25 fields, found 26"),
    ]

    /// A tape whose line 5 is the bad row: lines 2-4 and 6 are good.
    static func tape(_ overrides: [String: String]) -> String {
        var builder = TapeBuilder()
        builder.add()
        builder.add()
        builder.add()
        builder.add(overrides)
        builder.add()
        return builder.text
    }

    @Test(arguments: cases)
    func firstBadRowThrows(_ c: Case) {
        do {
            _ = try TempCSV.ingest(Self.tape(c.overrides))
            Issue.record("expected a parse error")
        } catch {
            guard case .parse(let file, let line, let column, let reason) = error else {
                Issue.record("expected .parse, got \(error)")
                return
            }
            #expect(file.hasSuffix("tape.csv"))
            #expect(line == 5)
            #expect(column == c.column)
            #expect(reason == c.reason)
            let expected = c.column.isEmpty ? "\(file):5: \(c.reason)" : "\(file):5: column \(c.column): \(c.reason)"
            #expect(error.description == expected)
        }
    }

    @Test(arguments: cases)
    func badRowIsRejectedAndRecorded(_ c: Case) throws {
        let text = Self.tape(c.overrides)
        let path = TempCSV.write(text)
        let rejectsPath = path + ".rejects.csv"
        let result = try CSVIngest.ingest(
            path: path, options: IngestOptions(rejectsPath: rejectsPath, maxRejectRate: 0.5, threads: 2))
        #expect(result.read == 5 && result.accepted == 4 && result.rejected == 1)
        #expect(result.read == result.accepted + result.rejected)
        #expect(result.rejectsByReason == [c.kind: 1])
        #expect(result.table.rowCount == 4)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let rejects = try String(contentsOfFile: rejectsPath, encoding: .utf8)
        #expect(rejects == lines[0] + "\n" + lines[4] + "\n", "header + the raw bad row")
        let errors = try SimpleCSV.parse(String(contentsOfFile: rejectsPath + ".errors.csv", encoding: .utf8))
        #expect(errors.count == 2)
        #expect(errors[0] == ["line", "byte_offset", "column", "error_class", "reason"])
        let offset = lines[0..<4].reduce(0) { $0 + $1.utf8.count + 1 }
        #expect(errors[1] == ["5", "\(offset)", c.column, c.kind, c.reason])
    }

    @Test func textErrorsNulAndUTF8() throws {
        var builder = TapeBuilder()
        builder.add()
        builder.add(["region": "no\u{0}rth"])
        builder.add(["industry": "BAD"])
        builder.add(["industry": "caf\u{E9}"])
        var bytes = Array(builder.text.utf8)
        // Replace "BAD" with an invalid UTF-8 sequence (a lone continuation byte, then 0xFF).
        let marker = Array("BAD".utf8)
        let at = (0...(bytes.count - 3)).first { Array(bytes[$0..<($0 + 3)]) == marker }!
        bytes.replaceSubrange(at..<(at + 3), with: [0x61, 0x80, 0xFF])
        let path = TempCSV.write(bytes)
        let result = try CSVIngest.ingest(
            path: path, options: IngestOptions(rejectsPath: path + ".rej", maxRejectRate: 1, threads: 1))
        #expect(result.read == 4 && result.accepted == 2 && result.rejected == 2)
        #expect(result.rejectsByReason == ["nul_byte": 1, "bad_utf8": 1])
        let errors = try SimpleCSV.parse(String(contentsOfFile: path + ".rej.errors.csv", encoding: .utf8))
        #expect(errors[1][0] == "3" && errors[1][2] == "region" && errors[1][3] == "nul_byte")
        #expect(errors[1][4] == "contains a NUL byte (byte 3 of the field)")
        #expect(errors[2][0] == "4" && errors[2][2] == "industry" && errors[2][3] == "bad_utf8")
        #expect(errors[2][4] == "not valid UTF-8 (byte 2 of the field): 'a\\x80\\xFF'")
        #expect(try result.table.column(named: "industry").text(at: 1) == "caf\u{E9}")
        // The rejects file holds the raw bytes, invalid UTF-8 included.
        let raw = try Data(contentsOf: URL(fileURLWithPath: path + ".rej"))
        #expect(Array(raw).contains(0xFF) && Array(raw).contains(0))
    }

    @Test func fieldCountAndUnterminatedQuote() throws {
        var builder = TapeBuilder()
        builder.add()
        builder.addRaw("L9,C1,2024-06-30")
        builder.add()
        var text = builder.text
        text += "L99,\"C1,2024-06-30\n"  // unterminated quote: swallows the rest of the file
        let path = TempCSV.write(text)
        let result = try CSVIngest.ingest(
            path: path, options: IngestOptions(rejectsPath: path + ".rej", maxRejectRate: 1, threads: 2))
        #expect(result.read == 4 && result.accepted == 2 && result.rejected == 2)
        let errors = try SimpleCSV.parse(String(contentsOfFile: path + ".rej.errors.csv", encoding: .utf8))
        #expect(errors[1] == ["3", errors[1][1], "", "field_count", "expected 25 fields, found 3"])
        #expect(errors[2][0] == "5" && errors[2][2] == "customer_id" && errors[2][3] == "bad_quote")
        #expect(errors[2][4].hasPrefix("unterminated quoted field"))
    }

    @Test func optionalDefaultFlagMayBeEmpty() throws {
        var builder = TapeBuilder()
        builder.add(["defaulted_12m": ""])
        builder.add(["defaulted_12m": "1"])
        let result = try TempCSV.ingest(builder.text)
        let flag = try result.table.column(named: "defaulted_12m")
        #expect(flag.type == .int64 && !flag.isValid(0) && flag.isValid(1))
        #expect(try result.table.int64("defaulted_12m")[1] == 1)
        // Without the column at all, the tape is still valid.
        var live = TapeBuilder(columns: LoanTape.columnNames.filter { $0 != "defaulted_12m" })
        live.add()
        #expect(try TempCSV.ingest(live.text).table.hasColumn("defaulted_12m") == false)
    }

    @Test func linesArePhysicalLines() throws {
        var builder = TapeBuilder()
        builder.add(["region": "\"two\nlines\""])
        builder.add(["industry": "\"x\r\ny\r\nz\""])
        builder.add(["age": "12"])
        do {
            _ = try TempCSV.ingest(builder.text)
            Issue.record("expected an error")
        } catch {
            guard case .parse(_, let line, let column, _) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(line == 7, "header 1, first row 2-3, second row 4-6, bad row on 7")
            #expect(column == "age")
        }
        // A bad record spanning lines is reported at the line it starts on.
        var spanning = TapeBuilder()
        spanning.add()
        spanning.add(["region": "\"a\nb\"", "age": "7"])
        do {
            _ = try TempCSV.ingest(spanning.text)
        } catch {
            guard case .parse(_, let line, _, _) = error else { return }
            #expect(line == 3)
        }
    }

    @Test func firstBadRowIsTheLowestLineWhateverTheThreads() {
        var builder = TapeBuilder()
        for k in 0..<1_200 {
            switch k {
            case 300: builder.add(["loan_id": "L10"])  // duplicate of line 11's id, on line 302
            case 700: builder.add(["balance": "x"])
            case 1_100: builder.add(["age": "3"])
            default: builder.add()
            }
        }
        for threads in [1, 2, 3] {
            for chunkBytes in [512, 4096, 1 << 20] {
                do {
                    _ = try TempCSV.ingest(builder.text, threads: threads, chunkBytes: chunkBytes)
                    Issue.record("expected an error")
                } catch {
                    #expect(
                        error
                            == .parse(
                                file: "", line: 302, column: "loan_id",
                                reason: "duplicate loan_id 'L10' (first seen on line 11)"
                            ).withFile(error),
                        "threads \(threads), chunk \(chunkBytes): \(error)")
                }
            }
        }
        // Without the duplicate, the balance error on line 702 comes first.
        var second = TapeBuilder()
        for k in 0..<1_200 {
            switch k {
            case 700: second.add(["balance": "x"])
            case 1_100: second.add(["age": "3"])
            default: second.add()
            }
        }
        for threads in [1, 3] {
            do {
                _ = try TempCSV.ingest(second.text, threads: threads, chunkBytes: 777)
            } catch {
                guard case .parse(_, let line, let column, _) = error else { return }
                #expect(line == 702 && column == "balance")
            }
        }
    }

    @Test func tooManyRejectsAfterWritingTheRejects() throws {
        var builder = TapeBuilder()
        for k in 0..<10 { builder.add(k < 3 ? ["age": "5"] : [:]) }
        let path = TempCSV.write(builder.text)
        let rejectsPath = path + ".rej"
        do {
            _ = try CSVIngest.ingest(path: path, options: IngestOptions(rejectsPath: rejectsPath, maxRejectRate: 0.2))
            Issue.record("expected tooManyRejects")
        } catch {
            #expect(error == .tooManyRejects(file: path, rejected: 3, read: 10, maxRate: 0.2))
        }
        #expect(FileManager.default.fileExists(atPath: rejectsPath))
        #expect(FileManager.default.fileExists(atPath: rejectsPath + ".errors.csv"))
        let allowed = try CSVIngest.ingest(
            path: path, options: IngestOptions(rejectsPath: rejectsPath, maxRejectRate: 0.3))
        #expect(allowed.accepted == 7 && allowed.rejected == 3)
        do {
            _ = try CSVIngest.ingest(path: path, options: IngestOptions(rejectsPath: rejectsPath))
            Issue.record("the default rate 0 allows no rejects")
        } catch {
            #expect(error == .tooManyRejects(file: path, rejected: 3, read: 10, maxRate: 0))
        }
    }

    @Test func rejectsFileRecoversEveryRowOnceFixed() throws {
        var builder = TapeBuilder()
        var fixes = [String: String]()  // bad raw line -> fixed line
        func bad(_ overrides: [String: String], fixed: [String: String]) {
            builder.add(overrides)
            let badLine = builder.lines.removeLast()
            builder.add(overrides.merging(fixed) { $1 })
            let goodLine = builder.lines.removeLast()
            builder.addRaw(badLine)
            fixes[badLine] = goodLine
        }
        for k in 0..<300 {
            switch k % 23 {
            case 3: bad(["balance": "n/a", "loan_id": "B\(k)"], fixed: ["balance": "100.25"])
            case 7: bad(["region": "\"multi\nline, region\"", "age": "15", "loan_id": "B\(k)"], fixed: ["age": "19"])
            case 11: bad(["product": "boat", "loan_id": "B\(k)"], fixed: ["product": "auto"])
            case 13: bad(["loan_id": "B\(k - 13)"], fixed: ["loan_id": "B\(k)"])  // duplicate of an accepted row
            case 17:
                bad(["origination_date": "2025-01-01", "loan_id": "B\(k)"], fixed: ["origination_date": "2021-01-01"])
            default: builder.add(["loan_id": "B\(k)"])
            }
        }
        // A last bad row without a final newline, with CRLF line ends before it.
        var text = builder.text.replacingOccurrences(of: "\n", with: "\r\n")
        fixes = Dictionary(
            uniqueKeysWithValues: fixes.map { ($0.key.replacingOccurrences(of: "\n", with: "\r\n"), $0.value) })
        builder = TapeBuilder()
        builder.add(["loan_id": "LAST", "interest_rate": "-0.1"])
        let lastLine = builder.lines[1]
        text += lastLine
        fixes[lastLine] = lastLine.replacingOccurrences(of: "-0.1", with: "0.1")
        let path = TempCSV.write(text)
        let rejectsPath = path + ".rej.csv"
        let first = try CSVIngest.ingest(
            path: path, options: IngestOptions(rejectsPath: rejectsPath, maxRejectRate: 0.5, threads: 2))
        #expect(first.rejected == fixes.count)
        #expect(first.read == 301 && first.accepted + first.rejected == first.read)
        var rejects = try String(contentsOfFile: rejectsPath, encoding: .utf8)
        #expect(rejects.hasPrefix(LoanTape.columnNames.joined(separator: ",") + "\r\n"), "the header keeps its CRLF")
        for (badLine, goodLine) in fixes {
            #expect(rejects.contains(badLine), "the raw row is in the rejects file unchanged")
            rejects = rejects.replacingOccurrences(of: badLine, with: goodLine)
        }
        let fixedPath = TempCSV.write(rejects, name: "fixed.csv")
        let second = try CSVIngest.ingest(path: fixedPath, options: IngestOptions(threads: 2))
        #expect(second.accepted == first.rejected && second.rejected == 0)
        let ids = try first.table.string("loan_id")
        let fixedIDs = try second.table.string("loan_id")
        var all = Set((0..<ids.count).map { ids.value(at: $0) })
        for i in 0..<fixedIDs.count { all.insert(fixedIDs.value(at: i)) }
        #expect(all.count == 301, "every row recovered once")
        // Offsets in the errors file point at the raw rows of the original file.
        let original = Array(text.utf8)
        let errors = try SimpleCSV.parse(String(contentsOfFile: rejectsPath + ".errors.csv", encoding: .utf8))
        for row in errors.dropFirst() {
            let offset = Int(row[1])!
            let rest = String(decoding: original[offset...], as: UTF8.self)
            #expect(fixes.keys.contains { rest.hasPrefix($0) }, "offset \(offset) starts a rejected row")
        }
    }
}

extension StrataFrameError {
    /// This error with the file name of `other` (tests build expected errors before knowing the
    /// temporary path).
    fileprivate func withFile(_ other: StrataFrameError) -> StrataFrameError {
        guard case .parse(let file, _, _, _) = other, case .parse(_, let line, let column, let reason) = self else {
            return self
        }
        return .parse(file: file, line: line, column: column, reason: reason)
    }
}

/// A minimal RFC 4180 reader for checking the files the ingest writes (independent of the
/// ingest's own parser).
enum SimpleCSV {
    struct Malformed: Error {}

    static func parse(_ text: String) throws -> [[String]] {
        var rows = [[String]]()
        var row = [String]()
        var field = ""
        var quoted = false
        var chars = Array(text)
        var i = 0
        if chars.last != "\n" { chars.append("\n") }
        while i < chars.count {
            let c = chars[i]
            if quoted {
                if c == "\"" {
                    if i + 1 < chars.count && chars[i + 1] == "\"" {
                        field.append("\"")
                        i += 1
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(c)
                }
            } else if c == "\"" {
                guard field.isEmpty else { throw Malformed() }
                quoted = true
            } else if c == "," {
                row.append(field)
                field = ""
            } else if c == "\n" || c == "\r\n" {
                row.append(field)
                rows.append(row)
                row = []
                field = ""
            } else {
                field.append(c)
            }
            i += 1
        }
        return rows
    }
}
