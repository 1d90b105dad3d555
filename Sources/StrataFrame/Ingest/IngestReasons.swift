import StrataKernels

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The sentences of rejected rows, and the line numbers they are reported at.
enum IngestReasons {
    /// The 1-based physical line of each record in `records` (ascending record indices of the
    /// chunk `s`, whose first byte is on `firstLine`).
    static func lines(of records: [Int], recordStart: [UInt32], _ s: Span<UInt8>, firstLine: Int) -> [Int] {
        var result = [Int]()
        result.reserveCapacity(records.count)
        var line = firstLine
        var pos = 0
        for record in records {
            let start = Int(recordStart[record])
            while pos < start {
                if s[pos] == UInt8(ascii: "\n") { line += 1 }
                pos += 1
            }
            result.append(line)
        }
        return result
    }

    /// Turns the chunk's pending errors (sorted by record) into rejects with their line, byte
    /// range, column name and reason.
    static func describe(
        _ errors: [PendingError], _ s: Span<UInt8>, _ t: CSVTokens, plan: IngestPlan, chunk: CSVLayout.Chunk
    ) -> [RowReject] {
        guard !errors.isEmpty else { return [] }
        let lineNumbers = lines(
            of: errors.map { Int($0.record) }, recordStart: t.recordStart, s, firstLine: chunk.firstLine)
        var rejects = [RowReject]()
        rejects.reserveCapacity(errors.count)
        for (e, line) in zip(errors, lineNumbers) {
            let r = Int(e.record)
            let column = e.column >= 0 ? plan.columns[Int(e.column)].name : ""
            rejects.append(
                RowReject(
                    slot: chunk.firstSlot + r, line: line, offset: chunk.range.lowerBound + Int(t.recordStart[r]),
                    end: chunk.range.lowerBound + Int(t.recordStart[r + 1]), column: column, kind: e.kind,
                    reason: reason(e, s, t, plan: plan)))
        }
        return rejects
    }

    /// The content of field `j` of record `r`, unescaped.
    static func field(_ s: Span<UInt8>, _ t: CSVTokens, _ r: Int, _ j: Int) -> [UInt8] {
        let f = t.fields[r * t.columns + j]
        let lo = CSVTokens.lo(f)
        let hi = CSVTokens.hi(f)
        var out = [UInt8]()
        if CSVTokens.escaped(f) {
            ByteText.unescape(s, lo, hi, into: &out)
        } else {
            for i in lo..<hi { out.append(s[i]) }
        }
        return out
    }

    static func hasOuterWhitespace(_ bytes: [UInt8]) -> Bool {
        func space(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0A }
        guard let first = bytes.first, let last = bytes.last else { return false }
        return space(first) || space(last)
    }

