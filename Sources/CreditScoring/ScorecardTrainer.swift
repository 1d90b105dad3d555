import StrataFrame
import StrataKernels

/// Everything that steers a scorecard fit. Defaults are stated on each property.
public struct ScorecardOptions: Sendable {
    /// The target column.
    public var target: String
    /// The bad value of a two-label target (see ``BinaryTarget``).
    public var badValue: String?
    /// Features to use; nil means every column but identifiers (text columns and names `id` or
    /// ending in `_id`), dates and the target.
    public var features: [String]?
    /// Columns to leave out of the default feature list.
    public var exclude: [String] = []
    /// The share of labelled rows held out for validation, stratified by target (default 0).
    public var holdoutFraction: Double = 0
    /// The seed of the holdout split (default 0).
    public var seed: UInt64 = 0
    /// Binning settings.
    public var binning = BinningOptions()
    /// Features with an information value below this are dropped (default 0.02).
    public var minIV: Double = 0.02
    /// Of two features whose WoE correlation exceeds this in absolute value, the one with the lower
    /// IV is dropped (default 0.7; 1 or more disables the filter).
    public var maxCorrelation: Double = 0.7
    /// Features are dropped, highest first, while a variance inflation factor exceeds this
    /// (default 10; 0 disables the filter).
    public var maxVIF: Double = 10
    /// Drop features whose coefficient has the wrong sign (positive on WoE) and refit (default true).
    public var dropWrongSigns = true
    /// The L2 penalty λ of the logistic regression (default 0).
    public var l2: Double = 0
    /// Newton iterations allowed (default 100).
    public var maxIterations = 100
    /// The relative deviance change that ends the iteration (default 10⁻¹⁰).
    public var tolerance = 1e-10
    /// Points scaling (default 600 points at 50:1, 20 points to double the odds).
    public var scaling = PointsScaling.standard
    /// Rating grades (default ``MasterScale/standard``).
    public var masterScale = MasterScale.standard
    /// Worker threads.
    public var threads = Parallel.threadCount
    /// The Strata version recorded in the model file.
    public var strataVersion = "0.1.0"

    /// Options for the target column `target`, everything else at its default.
    public init(target: String) {
        self.target = target
    }
}

/// A feature as the fit saw it: its binning (when usable), IV, and whether it made the model.
public struct FeatureReport: Sendable {
    /// The column name.
    public var name: String
    /// The binning, or nil when the feature could not be binned.
    public var binning: FeatureBinning?
    /// The information value (0 when unusable).
    public var iv: Double { binning?.iv ?? 0 }
    /// True when the feature is in the model.
    public var selected: Bool
    /// Why the feature is not in the model (nil when selected).
    public var reason: String?
    /// The characteristic stability index between training and holdout bins (selected features
    /// with a holdout only).
    public var csi: Double?
}

/// One row of a grade table.
public struct GradeRow: Sendable, Codable, Equatable {
    /// The grade label.
    public var grade: String
    /// The upper PD bound of the grade.
    public var upperPD: Double
    /// Loans in the grade.
    public var loans: Int
    /// Bad loans in the grade.
    public var bads: Int
    /// `bads / loans` (0 when empty).
    public var badRate: Double
    /// The mean PD of the grade's loans (0 when empty).
    public var meanPD: Double
}

/// Metrics of one set of rows (training or holdout).
public struct DatasetMetrics: Sendable {
    /// AUC, Gini, KS.
    public var discrimination: Discrimination
    /// The decile table, riskiest first.
    public var deciles: [ScoreBand]
    /// The grade table, best grade first.
    public var grades: [GradeRow]
}

