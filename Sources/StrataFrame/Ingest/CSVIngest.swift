import Dispatch
import StrataKernels
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Reads a CSV file (a loan tape or any CSV) into a ``Table``, checking every row.
///
/// The file is memory-mapped and parsed on all cores, in parallel over blocks of the file. A
/// block's statistics (quotes and line feeds) locate every record boundary, quote-aware, once
/// the statistics of the blocks before it are known; each block's records are then cut into
/// fields and each column converted and checked straight into the block's rows of the output.
/// - When every column's type is known from the header (a loan tape), this is one pass: each
///   worker scans its block, takes the record boundaries and row slots handed on from the
///   previous block, and parses at once (``IngestRun/parseInOnePass()``).
/// - Otherwise (columns typed by scanning) a scan lays out all blocks first, a second pass
///   collects the typing evidence, and a third parses (``IngestRun/parseAfterScan()``).
/// Then `loan_id` uniqueness is checked over the whole file, category dictionaries of the blocks
/// are merged in file order, and rows are compacted when some were rejected. Every step combines
/// block results in file order, so the table, the counts and the rejects are identical for any
/// thread count.
///
/// The rules, error classes and the rejects file format are listed in
/// docs/methodology/ingest-validation.md.
public enum CSVIngest {
    /// The most distinct values an inferred text column may have to become a category column;
    /// more make it a string column.
    public static let maxInferredCategories = 4096

    /// Reads the CSV file at `path`.
    ///
    /// - Parameters:
    ///   - path: the file; error messages name it as given.
    ///   - options: the schema, rejects handling and threads.
    /// - Returns: the accepted rows and the counts (`read == accepted + rejected`).
    /// - Throws: ``StrataFrameError/io(path:reason:)`` when the file cannot be read or the
    ///   rejects files written; ``StrataFrameError/input(file:reason:)`` for an empty file, a file
    ///   with only a header, a bad header, a missing required column or duplicate column names;
    ///   ``StrataFrameError/parse(file:line:column:reason:)`` for the first bad row (lowest line)
    ///   when `options.rejectsPath` is nil; ``StrataFrameError/tooManyRejects(file:rejected:read:maxRate:)``
    ///   when rejects exceed `options.maxRejectRate`.
    /// - Complexity: O(file size + rows × columns), spread over `options.threads` threads.
    public static func ingest(
        path: String, options: IngestOptions = IngestOptions()
    ) throws(StrataFrameError)
        -> IngestResult
    {
        let run = IngestRun(file: try map(path), label: path, options: options)
        return try run.execute()
    }

    /// The column names of the CSV file at `path`: its header read with the ingest's own rules
    /// (RFC 4180 quoting, an optional UTF-8 byte order mark), without reading the rows.
    ///
    /// - Throws: ``StrataFrameError/io(path:reason:)`` when the file cannot be read;
    ///   ``StrataFrameError/input(file:reason:)`` for an empty file or a bad header.
    public static func columnNames(path: String) throws(StrataFrameError) -> [String] {
        let (header, _) = try CSVLayout.readHeader(of: try map(path), label: path)
        return header.fields.map { String(decoding: $0, as: UTF8.self) }
    }

    /// `path` mapped read-only; failures name `path`.
    static func map(_ path: String) throws(StrataFrameError) -> MappedFile {
        do {
            return try MappedFile(path: path)
        } catch {
            switch error {
            case .io(_, let reason): throw .io(path: path, reason: reason)
            default: throw .io(path: path, reason: error.description)
            }
        }
    }
}

/// One output column under construction.
enum ColumnSink: Sendable {
    case float64(ColumnBufferBuilder<Double>)
    case int64(ColumnBufferBuilder<Int64>)
    case date(ColumnBufferBuilder<Int32>)
    case category(ColumnBufferBuilder<UInt32>)
    /// Strings are gathered per chunk and assembled at the end.
    case string
}

