import StrataFrame
import StrataKernels

/// How cells print: as CSV fields or as JSON values.
enum CellStyle: Sendable, Equatable {
    /// CSV: missing is empty, text neutralised (when asked) and quoted as needed.
    case csv(neutralize: Bool)
    /// JSON: missing and non-finite numbers are `null`, dates and text are escaped strings.
    case json
}

/// One column prepared for formatting: category dictionaries are encoded once, not per row.
struct CellColumn: Sendable {
    enum Values: Sendable {
        case float64(ColumnBuffer<Double>)
        case int64(ColumnBuffer<Int64>)
        case date(ColumnBuffer<Int32>)
        /// Codes and the encoded dictionary: entry `k` is `bytes[starts[k] ..< starts[k + 1]]`.
        case category(ColumnBuffer<UInt32>, bytes: [UInt8], starts: [Int])
        case string(StringValues)
    }

    let values: Values
    /// Validity words (empty when every row is valid).
    let validity: ColumnBuffer<UInt64>
    let allValid: Bool
    let style: CellStyle
    /// The most bytes one cell of a fixed-width kind takes (numbers, dates, categories).
    let maxCellBytes: Int

    init(_ column: Column, style: CellStyle) {
        self.style = style
        self.validity = column.validity?.words ?? ColumnBuffer()
        self.allValid = column.validity == nil
        let missingBytes = style == .json ? 4 : 0
        switch column.values {
        case .float64(let values):
            self.values = .float64(values)
            maxCellBytes = ByteText.maxNumberBytes
        case .int64(let values):
            self.values = .int64(values)
            maxCellBytes = ByteText.maxNumberBytes
        case .date(let values):
            self.values = .date(values)
            maxCellBytes = ByteText.maxDateBytes + 2
        case .category(let category):
            var bytes = [UInt8]()
            var starts = [0]
            var widest = missingBytes
            for entry in category.dictionary {
                CellColumn.appendText(entry, style: style, to: &bytes)
                widest = max(widest, bytes.count - starts.last!)
                starts.append(bytes.count)
            }
            self.values = .category(category.codes, bytes: bytes, starts: starts)
            maxCellBytes = widest
        case .string(let strings):
            self.values = .string(strings)
            maxCellBytes = 0
        }
    }

    /// The most bytes the cells of `rows` take.
    func maxBytes(rows: Range<Int>) -> Int {
        guard case .string(let strings) = values else { return maxCellBytes * rows.count }
        let textBytes = Int(strings.offsets[rows.upperBound] - strings.offsets[rows.lowerBound])
        switch style {
        case .csv: return CSVField.maxTextBytes(textBytes) + 3 * rows.count
        case .json: return JSONText.maxStringBytes(textBytes) + 4 * rows.count
        }
    }

    @inline(__always)
    static func appendText(_ bytes: Span<UInt8>, _ range: Range<Int>, style: CellStyle, to out: inout OutputSpan<UInt8>)
    {
        switch style {
        case .csv(let neutralize): CSVField.appendText(bytes, range, neutralize: neutralize, to: &out)
        case .json: JSONText.appendString(bytes, range, to: &out)
        }
    }

    static func appendText(_ text: String, style: CellStyle, to out: inout [UInt8]) {
        switch style {
        case .csv(let neutralize): CSVField.appendText(text, neutralize: neutralize, to: &out)
        case .json: JSONText.appendString(text, to: &out)
        }
    }

    @inline(__always)
    static func appendMissing(_ style: CellStyle, to out: inout OutputSpan<UInt8>) {
        if style == .json {
            for byte in JSONText.nullBytes { out.append(byte) }
        }
    }
}

/// The formatted cells of a chunk of rows, stored column by column in one byte arena.
///
/// Formatting a column at a time keeps each loop over one typed span (no per-cell dispatch on
/// the column type); the writers then interleave the cells into rows. Room for the worst case is
/// reserved up front, so the loops write through an `OutputSpan` without growing anything.
struct CellArena {
    /// The cells' bytes, column-major.
    let bytes: [UInt8]
    /// `ends[c * rowCount + r]`: where cell (r, c) ends; it starts where the cell before it ends.
    /// (32 bits: a chunk's cells stay far below 4 GiB.)
    let ends: [UInt32]
    /// The number of rows.
    let rowCount: Int