/// The outcome of ``ScorecardTrainer/fit(_:options:)``: the model and the reports around it.
public struct ScorecardFit: Sendable {
    /// The model, ready to save.
    public var model: ScorecardModel
    /// Every candidate feature, in input order.
    public var features: [FeatureReport]
    /// The final logistic regression.
    public var regression: LogisticFit
    /// Rows of the regression design: the distinct WoE rows of the training loans, each with its
    /// count of loans and bads (or the training loans themselves when the bins are too many to
    /// group).
    public var designRows: Int
    /// Training metrics.
    public var train: DatasetMetrics
    /// Holdout metrics (nil without a holdout, or when it lacks a class).
    public var holdout: DatasetMetrics?
    /// The PSI of holdout against training scores over the training deciles (nil without a holdout).
    public var psi: Double?
    /// Seconds per step: `binning`, `selection`, `regression` (all fits), `finalFit`, `metrics`, `total`.
    public var timings: [(step: String, seconds: Double)]
}

/// Trains a scorecard: binning, WoE, selection, logistic regression, scaling, grades, metrics.
public enum ScorecardTrainer {
    /// Fits a scorecard to `table`.
    ///
    /// Steps (each documented where it lives): target (``BinaryTarget``), stratified holdout,
    /// binning (``Binner``), WoE/IV (``WeightOfEvidence``), selection (IV threshold, then a
    /// correlation filter keeping the higher IV of a correlated pair, then VIF), logistic regression
    /// on the WoE matrix (``LogisticRegression``), optionally refitting without wrong-signed
    /// features, points (``PointsScaling``), grades (``MasterScale``) and metrics (``Metrics``).
    ///
    /// - Throws: ``ScorecardError`` for a bad target, an explicitly requested feature that cannot be
    ///   used, bad options, no feature left, or a fit that fails (separation, singular design).
    public static func fit(_ table: Table, options: ScorecardOptions) throws(ScorecardError) -> ScorecardFit {
        let clock = ContinuousClock()
        let start = clock.now
        try validate(options)
        let target = try BinaryTarget(table: table, column: options.target, badValue: options.badValue)
        let candidates = try candidateFeatures(table, options: options)
        let (train, holdout) = split(target: target, fraction: options.holdoutFraction, seed: options.seed)
        var trainBads = 0
        var trainRows = 0
        var holdoutRows = 0
        for row in 0..<table.rowCount {
            if train[row] {
                trainRows += 1
                trainBads += Int(target.labels[row])
            }
            if holdout[row] { holdoutRows += 1 }
        }
        if trainBads == 0 || trainBads == trainRows {
            throw .target(column: options.target, reason: "the training rows hold only one class")
        }

        // Binning, one feature per task.
        let binningOptions = options.binning
        let outcomes = parallelChunks(count: candidates.count, chunkSize: 1, threads: options.threads) {
            chunk, _ -> BinningOutcome in
            Binner.bin(
                feature: candidates[chunk], table: table, target: target, train: train, options: binningOptions)
        }
        var reports = [FeatureReport]()
        for outcome in outcomes {
            switch outcome {
            case .binned(let binning):
                reports.append(FeatureReport(name: binning.name, binning: binning, selected: false, reason: nil))
            case .unusable(let name, let reason):
                if options.features != nil { throw .feature(name: name, reason: reason) }
                reports.append(FeatureReport(name: name, binning: nil, selected: false, reason: "unusable: \(reason)"))
            }
        }
        let binningDone = clock.now

        // Bin index of every row for every usable feature.
        var binIndex = [String: ColumnBuffer<UInt16>]()
        for report in reports {
            guard let binning = report.binning else { continue }
            let column = try! table.column(named: binning.name)
            let assigner = try BinAssigner(binning: binning, column: column, table: table)
            let builder = ColumnBufferBuilder<UInt16>(count: table.rowCount)
            _ = parallelChunks(count: table.rowCount, threads: options.threads) { _, rows -> Int in
                builder.withMutableSpan(in: rows) { span in assigner.assign(rows: rows, into: &span) }
            }
            binIndex[binning.name] = builder.finish()
        }

        // Selection: IV, correlation, VIF.
        var kept = [Int]()  // indices into reports
        for (i, report) in reports.enumerated() {
            guard let binning = report.binning else { continue }
            if binning.iv < options.minIV {
                reports[i].reason = "IV \(fmt(binning.iv)) is below --min-iv \(fmtExact(options.minIV))"
            } else {
                kept.append(i)
            }
        }
        kept.sort { a, b in
            reports[a].iv != reports[b].iv ? reports[a].iv > reports[b].iv : a < b
        }
        let trainIndex = rowIndices(train)
        let holdoutIndex = rowIndices(holdout)
        if !kept.isEmpty && (options.maxCorrelation < 1 || options.maxVIF > 0) {
            let woeColumns = kept.map { woeValues(binIndex[reports[$0].name]!, reports[$0].binning!) }
            let correlation = correlationMatrix(woeColumns, rows: trainIndex, threads: options.threads)
            let k = kept.count
            var survivors = [Int]()  // positions in `kept`
            if options.maxCorrelation < 1 {
                for a in 0..<k {
                    var conflict: Int?
                    for b in survivors where abs(correlation[a * k + b]) > options.maxCorrelation {
                        conflict = b
                        break
                    }
                    if let b = conflict {
                        let other = reports[kept[b]]
                        reports[kept[a]].reason =
                            "WoE correlation \(fmt(correlation[a * k + b])) with '\(other.name)' (higher IV \(fmt(other.iv))) > --max-correlation \(fmtExact(options.maxCorrelation))"
                    } else {
                        survivors.append(a)
                    }
                }
            } else {
                survivors = Array(0..<k)
            }
            if options.maxVIF > 0 {
                while survivors.count > 1 {
                    let s = survivors.count
                    var r = Matrix(rows: s, columns: s, repeating: 0)
                    for i in 0..<s {
                        for j in 0..<s { r[i, j] = correlation[survivors[i] * k + survivors[j]] }
                    }
                    var worst = -1
                    var worstVIF = 0.0
                    var singular = false
                    do {
                        let inverse = try LAPACK.inverseSPD(r)
                        for i in 0..<s where inverse[i, i] > worstVIF {
                            worstVIF = inverse[i, i]
                            worst = i
                        }
                    } catch {
                        if case .notPositiveDefinite(let order) = error { worst = order - 1 } else { worst = s - 1 }
                        singular = true
                    }
                    if !singular && worstVIF <= options.maxVIF { break }
                    let name = kept[survivors[worst]]
                    reports[name].reason =
                        singular
                        ? "VIF is infinite: its WoE is a linear combination of the features kept before it"
                        : "VIF \(fmt(worstVIF)) > --max-vif \(fmtExact(options.maxVIF))"
                    survivors.remove(at: worst)
                }
            }
            kept = survivors.map { kept[$0] }
        }
        let selectionDone = clock.now

        // Logistic regression, refitting without wrong-signed features.
        var regressionSeconds = 0.0
        var finalFitSeconds = 0.0
        var regression: LogisticFit
        var designRows = 0
        let labels = gatherLabels(target, rows: trainIndex)
        while true {
            guard !kept.isEmpty else {
                throw .fit(reason: "no feature is left after selection (see the reasons in the binning table)")
            }
            let names = kept.map { reports[$0].name }
            let fitStart = clock.now
            let keptBins = kept.map { binIndex[reports[$0].name]! }
            let keptWoE = kept.map { reports[$0].binning!.bins.map(\.woe) }
            if let grouped = groupedDesign(bins: keptBins, woe: keptWoE, rows: trainIndex, target: target) {
                designRows = grouped.trials.count
                regression = try LogisticRegression.fit(
                    design: grouped.design, columns: names.count + 1, labels: grouped.events, trials: grouped.trials,
                    names: ["intercept"] + names, interceptColumn: 0, l2: options.l2,
                    maxIterations: options.maxIterations, tolerance: options.tolerance, threads: options.threads)
            } else {
                designRows = trainIndex.count
                let design = designMatrix(
                    kept.map { woeValues(binIndex[reports[$0].name]!, reports[$0].binning!) }, rows: trainIndex,
                    threads: options.threads)
                regression = try LogisticRegression.fit(
                    design: design, columns: names.count + 1, labels: labels, names: ["intercept"] + names,
                    interceptColumn: 0, l2: options.l2, maxIterations: options.maxIterations,
                    tolerance: options.tolerance, threads: options.threads)
            }
            finalFitSeconds = seconds(clock.now - fitStart)
            regressionSeconds += finalFitSeconds
            guard options.dropWrongSigns else { break }
            var worst = -1
            for j in 0..<kept.count where regression.coefficients[j + 1].estimate > 0 {
                if worst < 0 || regression.coefficients[j + 1].estimate > regression.coefficients[worst + 1].estimate {
                    worst = j
                }
            }
            if worst < 0 { break }
            reports[kept[worst]].reason =
                "wrong-signed coefficient \(fmt(regression.coefficients[worst + 1].estimate)) (WoE needs a negative one): taken over by correlated features"
            kept.remove(at: worst)
        }
        let regressionDone = clock.now

        // Points and the model.
        let scaling = options.scaling
        let m = Double(kept.count)
        let beta0 = regression.coefficients[0].estimate
        var features = [ScorecardFeature]()
        for (j, index) in kept.enumerated() {
            reports[index].selected = true
            reports[index].reason = nil
            var binning = reports[index].binning!
            let beta = regression.coefficients[j + 1].estimate
            for b in binning.bins.indices {
                binning.bins[b].points =
                    -scaling.factor * beta * binning.bins[b].woe + (scaling.offset - scaling.factor * beta0) / m
            }
            reports[index].binning = binning
            features.append(ScorecardFeature(binning: binning, coefficient: regression.coefficients[j + 1]))
        }
        let columnsUsed = [options.target] + candidates
        let metadata = TrainingMetadata(
            target: options.target, badLabel: target.badLabel, goodLabel: target.goodLabel,
            dataHash: TableFingerprint.fingerprint(table, columns: columnsUsed), rows: table.rowCount,
            trainRows: trainRows, holdoutRows: holdoutRows, unlabelledRows: target.unlabelled, trainBads: trainBads,
            holdoutFraction: options.holdoutFraction, seed: options.seed, settings: settings(options, candidates))
        var model = ScorecardModel(
            format: ScorecardModel.formatName, formatVersion: ScorecardModel.currentFormatVersion,
            strataVersion: options.strataVersion, intercept: regression.coefficients[0], features: features,
            scaling: scaling, masterScale: options.masterScale,
            scoreDistribution: ScoreDistribution(edges: [], counts: [0]), training: metadata)

        // Metrics: scores from the bins found above, added in model feature order exactly as
        // Scorer adds them, so they equal the scores the saved model gives (tested).
        let modelBins = kept.map { binIndex[reports[$0].name]! }
        let modelPoints = features.map { $0.binning.bins.map(\.points) }
        let trainScores = scores(bins: modelBins, points: modelPoints, rows: trainIndex)
        let trainLabels = trainIndex.map { target.labels[$0] }
        let trainSummary = Metrics.summary(scores: trainScores, labels: trainLabels, bands: 10)
        let trainEdges = trainSummary.edges
        let trainCounts = Metrics.bandCounts(scores: trainScores, edges: trainEdges)
        model.scoreDistribution = ScoreDistribution(edges: trainEdges, counts: trainCounts)
        let trainMetrics = datasetMetrics(
            summary: trainSummary, scores: trainScores, labels: trainLabels, scaling: scaling,
            scale: options.masterScale)!
        var holdoutMetrics: DatasetMetrics?
        var psi: Double?
        if !holdoutIndex.isEmpty {
            let holdoutScores = scores(bins: modelBins, points: modelPoints, rows: holdoutIndex)
            let holdoutLabels = holdoutIndex.map { target.labels[$0] }
            holdoutMetrics = datasetMetrics(
                summary: Metrics.summary(scores: holdoutScores, labels: holdoutLabels, bands: 10),
                scores: holdoutScores, labels: holdoutLabels, scaling: scaling, scale: options.masterScale)
            psi = Metrics.psi(
                expected: trainCounts, actual: Metrics.bandCounts(scores: holdoutScores, edges: trainEdges))
            for index in kept {
                let report = reports[index]
                let bins = binIndex[report.name]!
                let k = report.binning!.bins.count
                var trainBins = [Int](repeating: 0, count: k)
                var holdoutBins = [Int](repeating: 0, count: k)
                bins.withSpan { b in
                    for row in trainIndex { trainBins[Int(b[row])] += 1 }
                    for row in holdoutIndex { holdoutBins[Int(b[row])] += 1 }
                }
                reports[index].csi = Metrics.psi(expected: trainBins, actual: holdoutBins)
            }
        }
        let end = clock.now
        return ScorecardFit(
            model: model, features: reports, regression: regression, designRows: designRows, train: trainMetrics,
            holdout: holdoutMetrics, psi: psi,
            timings: [
                ("binning", seconds(binningDone - start)), ("selection", seconds(selectionDone - binningDone)),
                ("regression", regressionSeconds), ("finalFit", finalFitSeconds),
                ("metrics", seconds(end - regressionDone)), ("total", seconds(end - start)),
            ])
    }

