import Foundation
import StrataFrame
import StrataKernels
import Testing

@testable import StrataReports

/// A naive reference writer, independent of the byte-level one: Column.text(at:) per cell, then
/// the rules of RFC 4180 and OWASP on Swift strings.
func referenceCSV(_ table: Table, neutralize: Bool = true, bom: Bool = false) -> String {
    func field(_ text: String, isText: Bool, alone: Bool) -> String {
        var value = text
        if neutralize && isText, let first = value.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) {
            value = "'" + value
        }
        if value.unicodeScalars.contains(where: { ",\"\n\r".unicodeScalars.contains($0) }) {
            return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return alone && value.isEmpty ? "\"\"" : value
    }
    guard !table.columns.isEmpty else { return bom ? "\u{FEFF}" : "" }
    let alone = table.columns.count == 1
    var out = bom ? "\u{FEFF}" : ""
    out += table.columnNames.map { field($0, isText: true, alone: alone) }.joined(separator: ",") + "\n"
    for row in 0..<table.rowCount {
        out +=
            table.columns.map { column in
                field(column.text(at: row), isText: column.type == .category || column.type == .string, alone: alone)
            }.joined(separator: ",") + "\n"
    }
    return out
}

@Suite struct CSVWriterTests {
    static func textTable(_ values: [String], name: String = "v", as type: ColumnType = .string) throws -> Table {
        let values: ColumnValues =
            type == .string ? .string(StringValues(values)) : .category(CategoryValues(values))
        return try Table(columns: [Column(name: name, values: values)])
    }

