import StrataFrame

/// A JSON value: what every `--json` flag of the CLI prints.
///
/// Objects keep their keys in insertion order (``JSONObject``), so output is deterministic and
/// reads in the order the code built it. Numbers are `Int` or `Double`; a non-finite `Double`
/// (NaN, ±infinity) renders as `null`, since JSON has no such numbers (RFC 8259, section 6).
///
/// Literals build values directly:
/// ```swift
/// let summary: JSONValue = ["loans": 1_000_000, "el": 1.25e7, "grades": ["A", "B"], "note": nil]
/// ```
public enum JSONValue: Sendable, Equatable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// An integer, printed exactly.
    case int(Int)
    /// A floating-point number, printed in its shortest round-trip form; non-finite prints `null`.
    case double(Double)
    /// A string, escaped on output.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object with ordered keys.
    case object(JSONObject)

    /// The value as compact JSON (no spaces or newlines).
    public var compactText: String { JSONWriter(pretty: false).string(self) }

    /// The value as pretty JSON (two-space indent, `"key": value`).
    public var prettyText: String { JSONWriter(pretty: true).string(self) }
}

/// A JSON object: key-value pairs in insertion order, keys unique.
public struct JSONObject: Sendable, Equatable, ExpressibleByDictionaryLiteral, RandomAccessCollection {
    /// The pairs, in order.
    public private(set) var members: [(key: String, value: JSONValue)]

    /// An empty object.
    public init() { members = [] }

    /// An object of `pairs` in their order.
    ///
    /// - Precondition: keys are unique.
    public init(_ pairs: [(String, JSONValue)]) {
        members = []
        members.reserveCapacity(pairs.count)
        for (key, value) in pairs {
            precondition(self[key] == nil, "duplicate JSON key '\(key)'")
            members.append((key, value))
        }
    }

    /// An object from a literal, keys in the literal's order.
    ///
    /// - Precondition: keys are unique.
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self.init(elements) }

    /// The keys, in order.
    public var keys: [String] { members.map(\.key) }

    /// The value of `key`; setting replaces it in place, or appends a new key at the end;
    /// setting nil removes the key.
    ///
    /// - Complexity: O(number of keys).
    public subscript(key: String) -> JSONValue? {
        get { members.first { $0.key == key }?.value }
        set {
            let index = members.firstIndex { $0.key == key }
            switch (index, newValue) {
            case (let i?, let value?): members[i].value = value
            case (let i?, nil): members.remove(at: i)
            case (nil, let value?): members.append((key, value))
            case (nil, nil): break
            }
        }
    }

    /// The position of the first pair.
    public var startIndex: Int { members.startIndex }
    /// The position past the last pair.
    public var endIndex: Int { members.endIndex }
    /// The pair at `position`.
    public subscript(position: Int) -> (key: String, value: JSONValue) { members[position] }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.members.count == rhs.members.count
            && zip(lhs.members, rhs.members).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    /// `null`.
    public init(nilLiteral: ()) { self = .null }
    /// A boolean.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// An integer.
    public init(integerLiteral value: Int) { self = .int(value) }
    /// A floating-point number.
    public init(floatLiteral value: Double) { self = .double(value) }
    /// A string.
    public init(stringLiteral value: String) { self = .string(value) }
    /// An array.
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    /// An object, keys in the literal's order.
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(JSONObject(elements)) }
}

extension JSONValue {
    /// `value` as a JSON string, or `null` when nil.
    public init(_ value: String?) { self = value.map(JSONValue.string) ?? .null }
    /// `value` as a JSON number, or `null` when nil (non-finite values print as `null` too).
    public init(_ value: Double?) { self = value.map(JSONValue.double) ?? .null }
    /// `value` as a JSON integer, or `null` when nil.
    public init(_ value: Int?) { self = value.map(JSONValue.int) ?? .null }
    /// `value` as a JSON boolean, or `null` when nil.
    public init(_ value: Bool?) { self = value.map(JSONValue.bool) ?? .null }
    /// An array of the values' JSON forms.
    public init(_ values: [Double]) { self = .array(values.map(JSONValue.double)) }
    /// An array of the values' JSON forms.
    public init(_ values: [Int]) { self = .array(values.map(JSONValue.int)) }
    /// An array of the values' JSON forms.
    public init(_ values: [String]) { self = .array(values.map(JSONValue.string)) }

    /// One cell of a column: `null` when missing, Float64 as a number, Int64 as an integer, a
    /// date as its `YYYY-MM-DD` string, category and string values as strings.
    public init(_ column: Column, row: Int) {
        guard column.isValid(row) else {
            self = .null
            return
        }
        switch column.values {
        case .float64(let values): self = .double(values[row])
        case .int64(let values): self = .int(Int(values[row]))
        case .date(let values): self = .string(CivilDate(daysSinceEpoch: values[row]).description)
        case .category(let category): self = .string(category.value(at: row))
        case .string(let strings): self = .string(strings.value(at: row))
        }
    }

    /// `table` as an array of row objects, keys in column order (see ``init(_:row:)`` for cells).
    ///
    /// For large tables, ``JSONWriter/write(table:to:)`` prints the same text without building
    /// the values.
    public init(table: Table) {
        var rows = [JSONValue]()
        rows.reserveCapacity(table.rowCount)
        for row in 0..<table.rowCount {
            var members = [(String, JSONValue)]()
            members.reserveCapacity(table.columns.count)
            for column in table.columns { members.append((column.name, JSONValue(column, row: row))) }
            rows.append(.object(JSONObject(uniqueKeys: members)))
        }
        self = .array(rows)
    }
}

extension JSONObject {
    /// An object of pairs whose keys are known to be unique (no check).
    init(uniqueKeys pairs: [(String, JSONValue)]) {
        members = pairs.map { (key: $0.0, value: $0.1) }
    }
}