    // MARK: - Steps

    static func validate(_ options: ScorecardOptions) throws(ScorecardError) {
        guard options.holdoutFraction >= 0 && options.holdoutFraction < 1 else {
            throw .option(name: "holdout", reason: "must be a fraction in [0, 1), got \(options.holdoutFraction)")
        }
        let b = options.binning
        guard b.preBins >= 2 && b.preBins <= 10_000 else {
            throw .option(name: "pre-bins", reason: "must be between 2 and 10000, got \(b.preBins)")
        }
        guard b.maxBins >= 2 && b.maxBins <= 1000 else {
            throw .option(name: "max-bins", reason: "must be between 2 and 1000, got \(b.maxBins)")
        }
        guard b.minBinShare >= 0 && b.minBinShare < 0.5 else {
            throw .option(name: "min-bin-share", reason: "must be in [0, 0.5), got \(b.minBinShare)")
        }
        guard b.rareCategoryShare >= 0 && b.rareCategoryShare < 0.5 else {
            throw .option(name: "rare-share", reason: "must be in [0, 0.5), got \(b.rareCategoryShare)")
        }
        guard b.smoothing >= 0 && b.smoothing.isFinite else {
            throw .option(name: "woe-smoothing", reason: "must be a non-negative number, got \(b.smoothing)")
        }
        guard options.l2 >= 0 && options.l2.isFinite else {
            throw .option(name: "l2", reason: "must be a non-negative number, got \(options.l2)")
        }
        guard options.minIV >= 0 else { throw .option(name: "min-iv", reason: "must not be negative") }
        guard options.maxCorrelation > 0 else { throw .option(name: "max-correlation", reason: "must be positive") }
        guard options.maxVIF >= 0 else { throw .option(name: "max-vif", reason: "must not be negative (0 disables)") }
        try options.scaling.validate()
    }

