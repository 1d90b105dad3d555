import StrataFrame
import StrataKernels

/// The fit and validity indices of one k in a scan.
public struct KScanEntry: Sendable, Equatable {
    /// The number of clusters.
    public let k: Int
    /// Within-cluster sum of squares (the elbow curve).
    public let inertia: Double
    /// Mean silhouette on the sample (higher is better), nil when undefined.
    public let silhouette: Double?
    /// Calinski–Harabasz index (higher is better), nil when undefined.
    public let calinskiHarabasz: Double?
    /// Davies–Bouldin index (lower is better), nil when undefined.
    public let daviesBouldin: Double?
    /// Lloyd iterations of the kept run.
    public let iterations: Int
    /// Whether that run converged.
    public let converged: Bool

    /// An entry with every field given.
    public init(
        k: Int, inertia: Double, silhouette: Double?, calinskiHarabasz: Double?, daviesBouldin: Double?,
        iterations: Int, converged: Bool
    ) {
        self.k = k
        self.inertia = inertia
        self.silhouette = silhouette
        self.calinskiHarabasz = calinskiHarabasz
        self.daviesBouldin = daviesBouldin
        self.iterations = iterations
        self.converged = converged
    }
}

/// The result of scanning a range of k: one entry and one fit per k, and the chosen k.
public struct KScan: Sendable {
    /// One entry per k, in increasing k.
    public let entries: [KScanEntry]
    /// The fit of each k, in the order of `entries`.
    public let fits: [KMeansResult]
    /// The k picked by ``KSelection/choose(_:tolerance:)``.
    public let chosenK: Int
    /// Why that k was picked, in one sentence.
    public let reason: String
    /// The number of loans in the silhouette sample.
    public let silhouetteSampleSize: Int

    /// The fit of the chosen k.
    public var chosenFit: KMeansResult { fits[entries.firstIndex { $0.k == chosenK }!] }
}

/// Choosing the number of segments: fit every k of a range and pick one by a documented rule.
///
/// The rule (``choose(_:tolerance:)``): take the highest mean silhouette over the range; among
/// the k whose silhouette is within `tolerance` (0.01) of it, pick the smallest: fewer segments
/// are easier to act on and a silhouette difference below 0.01 is within sampling noise of a
/// 10,000-loan sample. Calinski–Harabasz and Davies–Bouldin are reported beside it and named in
/// the reason when they agree or disagree. Without any silhouette (a sample with one cluster),
/// the highest Calinski–Harabasz decides.
public enum KSelection {
    /// Silhouette differences below this count as ties (the rule prefers the smaller k).
    public static let silhouetteTolerance = 0.01
    /// The default silhouette sample size.
    public static let defaultSampleSize = 10_000
    /// The largest k a scan accepts.
    public static let maximumK = 100

    /// Parses a k range written `LOW..HIGH` (also `LOW-HIGH` or `LOW:HIGH`), such as `3..12`.
    ///
    /// - Throws: ``SegmentationError/option(name:reason:)`` for malformed text, `LOW < 2`,
    ///   `HIGH < LOW` or `HIGH >` ``maximumK``.
    public static func parseRange(_ text: String) throws(SegmentationError) -> ClosedRange<Int> {
        let trimmed = text.trimmingWhitespace()
        var parts: [Substring] = []
        for separator in ["..", ":", "-"] {
            if let range = trimmed.range(of: separator) {
                parts = [trimmed[trimmed.startIndex..<range.lowerBound], trimmed[range.upperBound...]]
                break
            }
        }
        guard parts.count == 2, let low = Int(parts[0].trimmingWhitespace()),
            let high = Int(parts[1].trimmingWhitespace())
        else {
            throw .option(name: "k-range", reason: "expected LOW..HIGH such as 3..12, got '\(text)'")
        }
        guard low >= 2 else { throw .option(name: "k-range", reason: "the smallest k must be at least 2, got \(low)") }
        guard high >= low else { throw .option(name: "k-range", reason: "\(high) is smaller than \(low)") }
        guard high <= maximumK else { throw .option(name: "k-range", reason: "k above \(maximumK) is not supported") }
        return low...high
    }

