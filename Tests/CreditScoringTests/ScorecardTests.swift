import Foundation
import StrataFrame
import StrataKernels
import Testing

@testable import CreditScoring

@Suite struct ScorecardTests {
    static let table = TestData.creditTable(rows: 20_000)

    static func options() -> ScorecardOptions {
        var options = ScorecardOptions(target: "defaulted_12m")
        options.holdoutFraction = 0.3
        options.seed = 42
        options.binning.specialValues = ["utilization": [999]]
        return options
    }

    static let fitted: ScorecardFit = try! ScorecardTrainer.fit(table, options: options())

    @Test func fitsASensibleCard() throws {
        let fit = Self.fitted
        let model = fit.model
        let names = model.features.map(\.name)
        #expect(names.contains("annual_income") && names.contains("debt_to_income"))
        #expect(!names.contains("loan_id"))  // identifiers are not features
        let noise = fit.features.first { $0.name == "noise" }!
        #expect(!noise.selected && noise.reason != nil)
        #expect(fit.train.discrimination.auc > 0.7)
        #expect(fit.holdout!.discrimination.auc > 0.65)
        #expect(fit.psi! < 0.05)
        // Coefficients on WoE are negative; each selected numeric feature's ranges are monotonic.
        for feature in model.features {
            #expect(feature.coefficient.estimate < 0, "\(feature.name)")
            let b = feature.binning
            if b.kind == .numeric && b.monotonic != .none {
                let ranges = b.bins.prefix(b.rangeBinCount)
                for (lo, hi) in zip(ranges, ranges.dropFirst()) {
                    #expect(b.monotonic == .ascending ? lo.badRate < hi.badRate : lo.badRate > hi.badRate)
                }
            }
        }
        // The special value and the missing values of utilization have their own bins.
        let utilization = model.features.first { $0.name == "utilization" }
        if let u = utilization {
            #expect(u.binning.bins.contains { $0.kind == .special && $0.value == 999 })
            #expect(u.binning.bins[u.binning.missingBin].kind == .missing)
        }
        #expect(model.training.trainRows + model.training.holdoutRows == 20_000)
        #expect(abs(Double(model.training.holdoutRows) - 6000) <= 1)
        #expect(model.training.dataHash.hasPrefix("xxh64:"))
        #expect(fit.train.grades.map(\.loans).reduce(0, +) == model.training.trainRows)
    }

    @Test func pointsReproduceTheLinearPredictor() {
        let model = Self.fitted.model
        let s = model.scaling
        // score = offset − factor·η for any combination of bins; check the first bins.
        var eta = model.intercept.estimate
        var score = 0.0
        for feature in model.features {
            eta += feature.coefficient.estimate * feature.binning.bins[0].woe
            score += feature.binning.bins[0].points
        }
        #expect(abs(score - (s.offset - s.factor * eta)) < 1e-9)
        #expect(abs(s.pd(score: score) - 1 / (1 + exp(-eta))) < 1e-12)
    }

    @Test func savedReloadedAndAppliedGivesTheSameScoresBitForBit() throws {
        let model = Self.fitted.model
        let bytes = try model.encoded()
        let reloaded = try ScorecardModel.decode(Data(bytes), path: "model.json")
        #expect(reloaded == model)
        #expect(try reloaded.encoded() == bytes)
        let a = try Scorer.score(Self.table, model: model, threads: 1)
        let b = try Scorer.score(Self.table, model: reloaded, threads: 2)
        #expect(a.score.bitwiseEqual(b.score))
        #expect(a.pd.bitwiseEqual(b.pd))
        #expect(a.grade == b.grade)
        #expect(a.reasons == b.reasons)
        #expect(a.psi == b.psi)
    }

    @Test func trainerMetricsEqualThoseOfTheSavedModelsScores() throws {
        let fit = Self.fitted
        let scored = try Scorer.score(Self.table, model: fit.model)
        let target = try BinaryTarget(table: Self.table, column: "defaulted_12m")
        let split = ScorecardTrainer.split(target: target, fraction: 0.3, seed: 42)
        var trainScores = [Double]()
        var trainLabels = [UInt8]()
        for row in 0..<Self.table.rowCount where split.train[row] {
            trainScores.append(scored.score[row])
            trainLabels.append(target.labels[row])
        }
        // Exact equality: the trainer's scores are the Scorer's, bit for bit.
        #expect(Metrics.discrimination(scores: trainScores, labels: trainLabels) == fit.train.discrimination)
        #expect(Metrics.bandTable(scores: trainScores, labels: trainLabels, bands: 10) == fit.train.deciles)
        #expect(fit.designRows < fit.model.training.trainRows)  // identical WoE rows were grouped
    }

