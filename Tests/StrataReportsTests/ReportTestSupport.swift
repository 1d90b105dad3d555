import Foundation
import StrataFrame
import StrataKernels

/// A small, independent RFC 4180 reader for checking written CSV: fields split on `,`, records
/// on LF or CRLF, `"…"` quoting with `""` for a quote inside.
func parseCSV(_ bytes: [UInt8]) -> [[String]] {
    var records = [[String]]()
    var record = [String]()
    var field = [UInt8]()
    var inQuotes = false
    var i = 0
    func endField() {
        record.append(String(decoding: field, as: UTF8.self))
        field.removeAll()
    }
    while i < bytes.count {
        let b = bytes[i]
        if inQuotes {
            if b == UInt8(ascii: "\"") {
                if i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "\"") {
                    field.append(b)
                    i += 1
                } else {
                    inQuotes = false
                }
            } else {
                field.append(b)
            }
        } else if b == UInt8(ascii: "\"") && field.isEmpty {
            inQuotes = true
        } else if b == UInt8(ascii: ",") {
            endField()
        } else if b == UInt8(ascii: "\n") {
            endField()
            records.append(record)
            record = []
        } else if b == UInt8(ascii: "\r") && i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "\n") {
            // CRLF: the LF ends the record.
        } else {
            field.append(b)
        }
        i += 1
    }
    if !field.isEmpty || !record.isEmpty {
        endField()
        records.append(record)
    }
    return records
}

/// A fresh empty directory under the system temporary directory.
func makeTemporaryDirectory() throws -> String {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("strata-reports-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url.path
}

/// The names in `directory`, sorted.
func directoryEntries(_ directory: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
}

/// A deterministic generator for test data (SplitMix64).
struct TestRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }
}

/// A table with every column type, missing values in each, and text that needs quoting,
/// neutralising and escaping.
func mixedTable(rows: Int, seed: UInt64 = 1) throws -> Table {
    var random = TestRandom(seed: seed)
    let words = [
        "plain", "a,b", "say \"hi\"", "two\nlines", "cr\rx", "=SUM(A1:A9)", "+1", "-2", "@cmd", "\ttab",
        "é中文😀", "", "back\\slash", "pipe|bar", "\u{2028}sep", "ctl\u{1}\u{1F}",
    ]
    var floats = [Double]()
    var ints = [Int64]()
    var dates = [Int32]()
    var categories = [String]()
    var strings = [String]()
    var valid = [[Bool]](repeating: [], count: 5)
    for _ in 0..<rows {
        switch random.below(6) {
        case 0: floats.append(Double(random.below(2_000_000)) / 100 - 10_000)
        case 1: floats.append(random.unit())
        case 2: floats.append(-random.unit() * 1e-7)
        case 3: floats.append(Double(random.below(1000)))
        case 4: floats.append(random.unit() * 1e20)
        default: floats.append([Double.nan, .infinity, -.infinity, -0.0, .leastNonzeroMagnitude][random.below(5)])
        }
        ints.append(Int64(bitPattern: random.next()) >> Int64(random.below(64)))
        dates.append(Int32(random.below(40_000)) - 5_000)
        categories.append(words[random.below(words.count)])
        strings.append(words[random.below(words.count)] + String(random.below(100)))
        for c in 0..<5 { valid[c].append(random.below(7) != 0) }
    }
    return try Table(columns: [
        Column(name: "amount", values: .float64(ColumnBuffer(floats)), validity: ValidityBitmap(valid[0])),
        Column(name: "count", values: .int64(ColumnBuffer(ints)), validity: ValidityBitmap(valid[1])),
        Column(name: "as_of", values: .date(ColumnBuffer(dates)), validity: ValidityBitmap(valid[2])),
        Column(name: "kind", values: .category(CategoryValues(categories)), validity: ValidityBitmap(valid[3])),
        Column(name: "note", values: .string(StringValues(strings)), validity: ValidityBitmap(valid[4])),
    ])
}
