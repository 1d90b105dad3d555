import Foundation
import StrataFrame
import StrataKernels

/// A fitted segmentation saved to a file: the feature scaling, the centroids and the tiers, so
/// new loans can be placed in existing segments (`strata segment assign`).
///
/// The file is JSON (`"format": "strata-segment-model"`, `"version": 1`); centroids are stored in
/// standardised units (used for assignment, full precision) and in original units (for reading).
public struct SegmentModel: Sendable, Codable, Equatable {
    /// The value of ``format`` in every model file.
    public static let formatName = "strata-segment-model"
    /// The version this code writes and reads.
    public static let currentVersion = 1

    /// One segment of the model.
    public struct Segment: Sendable, Codable, Equatable {
        /// The segment number, 1-based.
        public var id: Int
        /// The tier, 1 = best.
        public var tier: Int
        /// The rank, 1 = best.
        public var rank: Int
        /// The description.
        public var description: String
        /// Loans in the segment at fitting time.
        public var loans: Int
        /// Their share of the fitted loans.
        public var share: Double
    }

    /// Always ``formatName``.
    public var format: String
    /// The file version.
    public var version: Int
    /// The standardisation used.
    public var standardization: Standardization
    /// The features, their transformation and scaling, in matrix order.
    public var features: [FeatureScaling]
    /// The number of segments.
    public var k: Int
    /// Centroids in standardised units, one array of `d` values per segment.
    public var centroids: [[Double]]
    /// Centroids in original units.
    public var centroidsOriginal: [[Double]]
    /// The segments, in order.
    public var segments: [Segment]
    /// The number of tiers.
    public var tierCount: Int
    /// What segments were ranked by.
    public var ranking: SegmentRanking
    /// The inertia of the fit.
    public var inertia: Double
    /// Lloyd iterations of the fit.
    public var iterations: Int
    /// The seed of the fit.
    public var seed: UInt64
    /// The weight column of the fit, if any.
    public var weightColumn: String?

    enum CodingKeys: String, CodingKey {
        case format, version, standardization = "standardize", features, k, centroids
        case centroidsOriginal = "centroids_original", segments, tierCount = "tiers", ranking, inertia, iterations
        case seed, weightColumn = "weight_column"
    }

    /// The model of a fit and its report.
    public init(report: SegmentReport, fit: KMeansResult, matrix: FeatureMatrix, seed: UInt64, weightColumn: String?) {
        self.format = SegmentModel.formatName
        self.version = SegmentModel.currentVersion
        self.standardization = matrix.standardization
        self.features = matrix.features
        self.k = fit.k
        self.centroids = (0..<fit.k).map { fit.centroid($0) }
        self.centroidsOriginal = report.profiles.map(\.centroid)
        self.segments = report.profiles.map {
            Segment(
                id: $0.segment, tier: $0.tier, rank: $0.rank, description: $0.description, loans: $0.loans,
                share: $0.share)
        }
        self.tierCount = report.tierCount
        self.ranking = report.ranking
        self.inertia = fit.inertia
        self.iterations = fit.iterations
        self.seed = seed
        self.weightColumn = weightColumn
    }

    /// The model as JSON text (pretty-printed, keys in a fixed order).
    public func jsonText() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try! encoder.encode(self)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// Writes the model to `path` (through a temporary file renamed into place).
    ///
    /// - Throws: ``SegmentationError/modelFile(path:reason:)`` when the file cannot be written.
    public func write(to path: String) throws(SegmentationError) {
        do {
            let writer = try AtomicFileWriter(path: path)
            writer.write(jsonText())
            try writer.commit()
        } catch {
            throw .modelFile(path: path, reason: "cannot write: \(error)")
        }
    }

