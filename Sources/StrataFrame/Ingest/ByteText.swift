import StrataKernels

/// Byte-level text helpers of the ingest: hashing, UTF-8 validation and display of raw fields.
enum ByteText {
    /// A 64-bit hash of `s[lo..<hi]`: 8-byte words folded with multiply-xorshift steps and a
    /// final avalanche (the finaliser of SplitMix64). Not cryptographic; equal keys are always
    /// confirmed byte by byte.
    @inline(__always)
    static func hash(_ s: Span<UInt8>, _ lo: Int, _ hi: Int) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 &* UInt64(truncatingIfNeeded: hi - lo &+ 1)
        var i = lo
        while i + 8 <= hi {
            h = (h ^ s.loadUInt64LE(at: i)) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 31
            i += 8
        }
        var tail: UInt64 = 0
        let rest = hi - i
        if rest > 0 {
            if i + 8 <= s.count {
                tail = s.loadUInt64LE(at: i) & (UInt64.max >> UInt64(64 - 8 * rest))
            } else {
                var shift: UInt64 = 0
                while i < hi {
                    tail |= UInt64(s[i]) << shift
                    shift += 8
                    i += 1
                }
            }
        }
        h = (h ^ tail) &* 0x94D0_49BB_1331_11EB
        h ^= h >> 30
        h = h &* 0xBF58_476D_1CE4_E5B9
        h ^= h >> 27
        h = h &* 0x94D0_49BB_1331_11EB
        return h ^ (h >> 31)
    }

    /// The offset (from `lo`) of the first byte where `s[lo..<hi]` stops being valid UTF-8
    /// (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF), or nil when valid.
    static func firstInvalidUTF8(_ s: Span<UInt8>, _ lo: Int, _ hi: Int) -> Int? {
        var i = lo
        while i < hi {
            let b0 = s[i]
            if b0 < 0x80 {
                i += 1
                continue
            }
            var need = 0
            var min1: UInt8 = 0x80
            var max1: UInt8 = 0xBF
            switch b0 {
            case 0xC2...0xDF: need = 1
            case 0xE0:
                need = 2
                min1 = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: need = 2
            case 0xED:
                need = 2
                max1 = 0x9F
            case 0xF0:
                need = 3
                min1 = 0x90
            case 0xF1...0xF3: need = 3
            case 0xF4:
                need = 3
                max1 = 0x8F
            default: return i - lo
            }
            guard i + need < hi else { return i - lo }
            let b1 = s[i + 1]
            if b1 < min1 || b1 > max1 { return i - lo }
            var k = 2
            while k <= need {
                let b = s[i + k]
                if b < 0x80 || b > 0xBF { return i - lo }
                k += 1
            }
            i += need + 1
        }
        return nil
    }

    /// The offset of the first NUL byte in `s[lo..<hi]`, or nil.
    static func firstNUL(_ s: Span<UInt8>, _ lo: Int, _ hi: Int) -> Int? {
        var i = lo
        while i < hi {
            if s[i] == 0 { return i - lo }
            i += 1
        }
        return nil
    }

    /// Copies the content of a quoted field with `""` escapes into `out`, one `"` per pair.
    static func unescape(_ s: Span<UInt8>, _ lo: Int, _ hi: Int, into out: inout [UInt8]) {
        out.removeAll(keepingCapacity: true)
        var i = lo
        while i < hi {
            let b = s[i]
            out.append(b)
            i += b == UInt8(ascii: "\"") ? 2 : 1
        }
    }

    /// A short, printable rendering of raw field bytes for an error message: at most `limit`
    /// bytes, control characters and bytes that are not valid UTF-8 written as `\xNN`.
    static func display(_ bytes: [UInt8], limit: Int = 60) -> String {
        var text = ""
        let shown = Array(bytes.prefix(limit))
        let span = shown.span
        var k = 0
        while k < shown.count {
            let b = shown[k]
            if b >= 0x20 && b < 0x7F {
                text.unicodeScalars.append(Unicode.Scalar(b))
                k += 1
                continue
            }
            if b >= 0x80 {
                // A valid multi-byte sequence is shown as its character.
                let length = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2
                if k + length <= shown.count, firstInvalidUTF8(span, k, k + length) == nil {
                    text += String(decoding: shown[k..<(k + length)], as: UTF8.self)
                    k += length
                    continue
                }
            }
            text += "\\x" + hexByte(b)
            k += 1
        }
        if bytes.count > limit { text += "..." }
        return text
    }

    static func hexByte(_ b: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String(digits[Int(b >> 4)]) + String(digits[Int(b & 15)])
    }
}

