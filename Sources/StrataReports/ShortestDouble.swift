/// The shortest decimal text that reads back to a given `Double`, written straight into bytes:
/// the text Swift's `description` prints, without making a `String`.
///
/// The digits come from Ryū (Ulf Adams, "Ryū: fast float-to-string conversion", PLDI 2018),
/// ported from the reference implementation `d2s.c` (github.com/ulfjack/ryu, Apache 2.0 or
/// Boost 1.0): the shortest digit string inside the interval of decimals that round to the
/// value, and of those the closest to it, ties to even. `description` (SwiftDtoa) picks the same
/// digits; the layout follows `description` too (tested against it on random bit patterns):
///
/// - decimal notation from 10⁻⁴ up to 2⁵³: `0.0001`, `0.1`, `9007199254740992.0`, with `.0`
///   after whole numbers;
/// - exponential notation when |v| > 2⁵³ or the value is below 10⁻⁴: `1e-05`, `1.5e+300`,
///   with a sign and at least two exponent digits.
///
/// Zero, NaN and infinities are the caller's business (``ByteText/appendShortest(_:to:)``).
enum ShortestDouble {
    /// `|value| = digits × 10^exponent` with the fewest digits (no trailing zeros).
    ///
    /// - Precondition: `value` is finite and not zero.
    static func decimal(_ value: Double) -> (digits: UInt64, exponent: Int) {
        let bits = value.bitPattern
        let ieeeMantissa = bits & ((1 << 52) - 1)
        let ieeeExponent = Int((bits >> 52) & 0x7FF)
        let e2: Int
        let m2: UInt64
        if ieeeExponent == 0 {
            e2 = 1 - 1023 - 52 - 2
            m2 = ieeeMantissa
        } else {
            e2 = ieeeExponent - 1023 - 52 - 2
            m2 = (1 << 52) | ieeeMantissa
        }
        let acceptBounds = m2 & 1 == 0
        // The value is mv / 4 × 2^(e2 + 2); its neighbours' midpoints are (mv ± 2) / 4 apart,
        // closer below at a power of two (mmShift = 0).
        let mv = 4 * m2
        let mmShift: UInt64 = ieeeMantissa != 0 || ieeeExponent <= 1 ? 1 : 0

        var vr: UInt64
        var vp: UInt64
        var vm: UInt64
        let e10: Int
        var vmIsTrailingZeros = false
        var vrIsTrailingZeros = false
        if e2 >= 0 {
            let q = log10Pow2(e2) - (e2 > 3 ? 1 : 0)
            e10 = q
            let k = 125 + pow5Bits(q) - 1
            let i = -e2 + q + k
            let low = pow5InverseSplit[2 * q]
            let high = pow5InverseSplit[2 * q + 1]
            vr = mulShift(mv, low, high, i)
            vp = mulShift(mv + 2, low, high, i)
            vm = mulShift(mv - 1 - mmShift, low, high, i)
            if q <= 21 {
                // Only one of mp, mv and mm can be a multiple of 5, if any.
                if mv % 5 == 0 {
                    vrIsTrailingZeros = isMultipleOfPowerOf5(mv, q)
                } else if acceptBounds {
                    vmIsTrailingZeros = isMultipleOfPowerOf5(mv - 1 - mmShift, q)
                } else if isMultipleOfPowerOf5(mv + 2, q) {
                    vp -= 1
                }
            }
        } else {
            let q = log10Pow5(-e2) - (-e2 > 1 ? 1 : 0)
            e10 = q + e2
            let i = -e2 - q
            let k = pow5Bits(i) - 125
            let j = q - k
            let low = pow5Split[2 * i]
            let high = pow5Split[2 * i + 1]
            vr = mulShift(mv, low, high, j)
            vp = mulShift(mv + 2, low, high, j)
            vm = mulShift(mv - 1 - mmShift, low, high, j)
            if q <= 1 {
                // mv has at least q trailing zero bits, since it is 4 × m2.
                vrIsTrailingZeros = true
                if acceptBounds {
                    vmIsTrailingZeros = mmShift == 1
                } else {
                    vp -= 1
                }
            } else if q < 63 {
                vrIsTrailingZeros = mv & ((1 << UInt64(q)) - 1) == 0
            }
        }

        // Remove digits while the interval (vm, vp) still holds a shorter decimal.
        var removed = 0
        var lastRemovedDigit: UInt64 = 0
        let output: UInt64
        if vmIsTrailingZeros || vrIsTrailingZeros {
            while vp / 10 > vm / 10 {
                vmIsTrailingZeros = vmIsTrailingZeros && vm % 10 == 0
                vrIsTrailingZeros = vrIsTrailingZeros && lastRemovedDigit == 0
                lastRemovedDigit = vr % 10
                vr /= 10
                vp /= 10
                vm /= 10
                removed += 1
            }
            if vmIsTrailingZeros {
                while vm % 10 == 0 {
                    vrIsTrailingZeros = vrIsTrailingZeros && lastRemovedDigit == 0
                    lastRemovedDigit = vr % 10
                    vr /= 10
                    vp /= 10
                    vm /= 10
                    removed += 1
                }
            }
            if vrIsTrailingZeros && lastRemovedDigit == 5 && vr % 2 == 0 {
                lastRemovedDigit = 4  // exactly halfway: round to even
            }
            let roundUp = (vr == vm && (!acceptBounds || !vmIsTrailingZeros)) || lastRemovedDigit >= 5
            output = vr + (roundUp ? 1 : 0)
        } else {
            var roundUp = false
            if vp / 100 > vm / 100 {
                roundUp = vr % 100 >= 50
                vr /= 100
                vp /= 100
                vm /= 100
                removed += 2
            }
            while vp / 10 > vm / 10 {
                roundUp = vr % 10 >= 5
                vr /= 10
                vp /= 10
                vm /= 10
                removed += 1
            }
            output = vr + (vr == vm || roundUp ? 1 : 0)
        }
        var digits = output
        var exponent = e10 + removed
        while digits % 10 == 0 {
            digits /= 10
            exponent += 1
        }
        return (digits, exponent)
    }

