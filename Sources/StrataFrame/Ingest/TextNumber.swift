import StrataKernels

/// Strict parsers for the numbers, integers and dates of a CSV field, working on bytes.
///
/// The grammars are deliberately narrow so that a loan tape means one thing only:
///
/// ```
/// number  = [+-]? (digits ["." digits?] | "." digits) ([eE] [+-]? digits)?
/// integer = [+-]? digits                         (must fit in Int64)
/// date    = YYYY "-" MM "-" DD                   (a real day of the proleptic Gregorian calendar)
/// ```
///
/// No whitespace, no thousands separators, no `nan`, `inf`, hexadecimal or `_`. Numbers convert
/// to the same bits as Swift's `Double(String)` (round to nearest, ties to even):
/// - Clinger's fast path when the decimal mantissa `w` is at most 2^53 and the decimal exponent
///   `q` lies in -22...22: `w` and `10^|q|` are exact doubles, so one correctly rounded IEEE
///   multiplication or division gives the correctly rounded result (W. D. Clinger, "How to read
///   floating point numbers accurately", PLDI 1990).
/// - the Eisel-Lemire algorithm for up to 19 significant digits and `q` in -27...308, with a
///   128-bit truncated table of powers of five (D. Lemire, "Number parsing at a gigabyte per
///   second", Software: Practice and Experience 51(8), 2021; N. Mushtak and D. Lemire, "Fast
///   number parsing without fallback", 2023). The table is computed exactly at first use.
/// - `Double(String)` for everything else (more than 19 significant digits, tiny exponents,
///   subnormal results), which is slow but rare in loan tapes.
enum TextNumber {
    /// 10^k for k in 0...22, the powers of ten that are exact doubles. (A switch of constants
    /// compiles to a constant table; a `static let` array would cost a lazy-initialisation check
    /// per use.)
    @inline(__always)
    static func exactPowerOfTen(_ k: Int) -> Double {
        switch k {
        case 0: return 1e0
        case 1: return 1e1
        case 2: return 1e2
        case 3: return 1e3
        case 4: return 1e4
        case 5: return 1e5
        case 6: return 1e6
        case 7: return 1e7
        case 8: return 1e8
        case 9: return 1e9
        case 10: return 1e10
        case 11: return 1e11
        case 12: return 1e12
        case 13: return 1e13
        case 14: return 1e14
        case 15: return 1e15
        case 16: return 1e16
        case 17: return 1e17
        case 18: return 1e18
        case 19: return 1e19
        case 20: return 1e20
        case 21: return 1e21
        default:
            precondition(k == 22, "no exact power of ten")
            return 1e22
        }
    }

    /// 10^k for k in 0...22 (exact doubles) and 10^k for k in 0...8 as integers: the tables of
    /// ``parseDecimal(_:_:_:tables:)``, fetched once per column by its callers.
    struct PowerTables: Sendable {
        let exact: [Double] = (0...22).map { k in (0..<k).reduce(1.0) { p, _ in p * 10 } }
        let integer: [UInt64] = (0...8).map { k in (0..<k).reduce(UInt64(1)) { p, _ in p * 10 } }
        static let shared = PowerTables()
    }

