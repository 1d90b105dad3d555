import StrataFrame
import StrataKernels

/// Dense ids for the distinct values of a string column (customer ids, loan ids), with lookups
/// of other strings.
///
/// Strings are hashed (FNV-1a over the UTF-8 bytes, with a final mix) and split by the top ten
/// bits of the hash into 1 024 shards (small enough for each table to stay in cache), built in parallel; each shard is an open-addressing table
/// whose hash matches are confirmed by comparing bytes, so distinct strings never share an id.
/// Ids are numbered shard by shard, in row order within a shard: the numbering depends on the
/// data only, never on the thread count. No `String` is made per row.
struct StringIndex: Sendable {
    static let shardBits = 10
    static var shardCount: Int { 1 << shardBits }

    /// The id of every row of the indexed column.
    let ids: ColumnBuffer<UInt32>
    /// The first row of each id.
    let firstRows: [Int]
    /// The indexed values.
    let values: StringValues
    private let shards: [Shard]
    private let shardOffsets: [Int]

    /// One shard's table: `slotIDs[slot]` is a local id + 1 (0: empty), `slotHashes[slot]` its hash.
    struct Shard: Sendable {
        let slotHashes: [UInt64]
        let slotIDs: [UInt32]
        let firstRows: [Int]
        var mask: Int { slotIDs.count - 1 }
    }

    /// The number of distinct values.
    var count: Int { firstRows.count }

    /// Indexes `values` with `threads` workers.
    init(_ values: StringValues, threads: Int = Parallel.threadCount) {
        self.values = values
        let n = values.count
        let hashes = ColumnBufferBuilder<UInt64>(uninitializedCount: n)
        _ = parallelChunks(count: n, threads: threads) { _, rows in
            values.offsets.withSpan(in: rows.lowerBound..<(rows.upperBound + 1)) { offsets in
                values.bytes.withSpan { bytes in
                    hashes.withMutableSpan(in: rows) { out in
                        for i in 0..<rows.count { out[i] = Self.hash(bytes, Int(offsets[i]), Int(offsets[i + 1])) }
                    }
                }
            }
        }
        let hashBuffer = hashes.finish()
        let shift = UInt64(64 - Self.shardBits)
        let shardCount = Self.shardCount
        // Rows grouped by shard (a counting sort, rows ascending within a shard), so each shard
        // visits only its own rows.
        let counts = parallelChunks(count: n, threads: threads) { _, rows in
            var local = [Int](repeating: 0, count: shardCount)
            hashBuffer.withSpan(in: rows) { hashSpan in
                for i in 0..<rows.count { local[Int(hashSpan[i] >> shift)] += 1 }
            }
            return local
        }
        var shardStarts = [Int](repeating: 0, count: shardCount + 1)
        for chunk in counts { for s in 0..<shardCount { shardStarts[s + 1] += chunk[s] } }
        for s in 0..<shardCount { shardStarts[s + 1] += shardStarts[s] }
        var chunkStarts = [[Int]]()
        var running = Array(shardStarts.prefix(shardCount))
        for chunk in counts {
            chunkStarts.append(running)
            for s in 0..<shardCount { running[s] += chunk[s] }
        }
        let starts = chunkStarts
        let byShardBuilder = ColumnBufferBuilder<UInt32>(uninitializedCount: n)
        let hashByShardBuilder = ColumnBufferBuilder<UInt64>(uninitializedCount: n)
        _ = parallelChunks(count: n, threads: threads) { chunk, rows in
            var next = starts[chunk]
            hashBuffer.withSpan(in: rows) { hashSpan in
                for i in 0..<rows.count {
                    let s = Int(hashSpan[i] >> shift)
                    byShardBuilder.set(next[s], UInt32(rows.lowerBound + i))
                    hashByShardBuilder.set(next[s], hashSpan[i])
                    next[s] += 1
                }
            }
        }
        let byShard = byShardBuilder.finish()
        let hashByShard = hashByShardBuilder.finish()
        let bounds = shardStarts
        let localIDs = ColumnBufferBuilder<UInt32>(uninitializedCount: n)
        let shards = parallelChunks(count: shardCount, chunkSize: 1, threads: threads) { shard, _ in
            let rowsInShard = bounds[shard + 1] - bounds[shard]
            var capacity = 16
            while capacity < 2 * rowsInShard { capacity <<= 1 }
            let mask = capacity - 1
            var slotHashes = [UInt64](repeating: 0, count: capacity)
            var slotIDs = [UInt32](repeating: 0, count: capacity)
            var firstRows = [Int]()
            firstRows.reserveCapacity(rowsInShard)
            values.offsets.withSpan { offsets in
                values.bytes.withSpan { bytes in
                    hashByShard.withSpan(in: bounds[shard]..<bounds[shard + 1]) { memberHashes in
                        byShard.withSpan(in: bounds[shard]..<bounds[shard + 1]) { members in
                            for m in 0..<members.count {
                                let row = Int(members[m])
                                let hash = memberHashes[m]
                                var slot = Int(truncatingIfNeeded: hash) & mask
                                while true {
                                    let id = slotIDs[slot]
                                    if id == 0 {
                                        firstRows.append(row)
                                        slotIDs[slot] = UInt32(firstRows.count)
                                        slotHashes[slot] = hash
                                        localIDs.set(row, UInt32(firstRows.count - 1))
                                        break
                                    }
                                    if slotHashes[slot] == hash {
                                        let other = firstRows[Int(id) - 1]
                                        let start = Int(offsets[row])
                                        let end = Int(offsets[row + 1])
                                        if Self.equal(bytes, start, end, Int(offsets[other]), Int(offsets[other + 1])) {
                                            localIDs.set(row, id - 1)
                                            break
                                        }
                                    }
                                    slot = (slot + 1) & mask
                                }
                            }
                        }
                    }
                }
            }
            return Shard(slotHashes: slotHashes, slotIDs: slotIDs, firstRows: firstRows)
        }
        var offsets = [Int]()
        var total = 0
        for shard in shards {
            offsets.append(total)
            total += shard.firstRows.count
        }
        let shardOffsets = offsets
        let local = localIDs.finish()
        let ids = ColumnBufferBuilder<UInt32>(uninitializedCount: n)
        _ = parallelChunks(count: n, threads: threads) { _, rows in
            hashBuffer.withSpan(in: rows) { hashSpan in
                local.withSpan(in: rows) { localSpan in
                    ids.withMutableSpan(in: rows) { out in
                        for i in 0..<rows.count {
                            out[i] = UInt32(shardOffsets[Int(hashSpan[i] >> shift)]) + localSpan[i]
                        }
                    }
                }
            }
        }
        self.ids = ids.finish()
        self.firstRows = shards.flatMap(\.firstRows)
        self.shards = shards
        self.shardOffsets = shardOffsets
    }

