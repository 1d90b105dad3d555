import Testing

@testable import StrataKernels

@Suite("ColumnBuffer")
struct ColumnBufferTests {
    @Test func fromArrayAndBack() {
        let buffer = ColumnBuffer<Int64>([5, -1, 7])
        #expect(buffer.count == 3)
        #expect(buffer[0] == 5 && buffer[1] == -1 && buffer[2] == 7)
        #expect(buffer.array == [5, -1, 7])
        #expect(buffer.withSpan { $0.count } == 3)
        #expect(buffer.withSpan(in: 1..<3) { $0[0] } == -1)
        #expect(buffer.withBytes { $0.byteCount } == 24)
    }

    @Test func emptyAndRepeating() {
        let empty = ColumnBuffer<Double>()
        #expect(empty.count == 0 && empty.array.isEmpty)
        #expect(empty.withSpan { $0.isEmpty })
        #expect(ColumnBuffer(repeating: 2.5, count: 4).array == [2.5, 2.5, 2.5, 2.5])
        #expect(ColumnBuffer(repeating: 1, count: 0).array == [Int32]())
    }

    /// Values start on a 64-byte boundary, so a buffer can go into a snapshot file as is.
    @Test(arguments: [0, 1, 3, 1000])
    func storageIsSixtyFourByteAligned(count: Int) {
        let fromArray = ColumnBuffer([UInt8](repeating: 1, count: count))
        let fromBuilder = ColumnBufferBuilder<Double>(count: count).finish()
        #expect(Int(bitPattern: fromArray.storage.base) % 64 == 0)
        #expect(Int(bitPattern: fromBuilder.storage.base) % 64 == 0)
    }

    /// Large builders come from mapped memory (optionally mapped in up front); small ones from
    /// the heap. Either way they start at zero and keep what is written.
    @Test(arguments: [(10, false), (300_000, false), (300_000, true)])
    func lazilyZeroedBuilderStartsAtZero(count: Int, populate: Bool) {
        let builder = ColumnBufferBuilder<Double>(lazilyZeroedCount: count, populate: populate)
        #expect((0..<count).allSatisfy { builder.get($0) == 0 })
        for i in stride(from: 0, to: count, by: 997) { builder.set(i, Double(i)) }
        let buffer = builder.finish()
        #expect(buffer.count == count)
        #expect((0..<count).allSatisfy { buffer[$0] == ($0 % 997 == 0 ? Double($0) : 0) })
    }

    @Test func builderIsZeroFilledAndWritable() {
        let builder = ColumnBufferBuilder<Int32>(count: 6)
        #expect(builder.get(4) == 0)
        builder.set(1, 42)
        builder.withMutableSpan(in: 3..<5) { span in
            span[0] = 7
            span[1] = 8
        }
        #expect(builder.get(1) == 42)
        #expect(builder.finish().array == [0, 42, 0, 7, 8, 0])
        #expect(builder.finish(count: 4).array == [0, 42, 0, 7])
    }

    @Test func prefixSharesStorage() {
        let buffer = ColumnBuffer<Double>([1, 2, 3, 4])
        let head = buffer.prefix(2)
        #expect(head.array == [1, 2])
        #expect(head.storage === buffer.storage)
        #expect(buffer.prefix(0).count == 0)
    }

    @Test func equalityAndBitwiseEquality() {
        let a = ColumnBuffer<Double>([1, .nan, 0.0])
        let b = ColumnBuffer<Double>([1, .nan, 0.0])
        let c = ColumnBuffer<Double>([1, .nan, -0.0])
        #expect(a != b)  // NaN != NaN element-wise
        #expect(a.bitwiseEqual(b))
        #expect(!a.bitwiseEqual(c))  // -0.0 differs in its bits
        #expect(ColumnBuffer<Double>([1, 0.0]) == ColumnBuffer<Double>([1, -0.0]))
        #expect(ColumnBuffer<Int64>([1, 2]) != ColumnBuffer<Int64>([1, 2, 3]))
        #expect(!ColumnBuffer<Int64>([1, 2]).bitwiseEqual(ColumnBuffer<Int64>([1])))
    }
}
