/// The per-column conversion loops of the ingest: one non-generic function per column type,
/// each running over the records of one chunk and writing straight into the chunk's rows of the
/// output column.
///
/// Every kernel skips records already rejected (a record reports its first problem only, the
/// leftmost in file order), marks missing values of optional columns by leaving `valid[r]` at 0,
/// and rejects a record by setting `status[r]` and appending a ``PendingError``.
enum IngestKernels {
    /// Shared arguments of the kernels.
    struct Field {
        let column: Int
        let required: Bool
    }

    @inline(__always)
    static func reject(
        _ r: Int, _ kind: IngestErrorClass, _ column: Int, _ detail: Int64 = 0, status: inout MutableSpan<UInt8>,
        errors: inout [PendingError]
    ) {
        status[r] = CSVTokens.rejected
        errors.append(PendingError(record: Int32(r), kind: kind, column: Int32(column), detail: detail))
    }

    static func float64(
        _ s: Span<UInt8>, _ t: CSVTokens, _ field: Field, range: ClosedRange<Double>?,
        into dst: inout MutableSpan<Double>,
        valid: inout MutableSpan<UInt8>, status: inout MutableSpan<UInt8>, errors: inout [PendingError]
    ) {
        let n = t.columns
        let j = field.column
        let fs = t.fields.span
        let tables = TextNumber.PowerTables.shared
        let exact = tables.exact.span
        let integer = tables.integer.span
        for r in 0..<t.records where status[r] == CSVTokens.ok {
            let f = fs[r &* n &+ j]
            let lo = CSVTokens.lo(f)
            let hi = CSVTokens.hi(f)
            if lo == hi {
                if field.required { reject(r, .missingValue, j, status: &status, errors: &errors) }
                continue
            }
            guard !CSVTokens.escaped(f),
                let value = TextNumber.parseDecimal(s, lo, hi, exact: exact, integer: integer)
            else {
                reject(r, .badNumber, j, status: &status, errors: &errors)
                continue
            }
            guard value.isFinite else {
                reject(r, .badNumber, j, 1, status: &status, errors: &errors)
                continue
            }
            if let range, !range.contains(value) {
                reject(r, .outOfRange, j, status: &status, errors: &errors)
                continue
            }
            dst[r] = value
            valid[r] = 1
        }
    }

    static func int64(
        _ s: Span<UInt8>, _ t: CSVTokens, _ field: Field, range: ClosedRange<Int64>?,
        into dst: inout MutableSpan<Int64>,
        valid: inout MutableSpan<UInt8>, status: inout MutableSpan<UInt8>, errors: inout [PendingError]
    ) {
        let n = t.columns
        let j = field.column
        let fs = t.fields.span
        for r in 0..<t.records where status[r] == CSVTokens.ok {
            let f = fs[r &* n &+ j]
            let lo = CSVTokens.lo(f)
            let hi = CSVTokens.hi(f)
            if lo == hi {
                if field.required { reject(r, .missingValue, j, status: &status, errors: &errors) }
                continue
            }
            var overflow = false
            guard !CSVTokens.escaped(f), let value = TextNumber.parseInt64(s, lo, hi, overflow: &overflow)
            else {
                reject(r, .badInteger, j, overflow ? 1 : 0, status: &status, errors: &errors)
                continue
            }
            if let range, !range.contains(value) {
                reject(r, .outOfRange, j, status: &status, errors: &errors)
                continue
            }
            dst[r] = value
            valid[r] = 1
        }
    }

    static func date(
        _ s: Span<UInt8>, _ t: CSVTokens, _ field: Field, into dst: inout MutableSpan<Int32>,
        valid: inout MutableSpan<UInt8>,
        status: inout MutableSpan<UInt8>, errors: inout [PendingError]
    ) {
        let n = t.columns
        let j = field.column
        let fs = t.fields.span
        // The last date read, as its ten bytes and its day number: a column often repeats a date
        // (as_of_date is one date for the whole tape), and comparing two words is cheaper than
        // parsing and checking the date again.
        var lastText: (UInt64, UInt64) = (0, 0)
        var lastDays: Int32? = nil
        for r in 0..<t.records where status[r] == CSVTokens.ok {
            let f = fs[r &* n &+ j]
            let lo = CSVTokens.lo(f)
            let hi = CSVTokens.hi(f)
            if lo == hi {
                if field.required { reject(r, .missingValue, j, status: &status, errors: &errors) }
                continue
            }
            let comparable = hi &- lo == 10 && lo &+ 16 <= s.count && !CSVTokens.escaped(f)
            var text: (UInt64, UInt64) = (0, 0)
            if comparable {
                text = (s.loadUInt64LE(at: lo), s.loadUInt64LE(at: lo &+ 8) & 0xFFFF)
                if let lastDays, text == lastText {
                    dst[r] = lastDays
                    valid[r] = 1
                    continue
                }
            }
            var shapeOK = false
            guard !CSVTokens.escaped(f), let days = TextNumber.parseDate(s, lo, hi, shapeOK: &shapeOK)
            else {
                reject(r, .badDate, j, shapeOK ? 1 : 0, status: &status, errors: &errors)
                continue
            }
            if comparable {
                lastText = text
                lastDays = days
            }
            dst[r] = days
            valid[r] = 1
        }
    }

