import ArgumentParser
import Foundation
import Segmentation
import StrataFrame
import StrataKernels
import StrataReports

/// `strata segment`: k-means customer segments, profiles and tiers (`fit`, the default), and
/// placing new loans in a saved model's segments (`assign`).
struct SegmentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "segment",
        abstract: "Customer segments by k-means: profiles, tiers, assignments and saved models.",
        discussion: """
            `strata segment FILE ...` fits segments (the `fit` subcommand is the default); \
            `strata segment assign FILE --model m.json` places loans in a saved model's segments.
            Examples:
              strata segment book.strata --k auto --k-range 3..12 --out segments.csv --model-out seg.json
              strata segment book.strata --features annual_income,debt_to_income,balance --log annual_income,balance --k 6
              strata segment assign new.csv --model seg.json --out new_segmented.csv
            """,
        subcommands: [SegmentFitCommand.self, SegmentAssignCommand.self],
        defaultSubcommand: SegmentFitCommand.self)
}

/// Options shared by the segment commands: how a CSV input is read.
struct SegmentInputOptions: ParsableArguments {
    @Option(
        name: .long,
        help:
            "How a CSV input is read: loan-tape (strict LOAN_TAPE.md checks, extra columns kept) or inferred (any CSV)."
    )
    var schema: String = "loan-tape"

    /// Loads a `.strata` snapshot or a CSV file (see ``InputTable/load(_:schema:)``).
    func load(_ path: String) throws -> Table {
        let parsed: IngestOptions.Schema
        switch schema {
        case "loan-tape", "loantape": parsed = .loanTape
        case "inferred": parsed = .inferred
        default:
            throw SegmentationError.option(name: "schema", reason: "expected loan-tape or inferred, got '\(schema)'")
        }
        return try InputTable.load(path, schema: parsed)
    }
}

