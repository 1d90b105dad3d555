import StrataFrame
import StrataKernels

/// An atomic output file (``StrataKernels/AtomicFileWriter``) reporting ``ReportError``s.
struct OutputFile {
    let writer: AtomicFileWriter

    /// Creates the temporary file for `path`.
    init(path: String) throws(ReportError) {
        do {
            writer = try AtomicFileWriter(path: path)
        } catch {
            throw ReportError(error, path: path)
        }
    }

    /// Appends `bytes` (failures surface at ``commit()``).
    func write(_ bytes: [UInt8]) { writer.write(bytes) }

    /// Syncs the file and renames it into place.
    func commit() throws(ReportError) {
        do {
            try writer.commit()
        } catch {
            throw ReportError(error, path: writer.path)
        }
    }
}

/// A CSV file written piece by piece: a header, then tables (such as the chunks of a snapshot
/// that does not fit in memory) or rows, then ``commit()``.
///
/// The file appears at its path only when ``commit()`` succeeds; a writer dropped before that
/// (an error thrown mid-way, a cancelled run) leaves no file and no temporary file behind.
/// Not thread-safe: one writer per thread (tables are still formatted in parallel inside).
///
/// ```swift
/// let file = try CSVFileWriter(path: "scored.csv", header: table.columnNames)
/// for chunk in chunks { file.append(chunk) }
/// try file.commit()
/// ```
public final class CSVFileWriter {
    /// The options used for every field.
    public let options: CSVWriter
    /// The column names written as the first line.
    public let header: [String]
    private let file: OutputFile

    /// Creates the temporary file for `path` and writes `header` (and the BOM when asked).
    ///
    /// - Throws: ``ReportError/io(path:reason:)`` when the file cannot be created.
    public init(path: String, header: [String], options: CSVWriter = CSVWriter()) throws(ReportError) {
        self.options = options
        self.header = header
        self.file = try OutputFile(path: path)
        file.write(options.headerBytes(header))
    }

    /// Appends the rows of `table`, whose column names must equal ``header``.
    public func append(_ table: Table) {
        precondition(table.columnNames == header, "table columns differ from the CSV header")
        options.emitRows(table) { file.write($0) }
    }

    /// Appends one row of text cells (see ``CSVWriter/write(header:rows:numericColumns:to:)``).
    public func append(row: [String], numericColumns: Set<Int> = []) {
        options.emitRows(header: header, rows: [row], numericColumns: numericColumns) { file.write($0) }
    }

    /// Syncs the file to disk and renames it into place.
    ///
    /// - Throws: ``ReportError/io(path:reason:)`` with the first write failure, or when the sync
    ///   or rename fails; the temporary file is removed then.
    public func commit() throws(ReportError) { try file.commit() }
}