    /// The feature list: explicit, or every usable column by default.
    static func candidateFeatures(_ table: Table, options: ScorecardOptions) throws(ScorecardError) -> [String] {
        for name in options.exclude where !table.hasColumn(name) {
            throw .option(name: "exclude", reason: "no column named '\(name)'")
        }
        var result = [String]()
        if let explicit = options.features {
            guard !explicit.isEmpty else { throw .option(name: "features", reason: "the list is empty") }
            for name in explicit {
                guard table.hasColumn(name) else {
                    throw .feature(
                        name: name, reason: "no such column (columns: \(table.columnNames.joined(separator: ", ")))")
                }
                guard name != options.target else { throw .feature(name: name, reason: "is the target column") }
                let type = try! table.column(named: name).type
                guard type == .float64 || type == .int64 || type == .category else {
                    throw .feature(
                        name: name, reason: "is a \(type) column; scorecards use numeric and category features")
                }
                if !result.contains(name) && !options.exclude.contains(name) { result.append(name) }
            }
        } else {
            for column in table.columns {
                let name = column.name
                let lower = name.lowercased()
                if name == options.target || options.exclude.contains(name) { continue }
                if lower == "id" || lower.hasSuffix("_id") { continue }
                guard column.type == .float64 || column.type == .int64 || column.type == .category else { continue }
                result.append(name)
            }
        }
        for (name, _) in options.binning.specialValues.sorted(by: { $0.key < $1.key }) {
            guard result.contains(name) else {
                throw .option(name: "special-values", reason: "'\(name)' is not one of the features")
            }
            guard try! table.column(named: name).type != .category else {
                throw .option(
                    name: "special-values", reason: "'\(name)' is a category feature; special values apply to numbers")
            }
        }
        if result.isEmpty { throw .fit(reason: "no candidate feature (numeric or category column) in the data") }
        return result
    }