/// The strings of one column in one chunk.
struct StringPart: Sendable {
    var pool: [UInt8]
    /// Per record slot: the end of its value in `pool`.
    var ends: [UInt32]

    func range(_ r: Int) -> Range<Int> { (r == 0 ? 0 : Int(ends[r - 1]))..<Int(ends[r]) }
}

/// A rejected record, ready for the error message and the rejects files.
struct RowReject: Sendable {
    /// The record's global row slot (file order).
    var slot: Int
    var line: Int
    /// Absolute byte range of the raw record, line end included.
    var offset: Int
    var end: Int
    var column: String
    var kind: IngestErrorClass
    var reason: String
}

/// What the parse of one chunk left behind.
struct ChunkResult: Sendable {
    var processed = false
    var status: [UInt8] = []
    var recordStart: [UInt32] = []
    var rejects: [RowReject] = []
    var strings: [StringPart?] = []
    var dictionaries: [ByteDictionary?] = []
    var idHashes: [UInt64] = []
}

struct IngestRun: Sendable {
    let file: MappedFile
    let label: String
    let options: IngestOptions

    var threads: Int { options.threads }

    func execute() throws(StrataFrameError) -> IngestResult {
        let parsed: ParsedFile
        if let onePass = try parseInOnePass() {
            parsed = onePass
        } else {
            parsed = try parseAfterScan()
        }
        let (layout, plan, sinks) = (parsed.layout, parsed.plan, parsed.sinks)
        var results = parsed.results

        var rejects = [RowReject]()
        for result in results where result.processed { rejects.append(contentsOf: result.rejects) }
        if let idColumn = plan.loanID {
            let duplicates = findDuplicates(results, layout, idColumn: idColumn)
            if !duplicates.isEmpty {
                rejects.append(contentsOf: describeDuplicates(duplicates, &results, layout, idColumn: idColumn))
                rejects.sort { $0.slot < $1.slot }
            }
        }
        if options.rejectsPath == nil, let first = rejects.min(by: { $0.slot < $1.slot }) {
            throw .parse(file: label, line: first.line, column: first.column, reason: first.reason)
        }
        var read = 0
        for result in results {
            for state in result.status where state != CSVTokens.blank { read += 1 }
        }
        guard read > 0 else { throw .input(file: label, reason: "no data rows: the file holds only a header") }
        var byReason = [String: Int]()
        for reject in rejects { byReason[reject.kind.rawValue, default: 0] += 1 }
        if let rejectsPath = options.rejectsPath {
            try RejectsWriter.write(rejects, file: file, headerRange: layout.headerRange, to: rejectsPath)
            if Double(rejects.count) / Double(read) > options.maxRejectRate {
                throw .tooManyRejects(file: label, rejected: rejects.count, read: read, maxRate: options.maxRejectRate)
            }
        }
        let table = try assemble(plan, sinks, results, layout)
        precondition(table.rowCount + rejects.count == read, "read != accepted + rejected")
        return IngestResult(
            table: table, read: read, accepted: table.rowCount, rejected: rejects.count, rejectsByReason: byReason)
    }

    // MARK: - Passes

    /// The file cut into chunks, its columns, and every chunk parsed into them.
    struct ParsedFile {
        let layout: CSVLayout
        let plan: IngestPlan
        let sinks: (values: [ColumnSink], validity: [ColumnBufferBuilder<UInt8>?])
        let results: [ChunkResult]
    }

    /// The general path: a scan that lays out every chunk and counts the rows, type inference
    /// when some columns need it, columns allocated at their exact size, then the parse.
    func parseAfterScan() throws(StrataFrameError) -> ParsedFile {
        let layout = try CSVLayout.scan(file, label: label, blockBytes: options.chunkBytes, threads: threads)
        var plan = try IngestPlan.make(header: layout.headerFields, schema: options.schema, label: label)
        if !plan.inferredColumns.isEmpty { inferTypes(layout, &plan) }
        let sinks = allocate(plan, slots: layout.totalSlots, populate: true)
        return ParsedFile(layout: layout, plan: plan, sinks: sinks, results: parse(layout, plan, sinks))
    }

