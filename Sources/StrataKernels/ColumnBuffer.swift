/// Memory that backs column values: 64-byte aligned, owned by Strata or borrowed from a mapped file.
///
/// The storage is immutable once a ``ColumnBuffer`` has been made from it; while a
/// ``ColumnBufferBuilder`` fills it, several threads may write *disjoint* ranges.
final class BufferStorage: @unchecked Sendable {
    // SAFETY: `base` points to `byteCount` bytes that live as long as this object: either memory
    // allocated here (freed in deinit) or a region kept alive by `owner` (a mapped file).
    // The bytes are written only through a builder, by one writer per disjoint range, before the
    // storage is shared as an immutable ColumnBuffer.
    let base: UnsafeMutableRawPointer
    let byteCount: Int
    private let owner: AnyObject?

    /// Allocates `byteCount` bytes (at least one) aligned to 64 bytes, zero-filled when `zeroed`.
    init(byteCount: Int, zeroed: Bool) {
        precondition(byteCount >= 0, "negative byte count")
        self.byteCount = byteCount
        self.base = UnsafeMutableRawPointer.allocate(byteCount: max(byteCount, 1), alignment: 64)
        self.owner = nil
        if zeroed { base.initializeMemory(as: UInt8.self, repeating: 0, count: max(byteCount, 1)) }
    }

    /// Wraps bytes owned by `owner`, which must keep them alive and unchanged.
    init(borrowing base: UnsafeRawPointer, byteCount: Int, owner: AnyObject) {
        self.base = UnsafeMutableRawPointer(mutating: base)
        self.byteCount = byteCount
        self.owner = owner
    }

    deinit {
        if owner == nil { base.deallocate() }
    }
}

/// A contiguous, immutable run of `count` trivially copyable values: the storage of one column.
///
/// Values are 64-byte aligned, so a buffer can be written to a snapshot file and mapped back
/// without a copy. Copies of a `ColumnBuffer` share storage. Read values through `subscript`
/// (bounds-checked) or, in loops, through ``withSpan(_:)``.
public struct ColumnBuffer<Element: BitwiseCopyable>: @unchecked Sendable {
    // SAFETY (Sendable): the storage is immutable after construction; Element is plain data.
    let storage: BufferStorage
    let byteOffset: Int
    /// The number of values.
    public let count: Int

    init(storage: BufferStorage, byteOffset: Int, count: Int) {
        precondition(byteOffset >= 0 && count >= 0)
        precondition(byteOffset + count * MemoryLayout<Element>.stride <= max(storage.byteCount, 0) || count == 0)
        self.storage = storage
        self.byteOffset = byteOffset
        self.count = count
    }

    /// An empty buffer.
    public init() {
        self.init(storage: BufferStorage(byteCount: 0, zeroed: false), byteOffset: 0, count: 0)
    }

    /// A buffer holding a copy of `values`.
    ///
    /// - Complexity: O(n).
    public init(_ values: [Element]) {
        let storage = BufferStorage(byteCount: values.count * MemoryLayout<Element>.stride, zeroed: false)
        values.withUnsafeBytes { source in
            // SAFETY: the storage was allocated with exactly source.count bytes.
            if let address = source.baseAddress { storage.base.copyMemory(from: address, byteCount: source.count) }
        }
        self.init(storage: storage, byteOffset: 0, count: values.count)
    }

    /// A buffer of `count` copies of `value`.
    public init(repeating value: Element, count: Int) {
        let builder = ColumnBufferBuilder<Element>(count: count)
        builder.withMutableSpan(in: 0..<count) { span in
            for i in span.indices { span[i] = value }
        }
        self = builder.finish()
    }

    var elements: UnsafePointer<Element> {
        // SAFETY: byteOffset is a multiple of Element's alignment (checked by the mapped-file
        // loader and by construction here), and the storage outlives this buffer.
        UnsafePointer((storage.base + byteOffset).assumingMemoryBound(to: Element.self))
    }

    /// The value at `index`.
    @inlinable
    public subscript(index: Int) -> Element {
        precondition(index >= 0 && index < count, "ColumnBuffer index out of range")
        return _value(at: index)
    }

    @usableFromInline
    func _value(at index: Int) -> Element {
        elements[index]
    }

    /// Calls `body` with a span over all values.
    public func withSpan<R, E: Error>(_ body: (Span<Element>) throws(E) -> R) throws(E) -> R {
        try withSpan(in: 0..<count, body)
    }

    /// Calls `body` with a span over the values in `range` (span index 0 is `range.lowerBound`).
    public func withSpan<R, E: Error>(in range: Range<Int>, _ body: (Span<Element>) throws(E) -> R) throws(E) -> R {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "range out of bounds")
        // SAFETY: the range lies inside the buffer, which stays alive for the call.
        let pointer = UnsafeBufferPointer(start: elements + range.lowerBound, count: range.count)
        return try body(Span(_unsafeElements: pointer))
    }

    /// Calls `body` with the raw bytes of all values (for writers such as the snapshot file).
    public func withBytes<R, E: Error>(_ body: (RawSpan) throws(E) -> R) throws(E) -> R {
        // SAFETY: the bytes of `count` values lie inside the storage.
        let raw = UnsafeRawBufferPointer(start: storage.base + byteOffset, count: count * MemoryLayout<Element>.stride)
        return try body(RawSpan(_unsafeBytes: raw))
    }

    /// The values as an array (a copy).
    public var array: [Element] {
        withSpan { span in
            var result = [Element]()
            result.reserveCapacity(span.count)
            for i in span.indices { result.append(span[i]) }
            return result
        }
    }

    /// The first `newCount` values, sharing storage (no copy).
    public func prefix(_ newCount: Int) -> ColumnBuffer<Element> {
        precondition(newCount >= 0 && newCount <= count)
        return ColumnBuffer(storage: storage, byteOffset: byteOffset, count: newCount)
    }
}

