import Foundation
import PortfolioRisk
import StrataFrame
import StrataKernels
import StrataReports

/// The manager's view of a book: the figures of `strata risk`, rendered for the terminal,
/// Markdown, CSV and JSON. The main pipeline command can build one and print or write it too.
struct RiskReport {
    /// The input's name, as shown.
    let source: String
    /// The configuration used.
    let config: RiskConfig
    /// Figures by the key columns, with subtotals and total.
    let aggregate: RiskAggregate
    /// Concentration by customer, industry and region.
    let concentration: [ConcentrationMeasure]
    /// The vintage table, when asked for.
    let vintage: VintageTable?
    /// Seconds per phase, when measured.
    var timings: [(String, Double)] = []

    /// Computes the report of `table` grouped by `keys`.
    static func build(
        _ table: Table, source: String, config: RiskConfig, by keys: [String], vintage: Bool
    ) throws -> RiskReport {
        var timings = [(String, Double)]()
        let engine = RiskEngine(config: config)
        let clock = ContinuousClock()
        var start = clock.now
        let aggregate = try engine.aggregate(table, by: keys)
        timings.append(("aggregate", Units.seconds(of: clock.now - start)))
        start = clock.now
        let concentration = try engine.concentration(table)
        timings.append(("concentration", Units.seconds(of: clock.now - start)))
        var vintageTable: VintageTable?
        if vintage {
            start = clock.now
            vintageTable = try engine.vintage([table])
            timings.append(("vintage", Units.seconds(of: clock.now - start)))
        }
        var report = RiskReport(
            source: source, config: config, aggregate: aggregate, concentration: concentration, vintage: vintageTable)
        report.timings = timings
        return report
    }

    // MARK: - Columns of the group table

    /// The measure columns of the group table, after the key columns and `level`.
    static let measureNames = [
        "loans", "balance", "ead", "el", "el_rate", "pd", "lgd", "rwa", "risk_weight", "capital", "npl_loans",
        "npl_balance", "npl_ratio", "provisions", "coverage", "loan_provision_ratio", "below_floor_loans",
        "below_floor_balance", "provision_shortfall", "defaulted_loans",
    ]

    /// One cell value of a measure.
    enum Cell {
        case count(Int64)
        case money(Int64)
        case ratio(Double?)
    }

    static func cells(_ t: RiskTotals) -> [Cell] {
        [
            .count(t.loans), .money(t.balance), .money(t.ead), .money(t.el), .ratio(t.elRate), .ratio(t.weightedPD),
            .ratio(t.weightedLGD), .money(t.rwa), .ratio(t.riskWeight), .money(t.capital), .count(t.nplLoans),
            .money(t.nplBalance), .ratio(t.nplRatio), .money(t.provisions), .ratio(t.coverage),
            .ratio(t.loanProvisionRatio), .count(t.belowFloorLoans), .money(t.belowFloorBalance),
            .money(t.provisionShortfall), .count(t.defaultedLoans),
        ]
    }

    static func plain(_ cell: Cell) -> String {
        switch cell {
        case .count(let n): return String(n)
        case .money(let cents): return Cents.text(cents)
        case .ratio(let value): return value.map(FloatText.shortest) ?? ""
        }
    }

    static func json(_ cell: Cell) -> JSONValue {
        switch cell {
        case .count(let n): return .int(Int(n))
        case .money(let cents): return .double(Cents.double(cents))
        case .ratio(let value): return JSONValue(value)
        }
    }

    static func readable(_ cell: Cell) -> String {
        switch cell {
        case .count(let n): return NumberText.grouped(n)
        case .money(let cents): return money(cents)
        case .ratio(let value): return value.map { NumberText.percent($0, decimals: 2) } ?? "-"
        }
    }

    /// Cents as grouped currency units with two decimals: `1,234,567.89`.
    static func money(_ cents: Int64) -> String {
        let sign = cents < 0 ? "-" : ""
        let magnitude = cents.magnitude
        let fraction = magnitude % 100
        return sign + NumberText.grouped(Int64(magnitude / 100)) + (fraction < 10 ? ".0" : ".") + String(fraction)
    }

