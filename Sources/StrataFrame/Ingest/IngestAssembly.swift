import StrataKernels

extension IngestRun {
    /// Builds the table from the parsed chunks: merges category dictionaries in file order,
    /// compacts the accepted rows when some were rejected, gathers strings and packs validity.
    func assemble(
        _ plan: IngestPlan, _ sinks: (values: [ColumnSink], validity: [ColumnBufferBuilder<UInt8>?]),
        _ results: [ChunkResult], _ layout: CSVLayout
    ) throws(StrataFrameError) -> Table {
        let width = plan.columns.count
        // Runs of kept slots, in file order.
        var runs = [(start: Int, count: Int)]()
        var kept = 0
        var keptPerChunk = [Int](repeating: 0, count: results.count)
        for (k, result) in results.enumerated() {
            let base = layout.chunks[k].firstSlot
            for r in result.status.indices where result.status[r] == CSVTokens.ok {
                let slot = base + r
                if let last = runs.last, last.start + last.count == slot {
                    runs[runs.count - 1].count += 1
                } else {
                    runs.append((slot, 1))
                }
                kept += 1
                keptPerChunk[k] += 1
            }
        }
        let dictionaries = mergeCategories(plan, sinks, results, layout)
        let compactionNeeded = kept != layout.totalSlots
        let keptRuns = runs
        let total = layout.totalSlots
        let threads = self.threads
        if compactionNeeded {
            // One task per column (values and validity move together, each column on its own).
            _ = parallelChunks(count: width, chunkSize: 1, threads: threads) { j, _ in
                switch sinks.values[j] {
                case .float64(let b): compact(b, keptRuns, total)
                case .int64(let b): compact(b, keptRuns, total)
                case .date(let b): compact(b, keptRuns, total)
                case .category(let b): compact(b, keptRuns, total)
                case .string: break
                }
                if let v = sinks.validity[j] { compact(v, keptRuns, total) }
                return 0
            }
        }
        var columns = [Column]()
        columns.reserveCapacity(width)
        for j in 0..<width {
            let column = plan.columns[j]
            let validity = sinks.validity[j].flatMap { packValidity($0, count: kept) }
            let values: ColumnValues
            switch sinks.values[j] {
            case .float64(let b): values = .float64(b.finish(count: kept))
            case .int64(let b): values = .int64(b.finish(count: kept))
            case .date(let b): values = .date(b.finish(count: kept))
            case .category(let b):
                values = .category(CategoryValues(codes: b.finish(count: kept), dictionary: dictionaries[j] ?? []))
            case .string:
                values = .string(gatherStrings(column: j, results, layout, keptPerChunk: keptPerChunk, kept: kept))
            }
            columns.append(Column(name: column.name, values: values, validity: validity))
        }
        return try Table(columns: columns, rowCount: kept)
    }

    /// Category dictionaries: a fixed set keeps its canonical order (LOAN_TAPE.md); a free
    /// category numbers its values in order of first appearance among the accepted rows. Codes of
    /// free categories are rewritten from chunk-local to global codes in place.
    func mergeCategories(
        _ plan: IngestPlan, _ sinks: (values: [ColumnSink], validity: [ColumnBufferBuilder<UInt8>?]),
        _ results: [ChunkResult], _ layout: CSVLayout
    ) -> [[String]?] {
        let width = plan.columns.count
        var dictionaries = [[String]?](repeating: nil, count: width)
        var free = [Int]()
        for j in 0..<width {
            guard case .category = sinks.values[j] else { continue }
            if case .oneOf(let values) = plan.columns[j].rule {
                dictionaries[j] = values
            } else {
                free.append(j)
            }
        }
        guard !free.isEmpty else { return dictionaries }
        let freeColumns = free
        // Per chunk and free column: the local codes in order of first use by a kept row.
        let orders = parallelChunks(count: results.count, chunkSize: 1, threads: threads) { k, _ in
            let result = results[k]
            let chunk = layout.chunks[k]
            var perColumn = [[Int32]]()
            for j in freeColumns {
                var order = [Int32]()
                guard result.processed, chunk.records > 0, case .category(let codes) = sinks.values[j],
                    let dictionary = result.dictionaries[j]
                else {
                    perColumn.append(order)
                    continue
                }
                var seen = [Bool](repeating: false, count: dictionary.count)
                let slots = chunk.firstSlot..<(chunk.firstSlot + chunk.records)
                codes.withMutableSpan(in: slots) { c in
                    for r in 0..<chunk.records where result.status[r] == CSVTokens.ok {
                        if let v = sinks.validity[j], v.get(chunk.firstSlot + r) == 0 { continue }
                        let code = Int(c[r])
                        if !seen[code] {
                            seen[code] = true
                            order.append(Int32(code))
                        }
                    }
                }
                perColumn.append(order)
            }
            return perColumn
        }
        var remaps = [[[UInt32]]](repeating: [], count: results.count)
        for (i, j) in freeColumns.enumerated() {
            var global = ByteDictionary()
            for k in results.indices {
                guard let local = results[k].dictionaries.isEmpty ? nil : results[k].dictionaries[j] else {
                    remaps[k].append([])
                    continue
                }
                var remap = [UInt32](repeating: 0, count: local.count)
                let pool = local.pool
                let span = pool.span
                for code in orders[k][i] {
                    let c = Int(code)
                    let lo = c == 0 ? 0 : local.ends[c - 1]
                    let hi = local.ends[c]
                    remap[c] = UInt32(global.findOrInsert(span, lo, hi, ByteText.hash(span, lo, hi)))
                }
                remaps[k].append(remap)
            }
            dictionaries[j] = (0..<global.count).map { String(decoding: global.key($0), as: UTF8.self) }
        }
        let tables = remaps
        _ = parallelChunks(count: results.count, chunkSize: 1, threads: threads) { k, _ in
            let result = results[k]
            let chunk = layout.chunks[k]
            guard result.processed, chunk.records > 0 else { return 0 }
            let slots = chunk.firstSlot..<(chunk.firstSlot + chunk.records)
            for (i, j) in freeColumns.enumerated() {
                guard case .category(let codes) = sinks.values[j] else { continue }
                let remap = tables[k][i]
                codes.withMutableSpan(in: slots) { c in
                    for r in 0..<chunk.records where result.status[r] == CSVTokens.ok {
                        if let v = sinks.validity[j], v.get(chunk.firstSlot + r) == 0 { continue }
                        c[r] = remap[Int(c[r])]
                    }
                }
            }
            return 0
        }
        return dictionaries
    }

