import StrataKernels

/// Strata's binary columnar file format, `.strata`: a table written once and mapped back without
/// parsing.
///
/// A snapshot holds a header (row count, schema, category dictionaries, metadata, one descriptor
/// per column buffer) protected by a checksum, then every column buffer verbatim, each at a
/// 64-byte aligned offset. Loading maps the file and hands out ``ColumnBuffer``s that point into
/// the mapping: no value is parsed or copied. docs/snapshot-format.md describes every byte.
///
/// Every number and offset in a file is checked before it is used: a truncated or damaged file,
/// a file of another format version or not a snapshot at all throws
/// ``StrataFrameError/snapshot(file:reason:)`` naming what is wrong.
///
/// ```swift
/// try Snapshot.write(table, to: "book.strata", metadata: ["as_of_date": "2025-06-30"])
/// let table = try Snapshot.load(path: "book.strata")
/// ```
public enum Snapshot {
    /// The file name extension of snapshot files, without the dot.
    public static let fileExtension = "strata"

    /// The format version this build writes and the only one it reads.
    public static let formatVersion: UInt32 = 1

    /// The first eight bytes of every snapshot: `89 53 54 52 41 54 41 0A` ("\x89STRATA\n").
    ///
    /// As in PNG, the high first byte and the final line feed expose transfers that strip the
    /// eighth bit or translate line endings, and no text file (a CSV tape) starts this way.
    public static let magic: [UInt8] = [0x89, 0x53, 0x54, 0x52, 0x41, 0x54, 0x41, 0x0A]

    /// Writes `table` and `metadata` to `path` atomically: the bytes go to a temporary file in the
    /// same directory, which is flushed to disk and renamed over `path` at the end. A failed write
    /// leaves `path` as it was.
    ///
    /// The same table and metadata always give the same bytes (metadata is stored sorted by key).
    /// Column checksums are computed in parallel before the file is written.
    ///
    /// - Parameters:
    ///   - table: the table; string columns must satisfy ``StringValues``' invariants.
    ///   - path: the file to create or replace (conventionally ending in `.strata`).
    ///   - metadata: free key/value text stored in the header (run id, source tape, as-of date, ...).
    /// - Throws: ``StrataFrameError/io(path:reason:)`` when the file cannot be written, and
    ///   ``StrataFrameError/snapshot(file:reason:)`` when a name or metadata text is too long for
    ///   the format (4 GiB).
    /// - Complexity: O(bytes of the table), one parallel pass for checksums and one sequential write.
    public static func write(
        _ table: Table, to path: String, metadata: [String: String] = [:]
    ) throws(StrataFrameError) {
        try SnapshotWriter.write(table, to: path, metadata: metadata)
    }

    /// Maps the snapshot at `path` and returns its table, whose columns point into the mapping.
    ///
    /// The header checksum and every bound (offsets, lengths, alignment, counts, order of the
    /// buffers) are always checked. With `verify` the data section is checked too, in parallel:
    /// every buffer's checksum, zero padding between buffers, category codes inside their
    /// dictionaries (for present rows) and non-decreasing string offsets.
    ///
    /// `verify: false` reads only the header pages and is for files this process or a trusted job
    /// has just written: damage in the data section then goes unnoticed and can surface later as
    /// wrong values, or as a trap when a damaged category code or string offset is used.
    ///
    /// The mapping lives as long as any column of the table. Replacing the file through
    /// ``write(_:to:metadata:)`` (a rename) does not disturb a loaded table; truncating the file
    /// in place while it is mapped does (SIGBUS), as with any mapped file.
    ///
    /// - Parameters:
    ///   - path: the snapshot file.
    ///   - verify: check the data section as well as the header.
    /// - Throws: ``StrataFrameError/io(path:reason:)`` when the file cannot be opened or mapped,
    ///   ``StrataFrameError/snapshot(file:reason:)`` when it is not a valid snapshot of this
    ///   format version.
    /// - Complexity: O(header) without `verify`; O(file size) with it.
    public static func load(path: String, verify: Bool = true) throws(StrataFrameError) -> Table {
        let file = try SnapshotReader.map(path)
        let layout = try SnapshotReader.readLayout(file)
        let columns = try SnapshotReader.columns(file, layout)
        if verify { try SnapshotReader.verifyData(file, layout, columns) }
        do {
            return try Table(columns: columns.map(\.column), rowCount: layout.rowCount)
        } catch {
            throw .snapshot(file: path, reason: "\(error)")
        }
    }

    /// The metadata stored in the snapshot at `path`, read from its header only.
    ///
    /// - Throws: as ``load(path:verify:)`` with `verify: false`.
    public static func metadata(path: String) throws(StrataFrameError) -> [String: String] {
        let file = try SnapshotReader.map(path)
        return try SnapshotReader.readLayout(file).metadata
    }
}