/// `strata segment fit` (the default): standardise features, choose k, run k-means, profile and
/// tier the segments, and write the exports.
struct SegmentFitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit",
        abstract: "Fit k-means segments, profile them and rank them into tiers (the default subcommand).",
        discussion: """
            Features are standardised (--standardize), optionally after log(1 + x) (--log). k is fixed (--k 6) \
            or chosen over --k-range by the rule in docs/methodology/segmentation.md (highest silhouette on a \
            seeded sample; the smallest k within 0.01 of it). Results are identical for any thread count and \
            across runs with the same --seed.
            """)

    /// The default features: the canonical loan-tape columns that describe capacity, exposure and behaviour.
    static let defaultFeatures =
        "annual_income,debt_to_income,employment_years,credit_history_months,utilization,balance,interest_rate,term_months"

    @Argument(help: "The loan tape (.csv) or snapshot (.strata).")
    var file: String

    @Option(name: .long, help: "Comma-separated feature columns (numeric; category columns need --one-hot).")
    var features: String = SegmentFitCommand.defaultFeatures

    @Option(name: .long, help: "Standardisation: zscore (default), robust (median/IQR) or none (centred only).")
    var standardize: String = "zscore"

    @Option(name: .long, help: "Comma-separated features transformed by log(1 + x) first (skewed amounts).")
    var log: String?

    @Flag(name: .long, help: "Encode category features as one indicator column per level.")
    var oneHot = false

    @Flag(name: .long, help: "Skip loans with a missing feature value (the count is reported) instead of failing.")
    var dropMissing = false

    @Option(name: .long, help: "Number of segments, or auto to choose it over --k-range.")
    var k: String = "auto"

    @Option(name: .long, help: "The k values --k auto tries, LOW..HIGH.")
    var kRange: String = "3..12"

    @Option(name: .long, help: "k-means++ starts per k; the run with the lowest inertia is kept.")
    var restarts: Int = 1

    @Option(name: .long, help: "The most Lloyd iterations per run.")
    var maxIter: Int = 300

    @Option(name: .long, help: "Stop when the squared centroid shift is at most tol x the mean feature variance.")
    var tol: Double = 1e-4

    @Option(name: .long, help: "Seed of the k-means++ draws and of the silhouette sample.")
    var seed: UInt64 = 42

    @Option(name: .long, help: "Numeric column weighting each loan in the centroid sums (for example balance).")
    var weight: String?

    @Option(name: .long, help: "CSV of starting centroids in original units (header: the feature names).")
    var initCentroids: String?

    @Option(name: .long, help: "Number of tiers the ranked segments are cut into (Tier 1 = best).")
    var tiers: Int = 3

    @Option(name: .long, help: "Loans in the seeded silhouette sample of --k auto.")
    var silhouetteSample: Int = KSelection.defaultSampleSize

    @Option(name: .long, help: "Write the book with `segment` and `tier` columns (.csv or .strata).")
    var assignments: String?

    @Option(name: .long, help: "Save the fitted model (scaling, centroids, tiers) as JSON for `segment assign`.")
    var modelOut: String?

    @Option(name: .long, help: "Write the segment table: .csv, .json or .md (repeat for several).")
    var out: [String] = []

    @Option(name: .long, help: ArgumentHelp("Distance kernel: simd or blas.", visibility: .hidden))
    var kernel: String?

    @OptionGroup var input: SegmentInputOptions

    @Flag(name: .long, help: "Report the time of each phase (in --json and on stderr).")
    var timings = false

    @Flag(name: .long, help: "Print one JSON object instead of tables.")
    var json = false

    func run() throws {
        let clock = ContinuousClock()
        var phases = [(String, Double)]()
        var mark = clock.now
        func lap(_ name: String) {
            let now = clock.now
            phases.append((name, Units.seconds(of: now - mark)))
            mark = now
        }
        // Settings first: a typo should not cost a load.
        let standardization = try SegmentOutput.standardization(standardize)
        let method = try kernel.map(SegmentOutput.method) ?? KMeans.defaultMethod
        let columns = SegmentOutput.list(features)
        let fixedK: Int?
        if k.lowercased() == "auto" {
            fixedK = nil
        } else if let value = Int(k), value >= 1 {
            fixedK = value
        } else {
            throw SegmentationError.option(name: "k", reason: "expected a positive number or auto, got '\(k)'")
        }
        let range = fixedK == nil && initCentroids == nil ? try KSelection.parseRange(kRange) : nil
        guard silhouetteSample >= 2 else {
            throw SegmentationError.option(name: "silhouette-sample", reason: "must be at least 2")
        }
        let formats = try out.map { try SegmentOutput.format($0, option: "out") }
        if let assignments { try SegmentOutput.checkBookPath(assignments, option: "assignments") }
        let centroidFile = try initCentroids.map { path throws(SegmentationError) in try CentroidFile.load(path: path) }

        let table = try input.load(file)
        lap("load")
        let spec = FeatureSpec(
            columns: columns, standardization: standardization, logColumns: log.map(SegmentOutput.list) ?? [],
            oneHot: oneHot, dropMissing: dropMissing, weightColumn: weight)
        let matrix = try FeatureMatrix(table: table, spec: spec)
        lap("features")
        if matrix.skippedRows > 0 && !json {
            StandardError.write(
                "note: skipped \(SegmentOutput.loans(matrix.skippedRows)) with a missing feature value\n")
        }

        var options = KMeansOptions(
            k: fixedK ?? 2, maxIterations: maxIter, tolerance: tol, restarts: restarts, seed: seed, method: method)
        var scan: KScan?
        let fit: KMeansResult
        if let centroidFile {
            let initial = try centroidFile.standardized(for: matrix.features, path: initCentroids!)
            let rows = centroidFile.rows.count
            if let fixedK, fixedK != rows {
                throw SegmentationError.option(
                    name: "init-centroids", reason: "the file has \(rows) centroids but --k is \(fixedK)")
            }
            options.k = rows
            options.initialCentroids = initial
            fit = try KMeans.fit(matrix, options: options)
        } else if let range {
            let result = try KSelection.scan(matrix, range: range, options: options, sampleSize: silhouetteSample)
            scan = result
            fit = result.chosenFit
        } else {
            fit = try KMeans.fit(matrix, options: options)
        }
        lap("kmeans")
        let report = try SegmentReport(table: table, matrix: matrix, fit: fit, tiers: tiers)
        lap("profile")

        let source = (file as NSString).lastPathComponent
        let document = SegmentOutput.json(
            report: report, fit: fit, matrix: matrix, scan: scan, source: source, seed: seed, weight: weight)
        if let assignments {
            let (segment, tier) = report.assignmentColumns(labels: fit.labels, matrix: matrix)
            try SegmentOutput.writeBook(try table.with(segment).with(tier), to: assignments)
        }
        if let modelOut {
            try SegmentModel(report: report, fit: fit, matrix: matrix, seed: seed, weightColumn: weight)
                .write(to: modelOut)
        }
        for (path, format) in zip(out, formats) {
            switch format {
            case .csv: try CSVWriter().write(report.table, to: path)
            case .json: try JSONWriter().write(document, to: path)
            case .markdown:
                try SegmentOutput.writeText(
                    SegmentOutput.markdown(report: report, fit: fit, scan: scan, source: source), to: path)
            }
        }
        lap("write")
        if json {
            var object = document
            if timings, case .object(var members) = object {
                members["timings"] = .object(JSONObject(phases.map { ($0.0, JSONValue.double($0.1)) }))
                object = .object(members)
            }
            print(object.prettyText)
        } else {
            print(
                SegmentOutput.text(report: report, fit: fit, scan: scan, matrix: matrix, source: source), terminator: ""
            )
        }
        if timings {
            let text = phases.map { "\($0.0) \(NumberText.fixed($0.1, decimals: 3)) s" }.joined(separator: ", ")
            StandardError.write("timings: \(text)\n")
        }
    }
}

