import Foundation
import StrataFrame
import StrataKernels

/// Which columns become clustering features and how they are prepared.
public struct FeatureSpec: Sendable, Equatable {
    /// The feature columns, in order: numeric columns, or category columns when ``oneHot`` is set.
    public var columns: [String]
    /// How features are standardised (default z-score).
    public var standardization: Standardization
    /// Columns (among ``columns``) transformed by `log(1 + x)` before standardising.
    public var logColumns: [String]
    /// Whether category columns among the features are expanded into one indicator per level.
    public var oneHot: Bool
    /// Whether loans with a missing feature (or weight) are skipped instead of being an error.
    public var dropMissing: Bool
    /// A numeric column of non-negative loan weights for the k-means sums, or nil for unit weights.
    public var weightColumn: String?

    /// A feature specification; only `columns` is required.
    public init(
        columns: [String], standardization: Standardization = .zscore, logColumns: [String] = [],
        oneHot: Bool = false, dropMissing: Bool = false, weightColumn: String? = nil
    ) {
        self.columns = columns
        self.standardization = standardization
        self.logColumns = logColumns
        self.oneHot = oneHot
        self.dropMissing = dropMissing
        self.weightColumn = weightColumn
    }
}

/// The standardised feature values of the loans being clustered, in cache-sized feature-major
/// blocks, with the scaling that produced them.
///
/// Rows are cut into blocks of ``blockRows`` rows (the last may be shorter); block `b` with `m`
/// rows stores feature `f` of its row `i` at `values[b·blockRows·d + f·m + i]`. The blocks are
/// the chunks of every parallel pass, so each pass's chunk partials, combined in block order, are
/// the same for any thread count. Every value is finite.
public struct FeatureMatrix: Sendable {
    /// Rows per block unless a caller says otherwise: 16,384 rows, 1 MiB for 8 features (L2-sized;
    /// the BLAS kernel works on sub-blocks of up to 8,192/k rows and prefetches the next one).
    public static let defaultBlockRows = 16_384

    /// The number of loans (rows) in the matrix.
    public let rowCount: Int
    /// The number of features `d`.
    public let dimension: Int
    /// Rows per block.
    public let blockRows: Int
    /// The standardised values, block after block (see the type's documentation).
    public let values: ColumnBuffer<Double>
    /// One non-negative weight per row, or nil for unit weights.
    public let weights: ColumnBuffer<Double>?
    /// The table row of each matrix row when rows were skipped, or nil when row `i` is table row `i`.
    public let sourceRows: ColumnBuffer<Int64>?
    /// The number of rows of the source table.
    public let tableRowCount: Int
    /// The scaling of each feature, in matrix column order.
    public let features: [FeatureScaling]
    /// The standardisation used.
    public let standardization: Standardization

    /// Loans of the table left out because a feature or the weight was missing.
    public var skippedRows: Int { tableRowCount - rowCount }
    /// The number of blocks.
    public var blockCount: Int { Parallel.chunkCount(rowCount, chunkSize: blockRows) }
    /// The feature names, in order.
    public var featureNames: [String] { features.map(\.name) }

    /// The rows of block `block`.
    public func rows(ofBlock block: Int) -> Range<Int> {
        Parallel.chunkRange(block, count: rowCount, chunkSize: blockRows)
    }

    /// The positions in ``values`` of the block holding `rows` (a range from ``rows(ofBlock:)``).
    public func valueRange(of rows: Range<Int>) -> Range<Int> {
        (rows.lowerBound * dimension)..<(rows.upperBound * dimension)
    }

    /// The standardised value of `feature` in `row`.
    public func value(row: Int, feature: Int) -> Double {
        precondition(
            row >= 0 && row < rowCount && feature >= 0 && feature < dimension, "FeatureMatrix index out of range")
        let start = (row / blockRows) * blockRows
        let m = min(blockRows, rowCount - start)
        return values[start * dimension + feature * m + (row - start)]
    }

    /// The standardised values of `row`.
    public func row(_ row: Int) -> [Double] {
        (0..<dimension).map { value(row: row, feature: $0) }
    }

    /// The table row that matrix row `row` came from.
    public func tableRow(_ row: Int) -> Int {
        sourceRows.map { Int($0[row]) } ?? row
    }

