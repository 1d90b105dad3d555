import StrataKernels

/// Per-column statistics of a table, as `strata inspect` prints them.
public struct ColumnSummary: Sendable, Equatable {
    /// The column's name.
    public let name: String
    /// The column's type.
    public let type: ColumnType
    /// Rows without a value.
    public let missing: Int
    /// Smallest present value (numbers and dates; dates as days since 1970-01-01); nil when none.
    public let min: Double?
    /// Largest present value; nil when none.
    public let max: Double?
    /// Mean of present values (numbers and dates); nil when none.
    public let mean: Double?
    /// Distinct present values of a category column (its categories in use); nil for other types.
    public let distinct: Int?
    /// The most frequent categories with their counts, most frequent first (at most five).
    public let topValues: [(value: String, count: Int)]

    public static func == (lhs: ColumnSummary, rhs: ColumnSummary) -> Bool {
        lhs.name == rhs.name && lhs.type == rhs.type && lhs.missing == rhs.missing && lhs.min == rhs.min
            && lhs.max == rhs.max && lhs.mean == rhs.mean && lhs.distinct == rhs.distinct
            && lhs.topValues.map(\.value) == rhs.topValues.map(\.value)
            && lhs.topValues.map(\.count) == rhs.topValues.map(\.count)
    }
}

/// Partial statistics of one chunk: count, sum, min and max of the present values.
private struct Moments: Sendable {
    var count = 0
    var sum = 0.0
    var min = Double.infinity
    var max = -Double.infinity

    mutating func merge(_ other: Moments) {
        count += other.count
        sum += other.sum
        min = Swift.min(min, other.min)
        max = Swift.max(max, other.max)
    }
}

extension Table {
    /// Statistics of every column, computed over fixed row chunks in parallel and combined in
    /// chunk order (the same figures for any thread count).
    ///
    /// - Complexity: O(rows × columns).
    public func summaries(threads: Int = Parallel.threadCount) -> [ColumnSummary] {
        columns.map { summary(of: $0, threads: threads) }
    }

    private func summary(of column: Column, threads: Int) -> ColumnSummary {
        let validity = column.validity
        func moments<T: BitwiseCopyable>(
            _ buffer: ColumnBuffer<T>, _ value: @escaping @Sendable (T) -> Double
        )
            -> Moments
        {
            let parts = parallelChunks(count: buffer.count, threads: threads) { _, rows in
                var m = Moments()
                buffer.withSpan(in: rows) { span in
                    for i in span.indices where validity?.isValid(rows.lowerBound + i) ?? true {
                        let x = value(span[i])
                        m.count += 1
                        m.sum += x
                        if x < m.min { m.min = x }
                        if x > m.max { m.max = x }
                    }
                }
                return m
            }
            var total = Moments()
            for part in parts { total.merge(part) }
            return total
        }
        func numeric(_ m: Moments) -> ColumnSummary {
            ColumnSummary(
                name: column.name, type: column.type, missing: column.nullCount,
                min: m.count > 0 ? m.min : nil, max: m.count > 0 ? m.max : nil,
                mean: m.count > 0 ? m.sum / Double(m.count) : nil, distinct: nil, topValues: [])
        }
        switch column.values {
        case .float64(let buffer): return numeric(moments(buffer) { $0 })
        case .int64(let buffer): return numeric(moments(buffer) { Double($0) })
        case .date(let buffer): return numeric(moments(buffer) { Double($0) })
        case .category(let category):
            let size = category.dictionary.count
            let parts = parallelChunks(count: category.codes.count, threads: threads) { _, rows in
                var counts = [Int](repeating: 0, count: size)
                category.codes.withSpan(in: rows) { span in
                    for i in span.indices where validity?.isValid(rows.lowerBound + i) ?? true {
                        counts[Int(span[i])] += 1
                    }
                }
                return counts
            }
            var counts = [Int](repeating: 0, count: size)
            for part in parts { for i in 0..<size { counts[i] += part[i] } }
            let used = counts.indices.filter { counts[$0] > 0 }
            let top = used.sorted { counts[$0] != counts[$1] ? counts[$0] > counts[$1] : $0 < $1 }.prefix(5)
            return ColumnSummary(
                name: column.name, type: column.type, missing: column.nullCount, min: nil, max: nil, mean: nil,
                distinct: used.count, topValues: top.map { (category.dictionary[$0], counts[$0]) })
        case .string:
            return ColumnSummary(
                name: column.name, type: column.type, missing: column.nullCount, min: nil, max: nil, mean: nil,
                distinct: nil, topValues: [])
        }
    }
}
