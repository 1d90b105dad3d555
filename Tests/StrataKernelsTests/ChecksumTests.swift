import StrataKernels
import Testing

/// XXH64 and the block-wise checksum against the reference C library (values made by
/// Tests/Fixtures/xxh64_reference.py through libxxhash) and against a naive byte-wise
/// re-implementation written from the specification.
@Suite struct ChecksumTests {
    /// `n` bytes with byte i = (i * 31 + 7) mod 256, as in the fixture script.
    static func pattern(_ n: Int) -> [UInt8] { (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) } }

    /// (length, seed, XXH64(pattern(length), seed)) from libxxhash 0.8.1.
    static let reference: [(Int, UInt64, UInt64)] = [
        (0, 0x0000000000000000, 0xEF46DB3751D8E999),
        (0, 0x0000000000000001, 0xD5AFBA1336A3BE4B),
        (0, 0x9E3779B97F4A7C15, 0xC4349FC93C010000),
        (1, 0x0000000000000000, 0xA96C7F0CE858BBB7),
        (1, 0x0000000000000001, 0x0766883A0A47A96A),
        (1, 0x9E3779B97F4A7C15, 0x585882422A6165E7),
        (3, 0x0000000000000000, 0x56E6957632A487F9),
        (3, 0x0000000000000001, 0x598AFE4FBB09D9F6),
        (3, 0x9E3779B97F4A7C15, 0x5ACB303E78133C22),
        (4, 0x0000000000000000, 0xC60D15B1E3FF8F04),
        (4, 0x0000000000000001, 0x5E9F99AA13DE2D02),
        (4, 0x9E3779B97F4A7C15, 0x7D51D5E2461732B3),
        (7, 0x0000000000000000, 0xAFBEFC3D6C6F9A8E),
        (7, 0x0000000000000001, 0xBD99F1FA0DE7B9A4),
        (7, 0x9E3779B97F4A7C15, 0x2CE9ADEC2B2C8104),
        (8, 0x0000000000000000, 0x3DA5C7AA269683E0),
        (8, 0x0000000000000001, 0x1B4E043A4021AA18),
        (8, 0x9E3779B97F4A7C15, 0x758848F033FA76A2),
        (9, 0x0000000000000000, 0x4B17A9BA9E215C09),
        (9, 0x0000000000000001, 0x2A77C6E783FB18B1),
        (9, 0x9E3779B97F4A7C15, 0xD4576CF554B7D929),
        (31, 0x0000000000000000, 0x4A74F3A1A39AD4A1),
        (31, 0x0000000000000001, 0xD7AC4F4BEA4E460A),
        (31, 0x9E3779B97F4A7C15, 0x8137041F5AF88413),
        (32, 0x0000000000000000, 0x8D57D6A4671CC43D),
        (32, 0x0000000000000001, 0x8F666909CFD00CC8),
        (32, 0x9E3779B97F4A7C15, 0x184EBCF3745CD46C),
        (33, 0x0000000000000000, 0x62C9FD21ED857664),
        (33, 0x0000000000000001, 0xB1575979B72C805A),
        (33, 0x9E3779B97F4A7C15, 0x52FAC3C981F3CC2E),
        (63, 0x0000000000000000, 0x5C320A0D2707057F),
        (63, 0x0000000000000001, 0x61B9CB220DA77A86),
        (63, 0x9E3779B97F4A7C15, 0x64EF99A2E94CC7BD),
        (64, 0x0000000000000000, 0x7BBABBC45729D17E),
        (64, 0x0000000000000001, 0xEE10EEE981202CE9),
        (64, 0x9E3779B97F4A7C15, 0xF7F22435FE1AB128),
        (65, 0x0000000000000000, 0xF3980C34BAE65DC1),
        (65, 0x0000000000000001, 0xB99A8864D5005B72),
        (65, 0x9E3779B97F4A7C15, 0x7A0B76A812617C73),
        (100, 0x0000000000000000, 0xEFA0AD2D3E70C151),
        (100, 0x0000000000000001, 0xCD8103AECD2ED5CF),
        (100, 0x9E3779B97F4A7C15, 0xBC7AB33BE7528C18),
        (1000, 0x0000000000000000, 0x99594F4828043D35),
        (1000, 0x0000000000000001, 0x31DB8080BC8EB541),
        (1000, 0x9E3779B97F4A7C15, 0xDA717F741F399F3F),
    ]

    /// (length, C(pattern(length))) from the fixture script.
    static let blockedReference: [(Int, UInt64)] = [
        (0, 0xEF46DB3751D8E999),
        (1, 0x5DB0F076743CC359),
        (1048576, 0xF75253F6175E9A78),
        (1048577, 0x7C645D6D6233C649),
        (3145733, 0x10C1647A3ADF8C2A),
    ]

    @Test func matchesReferenceLibrary() {
        for (length, seed, expected) in Self.reference {
            #expect(Checksum.xxh64(Self.pattern(length), seed: seed) == expected, "length \(length) seed \(seed)")
        }
    }

    @Test func knownVectors() {
        // From the xxHash README / python-xxhash documentation.
        #expect(Checksum.xxh64(Array("".utf8)) == 0xEF46_DB37_51D8_E999)
        #expect(Checksum.xxh64(Array("a".utf8)) == 0xD24E_C4F1_A98C_6E5B)
        #expect(Checksum.xxh64(Array("abc".utf8)) == 0x44BC_2CF5_AD77_0999)
    }

    @Test func blockedMatchesReference() {
        for (length, expected) in Self.blockedReference {
            let bytes = Self.pattern(length)
            #expect(Checksum.blocked(bytes.span.bytes) == expected, "length \(length)")
        }
    }

    @Test func matchesNaiveImplementation() {
        var state: UInt64 = 12345
        for length in 0..<300 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let seed = state
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: ($0 &* 131) ^ Int(seed >> 40)) }
            #expect(Checksum.xxh64(bytes, seed: seed) == NaiveXXH64.hash(bytes, seed: seed), "length \(length)")
        }
    }

    @Test func sliceOffsetsDoNotMatter() {
        // Unaligned starts read the same bytes.
        let bytes = Self.pattern(200)
        for start in 0..<9 {
            let slice = Array(bytes[start..<(start + 150)])
            #expect(Checksum.xxh64(bytes.span.bytes.extracting(start..<(start + 150))) == Checksum.xxh64(slice))
        }
    }

    @Test func blockHelpers() {
        #expect(Checksum.blockCount(0) == 0)
        #expect(Checksum.blockCount(1) == 1)
        #expect(Checksum.blockCount(Checksum.blockSize) == 1)
        #expect(Checksum.blockCount(Checksum.blockSize + 1) == 2)
        #expect(
            Checksum.blockRange(1, byteCount: Checksum.blockSize + 5) == Checksum.blockSize..<(Checksum.blockSize + 5))
        #expect(Checksum.combine(blockHashes: []) == Checksum.xxh64([UInt8]()))
    }
}

