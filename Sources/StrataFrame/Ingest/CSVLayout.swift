import StrataKernels

/// The byte layout of a CSV file: its header and the cut of its body into chunks of whole records.
///
/// Record boundaries follow one rule everywhere (this scan, the tokenizer and the rejects
/// writer): a record ends at a line feed preceded by an even number of `"` counted from the start
/// of the body. Well-formed RFC 4180 fields always hold an even number of quotes, so the rule
/// agrees with a sequential RFC 4180 parser; for malformed quoting it still gives every byte to
/// exactly one record, whatever the chunking.
struct CSVLayout: Sendable {
    /// One chunk: the records that end inside one block of the body.
    struct Chunk: Sendable {
        /// Absolute byte range; starts at a record boundary, ends after a record's line end
        /// (or at the end of the file).
        let range: Range<Int>
        /// The 1-based physical line of the first byte of `range`.
        let firstLine: Int
        /// Records in the chunk, blank lines included: the chunk's row slots.
        let records: Int
        /// The first row slot of the chunk in the output columns.
        let firstSlot: Int
        /// True when the chunk holds a NUL byte or a byte >= 0x80, so text fields need checking.
        let hasSpecialBytes: Bool
    }

    /// The header's fields, unescaped.
    let headerFields: [[UInt8]]
    /// The header's raw bytes (after any byte order mark), line end included.
    let headerRange: Range<Int>
    /// The chunks, in file order, covering the body without gaps.
    let chunks: [Chunk]
    /// Record slots of all chunks.
    let totalSlots: Int

    /// Per-block statistics gathered in parallel; combined in block order they locate every
    /// record boundary whatever quote state a block starts in.
    struct BlockStats: Sendable {
        /// True when the block holds an odd number of `"`.
        var oddQuotes = false
        /// All line feeds in the block.
        var lineFeeds = 0
        /// Per parity of the quotes before it *within the block* (0 even, 1 odd): the number of
        /// line feeds, the offset of the last one, and the count of all line feeds up to and
        /// including that last one.
        var count = (0, 0)
        var last = (-1, -1)
        var upToLast = (0, 0)
        var special = false
    }

    /// Scans `file` and lays it out.
    ///
    /// - Throws: ``StrataFrameError/input(file:reason:)`` for an empty file, a bad header or a
    ///   file without data rows.
    static func scan(
        _ file: MappedFile, label: String, blockBytes: Int, threads: Int
    ) throws(StrataFrameError)
        -> CSVLayout
    {
        let size = file.byteCount
        let (header, bomLength) = try readHeader(of: file, label: label)
        let bodyStart = header.end
        guard header.endsWithLineFeed, bodyStart < size else {
            throw .input(file: label, reason: "no data rows: the file holds only a header")
        }
        let blocks = Blocks(body: bodyStart..<size, blockBytes: blockBytes)
        let stats = parallelChunks(count: blocks.count, chunkSize: 1, threads: threads) { block, _ in
            let range = blocks.range(block)
            file.prefetchPages(in: range)
            let stats = file.withBytes(in: range) { s in scanBlock(s) }
            file.releasePages(in: range)
            return stats
        }
        var cursor = Cursor(header: header, size: size)
        var chunks = [Chunk]()
        chunks.reserveCapacity(blocks.count)
        for block in 0..<blocks.count {
            chunks.append(try cursor.chunk(after: stats[block], of: blocks, block, label: label))
        }
        return CSVLayout(
            headerFields: header.fields, headerRange: bomLength..<header.end, chunks: chunks,
            totalSlots: cursor.slots)
    }

    /// The body of a file cut into blocks of a fixed size (the last one shorter).
    struct Blocks: Sendable {
        let body: Range<Int>
        let size: Int

        init(body: Range<Int>, blockBytes: Int) {
            self.body = body
            self.size = max(64, blockBytes)
        }

        var count: Int { (body.count + size - 1) / size }

        func range(_ block: Int) -> Range<Int> {
            let start = body.lowerBound + block * size
            return start..<min(body.upperBound, start + size)
        }
    }

    /// Turns block statistics, taken in block order, into chunks: the state carried from one
    /// block to the next (quote parity, line feeds, where the open chunk starts, row slots).
    struct Cursor: Sendable {
        let size: Int
        var odd = false
        var lineFeedsBefore: Int
        var chunkStart: Int
        var chunkLine: Int
        /// Row slots of the chunks so far.
        var slots = 0
        var special = false

        init(header: Header, size: Int) {
            self.size = size
            lineFeedsBefore = header.lineFeeds
            chunkStart = header.end
            chunkLine = 1 + header.lineFeeds
        }

