import Testing

@testable import StrataFrame

/// The strict number, integer and date parsers of the CSV ingest, against Swift's own
/// `Double(String)`, `Int64(String)` and `CivilDate`.
@Suite("CSV number parsing")
struct CSVNumberParsingTests {
    static func double(_ text: String) -> Double? {
        let bytes = Array(text.utf8)
        return TextNumber.parseDouble(bytes.span, 0, bytes.count)
    }

    /// The word-at-a-time decimal parser, with the text followed by a delimiter and padding so
    /// that its eight-byte loads can run.
    static func decimal(_ text: String) -> Double? {
        let bytes = Array(text.utf8) + Array(",123456789012345678".utf8)
        return TextNumber.parseDecimal(bytes.span, 0, text.utf8.count)
    }

    /// The integer parser, both on the exact bytes and padded (the word-at-a-time path); the
    /// two must agree.
    static func int64(_ text: String) -> (Int64?, Bool) {
        let bytes = Array(text.utf8)
        var overflow = false
        let value = TextNumber.parseInt64(bytes.span, 0, bytes.count, overflow: &overflow)
        let padded = bytes + Array(",99999999".utf8)
        var paddedOverflow = false
        let paddedValue = TextNumber.parseInt64(padded.span, 0, bytes.count, overflow: &paddedOverflow)
        #expect(paddedValue == value && paddedOverflow == overflow, "padded and exact parses of '\(text)' differ")
        return (value, overflow)
    }

    static func date(_ text: String) -> (Int32?, Bool) {
        let bytes = Array(text.utf8)
        var shapeOK = false
        let value = TextNumber.parseDate(bytes.span, 0, bytes.count, shapeOK: &shapeOK)
        return (value, shapeOK)
    }

