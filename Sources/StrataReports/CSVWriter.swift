import StrataFrame
import StrataKernels

/// Writes tables as RFC 4180 CSV, safe to open in a spreadsheet.
///
/// The rules (docs/reports.md):
/// - Fields are separated by `,` and lines end with LF (`\n`), the last line included.
/// - A field is quoted (`"…"`) when it holds a comma, a double quote, CR or LF; a quote inside a
///   quoted field is doubled (`"` → `""`). RFC 4180, section 2, rules 5–7.
/// - A missing value is an empty field. A row of one empty field is written `""`, so it is not
///   an empty line that readers skip.
/// - Float64 values print in the shortest form that reads back to the same value
///   (``StrataFrame/FloatText/shortest(_:)``: `12` for 12.0, `0.1` for 0.1), dates as
///   `YYYY-MM-DD`, integers as plain digits.
/// - Formula neutralisation (OWASP "CSV Injection"): with ``neutralizeFormulas`` on, a *text*
///   cell (header names, category and string columns, string rows) that starts with `=`, `+`,
///   `-`, `@`, tab or CR gets a leading `'`, so a spreadsheet shows it as text instead of running
///   it. Numeric and date columns are never changed: `-1.5` in a Float64 column stays `-1.5`.
/// - With ``bom`` on, the file starts with the UTF-8 byte order mark `EF BB BF`, which Excel
///   needs to read UTF-8.
///
/// Files are written atomically: to a temporary name, synced, then renamed over the target, so a
/// reader never sees half a file and a failed write leaves no file behind.
///
/// Rows are formatted in parallel, one byte buffer per chunk of ``chunkSize`` rows, and the
/// buffers are written in chunk order, so the output is the same for any thread count.
public struct CSVWriter: Sendable {
    /// Whether the output starts with the UTF-8 byte order mark `EF BB BF` (for Excel).
    public var bom: Bool
    /// Whether text cells that start with `=`, `+`, `-`, `@`, tab or CR get a leading `'`.
    public var neutralizeFormulas: Bool
    /// Rows formatted per parallel task.
    public var chunkSize: Int
    /// Worker threads used to format chunks.
    public var threads: Int

    /// A writer with the given options.
    ///
    /// - Parameters:
    ///   - bom: start the output with the UTF-8 byte order mark (for Excel).
    ///   - neutralizeFormulas: prefix text cells that a spreadsheet would run as a formula with `'`.
    ///   - chunkSize: rows formatted per parallel task.
    ///   - threads: worker threads (default: ``StrataKernels/Parallel/threadCount``).
    public init(
        bom: Bool = false, neutralizeFormulas: Bool = true, chunkSize: Int = 8192,
        threads: Int = Parallel.threadCount
    ) {
        precondition(chunkSize > 0, "chunk size must be positive")
        self.bom = bom
        self.neutralizeFormulas = neutralizeFormulas
        self.chunkSize = chunkSize
        self.threads = max(1, threads)
    }

    // MARK: - Tables

    /// Writes `table` to `path` atomically.
    ///
    /// - Throws: ``ReportError/io(path:reason:)`` when the file cannot be written; no file (and
    ///   no temporary file) is left behind then.
    /// - Complexity: O(rows × columns); memory about `2 × threads × chunkSize` formatted rows.
    public func write(_ table: Table, to path: String) throws(ReportError) {
        let file = try OutputFile(path: path)
        emit(table) { file.write($0) }
        try file.commit()
    }

    /// The CSV text of `table` as bytes.
    public func bytes(_ table: Table) -> [UInt8] {
        var result = [UInt8]()
        emit(table) { result.append(contentsOf: $0) }
        return result
    }

    /// The CSV text of `table` (for standard output).
    public func string(_ table: Table) -> String {
        String(decoding: bytes(table), as: UTF8.self)
    }

    // MARK: - Rows of strings

    /// Writes `header` and `rows` to `path` atomically.
    ///
    /// Every cell is text and neutralised as such, except in `numericColumns` (0-based column
    /// indices), whose cells are left alone when they are plain decimal numbers (`-1.5`, `2e-3`);
    /// any other text there is still neutralised.
    ///
    /// - Precondition: every row has as many cells as `header`.
    /// - Throws: ``ReportError/io(path:reason:)`` when the file cannot be written.
    public func write(
        header: [String], rows: [[String]], numericColumns: Set<Int> = [], to path: String
    ) throws(ReportError) {
        let file = try OutputFile(path: path)
        emit(header: header, rows: rows, numericColumns: numericColumns) { file.write($0) }
        try file.commit()
    }

