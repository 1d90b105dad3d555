import StrataKernels

/// Rows of a table partitioned by the values of one or more category columns.
///
/// Each distinct combination of key values present in the table is a group with a dense id in
/// `0..<groupCount`. Groups are numbered in the order of their key codes (first key column
/// slowest), so the numbering depends on the data only, never on the thread count. A missing key
/// value forms its own group, shown as ``GroupBy/missingLabel``.
///
/// Aggregates (``counts()``, ``sums(_:)``) run over fixed row chunks in parallel and combine the
/// chunk partials in chunk order: bit-identical for any number of threads.
public struct GroupBy: Sendable {
    /// The label of a missing key value.
    public static let missingLabel = "(missing)"

    /// The key column names, in order.
    public let keyColumns: [String]
    /// The dense group id of every row.
    public let groupIDs: ColumnBuffer<UInt32>
    /// The number of groups present.
    public let groupCount: Int
    /// For every group, its key values as text, one per key column.
    public let keys: [[String]]
    /// Threads used by the aggregates.
    public let threads: Int

    /// Partitions `table` by the category columns `columns`.
    ///
    /// - Throws: ``StrataFrameError/columnNotFound(name:available:)`` for an unknown column and
    ///   ``StrataFrameError/typeMismatch(column:expected:actual:)`` for a column that is not a category.
    /// - Complexity: O(rows × keys), two parallel passes over the key codes.
    public init(_ table: Table, by columns: [String], threads: Int = Parallel.threadCount) throws(StrataFrameError) {
        precondition(!columns.isEmpty, "group-by needs at least one key column")
        var codes = [ColumnBuffer<UInt32>]()
        var validities = [ValidityBitmap?]()
        var dictionaries = [[String]]()
        for name in columns {
            let column = try table.column(named: name)
            guard case .category(let values) = column.values else {
                throw .typeMismatch(column: name, expected: .category, actual: column.type)
            }
            codes.append(values.codes)
            validities.append(column.validity)
            dictionaries.append(values.dictionary)
        }
        // Mixed-radix key: each column contributes (dictionary size + 1) values, the last one
        // standing for "missing".
        let radices = dictionaries.map { UInt64($0.count + 1) }
        var space: UInt64 = 1
        var overflow = false
        for radix in radices {
            let (product, didOverflow) = space.multipliedReportingOverflow(by: radix)
            overflow = overflow || didOverflow
            space = product
        }
        precondition(!overflow, "group key space exceeds 64 bits")
        let rowCount = table.rowCount
        let combined = ColumnBufferBuilder<UInt64>(count: rowCount)
        let keyCodes = codes
        let keyValidities = validities
        _ = parallelChunks(count: rowCount, threads: threads) { _, rows in
            combined.withMutableSpan(in: rows) { out in
                for i in out.indices { out[i] = 0 }
                for (k, codeBuffer) in keyCodes.enumerated() {
                    let radix = radices[k]
                    let missing = radix - 1
                    codeBuffer.withSpan(in: rows) { codeSpan in
                        if let validity = keyValidities[k] {
                            for i in out.indices {
                                let code = validity.isValid(rows.lowerBound + i) ? UInt64(codeSpan[i]) : missing
                                out[i] = out[i] &* radix &+ code
                            }
                        } else {
                            for i in out.indices { out[i] = out[i] &* radix &+ UInt64(codeSpan[i]) }
                        }
                    }
                }
            }
        }
        let combinedKeys = combined.finish()
        // Dense numbering of the keys present, in key order.
        let present: [UInt64]
        if space <= 1 << 24 {
            let size = Int(space)
            let partial = parallelChunks(count: rowCount, threads: threads) { _, rows in
                var seen = [Bool](repeating: false, count: size)
                combinedKeys.withSpan(in: rows) { span in
                    for i in span.indices { seen[Int(span[i])] = true }
                }
                return seen
            }
            var seen = [Bool](repeating: false, count: size)
            for part in partial { for i in 0..<size where part[i] { seen[i] = true } }
            present = (0..<size).compactMap { seen[$0] ? UInt64($0) : nil }
        } else {
            let partial = parallelChunks(count: rowCount, threads: threads) { _, rows in
                var seen = Set<UInt64>()
                combinedKeys.withSpan(in: rows) { span in
                    for i in span.indices { seen.insert(span[i]) }
                }
                return seen
            }
            var all = Set<UInt64>()
            for part in partial { all.formUnion(part) }
            present = all.sorted()
        }
        var denseOf = [UInt64: UInt32]()
        var lookup = [UInt32]()
        if space <= 1 << 24 {
            lookup = [UInt32](repeating: 0, count: Int(space))
            for (dense, key) in present.enumerated() { lookup[Int(key)] = UInt32(dense) }
        } else {
            for (dense, key) in present.enumerated() { denseOf[key] = UInt32(dense) }
        }
        let ids = ColumnBufferBuilder<UInt32>(count: rowCount)
        let directLookup = lookup
        let hashedLookup = denseOf
        _ = parallelChunks(count: rowCount, threads: threads) { _, rows in
            combinedKeys.withSpan(in: rows) { source in
                ids.withMutableSpan(in: rows) { out in
                    if !directLookup.isEmpty {
                        for i in source.indices { out[i] = directLookup[Int(source[i])] }
                    } else {
                        for i in source.indices { out[i] = hashedLookup[source[i]]! }
                    }
                }
            }
        }
        var keys = [[String]]()
        keys.reserveCapacity(present.count)
        for key in present {
            var rest = key
            var parts = [String](repeating: "", count: radices.count)
            for k in stride(from: radices.count - 1, through: 0, by: -1) {
                let code = Int(rest % radices[k])
                rest /= radices[k]
                parts[k] = code == dictionaries[k].count ? GroupBy.missingLabel : dictionaries[k][code]
            }
            keys.append(parts)
        }
        self.keyColumns = columns
        self.groupIDs = ids.finish()
        self.groupCount = present.count
        self.keys = keys
        self.threads = threads
    }

