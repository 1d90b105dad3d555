import StrataKernels

/// Encodes a table as a snapshot file (format version 1).
enum SnapshotWriter {
    /// Zero bytes for padding.
    static let zeros = [UInt8](repeating: 0, count: SnapshotFormat.alignment)

    static func write(_ table: Table, to path: String, metadata: [String: String]) throws(StrataFrameError) {
        let entries = metadata.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        try checkLimits(table, entries, path: path)
        let buffers = table.columns.flatMap(rawBuffers(of:))
        let checksums = SnapshotFormat.checksums(of: buffers)

        // The header's size does not depend on the descriptor values, so a first encoding with
        // placeholders gives the start of the data section.
        let placeholders = [BufferDescriptor](
            repeating: BufferDescriptor(offset: 0, byteLength: 0, elementCount: 0, checksum: 0), count: buffers.count)
        let headerLength = encodeHeader(table, entries, placeholders, headerLength: 0, fileLength: 0).count
        let dataStart = SnapshotFormat.aligned(headerLength + 8)!
        var cursor = dataStart
        var descriptors = [BufferDescriptor]()
        for (buffer, checksum) in zip(buffers, checksums) {
            descriptors.append(
                BufferDescriptor(
                    offset: cursor, byteLength: buffer.byteCount, elementCount: buffer.elementCount,
                    checksum: checksum))
            cursor = SnapshotFormat.aligned(cursor + buffer.byteCount)!
        }
        let fileLength = cursor
        let header = encodeHeader(table, entries, descriptors, headerLength: headerLength, fileLength: fileLength)
        precondition(header.count == headerLength, "header length changed between encodings")
        var checksum = ByteEncoder()
        checksum.append(Checksum.blocked(header.span.bytes))

        let writer: AtomicFileWriter
        do {
            writer = try AtomicFileWriter(path: path, bufferSize: AtomicFileWriter.directBufferSize, direct: true)
        } catch {
            throw SnapshotFormat.frameError(error, path: path)
        }
        writer.write(header)
        writer.write(checksum.bytes)
        writePadding(writer, count: dataStart - headerLength - 8)
        for (buffer, descriptor) in zip(buffers, descriptors) {
            precondition(writer.byteCount == descriptor.offset, "buffer written at the wrong offset")
            buffer.withBytes { writer.write($0) }
            writePadding(writer, count: SnapshotFormat.aligned(descriptor.byteLength)! - descriptor.byteLength)
        }
        precondition(writer.byteCount == fileLength, "file length differs from the header")
        do {
            try writer.commit()
        } catch {
            throw SnapshotFormat.frameError(error, path: path)
        }
    }

    /// The buffers of `column`, in the order of ``SnapshotFormat/roles(of:hasValidity:)``.
    static func rawBuffers(of column: Column) -> [RawBuffer] {
        var buffers = [RawBuffer]()
        switch column.values {
        case .float64(let values): buffers.append(.float64(values))
        case .int64(let values): buffers.append(.int64(values))
        case .date(let values): buffers.append(.int32(values))
        case .category(let values): buffers.append(.uint32(values.codes))
        case .string(let values):
            precondition(values.offsets[0] == 0, "string offsets of column '\(column.name)' do not start at 0")
            let end = values.offsets[values.count]
            precondition(end >= 0 && end <= values.bytes.count, "string offsets of '\(column.name)' pass the bytes")
            buffers.append(.int64(values.offsets))
            buffers.append(.uint8(values.bytes.prefix(Int(end))))
        }
        if let validity = column.validity {
            buffers.append(.uint64(validity.words.prefix((validity.count + 63) / 64)))
        }
        return buffers
    }

    /// Throws when a count or a text is too long for its 32-bit length field.
    static func checkLimits(
        _ table: Table, _ entries: [(key: String, value: String)], path: String
    ) throws(StrataFrameError) {
        let limit = Int(UInt32.max)
        func check(_ count: Int, _ what: @autoclosure () -> String) throws(StrataFrameError) {
            if count > limit { throw .snapshot(file: path, reason: "\(what()) is too long for the format (\(count))") }
        }
        try check(table.columns.count, "the column count")
        try check(entries.count, "the metadata count")
        for (key, value) in entries {
            try check(key.utf8.count, "metadata key")
            try check(value.utf8.count, "the value of metadata key '\(key)'")
        }
        for column in table.columns {
            try check(column.name.utf8.count, "a column name")
            if case .category(let values) = column.values {
                try check(values.dictionary.count, "the dictionary of column '\(column.name)'")
                for entry in values.dictionary { try check(entry.utf8.count, "a category of '\(column.name)'") }
            }
        }
    }

    /// The header bytes up to (not including) the header checksum.
    static func encodeHeader(
        _ table: Table, _ entries: [(key: String, value: String)], _ descriptors: [BufferDescriptor],
        headerLength: Int, fileLength: Int
    ) -> [UInt8] {
        var out = ByteEncoder()
        out.bytes.append(contentsOf: Snapshot.magic)
        out.append(Snapshot.formatVersion)
        out.append(UInt32(0))  // flags
        out.append(UInt64(headerLength))
        out.append(UInt64(fileLength))
        out.append(UInt64(table.rowCount))
        out.append(UInt32(table.columns.count))
        out.append(UInt32(entries.count))
        for (key, value) in entries {
            out.append(string: key)
            out.append(string: value)
        }
        var next = 0
        for column in table.columns {
            out.append(string: column.name)
            out.append(SnapshotFormat.code(of: column.type))
            out.append(column.validity == nil ? UInt8(0) : SnapshotFormat.hasValidityFlag)
            out.append(UInt16(0))  // reserved
            if case .category(let values) = column.values {
                out.append(UInt32(values.dictionary.count))
                for entry in values.dictionary { out.append(string: entry) }
            } else {
                out.append(UInt32(0))
            }
            let count = SnapshotFormat.roles(of: column.type, hasValidity: column.validity != nil).count
            out.append(UInt32(count))
            for descriptor in descriptors[next..<next + count] {
                out.append(UInt64(descriptor.offset))
                out.append(UInt64(descriptor.byteLength))
                out.append(UInt64(descriptor.elementCount))
                out.append(descriptor.checksum)
            }
            next += count
        }
        precondition(next == descriptors.count, "descriptor count differs from the columns' buffers")
        return out.bytes
    }

    static func writePadding(_ writer: AtomicFileWriter, count: Int) {
        precondition(count >= 0 && count < SnapshotFormat.alignment)
        if count > 0 { writer.write(zeros.span.bytes.extracting(0..<count)) }
    }
}

/// Appends little-endian integers and length-prefixed UTF-8 text to a byte array.
struct ByteEncoder {
    var bytes = [UInt8]()

    /// Appends `value`, least significant byte first.
    mutating func append<T: FixedWidthInteger>(_ value: T) {
        for index in 0..<MemoryLayout<T>.size { bytes.append(UInt8(truncatingIfNeeded: value >> (index * 8))) }
    }

    /// Appends the UTF-8 byte count of `text` as UInt32, then the bytes.
    mutating func append(string text: String) {
        append(UInt32(text.utf8.count))
        bytes.append(contentsOf: text.utf8)
    }
}