    /// One pass over the file when every column's type is known from the header (a loan tape
    /// without extra columns): each worker scans its block, takes its chunk from the previous
    /// block's cursor (quote parity, lines and row slots, handed on in block order), and parses
    /// it at once, while the block is still in the CPU caches. The file is read once instead of
    /// twice.
    ///
    /// The columns are allocated before the row count is known, from an estimate (the first MiB
    /// of records, plus 3% and 1,024 rows) and sealed at the true count. Chunks past the estimate
    /// are not parsed; when there are any, the columns are allocated again at the exact size and
    /// every chunk is parsed in a second pass, so the estimate never changes a result. With more
    /// than one thread, a background thread maps the columns' pages in ahead of the writers
    /// (kernel work that does not get faster with more threads); with one, they are mapped in
    /// first.
    ///
    /// - Returns: nil when the columns are not all known from the header.
    func parseInOnePass() throws(StrataFrameError) -> ParsedFile? {
        let size = file.byteCount
        let (header, bomLength) = try CSVLayout.readHeader(of: file, label: label)
        guard header.endsWithLineFeed, header.end < size else {
            throw .input(file: label, reason: "no data rows: the file holds only a header")
        }
        let plan = try IngestPlan.make(header: header.fields, schema: options.schema, label: label)
        guard plan.inferredColumns.isEmpty else { return nil }
        let blocks = CSVLayout.Blocks(body: header.end..<size, blockBytes: options.chunkBytes)
        let capacity = estimatedRecords(body: blocks.body)
        let attempt = try parseBlocks(
            header: header, headerRange: bomLength..<header.end, plan: plan, blocks: blocks, capacity: capacity)
        if let parsed = attempt.parsed { return parsed }
        // The estimate fell short; its columns are gone (they lived in parseBlocks).
        let layout = attempt.layout
        let exact = allocate(plan, slots: layout.totalSlots, populate: true)
        return ParsedFile(layout: layout, plan: plan, sinks: exact, results: parse(layout, plan, exact))
    }

    /// The pass of ``parseInOnePass()`` with columns of `capacity` rows: the layout, and the
    /// parsed file when every chunk fitted (nil otherwise).
    func parseBlocks(
        header: CSVLayout.Header, headerRange: Range<Int>, plan: IngestPlan, blocks: CSVLayout.Blocks,
        capacity: Int
    ) throws(StrataFrameError) -> (layout: CSVLayout, parsed: ParsedFile?) {
        let size = file.byteCount
        let sinks = allocate(plan, slots: capacity, populate: threads == 1)
        let populating = threads > 1 ? populateInBackground(sinks, slots: capacity) : nil
        defer { populating?.wait() }

        // The cursor of the blocks handed on so far, in block order.
        struct Handoff {
            var cursor: CSVLayout.Cursor
            var nextBlock = 0
            var error: StrataFrameError? = nil
        }
        let handoff = Mutex(Handoff(cursor: CSVLayout.Cursor(header: header, size: size)))
        let failFast = options.rejectsPath == nil
        let firstFailing = Atomic<Int>(Int.max)
        let run = self
        let label = self.label
        let parts = parallelChunks(count: blocks.count, chunkSize: 1, threads: threads) {
            k, _ -> (chunk: CSVLayout.Chunk?, result: ChunkResult) in
            let range = blocks.range(k)
            run.file.prefetchPages(in: range)
            let stats = run.file.withBytes(in: range) { s in CSVLayout.scanBlock(s) }
            // Blocks are handed out in increasing order, so block k - 1 is being scanned by a
            // running worker: wait for it to hand its cursor on.
            var chunk: CSVLayout.Chunk? = nil
            var spins = 0
            while true {
                let taken = handoff.withLock { h -> Bool in
                    guard h.nextBlock == k else { return false }
                    h.nextBlock += 1
                    guard h.error == nil else { return true }
                    do throws(StrataFrameError) {
                        chunk = try h.cursor.chunk(after: stats, of: blocks, k, label: label)
                    } catch {
                        h.error = error
                    }
                    return true
                }
                if taken { break }
                spins += 1
                if spins > 64 { sched_yield() }
            }
            guard let chunk, chunk.firstSlot + chunk.records <= capacity else { return (chunk, ChunkResult()) }
            if failFast && k > firstFailing.load(ordering: .relaxed) { return (chunk, ChunkResult()) }
            let result = run.parseChunk(chunk, plan, sinks)
            if failFast && !result.rejects.isEmpty { _ = firstFailing.min(k, ordering: .relaxed) }
            return (chunk, result)
        }
        let finished = handoff.withLock { $0 }
        if let error = finished.error { throw error }
        let layout = CSVLayout(
            headerFields: header.fields, headerRange: headerRange, chunks: parts.map { $0.chunk! },
            totalSlots: finished.cursor.slots)
        guard layout.totalSlots <= capacity else { return (layout, nil) }
        return (layout, ParsedFile(layout: layout, plan: plan, sinks: sinks, results: parts.map(\.result)))
    }

