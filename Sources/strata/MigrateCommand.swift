import ArgumentParser
import Foundation
import PortfolioRisk
import StrataFrame
import StrataReports

/// `strata migrate`: transition matrices between two snapshots of a book.
struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Transition counts, balances and probabilities between two snapshots, and DPD roll rates.",
        discussion: """
            Joins the snapshots on loan_id. Loans only in the later snapshot form the "(new)" row, loans \
            only in the earlier one the "(closed)" column. Probabilities are row-normalised counts. \
            Balances are the earlier balance (the later one for new loans).
            Example: strata migrate --from june.strata --to september.strata --by classification
            """)

    @Option(name: .long, help: "The earlier snapshot (.csv or .strata).")
    var from: String

    @Option(name: .long, help: "The later snapshot (.csv or .strata).")
    var to: String

    @Option(
        name: .long, help: "The category column whose states migrate: classification (default), grade, segment, ...")
    var by: String = "classification"

    @OptionGroup var risk: RiskConfigOptions

    @Option(name: .long, help: "Write the matrices: .csv (long form), .json or .md.")
    var out: String?

    @Flag(name: .long, help: "Print one JSON object instead of tables.")
    var json = false

    func run() throws {
        let config = try risk.load()
        let outFormat = try out.map { try ReportFile.format($0, option: "out") }
        let earlier = try InputTable.load(from)
        let later = try InputTable.load(to)
        let migration = try RiskEngine(config: config).migration(from: earlier, to: later, by: by)
        if let out, let outFormat {
            switch outFormat {
            case .csv:
                let long = Self.longRows(migration)
                try CSVWriter().write(header: long.header, rows: long.rows, numericColumns: [3, 4, 5], to: out)
            case .json: try JSONWriter().write(Self.json(migration), to: out)
            case .markdown: try ReportFile.write(Self.markdown(migration), to: out)
            }
        }
        if json {
            print(Self.json(migration).prettyText)
        } else {
            print(
                Self.sections(migration).map {
                    "\($0.title)\n\n" + TextTableWriter().render(header: $0.header, rows: $0.rows)
                }
                .joined(separator: "\n"), terminator: "")
        }
    }

    static func matrixJSON(_ matrix: TransitionMatrix) -> JSONValue {
        [
            "states": JSONValue(matrix.states),
            "rows": JSONValue(matrix.states + [TransitionMatrix.newLabel]),
            "columns": JSONValue(matrix.states + [TransitionMatrix.closedLabel]),
            "counts": .array(matrix.counts.map { .array($0.map { .int(Int($0)) }) }),
            "balances": .array(matrix.balances.map { .array($0.map { .double(Cents.double($0)) }) }),
            "probabilities": .array(matrix.probabilities.map { .array($0.map(JSONValue.init)) }),
        ]
    }

    static func json(_ migration: Migration) -> JSONValue {
        [
            "by": .string(migration.column), "matched": .int(migration.matched), "new": .int(migration.newLoans),
            "closed": .int(migration.closedLoans), "transitions": matrixJSON(migration.states),
            "dpd_buckets": matrixJSON(migration.dpdBuckets),
            "roll_forward_rates": .array(migration.rollForwardRates.map(JSONValue.init)),
            "cure_rates": .array(migration.cureRates.map(JSONValue.init)),
        ]
    }

    static func matrixRows(
        _ matrix: TransitionMatrix, _ cell: (Int, Int) -> String
    ) -> (header: [String], rows: [[String]]) {
        let header = ["from \\ to"] + matrix.states + [TransitionMatrix.closedLabel, "total"]
        let labels = matrix.states + [TransitionMatrix.newLabel]
        let rows = labels.enumerated().map { i, label in
            [label] + (0...matrix.states.count).map { cell(i, $0) } + [cell(i, -1)]
        }
        return (header, rows)
    }

    static func sections(_ migration: Migration) -> [(title: String, header: [String], rows: [[String]])] {
        let m = migration.states
        let probabilities = m.probabilities
        let counts = matrixRows(m) { i, j in
            NumberText.grouped(j < 0 ? m.counts[i].reduce(0, +) : m.counts[i][j])
        }
        let balances = matrixRows(m) { i, j in
            RiskReport.money(j < 0 ? m.balances[i].reduce(0, +) : m.balances[i][j])
        }
        let shares = matrixRows(m) { i, j in
            j < 0 ? "" : probabilities[i][j].map { NumberText.percent($0, decimals: 1) } ?? "-"
        }
        let d = migration.dpdBuckets
        let dpdShares = d.probabilities
        var dpd = matrixRows(d) { i, j in
            j < 0
                ? NumberText.grouped(d.counts[i].reduce(0, +))
                : dpdShares[i][j].map { NumberText.percent($0, decimals: 1) } ?? "-"
        }
        dpd.header += ["roll forward", "cure"]
        for i in 0..<dpd.rows.count {
            let forward = i < d.states.count ? migration.rollForwardRates[i] : nil
            let cure = i < d.states.count ? migration.cureRates[i] : nil
            dpd.rows[i] += [
                forward.map { NumberText.percent($0, decimals: 1) } ?? "",
                cure.map { NumberText.percent($0, decimals: 1) } ?? "",
            ]
        }
        let title =
            "\(migration.column): \(NumberText.grouped(Int64(migration.matched))) loans in both, \(NumberText.grouped(Int64(migration.newLoans))) new, \(NumberText.grouped(Int64(migration.closedLoans))) closed"
        return [
            ("Transitions by \(title) — loans", counts.header, counts.rows),
            ("Transition probabilities (row-normalised)", shares.header, shares.rows),
            ("Balances (earlier balance; later for new loans)", balances.header, balances.rows),
            (
                "Days-past-due buckets: row-normalised with roll-forward and cure rates of continuing loans",
                dpd.header, dpd.rows
            ),
        ]
    }

    static func markdown(_ migration: Migration) -> String {
        "# Migration\n\n"
            + sections(migration).map {
                "## \($0.title)\n\n" + MarkdownWriter().render(header: $0.header, rows: $0.rows)
            }
            .joined(separator: "\n")
    }

    /// One row per (matrix, from, to) cell: matrix, from, to, loans, balance, probability.
    static func longRows(_ migration: Migration) -> (header: [String], rows: [[String]]) {
        var rows = [[String]]()
        for (name, matrix) in [(migration.column, migration.states), ("dpd_bucket", migration.dpdBuckets)] {
            let probabilities = matrix.probabilities
            let labels = matrix.states + [TransitionMatrix.newLabel]
            let targets = matrix.states + [TransitionMatrix.closedLabel]
            for (i, from) in labels.enumerated() {
                for (j, to) in targets.enumerated() {
                    rows.append([
                        name, from, to, String(matrix.counts[i][j]), Cents.text(matrix.balances[i][j]),
                        probabilities[i][j].map(FloatText.shortest) ?? "",
                    ])
                }
            }
        }
        return (["matrix", "from", "to", "loans", "balance", "probability"], rows)
    }
}

