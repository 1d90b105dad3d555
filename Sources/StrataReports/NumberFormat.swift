import StrataFrame

/// How a numeric column prints in Markdown and terminal tables.
///
/// ```swift
/// let writer = MarkdownWriter(formats: ["balance": .grouped(2), "pd": .percent(2), "loans": .grouped(0)])
/// ```
public enum NumberFormat: Sendable {
    /// The shortest text that reads back to the same value (``StrataFrame/FloatText/shortest(_:)``).
    case shortest
    /// Exactly this many decimals, correctly rounded (``NumberText/fixed(_:decimals:)``).
    case fixed(Int)
    /// This many decimals with `,` between groups of three integer digits (`1,234,567.50`).
    case grouped(Int)
    /// A fraction as a percentage with this many decimals: 0.0435 → `4.35%`.
    case percent(Int)
    /// Any rendering.
    case custom(@Sendable (Double) -> String)

    /// `value` in this format.
    public func text(_ value: Double) -> String {
        switch self {
        case .shortest: return FloatText.shortest(value)
        case .fixed(let decimals): return NumberText.fixed(value, decimals: decimals)
        case .grouped(let decimals): return NumberText.grouped(value, decimals: decimals)
        case .percent(let decimals): return NumberText.percent(value, decimals: decimals)
        case .custom(let render): return render(value)
        }
    }

    /// `value` in this format; integers print exactly (no detour through `Double`) unless the
    /// format is ``percent(_:)`` or ``custom(_:)``.
    public func text(_ value: Int64) -> String {
        switch self {
        case .shortest: return String(value)
        case .fixed(let decimals):
            return decimals == 0 ? String(value) : String(value) + "." + String(repeating: "0", count: decimals)
        case .grouped(let decimals):
            let digits = NumberText.groupDigits(String(value.magnitude), separator: ",")
            let sign = value < 0 ? "-" : ""
            return decimals == 0 ? sign + digits : sign + digits + "." + String(repeating: "0", count: decimals)
        case .percent, .custom: return text(Double(value))
        }
    }
}

/// Number-to-text helpers for reports: fixed decimals, thousands separators, percentages.
public enum NumberText {
    /// `value` with exactly `decimals` digits after the point, rounded to nearest, ties to even,
    /// on the exact binary value (as C's `printf("%.*f")` does): 2.675 → `2.67` (its double is
    /// 2.67499999…), 0.125 → `0.12`.
    ///
    /// Method: `|value| = m × 2^e` exactly (m < 2^53); `q = round(m × 10^decimals × 2^e)` in
    /// 128-bit integer arithmetic, so no rounding happens before the final one. A result that
    /// rounds to zero prints without a minus sign. NaN prints `NaN`, infinities `inf` / `-inf`;
    /// magnitudes of 2^64 and above print in shortest form (they have no fraction anyway).
    ///
    /// - Precondition: `decimals` in 0...18.
    public static func fixed(_ value: Double, decimals: Int) -> String {
        precondition((0...18).contains(decimals), "decimals must be in 0...18")
        guard value.isFinite else { return FloatText.shortest(value) }
        let magnitude = value.magnitude
        guard magnitude < 0x1p64 else { return FloatText.shortest(value) }
        var scale: UInt128 = 1
        for _ in 0..<decimals { scale *= 10 }
        let exponentBits = Int(magnitude.exponentBitPattern)
        let fraction = UInt128(magnitude.significandBitPattern)
        let significand = exponentBits == 0 ? fraction : fraction | (1 << 52)
        let exponent = (exponentBits == 0 ? 1 : exponentBits) - 1075
        var scaled: UInt128
        if exponent >= 0 {
            scaled = (significand << UInt128(exponent)) * scale  // < 2^64 × 10^18 < 2^124
        } else {
            let product = significand * scale  // < 2^53 × 10^18 < 2^113
            let shift = -exponent
            if shift > 120 {
                scaled = 0  // product / 2^shift < 2^-7: rounds to zero
            } else {
                scaled = product >> UInt128(shift)
                let remainder = product & ((1 << UInt128(shift)) - 1)
                let half = UInt128(1) << UInt128(shift - 1)
                if remainder > half || (remainder == half && scaled & 1 == 1) { scaled += 1 }
            }
        }
        var digits = String(scaled)
        if decimals > 0 {
            if digits.count <= decimals {
                digits = String(repeating: "0", count: decimals + 1 - digits.count) + digits
            }
            digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -decimals))
        }
        return value < 0 && scaled != 0 ? "-" + digits : digits
    }

    /// `value` with `decimals` decimals and `separator` between groups of three integer digits:
    /// `grouped(1234567.5, decimals: 2)` is `1,234,567.50`.
    public static func grouped(_ value: Double, decimals: Int, separator: String = ",") -> String {
        let text = fixed(value, decimals: decimals)
        guard value.isFinite, value.magnitude < 0x1p64 else { return text }
        var body = Substring(text)
        var sign = ""
        if body.hasPrefix("-") {
            sign = "-"
            body = body.dropFirst()
        }
        let point = body.firstIndex(of: ".") ?? body.endIndex
        return sign + groupDigits(String(body[..<point]), separator: separator) + body[point...]
    }

    /// An integer with `separator` between groups of three digits: 1234567 → `1,234,567`.
    public static func grouped(_ value: Int64, separator: String = ",") -> String {
        (value < 0 ? "-" : "") + groupDigits(String(value.magnitude), separator: separator)
    }

    /// A fraction as a percentage with `decimals` decimals: `percent(0.0435, decimals: 2)` is
    /// `4.35%`. Computed as `fixed(fraction × 100, decimals)`.
    public static func percent(_ fraction: Double, decimals: Int) -> String {
        fixed(fraction * 100, decimals: decimals) + "%"
    }

    /// `digits` (ASCII digits only) with `separator` before every group of three from the right.
    static func groupDigits(_ digits: String, separator: String) -> String {
        let characters = Array(digits)
        var result = ""
        for (i, character) in characters.enumerated() {
            if i > 0 && (characters.count - i) % 3 == 0 { result += separator }
            result.append(character)
        }
        return result
    }
}
