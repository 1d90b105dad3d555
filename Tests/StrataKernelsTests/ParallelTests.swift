import StrataKernels
import Synchronization
import Testing

private struct ChunkFailure: Error, Equatable {
    let chunk: Int
}

@Suite("parallelChunks")
struct ParallelTests {
    @Test func chunkArithmetic() {
        #expect(Parallel.chunkCount(0, chunkSize: 10) == 0)
        #expect(Parallel.chunkCount(1, chunkSize: 10) == 1)
        #expect(Parallel.chunkCount(10, chunkSize: 10) == 1)
        #expect(Parallel.chunkCount(11, chunkSize: 10) == 2)
        #expect(Parallel.chunkRange(1, count: 25, chunkSize: 10) == 10..<20)
        #expect(Parallel.chunkRange(2, count: 25, chunkSize: 10) == 20..<25)
        #expect(Parallel.threadCount >= 1)
    }

    @Test(arguments: [1, 2, 3, 7])
    func resultsComeBackInChunkOrder(threads: Int) {
        let results = parallelChunks(count: 1000, chunkSize: 7, threads: threads) { chunk, rows in (chunk, rows) }
        #expect(results.count == 143)
        for (index, result) in results.enumerated() {
            #expect(result.0 == index)
            #expect(result.1 == (index * 7)..<min(1000, index * 7 + 7))
        }
    }

    @Test(arguments: [1, 2, 7])
    func everyChunkRunsExactlyOnce(threads: Int) {
        let calls = Atomic<Int>(0)
        let rows = Atomic<Int>(0)
        _ = parallelChunks(count: 10_001, chunkSize: 100, threads: threads) { _, range in
            calls.add(1, ordering: .relaxed)
            rows.add(range.count, ordering: .relaxed)
        }
        #expect(calls.load(ordering: .relaxed) == 101)
        #expect(rows.load(ordering: .relaxed) == 10_001)
    }

    @Test func emptyInputRunsNothing() {
        let results = parallelChunks(count: 0, threads: 4) { chunk, _ in chunk }
        #expect(results.isEmpty)
    }

    /// Chunks 3, 5 and 9 fail; whichever finishes first, the error of chunk 3 must come back.
    @Test(arguments: [1, 2, 3, 7])
    func lowestFailingChunkIsRethrown(threads: Int) {
        #expect(throws: ChunkFailure(chunk: 3)) {
            _ = try parallelChunks(count: 120, chunkSize: 10, threads: threads) { (chunk, _) throws(ChunkFailure) in
                if chunk == 3 || chunk == 5 || chunk == 9 { throw ChunkFailure(chunk: chunk) }
                return chunk
            }
        }
    }

    /// Reduce.sum over parallel chunks gives the same bits for every thread count and run.
    @Test func sumIsBitIdenticalAcrossThreadCounts() {
        var rng = RandomStream(seed: 31, stream: 0)
        let values = (0..<1_000_003).map { _ in (rng.nextUniform() - 0.5) * 1e6 }
        let column = ColumnBuffer(values)
        let reference = Reduce.sum(column, threads: 1)
        for threads in [1, 2, 3, 7] {
            for _ in 0..<3 {
                #expect(Reduce.sum(column, threads: threads).bitPattern == reference.bitPattern)
            }
        }
    }

    /// Threads write disjoint ranges of one builder through parallelChunks.
    @Test(arguments: [1, 2, 7])
    func fillsBuilderInParallel(threads: Int) {
        let count = 100_003
        let builder = ColumnBufferBuilder<Double>(count: count)
        _ = parallelChunks(count: count, chunkSize: 4096, threads: threads) { _, rows in
            builder.withMutableSpan(in: rows) { span in
                for i in span.indices { span[i] = Double(rows.lowerBound + i) }
            }
        }
        let column = builder.finish()
        #expect(column.array == (0..<count).map(Double.init))
    }
}
