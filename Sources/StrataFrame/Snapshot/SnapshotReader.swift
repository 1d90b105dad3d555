import StrataKernels

/// The checked header of a snapshot: where everything is.
struct SnapshotLayout: Sendable {
    /// Bytes from the start of the file to the header checksum.
    var headerLength: Int
    /// Where the data section starts: the header checksum's end rounded up to 64.
    var dataStart: Int
    /// The file's length in bytes.
    var fileLength: Int
    /// The number of rows.
    var rowCount: Int
    /// Metadata key/values.
    var metadata: [String: String]
    /// The columns, in order.
    var columns: [ColumnLayout]
}

/// One column record of the header.
struct ColumnLayout: Sendable {
    var name: String
    var type: ColumnType
    var hasValidity: Bool
    var dictionary: [String]
    /// The buffers' roles, in file order, and their descriptors.
    var roles: [BufferRole]
    var descriptors: [BufferDescriptor]
}

/// A column mapped from the file, with its buffers kept for verification.
struct LoadedColumn: Sendable {
    var column: Column
    var buffers: [RawBuffer]
}

/// Decodes and checks snapshot files (format version 1). Every number read from the file is
/// checked before it is used as a count, an offset or a length.
enum SnapshotReader {
    /// Maps `path`, turning kernel errors into frame errors.
    static func map(_ path: String) throws(StrataFrameError) -> MappedFile {
        do {
            return try MappedFile(path: path)
        } catch {
            throw SnapshotFormat.frameError(error, path: path)
        }
    }

