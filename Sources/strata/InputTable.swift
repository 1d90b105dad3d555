import Foundation
import StrataFrame

/// Loads the table a command works on: a `.strata` snapshot (mapped, no parsing) or a CSV tape
/// (ingested strictly: the first bad row stops the run with its line, column and reason).
enum InputTable {
    /// The table in `path`.
    ///
    /// - Parameter schema: how a CSV is typed: `.loanTape` (LOAN_TAPE.md rules, the default) or
    ///   `.inferred` (any CSV, every column typed by scanning the whole file).
    static func load(_ path: String, schema: IngestOptions.Schema = .loanTape) throws -> Table {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw StrataFrameError.io(path: path, reason: "no such file")
        }
        if isDirectory.boolValue { throw StrataFrameError.io(path: path, reason: "is a directory, expected a file") }
        if isSnapshot(path) { return try Snapshot.load(path: path) }
        var options = IngestOptions()
        options.schema = schema
        return try CSVIngest.ingest(path: path, options: options).table
    }

    /// True when `path` names a snapshot: by its extension, or by its first bytes.
    static func isSnapshot(_ path: String) -> Bool {
        if path.hasSuffix("." + Snapshot.fileExtension) { return true }
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: Snapshot.magic.count)) ?? Data()
        return Array(head) == Snapshot.magic
    }
}