/// `strata segment assign`: place loans in the segments of a saved model.
struct SegmentAssignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "assign",
        abstract: "Place loans in the segments of a model saved by `strata segment --model-out`.",
        discussion: """
            Each loan goes to the nearest centroid after the model's own scaling (no refit). Category levels \
            the model has not seen count as none of its levels.
            Example:
              strata segment assign new_loans.csv --model seg.json --out new_loans_segmented.csv
            """)

    @Argument(help: "The loan tape (.csv) or snapshot (.strata).")
    var file: String

    @Option(name: .long, help: "The segment model (JSON from --model-out).")
    var model: String

    @Option(name: .long, help: "Write the book with `segment` and `tier` columns (.csv or .strata).")
    var out: String?

    @Flag(name: .long, help: "Skip loans with a missing feature value instead of failing.")
    var dropMissing = false

    @Option(name: .long, help: ArgumentHelp("Distance kernel: simd or blas.", visibility: .hidden))
    var kernel: String?

    @OptionGroup var input: SegmentInputOptions

    @Flag(name: .long, help: "Print one JSON object instead of tables.")
    var json = false

    func run() throws {
        let method = try kernel.map(SegmentOutput.method) ?? KMeans.defaultMethod
        if let out { try SegmentOutput.checkBookPath(out, option: "out") }
        let loaded = try SegmentModel.load(path: model)
        let table = try input.load(file)
        let assignment = try loaded.assign(table, dropMissing: dropMissing, method: method)
        if let out {
            try SegmentOutput.writeBook(try table.with(assignment.segment).with(assignment.tier), to: out)
        }
        let total = max(assignment.assigned, 1)
        if json {
            let segments = loaded.segments.enumerated().map { index, segment -> JSONValue in
                [
                    "segment": .int(segment.id), "tier": .int(segment.tier), "loans": .int(assignment.counts[index]),
                    "share": .double(Double(assignment.counts[index]) / Double(total)),
                    "description": .string(segment.description),
                ]
            }
            let object: JSONValue = [
                "model": .string((model as NSString).lastPathComponent), "loans": .int(table.rowCount),
                "assigned": .int(assignment.assigned), "skipped_missing": .int(assignment.skipped), "k": .int(loaded.k),
                "segments": .array(segments),
            ]
            print(object.prettyText)
            return
        }
        var text =
            "assigned \(NumberText.grouped(Int64(assignment.assigned))) loans of \((file as NSString).lastPathComponent)"
        text += " to the \(loaded.k) segments of \((model as NSString).lastPathComponent)"
        if assignment.skipped > 0 {
            text += " (skipped \(SegmentOutput.loans(assignment.skipped)) with missing values)"
        }
        text += "\n\n"
        let rows = loaded.segments.enumerated().map { index, segment in
            [
                String(segment.id), String(segment.tier), NumberText.grouped(Int64(assignment.counts[index])),
                NumberText.percent(Double(assignment.counts[index]) / Double(total), decimals: 1),
                NumberText.percent(segment.share, decimals: 1), segment.description,
            ]
        }
        text += TextTableWriter().render(
            header: ["segment", "tier", "loans", "share", "share at fit", "description"], rows: rows)
        print(text, terminator: "")
    }
}