    /// The weight of `row` (1 without weights).
    public func weight(_ row: Int) -> Double {
        weights?[row] ?? 1
    }

    /// A matrix over given standardised rows (row-major `rowCount × dimension` values), with
    /// identity scaling; for tests and for data that is already prepared.
    ///
    /// - Precondition: `values.count == rowCount * dimension`, all values finite.
    public init(
        rowMajor values: [Double], rowCount: Int, dimension: Int, weights: [Double]? = nil,
        blockRows: Int = FeatureMatrix.defaultBlockRows, names: [String]? = nil
    ) {
        precondition(dimension >= 1 && rowCount >= 0 && values.count == rowCount * dimension, "shape mismatch")
        precondition(blockRows >= 1, "blockRows must be positive")
        precondition(values.allSatisfy(\.isFinite), "feature values must be finite")
        let builder = ColumnBufferBuilder<Double>(count: values.count)
        var start = 0
        while start < rowCount {
            let m = min(blockRows, rowCount - start)
            builder.withMutableSpan(in: (start * dimension)..<((start + m) * dimension)) { out in
                for f in 0..<dimension {
                    for i in 0..<m { out[f * m + i] = values[(start + i) * dimension + f] }
                }
            }
            start += m
        }
        let labels = names ?? (0..<dimension).map { "x\($0 + 1)" }
        self.init(
            rowCount: rowCount, dimension: dimension, blockRows: blockRows, values: builder.finish(),
            weights: weights.map { ColumnBuffer($0) }, sourceRows: nil, tableRowCount: rowCount,
            features: labels.map {
                FeatureScaling(
                    name: $0, column: $0, transform: .identity, center: 0, scale: 1, mean: 0, standardDeviation: 1)
            },
            standardization: .none)
    }

    init(
        rowCount: Int, dimension: Int, blockRows: Int, values: ColumnBuffer<Double>, weights: ColumnBuffer<Double>?,
        sourceRows: ColumnBuffer<Int64>?, tableRowCount: Int, features: [FeatureScaling],
        standardization: Standardization
    ) {
        if let weights { precondition(weights.count == rowCount, "one weight per row") }
        self.rowCount = rowCount
        self.dimension = dimension
        self.blockRows = blockRows
        self.values = values
        self.weights = weights
        self.sourceRows = sourceRows
        self.tableRowCount = tableRowCount
        self.features = features
        self.standardization = standardization
    }
}

// MARK: - Building from a table

extension FeatureMatrix {
    /// One matrix column before scaling: where its values come from.
    struct Input: Sendable {
        enum Kind: Sendable {
            case numeric(ColumnBuffer<Double>)
            /// An indicator of `code` in the category codes (nil: a level the table does not have).
            case indicator(ColumnBuffer<UInt32>, code: UInt32?)
        }
        let kind: Kind
        let name: String
        let column: String
        let level: String?
        let transform: FeatureScaling.Transform
    }

