import ArgumentParser
import Foundation
import PortfolioRisk
import StrataFrame
import StrataReports

/// `--config` and `--preset`, shared by the risk commands.
struct RiskConfigOptions: ParsableArguments {
    @Option(name: .long, help: "YAML file overriding the risk defaults (docs/methodology/risk.md lists every key).")
    var config: String?

    @Option(name: .long, help: "IRB preset: basel2 (PD floor 0.03 %, scaling 1.06) or basel31 (default).")
    var preset: String?

    /// The configuration: defaults, then `--preset`, then the file's keys (its own `preset` key
    /// yields to `--preset`).
    func load() throws -> RiskConfig {
        var preset: IRBPreset?
        if let name = self.preset {
            guard let value = IRBPreset(rawValue: name) else {
                throw RiskError.option(name: "preset", reason: "expected basel2 or basel31, found '\(name)'")
            }
            preset = value
        }
        if let config { return try RiskConfig.load(path: config, preset: preset) }
        return preset.map(RiskConfig.init(preset:)) ?? RiskConfig()
    }
}

/// `strata risk`: the manager's view of a book by any cut.
struct RiskCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "risk",
        abstract: "Exposure, expected loss, IRB capital, classification, provisions and concentration by any cut.",
        discussion: """
            Reads a loan tape (.csv) or snapshot (.strata). PD comes from a `pd` column where present, \
            else from pd.by_grade (config), else from the loan's classification. Money figures are sums \
            of per-loan amounts rounded to the cent, so groups, subtotals and the total add up exactly.
            Examples:
              strata risk book.strata --by product,region,classification
              strata risk book.strata --by grade --config risk.yaml --out risk.csv
            """)

    @Argument(help: "The loan tape (.csv) or snapshot (.strata).")
    var file: String

    @Option(name: .long, help: "Comma-separated category columns to group by (product, region, grade, segment, ...).")
    var by: String = "product"

    @OptionGroup var risk: RiskConfigOptions

    @Option(name: .long, help: "Write the report: .csv (the group table), .json (everything) or .md (everything).")
    var out: String?

    @Option(name: .long, help: "Write the per-loan measures (EAD, LGD, PD, EL, K, RWA, ...) to this CSV file.")
    var loansOut: String?

    @Option(name: .long, help: "Write the loans classified better than their days-past-due floor to this CSV file.")
    var flaggedOut: String?

    @Flag(name: .long, help: "Add the vintage table (origination quarter × months on book).")
    var vintage = false

    @Flag(name: .long, help: "Report the time of each phase (in --json and on stderr), with a separate per-loan pass.")
    var timings = false

    @Flag(name: .long, help: "Print one JSON object instead of tables.")
    var json = false

    func run() throws {
        let keys = by.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let config = try risk.load()
        let outFormat = try out.map { try ReportFile.format($0, option: "out") }
        let clock = ContinuousClock()
        let start = clock.now
        let table = try InputTable.load(file)
        let loadTime = Units.seconds(of: clock.now - start)
        try RiskEngine.checkKeys(keys, in: table)
        var report = try RiskReport.build(
            table, source: (file as NSString).lastPathComponent, config: config, by: keys, vintage: vintage)
        report.timings.insert(("load", loadTime), at: 0)
        let engine = RiskEngine(config: config)
        if loansOut != nil || timings {
            // With --timings the per-loan pass (EAD, LGD, PD, EL, IRB K, RWA for every loan, as
            // columns) is timed on its own, whether or not it is written.
            let phase = clock.now
            let measures = try engine.loanMeasures(table)
            report.timings.append(("loan_measures", Units.seconds(of: clock.now - phase)))
            if let loansOut { try CSVWriter().write(measures, to: loansOut) }
        }
        if let flaggedOut {
            try CSVWriter().write(try engine.belowFloorLoans(table), to: flaggedOut)
        }
        if !timings { report.timings = [] }
        if let out, let outFormat {
            switch outFormat {
            case .csv:
                let csv = report.groupCSV()
                try CSVWriter().write(header: csv.header, rows: csv.rows, numericColumns: csv.numeric, to: out)
            case .json: try JSONWriter().write(report.json(), to: out)
            case .markdown: try ReportFile.write(report.markdown(), to: out)
            }
        }
        if json {
            print(report.json().prettyText)
        } else {
            print(report.text(), terminator: "")
        }
        if timings {
            let text = report.timings.map { "\($0.0) \(NumberText.fixed($0.1, decimals: 3)) s" }.joined(separator: ", ")
            StandardError.write("timings: \(text)\n")
        }
    }
}