    /// Reads and checks a model file.
    ///
    /// - Throws: ``SegmentationError/modelFile(path:reason:)`` for an unreadable file, malformed
    ///   JSON, another format or version, or inconsistent shapes.
    public static func load(path: String) throws(SegmentationError) -> SegmentModel {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .modelFile(path: path, reason: "cannot read the file")
        }
        return try decode(data, path: path)
    }

    /// Decodes and checks model JSON (`path` only names the source in errors).
    public static func decode(_ data: Data, path: String) throws(SegmentationError) -> SegmentModel {
        let model: SegmentModel
        do {
            model = try JSONDecoder().decode(SegmentModel.self, from: data)
        } catch let DecodingError.keyNotFound(key, _) {
            throw .modelFile(path: path, reason: "missing field '\(key.stringValue)'")
        } catch let DecodingError.typeMismatch(_, context) {
            throw .modelFile(path: path, reason: "wrong type at \(codingPath(context))")
        } catch let DecodingError.valueNotFound(_, context) {
            throw .modelFile(path: path, reason: "missing value at \(codingPath(context))")
        } catch let DecodingError.dataCorrupted(context) {
            throw .modelFile(path: path, reason: "malformed JSON or value at \(codingPath(context))")
        } catch {
            throw .modelFile(path: path, reason: "\(error)")
        }
        guard model.format == formatName else {
            throw .modelFile(path: path, reason: "format is '\(model.format)', expected '\(formatName)'")
        }
        guard model.version == currentVersion else {
            throw .modelFile(
                path: path, reason: "version \(model.version) is not supported (this build reads \(currentVersion))")
        }
        let d = model.features.count
        guard d >= 1, model.k >= 1, model.centroids.count == model.k, model.centroids.allSatisfy({ $0.count == d }),
            model.segments.count == model.k
        else {
            throw .modelFile(path: path, reason: "k, centroids, segments and features do not agree in size")
        }
        guard model.centroids.allSatisfy({ $0.allSatisfy(\.isFinite) }),
            model.features.allSatisfy({ $0.scale > 0 && $0.scale.isFinite && $0.center.isFinite })
        else {
            throw .modelFile(path: path, reason: "centroids and scalings must be finite with positive scales")
        }
        return model
    }

    private static func codingPath(_ context: DecodingError.Context) -> String {
        let path = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        return path.isEmpty ? "the top level" : path
    }

    /// The centroids as one `k × d` row-major array (standardised units).
    public var flatCentroids: [Double] { centroids.flatMap { $0 } }

    /// Places the loans of `table` in the model's segments (nearest centroid after the model's
    /// scaling).
    ///
    /// - Throws: ``SegmentationError/feature(name:reason:)`` when a feature column is missing, of
    ///   the wrong type, partly missing (without `dropMissing`) or holds values the scaling
    ///   cannot take.
    /// - Complexity: O(n·k·d).
    public func assign(
        _ table: Table, dropMissing: Bool, method: KMeansKernel.Method = KMeans.defaultMethod,
        threads: Int = Parallel.threadCount
    ) throws(SegmentationError) -> SegmentAssignment {
        let matrix = try FeatureMatrix(
            table: table, scaling: features, standardization: standardization, dropMissing: dropMissing,
            threads: threads)
        let labels = KMeans.assign(matrix, centroids: flatCentroids, method: method, threads: threads)
        let tiers = segments.map(\.tier)
        let columns = SegmentReport.assignmentColumns(labels: labels, matrix: matrix, tiers: tiers, threads: threads)
        var counts = [Int](repeating: 0, count: k)
        labels.withSpan { span in
            for i in span.indices { counts[Int(span[i])] += 1 }
        }
        return SegmentAssignment(
            segment: columns.segment, tier: columns.tier, counts: counts, assigned: matrix.rowCount,
            skipped: matrix.skippedRows)
    }
}

/// Loans placed in the segments of a saved model.
public struct SegmentAssignment: Sendable {
    /// The `segment` column (1-based), missing for skipped loans.
    public let segment: Column
    /// The `tier` column, missing for skipped loans.
    public let tier: Column
    /// Loans per segment, in segment order.
    public let counts: [Int]
    /// Loans assigned.
    public let assigned: Int
    /// Loans skipped for missing feature values.
    public let skipped: Int
}
