import Foundation
import StrataKernels
import Testing

@testable import StrataFrame

@Suite struct TableTests {
    static func small() throws -> Table {
        try Table(columns: [
            Column(name: "id", values: .string(StringValues(["a", "bb", "ccc"]))),
            Column(name: "amount", values: .float64(ColumnBuffer([1.5, 2.5, 4.0]))),
            Column(
                name: "term", values: .int64(ColumnBuffer([12, 24, 36])), validity: ValidityBitmap([true, false, true])),
            Column(name: "day", values: .date(ColumnBuffer([0, 1, 19_000]))),
            Column(name: "product", values: .category(CategoryValues(["auto", "sme", "auto"]))),
        ])
    }

    @Test func lookupByNameAndType() throws {
        let table = try Self.small()
        #expect(table.rowCount == 3)
        #expect(table.columnNames == ["id", "amount", "term", "day", "product"])
        #expect(try table.float64("amount").array == [1.5, 2.5, 4.0])
        #expect(try table.int64("term").array == [12, 24, 36])
        #expect(try table.category("product").dictionary == ["auto", "sme"])
        #expect(try table.string("id").value(at: 2) == "ccc")
        #expect(try table.numeric("term").array == [12, 24, 36])
        #expect(try table.column(named: "term").nullCount == 1)
    }

    @Test func unknownColumnNamesTheColumnAndListsOthers() throws {
        let table = try Self.small()
        let error = #expect(throws: StrataFrameError.self) { _ = try table.column(named: "balance") }
        #expect(error?.description == "no column named 'balance' (columns: id, amount, term, day, product)")
        #expect(throws: StrataFrameError.typeMismatch(column: "product", expected: .float64, actual: .category)) {
            _ = try table.float64("product")
        }
    }

    @Test func duplicateNamesAndUnequalLengthsAreRejected() {
        let a = Column(name: "x", values: .float64(ColumnBuffer([1, 2])))
        let b = Column(name: "x", values: .float64(ColumnBuffer([3, 4])))
        let c = Column(name: "y", values: .float64(ColumnBuffer([5])))
        #expect(throws: StrataFrameError.invalidTable(reason: "duplicate column name 'x'")) {
            _ = try Table(columns: [a, b])
        }
        #expect(throws: StrataFrameError.invalidTable(reason: "column 'y' has 1 rows, expected 2")) {
            _ = try Table(columns: [a, c])
        }
    }

    @Test func withAddsOrReplacesAColumn() throws {
        let table = try Self.small()
        let added = try table.with(Column(name: "pd", values: .float64(ColumnBuffer([0.1, 0.2, 0.3]))))
        #expect(added.columnNames.last == "pd")
        let replaced = try added.with(Column(name: "amount", values: .float64(ColumnBuffer([9, 9, 9]))))
        #expect(replaced.columnNames == added.columnNames)
        #expect(try replaced.float64("amount").array == [9, 9, 9])
        #expect(try table.float64("amount").array == [1.5, 2.5, 4.0])
    }

    @Test func textRendering() throws {
        let table = try Self.small()
        #expect(try table.column(named: "term").text(at: 1) == "")
        #expect(try table.column(named: "day").text(at: 2) == "2022-01-08")
        #expect(try table.column(named: "amount").text(at: 2) == "4")
        #expect(try table.column(named: "amount").text(at: 0) == "1.5")
    }

    @Test func summariesMatchNaiveStatistics() throws {
        let table = try Self.small()
        let summaries = table.summaries()
        let amount = summaries[1]
        #expect(amount.min == 1.5 && amount.max == 4.0 && amount.missing == 0)
        #expect(abs(amount.mean! - 8.0 / 3.0) < 1e-15)
        let term = summaries[2]
        #expect(term.missing == 1 && term.min == 12 && term.max == 36 && term.mean == 24)
        let product = summaries[4]
        #expect(product.distinct == 2)
        #expect(product.topValues.map(\.value) == ["auto", "sme"])
        #expect(product.topValues.map(\.count) == [2, 1])
    }

    @Test func summariesAreIdenticalForAnyThreadCount() throws {
        var values = [Double]()
        var state: UInt64 = 1
        for _ in 0..<200_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            values.append(Double(state >> 11) / Double(1 << 53) * 1e6)
        }
        let table = try Table(columns: [Column(name: "v", values: .float64(ColumnBuffer(values)))])
        let one = table.summaries(threads: 1)[0]
        for threads in [2, 5] {
            let other = table.summaries(threads: threads)[0]
            #expect(one.mean!.bitPattern == other.mean!.bitPattern)
            #expect(one == other)
        }
        #expect(one.min == values.min() && one.max == values.max())
    }
}

@Suite struct CivilDateTests {
    /// Every day from 1900 to 2100 against Foundation's Gregorian calendar in UTC.
    @Test func daysMatchFoundationCalendar() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        for days in stride(from: -25_567, through: 47_482, by: 1) {
            let date = CivilDate(daysSinceEpoch: Int32(days))
            let reference = calendar.dateComponents(
                [.year, .month, .day], from: Date(timeIntervalSince1970: Double(days) * 86_400))
            #expect(date.year == reference.year && date.month == reference.month && date.day == reference.day)
            #expect(date.daysSinceEpoch == Int32(days))
        }
    }

    @Test(arguments: ["2023-02-29", "2023-13-01", "2023-00-10", "2023-04-31", "0000-01-01", "2023-1-01", "2023/01/01"])
    func invalidDatesAreRejected(text: String) {
        #expect(CivilDate(text) == nil)
    }

    @Test func validDatesParse() {
        #expect(CivilDate("2024-02-29")?.daysSinceEpoch == 19_782)
        #expect(CivilDate("1970-01-01")?.daysSinceEpoch == 0)
        #expect(CivilDate("1969-12-31")?.daysSinceEpoch == -1)
        #expect(CivilDate("2026-06-30")?.description == "2026-06-30")
    }
}

@Suite struct ValidityBitmapTests {
    @Test func countsAndFlagsAcrossWordBoundaries() {
        var flags = [Bool]()
        for i in 0..<1_000 { flags.append(i % 7 != 0) }
        let bitmap = ValidityBitmap(flags)
        #expect(bitmap.nullCount == flags.filter { !$0 }.count)
        for i in 0..<1_000 { #expect(bitmap.isValid(i) == flags[i]) }
        #expect(bitmap.prefix(64).nullCount == 10)
    }
}