    /// The number of records of `body` estimated from its first MiB, with a margin: 3% and
    /// 1,024 records.
    func estimatedRecords(body: Range<Int>) -> Int {
        let sample = body.lowerBound..<min(body.upperBound, body.lowerBound + (1 << 20))
        let lineFeeds = file.withBytes(in: sample) { s in CSVLayout.scanBlock(s).lineFeeds }
        let perByte = Double(max(lineFeeds, 1)) / Double(sample.count)
        return Int(Double(body.count) * perByte * 1.03) + 1_024
    }

    /// Maps in the pages of every column on a background thread, rows in order (all columns of
    /// the first rows first), so the pages are mapped ahead of the writers.
    func populateInBackground(
        _ sinks: (values: [ColumnSink], validity: [ColumnBufferBuilder<UInt8>?]), slots: Int
    ) -> DispatchGroup {
        let group = DispatchGroup()
        // A queue of its own: it gets a thread even while the workers occupy the shared pool.
        DispatchQueue(label: "strata.ingest.populate").async(group: group) {
            let step = 1 << 16
            for start in stride(from: 0, to: slots, by: step) {
                let rows = start..<min(slots, start + step)
                for (values, validity) in zip(sinks.values, sinks.validity) {
                    switch values {
                    case .float64(let b): b.populate(rows)
                    case .int64(let b): b.populate(rows)
                    case .date(let b): b.populate(rows)
                    case .category(let b): b.populate(rows)
                    case .string: break
                    }
                    validity?.populate(rows)
                }
            }
        }
        return group
    }

    // MARK: - Type inference

    func inferTypes(_ layout: CSVLayout, _ plan: inout IngestPlan) {
        let columns = plan.inferredColumns
        let width = plan.columns.count
        let file = self.file
        let evidence = parallelChunks(count: layout.chunks.count, chunkSize: 1, threads: threads) { k, _ in
            let chunk = layout.chunks[k]
            var found = [ColumnEvidence](repeating: ColumnEvidence(), count: columns.count)
            guard chunk.records > 0 else { return found }
            file.withBytes(in: chunk.range) { s in
                let t = CSVTokenizer.tokenize(
                    s, columns: width, expectedRecords: chunk.records, checkText: chunk.hasSpecialBytes)
                var scratch = [UInt8]()
                for (i, j) in columns.enumerated() {
                    IngestKernels.observe(s, t, column: j, into: &found[i], scratch: &scratch)
                }
            }
            file.releasePages(in: chunk.range)
            return found
        }
        for (i, j) in columns.enumerated() {
            var merged = ColumnEvidence()
            for part in evidence { merged.merge(part[i]) }
            let name = plan.columns[j].name
            plan.columns[j] = IngestColumn(name: name, type: merged.type, required: false, rule: .none, inferred: true)
        }
    }