    static func reason(_ e: PendingError, _ s: Span<UInt8>, _ t: CSVTokens, plan: IngestPlan) -> String {
        let r = Int(e.record)
        let j = Int(e.column)
        func text() -> String { ByteText.display(field(s, t, r, j)) }
        func whitespaceNote() -> String {
            hasOuterWhitespace(field(s, t, r, j)) ? " (leading or trailing whitespace is not allowed)" : ""
        }
        switch e.kind {
        case .fieldCount:
            return "expected \(t.columns) fields, found \(e.detail)"
        case .badQuote:
            switch e.detail {
            case CSVTokenizer.unterminatedQuote:
                return "unterminated quoted field (no closing quote before the end of the file)"
            case CSVTokenizer.quoteInUnquotedField:
                return "quote inside an unquoted field (quote the whole field and double the quote)"
            default: return "text after the closing quote of a quoted field"
            }
        case .nulByte:
            return "contains a NUL byte (byte \(e.detail + 1) of the field)"
        case .badUTF8:
            return "not valid UTF-8 (byte \(e.detail + 1) of the field): '\(text())'"
        case .missingValue:
            return "required value is empty"
        case .badNumber:
            if e.detail == 1 { return "number outside the Float64 range: '\(text())'" }
            return "not a number: '\(text())'\(whitespaceNote())"
        case .badInteger:
            if e.detail == 1 { return "integer outside the Int64 range: '\(text())'" }
            return "not an integer: '\(text())'\(whitespaceNote())"
        case .badDate:
            if e.detail == 1 { return "no such date: '\(text())'" }
            return "not a date in YYYY-MM-DD form: '\(text())'\(whitespaceNote())"
        case .outOfRange:
            return "'\(text())' is out of range: \(rangeText(plan.columns[j].rule))"
        case .badCategory:
            var allowed = ""
            if case .oneOf(let values) = plan.columns[j].rule { allowed = values.joined(separator: ", ") }
            return "'\(text())' is not one of: \(allowed)"
        case .tooLong:
            var limit = 0
            if case .identifier(let maxBytes) = plan.columns[j].rule { limit = maxBytes }
            return "identifier is \(e.detail) bytes long, more than \(limit)"
        case .dateOrder:
            let asOf = plan.asOfDate.map { ByteText.display(field(s, t, r, $0)) } ?? ""
            return "origination_date \(text()) is after as_of_date \(asOf)"
        case .remainingExceedsTerm:
            let term = plan.termMonths.map { ByteText.display(field(s, t, r, $0)) } ?? ""
            return "remaining_months \(text()) exceeds term_months \(term)"
        case .duplicateID:
            return "duplicate loan_id '\(text())'"
        }
    }

    static func rangeText(_ rule: IngestColumn.Rule) -> String {
        switch rule {
        case .number(let range):
            if range.upperBound == .greatestFiniteMagnitude {
                return "must be at least \(FloatText.shortest(range.lowerBound))"
            }
            return
                "must lie between \(FloatText.shortest(range.lowerBound)) and \(FloatText.shortest(range.upperBound))"
        case .integer(let range):
            if range.upperBound == .max { return "must be at least \(range.lowerBound)" }
            return "must lie between \(range.lowerBound) and \(range.upperBound)"
        default:
            return "out of range"
        }
    }
}

/// Writes the rejects files.
///
/// - `<path>`: the original header line and every rejected record, byte for byte as in the input
///   (a final record without a line end gets `\n`), in file order: a valid CSV that ingests again
///   once fixed.
/// - `<path>.errors.csv`: one row per rejected record, in the same order, with the columns
///   `line,byte_offset,column,error_class,reason` (RFC 4180 quoting).
///
/// Both are written to a temporary file beside the target and renamed over it.
enum RejectsWriter {
    static func write(
        _ rejects: [RowReject], file: MappedFile, headerRange: Range<Int>, to path: String
    )
        throws(StrataFrameError)
    {
        var rows = [UInt8]()
        file.withBytes(in: headerRange) { s in
            for i in s.indices { rows.append(s[i]) }
        }
        for reject in rejects {
            file.withBytes(in: reject.offset..<reject.end) { s in
                for i in s.indices { rows.append(s[i]) }
            }
            if rows.last != UInt8(ascii: "\n") { rows.append(UInt8(ascii: "\n")) }
        }
        var errors = "line,byte_offset,column,error_class,reason\n"
        for reject in rejects {
            errors += "\(reject.line),\(reject.offset),\(quoted(reject.column)),\(reject.kind.rawValue),"
            errors += quoted(reject.reason) + "\n"
        }
        try atomicWrite(rows, to: path)
        try atomicWrite(Array(errors.utf8), to: path + ".errors.csv")
    }

    /// A CSV field: quoted (quotes doubled) when it holds a comma, quote, CR or LF.
    static func quoted(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) else {
            return text
        }
        var out = "\""
        for character in text {
            if character == "\"" { out += "\"\"" } else { out.append(character) }
        }
        return out + "\""
    }

    static func atomicWrite(_ bytes: [UInt8], to path: String) throws(StrataFrameError) {
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw .io(path: path, reason: "cannot write: \(error)")
        }
    }
}
