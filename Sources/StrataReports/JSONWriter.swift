import StrataFrame
import StrataKernels

/// Prints ``JSONValue``s and tables as JSON text (RFC 8259), deterministically.
///
/// The rules (docs/reports.md):
/// - Strings escape `"` and `\`, the short forms `\b \f \n \r \t`, every other control character
///   below U+0020 as `\u00XX`, and U+2028 / U+2029 as `\u2028` / `\u2029` (valid JSON, but line
///   breaks in JavaScript). Everything else, non-ASCII included, is written as UTF-8.
/// - Doubles print in their shortest round-trip form (`12` for 12.0, `0.1`, `1e-05`); NaN and
///   ±infinity print `null`. Integers print exactly.
/// - Object keys print in insertion order.
/// - Compact output has no spaces or newlines; pretty output indents by ``indent`` spaces, puts
///   one member or element per line, writes `"key": value`, and prints empty containers as `{}`
///   and `[]`.
/// - ``string(_:)`` and ``bytes(_:)`` end without a newline; files end with one newline.
public struct JSONWriter: Sendable {
    /// Whether to indent (one member or element per line) or print compactly.
    public var pretty: Bool
    /// Spaces per level when ``pretty``.
    public var indent: Int
    /// Rows formatted per parallel task by the table writers.
    public var chunkSize: Int
    /// Worker threads used by the table writers.
    public var threads: Int

    /// A writer printing pretty (indented) or compact JSON.
    public init(pretty: Bool = true, indent: Int = 2, chunkSize: Int = 4096, threads: Int = Parallel.threadCount) {
        precondition(indent >= 0 && chunkSize > 0)
        self.pretty = pretty
        self.indent = indent
        self.chunkSize = chunkSize
        self.threads = max(1, threads)
    }

    // MARK: - Values

    /// The JSON text of `value` as UTF-8 bytes, without a trailing newline.
    public func bytes(_ value: JSONValue) -> [UInt8] {
        var out = [UInt8]()
        append(value, level: 0, to: &out)
        return out
    }

    /// The JSON text of `value`, without a trailing newline (print it to standard output).
    public func string(_ value: JSONValue) -> String {
        String(decoding: bytes(value), as: UTF8.self)
    }

    /// Writes `value` and a newline to `path` atomically.
    ///
    /// - Throws: ``ReportError/io(path:reason:)``; no file is left behind then.
    public func write(_ value: JSONValue, to path: String) throws(ReportError) {
        let file = try OutputFile(path: path)
        var out = bytes(value)
        out.append(JSONText.newline)
        file.write(out)
        try file.commit()
    }

    // MARK: - Tables

    /// `table` as JSON: the same text as `string(JSONValue(table: table))`, formatted in parallel
    /// chunks without building the values.
    public func bytes(table: Table) -> [UInt8] {
        var out = [UInt8]()
        emit(table) { out.append(contentsOf: $0) }
        return out
    }

    /// `table` as a JSON string (see ``bytes(table:)``).
    public func string(table: Table) -> String {
        String(decoding: bytes(table: table), as: UTF8.self)
    }

    /// Writes `table` as an array of row objects, and a newline, to `path` atomically.
    ///
    /// - Throws: ``ReportError/io(path:reason:)``; no file is left behind then.
    /// - Complexity: O(rows × columns); memory about `2 × threads × chunkSize` formatted rows.
    public func write(table: Table, to path: String) throws(ReportError) {
        let file = try OutputFile(path: path)
        emit(table) { file.write($0) }
        file.write([JSONText.newline])
        try file.commit()
    }

    // MARK: - Internals

    func appendIndent(_ level: Int, to out: inout [UInt8]) {
        for _ in 0..<(level * indent) { out.append(JSONText.space) }
    }

