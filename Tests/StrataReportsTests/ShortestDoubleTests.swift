import Testing

@testable import StrataReports

/// Non-negative big integers as little-endian 32-bit limbs: just enough arithmetic to check the
/// power-of-five tables against their definitions.
struct BigInt: Equatable, Comparable {
    var limbs: [UInt32]

    init(_ value: UInt64) {
        limbs = [UInt32(truncatingIfNeeded: value), UInt32(truncatingIfNeeded: value >> 32)]
        normalize()
    }

    init(low: UInt64, high: UInt64) {
        limbs = [low, high].flatMap { [UInt32(truncatingIfNeeded: $0), UInt32(truncatingIfNeeded: $0 >> 32)] }
        normalize()
    }

    mutating func normalize() { while limbs.count > 1 && limbs.last == 0 { limbs.removeLast() } }

    var bitLength: Int {
        guard let top = limbs.last, top != 0 else { return 0 }
        return (limbs.count - 1) * 32 + (32 - top.leadingZeroBitCount)
    }

    static func * (lhs: BigInt, rhs: BigInt) -> BigInt {
        var result = [UInt32](repeating: 0, count: lhs.limbs.count + rhs.limbs.count)
        for (i, a) in lhs.limbs.enumerated() {
            var carry: UInt64 = 0
            for (j, b) in rhs.limbs.enumerated() {
                let t = UInt64(a) * UInt64(b) + UInt64(result[i + j]) + carry
                result[i + j] = UInt32(truncatingIfNeeded: t)
                carry = t >> 32
            }
            result[i + rhs.limbs.count] = UInt32(carry)
        }
        var big = BigInt(0)
        big.limbs = result
        big.normalize()
        return big
    }

    static func << (lhs: BigInt, shift: Int) -> BigInt {
        let bits = UInt32(shift % 32)
        var result = [UInt32](repeating: 0, count: shift / 32)
        var carry: UInt32 = 0
        for limb in lhs.limbs {
            result.append(bits == 0 ? limb : (limb << bits) | carry)
            carry = bits == 0 ? 0 : limb >> (32 - bits)
        }
        result.append(carry)
        var big = BigInt(0)
        big.limbs = result
        big.normalize()
        return big
    }

    static func + (lhs: BigInt, rhs: BigInt) -> BigInt {
        var result = [UInt32]()
        var carry: UInt64 = 0
        for i in 0..<max(lhs.limbs.count, rhs.limbs.count) {
            let t =
                UInt64(i < lhs.limbs.count ? lhs.limbs[i] : 0) + UInt64(i < rhs.limbs.count ? rhs.limbs[i] : 0) + carry
            result.append(UInt32(truncatingIfNeeded: t))
            carry = t >> 32
        }
        result.append(UInt32(carry))
        var big = BigInt(0)
        big.limbs = result
        big.normalize()
        return big
    }

    static func >> (lhs: BigInt, shift: Int) -> BigInt {
        let words = shift / 32
        guard words < lhs.limbs.count else { return BigInt(0) }
        var result = Array(lhs.limbs[words...])
        let bits = UInt32(shift % 32)
        if bits > 0 {
            for i in 0..<result.count {
                result[i] = (result[i] >> bits) | (i + 1 < result.count ? result[i + 1] << (32 - bits) : 0)
            }
        }
        var big = BigInt(0)
        big.limbs = result
        big.normalize()
        return big
    }

    static func < (lhs: BigInt, rhs: BigInt) -> Bool {
        if lhs.limbs.count != rhs.limbs.count { return lhs.limbs.count < rhs.limbs.count }
        for i in stride(from: lhs.limbs.count - 1, through: 0, by: -1) where lhs.limbs[i] != rhs.limbs[i] {
            return lhs.limbs[i] < rhs.limbs[i]
        }
        return false
    }
}

@Suite struct ShortestDoubleTests {
    func text(_ value: Double) -> String {
        var out = [UInt8]()
        out.appendBytes(upTo: ByteText.maxNumberBytes) { ShortestDouble.append(value, to: &$0) }
        return String(decoding: out, as: UTF8.self)
    }

    @Test func tablesMatchTheirDefinitions() {
        var power = BigInt(1)  // 5^i
        for i in 0..<342 {
            let length = power.bitLength
            // Inverse: x = ⌊2^j / 5^i⌋ + 1 with j = length - 1 + 125, i.e. the x with
            // (x - 1) × 5^i <= 2^j < x × 5^i.
            let inverse = BigInt(
                low: ShortestDouble.pow5InverseSplit[2 * i], high: ShortestDouble.pow5InverseSplit[2 * i + 1])
            let twoJ = BigInt(1) << (length - 1 + 125)
            #expect(twoJ < inverse * power, "inverse \(i)")
            #expect(!(twoJ + power < inverse * power), "inverse \(i)")
            if i < 326 {
                let split = BigInt(low: ShortestDouble.pow5Split[2 * i], high: ShortestDouble.pow5Split[2 * i + 1])
                let expected = length >= 125 ? power >> (length - 125) : power << (125 - length)
                #expect(split == expected, "power \(i)")
            }
            power = power * BigInt(5)
        }
    }

    @Test func matchesDescriptionOnRandomBitPatterns() {
        var random = TestRandom(seed: 2024)
        var mismatches = 0
        for _ in 0..<100_000 {
            let value = Double(bitPattern: random.next())
            guard value.isFinite, value != 0 else { continue }
            if text(value) != value.description {
                mismatches += 1
                if mismatches <= 5 { Issue.record("\(value.bitPattern): \(text(value)) vs \(value.description)") }
            }
        }
        #expect(mismatches == 0)
    }

    @Test func matchesDescriptionOnEdgeFamilies() {
        var values: [Double] = [
            .leastNonzeroMagnitude, .leastNormalMagnitude, .greatestFiniteMagnitude, 0x1p53, 0x1p53 + 2, 0x1p54,
            1e-4, 1e-4.nextDown, 1e-5, 1e15, 1e16, 1e22, 1e23, 0.1, 0.2, 0.3, 1.0 / 3, 2.0 / 3, 123_456.789,
            9_007_199_254_740_991, .leastNonzeroMagnitude * 3, 2.2250738585072014e-308, 1.7976931348623157e308,
        ]
        for e in -1074...1023 {
            let p = Double(sign: .plus, exponent: e, significand: 1)
            values += [p, p.nextUp, p.nextDown]
        }
        var p10 = 1e-300
        for _ in 0..<600 {
            values += [p10, p10.nextUp, p10.nextDown]
            p10 *= 10
            if !p10.isFinite { break }
        }
        for k in 0..<2_000 {
            values += [Double(bitPattern: UInt64(k + 1)), Double(k) / 1000 + 1e15, Double(k) * 0.0625 + 1e-3]
        }
        for value in values where value.isFinite && value != 0 {
            #expect(text(value) == value.description, "\(value.bitPattern)")
            #expect(text(-value) == (-value).description, "\(value.bitPattern)")
        }
    }

    @Test func layoutExamples() {
        #expect(text(0.1) == "0.1")
        #expect(text(1e-5) == "1e-05")
        #expect(text(0.0001) == "0.0001")
        #expect(text(1e16) == "1e+16")
        #expect(text(-1.5e300) == "-1.5e+300")
        #expect(text(.leastNonzeroMagnitude) == "5e-324")
        #expect(text(0x1p53) == "9007199254740992.0")
        #expect(text(1e15) == "1000000000000000.0")
        #expect(text(123.456) == "123.456")
        let digits = ShortestDouble.decimal(0.3)
        #expect(digits.digits == 3 && digits.exponent == -1)
    }
}
