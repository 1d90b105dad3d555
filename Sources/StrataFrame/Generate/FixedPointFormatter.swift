/// Writes numbers as ASCII digits straight into a byte span: the hot path of the tape generator,
/// with no `String` per value.
///
/// Every function writes at `position` and advances it past what it wrote; the caller makes sure
/// the span has room (a number takes at most ``maximumNumberBytes`` bytes).
enum FixedPointFormatter {
    /// The most bytes one call writes: a sign, 16 integer digits, a point and the fraction stay
    /// below this for every value the formatter accepts.
    static let maximumNumberBytes = 24

    /// The largest magnitude `value × 10^decimals` may reach (so it is an exact integer in a double).
    static let maximumScaled = 1.0e15

    /// `value` rounded to the nearest integer, ties away from zero: `value.rounded()` without the
    /// C library call, for |value| < 2⁶³.
    ///
    /// ```
    /// t = trunc(value);  f = value − t   (exact: the fraction of a double is a double)
    /// result = t + sign(value)   if |f| ≥ ½,   t otherwise
    /// ```
    @inline(__always)
    static func roundedInteger(_ value: Double) -> Int64 {
        let truncated = Int64(value)
        let fraction = value - Double(truncated)
        if fraction >= 0.5 { return truncated + 1 }
        if fraction <= -0.5 { return truncated - 1 }
        return truncated
    }

    /// Number of decimal digits of `value` (1 for 0).
    @inline(__always)
    static func digitCount(_ value: UInt64) -> Int {
        var count = 1
        var rest = value
        while rest >= 100 {
            rest /= 100
            count += 2
        }
        return rest >= 10 ? count + 1 : count
    }

    /// Writes exactly `width` decimal digits of `value`, zero-padded on the left (the high digits of
    /// a value wider than `width` are dropped).
    @inline(__always)
    static func writeDigits(
        _ value: UInt64, width: Int, into out: inout MutableSpan<UInt8>, at position: inout Int
    ) {
        var rest = value
        var index = position + width
        while index - position >= 2 {
            let quotient = rest / 100
            let pair = Int(truncatingIfNeeded: rest &- quotient &* 100)
            index -= 2
            out[index] = UInt8(truncatingIfNeeded: pair / 10) &+ 48
            out[index + 1] = UInt8(truncatingIfNeeded: pair % 10) &+ 48
            rest = quotient
        }
        if index > position { out[position] = UInt8(truncatingIfNeeded: rest % 10) &+ 48 }
        position += width
    }

    /// Writes a non-negative integer without leading zeros.
    @inline(__always)
    static func writeInteger(_ value: Int, into out: inout MutableSpan<UInt8>, at position: inout Int) {
        precondition(value >= 0, "the generator writes only non-negative integers")
        let magnitude = UInt64(value)
        writeDigits(magnitude, width: digitCount(magnitude), into: &out, at: &position)
    }

    /// Writes `value` rounded to `decimals` places (1 to 6) in fixed-point notation.
    ///
    /// ```
    /// n    = round(value × 10^decimals)        (ties away from zero)
    /// text = [-] (|n| div 10^decimals) "." (|n| mod 10^decimals, zero-padded to `decimals` digits)
    /// ```
    ///
    /// The text parses back (`Double(String)`) to exactly `n / 10^decimals` rounded to the
    /// nearest double, the same double as `(value × 10^decimals).rounded() / 10^decimals`: both are
    /// the correctly rounded value of the same rational number (n is exact because
    /// |n| < 10^15 < 2^53). Zero and values that round to zero print without a sign.
    @inline(__always)
    static func writeFixed(
        _ value: Double, decimals: Int, into out: inout MutableSpan<UInt8>, at position: inout Int
    ) {
        let unit: UInt64
        switch decimals {
        case 1: unit = 10
        case 2: unit = 100
        case 3: unit = 1000
        case 4: unit = 10_000
        case 5: unit = 100_000
        case 6: unit = 1_000_000
        default: preconditionFailure("decimals must be 1 to 6")
        }
        let scaled = value * Double(unit)
        precondition(abs(scaled) < maximumScaled, "value outside the fixed-point range")
        var integer = roundedInteger(scaled)
        if integer < 0 {
            out[position] = UInt8(ascii: "-")
            position += 1
            integer = -integer
        }
        let magnitude = UInt64(integer)
        let whole = magnitude / unit
        writeDigits(whole, width: digitCount(whole), into: &out, at: &position)
        out[position] = UInt8(ascii: ".")
        position += 1
        writeDigits(magnitude &- whole &* unit, width: decimals, into: &out, at: &position)
    }

    /// Copies `bytes` into the span.
    @inline(__always)
    static func writeBytes(_ bytes: [UInt8], into out: inout MutableSpan<UInt8>, at position: inout Int) {
        for byte in bytes {
            out[position] = byte
            position += 1
        }
    }

    /// `value` rounded to `decimals` places as a double: the value ``writeFixed(_:decimals:into:at:)``
    /// prints.
    @inline(__always)
    static func rounded(_ value: Double, decimals: Int) -> Double {
        let unit: Double
        switch decimals {
        case 1: unit = 10
        case 2: unit = 100
        case 3: unit = 1000
        case 4: unit = 10_000
        case 5: unit = 100_000
        case 6: unit = 1_000_000
        default: preconditionFailure("decimals must be 1 to 6")
        }
        let scaled = value * unit
        precondition(abs(scaled) < maximumScaled, "value outside the fixed-point range")
        return Double(roundedInteger(scaled)) / unit
    }

    /// Formats one number into a fresh array (tests and one-off text, not hot loops).
    static func fixedBytes(_ value: Double, decimals: Int) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: maximumNumberBytes)
        var position = 0
        var span = buffer.mutableSpan
        writeFixed(value, decimals: decimals, into: &span, at: &position)
        _ = consume span
        return Array(buffer[0..<position])
    }
}