    func append(_ value: JSONValue, level: Int, to out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: JSONText.nullBytes)
        case .bool(let flag): out.append(contentsOf: (flag ? "true" : "false").utf8)
        case .int(let number):
            out.appendBytes(upTo: ByteText.maxNumberBytes) { ByteText.appendInteger(Int64(number), to: &$0) }
        case .double(let number):
            if number.isFinite {
                out.appendBytes(upTo: ByteText.maxNumberBytes) { ByteText.appendShortest(number, to: &$0) }
            } else {
                out.append(contentsOf: JSONText.nullBytes)
            }
        case .string(let text): JSONText.appendString(text, to: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            guard !elements.isEmpty else {
                out.append(UInt8(ascii: "]"))
                return
            }
            for (i, element) in elements.enumerated() {
                if i > 0 { out.append(JSONText.comma) }
                if pretty {
                    out.append(JSONText.newline)
                    appendIndent(level + 1, to: &out)
                }
                append(element, level: level + 1, to: &out)
            }
            if pretty {
                out.append(JSONText.newline)
                appendIndent(level, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            out.append(UInt8(ascii: "{"))
            guard !object.isEmpty else {
                out.append(UInt8(ascii: "}"))
                return
            }
            for (i, member) in object.enumerated() {
                if i > 0 { out.append(JSONText.comma) }
                if pretty {
                    out.append(JSONText.newline)
                    appendIndent(level + 1, to: &out)
                }
                JSONText.appendString(member.key, to: &out)
                out.append(UInt8(ascii: ":"))
                if pretty { out.append(JSONText.space) }
                append(member.value, level: level + 1, to: &out)
            }
            if pretty {
                out.append(JSONText.newline)
                appendIndent(level, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Formats `table` batch by batch and hands the bytes to `sink` in order.
    func emit(_ table: Table, _ sink: ([UInt8]) -> Void) {
        guard table.rowCount > 0 else {
            sink(Array("[]".utf8))
            return
        }
        let columns = table.columns.map { CellColumn($0, style: .json) }
        // What goes before each cell of a row: `{` or `,`, the line break and indent, the key.
        var prefixes = [[UInt8]]()
        for (c, name) in table.columnNames.enumerated() {
            var prefix: [UInt8] = c == 0 ? [UInt8(ascii: "{")] : [JSONText.comma]
            if pretty {
                prefix.append(JSONText.newline)
                appendIndent(2, to: &prefix)
            }
            JSONText.appendString(name, to: &prefix)
            prefix.append(UInt8(ascii: ":"))
            if pretty { prefix.append(JSONText.space) }
            prefixes.append(prefix)
        }
        var rowStart = [UInt8]()
        if pretty {
            rowStart.append(JSONText.newline)
            appendIndent(1, to: &rowStart)
        }
        var rowEnd = [UInt8]()
        if columns.isEmpty {
            rowEnd.append(UInt8(ascii: "{"))
        } else if pretty {
            rowEnd.append(JSONText.newline)
            appendIndent(1, to: &rowEnd)
        }
        rowEnd.append(UInt8(ascii: "}"))
        let layout = JSONRowLayout(prefixes: prefixes, rowStart: rowStart, rowEnd: rowEnd)

        sink([UInt8(ascii: "[")])
        let batchRows = chunkSize * threads * 2
        var batchStart = 0
        while batchStart < table.rowCount {
            let batchEnd = min(table.rowCount, batchStart + batchRows)
            let base = batchStart
            let buffers = parallelChunks(count: batchEnd - batchStart, chunkSize: chunkSize, threads: threads) {
                _, rows in
                layout.format(columns, rows: (base + rows.lowerBound)..<(base + rows.upperBound))
            }
            for buffer in buffers { sink(buffer) }
            batchStart = batchEnd
        }
        var end = [UInt8]()
        if pretty { end.append(JSONText.newline) }
        end.append(UInt8(ascii: "]"))
        sink(end)
    }
}

/// The fixed bytes around the cells of a table row printed as a JSON object.
struct JSONRowLayout: Sendable {
    /// What goes before cell `c`: `prefixBytes[prefixStarts[c] ..< prefixStarts[c + 1]]`.
    let prefixBytes: [UInt8]
    let prefixStarts: [Int]
    let rowStart: [UInt8]
    let rowEnd: [UInt8]

    init(prefixes: [[UInt8]], rowStart: [UInt8], rowEnd: [UInt8]) {
        prefixBytes = prefixes.flatMap { $0 }
        var starts = [0]
        for prefix in prefixes { starts.append(starts.last! + prefix.count) }
        prefixStarts = starts
        self.rowStart = rowStart
        self.rowEnd = rowEnd
    }

    func format(_ columns: [CellColumn], rows: Range<Int>) -> [UInt8] {
        let arena = CellArena(columns, rows: rows)
        let fixed = prefixBytes.count + rowStart.count + rowEnd.count + 1
        let cells = arena.bytes.span
        let start = rowStart.span
        let end = rowEnd.span
        let prefix = prefixBytes.span
        let prefixStart = prefixStarts.span
        return [UInt8](capacity: arena.bytes.count + rows.count * fixed) { out in
            for r in 0..<rows.count {
                if rows.lowerBound + r > 0 { out.append(JSONText.comma) }
                for k in start.indices { out.append(start[k]) }
                for c in 0..<columns.count {
                    for k in prefixStart[c]..<prefixStart[c + 1] { out.append(prefix[k]) }
                    for j in arena.range(row: r, column: c) { out.append(cells[j]) }
                }
                for k in end.indices { out.append(end[k]) }
            }
        }
    }
}

/// Byte-level JSON text rules.
enum JSONText {
    static let quote = UInt8(ascii: "\"")
    static let backslash = UInt8(ascii: "\\")
    static let comma = UInt8(ascii: ",")
    static let space = UInt8(ascii: " ")
    static let newline = UInt8(ascii: "\n")
    static let nullBytes: [UInt8] = Array("null".utf8)

    /// The most bytes ``appendString(_:_:to:)`` writes for `count` bytes of text: every byte
    /// escaped as `\u00XX`, plus two quotes.
    @inline(__always)
    static func maxStringBytes(_ count: Int) -> Int { 6 * count + 2 }

    /// Appends `text` as a quoted, escaped JSON string.
    static func appendString(_ text: String, to out: inout [UInt8]) {
        let bytes = Array(text.utf8)
        out.appendBytes(upTo: maxStringBytes(bytes.count)) { span in
            appendString(bytes.span, 0..<bytes.count, to: &span)
        }
    }

    /// Appends the UTF-8 text `bytes[range]` as a quoted, escaped JSON string.
    @inline(__always)
    static func appendString(_ bytes: Span<UInt8>, _ range: Range<Int>, to out: inout OutputSpan<UInt8>) {
        out.append(quote)
        var i = range.lowerBound
        while i < range.upperBound {
            let b = bytes[i]
            if b >= 0x20 && b != quote && b != backslash && b != 0xE2 {
                out.append(b)
                i += 1
                continue
            }
            switch b {
            case quote: appendEscape(quote, to: &out)
            case backslash: appendEscape(backslash, to: &out)
            case 0x08: appendEscape(UInt8(ascii: "b"), to: &out)
            case 0x0C: appendEscape(UInt8(ascii: "f"), to: &out)
            case 0x0A: appendEscape(UInt8(ascii: "n"), to: &out)
            case 0x0D: appendEscape(UInt8(ascii: "r"), to: &out)
            case 0x09: appendEscape(UInt8(ascii: "t"), to: &out)
            case 0xE2:
                // U+2028 and U+2029 are E2 80 A8 and E2 80 A9 in UTF-8: written as \u2028, \u2029.
                if i + 2 < range.upperBound, bytes[i + 1] == 0x80, bytes[i + 2] == 0xA8 || bytes[i + 2] == 0xA9 {
                    appendUnicodeEscape(0x2028 + UInt16(bytes[i + 2] - 0xA8), to: &out)
                    i += 3
                    continue
                }
                out.append(b)
            default:
                appendUnicodeEscape(UInt16(b), to: &out)
            }
            i += 1
        }
        out.append(quote)
    }

    @inline(__always)
    static func appendEscape(_ letter: UInt8, to out: inout OutputSpan<UInt8>) {
        out.append(backslash)
        out.append(letter)
    }

    /// Appends `\uXXXX` with lowercase hex digits.
    static func appendUnicodeEscape(_ code: UInt16, to out: inout OutputSpan<UInt8>) {
        out.append(backslash)
        out.append(UInt8(ascii: "u"))
        for shift in [12, 8, 4, 0] as [UInt16] {
            let nibble = (code >> shift) & 0xF
            out.append(nibble < 10 ? 0x30 + UInt8(nibble) : 0x57 + UInt8(nibble))
        }
    }
}
