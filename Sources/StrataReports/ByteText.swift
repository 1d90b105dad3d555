import StrataFrame

/// Appends the text of numbers and dates to an output span without making a `String` per value.
///
/// Every function here prints exactly what ``StrataFrame/Column/text(at:)`` prints for the same
/// value (tested value by value against it), so the writers can format straight into their
/// output buffers. Callers reserve room first: ``maxNumberBytes`` for a number, ``maxDateBytes``
/// for a date.
enum ByteText {
    static let zero = UInt8(ascii: "0")
    static let minus = UInt8(ascii: "-")
    static let point = UInt8(ascii: ".")

    /// The longest text of a Double (`-2.2250738585072014e-308`) or an Int64 (20 bytes).
    static let maxNumberBytes = 24
    /// The longest text of a date of any Int32 day count (a fallback beyond year 9999).
    static let maxDateBytes = 16

    /// Appends the decimal digits of `value` (with a leading `-` when negative).
    @inline(__always)
    static func appendInteger(_ value: Int64, to out: inout OutputSpan<UInt8>) {
        if value < 0 { out.append(minus) }
        appendUnsigned(value.magnitude, to: &out)
    }

    /// Appends the decimal digits of `value`.
    @inline(__always)
    static func appendUnsigned(_ value: UInt64, to out: inout OutputSpan<UInt8>) {
        if value < 10 {
            out.append(zero &+ UInt8(truncatingIfNeeded: value))
            return
        }
        var text = InlineArray<20, UInt8>(repeating: 0)
        let first = writeDigits(value, into: &text)
        for i in first..<20 { out.append(text[i]) }
    }

    /// Writes the decimal digits of `value` right-aligned into `text` and returns the index of the
    /// first one.
    ///
    /// Two digits per division by 100, and the low eight digits apart from the high ones, so the
    /// chain of dependent divisions is at most five long (instead of twenty divisions by 10).
    @inline(__always)
    static func writeDigits(_ value: UInt64, into text: inout InlineArray<20, UInt8>) -> Int {
        var end = 20
        var high = value
        if value >= 100_000_000 {
            let (quotient, remainder) = value.quotientAndRemainder(dividingBy: 100_000_000)
            var low = UInt32(truncatingIfNeeded: remainder)
            for _ in 0..<4 {
                let (q, pair) = low.quotientAndRemainder(dividingBy: 100)
                writePair(pair, at: end - 2, into: &text)
                end -= 2
                low = q
            }
            high = quotient
        }
        while high >= 100 {
            let (q, pair) = high.quotientAndRemainder(dividingBy: 100)
            writePair(UInt32(truncatingIfNeeded: pair), at: end - 2, into: &text)
            end -= 2
            high = q
        }
        if high >= 10 {
            writePair(UInt32(truncatingIfNeeded: high), at: end - 2, into: &text)
            return end - 2
        }
        text[end - 1] = zero &+ UInt8(truncatingIfNeeded: high)
        return end - 1
    }

    @inline(__always)
    static func writePair(_ pair: UInt32, at index: Int, into text: inout InlineArray<20, UInt8>) {
        let tens = pair / 10
        text[index] = zero &+ UInt8(truncatingIfNeeded: tens)
        text[index + 1] = zero &+ UInt8(truncatingIfNeeded: pair &- tens &* 10)
    }

    /// Appends `value` as exactly `width` digits, zero-padded (`value` must have at most `width`).
    @inline(__always)
    static func appendPadded(_ value: UInt64, width: Int, to out: inout OutputSpan<UInt8>) {
        var digits = InlineArray<20, UInt8>(repeating: zero)
        var rest = value
        var i = 20
        while rest != 0 {
            let (quotient, remainder) = rest.quotientAndRemainder(dividingBy: 10)
            i -= 1
            digits[i] = zero &+ UInt8(truncatingIfNeeded: remainder)
            rest = quotient
        }
        for k in (20 - width)..<20 { out.append(digits[k]) }
    }

    /// Appends the date `days` days after 1970-01-01 as `YYYY-MM-DD`.
    ///
    /// Uses ``StrataFrame/CivilDate/init(daysSinceEpoch:)`` (Hinnant's `civil_from_days`) and
    /// writes the digits directly; years outside 0...9999 fall back to the date's description.
    @inline(__always)
    static func appendDate(_ days: Int32, to out: inout OutputSpan<UInt8>) {
        let date = CivilDate(daysSinceEpoch: days)
        guard date.year >= 0 && date.year <= 9999 else {
            for byte in date.description.utf8 { out.append(byte) }
            return
        }
        appendPadded(UInt64(date.year), width: 4, to: &out)
        out.append(minus)
        appendPadded(UInt64(date.month), width: 2, to: &out)
        out.append(minus)
        appendPadded(UInt64(date.day), width: 2, to: &out)
    }

    /// Appends `value` as ``StrataFrame/FloatText/shortest(_:)`` prints it: whole numbers below
    /// 1e15 as integers, NaN as `NaN`, infinities as `inf` / `-inf`, anything else as Swift's
    /// shortest round-trip description (``ShortestDouble``, no `String` made).
    ///
    /// Fast path, exact: for `|v| < 1e11` let `m = round(|v| × 10⁴)`; when `m / 10⁴ == |v|`
    /// (both exact doubles, so the quotient is the correctly rounded value of the decimal
    /// `m × 10⁻⁴`, Clinger 1990), that decimal reads back to `v`. Below 1e11 one unit in the last
    /// place of `v` is under 10⁻⁴ (2⁻¹⁶ at most), so no other decimal with four places reads back
    /// to `v`, and `m` with its trailing zeros dropped is the shortest text, the one Swift prints.
    /// This covers amounts in cents and rates in basis points without formatting a `String`.
    @inline(__always)
    static func appendShortest(_ value: Double, to out: inout OutputSpan<UInt8>) {
        if value.isNaN {
            for byte in "NaN".utf8 { out.append(byte) }
            return
        }
        if value.isInfinite {
            for byte in (value < 0 ? "-inf" : "inf").utf8 { out.append(byte) }
            return
        }
        let magnitude = abs(value)
        guard magnitude < 1e15 else {
            ShortestDouble.append(value, to: &out)
            return
        }
        // Truncating conversions (one instruction, unlike `rounded()`, a libm call here).
        let whole = Int64(value)
        if Double(whole) == value {
            appendInteger(whole, to: &out)
            return
        }
        if magnitude < 1e11 {
            // Rounds half up (magnitude ≥ 0); a wrong neighbour only fails the check below.
            let scaled = Double(UInt64(magnitude * 10_000 + 0.5))
            if scaled / 10_000 == magnitude {
                var digits = UInt64(scaled)
                var places = 4
                var scale: UInt64 = 10_000
                while digits % 10 == 0 {
                    digits /= 10
                    places -= 1
                    scale /= 10
                }
                if value < 0 { out.append(minus) }
                appendUnsigned(digits / scale, to: &out)
                out.append(point)
                appendPadded(digits % scale, width: places, to: &out)
                return
            }
        }
        ShortestDouble.append(value, to: &out)
    }
}

extension Array where Element == UInt8 {
    /// Appends what `body` writes, reserving `maxCount` bytes for it first.
    @inline(__always)
    mutating func appendBytes(upTo maxCount: Int, _ body: (inout OutputSpan<UInt8>) -> Void) {
        append(addingCapacity: maxCount, initializingWith: body)
    }
}
