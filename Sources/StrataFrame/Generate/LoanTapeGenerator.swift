import StrataKernels

/// A synthetic loan tape: realistic, reproducible, fast to make.
///
/// The tape has exactly ``LoanTape/columnNames`` in that order, and every row satisfies every
/// rule of ``LoanTape`` (types and ranges, `origination_date <= as_of_date`,
/// `remaining_months <= term_months`, unique `loan_id`) plus the generator's own consistency rules:
/// credit cards have `credit_limit > balance` and `utilization = balance / credit_limit`,
/// amortising loans have `credit_limit = principal`, `days_past_due` above 90 only on loans with
/// `defaulted_12m = 1`, and `classification` at or worse than the floor its days past due set.
/// The model (latent borrower risk, products, the true default model) is documented in
/// docs/methodology/generator.md and datasets/README.md.
///
/// Reproducibility: rows are made in fixed chunks of ``defaultChunkSize`` rows, chunk `c` from
/// `RandomStream(seed: seed, stream: c)`, and written in chunk order, so the same arguments give
/// a byte-identical file for any thread count, on any run.
///
/// ```swift
/// let generator = LoanTapeGenerator(loans: 10_000, seed: 42, asOf: CivilDate(year: 2026, month: 6, day: 30)!)
/// try generator.write(to: "tape.csv")
/// ```
public struct LoanTapeGenerator: Sendable {
    /// Rows per random stream and per unit of parallel work: 64 Ki. Part of the output's definition:
    /// changing it changes every tape.
    public static let defaultChunkSize = 65_536

    /// Rows per chunk of this generator (``defaultChunkSize`` except in tests of the chunking itself).
    let chunkSize: Int

    /// The number of loans (rows).
    public let loans: Int
    /// The seed of the random streams.
    public let seed: UInt64
    /// The snapshot date written in `as_of_date` of every row.
    public let asOf: CivilDate

    /// Digits of the numeric part of `loan_id` and `customer_id` (at least 9).
    let idWidth: Int
    let tables: SamplerTables
    let asOfBytes: [UInt8]
    let productNames: [[UInt8]]
    let regionNames: [[UInt8]]
    let industryNames: [[UInt8]]
    let classificationNames: [[UInt8]]

    /// Upper bound on the bytes of one row (names, two ids, and at most
    /// ``FixedPointFormatter/maximumNumberBytes`` per number), used to keep room in the buffer.
    let maximumRowBytes: Int

    /// A generator of `loans` loans as of `asOf` drawn from `seed`.
    ///
    /// - Parameters:
    ///   - loans: the number of rows, at least 0.
    ///   - seed: selects the random streams; the same seed gives the same tape.
    ///   - asOf: the snapshot date; origination dates go back at most 180 months before it, so its
    ///     year must be at least 100.
    public init(loans: Int, seed: UInt64, asOf: CivilDate) {
        self.init(loans: loans, seed: seed, asOf: asOf, chunkSize: LoanTapeGenerator.defaultChunkSize)
    }

    /// A generator with another chunk size: a different tape, for fast tests of the chunking.
    init(loans: Int, seed: UInt64, asOf: CivilDate, chunkSize: Int) {
        precondition(loans >= 0, "the number of loans must not be negative")
        precondition(chunkSize > 0, "chunk size must be positive")
        precondition(asOf.year >= 100, "as-of date too early for origination dates")
        self.chunkSize = chunkSize
        self.loans = loans
        self.seed = seed
        self.asOf = asOf
        idWidth = max(9, FixedPointFormatter.digitCount(UInt64(loans)))
        tables = SamplerTables()
        asOfBytes = Array(asOf.description.utf8)
        productNames = LoanTape.products.map { Array($0.utf8) }
        regionNames = GeneratorProfile.regions.map { Array($0.name.utf8) }
        industryNames = GeneratorProfile.industries.map { Array($0.name.utf8) }
        classificationNames = LoanTape.classifications.map { Array($0.utf8) }
        let longestNames = [productNames, regionNames, industryNames, classificationNames].reduce(0) {
            $0 + $1.map(\.count).max()!
        }
        maximumRowBytes =
            2 * (idWidth + 1) + 2 * asOfBytes.count + longestNames + 17 * FixedPointFormatter.maximumNumberBytes
            + LoanTape.fields.count + 2
    }

    /// The header line: ``LoanTape/columnNames`` joined by commas, ending in a newline.
    public var headerBytes: [UInt8] {
        Array((LoanTape.columnNames.joined(separator: ",") + "\n").utf8)
    }