    /// Parses `s[lo..<hi]` as a number; nil when the text does not follow the grammar.
    ///
    /// The result may be infinite when the value overflows Float64 (`1e400`); callers reject that.
    @inline(__always)
    static func parseDouble(_ s: Span<UInt8>, _ lo: Int, _ hi: Int) -> Double? {
        var i = lo
        guard i < hi else { return nil }
        var negative = false
        var b = s[i]
        if b == UInt8(ascii: "-") || b == UInt8(ascii: "+") {
            negative = b == UInt8(ascii: "-")
            i += 1
            guard i < hi else { return nil }
        }
        // Up to 19 digits (leading zeros included) always fit in w < 10^19 < 2^64.
        var w: UInt64 = 0
        let integerStart = i
        while i < hi {
            let d = s[i] &- UInt8(ascii: "0")
            if d > 9 { break }
            w = w &* 10 &+ UInt64(d)
            i += 1
        }
        var digits = i - integerStart
        var fractionDigits = 0
        if i < hi && s[i] == UInt8(ascii: ".") {
            i += 1
            let fractionStart = i
            while i < hi {
                let d = s[i] &- UInt8(ascii: "0")
                if d > 9 { break }
                w = w &* 10 &+ UInt64(d)
                i += 1
            }
            fractionDigits = i - fractionStart
            digits += fractionDigits
        }
        guard digits > 0 else { return nil }
        var exponent = 0
        if i < hi {
            b = s[i]
            guard b == UInt8(ascii: "e") || b == UInt8(ascii: "E") else { return nil }
            i += 1
            guard i < hi else { return nil }
            var exponentNegative = false
            b = s[i]
            if b == UInt8(ascii: "-") || b == UInt8(ascii: "+") {
                exponentNegative = b == UInt8(ascii: "-")
                i += 1
            }
            let exponentStart = i
            while i < hi {
                let d = s[i] &- UInt8(ascii: "0")
                if d > 9 { return nil }
                if exponent < 100_000 { exponent = exponent * 10 + Int(d) }
                i += 1
            }
            guard i > exponentStart else { return nil }
            if exponentNegative { exponent = -exponent }
        }
        if digits > 19 { return parseLongDouble(s, lo, hi) }
        if w == 0 { return negative ? -0.0 : 0.0 }
        let q = exponent - fractionDigits
        if q >= -22 && q <= 22 && w <= 1 << 53 {
            let m = exactDouble(w)
            let value = q < 0 ? m / exactPowerOfTen(-q) : m * exactPowerOfTen(q)
            return negative ? -value : value
        }
        if q >= PowersOfFive.minExponent && q <= PowersOfFive.maxExponent, let bits = eiselLemire(w, q) {
            let value = Double(bitPattern: bits)
            return negative ? -value : value
        }
        return slowDouble(s, lo, hi)
    }

    /// `Double(w)` for `w <= 2^53`, exact. Below 2^52 it is built from the bits of `2^52 + w`
    /// minus 2^52 (both exact), which avoids the integer-to-double instruction: that one only
    /// writes the low half of its register and so waits for the previous number's division,
    /// chaining every number of a column into one long dependency.
    @inline(__always)
    static func exactDouble(_ w: UInt64) -> Double {
        guard w < 1 << 52 else { return Double(w) }
        return Double(bitPattern: 0x4330_0000_0000_0000 | w) - 4_503_599_627_370_496.0
    }

    /// The number of leading ASCII digits of the little-endian word `w` (0 to 8).
    ///
    /// A byte gets its top bit set when it is above '9' (adding 0x46 reaches 0x80) or below '0'
    /// (subtracting 0x30 borrows); carries and borrows only move towards later bytes, so the
    /// first marked byte is exact (fast_float's `is_made_of_eight_digits` test).
    @inline(__always)
    static func leadingDigits(_ w: UInt64) -> Int {
        let marks = ((w &+ 0x4646_4646_4646_4646) | (w &- 0x3030_3030_3030_3030)) & 0x8080_8080_8080_8080
        return marks == 0 ? 8 : marks.trailingZeroBitCount >> 3
    }

    /// The value of the first `k` (1 to 8) digits of the word `w`, eight at a time with three
    /// multiplications (fast_float's `parse_eight_digits_unrolled`).
    @inline(__always)
    static func digitsValue(_ w: UInt64, _ k: Int) -> UInt64 {
        var v = (w &- 0x3030_3030_3030_3030) << UInt64(64 - 8 * k)
        v = v &* 10 &+ (v >> 8)
        let mask: UInt64 = 0x0000_00FF_0000_00FF
        v = ((v & mask) &* 0x000F_4240_0000_0064 &+ ((v >> 16) & mask) &* 0x0000_2710_0000_0001) >> 32
        return v
    }

    /// ``parseDouble(_:_:_:)`` with the digits read eight at a time when the text is a plain
    /// `[+-]digits[.digits]` of at most 16 integer and 7 fraction digits; other texts go to the
    /// general parser. Same result bit for bit.
    static func parseDecimal(_ s: Span<UInt8>, _ lo: Int, _ hi: Int) -> Double? {
        let tables = PowerTables.shared
        return parseDecimal(s, lo, hi, exact: tables.exact.span, integer: tables.integer.span)
    }

