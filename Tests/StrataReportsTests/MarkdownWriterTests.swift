import Foundation
import StrataFrame
import StrataKernels
import Testing

@testable import StrataReports

@Suite struct MarkdownWriterTests {
    static func gradeTable() throws -> Table {
        try Table(columns: [
            Column(name: "grade", values: .category(CategoryValues(["A", "B", "C"]))),
            Column(name: "loans", values: .int64(ColumnBuffer([412_907, 1_250, 7]))),
            Column(
                name: "exposure", values: .float64(ColumnBuffer([2_018_733.1, 0.5, 0])),
                validity: ValidityBitmap([true, true, false])),
            Column(name: "as_of", values: .date(ColumnBuffer([20_634, 20_634, 20_634]))),
        ])
    }

    @Test func numericColumnsRightAligned() throws {
        let expected = """
            | grade |  loans |  exposure | as_of      |
            | ----- | -----: | --------: | ---------- |
            | A     | 412907 | 2018733.1 | 2026-06-30 |
            | B     |   1250 |       0.5 | 2026-06-30 |
            | C     |      7 |           | 2026-06-30 |

            """
        let text = MarkdownWriter().render(try Self.gradeTable())
        #expect(text == expected)
    }

    @Test func columnFormatsAndRowLimit() throws {
        let writer = MarkdownWriter(
            formats: ["loans": .grouped(0), "exposure": .grouped(2)], missingText: "n/a", maxRows: 2)
        let expected = """
            | grade |   loans |     exposure | as_of      |
            | ----- | ------: | -----------: | ---------- |
            | A     | 412,907 | 2,018,733.10 | 2026-06-30 |
            | B     |   1,250 |         0.50 | 2026-06-30 |

            … 1 more rows

            """
        let text = writer.render(try Self.gradeTable())
        #expect(text == expected)
        #expect(MarkdownWriter(missingText: "–").render(try Self.gradeTable()).contains("|         – |"))
    }

    @Test func escapesPipesBackslashesAndLineBreaks() {
        #expect(MarkdownWriter.escape("a|b") == "a\\|b")
        #expect(MarkdownWriter.escape("C:\\x|") == "C:\\\\x\\|")
        #expect(MarkdownWriter.escape("one\ntwo\r\nthree\rfour") == "one<br>two<br>three<br>four")
        let text = MarkdownWriter().render(header: ["a|b", "n"], rows: [["x\ny", "1"], ["|", "-2.5"]])
        let expected = """
            | a\\|b   |    n |
            | ------ | ---: |
            | x<br>y |    1 |
            | \\|     | -2.5 |

            """
        #expect(text == expected)
        // Every line keeps the same number of unescaped pipes: no cell breaks the table.
        for line in text.split(separator: "\n") {
            let unescaped = line.replacingOccurrences(of: "\\\\", with: "").replacingOccurrences(of: "\\|", with: "")
            #expect(unescaped.filter { $0 == "|" }.count == 3)
        }
    }

    @Test func stringRowsAlignmentDetectionAndOverride() {
        let rows = [["north", "1,234.50", "4.35%", "12"], ["south", "-7", "", "x"]]
        let text = MarkdownWriter().render(header: ["region", "amount", "rate", "mixed"], rows: rows)
        #expect(text.split(separator: "\n")[1] == "| ------ | -------: | ----: | ----- |")
        let centred = MarkdownWriter().render(header: ["a"], rows: [["x"]], alignments: [.center])
        #expect(centred == "|  a  |\n| :-: |\n|  x  |\n")
        #expect(MarkdownWriter().render(header: [], rows: []) == "")
        #expect(MarkdownWriter().render(header: ["only"], rows: []) == "| only |\n| ---- |\n")
        for yes in ["1", "-1.5", "1,234,567.89", "4.35%", "1e-5", "+2E+10", "NaN", "-inf", ".5"] {
            #expect(CellGrid.looksNumeric(yes), "\(yes)")
        }
        for no in ["", "-", "abc", "1-2", "e5", "1e", ",1", "1.2.3", "12 kg", "2026-06-30"] {
            #expect(!CellGrid.looksNumeric(no), "\(no)")
        }
    }

    @Test func wideCharactersAlignByDisplayWidth() {
        let text = MarkdownWriter().render(header: ["name", "n"], rows: [["中文", "1"], ["é", "22"]])
        let expected = """
            | name |   n |
            | ---- | --: |
            | 中文 |   1 |
            | é    |  22 |

            """
        #expect(text == expected)
        #expect(DisplayWidth.of("e\u{301}") == 1)
        #expect(DisplayWidth.of("😀a") == 3)
    }