    // MARK: - Allocation

    /// Allocates every output column with room for `slots` rows, columns in parallel; with
    /// `populate`, all pages are mapped up front (cheaper than a page fault per page while
    /// parsing).
    func allocate(
        _ plan: IngestPlan, slots: Int, populate: Bool
    ) -> (values: [ColumnSink], validity: [ColumnBufferBuilder<UInt8>?]) {
        let columns = plan.columns
        let made = parallelChunks(count: columns.count, chunkSize: 1, threads: threads) { j, _ in
            let column = columns[j]
            let sink: ColumnSink
            switch column.type {
            case .float64: sink = .float64(ColumnBufferBuilder(lazilyZeroedCount: slots, populate: populate))
            case .int64: sink = .int64(ColumnBufferBuilder(lazilyZeroedCount: slots, populate: populate))
            case .date: sink = .date(ColumnBufferBuilder(lazilyZeroedCount: slots, populate: populate))
            case .category: sink = .category(ColumnBufferBuilder(lazilyZeroedCount: slots, populate: populate))
            case .string: sink = .string
            }
            let validity: ColumnBufferBuilder<UInt8>? =
                column.required ? nil : ColumnBufferBuilder(lazilyZeroedCount: slots, populate: populate)
            return (sink, validity)
        }
        return (made.map(\.0), made.map(\.1))
    }

    // MARK: - Parse

    func parse(
        _ layout: CSVLayout, _ plan: IngestPlan,
        _ sinks: (values: [ColumnSink], validity: [ColumnBufferBuilder<UInt8>?])
    )
        -> [ChunkResult]
    {
        let failFast = options.rejectsPath == nil
        let firstFailing = Atomic<Int>(Int.max)
        let run = self
        return parallelChunks(count: layout.chunks.count, chunkSize: 1, threads: threads) { k, _ in
            if failFast && k > firstFailing.load(ordering: .relaxed) { return ChunkResult() }
            let result = run.parseChunk(layout.chunks[k], plan, sinks)
            if failFast && !result.rejects.isEmpty { _ = firstFailing.min(k, ordering: .relaxed) }
            return result
        }
    }