        /// The chunk of `block`, whose statistics are `st`: the records that end inside it.
        ///
        /// - Throws: ``StrataFrameError/input(file:reason:)`` for a record of 2 GiB or more.
        mutating func chunk(
            after st: BlockStats, of blocks: Blocks, _ block: Int, label: String
        ) throws(StrataFrameError) -> Chunk {
            let blockStart = blocks.range(block).lowerBound
            let count = odd ? st.count.1 : st.count.0
            let last = odd ? st.last.1 : st.last.0
            let upTo = odd ? st.upToLast.1 : st.upToLast.0
            special = special || st.special
            var end = chunkStart
            var endLine = chunkLine
            var records = count
            if count > 0 {
                end = blockStart + last + 1
                endLine = 1 + lineFeedsBefore + upTo
            }
            if block == blocks.count - 1 {
                if end < size { records += 1 }
                end = size
            }
            if end - chunkStart >= Int(Int32.max) {
                throw .input(file: label, reason: "a record near line \(chunkLine) is longer than 2 GiB")
            }
            let chunk = Chunk(
                range: chunkStart..<end, firstLine: chunkLine, records: records, firstSlot: slots,
                hasSpecialBytes: special)
            slots += records
            if count > 0 || block == blocks.count - 1 {
                // The next chunk's bytes start here; its special flag starts with this block's
                // tail, which it shares.
                special = st.special
            }
            chunkStart = end
            chunkLine = endLine
            lineFeedsBefore += st.lineFeeds
            if st.oddQuotes { odd.toggle() }
            return chunk
        }
    }

    /// Counts quotes and line feeds of one block, per quote parity.
    ///
    /// A block without quotes only needs its line feeds counted (all at parity 0), 32 bytes at
    /// a time; a block holding a quote or a NUL byte goes to ``scanQuotedBlock(_:)``.
    static func scanBlock(_ s: Span<UInt8>) -> BlockStats {
        var any: UInt64 = 0
        let n = s.count
        // Fast path: a block without quotes has every line feed at parity 0. Blocks holding a
        // quote or a NUL go to ``scanQuotedBlock(_:)``. 32 bytes per step as four words in vector
        // registers; line feeds are counted per byte lane and summed before a lane can pass 255.
        var i = 0
        var marks = SWAR.Words()
        var bytes = SWAR.Words()
        var counts = SWAR.Words()
        var steps = 0
        var feeds = 0
        let quotes = SWAR.Words(repeating: SWAR.repeated(UInt8(ascii: "\"")))
        let lineFeedWords = SWAR.Words(repeating: SWAR.repeated(UInt8(ascii: "\n")))
        while i + 32 <= n {
            let v = s.bytes.unsafeLoadUnaligned(fromByteOffset: i, as: SWAR.Words.self)
            bytes |= v
            marks |= SWAR.hasZero(v ^ quotes) | SWAR.hasZero(v)
            counts &+= SWAR.zeroBytes(v ^ lineFeedWords) &>> 7
            i += 32
            steps += 1
            if steps & 31 == 0, marks != SWAR.Words() {
                // A quote or NUL in the first KiBs: the block goes to the quoted scan at once.
                return scanQuotedBlock(s)
            }
            if steps == 255 {
                feeds += SWAR.byteSum(counts)
                counts = SWAR.Words()
                steps = 0
            }
        }
        feeds += SWAR.byteSum(counts)
        any = bytes[0] | bytes[1] | bytes[2] | bytes[3]
        let quoteBits = marks[0] | marks[1] | marks[2] | marks[3]
        var tailQuote = false
        for k in i..<n {
            let b = s[k]
            if b == UInt8(ascii: "\"") || b == 0 { tailQuote = true }
            if b == UInt8(ascii: "\n") { feeds += 1 }
            any |= UInt64(b)
        }
        if quoteBits != 0 || tailQuote { return scanQuotedBlock(s) }
        var st = BlockStats()
        st.lineFeeds = feeds
        st.count = (feeds, 0)
        st.upToLast = (feeds, 0)
        if feeds > 0 {
            var k = n - 1
            while s[k] != UInt8(ascii: "\n") { k -= 1 }
            st.last = (k, -1)
        }
        st.special = any & SWAR.high != 0
        return st
    }

