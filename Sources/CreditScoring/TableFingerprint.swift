import StrataFrame
import StrataKernels

/// A checksum of the columns a model was trained on, recorded in the model file.
///
/// For each named column in the given order: XXH64 of its name and type, the block-wise checksum
/// (``Checksum/blocked(_:)``) of its value bytes, of its validity words when it has missing
/// values, and of its dictionary for category columns; the list of these hashes, as little-endian
/// 64-bit words, is hashed once more with XXH64. The same values in the same row order give the
/// same fingerprint, whatever file they came from.
public enum TableFingerprint {
    /// The fingerprint of the columns `names` of `table`, as `xxh64:` and 16 hex digits.
    ///
    /// - Precondition: every name is a column of `table`.
    public static func fingerprint(_ table: Table, columns names: [String]) -> String {
        var hashes = [UInt64]()
        for name in names {
            let column = try! table.column(named: name)
            hashes.append(Checksum.xxh64(Array((name + "\u{0}" + column.type.rawValue).utf8)))
            switch column.values {
            case .float64(let b): hashes.append(b.withBytes { Checksum.blocked($0) })
            case .int64(let b): hashes.append(b.withBytes { Checksum.blocked($0) })
            case .date(let b): hashes.append(b.withBytes { Checksum.blocked($0) })
            case .category(let c):
                hashes.append(c.codes.withBytes { Checksum.blocked($0) })
                hashes.append(Checksum.xxh64(Array(c.dictionary.joined(separator: "\u{0}").utf8)))
            case .string(let s):
                hashes.append(s.offsets.withBytes { Checksum.blocked($0) })
                hashes.append(s.bytes.withBytes { Checksum.blocked($0) })
            }
            if let validity = column.validity {
                hashes.append(validity.words.withBytes { Checksum.blocked($0) })
            }
        }
        var bytes = [UInt8]()
        for h in hashes {
            for k in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: h >> (8 * UInt64(k)))) }
        }
        let value = Checksum.xxh64(bytes)
        let hex = String(value, radix: 16)
        return "xxh64:" + String(repeating: "0", count: 16 - hex.count) + hex
    }
}
