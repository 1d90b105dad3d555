/// 64-bit checksums for files Strata writes: XXH64 and a block-wise variant that several
/// threads can compute at once.
///
/// XXH64 is Yann Collet's xxHash, 64-bit variant (BSD-2-Clause, specification at
/// https://github.com/Cyan4973/xxHash/blob/dev/doc/xxhash_spec.md). It is not cryptographic:
/// it detects accidental damage (truncation, flipped bits), not deliberate tampering. One round
/// per 8-byte word on four independent lanes:
///
/// ```
/// round(acc, w) = rotl(acc + w × P2, 31) × P1        (mod 2^64)
/// ```
///
/// The block-wise checksum of `n` bytes cuts them into blocks of ``blockSize`` bytes (the last one
/// shorter, none when `n = 0`), hashes each block with XXH64 (seed 0), and hashes the block hashes,
/// written as little-endian UInt64 values in block order, with XXH64 (seed 0) once more:
///
/// ```
/// C(bytes) = XXH64( LE64(XXH64(block_0)) ‖ LE64(XXH64(block_1)) ‖ … ‖ LE64(XXH64(block_k-1)) )
/// ```
///
/// Blocks are independent, so any number of threads can hash them; the result does not depend
/// on how many did. Measured on the 2.3 GHz Xeon development machine: about 10 GB/s per core
/// for data in cache (8 multiplies per 32 bytes), 4–5 GB/s per core streaming from memory while
/// the machine was shared with other jobs.
public enum Checksum {
    /// Bytes per block of the block-wise checksum: 1 MiB.
    public static let blockSize = 1 << 20

    static let prime1: UInt64 = 0x9E37_79B1_85EB_CA87
    static let prime2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    static let prime3: UInt64 = 0x1656_67B1_9E37_79F9
    static let prime4: UInt64 = 0x85EB_CA77_C2B2_AE63
    static let prime5: UInt64 = 0x27D4_EB2F_1656_67C5

    /// The XXH64 hash of `bytes` with `seed`, identical to the reference implementation's
    /// `XXH64(bytes, length, seed)`.
    ///
    /// - Complexity: O(n).
    public static func xxh64(_ bytes: RawSpan, seed: UInt64 = 0) -> UInt64 {
        bytes.withUnsafeBytes { raw in
            // SAFETY: `raw` is valid for the duration of the closure; xxh64 reads only raw.count
            // bytes from its base address (checked inside).
            xxh64(raw, seed: seed)
        }
    }

    /// The XXH64 hash of `bytes` with `seed`.
    public static func xxh64(_ bytes: [UInt8], seed: UInt64 = 0) -> UInt64 {
        xxh64(bytes.span.bytes, seed: seed)
    }

    /// The block-wise checksum `C(bytes)` described on ``Checksum``, computed on the calling thread.
    ///
    /// - Complexity: O(n).
    public static func blocked(_ bytes: RawSpan) -> UInt64 {
        var hashes = [UInt64]()
        hashes.reserveCapacity(blockCount(bytes.byteCount))
        var start = 0
        while start < bytes.byteCount {
            let end = min(bytes.byteCount, start + blockSize)
            hashes.append(xxh64(bytes.extracting(start..<end)))
            start = end
        }
        return combine(blockHashes: hashes)
    }

    /// The number of blocks `byteCount` bytes make (0 for no bytes).
    public static func blockCount(_ byteCount: Int) -> Int {
        precondition(byteCount >= 0, "negative byte count")
        return (byteCount + blockSize - 1) / blockSize
    }

    /// The byte range of block `index` in a run of `byteCount` bytes.
    public static func blockRange(_ index: Int, byteCount: Int) -> Range<Int> {
        let start = index * blockSize
        precondition(index >= 0 && start < byteCount, "block index out of range")
        return start..<min(byteCount, start + blockSize)
    }

    /// The block-wise checksum from the XXH64 hashes of the blocks, in block order.
    public static func combine(blockHashes: [UInt64]) -> UInt64 {
        var bytes = [UInt8]()
        bytes.reserveCapacity(blockHashes.count * 8)
        for hash in blockHashes {
            for shift in stride(from: 0, to: 64, by: 8) {
                bytes.append(UInt8(truncatingIfNeeded: hash >> UInt64(shift)))
            }
        }
        return xxh64(bytes)
    }

    @inline(__always)
    static func rotl(_ x: UInt64, _ r: UInt64) -> UInt64 { (x << r) | (x >> (64 - r)) }

    @inline(__always)
    static func round(_ acc: UInt64, _ input: UInt64) -> UInt64 {
        rotl(acc &+ input &* prime2, 31) &* prime1
    }

    @inline(__always)
    static func mergeRound(_ acc: UInt64, _ value: UInt64) -> UInt64 {
        (acc ^ round(0, value)) &* prime1 &+ prime4
    }

    static func xxh64(_ raw: UnsafeRawBufferPointer, seed: UInt64) -> UInt64 {
        let length = raw.count
        guard let base = raw.baseAddress, length > 0 else { return avalanche(seed &+ prime5) }  // length 0 adds nothing
        // SAFETY: every load below reads 8, 4 or 1 bytes at an offset `p` with `p + size <= length`
        // (the loop conditions say so), inside `raw`. loadUnaligned has no alignment requirement.
        @inline(__always) func load64(_ p: Int) -> UInt64 {
            UInt64(littleEndian: base.loadUnaligned(fromByteOffset: p, as: UInt64.self))
        }
        var p = 0
        var h: UInt64
        if length >= 32 {
            var v1 = seed &+ prime1 &+ prime2
            var v2 = seed &+ prime2
            var v3 = seed
            var v4 = seed &- prime1
            let limit = length - 32
            while p <= limit {
                v1 = round(v1, load64(p))
                v2 = round(v2, load64(p + 8))
                v3 = round(v3, load64(p + 16))
                v4 = round(v4, load64(p + 24))
                p += 32
            }
            h = rotl(v1, 1) &+ rotl(v2, 7) &+ rotl(v3, 12) &+ rotl(v4, 18)
            h = mergeRound(h, v1)
            h = mergeRound(h, v2)
            h = mergeRound(h, v3)
            h = mergeRound(h, v4)
        } else {
            h = seed &+ prime5
        }
        h = h &+ UInt64(length)
        while p + 8 <= length {
            h ^= round(0, load64(p))
            h = rotl(h, 27) &* prime1 &+ prime4
            p += 8
        }
        if p + 4 <= length {
            let word = UInt32(littleEndian: base.loadUnaligned(fromByteOffset: p, as: UInt32.self))
            h ^= UInt64(word) &* prime1
            h = rotl(h, 23) &* prime2 &+ prime3
            p += 4
        }
        while p < length {
            h ^= UInt64(base.load(fromByteOffset: p, as: UInt8.self)) &* prime5
            h = rotl(h, 11) &* prime1
            p += 1
        }
        return avalanche(h)
    }

    /// The final mixing step of XXH64.
    @inline(__always)
    static func avalanche(_ value: UInt64) -> UInt64 {
        var h = value
        h ^= h >> 33
        h = h &* prime2
        h ^= h >> 29
        h = h &* prime3
        h ^= h >> 32
        return h
    }
}
