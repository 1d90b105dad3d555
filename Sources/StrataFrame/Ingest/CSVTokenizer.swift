import StrataKernels

/// A record-level problem found while cutting a chunk into fields.
struct PendingError: Sendable {
    /// The record (row slot) within the chunk.
    var record: Int32
    /// The error class.
    var kind: IngestErrorClass
    /// The file column index, or -1 for the record as a whole.
    var column: Int32
    /// Extra facts for the reason: the field count found, the kind of quote error, overflow.
    var detail: Int64
}

/// The fields of one chunk: for record `r` and column `j`, `fields[r * columns + j]` packs the
/// content's byte range relative to the chunk: bits 0-31 its start, bits 32-62 its end, bit 63
/// set when it is a quoted field holding `""` escapes (its content needs unescaping). A quoted
/// field's content excludes its quotes.
struct CSVTokens: Sendable {
    static let escapedBit: UInt64 = 1 << 63

    @inline(__always) static func lo(_ f: UInt64) -> Int { Int(truncatingIfNeeded: f & 0xFFFF_FFFF) }
    @inline(__always) static func hi(_ f: UInt64) -> Int { Int(truncatingIfNeeded: (f >> 32) & 0x7FFF_FFFF) }
    @inline(__always) static func escaped(_ f: UInt64) -> Bool { f >> 63 != 0 }

    /// Record slot states.
    static let ok: UInt8 = 0
    static let blank: UInt8 = 1
    static let rejected: UInt8 = 2

    var columns: Int
    var records: Int
    var fields: [UInt64]
    /// `records + 1` offsets: where each record starts, then the chunk's end.
    var recordStart: [UInt32]
    /// Per record: ``ok``, ``blank`` or ``rejected``.
    var status: [UInt8]
    /// The first problem of every rejected record, in record order.
    var errors: [PendingError]
}

enum CSVTokenizer {
    /// Quote errors, kept in ``PendingError/detail``.
    static let unterminatedQuote: Int64 = 0
    static let quoteInUnquotedField: Int64 = 1
    static let textAfterClosingQuote: Int64 = 2

    /// Cuts `s` (one chunk: whole records) into fields.
    ///
    /// Checks, in this order of precedence per record: quoting, the field count, then NUL bytes
    /// and UTF-8 validity field by field (only when `checkText`, i.e. the chunk holds a NUL or a
    /// byte >= 0x80). Blank lines are marked ``CSVTokens/blank``.
    ///
    /// - Parameter expectedRecords: the record count the layout scan found; the tokenizer finds
    ///   the same boundaries (checked).
    static func tokenize(_ s: Span<UInt8>, columns: Int, expectedRecords: Int, checkText: Bool) -> CSVTokens {
        // Not zero-filled (2 GB of stores for a 10M-loan tape): the fields of a record are read
        // only when it is sound, and then the tokenizer has written all of them.
        let fieldCount = expectedRecords * columns
        var fields = [UInt64](unsafeUninitializedCapacity: fieldCount) { _, initialized in initialized = fieldCount }
        var recordStart = [UInt32](repeating: 0, count: expectedRecords + 1)
        var status = [UInt8](repeating: CSVTokens.ok, count: expectedRecords)
        var errors = [PendingError]()
        do {
            var fieldSpan = fields.mutableSpan
            var startSpan = recordStart.mutableSpan
            var statusSpan = status.mutableSpan
            fill(
                s, columns: columns, expectedRecords: expectedRecords, checkText: checkText, fields: &fieldSpan,
                recordStart: &startSpan, status: &statusSpan, errors: &errors)
        }
        return CSVTokens(
            columns: columns, records: expectedRecords, fields: fields, recordStart: recordStart, status: status,
            errors: errors)
    }