    /// A stratified split: in each class, a seeded Fisher–Yates shuffle of the labelled rows
    /// (RandomStream(seed, stream: class)) puts the first `round(fraction × count)` in the holdout.
    static func split(target: BinaryTarget, fraction: Double, seed: UInt64) -> (train: [Bool], holdout: [Bool]) {
        let n = target.labels.count
        var train = target.labelled
        var holdout = [Bool](repeating: false, count: n)
        guard fraction > 0 else { return (train, holdout) }
        for label in [UInt8(0), 1] {
            var rows = [Int]()
            for row in 0..<n where target.labelled[row] && target.labels[row] == label { rows.append(row) }
            var rng = RandomStream(seed: seed, stream: UInt64(label))
            let take = Int((fraction * Double(rows.count)).rounded())
            // Partial Fisher–Yates: positions 0..<take receive a uniform random sample.
            for i in 0..<min(take, rows.count) {
                let j = i + Int(rng.next() % UInt64(rows.count - i))
                rows.swapAt(i, j)
            }
            for row in rows.prefix(take) {
                holdout[row] = true
                train[row] = false
            }
        }
        return (train, holdout)
    }

    static func rowIndices(_ flags: [Bool]) -> [Int] {
        var result = [Int]()
        for (i, flag) in flags.enumerated() where flag { result.append(i) }
        return result
    }