    /// ``scanBlock(_:)`` for a block holding quotes (or NUL bytes), 64 bytes at a time with bit
    /// masks (the approach of simdjson's stage 1, G. Langdale and D. Lemire, "Parsing gigabytes
    /// of JSON per second", VLDB Journal 28, 2019): a mask of the quotes and one of the line feeds
    /// per 64 bytes, the prefix XOR of the quote mask gives each byte's quote parity, and line
    /// feeds split by parity are counted with population counts. Parity 0 means an even number
    /// of quotes before the byte within the block.
    static func scanQuotedBlock(_ s: Span<UInt8>) -> BlockStats {
        let n = s.count
        var odd: UInt64 = 0  // all ones when the quotes so far in the block are odd
        var lineFeeds = 0
        var c0 = 0
        var c1 = 0
        var last0 = -1
        var last1 = -1
        var up0 = 0
        var up1 = 0
        var any: UInt64 = 0
        var nul: UInt64 = 0
        var i = 0
        while i < n {
            var quotes: UInt64 = 0
            var feeds: UInt64 = 0
            if i + 64 <= n {
                for w in 0..<8 {
                    let x = s.loadUInt64LE(at: i + 8 * w)
                    any |= x
                    nul |= SWAR.hasZero(x)
                    quotes |= SWAR.byteMask(SWAR.zeroBytes(x ^ SWAR.repeated(UInt8(ascii: "\"")))) << UInt64(8 * w)
                    feeds |= SWAR.byteMask(SWAR.zeroBytes(x ^ SWAR.repeated(UInt8(ascii: "\n")))) << UInt64(8 * w)
                }
            } else {
                for k in 0..<(n - i) {
                    let b = s[i + k]
                    any |= UInt64(b)
                    if b == 0 { nul = 1 }
                    if b == UInt8(ascii: "\"") { quotes |= 1 << UInt64(k) }
                    if b == UInt8(ascii: "\n") { feeds |= 1 << UInt64(k) }
                }
            }
            // Bit k: the parity of the quotes up to byte k of the block (a line feed is not a
            // quote, so "up to" and "before" agree on line feeds).
            var parity = quotes
            parity ^= parity << 1
            parity ^= parity << 2
            parity ^= parity << 4
            parity ^= parity << 8
            parity ^= parity << 16
            parity ^= parity << 32
            parity ^= odd
            let even = feeds & ~parity
            let oddFeeds = feeds & parity
            if even != 0 {
                let k = 63 - even.leadingZeroBitCount
                last0 = i + k
                up0 = lineFeeds + (feeds & SWAR.bitsUpTo(k)).nonzeroBitCount
            }
            if oddFeeds != 0 {
                let k = 63 - oddFeeds.leadingZeroBitCount
                last1 = i + k
                up1 = lineFeeds + (feeds & SWAR.bitsUpTo(k)).nonzeroBitCount
            }
            let feedCount = feeds.nonzeroBitCount
            let oddCount = oddFeeds.nonzeroBitCount
            c0 += feedCount - oddCount
            c1 += oddCount
            lineFeeds += feedCount
            if quotes.nonzeroBitCount & 1 == 1 { odd = ~odd }
            i += 64
        }
        var st = BlockStats()
        st.oddQuotes = odd != 0
        st.lineFeeds = lineFeeds
        st.count = (c0, c1)
        st.last = (last0, last1)
        st.upToLast = (up0, up1)
        st.special = any & SWAR.high != 0 || nul != 0
        return st
    }

    /// The header record: its unescaped fields, where it ends and how many line feeds it holds.
    struct Header {
        var fields: [[UInt8]]
        var end: Int
        var lineFeeds: Int
        var endsWithLineFeed: Bool
    }

    /// The header of `file`, after a UTF-8 byte order mark if there is one, and the mark's length.
    ///
    /// - Throws: ``StrataFrameError/input(file:reason:)`` for an empty file or a bad header.
    static func readHeader(of file: MappedFile, label: String) throws(StrataFrameError) -> (Header, bomLength: Int) {
        let size = file.byteCount
        let bomLength =
            size >= 3
                && file.withBytes(in: 0..<3) { s in s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF } ? 3 : 0
        guard size > bomLength else { throw .input(file: label, reason: "empty file: no header row") }
        let header = try file.withBytes { s throws(StrataFrameError) in
            try readHeader(s, from: bomLength, label: label)
        }
        return (header, bomLength)
    }