/// XXH64 written byte by byte from the specification, as slowly and plainly as possible.
enum NaiveXXH64 {
    static let p1: UInt64 = 11_400_714_785_074_694_791
    static let p2: UInt64 = 14_029_467_366_897_019_727
    static let p3: UInt64 = 1_609_587_929_392_839_161
    static let p4: UInt64 = 9_650_029_242_287_828_579
    static let p5: UInt64 = 2_870_177_450_012_600_261

    static func rotl(_ x: UInt64, _ r: UInt64) -> UInt64 { (x << r) | (x >> (64 - r)) }

    static func read(_ bytes: [UInt8], _ at: Int, _ width: Int) -> UInt64 {
        var value: UInt64 = 0
        for i in (0..<width).reversed() { value = value << 8 | UInt64(bytes[at + i]) }
        return value
    }

    static func round(_ acc: UInt64, _ lane: UInt64) -> UInt64 { rotl(acc &+ lane &* p2, 31) &* p1 }

    static func hash(_ bytes: [UInt8], seed: UInt64) -> UInt64 {
        var acc: UInt64
        var i = 0
        if bytes.count >= 32 {
            var v = [seed &+ p1 &+ p2, seed &+ p2, seed, seed &- p1]
            while i + 32 <= bytes.count {
                for lane in 0..<4 { v[lane] = round(v[lane], read(bytes, i + 8 * lane, 8)) }
                i += 32
            }
            acc = rotl(v[0], 1) &+ rotl(v[1], 7) &+ rotl(v[2], 12) &+ rotl(v[3], 18)
            for lane in 0..<4 { acc = (acc ^ round(0, v[lane])) &* p1 &+ p4 }
        } else {
            acc = seed &+ p5
        }
        acc = acc &+ UInt64(bytes.count)
        while i + 8 <= bytes.count {
            acc = rotl(acc ^ round(0, read(bytes, i, 8)), 27) &* p1 &+ p4
            i += 8
        }
        if i + 4 <= bytes.count {
            acc = rotl(acc ^ (read(bytes, i, 4) &* p1), 23) &* p2 &+ p3
            i += 4
        }
        while i < bytes.count {
            acc = rotl(acc ^ (UInt64(bytes[i]) &* p5), 11) &* p1
            i += 1
        }
        acc = (acc ^ (acc >> 33)) &* p2
        acc = (acc ^ (acc >> 29)) &* p3
        return acc ^ (acc >> 32)
    }
}