    /// The WoE of each row's bin (all rows).
    static func woeValues(_ bins: ColumnBuffer<UInt16>, _ binning: FeatureBinning) -> [Double] {
        let woe = binning.bins.map(\.woe)
        var result = [Double](repeating: 0, count: bins.count)
        bins.withSpan { b in
            for i in 0..<b.count { result[i] = woe[Int(b[i])] }
        }
        return result
    }

    /// The row-major design `[1, x₁, …, x_k]` over `rows`.
    static func designMatrix(_ columns: [[Double]], rows: [Int], threads: Int) -> ColumnBuffer<Double> {
        let p = columns.count + 1
        let builder = ColumnBufferBuilder<Double>(count: rows.count * p)
        _ = parallelChunks(count: rows.count, threads: threads) { _, range -> Int in
            builder.withMutableSpan(in: (range.lowerBound * p)..<(range.upperBound * p)) { out in
                for (i, r) in range.enumerated() {
                    out[i * p] = 1
                    for j in 0..<columns.count { out[i * p + j + 1] = columns[j][rows[r]] }
                }
            }
            return 0
        }
        return builder.finish()
    }

    /// Pearson correlations of the columns over `rows` (k × k, row-major), from chunked `XᵀX`
    /// of the design `[1, x]` (BLAS syrk) combined in chunk order.
    static func correlationMatrix(_ columns: [[Double]], rows: [Int], threads: Int) -> [Double] {
        let k = columns.count
        let p = k + 1
        let design = designMatrix(columns, rows: rows, threads: threads)
        let partials = parallelChunks(count: rows.count, threads: threads) { _, range -> [Double] in
            var c = [Double](repeating: 0, count: p * p)
            design.withSpan(in: (range.lowerBound * p)..<(range.upperBound * p)) { a in
                var span = c.mutableSpan
                BLAS.syrk(rows: range.count, columns: p, alpha: 1, a: a, beta: 0, c: &span)
            }
            return c
        }
        var g = [Double](repeating: 0, count: p * p)
        for part in partials {
            for i in 0..<(p * p) { g[i] += part[i] }
        }
        let n = g[0]
        var covariance = [Double](repeating: 0, count: k * k)
        for i in 0..<k {
            for j in 0..<k {
                covariance[i * k + j] = (g[(i + 1) * p + j + 1] - g[i + 1] * g[j + 1] / n) / n
            }
        }
        var result = [Double](repeating: 0, count: k * k)
        for i in 0..<k {
            for j in 0..<k {
                let d = (covariance[i * k + i] * covariance[j * k + j]).squareRoot()
                result[i * k + j] = i == j ? 1 : (d > 0 ? covariance[i * k + j] / d : 0)
            }
        }
        return result
    }

