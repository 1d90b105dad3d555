import StrataKernels

/// The constants and layout rules of format version 1 shared by ``SnapshotWriter`` and
/// ``SnapshotReader``; docs/snapshot-format.md is the prose version of this file.
enum SnapshotFormat {
    /// Every buffer starts at a multiple of this many bytes, and the data section does too.
    static let alignment = 64
    /// Bytes before the first metadata entry: magic 8, version 4, flags 4, header length 8,
    /// file length 8, row count 8, column count 4, metadata count 4.
    static let fixedHeaderSize = 48
    /// Bytes of one buffer descriptor: offset, byte length, element count, checksum (UInt64 each).
    static let descriptorSize = 32
    /// The smallest column record: empty name (4), type 1, flags 1, reserved 2, dictionary count
    /// 4, buffer count 4, one descriptor.
    static let minimumColumnRecordSize = 16 + descriptorSize
    /// The only column flag of version 1: the column has a validity bitmap.
    static let hasValidityFlag: UInt8 = 1

    /// Byte offsets of the fixed header fields.
    enum Field {
        static let version = 8
        static let flags = 12
        static let headerLength = 16
        static let fileLength = 24
        static let rowCount = 32
        static let columnCount = 40
        static let metadataCount = 44
    }

    /// The type code of `type` in a column record.
    static func code(of type: ColumnType) -> UInt8 {
        switch type {
        case .float64: return 1
        case .int64: return 2
        case .date: return 3
        case .category: return 4
        case .string: return 5
        }
    }

    /// The column type of a type code, nil for an unknown code.
    static func type(ofCode code: UInt8) -> ColumnType? {
        switch code {
        case 1: return .float64
        case 2: return .int64
        case 3: return .date
        case 4: return .category
        case 5: return .string
        default: return nil
        }
    }

    /// The buffers a column of `type` stores, in file order.
    static func roles(of type: ColumnType, hasValidity: Bool) -> [BufferRole] {
        var roles: [BufferRole]
        switch type {
        case .float64, .int64, .date: roles = [.values]
        case .category: roles = [.codes]
        case .string: roles = [.offsets, .bytes]
        }
        if hasValidity { roles.append(.validity) }
        return roles
    }

    /// The size in bytes of one element of a `role` buffer of a `type` column.
    static func elementSize(_ role: BufferRole, of type: ColumnType) -> Int {
        switch role {
        case .values: return type == .date ? 4 : 8
        case .codes: return 4
        case .offsets, .validity: return 8
        case .bytes: return 1
        }
    }

    /// `value` rounded up to a multiple of ``alignment``, nil on overflow.
    static func aligned(_ value: Int) -> Int? {
        let (sum, overflow) = value.addingReportingOverflow(alignment - 1)
        return overflow ? nil : sum & ~(alignment - 1)
    }

    /// The frame-level error for a kernel error about `path` (file open, map, write).
    static func frameError(_ error: KernelError, path: String) -> StrataFrameError {
        switch error {
        case .io(let errorPath, let reason): return .io(path: errorPath, reason: reason)
        default: return .io(path: path, reason: error.description)
        }
    }

    /// The checksum of every buffer (``Checksum/blocked(_:)``), computed over the 1 MiB blocks of
    /// all buffers at once in parallel and combined per buffer in block order.
    static func checksums(of buffers: [RawBuffer], threads: Int = Parallel.threadCount) -> [UInt64] {
        var taskBuffer = [Int]()
        var taskBlock = [Int]()
        var firstTask = [Int]()
        for (index, buffer) in buffers.enumerated() {
            firstTask.append(taskBuffer.count)
            for block in 0..<Checksum.blockCount(buffer.byteCount) {
                taskBuffer.append(index)
                taskBlock.append(block)
            }
        }
        firstTask.append(taskBuffer.count)
        let owners = taskBuffer
        let blocks = taskBlock
        let hashes = parallelChunks(count: owners.count, chunkSize: 1, threads: threads) { task, _ in
            buffers[owners[task]].withBytes { raw in
                Checksum.xxh64(raw.extracting(Checksum.blockRange(blocks[task], byteCount: raw.byteCount)))
            }
        }
        return buffers.indices.map { index in
            Checksum.combine(blockHashes: Array(hashes[firstTask[index]..<firstTask[index + 1]]))
        }
    }
}

/// What a buffer of a column holds; the name appears in error messages.
enum BufferRole: String, Sendable {
    /// Float64, Int64 or Int32 (date) values, one per row.
    case values
    /// UInt32 category codes, one per row.
    case codes
    /// Int64 string offsets, one per row plus one.
    case offsets
    /// UTF-8 bytes of a string column.
    case bytes
    /// UInt64 validity words, one per 64 rows.
    case validity
}

/// Where a buffer lies in the file and what it should hash to.
struct BufferDescriptor: Equatable, Sendable {
    /// Byte offset from the start of the file, a multiple of 64.
    var offset: Int
    /// Bytes of data (element count × element size); padding not included.
    var byteLength: Int
    /// Number of elements.
    var elementCount: Int
    /// ``Checksum/blocked(_:)`` of the `byteLength` bytes.
    var checksum: UInt64
}

/// A column buffer of any element type, seen as raw bytes for checksums and writing.
enum RawBuffer: Sendable {
    case float64(ColumnBuffer<Double>)
    case int64(ColumnBuffer<Int64>)
    case int32(ColumnBuffer<Int32>)
    case uint32(ColumnBuffer<UInt32>)
    case uint64(ColumnBuffer<UInt64>)
    case uint8(ColumnBuffer<UInt8>)

    /// The number of elements.
    var elementCount: Int {
        switch self {
        case .float64(let b): return b.count
        case .int64(let b): return b.count
        case .int32(let b): return b.count
        case .uint32(let b): return b.count
        case .uint64(let b): return b.count
        case .uint8(let b): return b.count
        }
    }

    /// The number of bytes.
    var byteCount: Int {
        switch self {
        case .float64(let b): return b.count * 8
        case .int64(let b): return b.count * 8
        case .int32(let b): return b.count * 4
        case .uint32(let b): return b.count * 4
        case .uint64(let b): return b.count * 8
        case .uint8(let b): return b.count
        }
    }

    /// Calls `body` with the buffer's bytes.
    func withBytes<R>(_ body: (RawSpan) -> R) -> R {
        switch self {
        case .float64(let b): return b.withBytes(body)
        case .int64(let b): return b.withBytes(body)
        case .int32(let b): return b.withBytes(body)
        case .uint32(let b): return b.withBytes(body)
        case .uint64(let b): return b.withBytes(body)
        case .uint8(let b): return b.withBytes(body)
        }
    }
}
