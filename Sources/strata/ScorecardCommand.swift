import ArgumentParser
import CreditScoring
import Foundation
import StrataFrame
import StrataKernels
import StrataReports

/// `strata scorecard`: fit a credit scorecard and show saved ones.
struct ScorecardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scorecard",
        abstract: "Fit a credit scorecard (binning, WoE, IV, logistic regression, points) or show a saved one.",
        subcommands: [ScorecardFitCommand.self, ScorecardShowCommand.self]
    )
}

/// `strata scorecard fit FILE --target COL --out model.json`.
struct ScorecardFitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit",
        abstract: "Fit a scorecard to a CSV or snapshot with a binary target and save the model file.",
        discussion: """
            Numeric features get exact quantile pre-bins, merged by chi-square or IV under a monotonic \
            event rate; categories are grouped by event rate with rare ones pooled; missing and special \
            values get their own bins. Features are selected by IV, a WoE correlation filter and VIF, \
            then a logistic regression on the WoE matrix (IRLS) gives the points. Defaults: 600 points \
            at good:bad odds 50:1, 20 points to double the odds; master scale G01-G10 with PD bounds \
            doubling from 0.1%.
            """
    )

    @Argument(help: "Training data: a CSV (loan tape or any CSV) or a .strata snapshot.")
    var file: String

    @Option(help: "The binary target column (0/1, true/false, or two labels with --bad-value).")
    var target = "defaulted_12m"

    @Option(name: .customLong("bad-value"), help: "The target value that means bad, for two-label targets.")
    var badValue: String?

    @Option(help: "Comma-separated features (default: every column but ids, dates and the target).")
    var features: String?

    @Option(help: "Comma-separated columns to leave out.")
    var exclude: String?

    @Option(help: "Share of labelled rows held out for validation, stratified by target.")
    var holdout: Double = 0

    @Option(help: "Seed of the holdout split.")
    var seed: UInt64 = 0

    @Option(name: .customLong("pre-bins"), help: "Exact quantile pre-bins per numeric feature.")
    var preBins = 50

    @Option(name: .customLong("max-bins"), help: "Most bins of regular values per feature.")
    var maxBins = 6

    @Option(name: .customLong("min-bin-share"), help: "Smallest share of training rows per bin.")
    var minBinShare = 0.05

    @Option(name: .customLong("rare-share"), help: "Pool categories below this share of training rows.")
    var rareShare = 0.01

    @Option(help: "Merging of adjacent bins: chi2 or iv.")
    var merge = "chi2"

    @Option(help: "Event-rate constraint for numeric features: auto, ascending, descending or none.")
    var monotonic = "auto"

    @Option(
        name: .customLong("special-values"),
        help: "Special values of a numeric feature with their own bins, COL=v1,v2 (repeatable).")
    var specialValues: [String] = []

    @Option(name: .customLong("woe-smoothing"), help: "WoE smoothing weight (pseudo-rows per bin).")
    var woeSmoothing = WeightOfEvidence.defaultSmoothing

    @Option(name: .customLong("min-iv"), help: "Drop features with an information value below this.")
    var minIV = 0.02

    @Option(name: .customLong("max-correlation"), help: "Drop the lower-IV feature of pairs more correlated than this.")
    var maxCorrelation = 0.7

    @Option(name: .customLong("max-vif"), help: "Drop features while a VIF exceeds this (0: off).")
    var maxVIF = 10.0

    @Flag(name: .customLong("keep-wrong-signs"), help: "Keep features whose coefficient has the wrong sign.")
    var keepWrongSigns = false

    @Option(help: "L2 penalty of the logistic regression.")
    var l2 = 0.0

    @Option(help: "Points to double the good:bad odds.")
    var pdo = PointsScaling.standard.pdo

    @Option(name: .customLong("base-score"), help: "Score at the base odds.")
    var baseScore = PointsScaling.standard.baseScore

    @Option(name: .customLong("base-odds"), help: "Good:bad odds at the base score (50 means 50:1).")
    var baseOdds = PointsScaling.standard.baseOdds

    @Option(name: .customLong("grade-bounds"), help: "Comma-separated upper PD bounds of the grades (1 is added).")
    var gradeBounds: String?

    @Option(name: .customLong("grade-labels"), help: "Comma-separated grade labels, best first.")
    var gradeLabels: String?

    @Option(help: "Where to write the model file (JSON).")
    var out: String?

    @Option(help: "A folder for the tables as CSV and Markdown (binning, coefficients, deciles, grades).")
    var export: String?

    @Option(help: "Worker threads (default: STRATA_THREADS or all cores).")
    var threads: Int?

    @Flag(help: "Print one JSON object instead of tables.")
    var json = false

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if MergeMethod(rawValue: merge) == nil { throw ValidationError("--merge must be chi2 or iv, got '\(merge)'") }
        if MonotonicConstraint(rawValue: monotonic) == nil {
            throw ValidationError("--monotonic must be auto, ascending, descending or none, got '\(monotonic)'")
        }
    }

    func run() throws {
        let clock = ContinuousClock()
        let start = clock.now
        let table = try ScorecardCLI.loadTable(file)
        let loaded = clock.now
        var options = ScorecardOptions(target: target)
        options.badValue = badValue
        options.features = features.map(ScorecardCLI.list)
        options.exclude = exclude.map(ScorecardCLI.list) ?? []
        options.holdoutFraction = holdout
        options.seed = seed
        options.binning.preBins = preBins
        options.binning.maxBins = maxBins
        options.binning.minBinShare = minBinShare
        options.binning.rareCategoryShare = rareShare
        options.binning.merge = MergeMethod(rawValue: merge)!
        options.binning.monotonic = MonotonicConstraint(rawValue: monotonic)!
        options.binning.smoothing = woeSmoothing
        options.binning.specialValues = try ScorecardCLI.specialValues(specialValues)
        options.minIV = minIV
        options.maxCorrelation = maxCorrelation
        options.maxVIF = maxVIF
        options.dropWrongSigns = !keepWrongSigns
        options.l2 = l2
        options.scaling = PointsScaling(pdo: pdo, baseScore: baseScore, baseOdds: baseOdds)
        if gradeBounds != nil || gradeLabels != nil {
            let bounds =
                try gradeBounds.map(ScorecardCLI.numbers(option: "grade-bounds")) ?? MasterScale.standard.upperBounds
            options.masterScale = try MasterScale.validated(
                labels: gradeLabels.map(ScorecardCLI.list), upperBounds: bounds)
        }
        if let threads { options.threads = threads }
        options.strataVersion = StrataVersion.current
        let fit = try ScorecardTrainer.fit(table, options: options)
        let fitted = clock.now
        if let out { try fit.model.write(to: out) }
        let report = ScorecardReport(fit: fit)
        if let export { try report.export(to: export) }
        let end = clock.now
        var timings: [(String, Double)] = [("load", Units.seconds(of: loaded - start))]
        timings += fit.timings.filter { $0.step != "total" }.map { ($0.step, $0.seconds) }
        timings += [("fit", Units.seconds(of: fitted - loaded)), ("total", Units.seconds(of: end - start))]
        if json {
            var object = report.json()
            object["model"] = JSONValue(out)
            object["input"] = .string(file)
            object["timings"] = .object(JSONObject(timings.map { ($0.0, JSONValue.double($0.1)) }))
            print(JSONValue.object(object).prettyText)
        } else {
            print(report.text(), terminator: "")
            if let out { print("model written to \(out)") }
            if let export { print("tables written to \(export)/") }
            print(
                "time: \(ScorecardCLI.fixed(Units.seconds(of: end - start), 2)) s (fit \(ScorecardCLI.fixed(Units.seconds(of: fitted - loaded), 2)) s, logistic regression \(ScorecardCLI.fixed(fit.timings.first { $0.step == "finalFit" }?.seconds ?? 0, 3)) s)"
            )
        }
    }
}