    @Test func groupedAndUngroupedRegressionAgree() throws {
        let fit = Self.fitted
        // Refit the final model on the ungrouped WoE rows and compare.
        let target = try BinaryTarget(table: Self.table, column: "defaulted_12m")
        let split = ScorecardTrainer.split(target: target, fraction: 0.3, seed: 42)
        let rows = ScorecardTrainer.rowIndices(split.train)
        var columns = [[Double]]()
        for feature in fit.model.features {
            let column = try Self.table.column(named: feature.name)
            let assigner = try BinAssigner(binning: feature.binning, column: column, table: Self.table)
            var bins = [UInt16](repeating: 0, count: Self.table.rowCount)
            var span = bins.mutableSpan
            _ = assigner.assign(rows: 0..<Self.table.rowCount, into: &span)
            columns.append(ScorecardTrainer.woeValues(ColumnBuffer(bins), feature.binning))
        }
        let design = ScorecardTrainer.designMatrix(columns, rows: rows, threads: 2)
        let plain = try LogisticRegression.fit(
            design: design, columns: columns.count + 1, labels: ScorecardTrainer.gatherLabels(target, rows: rows),
            names: ["intercept"] + fit.model.features.map(\.name))
        let grouped = [fit.model.intercept] + fit.model.features.map(\.coefficient)
        for (a, b) in zip(plain.coefficients, grouped) {
            #expect(abs(a.estimate - b.estimate) < 1e-9 && abs(a.standardError - b.standardError) < 1e-9, "\(a.name)")
        }
        #expect(abs(plain.deviance - fit.regression.deviance) < 1e-6)
    }

    @Test func sameSeedSameModelFileBytes() throws {
        var options = Self.options()
        options.threads = 1
        let again = try ScorecardTrainer.fit(Self.table, options: options)
        #expect(try again.model.encoded() == Self.fitted.model.encoded())
        options.seed = 43
        let other = try ScorecardTrainer.fit(Self.table, options: options)
        #expect(other.model.training.seed == 43)
        #expect(try other.model.encoded() != Self.fitted.model.encoded())
    }

    @Test func reasonCodesAreTheCostliestFeatures() throws {
        let model = Self.fitted.model
        let scored = try Scorer.score(Self.table, model: model)
        let names = model.features.map(\.name)
        for row in stride(from: 0, to: 2000, by: 37) {
            var losses = [(Double, Int)]()
            for (f, feature) in model.features.enumerated() {
                let column = try Self.table.column(named: feature.name)
                let bin: Int
                if feature.binning.kind == .numeric {
                    let value: Double? = column.isValid(row) ? try Self.table.numeric(feature.name)[row] : nil
                    bin = feature.binning.bin(ofValue: value)
                } else {
                    bin =
                        column.isValid(row)
                        ? feature.binning.bin(ofCategory: try Self.table.category(feature.name).value(at: row))!
                        : feature.binning.missingBin
                }
                let loss = feature.maxPoints - feature.binning.bins[bin].points
                if loss > 0 { losses.append((loss, f)) }
            }
            losses.sort { $0.0 != $1.0 ? $0.0 > $1.0 : $0.1 < $1.1 }
            for k in 0..<3 {
                let column = scored.reasons[k]
                if k < losses.count {
                    #expect(column.text(at: row) == names[losses[k].1], "row \(row) reason \(k + 1)")
                } else {
                    #expect(!column.isValid(row))
                }
            }
        }
    }

    @Test func unseenCategoryIsMappedAndCounted() throws {
        let model = Self.fitted.model
        guard let region = model.features.first(where: { $0.name == "region" }) else { return }
        var columns = Self.table.columns.filter { $0.name != "region" }
        let n = Self.table.rowCount
        columns.append(TestData.category("region", (0..<n).map { $0 % 100 == 0 ? "atlantis" : "north" }))
        let book = try Table(columns: columns)
        let scored = try Scorer.score(book, model: model)
        #expect(scored.unseenCategories.count == 1)
        #expect(scored.unseenCategories[0].feature == "region" && scored.unseenCategories[0].rows == n / 100)
        #expect(region.binning.unseenBin != nil)
    }