    /// ``parseDecimal(_:_:_:)`` with the power tables passed in (hoisted out of column loops).
    @inline(__always)
    static func parseDecimal(
        _ s: Span<UInt8>, _ lo: Int, _ hi: Int, exact: Span<Double>, integer: Span<UInt64>
    ) -> Double? {
        var i = lo
        guard i < hi else { return nil }
        let first = s[i]
        let negative = first == UInt8(ascii: "-")
        if negative || first == UInt8(ascii: "+") { i += 1 }
        guard i + 16 <= s.count else { return parseDouble(s, lo, hi) }
        if hi - i <= 8, let value = shortDecimal(s.loadUInt64LE(at: i), length: hi - i) {
            return negative ? -value : value
        }
        var word = s.loadUInt64LE(at: i)
        var k = leadingDigits(word)
        var digits = k
        var w: UInt64 = k == 0 ? 0 : digitsValue(word, k)
        i += k
        if k == 8 {
            word = s.loadUInt64LE(at: i)
            k = leadingDigits(word)
            if k == 8 { return parseDouble(s, lo, hi) }
            if k > 0 { w = w &* integer[k] &+ digitsValue(word, k) }
            digits += k
            i += k
        }
        var fractionDigits = 0
        if i < hi && s[i] == UInt8(ascii: ".") {
            i += 1
            guard i + 8 <= s.count else { return parseDouble(s, lo, hi) }
            word = s.loadUInt64LE(at: i)
            k = leadingDigits(word)
            if k == 8 { return parseDouble(s, lo, hi) }
            if k > 0 { w = w &* integer[k] &+ digitsValue(word, k) }
            fractionDigits = k
            digits += k
            i += k
        }
        guard i == hi, digits > 0, digits <= 19 else { return parseDouble(s, lo, hi) }
        if w == 0 { return negative ? -0.0 : 0.0 }
        let q = -fractionDigits
        if w <= 1 << 53 {
            let value = exactDouble(w) / exact[fractionDigits]
            return negative ? -value : value
        }
        if let bits = eiselLemire(w, q) {
            let value = Double(bitPattern: bits)
            return negative ? -value : value
        }
        return slowDouble(s, lo, hi)
    }

    /// A number text of 1 to 8 bytes, `digits[.digits]` with at most one dot, from the word
    /// holding it (`length` bytes; the bytes after it are ignored), or nil when it is anything
    /// else (the caller then takes the general path). The dot is cut out of the word with two
    /// masks, which leaves at most seven digits in one word: one conversion instead of one per
    /// side of the dot, and always Clinger's exact case (fewer than 2^53, 10^7 at most).
    @inline(__always)
    static func shortDecimal(_ word: UInt64, length: Int) -> Double? {
        // High bit set in each of the first `length` bytes (the two half shifts make length 8
        // clear every byte of the shifted mask).
        let inside = ~((UInt64.max &<< UInt64(4 &* length)) &<< UInt64(4 &* length)) & SWAR.high
        let dots = SWAR.zeroBytes(word ^ SWAR.repeated(UInt8(ascii: "."))) & inside
        var digits = word
        var count = length
        var fractionDigits = 0
        if dots != 0 {
            guard dots & (dots &- 1) == 0 else { return nil }
            let p = dots.trailingZeroBitCount >> 3
            let below = (UInt64(1) &<< UInt64(8 &* p)) &- 1
            digits = (word & below) | ((word &>> 8) & ~below)
            count = length &- 1
            fractionDigits = length &- 1 &- p
        }
        guard count > 0, leadingDigits(digits) >= count else { return nil }
        let w = digitsValue(digits, count)
        return exactDouble(w) / exactPowerOfTen(fractionDigits)
    }