    func parseChunk(
        _ chunk: CSVLayout.Chunk, _ plan: IngestPlan,
        _ sinks: (values: [ColumnSink], validity: [ColumnBufferBuilder<UInt8>?])
    ) -> ChunkResult {
        let width = plan.columns.count
        var result = ChunkResult()
        result.processed = true
        guard chunk.records > 0 else { return result }
        let slots = chunk.firstSlot..<(chunk.firstSlot + chunk.records)
        file.prefetchPages(in: chunk.range)
        file.withBytes(in: chunk.range) { s in
            let t = CSVTokenizer.tokenize(
                s, columns: width, expectedRecords: chunk.records, checkText: chunk.hasSpecialBytes)
            var status = t.status
            var errors = t.errors
            var valid = [UInt8](repeating: 0, count: t.records)
            var scratch = [UInt8]()
            var strings = [StringPart?](repeating: nil, count: width)
            var dictionaries = [ByteDictionary?](repeating: nil, count: width)
            var idHashes = [UInt64]()
            for j in 0..<width {
                let column = plan.columns[j]
                let field = IngestKernels.Field(column: j, required: column.required)
                if !column.required { valid = [UInt8](repeating: 0, count: t.records) }
                switch sinks.values[j] {
                case .float64(let builder):
                    var range: ClosedRange<Double>? = nil
                    if case .number(let bounds) = column.rule { range = bounds }
                    builder.withMutableSpan(in: slots) { dst in
                        var st = status.mutableSpan
                        var va = valid.mutableSpan
                        IngestKernels.float64(
                            s, t, field, range: range, into: &dst, valid: &va, status: &st, errors: &errors)
                    }
                case .int64(let builder):
                    var range: ClosedRange<Int64>? = nil
                    if case .integer(let bounds) = column.rule { range = bounds }
                    builder.withMutableSpan(in: slots) { dst in
                        var st = status.mutableSpan
                        var va = valid.mutableSpan
                        IngestKernels.int64(
                            s, t, field, range: range, into: &dst, valid: &va, status: &st, errors: &errors)
                    }
                case .date(let builder):
                    builder.withMutableSpan(in: slots) { dst in
                        var st = status.mutableSpan
                        var va = valid.mutableSpan
                        IngestKernels.date(s, t, field, into: &dst, valid: &va, status: &st, errors: &errors)
                    }
                case .category(let builder):
                    var dictionary: ByteDictionary
                    var closed = false
                    if case .oneOf(let values) = column.rule {
                        dictionary = ByteDictionary(values: values)
                        closed = true
                    } else {
                        dictionary = ByteDictionary()
                    }
                    builder.withMutableSpan(in: slots) { dst in
                        var st = status.mutableSpan
                        var va = valid.mutableSpan
                        IngestKernels.category(
                            s, t, field, closed: closed, dictionary: &dictionary, into: &dst, valid: &va,
                            scratch: &scratch, status: &st, errors: &errors)
                    }
                    if !closed { dictionaries[j] = dictionary }
                case .string:
                    var pool = [UInt8]()
                    var ends = [UInt32](repeating: 0, count: t.records)
                    var maxBytes: Int? = nil
                    if case .identifier(let limit) = column.rule { maxBytes = limit }
                    let wantHashes = j == plan.loanID
                    if wantHashes { idHashes = [UInt64](repeating: 0, count: t.records) }
                    do {
                        var endSpan = ends.mutableSpan
                        var hashSpan = idHashes.mutableSpan
                        var st = status.mutableSpan
                        var va = valid.mutableSpan
                        IngestKernels.string(
                            s, t, field, maxBytes: maxBytes, pool: &pool, ends: &endSpan, hashes: &hashSpan,
                            wantHashes: wantHashes, valid: &va, scratch: &scratch, status: &st, errors: &errors)
                    }
                    strings[j] = StringPart(pool: pool, ends: ends)
                }
                if !column.required, let builder = sinks.validity[j] {
                    builder.withMutableSpan(in: slots) { dst in
                        for r in 0..<t.records { dst[r] = valid[r] }
                    }
                }
            }
            crossChecks(plan, sinks.values, slots, &status, &errors)
            errors.sort { $0.record < $1.record }
            result.rejects = IngestReasons.describe(
                errors, s, t, plan: plan, chunk: chunk)
            result.status = status
            result.recordStart = t.recordStart
            result.strings = strings
            result.dictionaries = dictionaries
            result.idHashes = idHashes
        }
        file.releasePages(in: chunk.range)
        return result
    }

    /// `origination_date <= as_of_date` and `remaining_months <= term_months`, on rows that
    /// passed the checks of single fields.
    func crossChecks(
        _ plan: IngestPlan, _ values: [ColumnSink], _ slots: Range<Int>, _ status: inout [UInt8],
        _ errors: inout [PendingError]
    ) {
        if let a = plan.asOfDate, let o = plan.originationDate, case .date(let asOf) = values[a],
            case .date(let origination) = values[o]
        {
            asOf.withMutableSpan(in: slots) { asOfValues in
                origination.withMutableSpan(in: slots) { originationValues in
                    var st = status.mutableSpan
                    for r in 0..<slots.count where st[r] == CSVTokens.ok && originationValues[r] > asOfValues[r] {
                        IngestKernels.reject(r, .dateOrder, o, status: &st, errors: &errors)
                    }
                }
            }
        }
        if let tm = plan.termMonths, let rm = plan.remainingMonths, case .int64(let term) = values[tm],
            case .int64(let remaining) = values[rm]
        {
            term.withMutableSpan(in: slots) { termValues in
                remaining.withMutableSpan(in: slots) { remainingValues in
                    var st = status.mutableSpan
                    for r in 0..<slots.count where st[r] == CSVTokens.ok && remainingValues[r] > termValues[r] {
                        IngestKernels.reject(r, .remainingExceedsTerm, rm, status: &st, errors: &errors)
                    }
                }
            }
        }
    }