    /// Prepares the features of `table` for fitting: resolves and checks the columns, skips or
    /// rejects missing values, transforms, and standardises with statistics of this table.
    ///
    /// - Throws: ``SegmentationError/feature(name:reason:)`` for an unknown, non-numeric, constant
    ///   or partly missing column (missing values without `dropMissing`) and for values a
    ///   transformation cannot take; ``SegmentationError/option(name:reason:)`` for a malformed
    ///   specification; ``SegmentationError/data(reason:)`` when no loan is left.
    /// - Complexity: O(n·d) in three parallel passes, plus O(n) per feature for `.robust`.
    public init(
        table: Table, spec: FeatureSpec, blockRows: Int = FeatureMatrix.defaultBlockRows,
        threads: Int = Parallel.threadCount
    ) throws(SegmentationError) {
        precondition(blockRows >= 1, "blockRows must be positive")
        if spec.columns.isEmpty { throw .option(name: "features", reason: "no feature columns given") }
        var seen = Set<String>()
        for name in spec.columns where !seen.insert(name).inserted {
            throw .option(name: "features", reason: "'\(name)' is listed twice")
        }
        for name in spec.logColumns where !seen.contains(name) {
            throw .option(name: "log", reason: "'\(name)' is not one of the features")
        }
        let logSet = Set(spec.logColumns)
        var columns = [Column]()
        for name in spec.columns {
            guard table.hasColumn(name) else {
                throw .feature(
                    name: name, reason: "no such column (columns: \(table.columnNames.joined(separator: ", ")))")
            }
            let column = try! table.column(named: name)
            switch column.type {
            case .float64, .int64: break
            case .category:
                if !spec.oneHot {
                    throw .feature(
                        name: name,
                        reason: "is a category column; pass --one-hot to encode its levels as indicator features")
                }
                if logSet.contains(name) { throw .option(name: "log", reason: "'\(name)' is a category column") }
            case .date, .string:
                throw .feature(name: name, reason: "is a \(column.type.rawValue) column, not numeric")
            }
            columns.append(column)
        }
        var weightColumn: Column?
        if let name = spec.weightColumn {
            guard table.hasColumn(name) else { throw .feature(name: name, reason: "no such weight column") }
            let column = try! table.column(named: name)
            guard column.type == .float64 || column.type == .int64 else {
                throw .feature(name: name, reason: "the weight column must be numeric, not \(column.type.rawValue)")
            }
            weightColumn = column
        }

        // Missing values: an error naming the column, or rows skipped.
        let checked = columns + (weightColumn.map { [$0] } ?? [])
        let sourceRows = try FeatureMatrix.keptRows(of: checked, rowCount: table.rowCount, drop: spec.dropMissing)
        let n = sourceRows?.count ?? table.rowCount
        if n == 0 {
            throw .data(
                reason: table.rowCount == 0 ? "the table has no loans" : "no loans left after skipping missing values")
        }

        // Matrix columns: numeric features, and one indicator per category level present.
        var inputs = [Input]()
        for column in columns {
            switch column.values {
            case .category(let category):
                let counts = FeatureMatrix.levelCounts(
                    category.codes, levels: category.dictionary.count, rows: sourceRows)
                let present = counts.indices.filter { counts[$0] > 0 }
                if present.count < 2 {
                    let only = present.first.map { category.dictionary[$0] } ?? ""
                    throw .feature(
                        name: column.name,
                        reason: "is constant (every loan is '\(only)'); it cannot separate segments")
                }
                for code in present {
                    let level = category.dictionary[code]
                    inputs.append(
                        Input(
                            kind: .indicator(category.codes, code: UInt32(code)), name: "\(column.name)=\(level)",
                            column: column.name, level: level, transform: .indicator))
                }
            default:
                let values = try! table.numeric(column.name)
                inputs.append(
                    Input(
                        kind: .numeric(values), name: column.name, column: column.name, level: nil,
                        transform: logSet.contains(column.name) ? .log1p : .identity))
            }
        }
        let d = inputs.count
        let builder = ColumnBufferBuilder<Double>(count: n * d)
        try FeatureMatrix.fill(
            builder, inputs: inputs, rowCount: n, sourceRows: sourceRows, blockRows: blockRows, threads: threads)

        // Statistics of t, then the scaling of each feature.
        var scalings = [FeatureScaling]()
        for (f, input) in inputs.enumerated() {
            let (mean, sd) = FeatureMatrix.meanAndDeviation(
                builder, feature: f, d: d, n: n, blockRows: blockRows, threads: threads)
            if !(sd > 0) {
                throw .feature(
                    name: input.name,
                    reason: "is constant (every loan has \(FloatText.shortest(mean))); it cannot separate segments")
            }
            var center = mean
            var scale = 1.0
            if input.transform != .indicator {
                switch spec.standardization {
                case .zscore:
                    scale = sd
                case .robust:
                    let q = FeatureMatrix.quartiles(builder, feature: f, d: d, n: n, blockRows: blockRows)
                    center = q.median
                    scale = q.upper - q.lower > 0 ? q.upper - q.lower : sd
                case .none:
                    break
                }
            }
            scalings.append(
                FeatureScaling(
                    name: input.name, column: input.column, level: input.level, transform: input.transform,
                    center: center,
                    scale: scale, mean: mean, standardDeviation: sd))
        }
        FeatureMatrix.applyScaling(builder, scalings: scalings, rowCount: n, blockRows: blockRows, threads: threads)
        let weights = try weightColumn.map { column throws(SegmentationError) in
            try FeatureMatrix.gatherWeights(table: table, column: column.name, sourceRows: sourceRows, threads: threads)
        }
        self.init(
            rowCount: n, dimension: d, blockRows: blockRows, values: builder.finish(), weights: weights,
            sourceRows: sourceRows, tableRowCount: table.rowCount, features: scalings,
            standardization: spec.standardization)
    }