    /// The general form of ``parseDouble(_:_:_:)`` for texts of more than 19 digits: keeps the
    /// first 19 significant digits and notes whether a non-zero digit was dropped.
    @inline(never)
    static func parseLongDouble(_ s: Span<UInt8>, _ lo: Int, _ hi: Int) -> Double? {
        var i = lo
        guard i < hi else { return nil }
        var negative = false
        var b = s[i]
        if b == UInt8(ascii: "-") || b == UInt8(ascii: "+") {
            negative = b == UInt8(ascii: "-")
            i += 1
            guard i < hi else { return nil }
        }
        var w: UInt64 = 0
        var significant = 0
        var q = 0
        var droppedNonZero = false
        let integerStart = i
        while i < hi {
            b = s[i]
            let d = b &- UInt8(ascii: "0")
            if d > 9 { break }
            if significant < 19 {
                if w != 0 || d != 0 {
                    w = w &* 10 &+ UInt64(d)
                    significant += 1
                }
            } else {
                q += 1
                if d != 0 { droppedNonZero = true }
            }
            i += 1
        }
        var digits = i - integerStart
        if i < hi && s[i] == UInt8(ascii: ".") {
            i += 1
            let fractionStart = i
            while i < hi {
                b = s[i]
                let d = b &- UInt8(ascii: "0")
                if d > 9 { break }
                if significant < 19 {
                    if w != 0 || d != 0 {
                        w = w &* 10 &+ UInt64(d)
                        significant += 1
                    }
                    q -= 1
                } else if d != 0 {
                    droppedNonZero = true
                }
                i += 1
            }
            digits += i - fractionStart
        }
        guard digits > 0 else { return nil }
        if i < hi {
            b = s[i]
            guard b == UInt8(ascii: "e") || b == UInt8(ascii: "E") else { return nil }
            i += 1
            guard i < hi else { return nil }
            var exponentNegative = false
            b = s[i]
            if b == UInt8(ascii: "-") || b == UInt8(ascii: "+") {
                exponentNegative = b == UInt8(ascii: "-")
                i += 1
            }
            let exponentStart = i
            var exponent = 0
            while i < hi {
                let d = s[i] &- UInt8(ascii: "0")
                if d > 9 { return nil }
                if exponent < 100_000 { exponent = exponent * 10 + Int(d) }
                i += 1
            }
            guard i > exponentStart else { return nil }
            q += exponentNegative ? -exponent : exponent
        }
        if w == 0 { return negative ? -0.0 : 0.0 }
        if !droppedNonZero {
            if q >= -22 && q <= 22 && w <= 1 << 53 {
                let m = Double(w)
                let value = q < 0 ? m / exactPowerOfTen(-q) : m * exactPowerOfTen(q)
                return negative ? -value : value
            }
            if q >= PowersOfFive.minExponent && q <= PowersOfFive.maxExponent,
                let bits = eiselLemire(w, q)
            {
                let value = Double(bitPattern: bits)
                return negative ? -value : value
            }
        }
        return slowDouble(s, lo, hi)
    }

    /// The correctly rounded conversion through the standard library, for the rare inputs the
    /// fast paths do not cover. The text is known to follow the number grammar.
    @inline(never)
    static func slowDouble(_ s: Span<UInt8>, _ lo: Int, _ hi: Int) -> Double? {
        var bytes = [UInt8]()
        bytes.reserveCapacity(hi - lo)
        for i in lo..<hi { bytes.append(s[i]) }
        return Double(String(decoding: bytes, as: UTF8.self))
    }

    /// Eisel-Lemire: the bits of `w × 10^q` rounded to nearest-even, or nil when the fast
    /// algorithm cannot decide (subnormal results, rare products), for the caller to fall back.
    ///
    /// Follows fast_float's `compute_float` (D. Lemire et al., MIT/Apache-2.0) for binary64.
    @inline(__always)
    static func eiselLemire(_ w: UInt64, _ q: Int) -> UInt64? {
        let table = PowersOfFive.shared
        let index = q - PowersOfFive.minExponent
        let lz = w.leadingZeroBitCount
        let wn = w << UInt64(lz)
        var (high, low) = wn.multipliedFullWidth(by: table.high[index])
        // 52 explicit mantissa bits + 3: the first product decides unless these low bits are all ones.
        let precisionMask: UInt64 = UInt64.max >> 55
        if high & precisionMask == precisionMask {
            let second = wn.multipliedFullWidth(by: table.low[index]).high
            let sum = low &+ second
            if second > sum { high &+= 1 }
            low = sum
        }
        if low == UInt64.max && (q < -27 || q > 55) { return nil }
        let upperBit = Int(high >> 63)
        let shift = upperBit + 64 - 52 - 3
        var mantissa = high >> UInt64(shift)
        var power2 = (((152_170 + 65_536) * q) >> 16) + 63 + upperBit - lz + 1023
        if power2 <= 0 { return nil }
        if low <= 1 && q >= -4 && q <= 23 && mantissa & 3 == 1 && (mantissa << UInt64(shift)) == high {
            mantissa &= ~1
        }
        mantissa += mantissa & 1
        mantissa >>= 1
        if mantissa >= 2 << 52 {
            mantissa = 1 << 52
            power2 += 1
        }
        mantissa &= ~(1 << 52)
        if power2 >= 0x7FF { return 0x7FF << 52 }
        return mantissa | (UInt64(power2) << 52)
    }