    /// Fits every k in `range` with `options` (its `k` is ignored) and picks one.
    ///
    /// Every k uses the same seed and the same silhouette sample (drawn with `options.seed`).
    ///
    /// - Throws: as ``KMeans/fit(_:options:)``, and ``SegmentationError/data(reason:)`` when the
    ///   range's largest k exceeds the number of loans.
    /// - Complexity: the sum of the fits, plus O(s²·d) per k for the silhouette.
    public static func scan(
        _ x: FeatureMatrix, range: ClosedRange<Int>, options: KMeansOptions,
        sampleSize: Int = KSelection.defaultSampleSize
    ) throws(SegmentationError) -> KScan {
        if range.upperBound > x.rowCount {
            throw .data(reason: "k up to \(range.upperBound) but there are only \(x.rowCount) loans")
        }
        let sample = ClusterMetrics.sampleRows(count: x.rowCount, size: sampleSize, seed: options.seed)
        let totalSS = KMeans.totalSumOfSquares(x, threads: options.threads)
        var entries = [KScanEntry]()
        var fits = [KMeansResult]()
        for k in range {
            var perK = options
            perK.k = k
            perK.initialCentroids = nil
            let fit = try KMeans.fit(x, options: perK)
            let silhouette = ClusterMetrics.silhouette(
                x, labels: fit.labels, k: k, sample: sample, threads: options.threads)
            entries.append(
                KScanEntry(
                    k: k, inertia: fit.inertia, silhouette: silhouette,
                    calinskiHarabasz: ClusterMetrics.calinskiHarabasz(
                        totalSumOfSquares: totalSS, inertia: fit.inertia, rows: x.rowCount, k: k),
                    daviesBouldin: ClusterMetrics.daviesBouldin(
                        centroids: fit.centroids, dimension: x.dimension, scatter: fit.clusterScatter,
                        weights: fit.clusterWeights),
                    iterations: fit.iterations, converged: fit.converged))
            fits.append(fit)
        }
        let (chosen, reason) = choose(entries)
        return KScan(
            entries: entries, fits: fits, chosenK: chosen, reason: reason, silhouetteSampleSize: sample.count)
    }

    /// Applies the rule of the type's documentation to scan entries.
    ///
    /// - Precondition: `entries` is not empty.
    /// - Returns: the chosen k and a one-sentence reason.
    public static func choose(
        _ entries: [KScanEntry], tolerance: Double = KSelection.silhouetteTolerance
    ) -> (k: Int, reason: String) {
        precondition(!entries.isEmpty, "no scan entries")
        let bestCH = entries.filter { $0.calinskiHarabasz != nil }.max { $0.calinskiHarabasz! < $1.calinskiHarabasz! }
        let bestDB = entries.filter { $0.daviesBouldin != nil }.min { $0.daviesBouldin! < $1.daviesBouldin! }
        var others = [String]()
        if let bestCH { others.append("Calinski-Harabasz prefers k = \(bestCH.k)") }
        if let bestDB { others.append("Davies-Bouldin prefers k = \(bestDB.k)") }
        let tail = others.isEmpty ? "" : "; " + others.joined(separator: ", ")
        let scored = entries.filter { $0.silhouette != nil }
        guard let top = scored.max(by: { $0.silhouette! < $1.silhouette! }) else {
            let k = bestCH?.k ?? entries[0].k
            return (k, "k = \(k): no silhouette could be computed, so the highest Calinski-Harabasz decides" + tail)
        }
        let best = top.silhouette!
        let chosen = scored.filter { $0.silhouette! >= best - tolerance }.min { $0.k < $1.k }!
        if chosen.k == top.k {
            return (chosen.k, "k = \(chosen.k): highest silhouette (\(fixed(best, 3)))" + tail)
        }
        return (
            chosen.k,
            "k = \(chosen.k): silhouette \(fixed(chosen.silhouette!, 3)) is within \(fixed(tolerance, 2)) of the best "
                + "(\(fixed(best, 3)) at k = \(top.k)) and fewer segments are easier to act on" + tail
        )
    }
}

/// Fixed-point text with `digits` decimals (for reasons and descriptions).
func fixed(_ value: Double, _ digits: Int) -> String {
    guard value.isFinite else { return value.description }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let rounded = (abs(value) * scale).rounded() / scale
    let sign = value < 0 && rounded > 0 ? "-" : ""
    let whole = Int64(rounded.rounded(.down))
    var text = sign + String(whole)
    if digits > 0 {
        let fraction = Int64(((rounded - Double(whole)) * scale).rounded())
        var digitsText = String(fraction)
        while digitsText.count < digits { digitsText = "0" + digitsText }
        text += "." + digitsText
    }
    return text
}

extension StringProtocol {
    /// The text without leading and trailing spaces, tabs and line breaks.
    func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars = scalars.dropFirst() }
        while let last = scalars.last, last.isWhitespace { scalars = scalars.dropLast() }
        return String(scalars)
    }
}
