import StrataKernels

/// The physical type of a column.
public enum ColumnType: String, Sendable, Codable, CaseIterable {
    /// 64-bit floating point: amounts, rates, ratios.
    case float64
    /// 64-bit signed integer: counts, months, days.
    case int64
    /// Days since 1970-01-01 as a 32-bit signed integer.
    case date
    /// Dictionary-encoded text of low cardinality: 32-bit codes into a dictionary of strings.
    case category
    /// Free text (identifiers): UTF-8 bytes with 64-bit offsets.
    case string
}

/// The codes and dictionary of a category column: row `i` is `dictionary[codes[i]]`.
public struct CategoryValues: Sendable, Equatable {
    /// One code per row, an index into `dictionary`.
    public let codes: ColumnBuffer<UInt32>
    /// The distinct values, in code order.
    public let dictionary: [String]

    /// Category values from codes and a dictionary; every code must index the dictionary.
    public init(codes: ColumnBuffer<UInt32>, dictionary: [String]) {
        self.codes = codes
        self.dictionary = dictionary
    }

    /// Encodes `values`, numbering categories in order of first appearance.
    public init(_ values: [String]) {
        var index = [String: UInt32]()
        var dictionary = [String]()
        var codes = [UInt32]()
        codes.reserveCapacity(values.count)
        for value in values {
            if let code = index[value] {
                codes.append(code)
            } else {
                let code = UInt32(dictionary.count)
                index[value] = code
                dictionary.append(value)
                codes.append(code)
            }
        }
        self.init(codes: ColumnBuffer(codes), dictionary: dictionary)
    }

    /// The value at `row`.
    public func value(at row: Int) -> String { dictionary[Int(codes[row])] }
}

/// Variable-length UTF-8 strings: row `i` is `bytes[offsets[i] ..< offsets[i + 1]]`.
public struct StringValues: Sendable, Equatable {
    /// `count + 1` offsets into `bytes`, non-decreasing, starting at 0.
    public let offsets: ColumnBuffer<Int64>
    /// The UTF-8 bytes of all rows, back to back.
    public let bytes: ColumnBuffer<UInt8>

    /// String values from offsets and bytes.
    public init(offsets: ColumnBuffer<Int64>, bytes: ColumnBuffer<UInt8>) {
        precondition(offsets.count >= 1, "offsets need a leading 0")
        self.offsets = offsets
        self.bytes = bytes
    }

    /// Stores `values` back to back.
    public init(_ values: [String]) {
        var offsets: [Int64] = [0]
        var bytes = [UInt8]()
        for value in values {
            bytes.append(contentsOf: value.utf8)
            offsets.append(Int64(bytes.count))
        }
        self.init(offsets: ColumnBuffer(offsets), bytes: ColumnBuffer(bytes))
    }

    /// The number of rows.
    public var count: Int { offsets.count - 1 }

    /// The byte range of `row` in ``bytes``.
    public func byteRange(at row: Int) -> Range<Int> { Int(offsets[row])..<Int(offsets[row + 1]) }

    /// The value at `row`.
    public func value(at row: Int) -> String {
        let range = byteRange(at: row)
        return bytes.withSpan(in: range) { span in
            String(unsafeUninitializedCapacity: span.count) { out in
                for i in span.indices { out[i] = span[i] }
                return span.count
            }
        }
    }
}

/// The values of a column, by type.
public enum ColumnValues: Sendable, Equatable {
    case float64(ColumnBuffer<Double>)
    case int64(ColumnBuffer<Int64>)
    case date(ColumnBuffer<Int32>)
    case category(CategoryValues)
    case string(StringValues)

    /// The column type these values have.
    public var type: ColumnType {
        switch self {
        case .float64: return .float64
        case .int64: return .int64
        case .date: return .date
        case .category: return .category
        case .string: return .string
        }
    }

    /// The number of rows.
    public var count: Int {
        switch self {
        case .float64(let b): return b.count
        case .int64(let b): return b.count
        case .date(let b): return b.count
        case .category(let c): return c.codes.count
        case .string(let s): return s.count
        }
    }
}

/// One named column of a ``Table``: contiguous values plus an optional validity bitmap.
///
/// Where `validity` is nil every row holds a value. Where a row is missing, the value stored for
/// it is zero bits (code 0, 0.0, empty string) and must not be read as data.
public struct Column: Sendable, Equatable {
    /// The column's name, unique within its table.
    public let name: String
    /// The values.
    public let values: ColumnValues
    /// Which rows hold a value; nil means all of them.
    public let validity: ValidityBitmap?

    /// A column named `name` holding `values`, with `validity` when some rows are missing.
    public init(name: String, values: ColumnValues, validity: ValidityBitmap? = nil) {
        precondition(validity == nil || validity!.count == values.count, "validity length differs from values")
        self.name = name
        self.values = values
        self.validity = validity
    }

    /// The physical type.
    public var type: ColumnType { values.type }
    /// The number of rows.
    public var count: Int { values.count }
    /// The number of missing rows.
    public var nullCount: Int { validity?.nullCount ?? 0 }

    /// True when row `index` holds a value.
    @inline(__always)
    public func isValid(_ index: Int) -> Bool { validity?.isValid(index) ?? true }

    /// The same values under another name.
    public func renamed(_ newName: String) -> Column { Column(name: newName, values: values, validity: validity) }

    /// A text rendering of row `index` as a CSV writer would print it (empty when missing):
    /// dates as YYYY-MM-DD, floats in the shortest form that reads back to the same value.
    public func text(at index: Int) -> String {
        guard isValid(index) else { return "" }
        switch values {
        case .float64(let b): return FloatText.shortest(b[index])
        case .int64(let b): return String(b[index])
        case .date(let b): return CivilDate(daysSinceEpoch: b[index]).description
        case .category(let c): return c.value(at: index)
        case .string(let s): return s.value(at: index)
        }
    }
}

/// Number formatting shared by writers.
public enum FloatText {
    /// The shortest decimal text that parses back to `value` exactly (Swift's description),
    /// without a trailing ".0" for whole numbers, so 12.0 prints as "12".
    public static func shortest(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return value.description
    }
}
