import StrataFrame

/// How a column's cells line up.
public enum ColumnAlignment: Sendable, Equatable {
    /// Flush left (text).
    case left
    /// Flush right (numbers).
    case right
    /// Centred.
    case center
}

/// A table as text cells, ready for the Markdown and terminal renderers.
struct CellGrid {
    var header: [String]
    var rows: [[String]]
    var alignments: [ColumnAlignment]
    /// Rows of the source left out by a row limit.
    var omittedRows: Int

    /// The cells of `table`: numbers through `formats` (by column name; shortest form
    /// otherwise), dates as `YYYY-MM-DD`, missing values as `missing`; at most `maxRows` rows.
    init(_ table: Table, formats: [String: NumberFormat], missing: String, maxRows: Int?) {
        let shown = min(table.rowCount, maxRows ?? table.rowCount)
        header = table.columnNames
        omittedRows = table.rowCount - shown
        alignments = table.columns.map { $0.type == .float64 || $0.type == .int64 ? .right : .left }
        var columns = [[String]]()
        for column in table.columns {
            let format = formats[column.name]
            var cells = [String]()
            cells.reserveCapacity(shown)
            for row in 0..<shown {
                guard column.isValid(row) else {
                    cells.append(missing)
                    continue
                }
                switch (column.values, format) {
                case (.float64(let values), let format?): cells.append(format.text(values[row]))
                case (.int64(let values), let format?): cells.append(format.text(values[row]))
                default: cells.append(column.text(at: row))
                }
            }
            columns.append(cells)
        }
        rows = (0..<shown).map { row in columns.map { $0[row] } }
    }

    /// Cells given as strings; alignments default to ``looksNumeric(_:)`` per column.
    init(header: [String], rows: [[String]], alignments: [ColumnAlignment]?, maxRows: Int?) {
        for (r, row) in rows.enumerated() {
            precondition(row.count == header.count, "row \(r) has \(row.count) cells, the header \(header.count)")
        }
        precondition(alignments == nil || alignments!.count == header.count, "one alignment per column")
        let shown = min(rows.count, maxRows ?? rows.count)
        self.header = header
        self.rows = Array(rows.prefix(shown))
        self.omittedRows = rows.count - shown
        self.alignments =
            alignments
            ?? header.indices.map { c in
                let cells = rows.lazy.map { $0[c] }.filter { !$0.isEmpty }
                return !cells.isEmpty && cells.allSatisfy(CellGrid.looksNumeric) ? .right : .left
            }
    }

    /// True for text that reads as a number: digits with optional sign, `,` `_` or space group
    /// separators, decimal point, exponent, a trailing `%`, or `NaN` / `inf`.
    static func looksNumeric(_ text: String) -> Bool {
        var body = Substring(text)
        if body.hasSuffix("%") { body = body.dropLast() }
        if body.first == "-" || body.first == "+" { body = body.dropFirst() }
        if body == "NaN" || body == "inf" { return true }
        var digits = 0
        var seenPoint = false
        var seenExponent = false
        var previous: Character = " "
        for character in body {
            switch character {
            case "0"..."9": digits += 1
            case "," where !seenPoint && !seenExponent && digits > 0: break
            case "." where !seenPoint && !seenExponent: seenPoint = true
            case "e" where !seenExponent && digits > 0, "E" where !seenExponent && digits > 0:
                seenExponent = true
            case "-" where previous == "e" || previous == "E", "+" where previous == "e" || previous == "E":
                break
            default: return false
            }
            previous = character
        }
        return digits > 0 && previous != "e" && previous != "E"
    }
}

/// Terminal display width of text: East Asian wide and fullwidth characters and emoji take two
/// columns, combining marks and other zero-width characters none, everything else one.
///
/// An approximation of `wcwidth` (Unicode UAX #11) by ranges, enough for aligned tables.
enum DisplayWidth {
    static func of(_ text: String) -> Int {
        var width = 0
        for character in text {
            var widest = 0
            for scalar in character.unicodeScalars { widest = max(widest, of(scalar)) }
            width += widest
        }
        return width
    }

    static func of(_ scalar: Unicode.Scalar) -> Int {
        let v = scalar.value
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: break
        }
        if v == 0 || (0xFE00...0xFE0F).contains(v) { return 0 }
        let wide: [ClosedRange<UInt32>] = [
            0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
            0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
            0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x2FFFD, 0x30000...0x3FFFD,
        ]
        return wide.contains { $0.contains(v) } ? 2 : 1
    }

    /// `text` padded with spaces to `width` columns on the side `alignment` says.
    static func pad(_ text: String, to width: Int, _ alignment: ColumnAlignment) -> String {
        let missing = max(0, width - of(text))
        switch alignment {
        case .left: return text + String(repeating: " ", count: missing)
        case .right: return String(repeating: " ", count: missing) + text
        case .center:
            return String(repeating: " ", count: missing / 2) + text
                + String(repeating: " ", count: missing - missing / 2)
        }
    }
}
