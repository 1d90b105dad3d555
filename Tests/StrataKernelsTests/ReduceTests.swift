import StrataKernels
import Testing

/// The documented summation order written out as plainly as possible: blocks of
/// `Parallel.defaultChunkSize`, eight lanes per block taking every eighth value, lanes combined as
/// ((a0+a4)+(a2+a6)) + ((a1+a5)+(a3+a7)), then the tail one by one, then blocks left to right.
private func modelSum(_ x: [Double], _ term: (Int) -> Double) -> Double {
    var total = 0.0
    var start = 0
    while start < x.count {
        let end = min(x.count, start + Parallel.defaultChunkSize)
        var lanes = [Double](repeating: 0, count: 8)
        let full = (end - start) / 8 * 8
        for i in 0..<full { lanes[i % 8] += term(start + i) }
        var block = ((lanes[0] + lanes[4]) + (lanes[2] + lanes[6])) + ((lanes[1] + lanes[5]) + (lanes[3] + lanes[7]))
        for i in full..<(end - start) { block += term(start + i) }
        total += block
        start = end
    }
    return total
}

/// Values spread over twenty orders of magnitude with both signs, so that every change of
/// summation order changes the rounded result.
private func wideValues(_ count: Int, stream: UInt64) -> [Double] {
    var rng = RandomStream(seed: 77, stream: stream)
    return (0..<count).map { _ in
        let magnitude = Double(Int.random(in: -10...10, using: &rng))
        return (2 * rng.nextUniform() - 1) * pow10(magnitude)
    }
}

private func pow10(_ exponent: Double) -> Double {
    var result = 1.0
    for _ in 0..<Int(abs(exponent)) { result *= 10 }
    return exponent < 0 ? 1 / result : result
}

/// Sizes around every boundary: empty, tail only, one lane group, one group plus tail, exactly one
/// block, one block plus one, and several blocks with a ragged end.
private let sizes = [0, 1, 7, 8, 9, 63, 65_536, 65_537, 200_003]

@Suite("Reduce")
struct ReduceTests {
    @Test(arguments: sizes)
    func sumFollowsDocumentedOrderBitForBit(n: Int) {
        let x = wideValues(n, stream: 1)
        let expected = modelSum(x) { x[$0] }
        #expect(Reduce.sum(x.span).bitPattern == expected.bitPattern)
    }

    @Test(arguments: sizes)
    func sumOfSquaresAndDotFollowDocumentedOrder(n: Int) {
        let x = wideValues(n, stream: 2)
        let y = wideValues(n, stream: 3)
        #expect(Reduce.sumOfSquares(x.span).bitPattern == modelSum(x) { x[$0] * x[$0] }.bitPattern)
        #expect(Reduce.dot(x.span, y.span).bitPattern == modelSum(x) { x[$0] * y[$0] }.bitPattern)
    }

    /// Against a naive running sum: both errors are below n·ε·Σ|x| (the classical bound).
    @Test(arguments: sizes)
    func sumIsCloseToNaiveLoop(n: Int) {
        let x = randomValues(n, stream: 4)
        var naive = 0.0
        var scale = 0.0
        for v in x {
            naive += v
            scale += abs(v)
        }
        #expect(abs(Reduce.sum(x.span) - naive) <= Double(n) * 2.3e-16 * scale)
    }

    @Test func handComputed() {
        let x: [Double] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0.5]
        #expect(Reduce.sum(x.span) == 55.5)
        #expect(Reduce.sumOfSquares(x.span) == 385.25)
        #expect(Reduce.dot(x.span, x.span) == 385.25)
        #expect(Reduce.sum([Double]().span) == 0)
    }

    @Test func nanAndInfinityPropagate() {
        #expect(Reduce.sum([1, .nan, 3, 4, 5, 6, 7, 8, 9].span).isNaN)
        #expect(Reduce.sum([1, .infinity, 3].span) == .infinity)
        #expect(Reduce.sum([.infinity, -.infinity].span).isNaN)
    }

    @Test func minMaxBasics() {
        #expect(Reduce.minMax([Double]().span) == nil)
        #expect(Reduce.minMax([.nan, .nan].span) == nil)
        #expect(Reduce.minMax([Double](repeating: .nan, count: 20).span) == nil)
        #expect(Reduce.minMax([3].span)! == (3, 3))
        #expect(Reduce.minMax([3, .nan, -2, 8, .nan, 1, 1, 1, 1, 1, 1, 0.5].span)! == (-2, 8))
        #expect(Reduce.minMax([.infinity].span)! == (.infinity, .infinity))
        #expect(Reduce.minMax([-.infinity, 2, .nan].span)! == (-.infinity, 2))
    }

    @Test(arguments: sizes.filter { $0 > 0 })
    func minMaxMatchesNaiveScan(n: Int) {
        var x = wideValues(n, stream: 5)
        if n > 5 { x[n / 2] = .nan }
        let result = Reduce.minMax(x.span)!
        let finite = x.filter { !$0.isNaN }
        #expect(result.min == finite.min()!)
        #expect(result.max == finite.max()!)
    }

    /// The column overloads run in parallel chunks and must give the span overloads' bits for any
    /// thread count.
    @Test(arguments: [1, 2, 3, 7])
    func columnOverloadsMatchSpanOverloadsForAnyThreadCount(threads: Int) {
        let values = wideValues(300_007, stream: 6)
        let others = wideValues(300_007, stream: 7)
        let x = ColumnBuffer(values)
        let y = ColumnBuffer(others)
        #expect(Reduce.sum(x, threads: threads).bitPattern == Reduce.sum(values.span).bitPattern)
        #expect(Reduce.sumOfSquares(x, threads: threads).bitPattern == Reduce.sumOfSquares(values.span).bitPattern)
        #expect(Reduce.dot(x, y, threads: threads).bitPattern == Reduce.dot(values.span, others.span).bitPattern)
        let range = Reduce.minMax(x, threads: threads)!
        let expected = Reduce.minMax(values.span)!
        #expect(range == expected)
    }

    @Test func emptyColumn() {
        let x = ColumnBuffer<Double>()
        #expect(Reduce.sum(x) == 0)
        #expect(Reduce.sumOfSquares(x) == 0)
        #expect(Reduce.minMax(x) == nil)
    }
}
