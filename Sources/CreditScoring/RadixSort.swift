/// Sorting of `Double` arrays by least-significant-digit radix sort, for the exact quantiles of
/// binning and the rank statistics of the metrics.
///
/// Each double maps to an unsigned key whose order is the numeric order (the usual IEEE 754
/// trick: flip all bits of negatives, set the sign bit of the others), so `-0.0` sorts before
/// `+0.0`; NaN is not expected (callers treat it as missing before sorting). Keys are sorted in
/// passes of 11 bits, skipping a pass when every key has the same digit there (the top passes of
/// data in a narrow range), so such data takes fewer than the six passes of the general case.
///
/// It replaced `Array.sort()` (a merge sort) in binning and metrics, where sorting was the largest
/// cost of a fit on a million loans in the profile.
enum RadixSort {
    static let bits = 11
    static let buckets = 1 << bits

    @inline(__always)
    static func key(_ x: Double) -> UInt64 {
        let b = x.bitPattern
        return b & (1 << 63) != 0 ? ~b : b | (1 << 63)
    }

    @inline(__always)
    static func value(_ k: UInt64) -> Double {
        Double(bitPattern: k & (1 << 63) != 0 ? k & ~(1 << 63) : ~k)
    }

    /// Sorts `values` ascending.
    ///
    /// - Complexity: O(n) per pass, at most 6 passes; 2n extra keys of memory.
    static func sort(_ values: inout [Double]) {
        let n = values.count
        if n < 256 {
            values.sort()
            return
        }
        var keys = [UInt64](repeating: 0, count: n)
        do {
            let source = values.span
            var k = keys.mutableSpan
            for i in 0..<n { k[i] = key(source[i]) }
        }
        sort(keys: &keys)
        let s = keys.span
        var out = values.mutableSpan
        for i in 0..<n { out[i] = value(s[i]) }
    }

    /// Sorts unsigned keys ascending.
    static func sort(keys: inout [UInt64]) {
        let n = keys.count
        if n < 256 {
            keys.sort()
            return
        }
        var other = [UInt64](repeating: 0, count: n)
        let passes = (64 + bits - 1) / bits
        var counts = [Int](repeating: 0, count: passes * buckets)
        do {
            let k = keys.span
            var c = counts.mutableSpan
            let mask = UInt64(buckets - 1)
            for i in 0..<n {
                let key = k[i]
                for p in 0..<passes {
                    c[p * buckets + Int((key >> UInt64(p * bits)) & mask)] += 1
                }
            }
        }
        var inKeys = true  // the current data is in `keys`
        for p in 0..<passes {
            let base = p * buckets
            // Skip a pass where every key has the same digit.
            var single = false
            for b in 0..<buckets where counts[base + b] != 0 {
                single = counts[base + b] == n
                break
            }
            if single { continue }
            var offsets = [Int](repeating: 0, count: buckets)
            var running = 0
            for b in 0..<buckets {
                offsets[b] = running
                running += counts[base + b]
            }
            let shift = UInt64(p * bits)
            let mask = UInt64(buckets - 1)
            if inKeys {
                scatter(from: keys, to: &other, offsets: &offsets, shift: shift, mask: mask)
            } else {
                scatter(from: other, to: &keys, offsets: &offsets, shift: shift, mask: mask)
            }
            inKeys.toggle()
        }
        if !inKeys { keys = other }
    }

    @inline(__always)
    static func scatter(
        from source: [UInt64], to target: inout [UInt64], offsets: inout [Int], shift: UInt64, mask: UInt64
    ) {
        let s = source.span
        var t = target.mutableSpan
        var o = offsets.mutableSpan
        for i in 0..<s.count {
            let key = s[i]
            let d = Int((key >> shift) & mask)
            t[o[d]] = key
            o[d] += 1
        }
    }
}