    static func gatherLabels(_ target: BinaryTarget, rows: [Int]) -> ColumnBuffer<Double> {
        ColumnBuffer(rows.map { Double(target.labels[$0]) })
    }

    static func gather(_ values: ColumnBuffer<Double>, rows: [Int]) -> [Double] {
        values.withSpan { span in rows.map { span[$0] } }
    }

    static func datasetMetrics(
        summary: Metrics.Summary, scores: [Double], labels: [UInt8], scaling: PointsScaling, scale: MasterScale
    ) -> DatasetMetrics? {
        guard let discrimination = summary.discrimination else { return nil }
        let g = scale.labels.count
        var loans = [Int](repeating: 0, count: g)
        var bads = [Int](repeating: 0, count: g)
        var pdSum = [Double](repeating: 0, count: g)
        for i in scores.indices {
            let pd = scaling.pd(score: scores[i])
            let k = scale.grade(pd: pd)
            loans[k] += 1
            bads[k] += Int(labels[i])
            pdSum[k] += pd
        }
        let grades = (0..<g).map { k in
            GradeRow(
                grade: scale.labels[k], upperPD: scale.upperBounds[k], loans: loans[k], bads: bads[k],
                badRate: loans[k] == 0 ? 0 : Double(bads[k]) / Double(loans[k]),
                meanPD: loans[k] == 0 ? 0 : pdSum[k] / Double(loans[k]))
        }
        return DatasetMetrics(discrimination: discrimination, deciles: summary.bands, grades: grades)
    }

    /// Scores of `rows` from per-feature bin indices: points added in feature order, from 0, as
    /// ``Scorer`` adds them.
    static func scores(bins: [ColumnBuffer<UInt16>], points: [[Double]], rows: [Int]) -> [Double] {
        var result = [Double](repeating: 0, count: rows.count)
        for f in bins.indices {
            let p = points[f]
            bins[f].withSpan { b in
                for (i, row) in rows.enumerated() { result[i] += p[Int(b[row])] }
            }
        }
        return result
    }

