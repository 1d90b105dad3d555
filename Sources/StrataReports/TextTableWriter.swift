import StrataFrame

/// Renders tables as aligned plain text for the terminal: what every CLI command that prints a
/// table shows.
///
/// ```
/// grade      loans      exposure
/// -----  ---------  ------------
/// A        412,907  2,018,733.10
/// ```
///
/// The rules (docs/reports.md):
/// - Columns are separated by two spaces and padded to the widest cell (display width: CJK and
///   emoji count two columns); a line of `-` under the header.
/// - Numeric columns are right-aligned, text left-aligned (as in ``MarkdownWriter``).
/// - Control characters in cells print as visible escapes (`\n`, `\t`, `\r`, `\u{1B}`), so no cell
///   can break the layout or send escape sequences to the terminal.
/// - Cells wider than ``maxCellWidth`` are cut and end with `…`; with ``maxRows``, a last line
///   `… N more rows` replaces the rest. Lines have no trailing spaces.
public struct TextTableWriter: Sendable {
    /// Number formats by column name.
    public var formats: [String: NumberFormat]
    /// The text of a missing value.
    public var missingText: String
    /// The most rows to print; nil prints all.
    public var maxRows: Int?
    /// The widest a cell may print, in terminal columns; nil for no limit.
    public var maxCellWidth: Int?

    /// A renderer with number formats by column name, a text for missing values and limits.
    public init(
        formats: [String: NumberFormat] = [:], missingText: String = "", maxRows: Int? = nil,
        maxCellWidth: Int? = nil
    ) {
        precondition(maxCellWidth == nil || maxCellWidth! >= 1, "cells need at least one column")
        self.formats = formats
        self.missingText = missingText
        self.maxRows = maxRows
        self.maxCellWidth = maxCellWidth
    }

    /// `table` as aligned text, ending with a newline.
    public func render(_ table: Table) -> String {
        render(CellGrid(table, formats: formats, missing: missingText, maxRows: maxRows))
    }

    /// `header` and `rows` as aligned text, ending with a newline.
    ///
    /// - Parameter alignments: one per column; nil right-aligns the columns whose non-empty
    ///   cells all read as numbers.
    /// - Precondition: every row has as many cells as `header`.
    public func render(header: [String], rows: [[String]], alignments: [ColumnAlignment]? = nil) -> String {
        render(CellGrid(header: header, rows: rows, alignments: alignments, maxRows: maxRows))
    }

    /// `text` with control characters as visible escapes.
    static func sanitize(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }) else {
            return text
        }
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default:
                if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) {
                    result += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result
    }

    /// `text` cut to `width` columns, ending with `…` when cut.
    static func truncate(_ text: String, to width: Int) -> String {
        guard DisplayWidth.of(text) > width else { return text }
        var result = ""
        var used = 0
        for character in text {
            let w = DisplayWidth.of(String(character))
            if used + w > width - 1 { break }
            result.append(character)
            used += w
        }
        return result + "…"
    }

    func render(_ grid: CellGrid) -> String {
        guard !grid.header.isEmpty else { return "" }
        func clean(_ text: String) -> String {
            let safe = TextTableWriter.sanitize(text)
            return maxCellWidth.map { TextTableWriter.truncate(safe, to: $0) } ?? safe
        }
        let header = grid.header.map(clean)
        let rows = grid.rows.map { $0.map(clean) }
        var widths = header.map(DisplayWidth.of)
        for row in rows {
            for (c, cell) in row.enumerated() { widths[c] = max(widths[c], DisplayWidth.of(cell)) }
        }
        func line(_ cells: [String]) -> String {
            var text = cells.indices.map { DisplayWidth.pad(cells[$0], to: widths[$0], grid.alignments[$0]) }
                .joined(separator: "  ")
            while text.last == " " { text.removeLast() }
            return text + "\n"
        }
        var out = line(header)
        out += line(widths.map { String(repeating: "-", count: $0) })
        for row in rows { out += line(row) }
        if grid.omittedRows > 0 { out += "… \(grid.omittedRows) more rows\n" }
        return out
    }
}