    /// The loop of ``tokenize(_:columns:expectedRecords:checkText:)``, writing through spans.
    static func fill(
        _ s: Span<UInt8>, columns: Int, expectedRecords: Int, checkText: Bool, fields: inout MutableSpan<UInt64>,
        recordStart: inout MutableSpan<UInt32>, status: inout MutableSpan<UInt8>,
        errors: inout [PendingError]
    ) {
        let n = s.count
        let quote = UInt8(ascii: "\"")
        let comma = UInt8(ascii: ",")
        let lf = UInt8(ascii: "\n")
        let cr = UInt8(ascii: "\r")
        let structural: UInt64 = 1 << 10 | 1 << 13 | 1 << 34 | 1 << 44
        var pos = 0
        var r = 0
        while pos < n {
            precondition(r < expectedRecords, "tokenizer found more records than the layout scan")
            recordStart[r] = UInt32(pos)
            // A blank line: nothing before its line end.
            let first = s[pos]
            if first == lf || (first == cr && (pos + 1 == n || s[pos + 1] == lf)) {
                status[r] = CSVTokens.blank
                pos += first == lf ? 1 : (pos + 1 == n ? 1 : 2)
                r += 1
                continue
            }
            let base = r * columns
            var j = 0
            var quoteError: Int64 = -1
            var quoteColumn = 0
            var fastEnd = fastRecord(s, start: pos, columns: columns, base: base, fields: &fields)
            if fastEnd < 0 {
                // Quoted fields (as spreadsheet and database exports write text) have their own
                // fast path, kept apart so the plain one stays small.
                fastEnd = fastQuotedRecord(s, start: pos, columns: columns, base: base, fields: &fields)
            }
            if fastEnd >= 0 {
                pos = fastEnd
                j = columns
            } else {
                while true {
                    var contentLo = pos
                    var contentHi = pos
                    var escaped = false
                    // The byte that ends the field: ',', LF, CR (before LF or at the end) or '"';
                    // 0 at the end of the chunk (a NUL byte is never structural).
                    var stop: UInt8 = 0
                    if pos < n && s[pos] == quote {
                        pos += 1
                        contentLo = pos
                        var closed = false
                        while pos < n {
                            pos = nextQuote(s, from: pos)
                            if pos == n { break }
                            if pos + 1 < n && s[pos + 1] == quote {
                                escaped = true
                                pos += 2
                                continue
                            }
                            closed = true
                            break
                        }
                        if !closed {
                            contentHi = n
                            quoteError = unterminatedQuote
                            quoteColumn = j
                            pos = n
                            break
                        }
                        contentHi = pos
                        pos += 1
                        if pos < n {
                            stop = s[pos]
                            if stop != comma && stop != lf && !(stop == cr && (pos + 1 == n || s[pos + 1] == lf)) {
                                quoteError = textAfterClosingQuote
                                quoteColumn = j
                                pos = skipRecord(s, from: pos)
                                break
                            }
                        }
                    } else {
                        while true {
                            if pos + 8 <= n {
                                // Skip words with no byte <= ',' (every structural byte is one).
                                let low = SWAR.firstBelow(s.loadUInt64LE(at: pos), comma + 1)
                                if low == 0 {
                                    pos += 8
                                    continue
                                }
                                pos += low.trailingZeroBitCount >> 3
                            } else if pos >= n {
                                break
                            }
                            let b = s[pos]
                            // One test for ',', LF, CR and '"' (a bit set per structural byte value).
                            if b <= comma && (structural >> UInt64(b)) & 1 != 0
                                && (b != cr || pos + 1 == n || s[pos + 1] == lf)
                            {
                                stop = b
                                break
                            }
                            pos += 1
                        }
                        contentHi = pos
                        if stop == quote {
                            quoteError = quoteInUnquotedField
                            quoteColumn = j
                            pos = skipRecord(s, from: pos)
                            break
                        }
                    }
                    if j < columns {
                        fields[base + j] =
                            UInt64(truncatingIfNeeded: contentLo) | UInt64(truncatingIfNeeded: contentHi) << 32
                            | (escaped ? CSVTokens.escapedBit : 0)
                    }
                    j += 1
                    if stop == comma {
                        pos += 1
                        continue
                    }
                    if stop != 0 { pos += stop == lf ? 1 : (pos + 1 < n ? 2 : 1) }
                    break
                }
            }
            if quoteError >= 0 {
                status[r] = CSVTokens.rejected
                errors.append(
                    PendingError(
                        record: Int32(r), kind: .badQuote, column: Int32(quoteColumn < columns ? quoteColumn : -1),
                        detail: quoteError))
            } else if j != columns {
                status[r] = CSVTokens.rejected
                errors.append(PendingError(record: Int32(r), kind: .fieldCount, column: -1, detail: Int64(j)))
            } else if checkText {
                for c in 0..<columns {
                    let a = CSVTokens.lo(fields[base + c])
                    let z = CSVTokens.hi(fields[base + c])
                    if let at = ByteText.firstNUL(s, a, z) {
                        status[r] = CSVTokens.rejected
                        errors.append(
                            PendingError(record: Int32(r), kind: .nulByte, column: Int32(c), detail: Int64(at)))
                        break
                    }
                    if let at = ByteText.firstInvalidUTF8(s, a, z) {
                        status[r] = CSVTokens.rejected
                        errors.append(
                            PendingError(record: Int32(r), kind: .badUTF8, column: Int32(c), detail: Int64(at)))
                        break
                    }
                }
            }
            r += 1
        }
        precondition(r == expectedRecords, "tokenizer found \(r) records, the layout scan \(expectedRecords)")
        recordStart[r] = UInt32(n)
    }