    /// Writes the whole tape (header and ``loans`` rows) to `path`, atomically: the file appears
    /// complete or not at all.
    ///
    /// Chunks are generated `2 × threads` at a time in parallel and appended in chunk order; one
    /// task of each batch writes the previous batch meanwhile. Memory stays at about 60 MB per
    /// thread (four chunks of about 15 MB in flight) whatever the size of the tape.
    ///
    /// - Parameters:
    ///   - path: the output file; an existing file is replaced.
    ///   - threads: worker threads (the output does not depend on it).
    /// - Throws: ``StrataFrameError/io(path:reason:)`` when the file cannot be created or written.
    /// - Complexity: O(loans).
    public func write(to path: String, threads: Int = Parallel.threadCount) throws(StrataFrameError) {
        precondition(threads >= 1, "threads must be at least 1")
        let output: OrderedOutput
        do {
            output = OrderedOutput(writer: try AtomicFileWriter(path: path))
        } catch {
            throw LoanTapeGenerator.frameError(error, path: path)
        }
        output.writer.write(headerBytes)
        let chunkCount = Parallel.chunkCount(loans, chunkSize: chunkSize)
        let chunksPerBatch = 2 * threads
        var firstChunk = 0
        while firstChunk < chunkCount && output.writer.failure == nil {
            let batchStart = firstChunk
            let batchEnd = min(chunkCount, firstChunk + chunksPerBatch)
            // Task 0 writes the previous batch while the other tasks make this one.
            let parts = parallelChunks(count: 1 + batchEnd - batchStart, chunkSize: 1, threads: threads) {
                task, _ -> [UInt8] in
                if task == 0 {
                    output.writePending()
                    return []
                }
                let chunk = batchStart + task - 1
                return self.chunkBytes(chunk: chunk, rows: self.chunkRange(chunk))
            }
            output.pending = Array(parts.dropFirst())
            firstChunk = batchEnd
        }
        output.writePending()
        do {
            // A generated tape is reproducible from its arguments: renamed into place whole, but
            // not fsynced (on this class of disk the fsync alone costs tens of seconds at 10M rows).
            try output.writer.commit(durable: false)
        } catch {
            throw LoanTapeGenerator.frameError(error, path: path)
        }
    }

    /// The CSV lines of `rows` (no header), exactly the bytes ``write(to:threads:)`` writes for
    /// them.
    ///
    /// Each chunk a range touches is generated from its first row (the rows before `rows` are drawn
    /// but not formatted), so any sub-range is cheap to check against the full file.
    ///
    /// - Complexity: O(rows.count + chunkSize).
    public func csvBytes(rows: Range<Int>) -> [UInt8] {
        precondition(rows.lowerBound >= 0 && rows.upperBound <= loans, "rows outside the tape")
        if rows.isEmpty { return [] }
        var result = [UInt8]()
        let firstChunk = rows.lowerBound / chunkSize
        let lastChunk = (rows.upperBound - 1) / chunkSize
        for chunk in firstChunk...lastChunk {
            let chunkRows = chunkRange(chunk)
            let wanted = max(rows.lowerBound, chunkRows.lowerBound)..<min(rows.upperBound, chunkRows.upperBound)
            result.append(contentsOf: chunkBytes(chunk: chunk, rows: wanted))
        }
        return result
    }

    // MARK: internals

    /// Calls `body` with the records of `rows` (for tests: they carry the true PD and latent risk).
    func forEachRecord(in rows: Range<Int>, _ body: (LoanRecord) -> Void) {
        precondition(rows.lowerBound >= 0 && rows.upperBound <= loans, "rows outside the tape")
        if rows.isEmpty { return }
        let firstChunk = rows.lowerBound / chunkSize
        let lastChunk = (rows.upperBound - 1) / chunkSize
        for chunk in firstChunk...lastChunk {
            let chunkRows = chunkRange(chunk)
            var sampler = LoanSampler(seed: seed, stream: UInt64(chunk), asOf: asOf, tables: tables)
            for row in chunkRows.lowerBound..<min(rows.upperBound, chunkRows.upperBound) {
                let record = sampler.next(row: row, first: row == chunkRows.lowerBound)
                if row >= rows.lowerBound { body(record) }
            }
        }
    }

    /// The rows of chunk `chunk`.
    func chunkRange(_ chunk: Int) -> Range<Int> { Parallel.chunkRange(chunk, count: loans, chunkSize: chunkSize) }

    /// The CSV lines of `rows`, which lie inside chunk `chunk`.
    func chunkBytes(chunk: Int, rows: Range<Int>) -> [UInt8] {
        let chunkRows = chunkRange(chunk)
        precondition(rows.lowerBound >= chunkRows.lowerBound && rows.upperBound <= chunkRows.upperBound)
        var sampler = LoanSampler(seed: seed, stream: UInt64(chunk), asOf: asOf, tables: tables)
        // About 176 bytes per row in practice; the buffer grows when a row might not fit.
        var buffer = [UInt8](repeating: 0, count: rows.count * 256 + maximumRowBytes)
        var position = 0
        for row in chunkRows.lowerBound..<rows.upperBound {
            let record = sampler.next(row: row, first: row == chunkRows.lowerBound)
            if row < rows.lowerBound { continue }
            if buffer.count - position < maximumRowBytes {
                buffer.append(contentsOf: repeatElement(0, count: buffer.count))
            }
            var span = buffer.mutableSpan
            writeRow(record, into: &span, at: &position)
        }
        buffer.removeLast(buffer.count - position)
        return buffer
    }