    /// Checks the magic, version, header checksum and every bound, and returns the layout.
    static func readLayout(_ file: MappedFile) throws(StrataFrameError) -> SnapshotLayout {
        let path = file.path
        let size = file.byteCount
        func failure(_ reason: String) -> StrataFrameError { .snapshot(file: path, reason: reason) }
        func integer<T: FixedWidthInteger>(at offset: Int, as type: T.Type) throws(StrataFrameError) -> T {
            guard let value = file.loadInteger(at: offset, as: T.self) else {
                throw failure("truncated: the file has \(size) bytes, too few to read offset \(offset)")
            }
            return value
        }

        // Magic and version come first, so that another format or a newer version is named as such.
        let magic = Snapshot.magic
        if size == 0 { throw failure("the file is empty") }
        let prefix = file.withBytes(in: 0..<min(size, magic.count)) { span in span.indices.map { span[$0] } }
        if prefix != Array(magic[0..<prefix.count]) {
            throw failure(
                "wrong magic bytes \(hex(prefix)) (a snapshot starts with \(hex(magic)))")
        }
        if size < SnapshotFormat.Field.version + 4 {
            throw failure("truncated: the file has only \(size) bytes")
        }
        let version = try integer(at: SnapshotFormat.Field.version, as: UInt32.self)
        if version != Snapshot.formatVersion {
            let newer = version > Snapshot.formatVersion ? " (written by a newer Strata?)" : ""
            throw failure(
                "format version \(version) is not supported: this build reads version \(Snapshot.formatVersion)"
                    + newer)
        }
        let minimumSize = SnapshotFormat.fixedHeaderSize + 8
        if size < minimumSize {
            throw failure("truncated: the file has \(size) bytes, fewer than the \(minimumSize) of the smallest header")
        }

        // The header checksum covers everything up to the header length, including the fields
        // read above and the lengths below.
        let storedHeaderLength = try integer(at: SnapshotFormat.Field.headerLength, as: UInt64.self)
        guard storedHeaderLength >= UInt64(SnapshotFormat.fixedHeaderSize) else {
            throw failure("damaged header: header length \(storedHeaderLength) is below the minimum")
        }
        guard storedHeaderLength <= UInt64(size - 8) else {
            throw failure(
                "truncated or damaged: the header needs \(storedHeaderLength) + 8 bytes, the file has \(size)")
        }
        let headerLength = Int(storedHeaderLength)
        let storedChecksum = try integer(at: headerLength, as: UInt64.self)
        let computedChecksum = file.withBytes(in: 0..<headerLength) { span in Checksum.blocked(span.bytes) }
        guard storedChecksum == computedChecksum else {
            throw failure(
                "header checksum mismatch (stored \(hex(storedChecksum)), computed \(hex(computedChecksum))): "
                    + "the header is damaged")
        }

        let flags = try integer(at: SnapshotFormat.Field.flags, as: UInt32.self)
        guard flags == 0 else { throw failure("unknown header flags \(hex(UInt64(flags)))") }
        let storedFileLength = try integer(at: SnapshotFormat.Field.fileLength, as: UInt64.self)
        guard storedFileLength == UInt64(size) else {
            if storedFileLength > UInt64(size) {
                throw failure("truncated: the file has \(size) bytes, its header records \(storedFileLength)")
            }
            throw failure(
                "the file has \(size) bytes, \(UInt64(size) - storedFileLength) more than its header records "
                    + "(\(storedFileLength))")
        }
        let storedRowCount = try integer(at: SnapshotFormat.Field.rowCount, as: UInt64.self)
        guard storedRowCount <= UInt64(Int.max - 64) else {
            throw failure("invalid header: row count \(storedRowCount) is too large")
        }
        let rowCount = Int(storedRowCount)

        let header = file.withBytes(in: 0..<headerLength) { span in
            var bytes = [UInt8]()
            bytes.reserveCapacity(span.count)
            for index in span.indices { bytes.append(span[index]) }
            return bytes
        }
        var cursor = HeaderCursor(bytes: header, offset: SnapshotFormat.Field.columnCount, path: path)
        let columnCount = Int(try cursor.integer(UInt32.self, "the column count"))
        let metadataCount = Int(try cursor.integer(UInt32.self, "the metadata count"))

        guard metadataCount <= cursor.remaining / 8 else {
            throw failure("invalid header: \(metadataCount) metadata entries cannot fit in \(cursor.remaining) bytes")
        }
        var metadata = [String: String]()
        for entry in 0..<metadataCount {
            let key = try cursor.string("metadata key \(entry)")
            let value = try cursor.string("the value of metadata key '\(key)'")
            if metadata.updateValue(value, forKey: key) != nil {
                throw failure("invalid header: metadata key '\(key)' appears twice")
            }
        }

        guard columnCount <= cursor.remaining / SnapshotFormat.minimumColumnRecordSize else {
            throw failure("invalid header: \(columnCount) columns cannot fit in \(cursor.remaining) bytes")
        }
        var columns = [ColumnLayout]()
        columns.reserveCapacity(columnCount)
        for index in 0..<columnCount {
            columns.append(try readColumn(&cursor, index: index, failure: failure))
        }
        guard cursor.remaining == 0 else {
            throw failure("invalid header: \(cursor.remaining) bytes after the last column record")
        }

        let dataStart = SnapshotFormat.aligned(headerLength + 8)!
        try checkBounds(columns, rowCount: rowCount, dataStart: dataStart, fileLength: size, failure: failure)
        try checkStringEnds(file, columns, rowCount: rowCount, failure: failure)
        return SnapshotLayout(
            headerLength: headerLength, dataStart: dataStart, fileLength: size, rowCount: rowCount,
            metadata: metadata, columns: columns)
    }