/// `strata scorecard show model.json`.
struct ScorecardShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Print a saved scorecard: scaling, coefficients, bins and points.")

    @Argument(help: "A model file written by `strata scorecard fit --out`.")
    var model: String

    @Flag(help: "Print one JSON object instead of tables.")
    var json = false

    func run() throws {
        let card = try ScorecardModel.load(path: model)
        if json {
            print(JSONValue.object(ScorecardReport.modelJSON(card)).prettyText)
        } else {
            print(ScorecardReport.modelText(card), terminator: "")
        }
    }
}

/// Shared helpers of the scorecard commands.
enum ScorecardCLI {
    /// Loads training data or a book: snapshots as they are; a CSV with every required loan-tape
    /// column through the strict loan-tape ingest, any other CSV with inferred types.
    static func loadTable(_ path: String) throws -> Table {
        if InputTable.isSnapshot(path) { return try InputTable.load(path) }
        return try InputTable.load(path, schema: isLoanTape(csv: path) ? .loanTape : .inferred)
    }

    /// True when the first line of the CSV names every required loan-tape column.
    static func isLoanTape(csv path: String) -> Bool {
        guard let names = try? Set(CSVIngest.columnNames(path: path)) else { return false }
        return LoanTape.fields.filter(\.required).allSatisfy { names.contains($0.name) }
    }

    /// A comma-separated list, trimmed, without empty items.
    static func list(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// Comma-separated numbers of an option.
    static func numbers(option: String) -> (String) throws -> [Double] {
        { text in
            try list(text).map { item in
                guard let value = Double(item), value.isFinite else {
                    throw ScorecardError.option(name: option, reason: "'\(item)' is not a number")
                }
                return value
            }
        }
    }

    /// `COL=v1,v2` items into a dictionary.
    static func specialValues(_ items: [String]) throws -> [String: [Double]] {
        var result = [String: [Double]]()
        for item in items {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty else {
                throw ScorecardError.option(name: "special-values", reason: "expected COL=v1,v2, got '\(item)'")
            }
            let values = try numbers(option: "special-values")(parts[1])
            guard !values.isEmpty else {
                throw ScorecardError.option(name: "special-values", reason: "no values for '\(parts[0])'")
            }
            result[parts[0], default: []] += values
        }
        return result
    }

    static func fixed(_ x: Double, _ decimals: Int) -> String { NumberText.fixed(x, decimals: decimals) }
    static func percent(_ x: Double, _ decimals: Int = 2) -> String { NumberText.percent(x, decimals: decimals) }
    static func count(_ n: Int) -> String { NumberText.grouped(Int64(n)) }
}
