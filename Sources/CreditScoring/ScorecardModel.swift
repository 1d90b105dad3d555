import Foundation
import StrataFrame

/// A feature of a fitted scorecard: its binning (with points per bin) and its coefficient.
public struct ScorecardFeature: Sendable, Codable, Equatable {
    /// The binning, WoE and points.
    public var binning: FeatureBinning
    /// The logistic-regression coefficient of the feature's WoE.
    public var coefficient: CoefficientEstimate

    /// A model feature.
    public init(binning: FeatureBinning, coefficient: CoefficientEstimate) {
        self.binning = binning
        self.coefficient = coefficient
    }

    /// The feature's column name.
    public var name: String { binning.name }
    /// The most points a loan can get from this feature.
    public var maxPoints: Double { binning.bins.map(\.points).max() ?? 0 }
}

/// The training distribution of scores, kept so a scored book can be compared with it (PSI).
public struct ScoreDistribution: Sendable, Codable, Equatable {
    /// Band edges: training score deciles (see ``Metrics/quantileEdges(sortedScores:bands:)``).
    public var edges: [Double]
    /// Training rows per band.
    public var counts: [Int]
}

/// Where a model came from: enough to say which data and settings made it.
public struct TrainingMetadata: Sendable, Codable, Equatable {
    /// The target column.
    public var target: String
    /// The target value read as bad.
    public var badLabel: String
    /// The target value read as good.
    public var goodLabel: String
    /// `xxh64:` and the hex checksum of the training columns (see ``TableFingerprint``).
    public var dataHash: String
    /// Rows of the input table.
    public var rows: Int
    /// Rows trained on.
    public var trainRows: Int
    /// Rows held out.
    public var holdoutRows: Int
    /// Rows without a target value (not used).
    public var unlabelledRows: Int
    /// Bad rows among the training rows.
    public var trainBads: Int
    /// The holdout fraction asked for.
    public var holdoutFraction: Double
    /// The seed of the holdout split.
    public var seed: UInt64
    /// The settings of the fit, as `name → value` text (sorted by name in the file).
    public var settings: [String: String]
}

/// A fitted scorecard: everything needed to reproduce every score, as saved in the model file.
///
/// The file is JSON with sorted keys and numbers in the shortest form that reads back to the
/// same double, so saving, loading and scoring gives the same bits, and the same data, settings
/// and seed give the same file bytes. `format` and `formatVersion` identify it.
public struct ScorecardModel: Sendable, Codable, Equatable {
    /// Always ``ScorecardModel/formatName``.
    public var format: String
    /// The file format version; this Strata reads ``ScorecardModel/currentFormatVersion``.
    public var formatVersion: Int
    /// The Strata version that wrote the file.
    public var strataVersion: String
    /// The intercept β₀.
    public var intercept: CoefficientEstimate
    /// The model's features, in score-summation order.
    public var features: [ScorecardFeature]
    /// Points scaling.
    public var scaling: PointsScaling
    /// Rating grades.
    public var masterScale: MasterScale
    /// Training score distribution for stability checks.
    public var scoreDistribution: ScoreDistribution
    /// Provenance.
    public var training: TrainingMetadata

    /// The `format` value of every Strata scorecard file.
    public static let formatName = "strata-scorecard"
    /// The file format version this code writes and reads.
    public static let currentFormatVersion = 1