    // MARK: - loan_id uniqueness

    /// The chunk holding global row slot `slot`.
    static func chunkIndex(_ layout: CSVLayout, slot: Int) -> Int {
        var lo = 0
        var hi = layout.chunks.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if layout.chunks[mid].firstSlot <= slot { lo = mid } else { hi = mid - 1 }
        }
        // Empty chunks share their first slot with the next one; step to the one that holds it.
        while layout.chunks[lo].records == 0 || slot >= layout.chunks[lo].firstSlot + layout.chunks[lo].records {
            lo += 1
        }
        return lo
    }

    /// Accepted rows whose `loan_id` equals an earlier accepted row's: (later slot, first slot),
    /// sorted by the later slot.
    ///
    /// Rows are radix-partitioned by the top bits of their hash (partitions keep file order), then
    /// each partition finds repeats with a small open-addressing table, confirming every hash
    /// match by comparing bytes. A repeat and its first occurrence always share a partition, so
    /// the answer does not depend on the partitioning or the threads.
    func findDuplicates(_ results: [ChunkResult], _ layout: CSVLayout, idColumn: Int) -> [(Int, Int)] {
        let chunkCount = results.count
        var total = 0
        for result in results where result.processed {
            for state in result.status where state == CSVTokens.ok { total += 1 }
        }
        guard total >= 2 else { return [] }
        var partitionBits = 0
        while partitionBits < 10 && (total >> partitionBits) > 16_384 { partitionBits += 1 }
        let bits = partitionBits
        let partitions = 1 << bits
        let shift = UInt64(64 - bits)
        @Sendable func partition(_ h: UInt64) -> Int { bits == 0 ? 0 : Int(h >> shift) }
        // Chunks are scattered in a few contiguous groups (a fixed number, so the work does not
        // grow with chunks x partitions); within a partition, entries stay in file order.
        let groups = min(chunkCount, 16)
        @Sendable func chunks(of group: Int) -> Range<Int> {
            (group * chunkCount / groups)..<((group + 1) * chunkCount / groups)
        }
        let histograms = parallelChunks(count: groups, chunkSize: 1, threads: threads) { g, _ in
            var counts = [Int](repeating: 0, count: partitions)
            for k in chunks(of: g) where results[k].processed {
                let result = results[k]
                for r in result.status.indices where result.status[r] == CSVTokens.ok {
                    counts[partition(result.idHashes[r])] += 1
                }
            }
            return counts
        }
        var starts = [[Int]](repeating: [Int](repeating: 0, count: partitions), count: groups)
        var partitionStart = [Int](repeating: 0, count: partitions + 1)
        var running = 0
        for p in 0..<partitions {
            partitionStart[p] = running
            for g in 0..<groups {
                starts[g][p] = running
                running += histograms[g][p]
            }
        }
        partitionStart[partitions] = running
        let hashBuilder = ColumnBufferBuilder<UInt64>(lazilyZeroedCount: total)
        let slotBuilder = ColumnBufferBuilder<Int64>(lazilyZeroedCount: total)
        let offsets = starts
        _ = parallelChunks(count: groups, chunkSize: 1, threads: threads) { g, _ in
            var next = offsets[g]
            for k in chunks(of: g) where results[k].processed {
                let result = results[k]
                let base = layout.chunks[k].firstSlot
                for r in result.status.indices where result.status[r] == CSVTokens.ok {
                    let h = result.idHashes[r]
                    let p = partition(h)
                    hashBuilder.set(next[p], h)
                    slotBuilder.set(next[p], Int64(base + r))
                    next[p] += 1
                }
            }
            return 0
        }
        let hashes = hashBuilder.finish()
        let slots = slotBuilder.finish()
        let bounds = partitionStart
        @Sendable func bytesEqual(_ a: Int, _ b: Int) -> Bool {
            let ka = IngestRun.chunkIndex(layout, slot: a)
            let kb = IngestRun.chunkIndex(layout, slot: b)
            let pa = results[ka].strings[idColumn]!
            let pb = results[kb].strings[idColumn]!
            let ra = pa.range(a - layout.chunks[ka].firstSlot)
            let rb = pb.range(b - layout.chunks[kb].firstSlot)
            guard ra.count == rb.count else { return false }
            for i in 0..<ra.count where pa.pool[ra.lowerBound + i] != pb.pool[rb.lowerBound + i] { return false }
            return true
        }
        let found = parallelChunks(count: partitions, chunkSize: 1, threads: threads) { p, _ in
            let range = bounds[p]..<bounds[p + 1]
            var repeats = [(Int, Int)]()
            guard range.count >= 2 else { return repeats }
            var capacity = 16
            while capacity < range.count * 2 { capacity *= 2 }
            let mask = capacity - 1
            var table = [Int32](repeating: -1, count: capacity)
            hashes.withSpan(in: range) { hs in
                slots.withSpan(in: range) { ss in
                    for e in 0..<range.count {
                        let h = hs[e]
                        var index = Int(truncatingIfNeeded: h) & mask
                        while true {
                            let other = table[index]
                            if other < 0 {
                                table[index] = Int32(e)
                                break
                            }
                            if hs[Int(other)] == h && bytesEqual(Int(ss[Int(other)]), Int(ss[e])) {
                                repeats.append((Int(ss[e]), Int(ss[Int(other)])))
                                break
                            }
                            index = (index + 1) & mask
                        }
                    }
                }
            }
            return repeats
        }
        return found.flatMap { $0 }.sorted { $0.0 < $1.0 }
    }

    /// Marks duplicate rows rejected and describes them.
    func describeDuplicates(
        _ duplicates: [(Int, Int)], _ results: inout [ChunkResult], _ layout: CSVLayout, idColumn: Int
    ) -> [RowReject] {
        // Lines of every record involved, found by counting line feeds once per chunk.
        var wanted = [Int: [Int]]()
        for (later, first) in duplicates {
            wanted[IngestRun.chunkIndex(layout, slot: later), default: []].append(later)
            wanted[IngestRun.chunkIndex(layout, slot: first), default: []].append(first)
        }
        var lineOf = [Int: Int]()
        for (k, slotList) in wanted {
            let chunk = layout.chunks[k]
            let starts = results[k].recordStart
            let records = Array(Set(slotList.map { $0 - chunk.firstSlot })).sorted()
            let lines = file.withBytes(in: chunk.range) { s in
                IngestReasons.lines(of: records, recordStart: starts, s, firstLine: chunk.firstLine)
            }
            for (record, line) in zip(records, lines) { lineOf[chunk.firstSlot + record] = line }
        }
        var rejects = [RowReject]()
        rejects.reserveCapacity(duplicates.count)
        let name = "loan_id"
        for (later, first) in duplicates {
            let k = IngestRun.chunkIndex(layout, slot: later)
            let chunk = layout.chunks[k]
            let r = later - chunk.firstSlot
            results[k].status[r] = CSVTokens.rejected
            let part = results[k].strings[idColumn]!
            let id = ByteText.display(Array(part.pool[part.range(r)]))
            rejects.append(
                RowReject(
                    slot: later, line: lineOf[later]!, offset: chunk.range.lowerBound + Int(results[k].recordStart[r]),
                    end: chunk.range.lowerBound + Int(results[k].recordStart[r + 1]), column: name, kind: .duplicateID,
                    reason: "duplicate loan_id '\(id)' (first seen on line \(lineOf[first]!))"))
        }
        return rejects
    }
}