    /// Appends `value` as Swift's `description` prints it.
    ///
    /// - Precondition: `value` is finite and not zero; room for 24 bytes.
    static func append(_ value: Double, to out: inout OutputSpan<UInt8>) {
        let (digits, exponent) = decimal(value)
        var text = InlineArray<20, UInt8>(repeating: 0)
        let first = ByteText.writeDigits(digits, into: &text)
        let count = 20 - first
        // value = d.ddd × 10^scientific
        let scientific = count - 1 + exponent
        if value < 0 { out.append(UInt8(ascii: "-")) }
        if value.magnitude > 0x1p53 || scientific < -4 {
            out.append(text[first])
            if count > 1 {
                out.append(UInt8(ascii: "."))
                for i in (first + 1)..<20 { out.append(text[i]) }
            }
            out.append(UInt8(ascii: "e"))
            out.append(scientific < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
            let power = scientific.magnitude
            if power >= 100 { out.append(0x30 &+ UInt8(power / 100)) }
            out.append(0x30 &+ UInt8(power / 10 % 10))
            out.append(0x30 &+ UInt8(power % 10))
        } else if scientific < 0 {
            out.append(UInt8(ascii: "0"))
            out.append(UInt8(ascii: "."))
            for _ in 0..<(-scientific - 1) { out.append(UInt8(ascii: "0")) }
            for i in first..<20 { out.append(text[i]) }
        } else {
            let whole = scientific + 1
            for i in 0..<whole { out.append(i < count ? text[first + i] : UInt8(ascii: "0")) }
            out.append(UInt8(ascii: "."))
            if whole < count {
                for i in (first + whole)..<20 { out.append(text[i]) }
            } else {
                out.append(UInt8(ascii: "0"))
            }
        }
    }

    /// `⌊log₂ 5^e⌋ + 1`, the bit length of 5^e, for 0 ≤ e ≤ 3528.
    @inline(__always)
    static func pow5Bits(_ e: Int) -> Int { ((e &* 1_217_359) >> 19) + 1 }

    /// `⌊log₁₀ 2^e⌋` for 0 ≤ e ≤ 1650.
    @inline(__always)
    static func log10Pow2(_ e: Int) -> Int { (e &* 78_913) >> 18 }

    /// `⌊log₁₀ 5^e⌋` for 0 ≤ e ≤ 2620.
    @inline(__always)
    static func log10Pow5(_ e: Int) -> Int { (e &* 732_923) >> 20 }

    /// True when 5^p divides `value` (> 0).
    @inline(__always)
    static func isMultipleOfPowerOf5(_ value: UInt64, _ p: Int) -> Bool {
        var rest = value
        var count = 0
        while rest % 5 == 0 {
            rest /= 5
            count += 1
        }
        return count >= p
    }

    /// `⌊m × (high × 2⁶⁴ + low) / 2^shift⌋` for m < 2⁵⁵ and shift ≥ 64, in 128-bit arithmetic.
    @inline(__always)
    static func mulShift(_ m: UInt64, _ low: UInt64, _ high: UInt64, _ shift: Int) -> UInt64 {
        let b0 = UInt128(m) * UInt128(low)
        let b2 = UInt128(m) * UInt128(high)
        return UInt64(truncatingIfNeeded: ((b0 >> 64) + b2) >> UInt128(shift - 64))
    }
}