    @Test func quotesFieldsWithCommaQuoteCRorLF() throws {
        let writer = CSVWriter(neutralizeFormulas: false)
        let cases: [(String, String)] = [
            ("plain", "plain"), ("a,b", "\"a,b\""), ("say \"hi\"", "\"say \"\"hi\"\"\""),
            ("two\nlines", "\"two\nlines\""), ("cr\rx", "\"cr\rx\""), ("crlf\r\n", "\"crlf\r\n\""),
            ("\"", "\"\"\"\""), ("é中文😀", "é中文😀"), ("tab\tinside", "tab\tinside"), ("  spaced ", "  spaced "),
        ]
        for (input, expected) in cases {
            #expect(String(decoding: writer.encodeField(input), as: UTF8.self) == expected, "\(input.debugDescription)")
            for type in [ColumnType.string, .category] {
                let text = writer.string(try Self.textTable([input], as: type))
                #expect(text == "v\n" + expected + "\n", "\(input.debugDescription) as \(type)")
            }
        }
        #expect(
            writer.string(header: ["a", "b,c"], rows: [["1", "x\"y"], ["", "z"]]) == "a,\"b,c\"\n1,\"x\"\"y\"\n,z\n")
    }

    @Test func neutralisesFormulasInTextCellsOnly() throws {
        let formulas = ["=SUM(A1)", "+1", "-2", "@cmd", "\tx", "\rx", "ok", "a=b", "'quoted", ""]
        let expected = ["'=SUM(A1)", "'+1", "'-2", "'@cmd", "'\tx", "\"'\rx\"", "ok", "a=b", "'quoted", ""]
        for type in [ColumnType.string, .category] {
            let table = try Self.textTable(formulas, as: type).with(
                Column(name: "n", values: .float64(ColumnBuffer([Double](repeating: -1.5, count: formulas.count)))))
            let lines = CSVWriter().string(table).split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.first == "v,n")
            // The CR case holds a newline inside its quotes; compare whole records instead.
            let records = parseCSV(CSVWriter().bytes(table))
            #expect(records.count == formulas.count + 1)
            for (i, record) in records.dropFirst().enumerated() {
                #expect(record == [expected[i].replacingOccurrences(of: "\"", with: ""), "-1.5"], "row \(i) \(type)")
            }
            let raw = CSVWriter(neutralizeFormulas: false).bytes(table)
            #expect(parseCSV(raw).dropFirst().map { $0[0] } == formulas)
        }
        // Numbers and dates are never touched, even negative ones.
        let numbers = try Table(columns: [
            Column(name: "f", values: .float64(ColumnBuffer([-1.5, -0.25]))),
            Column(name: "i", values: .int64(ColumnBuffer([-3, -4]))),
        ])
        #expect(CSVWriter().string(numbers) == "f,i\n-1.5,-3\n-0.25,-4\n")
        // Header names are text cells too.
        #expect(CSVWriter().string(header: ["=x", "-y"], rows: []) == "'=x,'-y\n")
        // String rows: all cells are text, unless a numeric column holds a plain number.
        let rows = [["-1.5", "-1.5"], ["=1+2", "=1+2"], ["-1+2", "-1+2"], ["+3e-2", "+3e-2"]]
        let text = CSVWriter().string(header: ["a", "b"], rows: rows, numericColumns: [1])
        #expect(text == "a,b\n'-1.5,-1.5\n'=1+2,'=1+2\n'-1+2,'-1+2\n'+3e-2,+3e-2\n")
    }

    @Test func plainNumberRecognition() {
        for yes in ["0", "-1.5", "+3", ".5", "5.", "2e-3", "1E+10", "-0.0"] {
            let bytes = Array(yes.utf8)
            let isNumber = CSVField.isPlainNumber(bytes.span)
            #expect(isNumber, "\(yes)")
        }
        for no in ["", "-", ".", "e5", "1e", "1e+", "1-2", "=1", "1,000", "0x10", "inf", "- 1"] {
            let bytes = Array(no.utf8)
            let isNumber = CSVField.isPlainNumber(bytes.span)
            #expect(!isNumber, "\(no)")
        }
    }

    @Test func byteOrderMarkOnlyWhenAsked() throws {
        let table = try Self.textTable(["x"])
        #expect(Array(CSVWriter(bom: true).bytes(table).prefix(5)) == [0xEF, 0xBB, 0xBF, UInt8(ascii: "v"), 0x0A])
        #expect(Array(CSVWriter(bom: false).bytes(table).prefix(2)) == [UInt8(ascii: "v"), 0x0A])
        #expect(CSVWriter(bom: true).bytes(header: ["a"], rows: [["1"]]) == [0xEF, 0xBB, 0xBF] + Array("a\n1\n".utf8))
    }

    @Test func emptyTables() throws {
        let noRows = try Table(columns: [
            Column(name: "a", values: .float64(ColumnBuffer())), Column(name: "b", values: .string(StringValues([]))),
        ])
        #expect(CSVWriter().string(noRows) == "a,b\n")
        let noColumns = try Table(columns: [], rowCount: 5)
        #expect(CSVWriter().bytes(noColumns).isEmpty)
        #expect(CSVWriter(bom: true).bytes(noColumns) == [0xEF, 0xBB, 0xBF])
        #expect(CSVWriter().string(header: [], rows: []).isEmpty)
        #expect(CSVWriter().string(header: ["a"], rows: []) == "a\n")
    }

    @Test func missingValuesAreEmptyFields() throws {
        let table = try Table(columns: [
            Column(
                name: "f", values: .float64(ColumnBuffer([1.5, 0, 2])), validity: ValidityBitmap([true, false, true])),
            Column(
                name: "i", values: .int64(ColumnBuffer([0, 7, 0])), validity: ValidityBitmap([false, true, false])),
            Column(
                name: "d", values: .date(ColumnBuffer([0, 0, 19_000])), validity: ValidityBitmap([false, true, true])),
            Column(
                name: "c", values: .category(CategoryValues(["x", "y", "x"])),
                validity: ValidityBitmap([true, false, false])),
            Column(
                name: "s", values: .string(StringValues(["", "s", ""])), validity: ValidityBitmap([false, true, true])),
        ])
        #expect(CSVWriter().string(table) == "f,i,d,c,s\n1.5,,,x,\n,7,1970-01-01,,s\n2,,2022-01-08,,\n")
        // One column: an empty field is written "" so the line is not blank.
        let single = try Table(columns: [
            Column(name: "f", values: .float64(ColumnBuffer([1, 0])), validity: ValidityBitmap([true, false]))
        ])
        #expect(CSVWriter().string(single) == "f\n1\n\"\"\n")
        #expect(parseCSV(CSVWriter().bytes(single)) == [["f"], ["1"], [""]])
        #expect(CSVWriter().string(header: ["a"], rows: [[""], ["b"]]) == "a\n\"\"\nb\n")
    }

    @Test func numbersAndDatesPrintAsColumnTextDoes() throws {
        let doubles: [Double] = [
            0, -0.0, 0.1, 12, -12, 1e15, 1e15 - 1, 999_999_999_999_999.9, 1e20, 1 / 3, .leastNonzeroMagnitude, .nan,
            .infinity,
            -.infinity, .greatestFiniteMagnitude, 0.30000000000000004, 1e-5, 123456.78,
        ]
        let ints: [Int64] = [0, 1, -1, 9, 10, -10, .max, .min, 1_234_567_890]
        let dates: [Int32] = [0, -1, 19_000, -719_162, 2_932_896, -719_528, 2_932_897, .max / 2]
        let table = try Table(columns: [Column(name: "f", values: .float64(ColumnBuffer(doubles)))])
        let text = CSVWriter().string(table)
        #expect(text == "f\n" + doubles.map { FloatText.shortest($0) }.joined(separator: "\n") + "\n")
        #expect(text.contains("\n12\n-12\n1000000000000000.0\n999999999999999\n"))
        let intTable = try Table(columns: [Column(name: "i", values: .int64(ColumnBuffer(ints)))])
        #expect(CSVWriter().string(intTable) == "i\n" + ints.map { String($0) }.joined(separator: "\n") + "\n")
        let dateTable = try Table(columns: [Column(name: "d", values: .date(ColumnBuffer(dates)))])
        let column = try dateTable.column(named: "d")
        #expect(
            CSVWriter().string(dateTable)
                == "d\n" + (0..<dates.count).map { column.text(at: $0) }.joined(separator: "\n") + "\n")
        #expect(
            CSVWriter().string(dateTable).hasPrefix("d\n1970-01-01\n1969-12-31\n2022-01-08\n0001-01-01\n9999-12-31\n"))
    }

    @Test func byteFormattingMatchesFloatTextOnRandomValues() {
        var random = TestRandom(seed: 99)
        func shortest(_ value: Double) -> String {
            var out = [UInt8]()
            out.appendBytes(upTo: ByteText.maxNumberBytes) { ByteText.appendShortest(value, to: &$0) }
            return String(decoding: out, as: UTF8.self)
        }
        func integer(_ value: Int64) -> String {
            var out = [UInt8]()
            out.appendBytes(upTo: ByteText.maxNumberBytes) { ByteText.appendInteger(value, to: &$0) }
            return String(decoding: out, as: UTF8.self)
        }
        // Values on and around the fast path (at most four decimals below 1e11) and off it.
        let fixed: [Double] = [
            0.0001, 0.0005, 0.001, 0.00012, 0.00001, 0.1, 0.5, 0.9999, 1.0001, 0.0435, 99_999_999_999.99,
            1e11 - 0.5, 1e11 + 0.5, 123_456_789.1234, .leastNonzeroMagnitude, 0.1 + 0.2, 1 / 3, 2.675, 1e-4 * 3,
        ]
        for value in fixed + fixed.map(-) {
            #expect(shortest(value) == FloatText.shortest(value), "\(value)")
        }
        for i in 0..<40_000 {
            let scale = [1.0, 10, 100, 1_000, 10_000, 100_000][random.below(6)]
            let value: Double =
                switch i % 6 {
                case 0: Double(bitPattern: random.next())
                case 1: random.unit() * 1e6
                case 2: Double(Int64(bitPattern: random.next()) >> 10)
                case 3: (random.unit() * 2e9).rounded() / scale * (random.below(2) == 0 ? 1 : -1)
                case 4: Double(random.below(100_000)) / 10_000
                default: (random.unit() * 1e13).rounded() / scale
                }
            #expect(shortest(value) == FloatText.shortest(value), "\(value)")
            let bits = Int64(bitPattern: random.next()) >> Int64(random.below(64))
            #expect(integer(bits) == String(bits))
        }
        for bits in [Int64.min, .max, 0, -1, 9, 10, -10] {
            #expect(integer(bits) == String(bits))
        }
    }

    @Test func matchesNaiveReferenceForAnyChunkingAndThreads() throws {
        let table = try mixedTable(rows: 3_001)
        let expected = Array(referenceCSV(table).utf8)
        for (chunkSize, threads) in [(1, 1), (7, 2), (64, 2), (5_000, 1), (8192, 2)] {
            #expect(
                CSVWriter(chunkSize: chunkSize, threads: threads).bytes(table) == expected, "\(chunkSize)/\(threads)")
        }
        #expect(CSVWriter(bom: true).bytes(table) == Array(referenceCSV(table, bom: true).utf8))
        #expect(
            CSVWriter(neutralizeFormulas: false).bytes(table) == Array(referenceCSV(table, neutralize: false).utf8))
    }

    @Test func roundTripsThroughAnRFC4180Reader() throws {
        let table = try mixedTable(rows: 2_000, seed: 5)
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/out.csv"
        try CSVWriter(neutralizeFormulas: false, chunkSize: 97).write(table, to: path)
        let records = parseCSV(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
        #expect(records.count == table.rowCount + 1)
        #expect(records[0] == table.columnNames)
        for row in 0..<table.rowCount {
            let expected = table.columns.map { $0.text(at: row) }
            #expect(records[row + 1] == expected, "row \(row)")
        }
        #expect(try directoryEntries(directory) == ["out.csv"])
        // Neutralised text reads back with exactly one leading apostrophe added.
        try CSVWriter().write(table, to: path)
        let neutral = parseCSV(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
        let note = try table.column(named: "note")
        for row in 0..<table.rowCount {
            let original = note.text(at: row)
            let startsFormula = original.unicodeScalars.first.map { "=+-@\t\r".unicodeScalars.contains($0) } ?? false
            #expect(neutral[row + 1][4] == (startsFormula ? "'" + original : original))
        }
    }

    @Test func atomicWriteLeavesNoFileWhenDroppedOrFailing() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/partial.csv"
        struct Interrupted: Error {}
        let table = try mixedTable(rows: 500)
        func exportThenFail() throws {
            let file = try CSVFileWriter(path: path, header: table.columnNames)
            file.append(table)
            file.append(row: ["1", "2", "2020-01-01", "x", "y"], numericColumns: [0, 1])
            #expect(try directoryEntries(directory).count == 1)  // the temporary file, not the target
            #expect(!FileManager.default.fileExists(atPath: path))
            throw Interrupted()
        }
        #expect(throws: Interrupted.self) { try exportThenFail() }
        #expect(try directoryEntries(directory).isEmpty)

        // A committed file replaces an old one; the stream equals the one-shot writer.
        try Data("old".utf8).write(to: URL(fileURLWithPath: path))
        let file = try CSVFileWriter(path: path, header: table.columnNames)
        file.append(try table.selecting(table.columnNames))
        file.append(table)
        try file.commit()
        let written = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        let once = CSVWriter().bytes(table)
        let header = once.prefix { $0 != 0x0A }.count + 1
        #expect(written == once + once.dropFirst(header))
        #expect(try directoryEntries(directory) == ["partial.csv"])

        // A directory that does not exist: a clear error, nothing created.
        #expect(throws: ReportError.self) { try CSVWriter().write(table, to: directory + "/missing/x.csv") }
        do {
            try CSVWriter().write(table, to: directory)
            Issue.record("writing over a directory must fail")
        } catch {
            #expect(error == .io(path: directory, reason: "is a directory"))
            #expect(error.description == "\(directory): is a directory")
        }
    }
}