/// `strata watch`: the post-loan monitoring list between two snapshots.
struct WatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract:
            "Early-warning list: loans that crossed a classification floor, went further past due, drew up, or lost score.",
        discussion: """
            Thresholds come from the watch section of --config (dpd_increase, utilization_jump, score_drop, \
            score_column, floor_crossing). Sorted by number of reasons, then balance.
            Example: strata watch --from june.strata --to september.strata --out watch.csv
            """)

    @Option(name: .long, help: "The earlier snapshot (.csv or .strata).")
    var from: String

    @Option(name: .long, help: "The later snapshot (.csv or .strata).")
    var to: String

    @OptionGroup var risk: RiskConfigOptions

    @Option(name: .long, help: "Write the whole list: .csv, .json or .md.")
    var out: String?

    @Option(name: .long, help: "How many loans to print (the file gets all).")
    var limit: Int = 25

    @Flag(name: .long, help: "Print one JSON object instead of a table.")
    var json = false

    func run() throws {
        guard limit >= 0 else { throw RiskError.option(name: "limit", reason: "must not be negative") }
        let config = try risk.load()
        let outFormat = try out.map { try ReportFile.format($0, option: "out") }
        let list = try RiskEngine(config: config).watchList(
            from: try InputTable.load(from), to: try InputTable.load(to))
        let header = ["loan_id", "customer_id", "product", "balance", "classification", "days_past_due", "reasons"]
        func row(_ item: WatchItem, money: (Int64) -> String) -> [String] {
            [
                item.loanID, item.customerID, item.product, money(item.balance), item.classification,
                String(item.daysPastDue), item.reasons.map(\.text).joined(separator: "; "),
            ]
        }
        if let out, let outFormat {
            switch outFormat {
            case .csv:
                try CSVWriter().write(
                    header: header, rows: list.map { row($0, money: Cents.text) }, numericColumns: [3, 5], to: out)
            case .json: try JSONWriter().write(Self.json(list, limit: nil), to: out)
            case .markdown:
                try ReportFile.write(
                    "# Early-warning list\n\n"
                        + MarkdownWriter().render(header: header, rows: list.map { row($0, money: RiskReport.money) }),
                    to: out)
            }
        }
        if json {
            print(Self.json(list, limit: limit).prettyText)
            return
        }
        print(
            "Early-warning list: \(NumberText.grouped(Int64(list.count))) loans flagged\(list.count > limit ? " (first \(limit) shown)" : "")\n"
        )
        print(
            TextTableWriter(maxCellWidth: 120).render(
                header: header, rows: list.prefix(limit).map { row($0, money: RiskReport.money) }), terminator: "")
    }

    static func json(_ list: [WatchItem], limit: Int?) -> JSONValue {
        let shown = limit.map { Array(list.prefix($0)) } ?? list
        return [
            "flagged": .int(list.count),
            "loans": .array(
                shown.map { item in
                    [
                        "loan_id": .string(item.loanID), "customer_id": .string(item.customerID),
                        "product": .string(item.product), "balance": .double(Cents.double(item.balance)),
                        "classification": .string(item.classification), "days_past_due": .int(Int(item.daysPastDue)),
                        "reasons": JSONValue(item.reasons.map(\.text)),
                    ]
                }),
        ]
    }
}

