import Foundation
import StrataFrame

/// The generated loan tapes and snapshots the benchmarks read, made once and kept in a cache folder.
///
/// Every tape is `LoanTapeGenerator(loans: n, seed: 42, asOf: 2026-06-30)`, so a tape of a given
/// size is the same file on every machine. Files are written atomically (temporary name, then
/// rename), so two processes filling the cache at once do not see half a file.
///
/// The folder is `$STRATA_BENCH_DATA` when set, else `Benchmarks/.data` (ignored by git).
public enum TapeCache {
    /// The seed of every benchmark tape.
    public static let seed: UInt64 = 42

    /// The snapshot date of every benchmark tape.
    public static let asOf = CivilDate(year: 2026, month: 6, day: 30)!

    /// The cache folder: `$STRATA_BENCH_DATA`, else the `.data` folder of the Benchmarks package.
    public static var directory: String {
        if let path = ProcessInfo.processInfo.environment["STRATA_BENCH_DATA"], !path.isEmpty {
            return path
        }
        // This file is <Benchmarks>/Sources/BenchmarkData/TapeCache.swift.
        let package = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return package.appendingPathComponent(".data").path
    }

    /// The path of the tape of `loans` loans, whether or not it exists yet.
    public static func tapePath(loans: Int) -> String {
        "\(directory)/loans-\(loans)-seed\(seed).csv"
    }

    /// The path of the snapshot of the tape of `loans` loans, whether or not it exists yet.
    public static func snapshotPath(loans: Int) -> String {
        "\(directory)/loans-\(loans)-seed\(seed).strata"
    }

    /// The tape of `loans` loans, generated on first use.
    ///
    /// - Returns: its path.
    /// - Throws: ``StrataFrameError`` when the folder or the file cannot be written.
    public static func tape(loans: Int) throws -> String {
        let path = tapePath(loans: loans)
        if FileManager.default.fileExists(atPath: path) { return path }
        try makeDirectory()
        try LoanTapeGenerator(loans: loans, seed: seed, asOf: asOf).write(to: path)
        return path
    }

    /// The snapshot of the tape of `loans` loans, made on first use by ingesting the tape.
    ///
    /// - Returns: its path.
    /// - Throws: ``StrataFrameError`` when the tape cannot be made or read or the snapshot written.
    public static func snapshot(loans: Int) throws -> String {
        let path = snapshotPath(loans: loans)
        if FileManager.default.fileExists(atPath: path) { return path }
        let result = try CSVIngest.ingest(path: try tape(loans: loans))
        try Snapshot.write(result.table, to: path, metadata: ["source": "benchmark tape, \(loans) loans, seed \(seed)"])
        return path
    }

    /// The bytes of the table's column data: values, validity bitmaps, category codes and their
    /// dictionaries' text, string offsets and bytes. What the table costs in memory, without the
    /// few bytes of Swift bookkeeping around each buffer.
    public static func columnBytes(_ table: Table) -> Int {
        var total = 0
        for column in table.columns {
            switch column.values {
            case .float64(let values): total += values.count * MemoryLayout<Double>.stride
            case .int64(let values): total += values.count * MemoryLayout<Int64>.stride
            case .date(let values): total += values.count * MemoryLayout<Int32>.stride
            case .category(let values):
                total += values.codes.count * MemoryLayout<UInt32>.stride
                total += values.dictionary.reduce(0) { $0 + $1.utf8.count }
            case .string(let values):
                total += values.offsets.count * MemoryLayout<Int64>.stride + values.bytes.count
            }
            if let validity = column.validity { total += validity.words.count * MemoryLayout<UInt64>.stride }
        }
        return total
    }

    private static func makeDirectory() throws(StrataFrameError) {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .io(path: directory, reason: "cannot create the benchmark data folder: \(error.localizedDescription)")
        }
    }
}