    /// Reads one column record.
    static func readColumn(
        _ cursor: inout HeaderCursor, index: Int, failure: (String) -> StrataFrameError
    ) throws(StrataFrameError) -> ColumnLayout {
        let name = try cursor.string("the name of column \(index)")
        let what = "column '\(name)'"
        let code = try cursor.integer(UInt8.self, "the type of \(what)")
        guard let type = SnapshotFormat.type(ofCode: code) else {
            throw failure("invalid header: \(what) has unknown type code \(code)")
        }
        let flags = try cursor.integer(UInt8.self, "the flags of \(what)")
        guard flags & ~SnapshotFormat.hasValidityFlag == 0 else {
            throw failure("invalid header: \(what) has unknown flags \(flags)")
        }
        let reserved = try cursor.integer(UInt16.self, "the reserved field of \(what)")
        guard reserved == 0 else { throw failure("invalid header: the reserved field of \(what) is not 0") }
        let dictionaryCount = Int(try cursor.integer(UInt32.self, "the dictionary size of \(what)"))
        guard dictionaryCount == 0 || type == .category else {
            throw failure("invalid header: \(what) of type \(type) has a dictionary")
        }
        guard dictionaryCount <= cursor.remaining / 4 else {
            throw failure("invalid header: the \(dictionaryCount) categories of \(what) cannot fit in the header")
        }
        var dictionary = [String]()
        dictionary.reserveCapacity(dictionaryCount)
        for entry in 0..<dictionaryCount {
            dictionary.append(try cursor.string("category \(entry) of \(what)"))
        }
        let hasValidity = flags & SnapshotFormat.hasValidityFlag != 0
        let roles = SnapshotFormat.roles(of: type, hasValidity: hasValidity)
        let bufferCount = Int(try cursor.integer(UInt32.self, "the buffer count of \(what)"))
        guard bufferCount == roles.count else {
            throw failure("invalid header: \(what) has \(bufferCount) buffers, its type needs \(roles.count)")
        }
        var descriptors = [BufferDescriptor]()
        for role in roles {
            let field = "the \(role.rawValue) buffer descriptor of \(what)"
            let offset = try cursor.integer(UInt64.self, field)
            let byteLength = try cursor.integer(UInt64.self, field)
            let elementCount = try cursor.integer(UInt64.self, field)
            let checksum = try cursor.integer(UInt64.self, field)
            guard let offset = Int(exactly: offset), let byteLength = Int(exactly: byteLength),
                let elementCount = Int(exactly: elementCount)
            else {
                throw failure("invalid header: \(field) holds a number past the end of any file")
            }
            descriptors.append(
                BufferDescriptor(offset: offset, byteLength: byteLength, elementCount: elementCount, checksum: checksum)
            )
        }
        return ColumnLayout(
            name: name, type: type, hasValidity: hasValidity, dictionary: dictionary, roles: roles,
            descriptors: descriptors)
    }

    /// Checks every buffer: aligned, after the header and the previous buffer, inside the file,
    /// its length matching its element count, and the element count matching the row count.
    static func checkBounds(
        _ columns: [ColumnLayout], rowCount: Int, dataStart: Int, fileLength: Int,
        failure: (String) -> StrataFrameError
    ) throws(StrataFrameError) {
        var previousEnd = dataStart
        for column in columns {
            for (role, descriptor) in zip(column.roles, column.descriptors) {
                let what = "the \(role.rawValue) buffer of column '\(column.name)'"
                let offset = descriptor.offset
                guard offset % SnapshotFormat.alignment == 0 else {
                    throw failure("invalid layout: \(what) starts at \(offset), not a multiple of 64")
                }
                guard offset >= previousEnd else {
                    if offset < dataStart {
                        throw failure("invalid layout: \(what) starts at \(offset), inside the header")
                    }
                    throw failure(
                        "invalid layout: \(what) starts at \(offset) and overlaps the previous buffer "
                            + "(which ends at \(previousEnd))")
                }
                guard offset <= fileLength, descriptor.byteLength <= fileLength - offset else {
                    throw failure(
                        "invalid layout: \(what) (\(descriptor.byteLength) bytes at \(offset)) passes the end of "
                            + "the file (\(fileLength) bytes)")
                }
                let size = SnapshotFormat.elementSize(role, of: column.type)
                let (expectedLength, overflow) = descriptor.elementCount.multipliedReportingOverflow(by: size)
                guard !overflow, expectedLength == descriptor.byteLength else {
                    throw failure(
                        "invalid layout: \(what) has \(descriptor.byteLength) bytes for \(descriptor.elementCount) "
                            + "elements of \(size) bytes")
                }
                let expectedCount: Int?
                switch role {
                case .values, .codes: expectedCount = rowCount
                case .offsets: expectedCount = rowCount + 1
                case .validity: expectedCount = (rowCount + 63) / 64
                case .bytes: expectedCount = nil  // checked against the last offset
                }
                if let expectedCount, descriptor.elementCount != expectedCount {
                    throw failure(
                        "invalid layout: \(what) has \(descriptor.elementCount) elements, \(expectedCount) expected "
                            + "for \(rowCount) rows")
                }
                previousEnd = offset + descriptor.byteLength
            }
        }
    }

    /// Checks that the offsets of each string column start at 0 and end at its byte count (two
    /// reads per column; the offsets in between are checked by ``verifyData(_:_:_:)``).
    static func checkStringEnds(
        _ file: MappedFile, _ columns: [ColumnLayout], rowCount: Int, failure: (String) -> StrataFrameError
    ) throws(StrataFrameError) {
        for column in columns where column.type == .string {
            let offsets = column.descriptors[0]
            let bytes = column.descriptors[1]
            guard let first = file.loadInteger(at: offsets.offset, as: Int64.self),
                let last = file.loadInteger(at: offsets.offset + rowCount * 8, as: Int64.self)
            else { throw failure("invalid layout: the offsets of column '\(column.name)' pass the end of the file") }
            guard first == 0 else {
                throw failure("column '\(column.name)': the first string offset is \(first), not 0")
            }
            guard last == Int64(bytes.elementCount) else {
                throw failure(
                    "column '\(column.name)': the last string offset is \(last), the byte buffer has "
                        + "\(bytes.elementCount) bytes")
            }
        }
    }

