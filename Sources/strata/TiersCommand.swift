import ArgumentParser
import Foundation
import Segmentation
import StrataFrame
import StrataReports

/// `strata tiers`: the rule-based tiering grid (score band × amount band × term band) and its
/// contingency with data-driven segments.
struct TiersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tiers",
        abstract: "Rule-based tiering grid: loans, balance, bad rate and EL per score x amount x term cell.",
        discussion: """
            Bands are cut points: --score-bands 550,600,650 gives <550, [550, 600), [600, 650), >=650. \
            A dimension without bands is one band. When the book has a `segment` column (from \
            `strata segment --assignments`), a contingency table of grid cell versus segment follows, so rule \
            tiers can be compared with data-driven ones. EL is the `el` column when present, else \
            pd x --lgd x balance when `pd` is present.
            Example:
              strata tiers segmented.csv --score-bands 550,600,650,700 --amount-bands 10000,50000 --term-bands 12,36
            """)

    @Argument(help: "The loan tape (.csv) or snapshot (.strata), ideally scored (score) and segmented (segment).")
    var file: String

    @Option(name: .long, help: "Score cut points, comma-separated.")
    var scoreBands: String?

    @Option(name: .long, help: "Loan amount cut points, comma-separated.")
    var amountBands: String?

    @Option(name: .long, help: "Term cut points in months, comma-separated.")
    var termBands: String?

    @Option(name: .long, help: "The score column.")
    var scoreColumn: String = "score"

    @Option(name: .long, help: "The loan amount column.")
    var amountColumn: String = "principal"

    @Option(name: .long, help: "The term column.")
    var termColumn: String = "term_months"

    @Option(name: .long, help: "The segment (or tier) column crossed with the grid when present.")
    var segmentColumn: String = "segment"

    @Option(name: .long, help: "LGD of the EL proxy pd x lgd x balance (used when there is no el column).")
    var lgd: Double = 0.45

    @Option(name: .long, help: "Write the grid: .csv (cells), .json or .md (cells and contingency); repeatable.")
    var out: [String] = []

    @OptionGroup var input: SegmentInputOptions

    @Flag(name: .long, help: "Print one JSON object instead of tables.")
    var json = false

    func run() throws {
        let spec = TierGridSpec(
            scoreColumn: scoreColumn,
            scoreBands: try scoreBands.map { text throws(SegmentationError) in
                try Bands.parse(text, option: "score-bands")
            }
                ?? Bands(edges: []),
            amountColumn: amountColumn,
            amountBands: try amountBands.map { text throws(SegmentationError) in
                try Bands.parse(text, option: "amount-bands")
            } ?? Bands(edges: []),
            termColumn: termColumn,
            termBands: try termBands.map { text throws(SegmentationError) in try Bands.parse(text, option: "term-bands")
            }
                ?? Bands(edges: []),
            segmentColumn: segmentColumn, lgd: lgd)
        let formats = try out.map { try SegmentOutput.format($0, option: "out") }
        let table = try input.load(file)
        let grid = try TierGrid(table: table, spec: spec)
        let source = (file as NSString).lastPathComponent
        let document = Self.json(grid, source: source)
        for (path, format) in zip(out, formats) {
            switch format {
            case .csv: try CSVWriter().write(grid.table, to: path)
            case .json: try JSONWriter().write(document, to: path)
            case .markdown: try SegmentOutput.writeText(Self.markdown(grid, source: source), to: path)
            }
        }
        if json {
            print(document.prettyText)
        } else {
            print(Self.text(grid, source: source), terminator: "")
        }
    }

    static func cellRows(_ grid: TierGrid) -> (header: [String], rows: [[String]]) {
        // Dimensions without bands are one band ("all"): left out of the readable tables.
        let showScore = !grid.spec.scoreBands.edges.isEmpty
        let showAmount = !grid.spec.amountBands.edges.isEmpty
        let showTerm = !grid.spec.termBands.edges.isEmpty
        var header = ["cell"]
        if showScore { header.append("score") }
        if showAmount { header.append("amount") }
        if showTerm { header.append("term") }
        header += ["loans", "share"]
        let first = grid.cells.first
        if first?.balance != nil { header.append("balance") }
        if first?.defaults != nil { header += ["defaults", "bad rate"] }
        if grid.elSource != .none { header.append("el") }
        let total = Double(max(grid.loans, 1))
        let rows = grid.cells.map { cell -> [String] in
            var row = [cell.code]
            if showScore { row.append(cell.scoreBand) }
            if showAmount { row.append(cell.amountBand) }
            if showTerm { row.append(cell.termBand) }
            row += [NumberText.grouped(Int64(cell.loans)), NumberText.percent(Double(cell.loans) / total, decimals: 1)]
            if let balance = cell.balance { row.append(NumberText.grouped(balance, decimals: 0)) }
            if let defaults = cell.defaults {
                row.append(NumberText.grouped(Int64(defaults)))
                row.append(cell.badRate.map { NumberText.percent($0, decimals: 2) } ?? "")
            }
            if grid.elSource != .none { row.append(cell.el.map { NumberText.grouped($0, decimals: 0) } ?? "") }
            return row
        }
        return (header, rows)
    }

    static func contingencyRows(_ contingency: Contingency) -> (header: [String], rows: [[String]]) {
        let header = ["cell"] + contingency.columnLabels + ["total"]
        let rows = zip(contingency.rowLabels, contingency.counts).map { label, counts in
            [label] + counts.map { NumberText.grouped(Int64($0)) } + [NumberText.grouped(Int64(counts.reduce(0, +)))]
        }
        return (header, rows)
    }

    static func headline(_ grid: TierGrid, source: String) -> String {
        var line = "\(source): \(NumberText.grouped(Int64(grid.loans))) loans in \(grid.cells.count) non-empty cells"
        switch grid.elSource {
        case .column: line += "; EL from el column"
        case .proxy: line += "; EL from pd x lgd x balance (lgd \(FloatText.shortest(grid.spec.lgd)))"
        case .none: line += "; no EL (the book has neither an el nor a pd column)"
        }
        return line
    }

    static func text(_ grid: TierGrid, source: String) -> String {
        let writer = TextTableWriter()
        var text = headline(grid, source: source) + "\n\n"
        let cells = cellRows(grid)
        text += writer.render(header: cells.header, rows: cells.rows)
        if let contingency = grid.contingency {
            let rows = contingencyRows(contingency)
            text +=
                "\ncell x \(grid.spec.segmentColumn ?? "segment") (loans)\n"
                + writer.render(header: rows.header, rows: rows.rows)
        }
        return text
    }

    static func markdown(_ grid: TierGrid, source: String) -> String {
        let writer = MarkdownWriter()
        var text =
            "# Tiering grid of \(MarkdownWriter.escape(source))\n\n\(MarkdownWriter.escape(headline(grid, source: source)))\n\n"
        let cells = cellRows(grid)
        text += writer.render(header: cells.header, rows: cells.rows)
        if let contingency = grid.contingency {
            let rows = contingencyRows(contingency)
            text +=
                "\n## Cell x \(grid.spec.segmentColumn ?? "segment")\n\n"
                + writer.render(header: rows.header, rows: rows.rows)
        }
        return text
    }

    static func json(_ grid: TierGrid, source: String) -> JSONValue {
        var object = JSONObject()
        object["source"] = .string(source)
        object["loans"] = .int(grid.loans)
        object["el_source"] = .string(grid.elSource.rawValue)
        object["score_bands"] = JSONValue(grid.spec.scoreBands.edges)
        object["amount_bands"] = JSONValue(grid.spec.amountBands.edges)
        object["term_bands"] = JSONValue(grid.spec.termBands.edges)
        object["cells"] = .array(
            grid.cells.map { cell -> JSONValue in
                [
                    "cell": .string(cell.code), "score_band": .string(cell.scoreBand),
                    "amount_band": .string(cell.amountBand), "term_band": .string(cell.termBand),
                    "loans": .int(cell.loans), "balance": JSONValue(cell.balance), "defaults": JSONValue(cell.defaults),
                    "bad_rate": JSONValue(cell.badRate), "el": JSONValue(cell.el),
                ]
            })
        if let contingency = grid.contingency {
            object["contingency"] = [
                "rows": JSONValue(contingency.rowLabels), "columns": JSONValue(contingency.columnLabels),
                "counts": .array(contingency.counts.map { JSONValue($0) }),
            ]
        } else {
            object["contingency"] = .null
        }
        return .object(object)
    }
}