    /// The label of a row's key cell.
    static func keyLabel(_ row: RiskRow, _ index: Int) -> String {
        if row.level == .total { return index == 0 ? "TOTAL" : "" }
        if index >= row.depth { return index == row.depth ? "subtotal" : "" }
        return row.keys[index]
    }

    // MARK: - CSV

    /// The group table as CSV rows: key columns, `level`, then ``measureNames``; rolled-up keys
    /// hold `(all)`.
    func groupCSV() -> (header: [String], rows: [[String]], numeric: Set<Int>) {
        let keys = aggregate.keyColumns
        let header = keys + ["level"] + Self.measureNames
        let rows = aggregate.rows.map { row in
            row.keys + [row.level.rawValue] + Self.cells(row.totals).map(Self.plain)
        }
        return (header, rows, Set((keys.count + 1)..<header.count))
    }

    // MARK: - JSON

    func json() -> JSONValue {
        var object = JSONObject()
        object["source"] = .string(source)
        object["preset"] = .string(config.irb.preset.rawValue)
        object["scaling"] = .double(config.irb.scaling)
        object["capital_ratio"] = .double(config.capitalRatio)
        object["loans"] = .int(Int(aggregate.total.loans))
        object["pd_sources"] = .object(
            JSONObject([
                ("column", .int(Int(aggregate.pdSources[0]))), ("grade", .int(Int(aggregate.pdSources[1]))),
                ("classification", .int(Int(aggregate.pdSources[2]))),
            ]))
        object["summary"] = .object(Self.totalsObject(aggregate.total))
        object["by"] = JSONValue(aggregate.keyColumns)
        object["groups"] = .array(
            aggregate.rows.map { row in
                var item = JSONObject()
                item["level"] = .string(row.level.rawValue)
                for (key, value) in zip(aggregate.keyColumns, row.keys) { item[key] = .string(value) }
                for (name, value) in Self.totalsObject(row.totals) { item[name] = value }
                return .object(item)
            })
        object["classification"] = .array(
            LoanClass.allCases.map { loanClass in
                var item = JSONObject()
                item["class"] = .string(loanClass.label)
                item["provision_rate"] = .double(config.provisions[loanClass])
                for (name, value) in Self.totalsObject(aggregate.byClass[loanClass.rawValue]) { item[name] = value }
                return .object(item)
            })
        object["concentration"] = .array(concentration.map(Self.concentrationObject))
        if let vintage { object["vintage"] = Self.vintageJSON(vintage) }
        if !timings.isEmpty {
            object["timings"] = .object(JSONObject(timings.map { ($0.0, JSONValue.double($0.1)) }))
        }
        return .object(object)
    }

    static func totalsObject(_ totals: RiskTotals) -> JSONObject {
        JSONObject(zip(measureNames, cells(totals).map(json)).map { ($0, $1) })
    }

    static func concentrationObject(_ measure: ConcentrationMeasure) -> JSONValue {
        [
            "dimension": .string(measure.dimension), "names": .int(measure.names),
            "total_exposure": .double(Cents.double(measure.totalExposure)), "hhi": .double(measure.hhi),
            "hhi_normalised": .double(measure.normalizedHHI), "top10_share": .double(measure.top10Share),
            "top1pct_names": .int(measure.top1PercentNames), "top1pct_share": .double(measure.top1PercentShare),
            "gini": .double(measure.gini),
            "largest": .array(
                measure.largest.map {
                    [
                        "name": .string($0.name), "exposure": .double(Cents.double($0.exposure)),
                        "share": .double($0.share), "loans": .int(Int($0.loans)),
                    ]
                }),
        ]
    }

    static func vintageJSON(_ vintage: VintageTable) -> JSONValue {
        var cells = [JSONValue]()
        for (q, quarter) in vintage.quarters.enumerated() {
            for (b, bucket) in vintage.mobBuckets.enumerated() where vintage.loans[q][b] > 0 {
                cells.append(
                    [
                        "origination_quarter": .string(quarter), "months_on_book": .string(bucket),
                        "loans": .int(Int(vintage.loans[q][b])),
                        "balance": .double(Cents.double(vintage.balance[q][b])),
                        "npl_loans": .int(Int(vintage.nplLoans[q][b])),
                        "npl_rate": JSONValue(vintage.nplRate(q, b)),
                        "default_rate": JSONValue(vintage.defaultRate(q, b)),
                    ])
            }
        }
        return .array(cells)
    }