/// A fast index in front of a ``ByteDictionary`` for values of at most 32 bytes, which is what
/// category values nearly always are (`consumer`, `Jiangsu`, `information_technology`).
///
/// Such a value is read as four little-endian words with the bytes past its end cleared; with its
/// length they identify it exactly, so a lookup is one multiply-shift hash and a compare of four
/// words and a length, instead of a byte-wise hash and a byte compare (measured with callgrind on
/// the loan tape: about 230 instructions per value through the dictionary alone). It only
/// remembers codes the dictionary gave, so codes and their order are the dictionary's.
struct ShortKeyIndex {
    /// A value as words: `bytes` 0-7, 8-15, 16-23, 24-31, zero past the value's end.
    struct Key: Equatable {
        var w0: UInt64
        var w1: UInt64
        var w2: UInt64
        var w3: UInt64
        var length: Int
    }

    private var keys = [Key](repeating: Key(w0: 0, w1: 0, w2: 0, w3: 0, length: 0), count: 64)
    /// Per slot: the code + 1, or 0 for an empty slot.
    private var codes = [Int32](repeating: 0, count: 64)
    private var shift: UInt64 = 58
    private var used = 0

    /// The longest value the index takes.
    static let maxLength = 32

    /// For each length 0...32, the masks of the four words that keep the value's bytes: looked
    /// up rather than computed, since value lengths vary at random and branches on them would be
    /// mispredicted.
    static let masks: [UInt64] = (0...maxLength).flatMap { length in
        (0..<4).map { k -> UInt64 in
            let bytes = min(max(length - 8 * k, 0), 8)
            return bytes == 8 ? UInt64.max : (1 << UInt64(bytes * 8)) - 1
        }
    }

    /// The key of `s[lo..<hi]`: at most ``maxLength`` bytes, with 32 bytes readable from `lo`.
    /// `masks` is ``masks`` (fetched once per column by the caller).
    @inline(__always)
    static func key(_ s: Span<UInt8>, _ lo: Int, _ hi: Int, masks: Span<UInt64>) -> Key {
        let length = hi &- lo
        let m = length &* 4
        return Key(
            w0: s.loadUInt64LE(at: lo) & masks[m], w1: s.loadUInt64LE(at: lo &+ 8) & masks[m &+ 1],
            w2: s.loadUInt64LE(at: lo &+ 16) & masks[m &+ 2], w3: s.loadUInt64LE(at: lo &+ 24) & masks[m &+ 3],
            length: length)
    }

    @inline(__always)
    private func slot(_ key: Key) -> Int {
        let mixed = key.w0 ^ (key.w1 &* 0x9E37_79B9_7F4A_7C15) ^ (key.w2 &* 0xC2B2_AE3D_27D4_EB4F) ^ key.w3
        let h = (mixed ^ UInt64(truncatingIfNeeded: key.length)) &* 0xBF58_476D_1CE4_E5B9
        return Int(truncatingIfNeeded: h &>> shift)
    }

    /// The code remembered for `key`, or nil.
    @inline(__always)
    func code(_ key: Key) -> Int32? {
        let mask = codes.count &- 1
        var i = slot(key)
        while true {
            let code = codes[i]
            if code == 0 { return nil }
            if keys[i] == key { return code &- 1 }
            i = (i &+ 1) & mask
        }
    }

    /// Remembers `code` for `key` (not yet remembered).
    mutating func remember(_ key: Key, code: Int32) {
        if (used + 1) * 2 > codes.count { grow() }
        insert(key, code + 1)
        used += 1
    }

    private mutating func insert(_ key: Key, _ tag: Int32) {
        let mask = codes.count - 1
        var i = slot(key)
        while codes[i] != 0 { i = (i + 1) & mask }
        keys[i] = key
        codes[i] = tag
    }