    /// Prepares the features of `table` with a fitted scaling (to place new loans in existing
    /// segments). Category levels the model does not know give all-zero indicators.
    ///
    /// - Throws: ``SegmentationError/feature(name:reason:)`` as for fitting.
    public init(
        table: Table, scaling: [FeatureScaling], standardization: Standardization, dropMissing: Bool,
        blockRows: Int = FeatureMatrix.defaultBlockRows, threads: Int = Parallel.threadCount
    ) throws(SegmentationError) {
        precondition(!scaling.isEmpty, "a fitted scaling has at least one feature")
        var columns = [Column]()
        var byName = [String: Column]()
        for feature in scaling where byName[feature.column] == nil {
            guard table.hasColumn(feature.column) else {
                throw .feature(name: feature.column, reason: "no such column; the model needs it")
            }
            let column = try! table.column(named: feature.column)
            let wantsCategory = feature.transform == .indicator
            if wantsCategory && column.type != .category {
                throw .feature(
                    name: feature.column, reason: "the model expects a category column, found \(column.type.rawValue)")
            }
            if !wantsCategory && column.type != .float64 && column.type != .int64 {
                throw .feature(
                    name: feature.column, reason: "the model expects a numeric column, found \(column.type.rawValue)")
            }
            byName[feature.column] = column
            columns.append(column)
        }
        let sourceRows = try FeatureMatrix.keptRows(of: columns, rowCount: table.rowCount, drop: dropMissing)
        let n = sourceRows?.count ?? table.rowCount
        var inputs = [Input]()
        for feature in scaling {
            let column = byName[feature.column]!
            switch column.values {
            case .category(let category):
                let code = category.dictionary.firstIndex(of: feature.level ?? "").map { UInt32($0) }
                inputs.append(
                    Input(
                        kind: .indicator(category.codes, code: code), name: feature.name, column: feature.column,
                        level: feature.level, transform: .indicator))
            default:
                inputs.append(
                    Input(
                        kind: .numeric(try! table.numeric(feature.column)), name: feature.name, column: feature.column,
                        level: nil, transform: feature.transform))
            }
        }
        let builder = ColumnBufferBuilder<Double>(count: n * scaling.count)
        try FeatureMatrix.fill(
            builder, inputs: inputs, rowCount: n, sourceRows: sourceRows, blockRows: blockRows, threads: threads)
        FeatureMatrix.applyScaling(builder, scalings: scaling, rowCount: n, blockRows: blockRows, threads: threads)
        self.init(
            rowCount: n, dimension: scaling.count, blockRows: blockRows, values: builder.finish(), weights: nil,
            sourceRows: sourceRows, tableRowCount: table.rowCount, features: scaling, standardization: standardization)
    }

    /// The table rows where every checked column holds a value, or nil when no value is missing.
    ///
    /// - Throws: ``SegmentationError/feature(name:reason:)`` naming the first column with missing
    ///   values, when `drop` is false.
    static func keptRows(
        of columns: [Column], rowCount: Int, drop: Bool
    ) throws(SegmentationError) -> ColumnBuffer<Int64>? {
        let partial = columns.filter { $0.nullCount > 0 }
        if partial.isEmpty { return nil }
        if !drop {
            let first = partial[0]
            throw .feature(
                name: first.name,
                reason:
                    "\(first.nullCount) missing values (of \(rowCount) loans); pass --drop-missing to skip those loans")
        }
        let bitmaps = partial.compactMap(\.validity)
        var kept = [Int64]()
        kept.reserveCapacity(rowCount)
        for row in 0..<rowCount where bitmaps.allSatisfy({ $0.isValid(row) }) {
            kept.append(Int64(row))
        }
        return ColumnBuffer(kept)
    }