    /// For every row of `other`, the id of the equal value in this index, or -1.
    func lookup(_ other: StringValues, threads: Int = Parallel.threadCount) -> [Int32] {
        let result = ColumnBufferBuilder<Int32>(uninitializedCount: other.count)
        let shift = UInt64(64 - Self.shardBits)
        _ = parallelChunks(count: other.count, threads: threads) { _, rows in
            values.offsets.withSpan { offsets in
                values.bytes.withSpan { bytes in
                    other.offsets.withSpan { otherOffsets in
                        other.bytes.withSpan { otherBytes in
                            result.withMutableSpan(in: rows) { out in
                                for i in 0..<rows.count {
                                    let row = rows.lowerBound + i
                                    let start = Int(otherOffsets[row])
                                    let end = Int(otherOffsets[row + 1])
                                    let hash = Self.hash(otherBytes, start, end)
                                    let s = Int(hash >> shift)
                                    let shard = shards[s]
                                    var slot = Int(truncatingIfNeeded: hash) & shard.mask
                                    out[i] = -1
                                    while true {
                                        let id = shard.slotIDs[slot]
                                        if id == 0 { break }
                                        if shard.slotHashes[slot] == hash {
                                            let first = shard.firstRows[Int(id) - 1]
                                            if Self.equal(
                                                otherBytes, start, end, bytes, Int(offsets[first]),
                                                Int(offsets[first + 1]))
                                            {
                                                out[i] = Int32(shardOffsets[s] + Int(id) - 1)
                                                break
                                            }
                                        }
                                        slot = (slot + 1) & shard.mask
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return result.finish().array
    }

    /// The text of id `id`.
    func text(_ id: Int) -> String { values.value(at: firstRows[id]) }

    /// FNV-1a over `bytes[start..<end]`, with a final mix so that every bit of the result depends
    /// on every byte (the top bits pick the shard, the low bits the slot).
    @inline(__always)
    static func hash(_ bytes: Span<UInt8>, _ start: Int, _ end: Int) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for i in start..<end { h = (h ^ UInt64(bytes[i])) &* 0x0000_0100_0000_01b3 }
        h ^= h >> 33
        h = h &* 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        h = h &* 0xc4ce_b9fe_1a85_ec53
        h ^= h >> 33
        return h
    }

    @inline(__always)
    static func equal(_ bytes: Span<UInt8>, _ a: Int, _ aEnd: Int, _ b: Int, _ bEnd: Int) -> Bool {
        equal(bytes, a, aEnd, bytes, b, bEnd)
    }

    @inline(__always)
    static func equal(
        _ left: Span<UInt8>, _ a: Int, _ aEnd: Int, _ right: Span<UInt8>, _ b: Int, _ bEnd: Int
    ) -> Bool {
        if aEnd - a != bEnd - b { return false }
        var i = a
        var j = b
        while i < aEnd {
            if left[i] != right[j] { return false }
            i += 1
            j += 1
        }
        return true
    }
}
