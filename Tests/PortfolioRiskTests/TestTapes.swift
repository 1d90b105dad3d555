import Foundation
import PortfolioRisk
import StrataFrame
import StrataKernels

/// Tables for the tests: the committed fixture tapes and small hand-built books.
enum TestTapes {
    /// Fixture tape A (400 loans, 2026-06-30), ingested with the loan-tape schema.
    static let a: Table = load("risk_tape_a.csv")
    /// Fixture tape B (the same book a quarter later, with closed and new loans).
    static let b: Table = load("risk_tape_b.csv")

    static func load(_ name: String) -> Table {
        do {
            return try CSVIngest.ingest(path: FixtureFiles.path(name)).table
        } catch {
            fatalError("fixture \(name) does not ingest: \(error)")
        }
    }

    /// One hand-described loan.
    struct Loan {
        var id = "L1"
        var customer = "C1"
        var product = "consumer"
        var balance = 1000.0
        var limit = 1000.0
        var collateral = 0.0
        var dpd: Int64 = 0
        var classification = "normal"
        var pd: Double? = 0.02
        var remainingMonths: Int64 = 24
        var income = 100_000.0
        var region = "east"
        var industry = "services"
        var utilization = 0.5
    }

    /// A table of the columns the risk calculations read, from `loans`.
    static func table(_ loans: [Loan], pdColumn: Bool = true) -> Table {
        var columns = [
            Column(name: "loan_id", values: .string(StringValues(loans.map(\.id)))),
            Column(name: "customer_id", values: .string(StringValues(loans.map(\.customer)))),
            Column(name: "product", values: .category(CategoryValues(loans.map(\.product)))),
            Column(name: "region", values: .category(CategoryValues(loans.map(\.region)))),
            Column(name: "industry", values: .category(CategoryValues(loans.map(\.industry)))),
            Column(name: "balance", values: .float64(ColumnBuffer(loans.map(\.balance)))),
            Column(name: "credit_limit", values: .float64(ColumnBuffer(loans.map(\.limit)))),
            Column(name: "collateral_value", values: .float64(ColumnBuffer(loans.map(\.collateral)))),
            Column(name: "days_past_due", values: .int64(ColumnBuffer(loans.map(\.dpd)))),
            Column(name: "classification", values: .category(CategoryValues(loans.map(\.classification)))),
            Column(name: "remaining_months", values: .int64(ColumnBuffer(loans.map(\.remainingMonths)))),
            Column(name: "annual_income", values: .float64(ColumnBuffer(loans.map(\.income)))),
            Column(name: "utilization", values: .float64(ColumnBuffer(loans.map(\.utilization)))),
        ]
        if pdColumn {
            let validity = loans.contains { $0.pd == nil } ? ValidityBitmap(loans.map { $0.pd != nil }) : nil
            columns.append(
                Column(name: "pd", values: .float64(ColumnBuffer(loans.map { $0.pd ?? 0 })), validity: validity))
        }
        return try! Table(columns: columns)
    }
}