    /// The number of rows in each group.
    public func counts() -> [Int] {
        let groups = groupCount
        let ids = groupIDs
        if groups > Self.chunkedLimit { return countsByScan() }
        let partial = parallelChunks(count: ids.count, threads: threads) { _, rows in
            var local = [Int](repeating: 0, count: groups)
            ids.withSpan(in: rows) { span in for i in span.indices { local[Int(span[i])] += 1 } }
            return local
        }
        var total = [Int](repeating: 0, count: groups)
        for part in partial { for g in 0..<groups { total[g] += part[g] } }
        return total
    }

    /// The sum of each column of `values` in each group: `result[c][g]`. Rows where a column is
    /// missing (per its `validity`) are skipped for that column.
    ///
    /// Partials per fixed row chunk, combined in chunk order (bit-identical for any thread count).
    /// - Complexity: O(rows × columns).
    public func sums(_ values: [(values: ColumnBuffer<Double>, validity: ValidityBitmap?)]) -> [[Double]] {
        let groups = groupCount
        let ids = groupIDs
        for column in values { precondition(column.values.count == ids.count, "column length differs from group ids") }
        if groups > Self.chunkedLimit { return sumsByScan(values) }
        let partial = parallelChunks(count: ids.count, threads: threads) { _, rows in
            var local = [Double](repeating: 0, count: groups * values.count)
            ids.withSpan(in: rows) { idSpan in
                for (c, column) in values.enumerated() {
                    let base = c * groups
                    column.values.withSpan(in: rows) { x in
                        if let validity = column.validity {
                            for i in x.indices where validity.isValid(rows.lowerBound + i) {
                                local[base + Int(idSpan[i])] += x[i]
                            }
                        } else {
                            for i in x.indices { local[base + Int(idSpan[i])] += x[i] }
                        }
                    }
                }
            }
            return local
        }
        var total = [Double](repeating: 0, count: groups * values.count)
        for part in partial { for j in 0..<total.count { total[j] += part[j] } }
        return (0..<values.count).map { c in Array(total[(c * groups)..<((c + 1) * groups)]) }
    }

    /// Convenience: per-group sums of one column with no missing values.
    public func sums(_ values: ColumnBuffer<Double>) -> [Double] {
        sums([(values, nil)])[0]
    }

    /// Above this many groups, per-chunk partial arrays would cost more than they save; the
    /// aggregates then make one ordered pass over the rows instead (still deterministic).
    static let chunkedLimit = 1 << 16

    private func countsByScan() -> [Int] {
        var total = [Int](repeating: 0, count: groupCount)
        groupIDs.withSpan { span in for i in span.indices { total[Int(span[i])] += 1 } }
        return total
    }

    private func sumsByScan(_ values: [(values: ColumnBuffer<Double>, validity: ValidityBitmap?)]) -> [[Double]] {
        values.map { column in
            var total = [Double](repeating: 0, count: groupCount)
            groupIDs.withSpan { idSpan in
                column.values.withSpan { x in
                    for i in x.indices where column.validity?.isValid(i) ?? true { total[Int(idSpan[i])] += x[i] }
                }
            }
            return total
        }
    }
}