    /// Parses `s[lo..<hi]` as an integer that fits in Int64; nil otherwise.
    ///
    /// - Returns: the value, or nil with `overflow` set when the digits are fine but the value
    ///   does not fit.
    @inline(__always)
    static func parseInt64(_ s: Span<UInt8>, _ lo: Int, _ hi: Int, overflow: inout Bool) -> Int64? {
        var i = lo
        guard i < hi else { return nil }
        var negative = false
        let first = s[i]
        if first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
            negative = first == UInt8(ascii: "-")
            i += 1
            guard i < hi else { return nil }
        }
        if hi - i <= 8 && i + 8 <= s.count {
            let word = s.loadUInt64LE(at: i)
            let k = leadingDigits(word)
            guard i + k == hi, k > 0 else { return nil }
            let magnitude = Int64(digitsValue(word, k))
            return negative ? -magnitude : magnitude
        }
        var magnitude: UInt64 = 0
        let start = i
        while i < hi {
            let d = s[i] &- UInt8(ascii: "0")
            if d > 9 { return nil }
            magnitude = magnitude &* 10 &+ UInt64(d)
            i += 1
        }
        if i - start > 18 {
            // Possibly too big: redo with overflow checks.
            magnitude = 0
            var tooBig = false
            for k in start..<hi {
                let (times10, o1) = magnitude.multipliedReportingOverflow(by: 10)
                let (next, o2) = times10.addingReportingOverflow(UInt64(s[k] &- UInt8(ascii: "0")))
                if o1 || o2 { tooBig = true }
                magnitude = next
            }
            let limit: UInt64 = negative ? UInt64(Int64.max) + 1 : UInt64(Int64.max)
            if tooBig || magnitude > limit {
                overflow = true
                return nil
            }
        }
        return negative ? Int64(truncatingIfNeeded: 0 &- magnitude) : Int64(magnitude)
    }

    /// Parses exactly `YYYY-MM-DD` (year 0001 to 9999) into days since 1970-01-01.
    ///
    /// - Returns: nil when malformed; `shapeOK` tells a well-formed text that names no real day
    ///   (`2023-02-30`) from one that is not a date at all.
    @inline(__always)
    static func parseDate(_ s: Span<UInt8>, _ lo: Int, _ hi: Int, shapeOK: inout Bool) -> Int32? {
        guard hi - lo == 10 else { return nil }
        // "YYYY-MM-" as one word: dashes at bytes 4 and 7, digits elsewhere (checked together).
        let w = s.loadUInt64LE(at: lo)
        let dashes: UInt64 = 0x2D << 32 | 0x2D << 56
        let d8 = s[lo + 8] &- UInt8(ascii: "0")
        let d9 = s[lo + 9] &- UInt8(ascii: "0")
        if w & (0xFF << 32 | 0xFF << 56) == dashes && d8 <= 9 && d9 <= 9 {
            let digits = (w ^ dashes) | (0x30 << 32) | (0x30 << 56)
            if ((digits &+ 0x4646_4646_4646_4646) | (digits &- 0x3030_3030_3030_3030)) & 0x8080_8080_8080_8080 == 0 {
                let d = digits &- 0x3030_3030_3030_3030
                @inline(__always) func at(_ k: UInt64) -> Int { Int(truncatingIfNeeded: (d >> (8 * k)) & 0xFF) }
                let year = at(0) * 1000 + at(1) * 100 + at(2) * 10 + at(3)
                let month = at(5) * 10 + at(6)
                let day = Int(d8) * 10 + Int(d9)
                shapeOK = true
                guard year >= 1, month >= 1, month <= 12, day >= 1,
                    day <= CivilDate.daysInMonth(year: year, month: month)
                else { return nil }
                return Int32(CivilDate.days(year: year, month: month, day: day))
            }
        }
        guard s[lo + 4] == UInt8(ascii: "-"), s[lo + 7] == UInt8(ascii: "-") else { return nil }
        @inline(__always) func digit(_ k: Int) -> Int {
            let d = s[lo + k] &- UInt8(ascii: "0")
            return d <= 9 ? Int(d) : -1_000_000
        }
        let year = digit(0) * 1000 + digit(1) * 100 + digit(2) * 10 + digit(3)
        let month = digit(5) * 10 + digit(6)
        let day = digit(8) * 10 + digit(9)
        guard year >= 0, month >= 0, day >= 0 else { return nil }
        shapeOK = true
        guard year >= 1, month >= 1, month <= 12, day >= 1, day <= CivilDate.daysInMonth(year: year, month: month)
        else { return nil }
        return Int32(CivilDate.days(year: year, month: month, day: day))
    }
}