    /// The model as file bytes: pretty JSON, sorted keys, a final newline.
    ///
    /// - Throws: ``ScorecardError/fit(reason:)`` when a number is not finite (JSON has no NaN).
    public func encoded() throws(ScorecardError) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            var bytes = [UInt8](try encoder.encode(self))
            bytes.append(UInt8(ascii: "\n"))
            return bytes
        } catch {
            throw .fit(reason: "the model holds a value JSON cannot represent (\(error))")
        }
    }

    /// Writes the model file atomically (a temporary file renamed into place).
    ///
    /// - Throws: ``ScorecardError/modelFile(path:reason:)`` when the file cannot be written.
    public func write(to path: String) throws(ScorecardError) {
        let url = URL(fileURLWithPath: path)
        let bytes = try encoded()
        do {
            try Data(bytes).write(to: url, options: .atomic)
        } catch {
            throw .modelFile(path: path, reason: "cannot write: \(error.localizedDescription)")
        }
    }

    /// Reads and checks a model file.
    ///
    /// - Throws: ``ScorecardError/modelFile(path:reason:)`` when the file cannot be read, is not
    ///   JSON, is not a Strata scorecard, has an unknown version, lacks a field, or is inconsistent
    ///   (bin indices out of range, non-finite points, ...).
    public static func load(path: String) throws(ScorecardError) -> ScorecardModel {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .modelFile(path: path, reason: "cannot read the file (\(error.localizedDescription))")
        }
        return try decode(data, path: path)
    }

    /// Decodes and checks model file bytes; `path` is used in messages.
    public static func decode(_ data: Data, path: String) throws(ScorecardError) -> ScorecardModel {
        struct Header: Decodable {
            var format: String?
            var formatVersion: Int?
        }
        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: data)
        } catch {
            throw .modelFile(path: path, reason: "not a JSON object (\(describe(error)))")
        }
        guard header.format == formatName else {
            throw .modelFile(
                path: path,
                reason: "'format' is \(header.format.map { "'\($0)'" } ?? "absent"), expected '\(formatName)'")
        }
        guard let version = header.formatVersion else {
            throw .modelFile(path: path, reason: "'formatVersion' is absent")
        }
        guard version == currentFormatVersion else {
            throw .modelFile(
                path: path,
                reason: "unknown format version \(version) (this Strata reads version \(currentFormatVersion))")
        }
        let model: ScorecardModel
        do {
            model = try JSONDecoder().decode(ScorecardModel.self, from: data)
        } catch {
            throw .modelFile(path: path, reason: describe(error))
        }
        try model.check(path: path)
        return model
    }

    /// Checks internal consistency: every index in range, bounds ordered, numbers finite.
    func check(path: String) throws(ScorecardError) {
        func fail(_ reason: String) -> ScorecardError { .modelFile(path: path, reason: reason) }
        guard !features.isEmpty else { throw fail("the model has no features") }
        guard scaling.pdo > 0, scaling.pdo.isFinite, scaling.baseOdds > 0, scaling.baseOdds.isFinite,
            scaling.baseScore.isFinite
        else { throw fail("scaling parameters must be finite with pdo and baseOdds positive") }
        guard !masterScale.upperBounds.isEmpty, masterScale.labels.count == masterScale.upperBounds.count,
            masterScale.upperBounds.last == 1,
            zip(masterScale.upperBounds, masterScale.upperBounds.dropFirst()).allSatisfy({ $0 < $1 })
        else { throw fail("the master scale must have one label per bound, bounds rising to 1") }
        var names = Set<String>()
        for feature in features {
            let b = feature.binning
            guard names.insert(b.name).inserted else { throw fail("feature '\(b.name)' appears twice") }
            guard !b.bins.isEmpty, b.bins.count < Int(UInt16.max) else { throw fail("feature '\(b.name)' has no bins") }
            guard b.missingBin >= 0 && b.missingBin < b.bins.count else {
                throw fail("feature '\(b.name)': missingBin \(b.missingBin) is out of range")
            }
            if let u = b.unseenBin, u < 0 || u >= b.bins.count {
                throw fail("feature '\(b.name)': unseenBin \(u) is out of range")
            }
            guard b.bins.allSatisfy({ $0.points.isFinite && $0.woe.isFinite }) else {
                throw fail("feature '\(b.name)': points and WoE must be finite numbers")
            }
            switch b.kind {
            case .numeric:
                guard zip(b.cuts, b.cuts.dropFirst()).allSatisfy({ $0 < $1 }), b.cuts.allSatisfy(\.isFinite) else {
                    throw fail("feature '\(b.name)': cuts must be finite and strictly increasing")
                }
                guard b.bins.count >= b.cuts.count + 1 + b.specialValues.count else {
                    throw fail(
                        "feature '\(b.name)': \(b.bins.count) bins for \(b.cuts.count) cuts and \(b.specialValues.count) special values"
                    )
                }
            case .categorical:
                guard b.unseenBin != nil else { throw fail("feature '\(b.name)': unseenBin is absent") }
            }
        }
    }

    static func describe(_ error: any Error) -> String {
        switch error as? DecodingError {
        case .keyNotFound(let key, let context)?:
            return "missing field '\(path(context.codingPath + [key]))'"
        case .typeMismatch(_, let context)?, .valueNotFound(_, let context)?:
            return "field '\(path(context.codingPath))' has the wrong type or is null"
        case .dataCorrupted(let context)?:
            let where_ = context.codingPath.isEmpty ? "" : " at '\(path(context.codingPath))'"
            return "malformed JSON\(where_): \(context.debugDescription)"
        default:
            return "\(error)"
        }
    }

    static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingPrefix(".").description
    }
}