    /// The kept rows of string column `j`, back to back.
    func gatherStrings(
        column j: Int, _ results: [ChunkResult], _ layout: CSVLayout, keptPerChunk: [Int], kept: Int
    )
        -> StringValues
    {
        var rowBase = [Int](repeating: 0, count: results.count)
        var byteBase = [Int](repeating: 0, count: results.count)
        let byteCounts = parallelChunks(count: results.count, chunkSize: 1, threads: threads) { k, _ in
            let result = results[k]
            guard result.processed, let part = result.strings.isEmpty ? nil : result.strings[j] else { return 0 }
            var bytes = 0
            for r in result.status.indices where result.status[r] == CSVTokens.ok { bytes += part.range(r).count }
            return bytes
        }
        var rows = 0
        var bytes = 0
        for k in results.indices {
            rowBase[k] = rows
            byteBase[k] = bytes
            rows += keptPerChunk[k]
            bytes += byteCounts[k]
        }
        let offsets = ColumnBufferBuilder<Int64>(lazilyZeroedCount: kept + 1)
        let pool = ColumnBufferBuilder<UInt8>(lazilyZeroedCount: bytes)
        let rowStarts = rowBase
        let byteStarts = byteBase
        _ = parallelChunks(count: results.count, chunkSize: 1, threads: threads) { k, _ in
            let result = results[k]
            guard result.processed, keptPerChunk[k] > 0, let part = result.strings[j] else { return 0 }
            offsets.withMutableSpan(in: (rowStarts[k] + 1)..<(rowStarts[k] + 1 + keptPerChunk[k])) { o in
                pool.withMutableSpan(in: byteStarts[k]..<(byteStarts[k] + byteCounts[k])) { p in
                    var row = 0
                    var at = 0
                    let source = part.pool.span
                    if keptPerChunk[k] == result.status.count {
                        // Every row kept: the pool is the column's bytes for the chunk, in order.
                        for i in source.indices { p[i] = source[i] }
                        let base = Int64(byteStarts[k])
                        for r in 0..<keptPerChunk[k] { o[r] = base + Int64(part.ends[r]) }
                        return
                    }
                    for r in result.status.indices where result.status[r] == CSVTokens.ok {
                        let range = part.range(r)
                        for i in range { p[at &+ i &- range.lowerBound] = source[i] }
                        at += range.count
                        o[row] = Int64(byteStarts[k] + at)
                        row += 1
                    }
                }
            }
            return 0
        }
        return StringValues(offsets: offsets.finish(), bytes: pool.finish())
    }

    /// A validity bitmap over the first `count` flags, or nil when every row holds a value.
    func packValidity(_ flags: ColumnBufferBuilder<UInt8>, count: Int) -> ValidityBitmap? {
        let present = parallelChunks(count: count, threads: threads) { _, rows in
            flags.withMutableSpan(in: rows) { f in
                var n = 0
                for i in f.indices { n += Int(f[i]) }
                return n
            }
        }
        if present.reduce(0, +) == count { return nil }
        let bitmap = ValidityBitmap.Builder(count: count)
        // Chunks of the default size are multiples of 64 rows: each task owns whole words.
        _ = parallelChunks(count: count, threads: threads) { _, rows in
            bitmap.words.withMutableSpan(in: (rows.lowerBound / 64)..<((rows.upperBound + 63) / 64)) { words in
                flags.withMutableSpan(in: rows) { f in
                    var i = 0
                    while i < f.count {
                        var word: UInt64 = 0
                        var bit = 0
                        while bit < 64 && i < f.count {
                            if f[i] != 0 { word |= 1 << UInt64(bit) }
                            bit += 1
                            i += 1
                        }
                        words[(i - 1) / 64] = word
                    }
                }
            }
            return 0
        }
        return bitmap.finish()
    }
}

/// Moves the kept runs of `builder` down to the front, in order (destinations never pass their
/// sources, so a forward copy is safe).
func compact<T: BitwiseCopyable>(_ builder: ColumnBufferBuilder<T>, _ runs: [(start: Int, count: Int)], _ total: Int) {
    builder.withMutableSpan(in: 0..<total) { span in
        var to = 0
        for run in runs {
            if to != run.start {
                for i in 0..<run.count { span[to + i] = span[run.start + i] }
            }
            to += run.count
        }
    }
}