    /// The CSV text of `header` and `rows` as bytes (see ``write(header:rows:numericColumns:to:)``).
    public func bytes(header: [String], rows: [[String]], numericColumns: Set<Int> = []) -> [UInt8] {
        var result = [UInt8]()
        emit(header: header, rows: rows, numericColumns: numericColumns) { result.append(contentsOf: $0) }
        return result
    }

    /// The CSV text of `header` and `rows` (see ``write(header:rows:numericColumns:to:)``).
    public func string(header: [String], rows: [[String]], numericColumns: Set<Int> = []) -> String {
        String(decoding: bytes(header: header, rows: rows, numericColumns: numericColumns), as: UTF8.self)
    }

    // MARK: - Field encoding

    /// The bytes of one text field as this writer prints it: neutralised and quoted as needed.
    public func encodeField(_ text: String) -> [UInt8] {
        var out = [UInt8]()
        CSVField.appendText(text, neutralize: neutralizeFormulas, to: &out)
        return out
    }

    // MARK: - Internals

    static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    func headerBytes(_ names: [String]) -> [UInt8] {
        var out = bom ? CSVWriter.byteOrderMark : []
        guard !names.isEmpty else { return out }
        for (i, name) in names.enumerated() {
            if i > 0 { out.append(CSVField.comma) }
            if names.count == 1 && name.isEmpty {
                out.append(contentsOf: [CSVField.quote, CSVField.quote])
            } else {
                CSVField.appendText(name, neutralize: neutralizeFormulas, to: &out)
            }
        }
        out.append(CSVField.newline)
        return out
    }

    /// Formats `table` batch by batch and hands the bytes to `sink` in order.
    func emit(_ table: Table, _ sink: ([UInt8]) -> Void) {
        sink(headerBytes(table.columnNames))
        emitRows(table, sink)
    }

    /// Formats the rows of `table` (no header) batch by batch and hands the bytes to `sink` in order.
    func emitRows(_ table: Table, _ sink: ([UInt8]) -> Void) {
        guard !table.columns.isEmpty, table.rowCount > 0 else { return }
        let plans = table.columns.map { CellColumn($0, style: .csv(neutralize: neutralizeFormulas)) }
        let batchRows = chunkSize * threads * 2
        var batchStart = 0
        while batchStart < table.rowCount {
            let batchEnd = min(table.rowCount, batchStart + batchRows)
            let base = batchStart
            let chunkSize = self.chunkSize
            let buffers = parallelChunks(count: batchEnd - batchStart, chunkSize: chunkSize, threads: threads) {
                _, rows in
                CSVChunk.format(plans, rows: (base + rows.lowerBound)..<(base + rows.upperBound))
            }
            for buffer in buffers { sink(buffer) }
            batchStart = batchEnd
        }
    }

    func emit(header: [String], rows: [[String]], numericColumns: Set<Int>, _ sink: ([UInt8]) -> Void) {
        sink(headerBytes(header))
        emitRows(header: header, rows: rows, numericColumns: numericColumns, sink)
    }

    /// Formats `rows` (no header) and hands the bytes to `sink` in order.
    func emitRows(header: [String], rows: [[String]], numericColumns: Set<Int>, _ sink: ([UInt8]) -> Void) {
        guard !header.isEmpty else { return }
        var out = [UInt8]()
        out.reserveCapacity(1 << 16)
        for (r, row) in rows.enumerated() {
            precondition(row.count == header.count, "row \(r) has \(row.count) cells, the header \(header.count)")
            for (c, cell) in row.enumerated() {
                if c > 0 { out.append(CSVField.comma) }
                let bytes = Array(cell.utf8)
                if row.count == 1 && bytes.isEmpty {
                    out.append(contentsOf: [CSVField.quote, CSVField.quote])
                    continue
                }
                let neutralize =
                    neutralizeFormulas && !(numericColumns.contains(c) && CSVField.isPlainNumber(bytes.span))
                out.appendBytes(upTo: CSVField.maxTextBytes(bytes.count)) { span in
                    CSVField.appendText(bytes.span, 0..<bytes.count, neutralize: neutralize, to: &span)
                }
            }
            out.append(CSVField.newline)
            if out.count >= 1 << 16 {
                sink(out)
                out.removeAll(keepingCapacity: true)
            }
        }
        if !out.isEmpty { sink(out) }
    }
}