    private mutating func grow() {
        let oldKeys = keys
        let oldCodes = codes
        keys = [Key](repeating: Key(w0: 0, w1: 0, w2: 0, w3: 0, length: 0), count: oldCodes.count * 2)
        codes = [Int32](repeating: 0, count: oldCodes.count * 2)
        shift -= 1
        for i in oldCodes.indices where oldCodes[i] != 0 { insert(oldKeys[i], oldCodes[i]) }
    }
}

/// A small open-addressing hash table from byte strings to dense codes 0, 1, 2, ... in order of
/// insertion: the per-chunk dictionary of a category column.
///
/// Keys live back to back in `pool`; a lookup hashes the bytes, probes linearly and confirms a
/// match by comparing bytes, so hash collisions never merge two values.
struct ByteDictionary: Sendable {
    /// The keys' bytes, back to back, in code order.
    private(set) var pool: [UInt8] = []
    /// `ends[c]` is the end of key `c` in `pool`; it starts where key `c - 1` ends.
    private(set) var ends: [Int] = []
    private var hashes: [UInt64] = []
    private var slots: [Int32]
    private var mask: Int

    /// An empty dictionary.
    init() {
        slots = [Int32](repeating: -1, count: 16)
        mask = 15
    }

    /// A dictionary holding `values` as codes 0, 1, ... in order.
    init(values: [String]) {
        self.init()
        for value in values {
            let bytes = Array(value.utf8)
            let span = bytes.span
            _ = findOrInsert(span, 0, bytes.count, ByteText.hash(span, 0, bytes.count))
        }
    }

    /// The number of keys.
    var count: Int { ends.count }

    /// The bytes of key `code`.
    func key(_ code: Int) -> ArraySlice<UInt8> {
        pool[(code == 0 ? 0 : ends[code - 1])..<ends[code]]
    }

    /// The code of `s[lo..<hi]` (whose hash is `h`), or nil when absent.
    @inline(__always)
    func find(_ s: Span<UInt8>, _ lo: Int, _ hi: Int, _ h: UInt64) -> Int32? {
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let code = slots[slot]
            if code < 0 { return nil }
            if hashes[Int(code)] == h && equals(Int(code), s, lo, hi) { return code }
            slot = (slot + 1) & mask
        }
    }

    /// The code of `s[lo..<hi]`, inserting it as the next code when absent.
    @inline(__always)
    mutating func findOrInsert(_ s: Span<UInt8>, _ lo: Int, _ hi: Int, _ h: UInt64) -> Int32 {
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let code = slots[slot]
            if code < 0 { break }
            if hashes[Int(code)] == h && equals(Int(code), s, lo, hi) { return code }
            slot = (slot + 1) & mask
        }
        let code = Int32(ends.count)
        for i in lo..<hi { pool.append(s[i]) }
        ends.append(pool.count)
        hashes.append(h)
        slots[slot] = code
        if ends.count * 2 > mask + 1 { grow() }
        return code
    }

    @inline(__always)
    private func equals(_ code: Int, _ s: Span<UInt8>, _ lo: Int, _ hi: Int) -> Bool {
        let start = code == 0 ? 0 : ends[code - 1]
        let end = ends[code]
        let length = hi - lo
        guard end - start == length else { return false }
        let p = pool.span
        var i = 0
        while i + 8 <= length {
            if p.loadUInt64LE(at: start + i) != s.loadUInt64LE(at: lo + i) { return false }
            i += 8
        }
        let rest = length - i
        if rest > 0 && start + i + 8 <= p.count && lo + i + 8 <= s.count {
            let mask = UInt64.max >> UInt64(64 - 8 * rest)
            return (p.loadUInt64LE(at: start + i) ^ s.loadUInt64LE(at: lo + i)) & mask == 0
        }
        while i < length {
            if p[start + i] != s[lo + i] { return false }
            i += 1
        }
        return true
    }

    private mutating func grow() {
        let size = (mask + 1) * 2
        mask = size - 1
        slots = [Int32](repeating: -1, count: size)
        for code in 0..<hashes.count {
            var slot = Int(truncatingIfNeeded: hashes[code]) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(code)
        }
    }
}
