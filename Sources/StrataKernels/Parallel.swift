import COpenBLAS
import Dispatch
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// How Strata spreads row-chunked work over the cores.
///
/// Work is cut into fixed chunks of rows (the chunk size, never the thread count, decides the
/// cut), chunks run on `DispatchQueue.concurrentPerform`, and results come back in chunk order.
/// Reductions that combine chunk results in that order are therefore bit-identical for any
/// number of threads and from run to run.
public enum Parallel {
    /// Rows per chunk unless a caller says otherwise: 64 Ki rows, about 512 KiB per Float64 column.
    public static let defaultChunkSize = 65_536

    /// Worker threads used by default: `STRATA_THREADS` when set to a positive integer, else the
    /// number of active processors.
    public static let threadCount: Int = {
        if let text = getenv("STRATA_THREADS").map({ String(cString: $0) }), let n = Int(text), n > 0 {
            return n
        }
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }()

    /// The number of chunks `count` rows make at `chunkSize` rows per chunk.
    public static func chunkCount(_ count: Int, chunkSize: Int = defaultChunkSize) -> Int {
        precondition(chunkSize > 0, "chunk size must be positive")
        return count == 0 ? 0 : (count + chunkSize - 1) / chunkSize
    }

    /// The rows of chunk `index`.
    public static func chunkRange(_ index: Int, count: Int, chunkSize: Int = defaultChunkSize) -> Range<Int> {
        let start = index * chunkSize
        return start..<min(count, start + chunkSize)
    }
}

/// Pins OpenBLAS to one thread, once per process, before any Strata parallel region or BLAS call.
///
/// `openblas_set_num_threads` is process-global, and OpenBLAS threads inside an outer parallel
/// loop oversubscribe the cores (measured up to 2.7x slower here). Strata parallelises the outer
/// loop; a single large product may ask for more threads through ``BLAS/withThreads(_:_:)``.
///
/// The pthread build of OpenBLAS starts its worker threads when the library loads, and each one
/// spins on `sched_yield` for about 2^28 cycles before it sleeps: measured here, 0.12 s of CPU
/// at the start of every process, taken from Strata's own workers. With one BLAS thread those
/// workers have nothing to do, so they are stopped (`blas_thread_shutdown_`, looked up with
/// `dlsym`; builds without it are left alone). OpenBLAS starts them again by itself on the first
/// call that runs on more than one thread (measured: a 2,000² DGEMM inside `withThreads(2)` still
/// ran on two threads afterwards).
enum OpenBLASSetup {
    static let pinned: Void = {
        openblas_set_num_threads(1)
        stopIdleWorkers()
    }()

    /// Stops OpenBLAS's worker threads (also after anything that starts them again, such as
    /// `openblas_set_num_threads`).
    static func stopIdleWorkers() {
        // SAFETY: dlsym returns nil or OpenBLAS's `int blas_thread_shutdown_(void)`
        // (driver/others/blas_server.c), which joins idle worker threads and marks the server down.
        if let address = dlsym(nil, "blas_thread_shutdown_") {
            typealias Shutdown = @convention(c) () -> Int32
            _ = unsafeBitCast(address, to: Shutdown.self)()
        }
    }
}

/// Per-chunk result slots, written once each by the chunk that owns the slot.
private struct ChunkSlots<T>: @unchecked Sendable {
    // SAFETY: slot i is written only by the worker that claimed chunk i (the atomic counter hands
    // each index out once) and read only after concurrentPerform has returned.
    let pointer: UnsafeMutablePointer<T?>
    let count: Int
}

/// Runs `body` once per fixed chunk of `0..<count` on up to `threads` threads and returns the
/// results in chunk order.
///
/// The chunking depends only on `count` and `chunkSize`, so results combined in the returned
/// order are identical for any `threads`. When bodies throw, the error of the lowest-numbered
/// failing chunk is rethrown (the same error for any thread count).
///
/// - Parameters:
///   - count: the number of rows.
///   - chunkSize: rows per chunk (the last chunk may be shorter).
///   - threads: worker threads; 1 runs everything on the calling thread.
///   - body: the work for one chunk, given its index and its rows.
/// - Complexity: O(count) plus the work of `body`.
public func parallelChunks<T, E: Error>(
    count: Int,
    chunkSize: Int = Parallel.defaultChunkSize,
    threads: Int = Parallel.threadCount,
    _ body: @Sendable (_ chunk: Int, _ rows: Range<Int>) throws(E) -> T
) throws(E) -> [T] {
    _ = OpenBLASSetup.pinned
    let chunks = Parallel.chunkCount(count, chunkSize: chunkSize)
    if chunks == 0 { return [] }
    let workers = max(1, min(threads, chunks))
    if workers == 1 {
        var results = [T]()
        results.reserveCapacity(chunks)
        for chunk in 0..<chunks {
            results.append(try body(chunk, Parallel.chunkRange(chunk, count: count, chunkSize: chunkSize)))
        }
        return results
    }
    let values = UnsafeMutablePointer<T?>.allocate(capacity: chunks)
    values.initialize(repeating: nil, count: chunks)
    let errors = UnsafeMutablePointer<E?>.allocate(capacity: chunks)
    errors.initialize(repeating: nil, count: chunks)
    defer {
        values.deinitialize(count: chunks)
        values.deallocate()
        errors.deinitialize(count: chunks)
        errors.deallocate()
    }
    let valueSlots = ChunkSlots(pointer: values, count: chunks)
    let errorSlots = ChunkSlots(pointer: errors, count: chunks)
    let next = Atomic<Int>(0)
    DispatchQueue.concurrentPerform(iterations: workers) { _ in
        while true {
            let chunk = next.wrappingAdd(1, ordering: .relaxed).oldValue
            if chunk >= chunks { break }
            let rows = Parallel.chunkRange(chunk, count: count, chunkSize: chunkSize)
            do throws(E) {
                valueSlots.pointer[chunk] = try body(chunk, rows)
            } catch {
                errorSlots.pointer[chunk] = error
            }
        }
    }
    for chunk in 0..<chunks {
        if let error = errors[chunk] { throw error }
    }
    var results = [T]()
    results.reserveCapacity(chunks)
    for chunk in 0..<chunks { results.append(values[chunk]!) }
    return results
}