/// `strata vintage`: NPL and default rates by origination quarter and months on book.
struct VintageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vintage",
        abstract: "NPL and observed default rates by origination quarter × months on book, over one or more snapshots.",
        discussion: "Example: strata vintage q1.strata q2.strata q3.strata --json")

    @Argument(help: "Snapshots of the book (.csv or .strata); several fill the vintage triangle.")
    var files: [String]

    @OptionGroup var risk: RiskConfigOptions

    @Option(name: .long, help: "Width of the months-on-book buckets (default 3, or vintage.mob_bucket_months).")
    var bucket: Int?

    @Option(name: .long, help: "Write the table: .csv, .json or .md.")
    var out: String?

    @Flag(name: .long, help: "Print one JSON object instead of a table.")
    var json = false

    func run() throws {
        guard !files.isEmpty else { throw RiskError.option(name: "files", reason: "give at least one snapshot") }
        var config = try risk.load()
        if let bucket {
            guard bucket >= 1 else { throw RiskError.option(name: "bucket", reason: "must be at least 1 month") }
            config.vintageBucketMonths = bucket
        }
        let outFormat = try out.map { try ReportFile.format($0, option: "out") }
        let tables = try files.map { try InputTable.load($0) }
        let vintage = try RiskEngine(config: config).vintage(tables)
        let header = ["vintage", "months_on_book", "loans", "balance", "npl_loans", "npl_rate", "default_rate"]
        var plain = [[String]]()
        var readable = [[String]]()
        for (q, quarter) in vintage.quarters.enumerated() {
            for (b, bucket) in vintage.mobBuckets.enumerated() where vintage.loans[q][b] > 0 {
                let npl = vintage.nplRate(q, b)
                let defaults = vintage.defaultRate(q, b)
                plain.append([
                    quarter, bucket, String(vintage.loans[q][b]), Cents.text(vintage.balance[q][b]),
                    String(vintage.nplLoans[q][b]), npl.map(FloatText.shortest) ?? "",
                    defaults.map(FloatText.shortest) ?? "",
                ])
                readable.append([
                    quarter, bucket, NumberText.grouped(vintage.loans[q][b]), RiskReport.money(vintage.balance[q][b]),
                    NumberText.grouped(vintage.nplLoans[q][b]), npl.map { NumberText.percent($0, decimals: 2) } ?? "-",
                    defaults.map { NumberText.percent($0, decimals: 2) } ?? "-",
                ])
            }
        }
        let jsonValue: JSONValue = [
            "bucket_months": .int(config.vintageBucketMonths), "cells": RiskReport.vintageJSON(vintage),
        ]
        if let out, let outFormat {
            switch outFormat {
            case .csv: try CSVWriter().write(header: header, rows: plain, numericColumns: [2, 3, 4, 5, 6], to: out)
            case .json: try JSONWriter().write(jsonValue, to: out)
            case .markdown:
                try ReportFile.write("# Vintage\n\n" + MarkdownWriter().render(header: header, rows: readable), to: out)
            }
        }
        if json {
            print(jsonValue.prettyText)
        } else {
            print("Vintage: origination quarter × months on book (\(config.vintageBucketMonths)-month buckets)\n")
            print(TextTableWriter().render(header: header, rows: readable), terminator: "")
        }
    }
}