    /// The distinct rows of the WoE design over `rows`, with their counts of loans and bads, in
    /// ascending order of the mixed-radix code of their bins (so independent of threads and of
    /// row order). Nil when the bins are too many for a 62-bit code.
    ///
    /// Grouping is exact for the logistic likelihood: identical rows contribute
    /// `b·ln μ + (n − b)·ln(1 − μ)` together, as they do apart.
    static func groupedDesign(
        bins: [ColumnBuffer<UInt16>], woe: [[Double]], rows: [Int], target: BinaryTarget
    ) -> (design: ColumnBuffer<Double>, events: ColumnBuffer<Double>, trials: ColumnBuffer<Double>)? {
        var strides = [UInt64]()
        var product: UInt64 = 1
        for w in woe {
            strides.append(product)
            let (next, overflow) = product.multipliedReportingOverflow(by: UInt64(max(w.count, 1)))
            if overflow || next > (1 << 62) { return nil }
            product = next
        }
        var keys = [UInt64](repeating: 0, count: rows.count)
        for f in bins.indices {
            let stride = strides[f]
            bins[f].withSpan { b in
                for (i, row) in rows.enumerated() { keys[i] &+= UInt64(b[row]) &* stride }
            }
        }
        let labels = target.labels
        for (i, row) in rows.enumerated() { keys[i] = keys[i] << 1 | UInt64(labels[row]) }
        RadixSort.sort(keys: &keys)
        var codes = [UInt64]()
        var events = [Double]()
        var trials = [Double]()
        var i = 0
        while i < keys.count {
            let code = keys[i] >> 1
            var n = 0
            var b = 0
            while i < keys.count && keys[i] >> 1 == code {
                n += 1
                b += Int(keys[i] & 1)
                i += 1
            }
            codes.append(code)
            events.append(Double(b))
            trials.append(Double(n))
        }
        let p = woe.count + 1
        var design = [Double](repeating: 0, count: codes.count * p)
        for (g, code) in codes.enumerated() {
            design[g * p] = 1
            var rest = code
            for f in woe.indices.reversed() {
                let bin = rest / strides[f]
                rest -= bin * strides[f]
                design[g * p + f + 1] = woe[f][Int(bin)]
            }
        }
        return (ColumnBuffer(design), ColumnBuffer(events), ColumnBuffer(trials))
    }

    static func settings(_ o: ScorecardOptions, _ candidates: [String]) -> [String: String] {
        let b = o.binning
        var s: [String: String] = [
            "features": candidates.joined(separator: ","),
            "preBins": String(b.preBins), "maxBins": String(b.maxBins), "minBinShare": fmtExact(b.minBinShare),
            "rareCategoryShare": fmtExact(b.rareCategoryShare),
            "merge": b.merge.rawValue, "chiSquareThreshold": fmtExact(b.chiSquareThreshold),
            "monotonic": b.monotonic.rawValue, "woeSmoothing": fmtExact(b.smoothing), "minIV": fmtExact(o.minIV),
            "maxCorrelation": fmtExact(o.maxCorrelation), "maxVIF": fmtExact(o.maxVIF),
            "dropWrongSigns": String(o.dropWrongSigns), "l2": fmtExact(o.l2), "maxIterations": String(o.maxIterations),
            "tolerance": fmtExact(o.tolerance),
        ]
        if let bad = o.badValue { s["badValue"] = bad }
        if !b.specialValues.isEmpty {
            s["specialValues"] = b.specialValues.sorted { $0.key < $1.key }
                .map { "\($0.key)=" + $0.value.map(fmtExact).joined(separator: ",") }.joined(separator: ";")
        }
        return s
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    /// Four significant digits, for messages.
    static func fmt(_ x: Double) -> String {
        guard x.isFinite else { return "\(x)" }
        if x == 0 { return "0" }
        let magnitude = Int((abs(x)).log10Floor)
        let digits = max(0, 3 - magnitude)
        return formatFixed(x, digits: min(digits, 12))
    }

    static func fmtExact(_ x: Double) -> String { FloatText.shortest(x) }

    /// `x` with `digits` decimals, rounded half away from zero.
    static func formatFixed(_ x: Double, digits: Int) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = (abs(x) * scale).rounded()
        guard scaled < 9e15 else { return FloatText.shortest(x) }
        let whole = Int64(scaled)
        var text = String(whole)
        if digits > 0 {
            if text.count <= digits { text = String(repeating: "0", count: digits - text.count + 1) + text }
            text.insert(".", at: text.index(text.endIndex, offsetBy: -digits))
        }
        return (x < 0 && whole != 0 ? "-" : "") + text
    }
}

extension Double {
    /// ⌊log₁₀ |x|⌋ for finite non-zero x.
    var log10Floor: Double {
        var e = 0.0
        var v = abs(self)
        while v >= 10 {
            v /= 10
            e += 1
        }
        while v < 1 {
            v *= 10
            e -= 1
        }
        return e
    }
}
