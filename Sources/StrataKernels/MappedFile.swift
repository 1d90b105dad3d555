import COpenBLAS

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A read-only memory map of a whole file, the backing of CSV ingest and snapshot loading.
///
/// The mapping lives as long as the object or any ``ColumnBuffer`` made from it.
public final class MappedFile: @unchecked Sendable {
    // SAFETY (Sendable): the mapping is read-only (PROT_READ) and unmapped only in deinit.
    let base: UnsafeRawPointer?
    /// The file's size in bytes.
    public let byteCount: Int
    /// The path the file was opened from.
    public let path: String

    /// Maps `path` read-only.
    ///
    /// - Throws: ``KernelError/io(path:reason:)`` when the file cannot be opened or mapped.
    public init(path: String) throws(KernelError) {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw .io(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .io(path: path, reason: String(cString: strerror(errno))) }
        if (info.st_mode & S_IFMT) == S_IFDIR { throw .io(path: path, reason: "is a directory") }
        let size = Int(info.st_size)
        self.byteCount = size
        if size == 0 {
            base = nil
            return
        }
        guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), address != MAP_FAILED else {
            throw .io(path: path, reason: "cannot map file: " + String(cString: strerror(errno)))
        }
        // Sequential access is the common case; the hint is advisory and may be ignored.
        _ = madvise(address, size, MADV_SEQUENTIAL)
        self.base = UnsafeRawPointer(address)
    }

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), byteCount) }
    }

    /// Calls `body` with the file's bytes in `range` (default: all of them).
    public func withBytes<R, E: Error>(in range: Range<Int>? = nil, _ body: (Span<UInt8>) throws(E) -> R) throws(E) -> R
    {
        let r = range ?? 0..<byteCount
        precondition(r.lowerBound >= 0 && r.upperBound <= byteCount, "range outside the file")
        guard let base, !r.isEmpty else {
            return try body(Span(_unsafeElements: UnsafeBufferPointer<UInt8>(start: nil, count: 0)))
        }
        // SAFETY: the range lies inside the mapping, alive for the call.
        let pointer = UnsafeBufferPointer(
            start: base.assumingMemoryBound(to: UInt8.self) + r.lowerBound, count: r.count)
        return try body(Span(_unsafeElements: pointer))
    }

    /// Unmaps the whole pages inside `range` from this process without changing the file: the
    /// bytes stay in the page cache and map back in on the next access. A reader that goes
    /// through a large file once calls it behind itself, so resident memory holds the pages in
    /// use rather than the whole file.
    public func releasePages(in range: Range<Int>) {
        guard let base, !range.isEmpty else { return }
        precondition(range.lowerBound >= 0 && range.upperBound <= byteCount, "range outside the file")
        let page = MappedFile.pageSize
        let first = (range.lowerBound + page - 1) / page * page
        // The file's last partial page counts as whole: nothing else lives in it.
        let last = range.upperBound == byteCount ? range.upperBound : range.upperBound / page * page
        guard last > first else { return }
        _ = madvise(UnsafeMutableRawPointer(mutating: base) + first, last - first, MADV_DONTNEED)
    }

    /// Maps the pages of `range` in one call ahead of reading them (`MADV_POPULATE_READ`, Linux
    /// 5.14+): much cheaper than taking a page fault per few pages on first access. Advisory:
    /// older kernels refuse it and the pages fault in as usual.
    public func prefetchPages(in range: Range<Int>) {
        guard let base, !range.isEmpty else { return }
        precondition(range.lowerBound >= 0 && range.upperBound <= byteCount, "range outside the file")
        let page = MappedFile.pageSize
        let first = range.lowerBound / page * page
        _ = madvise(UnsafeMutableRawPointer(mutating: base) + first, range.upperBound - first, MADV_POPULATE_READ)
    }

    static let pageSize = max(4096, Int(sysconf(Int32(_SC_PAGESIZE))))

    /// Reads a little-endian fixed-width integer at `offset`, or nil when it would pass the end.
    public func loadInteger<T: FixedWidthInteger>(at offset: Int, as type: T.Type = T.self) -> T? {
        guard offset >= 0, offset <= byteCount - MemoryLayout<T>.size, let base else { return nil }
        // SAFETY: bounds checked above; loadUnaligned has no alignment requirement.
        return T(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    /// A column buffer over `count` values stored at `byteOffset`, without copying.
    ///
    /// - Returns: nil when the range passes the end of the file or `byteOffset` is not aligned
    ///   to the element's alignment.
    public func buffer<Element: BitwiseCopyable>(
        at byteOffset: Int, count: Int, of type: Element.Type = Element.self
    ) -> ColumnBuffer<Element>? {
        let size = count.multipliedReportingOverflow(by: MemoryLayout<Element>.stride)
        guard count >= 0, byteOffset >= 0, !size.overflow, byteOffset <= byteCount - size.partialValue,
            byteOffset % MemoryLayout<Element>.alignment == 0
        else { return nil }
        guard let base else { return count == 0 ? ColumnBuffer() : nil }
        let storage = BufferStorage(borrowing: base, byteCount: byteCount, owner: self)
        return ColumnBuffer(storage: storage, byteOffset: byteOffset, count: count)
    }
}

extension Span where Element == UInt8 {
    /// The eight bytes at `offset ..< offset + 8` as a little-endian `UInt64` (bounds-checked):
    /// lets byte scanners outside this module test eight bytes at a time (SWAR) without pointers.
    @inlinable
    public func loadUInt64LE(at offset: Int) -> UInt64 {
        precondition(offset >= 0 && offset <= count - 8, "loadUInt64LE out of bounds")
        // SAFETY: the eight bytes lie inside the span (checked above), and every bit pattern is a
        // valid UInt64; the load has no alignment requirement.
        return UInt64(littleEndian: bytes.unsafeLoadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }
}

extension Span where Element == UInt8 {
    /// Bit masks of the CSV structural bytes in the 64 bytes at `offset ..< offset + 64`
    /// (bounds-checked; bit k is byte `offset + k`): commas, line feeds, and quotes or carriage
    /// returns. SSE2 compares and mask moves in C (Sources/COpenBLAS/shim.h), which Swift lacks.
    @inlinable
    public func csvMarks64(at offset: Int) -> (comma: UInt64, lineFeed: UInt64, other: UInt64) {
        precondition(offset >= 0 && offset <= count - 64, "csvMarks64 out of bounds")
        // SAFETY: the 64 bytes lie inside the span (checked above); the C function only reads them.
        let marks = withUnsafeBufferPointer { strata_csv_marks64($0.baseAddress! + offset) }
        return (marks.comma, marks.lineFeed, marks.other)
    }
}

extension MutableSpan where Element == UInt8 {
    /// Stores `value` little-endian at `offset ..< offset + 8` (bounds-checked): the store of
    /// ``Swift/Span/loadUInt64LE(at:)``, for copying bytes a word at a time.
    @inlinable
    public mutating func storeUInt64LE(_ value: UInt64, at offset: Int) {
        precondition(offset >= 0 && offset <= count - 8, "storeUInt64LE out of bounds")
        var bytes = mutableBytes
        // SAFETY: the eight bytes lie inside the span (checked above); no alignment requirement.
        bytes.storeBytes(of: value.littleEndian, toByteOffset: offset, as: UInt64.self)
    }
}

/// Fresh anonymous memory from `mmap`: the kernel zero-fills each page on first touch, so a large
/// column costs no up-front memset and its page faults land in the (parallel) code that fills it.
final class AnonymousMemory: @unchecked Sendable {
    // SAFETY (Sendable): `base` points to `byteCount` readable and writable bytes mapped here
    // and unmapped only in deinit; writers follow ColumnBufferBuilder's disjoint-range contract.
    let base: UnsafeMutableRawPointer
    let byteCount: Int

    /// Maps `byteCount` (> 0) zero bytes, or nil when the system refuses.
    ///
    /// - Parameter populate: map every page now, in one call (`MADV_POPULATE_WRITE`, Linux
    ///   5.14+), instead of one page fault per 4 KiB page on first write: measured here about
    ///   0.3 s per GiB against 0.4-0.55 s. Advisory: older kernels fault the pages in as usual.
    init?(byteCount: Int, populate: Bool = false) {
        precondition(byteCount > 0)
        guard let address = mmap(nil, byteCount, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
            address != MAP_FAILED
        else { return nil }
        if populate { _ = madvise(address, byteCount, MADV_POPULATE_WRITE) }
        self.base = address
        self.byteCount = byteCount
    }

    deinit { munmap(base, byteCount) }
}

extension ColumnBufferBuilder {
    /// Maps in the pages that hold the values of `range` now (`MADV_POPULATE_WRITE`), so the
    /// writers that fill them later take no page faults. Values are unchanged (pages already
    /// written stay as they are). Advisory: a no-op where the kernel refuses it.
    public func populate(_ range: Range<Int>) {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "range out of bounds")
        guard !range.isEmpty else { return }
        let stride = MemoryLayout<Element>.stride
        let page = MappedFile.pageSize
        let address = Int(bitPattern: storage.base) + range.lowerBound * stride
        let first = address / page * page
        let end = address + range.count * stride
        // SAFETY: [first, end) lies within the pages of this allocation (it starts at the page
        // holding the first value); MADV_POPULATE_WRITE only maps pages in, never changes bytes.
        _ = madvise(UnsafeMutableRawPointer(bitPattern: first), end - first, MADV_POPULATE_WRITE)
    }

    /// Room for `count` zero values like ``init(count:)``, but large buffers (1 MiB and more) come
    /// from anonymous `mmap` memory that the kernel zeroes page by page on first write, instead
    /// of a memset up front. For columns filled in parallel right after allocation.
    ///
    /// - Parameter populate: map all pages at once now (see ``AnonymousMemory``), for callers
    ///   that allocate several columns in parallel and fill them all.
    public init(lazilyZeroedCount count: Int, populate: Bool = false) {
        precondition(count >= 0, "negative count")
        let bytes = count * MemoryLayout<Element>.stride
        if bytes >= 1 << 20, let memory = AnonymousMemory(byteCount: bytes, populate: populate) {
            self.init(storage: BufferStorage(borrowing: memory.base, byteCount: bytes, owner: memory), count: count)
        } else {
            self.init(count: count)
        }
    }
}