    /// How many kept rows hold each category code.
    static func levelCounts(_ codes: ColumnBuffer<UInt32>, levels: Int, rows: ColumnBuffer<Int64>?) -> [Int] {
        var counts = [Int](repeating: 0, count: levels)
        if let rows {
            rows.withSpan { kept in
                for i in kept.indices {
                    let code = Int(codes[Int(kept[i])])
                    if code < levels { counts[code] += 1 }
                }
            }
        } else {
            codes.withSpan { span in
                for i in span.indices where Int(span[i]) < levels { counts[Int(span[i])] += 1 }
            }
        }
        return counts
    }

    /// Writes `t(x)` of every input into the blocks of `builder`, checking values.
    static func fill(
        _ builder: ColumnBufferBuilder<Double>, inputs: [Input], rowCount n: Int, sourceRows: ColumnBuffer<Int64>?,
        blockRows: Int, threads: Int
    ) throws(SegmentationError) {
        let d = inputs.count
        _ = try parallelChunks(count: n, chunkSize: blockRows, threads: threads) {
            (_, rows) throws(SegmentationError) -> Void in
            let m = rows.count
            let base = rows.lowerBound * d
            for (f, input) in inputs.enumerated() {
                try builder.withMutableSpan(in: (base + f * m)..<(base + (f + 1) * m)) {
                    (out: inout MutableSpan<Double>) throws(SegmentationError) -> Void in
                    switch input.kind {
                    case .numeric(let values):
                        for i in 0..<m {
                            let row = sourceRows.map { Int($0[rows.lowerBound + i]) } ?? rows.lowerBound + i
                            let x = values[row]
                            guard x.isFinite else {
                                throw .feature(name: input.name, reason: "non-finite value \(x) in row \(row + 1)")
                            }
                            if input.transform == .log1p {
                                guard x > -1 else {
                                    throw .feature(
                                        name: input.name,
                                        reason:
                                            "--log needs values above -1; row \(row + 1) has \(FloatText.shortest(x))")
                                }
                                out[i] = log1p(x)
                            } else {
                                out[i] = x
                            }
                        }
                    case .indicator(let codes, let code):
                        for i in 0..<m {
                            let row = sourceRows.map { Int($0[rows.lowerBound + i]) } ?? rows.lowerBound + i
                            out[i] = code != nil && codes[row] == code! ? 1 : 0
                        }
                    }
                }
            }
        }
    }

    /// The mean and population standard deviation of feature `f` (two passes, block partials
    /// combined in block order).
    static func meanAndDeviation(
        _ builder: ColumnBufferBuilder<Double>, feature f: Int, d: Int, n: Int, blockRows: Int, threads: Int
    ) -> (mean: Double, deviation: Double) {
        let sums = parallelChunks(count: n, chunkSize: blockRows, threads: threads) { _, rows in
            let m = rows.count
            let start = rows.lowerBound * d + f * m
            return builder.withMutableSpan(in: start..<(start + m)) { span in Reduce.sum(span.span) }
        }
        let mean = sums.reduce(0, +) / Double(n)
        let squares = parallelChunks(count: n, chunkSize: blockRows, threads: threads) { _, rows in
            let m = rows.count
            let start = rows.lowerBound * d + f * m
            return builder.withMutableSpan(in: start..<(start + m)) { span in
                var acc = SIMD4<Double>.zero
                var i = 0
                while i + 4 <= m {
                    let v = SIMD4(span[i], span[i + 1], span[i + 2], span[i + 3]) - SIMD4(repeating: mean)
                    acc += v * v
                    i += 4
                }
                var total = (acc[0] + acc[2]) + (acc[1] + acc[3])
                while i < m {
                    let v = span[i] - mean
                    total += v * v
                    i += 1
                }
                return total
            }
        }
        let variance = squares.reduce(0, +) / Double(n)
        return (mean, variance.squareRoot())
    }

    /// The quartiles of feature `f` by linear interpolation (numpy's default `linear` method):
    /// `q(p) = x₍ₕ₎ + (h − ⌊h⌋)(x₍ₕ₊₁₎ − x₍ₕ₎)`, `h = (n − 1)·p`, on the sorted values `x₍ᵢ₎`.
    static func quartiles(
        _ builder: ColumnBufferBuilder<Double>, feature f: Int, d: Int, n: Int, blockRows: Int
    ) -> (lower: Double, median: Double, upper: Double) {
        var values = [Double]()
        values.reserveCapacity(n)
        var start = 0
        while start < n {
            let m = min(blockRows, n - start)
            let offset = start * d + f * m
            builder.withMutableSpan(in: offset..<(offset + m)) { span in
                for i in 0..<m { values.append(span[i]) }
            }
            start += m
        }
        return (
            Quantile.linear(&values, 0.25), Quantile.linear(&values, 0.5), Quantile.linear(&values, 0.75)
        )
    }

