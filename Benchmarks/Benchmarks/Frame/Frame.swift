import Benchmark
import BenchmarkData
import Foundation
import StrataFrame
import StrataKernels

// StrataFrame on generated loan tapes of 1M and 10M rows (made once into Benchmarks/.data by
// TapeCache; the first run spends about a minute generating them):
// - CSV ingest with full validation;
// - snapshot write (atomic, flushed to disk) and load, with and without verification;
// - group-by on three category keys (product, region, classification) with the sum of balance
//   and the count per group.
// Few iterations at 10M (each one is seconds); the whole suite takes a couple of minutes.

/// Holds what a benchmark's setup made until its teardown drops it, so a 10M-row table does not
/// stay alive through the benchmarks that follow.
final class Holder<Value>: @unchecked Sendable {
    // SAFETY (Sendable): set in setup, read by the iterations and cleared in teardown, which the
    // benchmark runner calls one after another, never at the same time.
    var value: Value?
}

/// "1M", "10M".
func label(_ loans: Int) -> String { "\(loans / 1_000_000)M" }

/// Iteration limits for an operation that takes about `seconds` per run at 10M rows.
func limits(_ loans: Int, iterationsAt1M: Int, iterationsAt10M: Int) -> Benchmark.Configuration {
    loans >= 10_000_000
        ? .init(warmupIterations: 0, maxDuration: .seconds(20), maxIterations: iterationsAt10M)
        : .init(warmupIterations: 1, maxDuration: .seconds(5), maxIterations: iterationsAt1M)
}

let benchmarks: @Sendable () -> Void = {
    // The same process set-up as the `strata` command.
    ProcessSetup.configure()
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .peakMemoryResident, .mallocCountTotal],
        timeUnits: .milliseconds
    )

    for loans in [1_000_000, 10_000_000] {
        let tape = Holder<String>()
        Benchmark(
            "CSV ingest \(label(loans))",
            configuration: limits(loans, iterationsAt1M: 10, iterationsAt10M: 3)
        ) { benchmark in
            for _ in benchmark.scaledIterations {
                let result = try CSVIngest.ingest(path: tape.value!)
                precondition(result.accepted == loans, "the benchmark tape has rejected rows")
                blackHole(result)
            }
        } setup: {
            tape.value = try TapeCache.tape(loans: loans)
        } teardown: {
            tape.value = nil
        }

        let loaded = Holder<Table>()
        let writePath = "\(TapeCache.directory)/write-benchmark-\(loans).strata"
        Benchmark(
            "Snapshot write \(label(loans))",
            configuration: limits(loans, iterationsAt1M: 10, iterationsAt10M: 2)
        ) { benchmark in
            for _ in benchmark.scaledIterations { try Snapshot.write(loaded.value!, to: writePath) }
        } setup: {
            loaded.value = try Snapshot.load(path: try TapeCache.snapshot(loans: loans), verify: true)
        } teardown: {
            loaded.value = nil
            try? FileManager.default.removeItem(atPath: writePath)
        }

        for verify in [true, false] {
            let snapshot = Holder<String>()
            Benchmark(
                "Snapshot load \(label(loans)), verify \(verify ? "on" : "off")",
                configuration: verify
                    ? limits(loans, iterationsAt1M: 20, iterationsAt10M: 5)
                    : .init(maxDuration: .seconds(2), maxIterations: 100)
            ) { benchmark in
                for _ in benchmark.scaledIterations {
                    blackHole(try Snapshot.load(path: snapshot.value!, verify: verify))
                }
            } setup: {
                snapshot.value = try TapeCache.snapshot(loans: loans)
            } teardown: {
                snapshot.value = nil
            }
        }

        let table = Holder<(table: Table, balance: ColumnBuffer<Double>)>()
        Benchmark(
            "GroupBy 3 keys + sum, count \(label(loans))",
            configuration: limits(loans, iterationsAt1M: 30, iterationsAt10M: 10)
        ) { benchmark in
            let input = table.value!
            for _ in benchmark.scaledIterations {
                let groups = try GroupBy(input.table, by: ["product", "region", "classification"])
                blackHole(groups.sums(input.balance))
                blackHole(groups.counts())
            }
        } setup: {
            let loadedTable = try Snapshot.load(path: try TapeCache.snapshot(loans: loans), verify: true)
            table.value = (loadedTable, try loadedTable.float64("balance"))
        } teardown: {
            table.value = nil
        }
    }
}
