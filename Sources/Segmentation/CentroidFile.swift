import Foundation

/// Starting centroids read from a CSV file, for audits and comparisons with other tools.
///
/// The header names the features (matrix feature names: column names, `column=level` for
/// indicators), in any order; a `segment` column, if present, is ignored. Each further non-empty
/// line is one centroid in ORIGINAL units; it is put on the model's scale with
/// ``FeatureScaling/standardized(_:)``.
public struct CentroidFile: Sendable, Equatable {
    /// The feature names of the header, in file order (without `segment`).
    public let names: [String]
    /// The centroids in original units, in file order, values in header order.
    public let rows: [[Double]]

    /// Parses CSV text (`path` only names the source in errors).
    ///
    /// - Throws: ``SegmentationError/modelFile(path:reason:)`` with the line of the problem.
    public static func parse(_ text: String, path: String) throws(SegmentationError) -> CentroidFile {
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .map { $0.hasSuffix("\r") ? String($0.dropLast()) : String($0) }
        while let last = lines.last, last.trimmingWhitespace().isEmpty { lines.removeLast() }
        guard let headerLine = lines.first else { throw .modelFile(path: path, reason: "the file is empty") }
        let header = fields(headerLine)
        let skip = header.firstIndex(of: "segment")
        let names = header.enumerated().filter { $0.offset != skip }.map(\.element)
        guard !names.isEmpty else { throw .modelFile(path: path, reason: "line 1: no feature columns in the header") }
        if let duplicate = Dictionary(grouping: names, by: { $0 }).first(where: { $0.value.count > 1 }) {
            throw .modelFile(path: path, reason: "line 1: column '\(duplicate.key)' appears twice")
        }
        var rows = [[Double]]()
        for (index, line) in lines.enumerated().dropFirst() {
            if line.trimmingWhitespace().isEmpty { continue }
            let values = fields(line)
            guard values.count == header.count else {
                throw .modelFile(
                    path: path, reason: "line \(index + 1): expected \(header.count) values, got \(values.count)")
            }
            var row = [Double]()
            for (position, text) in values.enumerated() where position != skip {
                guard let value = Double(text), value.isFinite else {
                    throw .modelFile(
                        path: path, reason: "line \(index + 1), column '\(header[position])': '\(text)' is not a number"
                    )
                }
                row.append(value)
            }
            rows.append(row)
        }
        guard !rows.isEmpty else { throw .modelFile(path: path, reason: "no centroid rows after the header") }
        return CentroidFile(names: names, rows: rows)
    }

    /// Reads and parses a file.
    public static func load(path: String) throws(SegmentationError) -> CentroidFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .modelFile(path: path, reason: "cannot read the file")
        }
        return try parse(String(decoding: data, as: UTF8.self), path: path)
    }

    /// The centroids in standardised units, `k × d` row-major in the order of `features`.
    ///
    /// - Throws: ``SegmentationError/modelFile(path:reason:)`` when a feature is missing from the
    ///   header, the header has an unknown column, or a value is outside a transformation's domain.
    public func standardized(for features: [FeatureScaling], path: String) throws(SegmentationError) -> [Double] {
        var position = [String: Int]()
        for (i, name) in names.enumerated() { position[name] = i }
        for name in names where !features.contains(where: { $0.name == name }) {
            throw .modelFile(path: path, reason: "column '\(name)' is not one of the features")
        }
        var result = [Double]()
        for (r, row) in rows.enumerated() {
            for feature in features {
                guard let i = position[feature.name] else {
                    throw .modelFile(path: path, reason: "feature '\(feature.name)' has no column")
                }
                let value = row[i]
                if feature.transform == .log1p && !(value > -1) {
                    throw .modelFile(
                        path: path,
                        reason: "line \(r + 2): '\(feature.name)' is log-transformed and needs values above -1")
                }
                result.append(feature.standardized(value))
            }
        }
        return result
    }

    private static func fields(_ line: String) -> [String] {
        line.split(separator: ",", omittingEmptySubsequences: false).map { field in
            var text = field.trimmingWhitespace()
            if text.count >= 2 && text.hasPrefix("\"") && text.hasSuffix("\"") {
                text = String(text.dropFirst().dropLast()).replacingOccurrences(of: "\"\"", with: "\"")
            }
            return text
        }
    }
}