    // MARK: - Terminal and Markdown

    /// The columns shown in the terminal and Markdown group tables (all are in CSV and JSON).
    static let shownMeasures = [
        ("loans", "loans"), ("balance", "balance"), ("ead", "EAD"), ("el", "EL"), ("el_rate", "EL rate"),
        ("pd", "PD"), ("lgd", "LGD"), ("rwa", "RWA"), ("capital", "capital"), ("npl_ratio", "NPL ratio"),
        ("provisions", "provisions"), ("coverage", "coverage"),
    ]

    /// The sections as (title, header, rows) tables.
    func sections() -> [(title: String, header: [String], rows: [[String]])] {
        var result = [(title: String, header: [String], rows: [[String]])]()
        let total = aggregate.total
        let sources = aggregate.pdSources
        let summaryRows: [[String]] = [
            ["loans", NumberText.grouped(total.loans)],
            ["balance", Self.money(total.balance)],
            ["exposure at default (EAD)", Self.money(total.ead)],
            ["expected loss (EL)", Self.money(total.el)],
            ["EL rate (EL / EAD)", Self.readable(.ratio(total.elRate))],
            ["PD, EAD-weighted", Self.readable(.ratio(total.weightedPD))],
            ["LGD, EAD-weighted", Self.readable(.ratio(total.weightedLGD))],
            ["risk-weighted assets (RWA)", Self.money(total.rwa)],
            ["average risk weight (RWA / EAD)", Self.readable(.ratio(total.riskWeight))],
            ["capital (\(NumberText.percent(config.capitalRatio, decimals: 1)) of RWA)", Self.money(total.capital)],
            [
                "non-performing loans (NPL)",
                "\(NumberText.grouped(total.nplLoans)) loans, \(Self.money(total.nplBalance))",
            ],
            ["NPL ratio", Self.readable(.ratio(total.nplRatio))],
            ["provisions", Self.money(total.provisions)],
            ["provision coverage (provisions / NPL)", Self.readable(.ratio(total.coverage))],
            ["loan-provision ratio (provisions / loans)", Self.readable(.ratio(total.loanProvisionRatio))],
            [
                "classified better than their DPD floor",
                "\(NumberText.grouped(total.belowFloorLoans)) loans, \(Self.money(total.belowFloorBalance)); provision shortfall \(Self.money(total.provisionShortfall))",
            ],
            ["loans in default (PD = 1)", NumberText.grouped(total.defaultedLoans)],
            [
                "PD from",
                "pd column \(NumberText.grouped(sources[0])), grade \(NumberText.grouped(sources[1])), classification \(NumberText.grouped(sources[2]))",
            ],
            ["IRB preset", "\(config.irb.preset.rawValue) (scaling \(FloatText.shortest(config.irb.scaling)))"],
        ]
        result.append(("Portfolio — \(source)", ["measure", "value"], summaryRows))

        if !aggregate.keyColumns.isEmpty {
            let index = Dictionary(uniqueKeysWithValues: Self.measureNames.enumerated().map { ($1, $0) })
            let rows = aggregate.rows.map { row -> [String] in
                let cells = Self.cells(row.totals)
                return (0..<aggregate.keyColumns.count).map { Self.keyLabel(row, $0) }
                    + Self.shownMeasures.map { Self.readable(cells[index[$0.0]!]) }
            }
            result.append(
                (
                    "By \(aggregate.keyColumns.joined(separator: ", ")) (subtotals per level; money exact to the cent)",
                    aggregate.keyColumns + Self.shownMeasures.map(\.1), rows
                ))
        }

        let classRows = LoanClass.allCases.map { loanClass -> [String] in
            let t = aggregate.byClass[loanClass.rawValue]
            let share = total.balance == 0 ? nil : Double(t.balance) / Double(total.balance)
            return [
                loanClass.label, NumberText.grouped(t.loans), Self.money(t.balance), Self.readable(.ratio(share)),
                NumberText.percent(config.provisions[loanClass], decimals: 0), Self.money(t.provisions),
                NumberText.grouped(t.belowFloorLoans), Self.money(t.belowFloorBalance),
                Self.money(t.provisionShortfall),
            ]
        }
        result.append(
            (
                "Five-category classification (NPL = substandard + doubtful + loss: \(Self.readable(.ratio(total.nplRatio))) of balance)",
                [
                    "class", "loans", "balance", "share", "provision rate", "provisions", "below floor",
                    "below-floor balance", "shortfall",
                ], classRows
            ))

        let concentrationRows = concentration.map { m -> [String] in
            [
                m.dimension, NumberText.grouped(Int64(m.names)), FloatText.shortest((m.hhi * 1e6).rounded() / 1e6),
                FloatText.shortest((m.normalizedHHI * 1e6).rounded() / 1e6),
                NumberText.percent(m.top10Share, decimals: 2),
                "\(NumberText.percent(m.top1PercentShare, decimals: 2)) (\(m.top1PercentNames))",
                FloatText.shortest((m.gini * 1e4).rounded() / 1e4),
            ]
        }
        result.append(
            (
                "Concentration of EAD (HHI raw = Σ share², normalised = (HHI − 1/N)/(1 − 1/N))",
                ["dimension", "names", "HHI raw", "HHI normalised", "top-10 share", "top-1% share (names)", "Gini"],
                concentrationRows
            ))
        if let customers = concentration.first {
            let rows = customers.largest.enumerated().map { i, name -> [String] in
                [
                    String(i + 1), name.name, NumberText.grouped(name.loans), Self.money(name.exposure),
                    NumberText.percent(name.share, decimals: 3),
                ]
            }
            result.append(("Largest borrowers", ["rank", customers.dimension, "loans", "EAD", "share"], rows))
        }
        if let vintage {
            var rows = [[String]]()
            for (q, quarter) in vintage.quarters.enumerated() {
                for (b, bucket) in vintage.mobBuckets.enumerated() where vintage.loans[q][b] > 0 {
                    rows.append([
                        quarter, bucket, NumberText.grouped(vintage.loans[q][b]), Self.money(vintage.balance[q][b]),
                        Self.readable(.ratio(vintage.nplRate(q, b))), Self.readable(.ratio(vintage.defaultRate(q, b))),
                    ])
                }
            }
            result.append(
                (
                    "Vintage: origination quarter × months on book",
                    ["vintage", "months on book", "loans", "balance", "NPL rate", "12m default rate"], rows
                ))
        }
        return result
    }