    @Test func textTableForTheTerminal() throws {
        let writer = TextTableWriter(formats: ["loans": .grouped(0), "exposure": .grouped(2)])
        let expected = """
            grade    loans      exposure  as_of
            -----  -------  ------------  ----------
            A      412,907  2,018,733.10  2026-06-30
            B        1,250          0.50  2026-06-30
            C            7                2026-06-30

            """
        #expect(writer.render(try Self.gradeTable()) == expected)
        let limited = TextTableWriter(maxRows: 1).render(try Self.gradeTable())
        #expect(limited.hasSuffix("A      412907  2018733.1  2026-06-30\n… 2 more rows\n"))
    }

    @Test func textTableEscapesControlsAndTruncates() {
        let text = TextTableWriter(maxCellWidth: 6).render(
            header: ["note", "v"], rows: [["a\nb\t\u{1B}[31m", "1"], ["长长长长", "2"], ["ok", "3"]])
        let expected = """
            note    v
            ------  -
            a\\nb\\…  1
            长长…   2
            ok      3

            """
        #expect(text == expected)
        #expect(!text.contains("\u{1B}"))
        #expect(TextTableWriter.sanitize("x\u{1B}y\u{7F}") == "x\\u{1B}y\\u{7F}")
        #expect(TextTableWriter().render(header: ["a"], rows: [["é中"]]) == "a\n---\né中\n")
    }
}

@Suite struct NumberTextTests {
    @Test func fixedMatchesPrintfOnRandomValues() {
        var random = TestRandom(seed: 21)
        for i in 0..<20_000 {
            let decimals = random.below(10)
            let value: Double =
                switch i % 5 {
                case 0: (random.unit() - 0.5) * 1e6
                case 1: Double(random.below(100_000)) / 1000 + 0.0005  // near ties
                case 2: (random.unit() - 0.5) * 1e-6
                case 3: Double(bitPattern: random.next() & 0x43EF_FFFF_FFFF_FFFF)  // |x| < 2^64
                default: Double(random.below(2_000)) / 8 - 125  // exact ties (ties to even)
                }
            var reference = String(format: "%.*f", decimals, value)
            if reference.hasPrefix("-"), reference.dropFirst().allSatisfy({ $0 == "0" || $0 == "." }) {
                reference.removeFirst()  // no negative zero
            }
            #expect(NumberText.fixed(value, decimals: decimals) == reference, "\(value) \(decimals)")
        }
    }

    @Test func fixedEdgeCases() {
        #expect(NumberText.fixed(2.675, decimals: 2) == "2.67")
        #expect(NumberText.fixed(0.125, decimals: 2) == "0.12")
        #expect(NumberText.fixed(0.375, decimals: 2) == "0.38")
        #expect(NumberText.fixed(-0.001, decimals: 2) == "0.00")
        #expect(NumberText.fixed(-1.5, decimals: 0) == "-2")
        #expect(NumberText.fixed(.leastNonzeroMagnitude, decimals: 18) == "0.000000000000000000")
        #expect(NumberText.fixed(123, decimals: 0) == "123")
        #expect(NumberText.fixed(.nan, decimals: 2) == "NaN")
        #expect(NumberText.fixed(-.infinity, decimals: 2) == "-inf")
        #expect(NumberText.fixed(1e300, decimals: 2) == "1e+300")
        #expect(NumberText.fixed(0x1p64, decimals: 1) == "1.8446744073709552e+19")
        #expect(NumberText.fixed(0x1p64.nextDown, decimals: 1) == "18446744073709549568.0")
        #expect(NumberText.fixed(0x1p53 + 1, decimals: 1) == "9007199254740992.0")
    }

    @Test func groupingAndPercent() {
        #expect(NumberText.grouped(1_234_567.5, decimals: 2) == "1,234,567.50")
        #expect(NumberText.grouped(-999.999, decimals: 2) == "-1,000.00")
        #expect(NumberText.grouped(12.0, decimals: 0) == "12")
        #expect(NumberText.grouped(1_234_567.891, decimals: 1, separator: " ") == "1 234 567.9")
        #expect(NumberText.grouped(Int64.min) == "-9,223,372,036,854,775,808")
        #expect(NumberText.grouped(Int64(100)) == "100")
        #expect(NumberText.percent(0.0435, decimals: 2) == "4.35%")
        #expect(NumberFormat.grouped(2).text(Int64(-1_234)) == "-1,234.00")
        #expect(NumberFormat.fixed(1).text(Int64(5)) == "5.0")
        #expect(NumberFormat.percent(1).text(Int64(1)) == "100.0%")
        #expect(NumberFormat.custom { "~\($0)" }.text(1.5) == "~1.5")
        #expect(NumberFormat.shortest.text(12.0) == "12")
    }
}