    @Test func aBookMissingAFeatureIsAClearError() throws {
        let model = Self.fitted.model
        let book = try Self.table.selecting(["loan_id", "region"])
        #expect {
            try Scorer.score(book, model: model)
        } throws: { error in
            "\(error)".contains("'annual_income'") && "\(error)".contains("needed by the model")
        }
    }

    @Test func malformedModelFilesAreClearErrors() throws {
        func reason(_ text: String) -> String {
            do {
                _ = try ScorecardModel.decode(Data(text.utf8), path: "m.json")
                return "accepted"
            } catch { return "\(error)" }
        }
        #expect(reason("{ not json").contains("not a JSON object"))
        #expect(reason(#"{"format": "other"}"#).contains("expected 'strata-scorecard'"))
        #expect(reason(#"{"format": "strata-scorecard", "formatVersion": 9}"#).contains("unknown format version 9"))
        #expect(reason(#"{"format": "strata-scorecard", "formatVersion": 1}"#).contains("missing field"))
        // A valid file with a bin index out of range.
        var model = Self.fitted.model
        model.features[0].binning.missingBin = 99
        let broken = String(decoding: try model.encoded(), as: UTF8.self)
        #expect(reason(broken).contains("missingBin 99 is out of range"))
    }

    @Test func explicitBadFeaturesAreErrors() throws {
        var rows = [Column]()
        let n = 400
        rows.append(TestData.float("x", (0..<n).map { Double($0 % 17) }))
        rows.append(TestData.float("flat", [Double?](repeating: 1, count: n)))
        rows.append(TestData.float("empty", [Double?](repeating: nil, count: n)))
        rows.append(TestData.int("y", (0..<n).map { Int64($0 % 17 < 4 ? 1 : 0) }))
        let table = try Table(columns: rows)
        var options = ScorecardOptions(target: "y")
        options.features = ["flat", "x"]
        #expect {
            try ScorecardTrainer.fit(table, options: options)
        } throws: { error in "\(error)".hasPrefix("feature 'flat': constant") }
        options.features = ["empty"]
        #expect {
            try ScorecardTrainer.fit(table, options: options)
        } throws: { error in "\(error)" == "feature 'empty': all training values are missing" }
        // x separates the target perfectly (bad iff x < 4).
        options.features = ["x"]
        #expect {
            try ScorecardTrainer.fit(table, options: options)
        } throws: { error in "\(error)".contains("separates bad from good loans perfectly") }
        // By default, unusable features are dropped with their reason instead.
        options.features = nil
        #expect(throws: ScorecardError.self) { try ScorecardTrainer.fit(table, options: options) }
    }

    @Test func masterScaleAndScaling() throws {
        let scale = MasterScale.standard
        #expect(scale.labels.count == 10 && scale.upperBounds.last == 1)
        #expect(scale.grade(pd: 0) == 0 && scale.grade(pd: 0.001) == 0 && scale.grade(pd: 0.0011) == 1)
        #expect(scale.grade(pd: 0.5) == 9 && scale.grade(pd: 1) == 9)
        #expect(throws: ScorecardError.self) { try MasterScale.validated(labels: nil, upperBounds: [0.1, 0.05]) }
        let custom = try MasterScale.validated(labels: ["A", "B", "C"], upperBounds: [0.01, 0.1])
        #expect(custom.upperBounds == [0.01, 0.1, 1])
        let s = PointsScaling.standard
        // 600 points at 50:1 good:bad odds; 620 at 100:1.
        #expect(abs(s.score(logOdds: log(1.0 / 50)) - 600) < 1e-9)
        #expect(abs(s.score(logOdds: log(1.0 / 100)) - 620) < 1e-9)
        #expect(abs(s.pd(score: 600) - 1.0 / 51) < 1e-15)
    }

    @Test func scoresAreBitIdenticalAcrossThreadCounts() throws {
        let model = Self.fitted.model
        let big = TestData.creditTable(rows: 140_000, seed: 5)
        let one = try Scorer.score(big, model: model, threads: 1)
        let two = try Scorer.score(big, model: model, threads: 2)
        let four = try Scorer.score(big, model: model, threads: 4)
        #expect(one.score.bitwiseEqual(two.score) && two.score.bitwiseEqual(four.score))
        #expect(one.pd.bitwiseEqual(four.pd))
        #expect(one.grade == four.grade && one.reasons == four.reasons && one.bandCounts == four.bandCounts)
    }
}