    /// The byte range of cell (`row`, `column`), both relative to the chunk.
    @inline(__always)
    func range(row: Int, column: Int) -> Range<Int> {
        let k = column * rowCount + row
        return (k == 0 ? 0 : Int(ends[k - 1]))..<Int(ends[k])
    }

    /// Formats `rows` of `columns`.
    init(_ columns: [CellColumn], rows: Range<Int>) {
        let n = rows.count
        rowCount = n
        let capacity = columns.reduce(0) { $0 + $1.maxBytes(rows: rows) }
        precondition(capacity < Int(UInt32.max), "chunk too large")
        var ends = [UInt32]()
        bytes = [UInt8](capacity: capacity) { out in
            ends = [UInt32](capacity: n * columns.count) { cellEnds in
                for column in columns {
                    column.validity.withSpan { words in
                        CellArena.format(column, rows: rows, validWords: words, to: &out, ends: &cellEnds)
                    }
                }
            }
        }
        self.ends = ends
    }

    /// Formats one column's `rows`, appending each cell's end offset to `ends`.
    static func format(
        _ column: CellColumn, rows: Range<Int>, validWords: Span<UInt64>, to out: inout OutputSpan<UInt8>,
        ends: inout OutputSpan<UInt32>
    ) {
        let allValid = column.allValid
        let style = column.style
        let first = rows.lowerBound
        @inline(__always) func isValid(_ i: Int) -> Bool {
            allValid || (validWords[(first + i) >> 6] >> UInt64((first + i) & 63)) & 1 == 1
        }
        switch column.values {
        case .float64(let values):
            values.withSpan(in: rows) { span in
                for i in span.indices {
                    if !isValid(i) || (style == .json && !span[i].isFinite) {
                        CellColumn.appendMissing(style, to: &out)
                    } else {
                        ByteText.appendShortest(span[i], to: &out)
                    }
                    ends.append(UInt32(truncatingIfNeeded: out.count))
                }
            }
        case .int64(let values):
            values.withSpan(in: rows) { span in
                for i in span.indices {
                    if isValid(i) {
                        ByteText.appendInteger(span[i], to: &out)
                    } else {
                        CellColumn.appendMissing(style, to: &out)
                    }
                    ends.append(UInt32(truncatingIfNeeded: out.count))
                }
            }
        case .date(let values):
            let quoted = style == .json
            values.withSpan(in: rows) { span in
                for i in span.indices {
                    if isValid(i) {
                        if quoted { out.append(JSONText.quote) }
                        ByteText.appendDate(span[i], to: &out)
                        if quoted { out.append(JSONText.quote) }
                    } else {
                        CellColumn.appendMissing(style, to: &out)
                    }
                    ends.append(UInt32(truncatingIfNeeded: out.count))
                }
            }
        case .category(let codes, let bytes, let starts):
            let entries = bytes.span
            let entryStarts = starts.span
            codes.withSpan(in: rows) { span in
                for i in span.indices {
                    if isValid(i) {
                        let code = Int(span[i])
                        for k in entryStarts[code]..<entryStarts[code + 1] { out.append(entries[k]) }
                    } else {
                        CellColumn.appendMissing(style, to: &out)
                    }
                    ends.append(UInt32(truncatingIfNeeded: out.count))
                }
            }
        case .string(let strings):
            strings.offsets.withSpan(in: rows.lowerBound..<(rows.upperBound + 1)) { offsets in
                strings.bytes.withSpan { text in
                    for i in 0..<rows.count {
                        if isValid(i) {
                            CellColumn.appendText(text, Int(offsets[i])..<Int(offsets[i + 1]), style: style, to: &out)
                        } else {
                            CellColumn.appendMissing(style, to: &out)
                        }
                        ends.append(UInt32(truncatingIfNeeded: out.count))
                    }
                }
            }
        }
    }
}