    /// The common record, cut 64 bytes at a time: no quotes, exactly `columns` fields, ending
    /// in LF or CRLF. Each 64-byte window yields bit masks of its commas, line feeds and other
    /// structural bytes (``Swift/Span/csvMarks64(at:)``), and every set bit ends a field, so a
    /// field costs a bit scan and a store instead of a byte-by-byte search.
    ///
    /// - Returns: where the next record starts, or -1 when the record is anything else (a
    ///   quote, a lone CR, another field count, a blank line, the last 64 bytes of the chunk):
    ///   the general path then reads it from `start` again.
    @inline(__always)
    static func fastRecord(
        _ s: Span<UInt8>, start: Int, columns: Int, base: Int, fields: inout MutableSpan<UInt64>
    ) -> Int {
        let n = s.count
        var window = start
        var fieldStart = start
        var j = 0
        let last = columns &- 1
        while window &+ 64 <= n {
            let marks = s.csvMarks64(at: window)
            var bits = marks.comma | marks.lineFeed | marks.other
            while bits != 0 {
                let k = bits.trailingZeroBitCount
                let bit = bits & (0 &- bits)
                bits &= bits &- 1
                let at = window &+ k
                let packed = UInt64(truncatingIfNeeded: fieldStart) | UInt64(truncatingIfNeeded: at) << 32
                if marks.comma & bit != 0 {
                    guard j < last else { return -1 }
                    fields[base &+ j] = packed
                    j &+= 1
                    fieldStart = at &+ 1
                } else if marks.lineFeed & bit != 0 {
                    guard j == last, at > start else { return -1 }
                    fields[base &+ j] = packed
                    return at &+ 1
                } else {
                    // A quote, or a CR: only a CR right before the line feed that ends the record.
                    guard j == last, at > start, s[at] == UInt8(ascii: "\r"), at &+ 1 < n,
                        s[at &+ 1] == UInt8(ascii: "\n")
                    else { return -1 }
                    fields[base &+ j] = packed
                    return at &+ 2
                }
            }
            window &+= 64
        }
        return -1
    }

