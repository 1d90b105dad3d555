/// Deterministic reductions over `Double` columns: sums, sums of squares, dot products, min/max.
///
/// Every sum is cut into blocks of ``Parallel/defaultChunkSize`` values. Inside a block eight
/// accumulators (one `SIMD8<Double>`) take every eighth value; the eight lanes are then combined
/// pairwise in a fixed order, the block's left-over values (fewer than eight) are added one by one,
/// and the block results are added in block order:
///
/// ```
/// lane j of block b:  a_j = Σ x[b·C + 8i + j]               (i = 0, 1, …)
/// block total:        ((a0 + a4) + (a2 + a6)) + ((a1 + a5) + (a3 + a7)), then + each tail value
/// sum:                (((block 0) + block 1) + block 2) + …
/// ```
///
/// Because the blocks are the chunks of ``parallelChunks(count:chunkSize:threads:_:)``, the span
/// overloads and the ``ColumnBuffer`` overloads return the same bits, for any thread count and on
/// every run. The error is that of eight interleaved running sums (about `n/8 · ε · Σ|x|` in the
/// worst case), not the `n · ε` of one running sum. NaN and infinities propagate as in ordinary
/// addition.
public enum Reduce {
    // MARK: - Sums over spans

    /// The sum of `x` (0 for an empty span).
    ///
    /// - Complexity: O(n), no allocation.
    public static func sum(_ x: Span<Double>) -> Double {
        x.withUnsafeBufferPointer { buffer in
            var total = 0.0
            var start = 0
            while start < buffer.count {
                let end = min(buffer.count, start + Parallel.defaultChunkSize)
                // SAFETY: start..<end lies inside the buffer, which is alive for the call.
                total += sumBlock(buffer.baseAddress! + start, end - start)
                start = end
            }
            return total
        }
    }

    /// The sum of squares `Σ xᵢ²` (0 for an empty span), with the blocking and order of `sum(_:)` over a span.
    ///
    /// - Complexity: O(n), no allocation.
    public static func sumOfSquares(_ x: Span<Double>) -> Double {
        x.withUnsafeBufferPointer { buffer in
            var total = 0.0
            var start = 0
            while start < buffer.count {
                let end = min(buffer.count, start + Parallel.defaultChunkSize)
                // SAFETY: start..<end lies inside the buffer, which is alive for the call.
                let base = buffer.baseAddress! + start
                total += dotBlock(base, base, end - start)
                start = end
            }
            return total
        }
    }

    /// The dot product `Σ xᵢ yᵢ` with the blocking and order of `sum(_:)` over a span: unlike
    /// `BLAS.dot` its bits never depend on the BLAS build or
    /// thread count.
    ///
    /// - Precondition: `x.count == y.count`.
    /// - Complexity: O(n), no allocation.
    public static func dot(_ x: Span<Double>, _ y: Span<Double>) -> Double {
        precondition(x.count == y.count, "Reduce.dot: spans differ in length (\(x.count) and \(y.count))")
        return x.withUnsafeBufferPointer { xb in
            y.withUnsafeBufferPointer { yb in
                var total = 0.0
                var start = 0
                while start < xb.count {
                    let end = min(xb.count, start + Parallel.defaultChunkSize)
                    // SAFETY: start..<end lies inside both buffers (equal counts), alive for the call.
                    total += dotBlock(xb.baseAddress! + start, yb.baseAddress! + start, end - start)
                    start = end
                }
                return total
            }
        }
    }

    /// The smallest and largest values of `x`, ignoring NaN.
    ///
    /// Comparison is by `<`, so `-0.0` and `+0.0` are interchangeable in the result.
    ///
    /// - Returns: nil when `x` is empty or holds only NaN.
    /// - Complexity: O(n), no allocation.
    public static func minMax(_ x: Span<Double>) -> (min: Double, max: Double)? {
        let (low, high) = x.withUnsafeBufferPointer { buffer in
            // SAFETY: the buffer is alive for the call; minMaxBlock reads exactly its count values.
            buffer.isEmpty ? (Double.infinity, -Double.infinity) : minMaxBlock(buffer.baseAddress!, buffer.count)
        }
        return low <= high ? (low, high) : nil
    }

    // MARK: - Parallel reductions over column buffers

    /// The sum of a column, computed in parallel chunks and combined in chunk order.
    ///
    /// Bit-identical to `sum(_:)` over a span over the same values, for any `threads`.
    ///
    /// - Parameter threads: worker threads (default ``Parallel/threadCount``).
    /// - Complexity: O(n).
    public static func sum(_ x: ColumnBuffer<Double>, threads: Int = Parallel.threadCount) -> Double {
        let partials = parallelChunks(count: x.count, threads: threads) { _, rows in
            x.withSpan(in: rows) { span in
                span.withUnsafeBufferPointer { buffer in
                    // SAFETY: the buffer covers exactly this chunk's rows and is alive for the call.
                    sumBlock(buffer.baseAddress!, buffer.count)
                }
            }
        }
        return combineInOrder(partials)
    }

    /// The sum of squares of a column, in parallel chunks combined in chunk order; bit-identical
    /// to ``sumOfSquares(_:)`` over the same values, for any `threads`.
    public static func sumOfSquares(_ x: ColumnBuffer<Double>, threads: Int = Parallel.threadCount) -> Double {
        let partials = parallelChunks(count: x.count, threads: threads) { _, rows in
            x.withSpan(in: rows) { span in
                span.withUnsafeBufferPointer { buffer in
                    // SAFETY: the buffer covers exactly this chunk's rows and is alive for the call.
                    dotBlock(buffer.baseAddress!, buffer.baseAddress!, buffer.count)
                }
            }
        }
        return combineInOrder(partials)
    }

