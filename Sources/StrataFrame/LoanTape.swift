/// The canonical loan tape: its columns, their types and the rules every row must satisfy.
///
/// This is LOAN_TAPE.md in code. Ingest checks every rule per row; the generator writes exactly
/// these columns in this order. Cross-column rules (checked by ingest as well):
/// `origination_date <= as_of_date`, `remaining_months <= term_months`, `loan_id` unique.
public enum LoanTape {
    /// The rule a single value must satisfy.
    public enum Rule: Sendable, Equatable {
        /// Text of 1 to `maxBytes` UTF-8 bytes.
        case identifier(maxBytes: Int)
        /// A valid YYYY-MM-DD date.
        case date
        /// One of a fixed set of values.
        case oneOf([String])
        /// Any non-empty text (a free category such as region or industry).
        case freeCategory
        /// A number in `range` (bounds inclusive).
        case number(ClosedRange<Double>)
        /// An integer in `range` (bounds inclusive).
        case integer(ClosedRange<Int64>)
    }

    /// One column of the tape.
    public struct Field: Sendable, Equatable {
        /// The exact column name.
        public let name: String
        /// The type the column gets in a ``Table``.
        public let type: ColumnType
        /// Whether the column must be present and every row must hold a value.
        public let required: Bool
        /// The rule each present value must satisfy.
        public let rule: Rule
    }

    /// The products a tape may hold.
    public static let products = ["mortgage", "consumer", "credit_card", "auto", "sme"]

    /// The five-category loan classification, best to worst.
    public static let classifications = ["normal", "special_mention", "substandard", "doubtful", "loss"]

    /// The canonical columns, in the canonical order.
    public static let fields: [Field] = [
        Field(name: "loan_id", type: .string, required: true, rule: .identifier(maxBytes: 64)),
        Field(name: "customer_id", type: .string, required: true, rule: .identifier(maxBytes: 64)),
        Field(name: "as_of_date", type: .date, required: true, rule: .date),
        Field(name: "origination_date", type: .date, required: true, rule: .date),
        Field(name: "product", type: .category, required: true, rule: .oneOf(products)),
        Field(name: "region", type: .category, required: true, rule: .freeCategory),
        Field(name: "industry", type: .category, required: true, rule: .freeCategory),
        Field(name: "principal", type: .float64, required: true, rule: .number(0...Double.greatestFiniteMagnitude)),
        Field(name: "balance", type: .float64, required: true, rule: .number(0...Double.greatestFiniteMagnitude)),
        Field(
            name: "credit_limit", type: .float64, required: true, rule: .number(0...Double.greatestFiniteMagnitude)),
        Field(name: "interest_rate", type: .float64, required: true, rule: .number(0...1)),
        Field(name: "term_months", type: .int64, required: true, rule: .integer(1...Int64.max)),
        Field(name: "remaining_months", type: .int64, required: true, rule: .integer(0...Int64.max)),
        Field(
            name: "annual_income", type: .float64, required: true, rule: .number(0...Double.greatestFiniteMagnitude)),
        Field(
            name: "debt_to_income", type: .float64, required: true, rule: .number(0...Double.greatestFiniteMagnitude)),
        Field(
            name: "employment_years", type: .float64, required: true,
            rule: .number(0...Double.greatestFiniteMagnitude)),
        Field(name: "age", type: .int64, required: true, rule: .integer(18...100)),
        Field(name: "credit_history_months", type: .int64, required: true, rule: .integer(0...Int64.max)),
        Field(name: "delinquencies_2y", type: .int64, required: true, rule: .integer(0...Int64.max)),
        Field(name: "inquiries_6m", type: .int64, required: true, rule: .integer(0...Int64.max)),
        Field(name: "utilization", type: .float64, required: true, rule: .number(0...Double.greatestFiniteMagnitude)),
        Field(
            name: "collateral_value", type: .float64, required: true,
            rule: .number(0...Double.greatestFiniteMagnitude)),
        Field(name: "days_past_due", type: .int64, required: true, rule: .integer(0...Int64.max)),
        Field(name: "classification", type: .category, required: true, rule: .oneOf(classifications)),
        Field(name: "defaulted_12m", type: .int64, required: false, rule: .integer(0...1)),
    ]

    /// The canonical column names, in order.
    public static var columnNames: [String] { fields.map(\.name) }

    /// The field named `name`, if it is a canonical column.
    public static func field(named name: String) -> Field? { fields.first { $0.name == name } }
}