    /// Writes one CSV line (with its newline).
    @inline(__always)
    func writeRow(_ loan: LoanRecord, into out: inout MutableSpan<UInt8>, at position: inout Int) {
        typealias F = FixedPointFormatter
        let comma = UInt8(ascii: ",")
        out[position] = UInt8(ascii: "L")
        position += 1
        F.writeDigits(UInt64(loan.row + 1), width: idWidth, into: &out, at: &position)
        out[position] = comma
        out[position + 1] = UInt8(ascii: "C")
        position += 2
        F.writeDigits(UInt64(loan.customerRow + 1), width: idWidth, into: &out, at: &position)
        out[position] = comma
        position += 1
        F.writeBytes(asOfBytes, into: &out, at: &position)
        out[position] = comma
        position += 1
        F.writeDigits(UInt64(loan.originationYear), width: 4, into: &out, at: &position)
        out[position] = UInt8(ascii: "-")
        position += 1
        F.writeDigits(UInt64(loan.originationMonth), width: 2, into: &out, at: &position)
        out[position] = UInt8(ascii: "-")
        position += 1
        F.writeDigits(UInt64(loan.originationDay), width: 2, into: &out, at: &position)
        out[position] = comma
        position += 1
        F.writeBytes(productNames[loan.product], into: &out, at: &position)
        out[position] = comma
        position += 1
        F.writeBytes(regionNames[loan.region], into: &out, at: &position)
        out[position] = comma
        position += 1
        F.writeBytes(industryNames[loan.industry], into: &out, at: &position)
        out[position] = comma
        position += 1
        F.writeFixed(loan.principal, decimals: 2, into: &out, at: &position)
        out[position] = comma
        position += 1
        F.writeFixed(loan.balance, decimals: 2, into: &out, at: &position)
        out[position] = comma
        position += 1
        F.writeFixed(loan.creditLimit, decimals: 2, into: &out, at: &position)
        out[position] = comma
        position += 1
        F.writeFixed(loan.interestRate, decimals: 4, into: &out, at: &position)
        out[position] = comma
        position += 1
        F.writeInteger(loan.termMonths, into: &out, at: &position)
        out[position] = comma
        position += 1
        F.writeInteger(loan.remainingMonths, into: &out, at: &position)
        out[position] = comma
        position += 1
        F.writeFixed(loan.annualIncome, decimals: 2, into: &out, at: &position)
        out[position] = comma
        position += 1
        F.writeFixed(loan.debtToIncome, decimals: 4, into: &out, at: &position)
        out[position] = comma
        position += 1
        F.writeFixed(loan.employmentYears, decimals: 1, into: &out, at: &position)
        out[position] = comma
        position += 1
        F.writeInteger(loan.age, into: &out, at: &position)
        out[position] = comma
        position += 1
        F.writeInteger(loan.creditHistoryMonths, into: &out, at: &position)
        out[position] = comma
        position += 1
        F.writeInteger(loan.delinquencies2y, into: &out, at: &position)
        out[position] = comma
        position += 1
        F.writeInteger(loan.inquiries6m, into: &out, at: &position)
        out[position] = comma
        position += 1
        F.writeFixed(loan.utilization, decimals: 4, into: &out, at: &position)
        out[position] = comma
        position += 1
        F.writeFixed(loan.collateralValue, decimals: 2, into: &out, at: &position)
        out[position] = comma
        position += 1
        F.writeInteger(loan.daysPastDue, into: &out, at: &position)
        out[position] = comma
        position += 1
        F.writeBytes(classificationNames[loan.classification], into: &out, at: &position)
        out[position] = comma
        out[position + 1] = loan.defaulted ? UInt8(ascii: "1") : UInt8(ascii: "0")
        out[position + 2] = UInt8(ascii: "\n")
        position += 3
    }

    static func frameError(_ error: KernelError, path: String) -> StrataFrameError {
        switch error {
        case .io(let errorPath, let reason): return .io(path: errorPath, reason: reason)
        default: return .io(path: path, reason: error.description)
        }
    }
}

/// The output file and the chunks waiting to be written, handed between the batches of
/// ``LoanTapeGenerator/write(to:threads:)``.
private final class OrderedOutput: @unchecked Sendable {
    // SAFETY (Sendable): `writer` and `pending` are used by one thread at a time. Inside a batch
    // only task 0 touches them (`parallelChunks` hands each task index out once); between batches
    // only the calling thread does, after `parallelChunks` has returned (its fork-join orders the
    // accesses).
    let writer: AtomicFileWriter
    var pending: [[UInt8]] = []

    init(writer: AtomicFileWriter) { self.writer = writer }

    /// Appends the pending chunks, in order, and forgets them.
    func writePending() {
        for part in pending { writer.write(part) }
        pending = []
    }
}