    /// Bit-for-bit the same double as the standard library.
    static func expectSameBits(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let ours = double(text)
        let reference = Double(text)
        #expect(ours != nil, "\(text) rejected", sourceLocation: sourceLocation)
        if let ours, let reference {
            #expect(
                ours.bitPattern == reference.bitPattern, "\(text): \(ours) vs Double(String) \(reference)",
                sourceLocation: sourceLocation)
        }
        let fast = decimal(text)
        #expect(
            fast?.bitPattern == reference?.bitPattern, "\(text): word-at-a-time \(String(describing: fast))",
            sourceLocation: sourceLocation)
    }

    @Test func edgeCasesMatchDoubleString() {
        let cases = [
            "0", "-0", "+0", "0.0", "00000", "0.000", "1", "-1", "+1", "1.", ".5", "-.5", "1e0", "1E+2", "1e-2",
            "0.1", "0.2", "0.3", "0.0435", "123456.78", "250000.00", "9007199254740992", "9007199254740993",
            "9007199254740995", "18014398509481985", "1e22", "1e23", "1.5e22", "123456789e22", "1e-22", "1e-23",
            "4.9e-324", "5e-324", "2.4703282292062327e-324", "2.4703282292062328e-324", "2.2250738585072011e-308",
            "2.2250738585072014e-308", "1.7976931348623157e308", "1.7976931348623158e308", "1e308", "0.1e309",
            "1e-27", "1.234e-27", "1.234e-28", "1e-300", "123456789012345678", "1234567890123456789",
            "12345678901234567890", "123456789012345678901234567890", "0.12345678901234567890123",
            "0.000000000000000000000000000001", "3.141592653589793238462643383279", "2.718281828459045",
            "0.30000000000000004", "1.0000000000000002", "0.9999999999999999", "7.2057594037927933e16",
            "9007199254740992.5", "9007199254740993.5", "1e0000000000000000000001", "0e999999999", "1e-999999999",
            "1.00000000000000011102230246251565404236316680908203125",
            "1.00000000000000011102230246251565404236316680908203124",
            "1.00000000000000011102230246251565404236316680908203126",
        ]
        for text in cases { Self.expectSameBits(text) }
    }

    @Test func overflowIsInfinite() throws {
        let value = try #require(Self.double("1e400"))
        #expect(value.isInfinite)
        let negative = try #require(Self.double("-1.8e308"))
        #expect(negative == -.infinity)
    }

    @Test func randomDecimalStringsMatchDoubleString() {
        var rng = SplitMix(seed: 20_240_630)
        for _ in 0..<60_000 {
            var text = ""
            if rng.next() % 4 == 0 { text += "-" }
            let digits = 1 + Int(rng.next() % 24)
            let point = Int(rng.next() % UInt64(digits + 2)) - 1
            for d in 0..<digits {
                if d == point { text += "." }
                text.append(Character(Unicode.Scalar(UInt8(48 + rng.next() % 10))))
            }
            if rng.next() % 3 == 0 {
                text += rng.next() % 2 == 0 ? "e" : "E"
                let range: UInt64 = rng.next() % 4 == 0 ? 700 : 60
                text += String(Int(rng.next() % range) - Int(range / 2))
            }
            Self.expectSameBits(text)
        }
    }

    @Test func shortestRepresentationsRoundTrip() {
        var rng = SplitMix(seed: 7)
        for _ in 0..<30_000 {
            // Random bit patterns of finite doubles, printed the shortest way (17 digits at most).
            let value = Double(bitPattern: rng.next() & 0x7FEF_FFFF_FFFF_FFFF)
            Self.expectSameBits(value.description)
            Self.expectSameBits(String(value * 1e-3))
        }
        for _ in 0..<30_000 {
            // Typical amounts and rates.
            let cents = rng.next() % 100_000_000_000
            Self.expectSameBits("\(cents / 100).\(String(cents % 100).leftPadded(2))")
            let basis = rng.next() % 1_000_000
            Self.expectSameBits("0.\(String(basis).leftPadded(6))")
        }
    }

    @Test(arguments: [
        "", "-", "+", ".", "-.", "e5", "1e", "1e+", "1e-", "--1", "+-1", " 12", "12 ", "1 2", "1,5", "nan", "NaN",
        "inf",
        "-inf", "infinity", "Infinity", "0x10", "0x1p3", "1_000", "1.2.3", "1e5.5", "1ee5", "1e5e5", "12a", "a12",
        "\t1", "1\r",
    ])
    func rejectsMalformedNumbers(_ text: String) {
        #expect(Self.double(text) == nil, "'\(text)' must be rejected")
        #expect(Self.decimal(text) == nil, "'\(text)' must be rejected by the word-at-a-time path")
    }

    @Test func integers() {
        #expect(Self.int64("0").0 == 0)
        #expect(Self.int64("007").0 == 7)
        #expect(Self.int64("+5").0 == 5)
        #expect(Self.int64("-42").0 == -42)
        #expect(Self.int64("9223372036854775807").0 == Int64.max)
        #expect(Self.int64("-9223372036854775808").0 == Int64.min)
        #expect(Self.int64("000000000000000000000000012").0 == 12)
        let over = Self.int64("9223372036854775808")
        #expect(over.0 == nil && over.1)
        let under = Self.int64("-9223372036854775809")
        #expect(under.0 == nil && under.1)
        let huge = Self.int64("123456789012345678901234567890")
        #expect(huge.0 == nil && huge.1)
        for bad in ["", "-", "1.0", "1e3", " 1", "1 ", "0x10", "1_0", "--1", "12a"] {
            let parsed = Self.int64(bad)
            #expect(parsed.0 == nil && !parsed.1, "'\(bad)' must be rejected as not an integer")
        }
        var rng = SplitMix(seed: 3)
        for _ in 0..<10_000 {
            let value = Int64(bitPattern: rng.next()) >> Int64(rng.next() % 63)
            #expect(Self.int64(String(value)).0 == value)
        }
    }

    @Test func dates() {
        #expect(Self.date("1970-01-01").0 == 0)
        #expect(Self.date("2024-02-29").0 == CivilDate(year: 2024, month: 2, day: 29)!.daysSinceEpoch)
        #expect(Self.date("0001-01-01").0 == CivilDate(year: 1, month: 1, day: 1)!.daysSinceEpoch)
        #expect(Self.date("9999-12-31").0 == CivilDate(year: 9999, month: 12, day: 31)!.daysSinceEpoch)
        for noSuchDay in [
            "2023-02-29", "2023-02-30", "2100-02-29", "2024-04-31", "2024-13-01", "2024-00-10", "0000-01-01",
        ] {
            let parsed = Self.date(noSuchDay)
            #expect(parsed.0 == nil && parsed.1, "\(noSuchDay) is shaped like a date but names no day")
        }
        for notADate in [
            "2024/01/01", "2024-1-01", "24-01-01", "2024-01-1 ", "20240101", "", "2024-01-0a", "２０２４-01-01",
            "20a4-01-01",
            "2024-0:-01", "/024-01-01", "2024-01-:1", "2024-01-/1", "-024-01-01", "2024+01-01", "2024-01+01",
            "2\u{0}24-01-01",
        ] {
            let parsed = Self.date(notADate)
            #expect(parsed.0 == nil && !parsed.1, "\(notADate) is not a date")
        }
        var rng = SplitMix(seed: 11)
        for _ in 0..<5_000 {
            let days = Int32(Int(rng.next() % 2_000_000) - 700_000)
            let civil = CivilDate(daysSinceEpoch: days)
            guard civil.year >= 1 && civil.year <= 9999 else { continue }
            #expect(Self.date(civil.description).0 == days)
        }
    }
}

/// SplitMix64 (Steele, Lea, Flood 2014): a small seeded generator for test inputs.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
