/// How one file column is typed and checked.
struct IngestColumn: Sendable {
    /// What each present value must satisfy.
    enum Rule: Sendable {
        /// No rule beyond the type (extra and inferred columns).
        case none
        /// A number in the range (inclusive).
        case number(ClosedRange<Double>)
        /// An integer in the range (inclusive).
        case integer(ClosedRange<Int64>)
        /// Text of at most this many UTF-8 bytes.
        case identifier(maxBytes: Int)
        /// One of a fixed set; the dictionary holds the set in this order.
        case oneOf([String])
    }

    let name: String
    let type: ColumnType
    /// Must every row hold a value? Optional columns get a validity bitmap when a value is missing.
    let required: Bool
    let rule: Rule
    /// True for columns whose type comes from scanning the file.
    let inferred: Bool
}

/// The columns of an ingest, in file order, with the positions of the columns that cross-row
/// and cross-column rules need.
struct IngestPlan: Sendable {
    var columns: [IngestColumn]
    var loanID: Int?
    var asOfDate: Int?
    var originationDate: Int?
    var termMonths: Int?
    var remainingMonths: Int?

    /// The plan for `header` under `schema`; inferred columns start as strings and get their type
    /// from ``CSVIngest`` after the inference scan.
    ///
    /// - Throws: ``StrataFrameError/input(file:reason:)`` for an empty or duplicate column name, a
    ///   name that is not UTF-8, or a missing required column.
    static func make(
        header: [[UInt8]], schema: IngestOptions.Schema, label: String
    ) throws(StrataFrameError)
        -> IngestPlan
    {
        var names = [String]()
        var seen = [String: Int]()
        for (i, bytes) in header.enumerated() {
            let span = bytes.span
            if ByteText.firstInvalidUTF8(span, 0, bytes.count) != nil || ByteText.firstNUL(span, 0, bytes.count) != nil
            {
                throw .input(file: label, reason: "bad header: column \(i + 1) name is not valid UTF-8 text")
            }
            let name = String(decoding: bytes, as: UTF8.self)
            if name.isEmpty { throw .input(file: label, reason: "bad header: column \(i + 1) has an empty name") }
            if let earlier = seen[name] {
                throw .input(
                    file: label, reason: "duplicate column name '\(name)' (columns \(earlier + 1) and \(i + 1))")
            }
            seen[name] = i
            names.append(name)
        }
        var plan = IngestPlan(columns: [])
        switch schema {
        case .inferred:
            plan.columns = names.map {
                IngestColumn(name: $0, type: .string, required: false, rule: .none, inferred: true)
            }
        case .loanTape:
            let missing = LoanTape.fields.filter { $0.required && seen[$0.name] == nil }.map(\.name)
            if !missing.isEmpty {
                let list = missing.map { "'\($0)'" }.joined(separator: ", ")
                throw .input(
                    file: label,
                    reason: "missing required column\(missing.count == 1 ? "" : "s") \(list) (LOAN_TAPE.md)")
            }
            for name in names {
                guard let field = LoanTape.field(named: name) else {
                    plan.columns.append(
                        IngestColumn(name: name, type: .string, required: false, rule: .none, inferred: true))
                    continue
                }
                let rule: IngestColumn.Rule
                switch field.rule {
                case .identifier(let maxBytes): rule = .identifier(maxBytes: maxBytes)
                case .date, .freeCategory: rule = .none
                case .oneOf(let values): rule = .oneOf(values)
                case .number(let range): rule = .number(range)
                case .integer(let range): rule = .integer(range)
                }
                plan.columns.append(
                    IngestColumn(name: name, type: field.type, required: field.required, rule: rule, inferred: false))
            }
            plan.loanID = seen["loan_id"]
            plan.asOfDate = seen["as_of_date"]
            plan.originationDate = seen["origination_date"]
            plan.termMonths = seen["term_months"]
            plan.remainingMonths = seen["remaining_months"]
        }
        return plan
    }

    /// The indices of the columns typed by scanning.
    var inferredColumns: [Int] { columns.indices.filter { columns[$0].inferred } }
}

/// What the inference scan learned about one column over the structurally sound records.
struct ColumnEvidence: Sendable {
    var anyValue = false
    var allInteger = true
    var allNumber = true
    var allDate = true
    /// Distinct values, up to ``CSVIngest/maxInferredCategories`` + 1.
    var distinct = ByteDictionary()
    var tooManyDistinct = false

    /// Folds in one non-empty value `s[lo..<hi]` (already unescaped when it was quoted).
    mutating func observe(_ s: Span<UInt8>, _ lo: Int, _ hi: Int) {
        anyValue = true
        if allInteger {
            var overflow = false
            if TextNumber.parseInt64(s, lo, hi, overflow: &overflow) == nil { allInteger = false }
        }
        if !allInteger && allNumber {
            if let v = TextNumber.parseDouble(s, lo, hi), v.isFinite {
            } else {
                allNumber = false
            }
        }
        if allDate {
            var shapeOK = false
            if TextNumber.parseDate(s, lo, hi, shapeOK: &shapeOK) == nil { allDate = false }
        }
        if !tooManyDistinct {
            _ = distinct.findOrInsert(s, lo, hi, ByteText.hash(s, lo, hi))
            if distinct.count > CSVIngest.maxInferredCategories { tooManyDistinct = true }
        }
    }

    /// Combines the evidence of the chunks, in chunk order.
    mutating func merge(_ other: ColumnEvidence) {
        anyValue = anyValue || other.anyValue
        allInteger = allInteger && other.allInteger
        allNumber = allNumber && other.allNumber
        allDate = allDate && other.allDate
        tooManyDistinct = tooManyDistinct || other.tooManyDistinct
        if !tooManyDistinct {
            let pool = other.distinct.pool
            let span = pool.span
            for code in 0..<other.distinct.count {
                let lo = code == 0 ? 0 : other.distinct.ends[code - 1]
                let hi = other.distinct.ends[code]
                _ = distinct.findOrInsert(span, lo, hi, ByteText.hash(span, lo, hi))
                if distinct.count > CSVIngest.maxInferredCategories {
                    tooManyDistinct = true
                    break
                }
            }
        }
    }

    /// The type the evidence calls for.
    var type: ColumnType {
        if !anyValue { return .string }
        if allInteger { return .int64 }
        if allNumber { return .float64 }
        if allDate { return .date }
        return tooManyDistinct ? .string : .category
    }
}