    /// The dot product of two columns of equal length (for example `Σ pd·ead`), in parallel chunks
    /// combined in chunk order; bit-identical to ``dot(_:_:)`` over the same values, for any
    /// `threads`.
    ///
    /// - Precondition: `x.count == y.count`.
    public static func dot(
        _ x: ColumnBuffer<Double>, _ y: ColumnBuffer<Double>, threads: Int = Parallel.threadCount
    ) -> Double {
        precondition(x.count == y.count, "Reduce.dot: columns differ in length (\(x.count) and \(y.count))")
        let partials = parallelChunks(count: x.count, threads: threads) { _, rows in
            x.withSpan(in: rows) { xs in
                y.withSpan(in: rows) { ys in
                    xs.withUnsafeBufferPointer { xb in
                        ys.withUnsafeBufferPointer { yb in
                            // SAFETY: both buffers cover exactly this chunk's rows, alive for the call.
                            dotBlock(xb.baseAddress!, yb.baseAddress!, xb.count)
                        }
                    }
                }
            }
        }
        return combineInOrder(partials)
    }

    /// The smallest and largest values of a column, ignoring NaN, in parallel chunks.
    ///
    /// - Returns: nil when the column is empty or holds only NaN.
    public static func minMax(
        _ x: ColumnBuffer<Double>, threads: Int = Parallel.threadCount
    ) -> (min: Double, max: Double)? {
        let partials = parallelChunks(count: x.count, threads: threads) { _, rows in
            x.withSpan(in: rows) { span in
                span.withUnsafeBufferPointer { buffer in
                    // SAFETY: the buffer covers exactly this chunk's rows (at least one) and is alive.
                    minMaxBlock(buffer.baseAddress!, buffer.count)
                }
            }
        }
        var low = Double.infinity
        var high = -Double.infinity
        for (chunkLow, chunkHigh) in partials {
            if chunkLow < low { low = chunkLow }
            if chunkHigh > high { high = chunkHigh }
        }
        return low <= high ? (low, high) : nil
    }

    // MARK: - Kernels

    /// Adds chunk results left to right (the fixed combination order).
    private static func combineInOrder(_ partials: [Double]) -> Double {
        var total = 0.0
        for partial in partials { total += partial }
        return total
    }

    /// Combines the eight lanes in the fixed order ((a0+a4)+(a2+a6)) + ((a1+a5)+(a3+a7)).
    @inline(__always)
    private static func combineLanes(_ lanes: SIMD8<Double>) -> Double {
        let quarter = lanes.lowHalf + lanes.highHalf  // (a0+a4, a1+a5, a2+a6, a3+a7)
        let half = quarter.lowHalf + quarter.highHalf  // ((a0+a4)+(a2+a6), (a1+a5)+(a3+a7))
        return half[0] + half[1]
    }

    /// The sum of `count` values at `base` with eight accumulators.
    ///
    /// - Precondition (caller): `base` points to `count` readable values (any alignment).
    private static func sumBlock(_ base: UnsafePointer<Double>, _ count: Int) -> Double {
        let raw = UnsafeRawPointer(base)
        var lanes = SIMD8<Double>()
        var i = 0
        while i + 8 <= count {
            // SAFETY: i + 8 <= count, so the eight values are inside the caller's buffer.
            lanes += raw.loadUnaligned(fromByteOffset: i &* 8, as: SIMD8<Double>.self)
            i &+= 8
        }
        var total = combineLanes(lanes)
        while i < count {
            total += base[i]
            i &+= 1
        }
        return total
    }

    /// `Σ x[i]·y[i]` over `count` values with eight accumulators (products rounded, then added).
    private static func dotBlock(_ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, _ count: Int) -> Double {
        let rawX = UnsafeRawPointer(x)
        let rawY = UnsafeRawPointer(y)
        var lanes = SIMD8<Double>()
        var i = 0
        while i + 8 <= count {
            // SAFETY: i + 8 <= count, so the eight values are inside both caller buffers.
            let a = rawX.loadUnaligned(fromByteOffset: i &* 8, as: SIMD8<Double>.self)
            let b = rawY.loadUnaligned(fromByteOffset: i &* 8, as: SIMD8<Double>.self)
            lanes += a * b
            i &+= 8
        }
        var total = combineLanes(lanes)
        while i < count {
            total += x[i] * y[i]
            i &+= 1
        }
        return total
    }

    /// Min and max of `count >= 1` values ignoring NaN; `(+∞, −∞)` when all are NaN.
    private static func minMaxBlock(_ base: UnsafePointer<Double>, _ count: Int) -> (Double, Double) {
        let raw = UnsafeRawPointer(base)
        var lows = SIMD8<Double>(repeating: .infinity)
        var highs = SIMD8<Double>(repeating: -.infinity)
        var i = 0
        while i + 8 <= count {
            // SAFETY: i + 8 <= count, so the eight values are inside the caller's buffer.
            let v = raw.loadUnaligned(fromByteOffset: i &* 8, as: SIMD8<Double>.self)
            // A NaN lane compares false both ways and is skipped.
            lows.replace(with: v, where: v .< lows)
            highs.replace(with: v, where: v .> highs)
            i &+= 8
        }
        var low = Double.infinity
        var high = -Double.infinity
        for lane in 0..<8 {
            if lows[lane] < low { low = lows[lane] }
            if highs[lane] > high { high = highs[lane] }
        }
        while i < count {
            let v = base[i]
            if v < low { low = v }
            if v > high { high = v }
            i &+= 1
        }
        return (low, high)
    }
}