    /// `z = (t − center) / scale` in place, block by block.
    static func applyScaling(
        _ builder: ColumnBufferBuilder<Double>, scalings: [FeatureScaling], rowCount n: Int, blockRows: Int,
        threads: Int
    ) {
        let d = scalings.count
        _ = parallelChunks(count: n, chunkSize: blockRows, threads: threads) { _, rows in
            let m = rows.count
            let base = rows.lowerBound * d
            for (f, scaling) in scalings.enumerated() {
                let center = scaling.center
                let scale = scaling.scale
                builder.withMutableSpan(in: (base + f * m)..<(base + (f + 1) * m)) { span in
                    for i in 0..<m { span[i] = (span[i] - center) / scale }
                }
            }
        }
    }

    /// The weights of the kept rows, checked to be finite, non-negative and not all zero.
    static func gatherWeights(
        table: Table, column name: String, sourceRows: ColumnBuffer<Int64>?, threads: Int
    ) throws(SegmentationError) -> ColumnBuffer<Double> {
        let values = try! table.numeric(name)
        let n = sourceRows?.count ?? table.rowCount
        let builder = ColumnBufferBuilder<Double>(count: n)
        let positive = try parallelChunks(count: n, threads: threads) { (_, rows) throws(SegmentationError) -> Bool in
            try builder.withMutableSpan(in: rows) {
                (out: inout MutableSpan<Double>) throws(SegmentationError) -> Bool in
                var any = false
                for i in 0..<rows.count {
                    let row = sourceRows.map { Int($0[rows.lowerBound + i]) } ?? rows.lowerBound + i
                    let w = values[row]
                    guard w.isFinite && w >= 0 else {
                        throw .feature(
                            name: name, reason: "weights must be finite and non-negative; row \(row + 1) has \(w)")
                    }
                    any = any || w > 0
                    out[i] = w
                }
                return any
            }
        }
        if !positive.contains(true) { throw .feature(name: name, reason: "every weight is zero") }
        return builder.finish()
    }
}

/// Order statistics by selection (no full sort).
enum Quantile {
    /// The `p`-quantile of `values` by linear interpolation between order statistics (numpy's
    /// `linear`, Hyndman & Fan type 7). Reorders `values`.
    static func linear(_ values: inout [Double], _ p: Double) -> Double {
        precondition(!values.isEmpty && p >= 0 && p <= 1)
        let h = Double(values.count - 1) * p
        let lo = Int(h.rounded(.down))
        let low = select(&values, lo)
        if lo + 1 >= values.count || h == Double(lo) { return low }
        var next = Double.infinity
        for i in (lo + 1)..<values.count where values[i] < next { next = values[i] }
        return low + (h - Double(lo)) * (next - low)
    }

    /// Rearranges `values` so that `values[k]` is the k-th smallest, smaller values before it and
    /// larger after (three-way quickselect with a median-of-three pivot), and returns it.
    static func select(_ values: inout [Double], _ k: Int) -> Double {
        var lo = 0
        var hi = values.count - 1
        while lo < hi {
            let mid = lo + (hi - lo) / 2
            let a = values[lo]
            let b = values[mid]
            let c = values[hi]
            let pivot = max(min(a, b), min(max(a, b), c))
            // Dutch national flag: [lo, lt) < pivot, [lt, i) == pivot, (gt, hi] > pivot.
            var lt = lo
            var i = lo
            var gt = hi
            while i <= gt {
                let v = values[i]
                if v < pivot {
                    values.swapAt(lt, i)
                    lt += 1
                    i += 1
                } else if v > pivot {
                    values.swapAt(i, gt)
                    gt -= 1
                } else {
                    i += 1
                }
            }
            if k < lt {
                hi = lt - 1
            } else if k > gt {
                lo = gt + 1
            } else {
                return pivot
            }
        }
        return values[k]
    }
}
