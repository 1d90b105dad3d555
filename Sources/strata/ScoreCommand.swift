import ArgumentParser
import CreditScoring
import Foundation
import StrataFrame
import StrataKernels
import StrataReports

/// `strata score FILE --model model.json --out OUT.(strata|csv)`: apply a saved scorecard.
struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score a book with a saved scorecard: adds pd, score, grade and reason_1..3 to every loan.",
        discussion: """
            Every model feature must be a column of the book. Missing values go to the feature's \
            missing bin; a category not seen in training goes to the bin the model file names \
            (unseenBin) and is counted in a warning. Scores are bit-identical for any thread count.
            """
    )

    @Argument(help: "The book: a CSV (loan tape or any CSV) or a .strata snapshot.")
    var file: String

    @Option(help: "The model file written by `strata scorecard fit --out`.")
    var model: String

    @Option(help: "The scored book: .strata (snapshot) or .csv.")
    var out: String

    @Option(help: "Reason codes per loan (0 to 3).")
    var reasons = 3

    @Option(help: "Worker threads (default: STRATA_THREADS or all cores).")
    var threads: Int?

    @Flag(help: "Print one JSON object instead of tables.")
    var json = false

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if !(0...3).contains(reasons) { throw ValidationError("--reasons must be between 0 and 3") }
        if !(out.hasSuffix(".strata") || out.hasSuffix(".csv")) {
            throw ValidationError("--out must end in .strata or .csv, got '\(out)'")
        }
    }

    func run() throws {
        let clock = ContinuousClock()
        let start = clock.now
        let card = try ScorecardModel.load(path: model)
        let book = try ScorecardCLI.loadTable(file)
        let loaded = clock.now
        let cpuBefore = Self.processCPUSeconds()
        let scored = try Scorer.score(book, model: card, reasonCount: reasons, threads: threads ?? Parallel.threadCount)
        let scoreCPU = Self.processCPUSeconds() - cpuBefore
        let scoredAt = clock.now
        var table = book
        for column in scored.columns { table = try table.with(column) }
        if out.hasSuffix(".strata") {
            try Snapshot.write(table, to: out, metadata: ["scorecard": model, "scorecardData": card.training.dataHash])
        } else {
            try CSVWriter(threads: threads ?? Parallel.threadCount).write(table, to: out)
        }
        let end = clock.now
        for (feature, rows) in scored.unseenCategories {
            let f = card.features.first { $0.name == feature }!
            let bin = f.binning.unseenBin.map { f.binning.bins[$0].label } ?? "?"
            StandardError.write(
                "warning: \(feature): \(rows) loan\(rows == 1 ? "" : "s") hold categories not seen in training; scored in bin '\(bin)'\n"
            )
        }
        // Grade distribution.
        let n = book.rowCount
        let labels = card.masterScale.labels
        var loans = [Int](repeating: 0, count: labels.count)
        var pdSum = [Double](repeating: 0, count: labels.count)
        scored.grade.codes.withSpan { codes in
            scored.pd.withSpan { pd in
                for i in 0..<codes.count {
                    loans[Int(codes[i])] += 1
                    pdSum[Int(codes[i])] += pd[i]
                }
            }
        }
        let meanPD = Reduce.sum(scored.pd) / Double(max(n, 1))
        let meanScore = Reduce.sum(scored.score) / Double(max(n, 1))
        let timings: [(String, Double)] = [
            ("load", Units.seconds(of: loaded - start)), ("score", Units.seconds(of: scoredAt - loaded)),
            ("scoreCPU", scoreCPU),
            ("write", Units.seconds(of: end - scoredAt)), ("total", Units.seconds(of: end - start)),
        ]
        if json {
            let object: JSONObject = [
                "input": .string(file), "model": .string(model), "out": .string(out), "rows": .int(n),
                "meanPD": .double(meanPD), "meanScore": .double(meanScore), "psi": .double(scored.psi),
                "grades": .array(
                    labels.indices.map { k in
                        [
                            "grade": .string(labels[k]), "loans": .int(loans[k]),
                            "share": .double(n == 0 ? 0 : Double(loans[k]) / Double(n)),
                            "meanPD": .double(loans[k] == 0 ? 0 : pdSum[k] / Double(loans[k])),
                        ]
                    }),
                "unseenCategories": .array(
                    scored.unseenCategories.map { ["feature": .string($0.feature), "rows": .int($0.rows)] }),
                "timings": .object(JSONObject(timings.map { ($0.0, JSONValue.double($0.1)) })),
            ]
            print(JSONValue.object(object).prettyText)
        } else {
            typealias F = ScorecardCLI
            print(
                "scored \(F.count(n)) loans with \(model): mean score \(F.fixed(meanScore, 1)), mean PD \(F.percent(meanPD, 3))"
            )
            print(
                "score PSI against training: \(F.fixed(scored.psi, 4))\(scored.psi > 0.25 ? " (significant shift)" : scored.psi > 0.1 ? " (some shift)" : "")"
            )
            let rows = labels.indices.map { k in
                [
                    labels[k], F.percent(card.masterScale.upperBounds[k], 2), F.count(loans[k]),
                    F.percent(n == 0 ? 0 : Double(loans[k]) / Double(n)),
                    F.percent(loans[k] == 0 ? 0 : pdSum[k] / Double(loans[k])),
                ]
            }
            print("")
            print(
                ScorecardReport.render(
                    ReportTable(
                        name: "grades", title: "grades", header: ["grade", "pd up to", "loans", "share", "mean pd"],
                        rows: rows, numeric: [1, 2, 3, 4])), terminator: "")
            print("written to \(out) (score \(F.fixed(timings[1].1, 3)) s, total \(F.fixed(timings[4].1, 2)) s)")
        }
    }

    /// User plus system CPU seconds of the whole process so far (all threads), from getrusage:
    /// robust to other processes competing for the cores, unlike wall time.
    static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        let user = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) * 1e-6
        let system = Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) * 1e-6
        return user + system
    }
}