    /// Maps the buffers of every column as ``ColumnBuffer``s over the file (no copy).
    static func columns(_ file: MappedFile, _ layout: SnapshotLayout) throws(StrataFrameError) -> [LoadedColumn] {
        func map<T: BitwiseCopyable>(
            _ descriptor: BufferDescriptor, as type: T.Type
        ) throws(StrataFrameError)
            -> ColumnBuffer<T>
        {
            guard let buffer = file.buffer(at: descriptor.offset, count: descriptor.elementCount, of: T.self) else {
                throw .snapshot(
                    file: file.path, reason: "invalid layout: a buffer at \(descriptor.offset) cannot be mapped")
            }
            return buffer
        }
        var result = [LoadedColumn]()
        result.reserveCapacity(layout.columns.count)
        for column in layout.columns {
            let descriptors = column.descriptors
            let values: ColumnValues
            var buffers = [RawBuffer]()
            switch column.type {
            case .float64:
                let buffer = try map(descriptors[0], as: Double.self)
                values = .float64(buffer)
                buffers.append(.float64(buffer))
            case .int64:
                let buffer = try map(descriptors[0], as: Int64.self)
                values = .int64(buffer)
                buffers.append(.int64(buffer))
            case .date:
                let buffer = try map(descriptors[0], as: Int32.self)
                values = .date(buffer)
                buffers.append(.int32(buffer))
            case .category:
                let codes = try map(descriptors[0], as: UInt32.self)
                values = .category(CategoryValues(codes: codes, dictionary: column.dictionary))
                buffers.append(.uint32(codes))
            case .string:
                let offsets = try map(descriptors[0], as: Int64.self)
                let bytes = try map(descriptors[1], as: UInt8.self)
                values = .string(StringValues(offsets: offsets, bytes: bytes))
                buffers.append(.int64(offsets))
                buffers.append(.uint8(bytes))
            }
            var validity: ValidityBitmap?
            if column.hasValidity {
                let words = try map(descriptors[descriptors.count - 1], as: UInt64.self)
                validity = ValidityBitmap(words: words, count: layout.rowCount)
                buffers.append(.uint64(words))
            }
            result.append(
                LoadedColumn(column: Column(name: column.name, values: values, validity: validity), buffers: buffers))
        }
        return result
    }

    /// Checks the data section: every buffer's checksum, zero padding, category codes of present
    /// rows inside their dictionaries, and non-decreasing string offsets. Runs in parallel.
    static func verifyData(
        _ file: MappedFile, _ layout: SnapshotLayout, _ columns: [LoadedColumn]
    ) throws(StrataFrameError) {
        func failure(_ reason: String) -> StrataFrameError { .snapshot(file: file.path, reason: reason) }
        var names = [String]()
        var descriptors = [BufferDescriptor]()
        for column in layout.columns {
            for (role, descriptor) in zip(column.roles, column.descriptors) {
                names.append("the \(role.rawValue) buffer of column '\(column.name)'")
                descriptors.append(descriptor)
            }
        }
        let buffers = columns.flatMap(\.buffers)
        precondition(buffers.count == descriptors.count, "mapped buffers differ from the layout")
        let computed = SnapshotFormat.checksums(of: buffers)
        for index in descriptors.indices where computed[index] != descriptors[index].checksum {
            throw failure(
                "checksum mismatch in \(names[index]) (stored \(hex(descriptors[index].checksum)), computed "
                    + "\(hex(computed[index]))): the data is damaged")
        }

        // Padding: from the header checksum to the first buffer, between buffers, after the last.
        var gapStart = layout.headerLength + 8
        var after = "the header"
        for (name, descriptor) in zip(names, descriptors) {
            try checkZeros(file, gapStart..<descriptor.offset, after: after, failure: failure)
            gapStart = descriptor.offset + descriptor.byteLength
            after = name
        }
        try checkZeros(file, gapStart..<layout.fileLength, after: after, failure: failure)

        for (column, loaded) in zip(layout.columns, columns) {
            switch loaded.column.values {
            case .category(let values):
                try checkCodes(values, validity: loaded.column.validity, column: column.name, failure: failure)
            case .string(let values):
                try checkOffsets(values.offsets, column: column.name, failure: failure)
            default:
                break
            }
        }
    }