/// 128-bit truncated mantissas of 5^q for q in -27...308, as fast_float tabulates them.
///
/// For q >= 0 the entry is 5^q shifted so its top bit is bit 127, truncated to 128 bits. For
/// q < 0 it is `floor(2^b / 5^-q) + 1` with `b = bitLength(5^-q) + 127`, a 128-bit value with
/// bit 127 set (5^27 < 2^64, so the division needs only a 64-bit divisor).
final class PowersOfFive: Sendable {
    static let minExponent = -27
    static let maxExponent = 308
    static let shared = PowersOfFive()

    let high: [UInt64]
    let low: [UInt64]

    private init() {
        var high = [UInt64]()
        var low = [UInt64]()
        for q in PowersOfFive.minExponent..<0 {
            var p: UInt64 = 1
            for _ in 0..<(-q) { p *= 5 }
            let z = 64 - p.leadingZeroBitCount
            let b = z + 127
            // 2^b as little-endian words, then long division by p.
            var words = [UInt64](repeating: 0, count: b / 64 + 1)
            words[b / 64] = 1 << UInt64(b % 64)
            var quotient = [UInt64](repeating: 0, count: words.count)
            var remainder: UInt64 = 0
            for k in stride(from: words.count - 1, through: 0, by: -1) {
                let (qw, r) = p.dividingFullWidth((high: remainder, low: words[k]))
                quotient[k] = qw
                remainder = r
            }
            let (lo, carry) = quotient[0].addingReportingOverflow(1)
            high.append(quotient[1] &+ (carry ? 1 : 0))
            low.append(lo)
        }
        var power: [UInt64] = [1]
        for q in 0...PowersOfFive.maxExponent {
            if q > 0 {
                var carry: UInt64 = 0
                for k in power.indices {
                    let (h, l) = power[k].multipliedFullWidth(by: 5)
                    let (sum, o) = l.addingReportingOverflow(carry)
                    power[k] = sum
                    carry = h &+ (o ? 1 : 0)
                }
                if carry != 0 { power.append(carry) }
            }
            let bitLength = power.count * 64 - power[power.count - 1].leadingZeroBitCount
            // Bits [bitLength - 128, bitLength) of 5^q, zero-extended below bit 0.
            func bits(from start: Int) -> UInt64 {
                var value: UInt64 = 0
                for bit in 0..<64 {
                    let position = start + bit
                    if position >= 0, position < bitLength,
                        (power[position / 64] >> UInt64(position % 64)) & 1 == 1
                    {
                        value |= 1 << UInt64(bit)
                    }
                }
                return value
            }
            high.append(bits(from: bitLength - 64))
            low.append(bits(from: bitLength - 128))
        }
        self.high = high
        self.low = low
    }
}