    static func readHeader(_ s: Span<UInt8>, from start: Int, label: String) throws(StrataFrameError) -> Header {
        var fields = [[UInt8]]()
        var field = [UInt8]()
        var i = start
        let n = s.count
        var lineFeeds = 0
        func fail(_ reason: String) -> StrataFrameError { .input(file: label, reason: "bad header: " + reason) }
        while true {
            field.removeAll()
            if i < n && s[i] == UInt8(ascii: "\"") {
                i += 1
                while true {
                    guard i < n else { throw fail("unterminated quoted column name") }
                    let b = s[i]
                    if b == UInt8(ascii: "\"") {
                        if i + 1 < n && s[i + 1] == UInt8(ascii: "\"") {
                            field.append(b)
                            i += 2
                            continue
                        }
                        i += 1
                        break
                    }
                    if b == UInt8(ascii: "\n") { lineFeeds += 1 }
                    field.append(b)
                    i += 1
                }
                if i < n && s[i] != UInt8(ascii: ",") && s[i] != UInt8(ascii: "\n")
                    && !(s[i] == UInt8(ascii: "\r") && (i + 1 == n || s[i + 1] == UInt8(ascii: "\n")))
                {
                    throw fail("text after the closing quote of column \(fields.count + 1)")
                }
            } else {
                while i < n {
                    let b = s[i]
                    if b == UInt8(ascii: ",") || b == UInt8(ascii: "\n") { break }
                    if b == UInt8(ascii: "\r") && (i + 1 == n || s[i + 1] == UInt8(ascii: "\n")) { break }
                    if b == UInt8(ascii: "\"") { throw fail("quote inside unquoted column name \(fields.count + 1)") }
                    field.append(b)
                    i += 1
                }
            }
            fields.append(field)
            if i < n && s[i] == UInt8(ascii: ",") {
                i += 1
                continue
            }
            break
        }
        var endsWithLineFeed = false
        if i < n && s[i] == UInt8(ascii: "\r") { i += 1 }
        if i < n && s[i] == UInt8(ascii: "\n") {
            i += 1
            lineFeeds += 1
            endsWithLineFeed = true
        }
        if fields.count == 1 && fields[0].isEmpty {
            throw .input(
                file: label, reason: i >= n ? "empty file: no header row" : "bad header: the first line is empty")
        }
        return Header(fields: fields, end: i, lineFeeds: lineFeeds, endsWithLineFeed: endsWithLineFeed)
    }
}

/// Eight-bytes-at-a-time byte tests on little-endian words (H. S. Warren, "Hacker's Delight",
/// 2nd ed., section 6-1; S. E. Anderson, "Bit Twiddling Hacks").
enum SWAR {
    static let ones: UInt64 = 0x0101_0101_0101_0101
    static let high: UInt64 = 0x8080_8080_8080_8080
    static let low: UInt64 = 0x7F7F_7F7F_7F7F_7F7F

    /// `b` in every byte.
    @inline(__always)
    static func repeated(_ b: UInt8) -> UInt64 { ones &* UInt64(b) }

    /// Nonzero exactly when some byte of `x` is zero.
    @inline(__always)
    static func hasZero(_ x: UInt64) -> UInt64 { (x &- ones) & ~x & high }

    /// 0x80 in exactly the bytes of `x` that are zero.
    @inline(__always)
    static func zeroBytes(_ x: UInt64) -> UInt64 { ~(((x & low) &+ low) | x) & high }

    /// The bits 7, 15, ..., 63 of `m` (as ``zeroBytes(_:)`` sets them) gathered into bits 0-7:
    /// one multiplication, since every (byte, multiplier byte) pair lands on a distinct bit.
    @inline(__always)
    static func byteMask(_ m: UInt64) -> UInt64 { ((m >> 7) &* 0x0102_0408_1020_4080) >> 56 }

    /// Bits 0 through `k` set (k in 0...63).
    @inline(__always)
    static func bitsUpTo(_ k: Int) -> UInt64 { k == 63 ? UInt64.max : (1 << UInt64(k + 1)) &- 1 }

    /// Four words, 32 bytes, processed together in vector registers.
    typealias Words = SIMD4<UInt64>

    /// ``hasZero(_:)`` per word.
    @inline(__always)
    static func hasZero(_ x: Words) -> Words { (x &- Words(repeating: ones)) & ~x & Words(repeating: high) }

    /// ``zeroBytes(_:)`` per word.
    @inline(__always)
    static func zeroBytes(_ x: Words) -> Words {
        let low = Words(repeating: SWAR.low)
        return ~(((x & low) &+ low) | x) & Words(repeating: high)
    }

    /// The sum of all 32 bytes of `x`.
    @inline(__always)
    static func byteSum(_ x: Words) -> Int {
        let evenBytes = Words(repeating: 0x00FF_00FF_00FF_00FF)
        let pairs = (x & evenBytes) &+ ((x &>> 8) & evenBytes)
        let sums = (pairs &* Words(repeating: 0x0001_0001_0001_0001)) &>> 48
        return Int(sums[0] &+ sums[1] &+ sums[2] &+ sums[3])
    }

    /// Nonzero when some byte of `x` is below `n` (n <= 128); the lowest set bit marks the first
    /// such byte exactly (bits above it may be spurious).
    @inline(__always)
    static func firstBelow(_ x: UInt64, _ n: UInt8) -> UInt64 { (x &- repeated(n)) & ~x & high }
}
