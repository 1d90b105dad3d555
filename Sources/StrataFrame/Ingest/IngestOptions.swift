import StrataKernels

/// How ``CSVIngest/ingest(path:options:)`` reads a CSV file.
public struct IngestOptions: Sendable {
    /// Which columns the file must have and how each column is typed and checked.
    public enum Schema: Sendable {
        /// The loan tape of LOAN_TAPE.md: the canonical columns get their ``LoanTape`` types and
        /// every rule is checked per row; extra columns are kept and typed by scanning the file
        /// (as in ``inferred``).
        case loanTape
        /// Any CSV: every column is typed by scanning the whole file. Int64 when every non-empty
        /// value is an integer, else Float64 when every one is a number, else Date when every one
        /// is `YYYY-MM-DD`, else Category when there are at most
        /// ``CSVIngest/maxInferredCategories`` distinct values, else String. Empty fields are
        /// missing; a column with no value at all is a String column with every row missing.
        case inferred
    }

    /// The schema; the loan tape by default.
    public var schema: Schema = .loanTape
    /// Where to write rejected rows. Nil: the first bad row (the lowest line) throws
    /// ``StrataFrameError/parse(file:line:column:reason:)``. Set: every bad row is written to this
    /// file unchanged (after the original header), its line, byte offset, column, error class and
    /// reason to `<rejectsPath>.errors.csv`, and ingest goes on with the good rows.
    public var rejectsPath: String? = nil
    /// With ``rejectsPath``: the largest allowed share of rejected rows (rejected / read). Above it
    /// ingest throws ``StrataFrameError/tooManyRejects(file:rejected:read:maxRate:)`` after writing
    /// the rejects files. 0 means any rejected row fails the ingest, 1 allows every row to fail.
    public var maxRejectRate: Double = 0
    /// Worker threads; the result is identical for every thread count.
    public var threads: Int = Parallel.threadCount
    /// Bytes per parse block: the file is cut into blocks of this size, each ending at the last
    /// record boundary inside it. An internal knob: the result does not depend on it, tests make
    /// it small to exercise many blocks.
    var chunkBytes: Int = 1 << 18

    /// Options for an ingest.
    ///
    /// - Parameters:
    ///   - schema: ``Schema/loanTape`` (default) or ``Schema/inferred``.
    ///   - rejectsPath: where rejected rows go; nil to fail on the first bad row.
    ///   - maxRejectRate: the largest share of rejected rows accepted when `rejectsPath` is set.
    ///   - threads: worker threads (default: ``Parallel/threadCount``).
    public init(
        schema: Schema = .loanTape, rejectsPath: String? = nil, maxRejectRate: Double = 0,
        threads: Int = Parallel.threadCount
    ) {
        precondition(threads >= 1, "threads must be at least 1")
        precondition(maxRejectRate >= 0 && maxRejectRate <= 1, "maxRejectRate must lie in 0...1")
        self.schema = schema
        self.rejectsPath = rejectsPath
        self.maxRejectRate = maxRejectRate
        self.threads = threads
    }
}

/// What an ingest produced: the table of accepted rows and the row counts.
///
/// `read == accepted + rejected` always holds. Blank lines (no bytes before the line end) are
/// not records and are not counted.
public struct IngestResult: Sendable {
    /// The accepted rows, columns in file order.
    public let table: Table
    /// Data records read (the header and blank lines excluded).
    public let read: Int
    /// Records that passed every check: the rows of ``table``.
    public let accepted: Int
    /// Records that failed a check.
    public let rejected: Int
    /// Rejected records per error class (``IngestErrorClass/rawValue``).
    public let rejectsByReason: [String: Int]
}

/// Why a record was rejected. The raw value is the name written to the rejects file and used as
/// the key of ``IngestResult/rejectsByReason``.
public enum IngestErrorClass: String, Sendable, CaseIterable, Comparable {
    /// The record has more or fewer fields than the header.
    case fieldCount = "field_count"
    /// Broken RFC 4180 quoting: an unterminated quoted field, a quote inside an unquoted field,
    /// or text after a closing quote.
    case badQuote = "bad_quote"
    /// A field contains a NUL byte.
    case nulByte = "nul_byte"
    /// A field is not valid UTF-8.
    case badUTF8 = "bad_utf8"
    /// A required field is empty.
    case missingValue = "missing_value"
    /// A decimal field is not a finite number in the strict grammar.
    case badNumber = "bad_number"
    /// An integer field is not an integer that fits in Int64.
    case badInteger = "bad_integer"
    /// A date field is not `YYYY-MM-DD` or names no real day.
    case badDate = "bad_date"
    /// A number lies outside its column's range.
    case outOfRange = "out_of_range"
    /// A category outside its fixed set (product, classification).
    case badCategory = "bad_category"
    /// An identifier longer than 64 bytes.
    case tooLong = "too_long"
    /// `origination_date` is after `as_of_date`.
    case dateOrder = "date_order"
    /// `remaining_months` is larger than `term_months`.
    case remainingExceedsTerm = "remaining_exceeds_term"
    /// A `loan_id` seen on an earlier accepted row.
    case duplicateID = "duplicate_id"

    /// Orders classes as declared (for stable listings).
    public static func < (lhs: IngestErrorClass, rhs: IngestErrorClass) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