    /// ``fastRecord(_:start:columns:base:fields:)`` for records with quoted fields (without
    /// `""` escapes): a quoted field's closing quote is the next quote bit of the masks (or,
    /// past the window, the next quote found eight bytes at a time), and the bits inside it are
    /// dropped.
    ///
    /// - Returns: where the next record starts, or -1 for anything else (a quote inside a
    ///   field, a `""` escape, text after a closing quote, a lone CR, another field count, a
    ///   blank line, the last 64 bytes of the chunk).
    @inline(never)
    static func fastQuotedRecord(
        _ s: Span<UInt8>, start: Int, columns: Int, base: Int, fields: inout MutableSpan<UInt64>
    ) -> Int {
        let n = s.count
        let quote = UInt8(ascii: "\"")
        var window = start
        var fieldStart = start
        // The closing quote of the current field when it is quoted, else -1.
        var closing = -1
        var j = 0
        let last = columns &- 1
        windows: while window &+ 64 <= n {
            let marks = s.csvMarks64(at: window)
            var bits = marks.comma | marks.lineFeed | marks.other
            while bits != 0 {
                let k = bits.trailingZeroBitCount
                let bit = bits & (0 &- bits)
                bits &= bits &- 1
                let at = window &+ k
                var packed = UInt64(truncatingIfNeeded: fieldStart) | UInt64(truncatingIfNeeded: at) << 32
                if closing >= 0 {
                    // A quoted field ends right after its closing quote.
                    guard at == closing &+ 1 else { return -1 }
                    packed = UInt64(truncatingIfNeeded: fieldStart &+ 1) | UInt64(truncatingIfNeeded: closing) << 32
                }
                if marks.comma & bit != 0 {
                    guard j < last else { return -1 }
                    fields[base &+ j] = packed
                    j &+= 1
                    fieldStart = at &+ 1
                    closing = -1
                } else if marks.lineFeed & bit != 0 {
                    guard j == last, at > start else { return -1 }
                    fields[base &+ j] = packed
                    return at &+ 1
                } else if s[at] == quote {
                    // An opening quote: the next quote closes the field (a quote right after that
                    // one, a `""` escape, then fails the test above).
                    guard at == fieldStart, closing < 0 else { return -1 }
                    var rest = marks.other & ~(UInt64.max &>> UInt64(63 &- k))
                    while rest != 0 {
                        let p = rest.trailingZeroBitCount
                        if s[window &+ p] == quote {
                            closing = window &+ p
                            bits &= ~(UInt64.max &>> UInt64(63 &- p))
                            break
                        }
                        rest &= rest &- 1
                    }
                    if closing < 0 {
                        // Past this window: find it eight bytes at a time, then start the windows
                        // at the byte after it.
                        let close = nextQuote(s, from: window &+ 64)
                        guard close < n else { return -1 }
                        closing = close
                        window = close &+ 1
                        continue windows
                    }
                } else {
                    // A CR: only right before the line feed that ends the record.
                    guard j == last, at > start, at &+ 1 < n, s[at &+ 1] == UInt8(ascii: "\n") else { return -1 }
                    fields[base &+ j] = packed
                    return at &+ 2
                }
            }
            window &+= 64
        }
        return -1
    }

    /// The offset of the first `"` at `from` or later, or `s.count` when there is none; eight
    /// bytes at a time.
    @inline(__always)
    static func nextQuote(_ s: Span<UInt8>, from start: Int) -> Int {
        let n = s.count
        let quote = UInt8(ascii: "\"")
        var pos = start
        while pos &+ 8 <= n {
            let quotes = SWAR.zeroBytes(s.loadUInt64LE(at: pos) ^ SWAR.repeated(quote))
            if quotes != 0 { return pos &+ quotes.trailingZeroBitCount >> 3 }
            pos &+= 8
        }
        while pos < n && s[pos] != quote { pos &+= 1 }
        return pos
    }

    /// The end of a malformed record: after the first line feed at `from` or later that follows
    /// an even number of quotes counted from `from` (the record's quotes before `from` are even).
    static func skipRecord(_ s: Span<UInt8>, from start: Int) -> Int {
        var odd = false
        var pos = start
        let n = s.count
        while pos < n {
            let b = s[pos]
            if b == UInt8(ascii: "\"") {
                odd.toggle()
            } else if b == UInt8(ascii: "\n") && !odd {
                return pos + 1
            }
            pos += 1
        }
        return n
    }
}