    /// Category codes local to the chunk: `dictionary` numbers values in order of first
    /// appearance in the chunk (a fixed set is pre-loaded and `closed`: other values are
    /// rejected as ``IngestErrorClass/badCategory``).
    static func category(
        _ s: Span<UInt8>, _ t: CSVTokens, _ field: Field, closed: Bool, dictionary: inout ByteDictionary,
        into dst: inout MutableSpan<UInt32>, valid: inout MutableSpan<UInt8>, scratch: inout [UInt8],
        status: inout MutableSpan<UInt8>,
        errors: inout [PendingError]
    ) {
        let n = t.columns
        let j = field.column
        let fs = t.fields.span
        var index = ShortKeyIndex()
        let keyMasks = ShortKeyIndex.masks
        let masks = keyMasks.span
        for r in 0..<t.records where status[r] == CSVTokens.ok {
            let f = fs[r &* n &+ j]
            let lo = CSVTokens.lo(f)
            let hi = CSVTokens.hi(f)
            if lo == hi {
                if field.required { reject(r, .missingValue, j, status: &status, errors: &errors) }
                continue
            }
            var code: Int32?
            if !CSVTokens.escaped(f) && hi &- lo <= ShortKeyIndex.maxLength && lo &+ 32 <= s.count {
                // Values of up to 32 bytes: the short-key index, filled from the dictionary.
                let key = ShortKeyIndex.key(s, lo, hi, masks: masks)
                code = index.code(key)
                if code == nil {
                    let h = ByteText.hash(s, lo, hi)
                    code = closed ? dictionary.find(s, lo, hi, h) : dictionary.findOrInsert(s, lo, hi, h)
                    if let code { index.remember(key, code: code) }
                }
            } else if !CSVTokens.escaped(f) {
                let h = ByteText.hash(s, lo, hi)
                code = closed ? dictionary.find(s, lo, hi, h) : dictionary.findOrInsert(s, lo, hi, h)
            } else {
                ByteText.unescape(s, lo, hi, into: &scratch)
                let u = scratch.span
                let h = ByteText.hash(u, 0, u.count)
                code = closed ? dictionary.find(u, 0, u.count, h) : dictionary.findOrInsert(u, 0, u.count, h)
            }
            guard let code else {
                reject(r, .badCategory, j, status: &status, errors: &errors)
                continue
            }
            dst[r] = UInt32(code)
            valid[r] = 1
        }
    }

    /// Strings gathered in the chunk's `pool`; `ends[r]` is where record `r`'s value ends (a
    /// rejected or missing record ends where the previous one did). With `wantHashes`, also the
    /// hash of each value (for the `loan_id` uniqueness check).
    static func string(
        _ s: Span<UInt8>, _ t: CSVTokens, _ field: Field, maxBytes: Int?, pool: inout [UInt8],
        ends: inout MutableSpan<UInt32>, hashes: inout MutableSpan<UInt64>, wantHashes: Bool,
        valid: inout MutableSpan<UInt8>, scratch: inout [UInt8], status: inout MutableSpan<UInt8>,
        errors: inout [PendingError]
    ) {
        let n = t.columns
        let j = field.column
        let fs = t.fields.span
        // The raw field lengths bound the unescaped ones: size the pool once.
        var capacity = 0
        for r in 0..<t.records where status[r] == CSVTokens.ok {
            let f = fs[r &* n &+ j]
            capacity += CSVTokens.hi(f) - CSVTokens.lo(f)
        }
        // Eight bytes of slack: values are copied a word at a time, the last word overhanging.
        pool = [UInt8](repeating: 0, count: capacity + 8)
        var used = 0
        do {
            var p = pool.mutableSpan
            for r in 0..<t.records {
                defer { ends[r] = UInt32(used) }
                guard status[r] == CSVTokens.ok else { continue }
                let f = fs[r &* n &+ j]
                let lo = CSVTokens.lo(f)
                let hi = CSVTokens.hi(f)
                if lo == hi {
                    if field.required { reject(r, .missingValue, j, status: &status, errors: &errors) }
                    continue
                }
                if !CSVTokens.escaped(f) {
                    if let maxBytes, hi - lo > maxBytes {
                        reject(r, .tooLong, j, Int64(hi - lo), status: &status, errors: &errors)
                        continue
                    }
                    if wantHashes { hashes[r] = ByteText.hash(s, lo, hi) }
                    var i = lo
                    while i < hi && i &+ 8 <= s.count {
                        p.storeUInt64LE(s.loadUInt64LE(at: i), at: used &+ (i &- lo))
                        i &+= 8
                    }
                    while i < hi {
                        p[used &+ (i &- lo)] = s[i]
                        i &+= 1
                    }
                    used &+= hi &- lo
                } else {
                    ByteText.unescape(s, lo, hi, into: &scratch)
                    if let maxBytes, scratch.count > maxBytes {
                        reject(r, .tooLong, j, Int64(scratch.count), status: &status, errors: &errors)
                        continue
                    }
                    let u = scratch.span
                    if wantHashes { hashes[r] = ByteText.hash(u, 0, u.count) }
                    for i in u.indices {
                        p[used] = u[i]
                        used += 1
                    }
                }
                valid[r] = 1
            }
        }
        pool.removeLast(capacity + 8 - used)
    }

    /// Records the inference evidence of column `j` over the chunk's sound records.
    static func observe(
        _ s: Span<UInt8>, _ t: CSVTokens, column j: Int, into evidence: inout ColumnEvidence, scratch: inout [UInt8]
    ) {
        let n = t.columns
        for r in 0..<t.records where t.status[r] == CSVTokens.ok {
            let f = t.fields[r * n + j]
            let lo = CSVTokens.lo(f)
            let hi = CSVTokens.hi(f)
            if lo == hi { continue }
            if !CSVTokens.escaped(f) {
                evidence.observe(s, lo, hi)
            } else {
                ByteText.unescape(s, lo, hi, into: &scratch)
                let u = scratch.span
                evidence.observe(u, 0, u.count)
            }
        }
    }
}