    /// The report as aligned text.
    func text() -> String {
        let writer = TextTableWriter()
        return sections().map { "\($0.title)\n\n" + writer.render(header: $0.header, rows: $0.rows) }
            .joined(separator: "\n")
    }

    /// The report as Markdown.
    func markdown() -> String {
        let writer = MarkdownWriter()
        return "# Portfolio risk\n\n"
            + sections().map { "## \($0.title)\n\n" + writer.render(header: $0.header, rows: $0.rows) }
            .joined(separator: "\n")
    }
}

/// Where a command writes a file: by extension, CSV, JSON or Markdown.
enum ReportFile {
    /// The formats an `--out` path may have.
    enum Format {
        case csv, json, markdown
    }

    /// The format of `path` by its extension.
    static func format(_ path: String, option: String) throws -> Format {
        switch (path as NSString).pathExtension.lowercased() {
        case "csv": return .csv
        case "json": return .json
        case "md", "markdown": return .markdown
        default: throw RiskError.option(name: option, reason: "'\(path)' must end in .csv, .json or .md")
        }
    }

    /// Writes `text` to `path` atomically.
    static func write(_ text: String, to path: String) throws {
        do {
            let writer = try AtomicFileWriter(path: path)
            writer.write(text)
            try writer.commit()
        } catch {
            throw ReportError.io(path: path, reason: error.description)
        }
    }
}