/// Formatting and file helpers of the segment commands.
enum SegmentOutput {

    /// "1 loan", "2,500 loans".
    static func loans(_ count: Int) -> String {
        "\(NumberText.grouped(Int64(count))) loan\(count == 1 ? "" : "s")"
    }

    static func list(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    static func standardization(_ text: String) throws(SegmentationError) -> Standardization {
        guard let value = Standardization(rawValue: text.lowercased()) else {
            throw .option(name: "standardize", reason: "expected zscore, robust or none, got '\(text)'")
        }
        return value
    }

    static func method(_ text: String) throws(SegmentationError) -> KMeansKernel.Method {
        guard let value = KMeansKernel.Method(rawValue: text.lowercased()) else {
            throw .option(name: "kernel", reason: "expected simd or blas, got '\(text)'")
        }
        return value
    }

    /// The formats an export path may have.
    enum Format {
        case csv, json, markdown
    }

    /// The format of an export path by its extension.
    static func format(_ path: String, option: String) throws(SegmentationError) -> Format {
        switch (path as NSString).pathExtension.lowercased() {
        case "csv": return .csv
        case "json": return .json
        case "md", "markdown": return .markdown
        default: throw .option(name: option, reason: "'\(path)' must end in .csv, .json or .md")
        }
    }

    static func checkBookPath(_ path: String, option: String) throws(SegmentationError) {
        let ext = (path as NSString).pathExtension.lowercased()
        guard ext == "csv" || ext == Snapshot.fileExtension else {
            throw .option(name: option, reason: "'\(path)' must end in .csv or .\(Snapshot.fileExtension)")
        }
    }

    /// Writes `text` to `path` atomically.
    static func writeText(_ text: String, to path: String) throws {
        do {
            let writer = try AtomicFileWriter(path: path)
            writer.write(text)
            try writer.commit()
        } catch {
            throw ReportError.io(path: path, reason: error.description)
        }
    }

    /// Writes a whole book as CSV or as a snapshot, by extension.
    static func writeBook(_ table: Table, to path: String) throws {
        if (path as NSString).pathExtension.lowercased() == Snapshot.fileExtension {
            try Snapshot.write(table, to: path, metadata: ["written_by": "strata segment"])
        } else {
            try CSVWriter().write(table, to: path)
        }
    }

    /// A centroid value for reading: grouped integers for large values, 3 significant decimals for small ones.
    static func centroidText(_ value: Double) -> String {
        let magnitude = abs(value)
        if magnitude >= 1000 { return NumberText.grouped(value, decimals: 0) }
        if magnitude >= 10 { return NumberText.fixed(value, decimals: 1) }
        return NumberText.fixed(value, decimals: 3)
    }

    static func optional(_ value: Double?, _ render: (Double) -> String) -> String {
        value.map(render) ?? ""
    }

    /// The segment rows of the terminal and Markdown tables.
    static func segmentRows(_ report: SegmentReport) -> (header: [String], rows: [[String]]) {
        let first = report.profiles.first
        var header = ["segment", "tier", "loans", "share"]
        if first?.weightShare != nil { header.append("weight share") }
        let hasPD = report.profiles.contains { $0.meanPD != nil }
        let hasScore = report.profiles.contains { $0.meanScore != nil }
        let hasRate = report.profiles.contains { $0.defaultRate != nil }
        let hasBalance = report.profiles.contains { $0.totalBalance != nil }
        let hasEAD = report.profiles.contains { $0.totalEAD != nil }
        let hasEL = report.profiles.contains { $0.totalEL != nil }
        if hasPD { header.append("mean pd") }
        if hasScore { header.append("mean score") }
        if hasRate { header.append("default rate") }
        if hasBalance { header.append("balance") }
        if hasEAD { header.append("ead") }
        if hasEL { header.append("el") }
        header.append("description")
        let rows = report.profiles.sorted { $0.rank < $1.rank }.map { p -> [String] in
            var row = [
                String(p.segment), String(p.tier), NumberText.grouped(Int64(p.loans)),
                NumberText.percent(p.share, decimals: 1),
            ]
            if let share = p.weightShare { row.append(NumberText.percent(share, decimals: 1)) }
            if hasPD { row.append(optional(p.meanPD) { NumberText.percent($0, decimals: 2) }) }
            if hasScore { row.append(optional(p.meanScore) { NumberText.fixed($0, decimals: 1) }) }
            if hasRate { row.append(optional(p.defaultRate) { NumberText.percent($0, decimals: 2) }) }
            if hasBalance { row.append(optional(p.totalBalance) { NumberText.grouped($0, decimals: 0) }) }
            if hasEAD { row.append(optional(p.totalEAD) { NumberText.grouped($0, decimals: 0) }) }
            if hasEL { row.append(optional(p.totalEL) { NumberText.grouped($0, decimals: 0) }) }
            row.append(p.description)
            return row
        }
        return (header, rows)
    }

    /// The centroid rows (original units), segments in rank order.
    static func centroidRows(_ report: SegmentReport) -> (header: [String], rows: [[String]]) {
        let header = ["segment"] + report.features.map(\.name)
        let rows = report.profiles.sorted { $0.rank < $1.rank }.map { p in
            [String(p.segment)] + p.centroid.map(centroidText)
        }
        return (header, rows)
    }

    static func scanRows(_ scan: KScan) -> (header: [String], rows: [[String]]) {
        let header = ["k", "inertia", "silhouette", "calinski-harabasz", "davies-bouldin", "iterations", "choice"]
        let rows = scan.entries.map { e in
            [
                String(e.k), NumberText.grouped(e.inertia, decimals: 1),
                optional(e.silhouette) { NumberText.fixed($0, decimals: 4) },
                optional(e.calinskiHarabasz) { NumberText.grouped($0, decimals: 1) },
                optional(e.daviesBouldin) { NumberText.fixed($0, decimals: 4) }, String(e.iterations),
                e.k == scan.chosenK ? "<- chosen" : "",
            ]
        }
        return (header, rows)
    }

    static func summary(report: SegmentReport, fit: KMeansResult, scan: KScan?, source: String) -> [String] {
        var lines = [String]()
        let features = report.features.count
        var head = "\(source): \(NumberText.grouped(Int64(report.loans))) loans, \(features) features, k = \(fit.k)"
        if let scan, let first = scan.entries.first, let last = scan.entries.last {
            head += " (chosen over \(first.k)..\(last.k))"
        }
        lines.append(head)
        if report.skippedLoans > 0 {
            lines.append("skipped \(loans(report.skippedLoans)) with a missing feature value")
        }
        if let scan {
            lines.append(
                "\(scan.reason) [silhouette on a seeded sample of \(NumberText.grouped(Int64(scan.silhouetteSampleSize))) loans]"
            )
        }
        var fitLine = "inertia \(NumberText.grouped(fit.inertia, decimals: 1)), \(fit.iterations) iterations"
        fitLine += fit.converged ? ", converged" : ", not converged (raise --max-iter)"
        if fit.restartInertias.count > 1 {
            fitLine += ", best of \(fit.restartInertias.count) restarts (#\(fit.chosenRestart + 1))"
        }
        if fit.reseeded > 0 { fitLine += ", \(fit.reseeded) empty cluster(s) re-seeded" }
        lines.append(fitLine)
        lines.append("tiers: \(report.tierCount), \(report.ranking.explanation)")
        return lines
    }

    /// The terminal report.
    static func text(
        report: SegmentReport, fit: KMeansResult, scan: KScan?, matrix: FeatureMatrix, source: String
    ) -> String {
        var text = summary(report: report, fit: fit, scan: scan, source: source).joined(separator: "\n") + "\n\n"
        let writer = TextTableWriter(maxCellWidth: 60)
        if let scan {
            let rows = scanRows(scan)
            text += "k scan\n" + writer.render(header: rows.header, rows: rows.rows) + "\n"
        }
        let segments = segmentRows(report)
        text += "segments (best tier first)\n" + writer.render(header: segments.header, rows: segments.rows) + "\n"
        let centroids = centroidRows(report)
        text += "centroids (original units)\n" + writer.render(header: centroids.header, rows: centroids.rows)
        return text
    }

    /// The Markdown report.
    static func markdown(report: SegmentReport, fit: KMeansResult, scan: KScan?, source: String) -> String {
        var text = "# Segments of \(MarkdownWriter.escape(source))\n\n"
        for line in summary(report: report, fit: fit, scan: scan, source: source) {
            text += "- \(MarkdownWriter.escape(line))\n"
        }
        let writer = MarkdownWriter()
        let segments = segmentRows(report)
        text += "\n## Segments (best tier first)\n\n" + writer.render(header: segments.header, rows: segments.rows)
        let centroids = centroidRows(report)
        text += "\n## Centroids (original units)\n\n" + writer.render(header: centroids.header, rows: centroids.rows)
        if let scan {
            let rows = scanRows(scan)
            text += "\n## Choosing k\n\n" + writer.render(header: rows.header, rows: rows.rows)
        }
        return text
    }

    /// The `--json` object: `{k, inertia, iterations, segments: [...], k_scan: [...], ...}`.
    static func json(
        report: SegmentReport, fit: KMeansResult, matrix: FeatureMatrix, scan: KScan?, source: String, seed: UInt64,
        weight: String?
    ) -> JSONValue {
        var object = JSONObject()
        object["k"] = .int(fit.k)
        object["inertia"] = .double(fit.inertia)
        object["iterations"] = .int(fit.iterations)
        object["converged"] = .bool(fit.converged)
        object["segments"] = .array(
            report.profiles.map { p -> JSONValue in
                var segment = JSONObject()
                segment["segment"] = .int(p.segment)
                segment["tier"] = .int(p.tier)
                segment["rank"] = .int(p.rank)
                segment["loans"] = .int(p.loans)
                segment["share"] = .double(p.share)
                if let share = p.weightShare { segment["weight_share"] = .double(share) }
                segment["description"] = .string(p.description)
                segment["centroid"] = .object(
                    JSONObject(zip(report.features, p.centroid).map { ($0.name, JSONValue.double($1)) }))
                segment["mean_pd"] = JSONValue(p.meanPD)
                segment["mean_score"] = JSONValue(p.meanScore)
                segment["default_rate"] = JSONValue(p.defaultRate)
                segment["total_balance"] = JSONValue(p.totalBalance)
                segment["total_ead"] = JSONValue(p.totalEAD)
                segment["total_el"] = JSONValue(p.totalEL)
                return .object(segment)
            })
        object["k_scan"] = .array(
            (scan?.entries ?? []).map { e -> JSONValue in
                [
                    "k": .int(e.k), "inertia": .double(e.inertia), "silhouette": JSONValue(e.silhouette),
                    "ch": JSONValue(e.calinskiHarabasz), "db": JSONValue(e.daviesBouldin),
                    "iterations": .int(e.iterations), "converged": .bool(e.converged),
                ]
            })
        if let scan {
            object["chosen_k_reason"] = .string(scan.reason)
            object["silhouette_sample"] = .int(scan.silhouetteSampleSize)
        }
        object["source"] = .string(source)
        object["loans"] = .int(report.loans)
        object["skipped_missing"] = .int(report.skippedLoans)
        object["features"] = .array(
            matrix.features.map { f -> JSONValue in
                [
                    "name": .string(f.name), "transform": .string(f.transform.rawValue), "center": .double(f.center),
                    "scale": .double(f.scale),
                ]
            })
        object["standardize"] = .string(matrix.standardization.rawValue)
        object["weight"] = JSONValue(weight)
        object["seed"] = .int(Int(truncatingIfNeeded: seed))
        object["restarts"] = .int(fit.restartInertias.count)
        object["tiers"] = .int(report.tierCount)
        object["ranking"] = .string(report.ranking.rawValue)
        object["reseeded_empty_clusters"] = .int(fit.reseeded)
        return .object(object)
    }
}