    /// Throws when a byte in `range` is not zero.
    static func checkZeros(
        _ file: MappedFile, _ range: Range<Int>, after: String, failure: (String) -> StrataFrameError
    ) throws(StrataFrameError) {
        let position: Int? = file.withBytes(in: range) { span in
            for index in span.indices where span[index] != 0 { return range.lowerBound + index }
            return nil
        }
        if let position {
            throw failure("damaged padding: byte \(position) after \(after) is not zero")
        }
    }

    /// Throws when a present row holds a code outside the dictionary. The common case (every code
    /// inside) is one parallel max pass; only then are missing rows told apart.
    static func checkCodes(
        _ values: CategoryValues, validity: ValidityBitmap?, column: String, failure: (String) -> StrataFrameError
    ) throws(StrataFrameError) {
        let codes = values.codes
        let limit = values.dictionary.count
        let maxima = parallelChunks(count: codes.count) { _, rows in
            codes.withSpan(in: rows) { span in
                var high: UInt32 = 0
                for index in span.indices { high = max(high, span[index]) }
                return high
            }
        }
        guard let highest = maxima.max(), Int(highest) >= limit else { return }
        for row in 0..<codes.count where Int(codes[row]) >= limit && (validity?.isValid(row) ?? true) {
            throw failure(
                "column '\(column)' row \(row): category code \(codes[row]) is outside its dictionary of "
                    + "\(limit) entries")
        }
    }

    /// Throws where a string offset is smaller than the one before it.
    static func checkOffsets(
        _ offsets: ColumnBuffer<Int64>, column: String, failure: (String) -> StrataFrameError
    ) throws(StrataFrameError) {
        let rows = offsets.count - 1
        let bad = parallelChunks(count: rows) { _, range -> Int? in
            offsets.withSpan(in: range.lowerBound..<range.upperBound + 1) { span in
                for index in 0..<(span.count - 1) where span[index] > span[index + 1] {
                    return range.lowerBound + index
                }
                return nil
            }
        }
        if let row = bad.lazy.compactMap({ $0 }).first {
            throw failure(
                "column '\(column)': string offsets decrease at row \(row) (\(offsets[row]) then \(offsets[row + 1]))")
        }
    }

    /// `0x` and 16 hex digits.
    static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// Bytes as space-separated hex pairs.
    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { byte in
            let digits = String(byte, radix: 16, uppercase: true)
            return digits.count == 1 ? "0" + digits : digits
        }.joined(separator: " ")
    }
}

/// Reads little-endian integers and length-prefixed UTF-8 text from the header bytes, checking
/// that each one lies inside the header.
struct HeaderCursor {
    let bytes: [UInt8]
    var offset: Int
    let path: String

    /// Bytes left after the cursor.
    var remaining: Int { bytes.count - offset }

    /// Reads a `T`; `what` names it in the error when the header ends first.
    mutating func integer<T: FixedWidthInteger>(
        _ type: T.Type, _ what: @autoclosure () -> String
    ) throws(StrataFrameError) -> T {
        let size = MemoryLayout<T>.size
        guard remaining >= size else {
            throw .snapshot(file: path, reason: "invalid header: it ends inside \(what())")
        }
        var value: T = 0
        for index in 0..<size { value |= T(truncatingIfNeeded: bytes[offset + index]) << (index * 8) }
        offset += size
        return value
    }

    /// Reads a UInt32 byte count and that many bytes of UTF-8.
    mutating func string(_ what: @autoclosure () -> String) throws(StrataFrameError) -> String {
        let count = Int(try integer(UInt32.self, what()))
        guard remaining >= count else {
            throw .snapshot(file: path, reason: "invalid header: it ends inside \(what())")
        }
        guard let text = String(validating: bytes[offset..<offset + count], as: UTF8.self) else {
            throw .snapshot(file: path, reason: "invalid header: \(what()) is not valid UTF-8")
        }
        offset += count
        return text
    }
}
