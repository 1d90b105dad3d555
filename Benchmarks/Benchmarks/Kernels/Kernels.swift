import Benchmark
import StrataKernels

// Numeric kernels of StrataKernels on data made in memory (no files):
// - Reduce.sum over a 10M-value column (memory bound: 80 MB per pass);
// - the GEMM of one k-means distance step, 1M points × 8 features against k = 8 centroids
//   (C = X·Mᵀ, 1M × 8 times 8 × 8: thin, memory and packing bound);
// - Normal.quantile of 10M probabilities, one thread and in parallel chunks.
// Sizes are fixed; `maxDuration`/`maxIterations` keep the whole suite to about half a minute.

/// Deterministic values in [0, 1) from Strata's own seeded generator.
func uniforms(_ count: Int, seed: UInt64) -> [Double] {
    var stream = RandomStream(seed: seed, stream: 0)
    return (0..<count).map { _ in stream.nextUniform() }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .throughput, .peakMemoryResident, .mallocCountTotal],
        timeUnits: .milliseconds,
        warmupIterations: 1,
        maxDuration: .seconds(3),
        maxIterations: 50
    )

    let tenMillion = 10_000_000

    Benchmark(
        "Reduce.sum 10M",
        configuration: .init(maxIterations: 100)
    ) { benchmark, column in
        for _ in benchmark.scaledIterations { blackHole(Reduce.sum(column)) }
    } setup: {
        ColumnBuffer(uniforms(tenMillion, seed: 1))
    }

    Benchmark(
        "Reduce.sum 10M, 1 thread",
        configuration: .init(maxIterations: 100)
    ) { benchmark, column in
        for _ in benchmark.scaledIterations { blackHole(Reduce.sum(column, threads: 1)) }
    } setup: {
        ColumnBuffer(uniforms(tenMillion, seed: 1))
    }

    // One k-means assignment step's product: 1M points × 8 features against 8 centroids.
    let points = 1_000_000
    let features = 8
    let centroids = 8
    Benchmark(
        "BLAS.gemm k-means 1M×8 · (8×8)ᵀ",
        configuration: .init(maxIterations: 100)
    ) { benchmark, inputs in
        var products = Matrix(rows: points, columns: centroids, repeating: 0)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            BLAS.gemm(1, inputs.x, inputs.centroids, transposeB: true, 0, &products)
            blackHole(products.values[0])
        }
    } setup: {
        (
            x: Matrix(rows: points, columns: features, values: uniforms(points * features, seed: 2)),
            centroids: Matrix(rows: centroids, columns: features, values: uniforms(centroids * features, seed: 3))
        )
    }

    Benchmark(
        "Normal.quantile 10M, 1 thread",
        configuration: .init(maxIterations: 10)
    ) { benchmark, probabilities in
        for _ in benchmark.scaledIterations {
            var total = 0.0
            for p in probabilities { total += Normal.quantile(p) }
            blackHole(total)
        }
    } setup: {
        uniforms(tenMillion, seed: 4)
    }

    Benchmark(
        "Normal.quantile 10M, parallel chunks",
        configuration: .init(maxIterations: 10)
    ) { benchmark, probabilities in
        for _ in benchmark.scaledIterations {
            let partials = parallelChunks(count: probabilities.count) { _, rows in
                probabilities.withSpan(in: rows) { span in
                    var total = 0.0
                    for i in span.indices { total += Normal.quantile(span[i]) }
                    return total
                }
            }
            blackHole(partials.reduce(0, +))
        }
    } setup: {
        ColumnBuffer(uniforms(tenMillion, seed: 4))
    }
}