extension ColumnBuffer: Equatable where Element: Equatable {
    /// Element-wise equality; for floating point, `NaN != NaN` as usual. Use ``bitwiseEqual(_:)``
    /// to compare bit patterns.
    public static func == (lhs: ColumnBuffer, rhs: ColumnBuffer) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for i in 0..<lhs.count where lhs._value(at: i) != rhs._value(at: i) { return false }
        return true
    }
}

extension ColumnBuffer {
    /// True when both buffers hold the same bytes (bit-for-bit, so NaN payloads and -0.0 count).
    public func bitwiseEqual(_ other: ColumnBuffer<Element>) -> Bool {
        guard count == other.count else { return false }
        let byteCount = count * MemoryLayout<Element>.stride
        // SAFETY: both ranges lie inside their storages.
        return memcmpBytes(storage.base + byteOffset, other.storage.base + other.byteOffset, byteCount)
    }
}

func memcmpBytes(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ count: Int) -> Bool {
    let lhs = UnsafeRawBufferPointer(start: a, count: count)
    let rhs = UnsafeRawBufferPointer(start: b, count: count)
    return lhs.elementsEqual(rhs)
}

/// Fills a new ``ColumnBuffer`` of a known size, possibly from several threads at once.
///
/// Each thread writes its own disjoint range through ``withMutableSpan(in:_:)``; two writers on
/// overlapping ranges are a data race (a programming error). ``finish(count:)`` seals the buffer.
/// The memory is zero-filled on allocation, so unwritten values read as zero bits.
public struct ColumnBufferBuilder<Element: BitwiseCopyable>: @unchecked Sendable {
    // SAFETY (Sendable): writers touch disjoint ranges only (documented contract above); the
    // storage is published read-only by finish().
    let storage: BufferStorage
    /// The capacity in values.
    public let count: Int

    /// Allocates zeroed room for `count` values.
    public init(count: Int) {
        precondition(count >= 0, "negative count")
        self.storage = BufferStorage(byteCount: count * MemoryLayout<Element>.stride, zeroed: true)
        self.count = count
    }

    /// Allocates room for `count` values without zero-filling them, for callers that write every
    /// value (each chunk its own range) before ``finish(count:)``: the pages are first touched by
    /// the parallel writers instead of by one thread zeroing them. Values never written read as
    /// whatever the memory held (plain data, never uninitialised references: `Element` is
    /// `BitwiseCopyable`).
    public init(uninitializedCount count: Int) {
        precondition(count >= 0, "negative count")
        self.storage = BufferStorage(byteCount: count * MemoryLayout<Element>.stride, zeroed: false)
        self.count = count
    }

    /// Wraps storage allocated elsewhere in this module (such as lazily zeroed mapped memory).
    init(storage: BufferStorage, count: Int) {
        precondition(count * MemoryLayout<Element>.stride <= storage.byteCount, "storage too small")
        self.storage = storage
        self.count = count
    }

    /// Calls `body` with a mutable span over `range` (span index 0 is `range.lowerBound`).
    /// Concurrent callers must use disjoint ranges.
    public func withMutableSpan<R, E: Error>(
        in range: Range<Int>, _ body: (inout MutableSpan<Element>) throws(E) -> R
    ) throws(E) -> R {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "range out of bounds")
        // SAFETY: the range lies inside the allocation; disjointness is the caller's contract.
        let pointer = UnsafeMutableBufferPointer(
            start: storage.base.assumingMemoryBound(to: Element.self) + range.lowerBound, count: range.count)
        var span = MutableSpan(_unsafeElements: pointer)
        return try body(&span)
    }

    /// Writes one value. Concurrent callers must write different indices.
    public func set(_ index: Int, _ value: Element) {
        precondition(index >= 0 && index < count, "index out of range")
        // SAFETY: index checked above.
        storage.base.assumingMemoryBound(to: Element.self)[index] = value
    }

    /// Reads one value written earlier.
    public func get(_ index: Int) -> Element {
        precondition(index >= 0 && index < count, "index out of range")
        // SAFETY: index checked above; memory is initialised (zero-filled at allocation).
        return storage.base.assumingMemoryBound(to: Element.self)[index]
    }

    /// Seals the first `count` values (default: all) as an immutable buffer. Do not write after.
    public func finish(count finalCount: Int? = nil) -> ColumnBuffer<Element> {
        let n = finalCount ?? count
        precondition(n >= 0 && n <= count)
        return ColumnBuffer(storage: storage, byteOffset: 0, count: n)
    }
}
