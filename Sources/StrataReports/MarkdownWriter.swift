import StrataFrame

/// Renders tables as GitHub-flavoured Markdown tables.
///
/// The rules (docs/reports.md):
/// - A header row, a delimiter row, one row per table row, each as `| a | b |`; cells padded with
///   spaces so the raw text lines up too (display width, so CJK text aligns).
/// - Numeric columns (Float64 and Int64, or string columns whose cells all read as numbers) are
///   right-aligned with a `---:` delimiter; others are left-aligned (`---`).
/// - In cells, `\` becomes `\\`, `|` becomes `\|`, and line breaks (CR, LF, CRLF) become `<br>`,
///   so no cell can break the table.
/// - Numbers print through ``formats`` (by column name), else in shortest round-trip form; dates
///   as `YYYY-MM-DD`; missing values as ``missingText``.
/// - With ``maxRows``, later rows are left out and a line `… N more rows` follows the table.
public struct MarkdownWriter: Sendable {
    /// Number formats by column name.
    public var formats: [String: NumberFormat]
    /// The text of a missing value.
    public var missingText: String
    /// The most rows to print; nil prints all.
    public var maxRows: Int?

    /// A renderer with number formats by column name, a text for missing values and a row limit.
    public init(formats: [String: NumberFormat] = [:], missingText: String = "", maxRows: Int? = nil) {
        self.formats = formats
        self.missingText = missingText
        self.maxRows = maxRows
    }

    /// `table` as a Markdown table, ending with a newline.
    public func render(_ table: Table) -> String {
        render(CellGrid(table, formats: formats, missing: missingText, maxRows: maxRows))
    }

    /// `header` and `rows` as a Markdown table, ending with a newline.
    ///
    /// - Parameter alignments: one per column; nil right-aligns the columns whose non-empty
    ///   cells all read as numbers (`1,234.5`, `-3`, `4.35%`).
    /// - Precondition: every row has as many cells as `header`.
    public func render(header: [String], rows: [[String]], alignments: [ColumnAlignment]? = nil) -> String {
        render(CellGrid(header: header, rows: rows, alignments: alignments, maxRows: maxRows))
    }

    /// Writes `table` as Markdown to `path` atomically.
    ///
    /// - Throws: ``ReportError/io(path:reason:)``; no file is left behind then.
    public func write(_ table: Table, to path: String) throws(ReportError) {
        let file = try OutputFile(path: path)
        file.write(Array(render(table).utf8))
        try file.commit()
    }

    /// `text` made safe for one Markdown table cell.
    public static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        var previousWasCR = false
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": result += "\\\\"
            case "|": result += "\\|"
            case "\r": result += "<br>"
            case "\n": if !previousWasCR { result += "<br>" }
            default: result.unicodeScalars.append(scalar)
            }
            previousWasCR = scalar == "\r"
        }
        return result
    }

    func render(_ grid: CellGrid) -> String {
        guard !grid.header.isEmpty else { return "" }
        let header = grid.header.map(MarkdownWriter.escape)
        let rows = grid.rows.map { $0.map(MarkdownWriter.escape) }
        var widths = header.map { max(3, DisplayWidth.of($0)) }
        for row in rows {
            for (c, cell) in row.enumerated() { widths[c] = max(widths[c], DisplayWidth.of(cell)) }
        }
        func line(_ cells: [String]) -> String {
            "| "
                + cells.indices.map { DisplayWidth.pad(cells[$0], to: widths[$0], grid.alignments[$0]) }
                .joined(separator: " | ") + " |\n"
        }
        var out = line(header)
        out += "|"
        for (c, alignment) in grid.alignments.enumerated() {
            let dashes = String(repeating: "-", count: widths[c])
            switch alignment {
            case .left: out += " " + dashes + " |"
            case .right: out += " " + dashes.dropLast() + ": |"
            case .center: out += " :" + dashes.dropFirst().dropLast() + ": |"
            }
        }
        out += "\n"
        for row in rows { out += line(row) }
        if grid.omittedRows > 0 { out += "\n… \(grid.omittedRows) more rows\n" }
        return out
    }
}