/// The byte-level rules of one CSV field.
enum CSVField {
    static let comma = UInt8(ascii: ",")
    static let quote = UInt8(ascii: "\"")
    static let newline = UInt8(ascii: "\n")
    static let carriageReturn = UInt8(ascii: "\r")
    static let apostrophe = UInt8(ascii: "'")

    /// True for the first bytes that make a spreadsheet read a cell as a formula (OWASP):
    /// `=`, `+`, `-`, `@`, tab, CR.
    @inline(__always)
    static func startsFormula(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "=") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-")
            || byte == UInt8(ascii: "@") || byte == 0x09 || byte == 0x0D
    }

    /// The most bytes ``appendText(_:_:neutralize:to:)`` writes for `count` bytes of text: every
    /// byte a doubled quote, plus two quotes and an apostrophe.
    @inline(__always)
    static func maxTextBytes(_ count: Int) -> Int { 2 * count + 3 }

    /// Appends the text field `bytes[range]`: prefixed with `'` when `neutralize` is on and it
    /// starts a formula, quoted when it holds `,` `"` CR or LF, inner quotes doubled.
    @inline(__always)
    static func appendText(
        _ bytes: Span<UInt8>, _ range: Range<Int>, neutralize: Bool, to out: inout OutputSpan<UInt8>
    ) {
        var needsQuotes = false
        for i in range {
            let b = bytes[i]
            if b == comma || b == quote || b == newline || b == carriageReturn {
                needsQuotes = true
                break
            }
        }
        let prefix = neutralize && !range.isEmpty && startsFormula(bytes[range.lowerBound])
        if needsQuotes { out.append(quote) }
        if prefix { out.append(apostrophe) }
        if needsQuotes {
            for i in range {
                let b = bytes[i]
                if b == quote { out.append(quote) }
                out.append(b)
            }
            out.append(quote)
        } else {
            for i in range { out.append(bytes[i]) }
        }
    }

    /// Appends `text` as one field (see ``appendText(_:_:neutralize:to:)``).
    static func appendText(_ text: String, neutralize: Bool, to out: inout [UInt8]) {
        let bytes = Array(text.utf8)
        out.appendBytes(upTo: maxTextBytes(bytes.count)) { span in
            appendText(bytes.span, 0..<bytes.count, neutralize: neutralize, to: &span)
        }
    }

    /// True when `bytes` is a plain decimal number: optional sign, digits with an optional
    /// fraction, optional exponent (`-1.5`, `+3`, `.5`, `2e-3`).
    static func isPlainNumber(_ bytes: Span<UInt8>) -> Bool {
        var i = 0
        let n = bytes.count
        @inline(__always) func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
        if i < n && (bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+")) { i += 1 }
        var digits = 0
        while i < n && isDigit(bytes[i]) { i += 1; digits += 1 }
        if i < n && bytes[i] == UInt8(ascii: ".") {
            i += 1
            while i < n && isDigit(bytes[i]) { i += 1; digits += 1 }
        }
        guard digits > 0 else { return false }
        if i < n && (bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E")) {
            i += 1
            if i < n && (bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+")) { i += 1 }
            var exponentDigits = 0
            while i < n && isDigit(bytes[i]) { i += 1; exponentDigits += 1 }
            guard exponentDigits > 0 else { return false }
        }
        return i == n
    }
}

/// Interleaves the cells of a chunk into CSV lines.
enum CSVChunk {
    static func format(_ columns: [CellColumn], rows: Range<Int>) -> [UInt8] {
        let arena = CellArena(columns, rows: rows)
        let n = rows.count
        let columnCount = columns.count
        // Cells, one separator or newline per cell, and `""` for empty single-column rows.
        let size = arena.bytes.count + n * columnCount + (columnCount == 1 ? 2 * n : 0)
        let cells = arena.bytes.span
        return [UInt8](capacity: size) { out in
            for r in 0..<n {
                for c in 0..<columnCount {
                    let range = arena.range(row: r, column: c)
                    if columnCount == 1 && range.isEmpty {
                        out.append(CSVField.quote)
                        out.append(CSVField.quote)
                    }
                    for j in range { out.append(cells[j]) }
                    out.append(c == columnCount - 1 ? CSVField.newline : CSVField.comma)
                }
            }
        }
    }
}
