import CreditScoring
import Foundation
import StrataFrame
import StrataReports

/// One table of a scorecard report: printed on the terminal, exported as CSV and Markdown.
struct ReportTable {
    /// The file stem when exported (`binning` → binning.csv, binning.md).
    var name: String
    /// The heading printed above the table.
    var title: String
    var header: [String]
    var rows: [[String]]
    /// Columns holding numbers (right-aligned, not formula-neutralised in CSV).
    var numeric: Set<Int>

    var alignments: [ColumnAlignment] { header.indices.map { numeric.contains($0) ? .right : .left } }
}

/// The readable and JSON forms of a fit and of a saved model.
struct ScorecardReport {
    let fit: ScorecardFit

    typealias F = ScorecardCLI

    // MARK: - Tables

    var featureTable: ReportTable {
        let rows = fit.features.map { f -> [String] in
            [
                f.name, f.binning?.kind.rawValue ?? "-", F.fixed(f.iv, 4),
                f.binning.map { String($0.bins.count) } ?? "-",
                f.selected ? "yes" : "no", f.csi.map { F.fixed($0, 4) } ?? "", f.reason ?? "",
            ]
        }
        return ReportTable(
            name: "features",
            title: "features (\(fit.features.filter(\.selected).count) of \(fit.features.count) selected)",
            header: ["feature", "type", "iv", "bins", "selected", "csi", "reason"], rows: rows, numeric: [2, 3, 5])
    }

    static func binRows(_ binning: FeatureBinning, selected: Bool) -> [[String]] {
        let total = binning.bins.reduce(0) { $0 + $1.count }
        return binning.bins.enumerated().map { i, bin in
            [
                binning.name, String(i), bin.label, F.count(bin.count),
                F.percent(total == 0 ? 0 : Double(bin.count) / Double(total)), F.count(bin.bads),
                F.percent(bin.badRate),
                F.fixed(bin.woe, 4), F.fixed(bin.iv, 4), selected ? F.fixed(bin.points, 2) : "",
            ]
        }
    }

    static let binHeader = ["feature", "bin", "values", "count", "share", "bads", "bad rate", "woe", "iv", "points"]

    /// The bins of the selected features (terminal) or of all binned features (export).
    func binningTable(all: Bool) -> ReportTable {
        var rows = [[String]]()
        for f in fit.features where (all || f.selected) {
            if let b = f.binning { rows += Self.binRows(b, selected: f.selected) }
        }
        return ReportTable(
            name: "binning", title: all ? "binning (all features)" : "binning (model features)", header: Self.binHeader,
            rows: rows, numeric: [1, 3, 4, 5, 6, 7, 8, 9])
    }

    static func coefficientTable(_ coefficients: [CoefficientEstimate]) -> ReportTable {
        ReportTable(
            name: "coefficients", title: "logistic regression on WoE",
            header: ["term", "estimate", "std error", "z", "p-value"],
            rows: coefficients.map {
                [$0.name, F.fixed($0.estimate, 6), F.fixed($0.standardError, 6), F.fixed($0.z, 3), pText($0.pValue)]
            }, numeric: [1, 2, 3, 4])
    }

    static func pText(_ p: Double) -> String {
        p < 1e-4 ? (p == 0 ? "0" : String(format: "%.2e", p)) : F.fixed(p, 4)
    }

    var metricsTable: ReportTable {
        var rows = [[String]]()
        for (name, m) in [("train", fit.train), ("holdout", fit.holdout)] {
            guard let d = m?.discrimination else { continue }
            rows.append([
                name, F.count(d.rows), F.count(d.bads), F.percent(Double(d.bads) / Double(d.rows)), F.fixed(d.auc, 4),
                F.fixed(d.gini, 4), F.fixed(d.ks, 4), F.fixed(d.ksScore, 1),
            ])
        }
        return ReportTable(
            name: "metrics",
            title: "discrimination" + (fit.psi.map { " (PSI train → holdout \(F.fixed($0, 4)))" } ?? ""),
            header: ["set", "loans", "bads", "bad rate", "auc", "gini", "ks", "ks at score"], rows: rows,
            numeric: [1, 2, 3, 4, 5, 6, 7])
    }

    static func decileTable(_ bands: [ScoreBand], set: String) -> ReportTable {
        ReportTable(
            name: "deciles_\(set)", title: "score deciles (\(set)), riskiest first",
            header: ["band", "min score", "max score", "loans", "bads", "bad rate", "cum. capture", "lift"],
            rows: bands.map {
                [
                    String($0.band), F.fixed($0.minScore, 1), F.fixed($0.maxScore, 1), F.count($0.count),
                    F.count($0.bads),
                    F.percent($0.badRate), F.percent($0.cumulativeCapture), F.fixed($0.lift, 2),
                ]
            }, numeric: [0, 1, 2, 3, 4, 5, 6, 7])
    }

    static func gradeTable(_ grades: [GradeRow], set: String) -> ReportTable {
        ReportTable(
            name: "grades_\(set)", title: "rating grades (\(set))",
            header: ["grade", "pd up to", "loans", "bads", "bad rate", "mean pd"],
            rows: grades.map {
                [
                    $0.grade, F.percent($0.upperPD, 2), F.count($0.loans), F.count($0.bads), F.percent($0.badRate),
                    F.percent($0.meanPD),
                ]
            }, numeric: [1, 2, 3, 4, 5])
    }

    var tables: [ReportTable] {
        var result = [
            featureTable, binningTable(all: false),
            Self.coefficientTable(
                fit.model.features.isEmpty ? [] : [fit.model.intercept] + fit.model.features.map(\.coefficient)),
            metricsTable,
        ]
        let (set, metrics) = fit.holdout.map { ("holdout", $0) } ?? ("train", fit.train)
        result.append(Self.decileTable(metrics.deciles, set: set))
        result.append(Self.gradeTable(metrics.grades, set: set))
        return result
    }

    // MARK: - Text

    func text() -> String {
        let m = fit.model
        let t = m.training
        var out =
            "scorecard on \(F.count(t.rows)) rows: \(F.count(t.trainRows)) training (\(F.count(t.trainBads)) bad, "
        out += "\(F.percent(Double(t.trainBads) / Double(max(t.trainRows, 1))))), \(F.count(t.holdoutRows)) holdout"
        out += t.unlabelledRows > 0 ? ", \(F.count(t.unlabelledRows)) without a target (not used)" : ""
        out += "; seed \(t.seed)\n"
        out += "target '\(t.target)': bad = \(t.badLabel), good = \(t.goodLabel)\n"
        out += Self.scalingLine(m)
        out +=
            "logistic regression: \(fit.regression.iterations) Newton steps on \(F.count(fit.designRows)) distinct WoE rows, deviance \(F.fixed(fit.regression.deviance, 2)) "
        out += "(null \(F.fixed(fit.regression.nullDeviance, 2)), McFadden R² \(F.fixed(fit.regression.pseudoR2, 4)))\n"
        for table in tables { out += "\n" + Self.render(table) }
        return out
    }

    static func scalingLine(_ m: ScorecardModel) -> String {
        let s = m.scaling
        return "scaling: \(F.fixed(s.baseScore, 0)) points at good:bad odds \(FloatText.shortest(s.baseOdds)):1, "
            + "\(FloatText.shortest(s.pdo)) points to double the odds (factor \(F.fixed(s.factor, 4)), offset \(F.fixed(s.offset, 4)))\n"
    }

    static func render(_ table: ReportTable) -> String {
        table.title + "\n"
            + TextTableWriter(maxCellWidth: 100).render(
                header: table.header, rows: table.rows, alignments: table.alignments)
    }

    // MARK: - Export

    func export(to folder: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var all = tables
        all[1] = binningTable(all: true)
        if fit.holdout != nil {
            all.append(Self.decileTable(fit.train.deciles, set: "train"))
            all.append(Self.gradeTable(fit.train.grades, set: "train"))
        }
        for table in all {
            let base = (folder as NSString).appendingPathComponent(table.name)
            try CSVWriter().write(
                header: table.header, rows: table.rows, numericColumns: table.numeric, to: base + ".csv")
            let markdown =
                "## " + table.title + "\n\n"
                + MarkdownWriter().render(header: table.header, rows: table.rows, alignments: table.alignments)
            do {
                try markdown.write(toFile: base + ".md", atomically: true, encoding: .utf8)
            } catch {
                throw CommandFailure(message: "\(base).md: cannot write (\(error.localizedDescription))")
            }
        }
    }

    // MARK: - JSON

    static func binJSON(_ bin: ScorecardBin, selected: Bool) -> JSONValue {
        var o: JSONObject = [
            "label": .string(bin.label), "kind": .string(bin.kind.rawValue), "count": .int(bin.count),
            "goods": .int(bin.goods), "bads": .int(bin.bads), "badRate": .double(bin.badRate), "woe": .double(bin.woe),
            "iv": .double(bin.iv),
        ]
        if bin.kind == .range {
            o["lower"] = JSONValue(bin.lower)
            o["upper"] = JSONValue(bin.upper)
        }
        if let v = bin.value { o["value"] = .double(v) }
        if let c = bin.categories { o["categories"] = JSONValue(c) }
        o["points"] = selected ? .double(bin.points) : .null
        return .object(o)
    }

    static func coefficientJSON(_ c: CoefficientEstimate) -> JSONValue {
        [
            "name": .string(c.name), "estimate": .double(c.estimate), "standardError": .double(c.standardError),
            "z": .double(c.z), "pValue": .double(c.pValue),
        ]
    }

    static func discriminationJSON(_ m: DatasetMetrics) -> JSONValue {
        let d = m.discrimination
        return [
            "rows": .int(d.rows), "bads": .int(d.bads), "auc": .double(d.auc), "gini": .double(d.gini),
            "ks": .double(d.ks), "ksScore": .double(d.ksScore),
            "deciles": .array(
                m.deciles.map {
                    [
                        "band": .int($0.band), "minScore": .double($0.minScore), "maxScore": .double($0.maxScore),
                        "count": .int($0.count), "bads": .int($0.bads), "badRate": .double($0.badRate),
                        "cumulativeCapture": .double($0.cumulativeCapture),
                        "cumulativeShare": .double($0.cumulativeShare), "lift": .double($0.lift),
                    ]
                }),
            "grades": gradesJSON(m.grades),
        ]
    }

    static func gradesJSON(_ grades: [GradeRow]) -> JSONValue {
        .array(
            grades.map {
                [
                    "grade": .string($0.grade), "upperPD": .double($0.upperPD), "loans": .int($0.loans),
                    "bads": .int($0.bads), "badRate": .double($0.badRate), "meanPD": .double($0.meanPD),
                ]
            })
    }

    static func scalingJSON(_ s: PointsScaling) -> JSONValue {
        [
            "pdo": .double(s.pdo), "baseScore": .double(s.baseScore), "baseOdds": .double(s.baseOdds),
            "factor": .double(s.factor), "offset": .double(s.offset),
        ]
    }

    func json() -> JSONObject {
        let m = fit.model
        var metrics: JSONObject = ["train": Self.discriminationJSON(fit.train)]
        metrics["holdout"] = fit.holdout.map(Self.discriminationJSON) ?? .null
        let features = fit.features.map { f -> JSONValue in
            [
                "name": .string(f.name), "type": JSONValue(f.binning?.kind.rawValue), "iv": .double(f.iv),
                "selected": .bool(f.selected), "reason": JSONValue(f.reason), "csi": JSONValue(f.csi),
                "monotonic": JSONValue(f.binning?.monotonic.rawValue),
                "bins": .array((f.binning?.bins ?? []).map { Self.binJSON($0, selected: f.selected) }),
            ]
        }
        let t = m.training
        return [
            "rows": .int(t.rows), "trainRows": .int(t.trainRows), "holdoutRows": .int(t.holdoutRows),
            "unlabelledRows": .int(t.unlabelledRows), "target": .string(t.target), "badLabel": .string(t.badLabel),
            "seed": .int(Int(truncatingIfNeeded: t.seed)), "dataHash": .string(t.dataHash),
            "features": .array(features),
            "intercept": Self.coefficientJSON(m.intercept),
            "coefficients": .array(m.features.map { Self.coefficientJSON($0.coefficient) }),
            "regression": [
                "iterations": .int(fit.regression.iterations), "designRows": .int(fit.designRows),
                "deviance": .double(fit.regression.deviance),
                "nullDeviance": .double(fit.regression.nullDeviance), "pseudoR2": .double(fit.regression.pseudoR2),
                "l2": .double(fit.regression.l2),
            ],
            "scaling": Self.scalingJSON(m.scaling),
            "metrics": .object(metrics),
            "psi": JSONValue(fit.psi),
        ]
    }

    // MARK: - A saved model

    static func modelText(_ m: ScorecardModel) -> String {
        let t = m.training
        var out = "scorecard \(m.format) v\(m.formatVersion), written by Strata \(m.strataVersion)\n"
        out += "trained on \(F.count(t.trainRows)) of \(F.count(t.rows)) rows (\(F.count(t.trainBads)) bad), "
        out += "holdout \(F.count(t.holdoutRows)), seed \(t.seed), data \(t.dataHash)\n"
        out += "target '\(t.target)': bad = \(t.badLabel), good = \(t.goodLabel)\n"
        out += scalingLine(m)
        out += "\n" + render(coefficientTable([m.intercept] + m.features.map(\.coefficient)))
        var rows = [[String]]()
        for f in m.features { rows += binRows(f.binning, selected: true) }
        out +=
            "\n"
            + render(
                ReportTable(
                    name: "card", title: "points", header: binHeader, rows: rows, numeric: [1, 3, 4, 5, 6, 7, 8, 9]))
        let grades = zip(m.masterScale.labels, m.masterScale.upperBounds).enumerated().map { i, g in
            [g.0, F.percent(i == 0 ? 0 : m.masterScale.upperBounds[i - 1], 2), F.percent(g.1, 2)]
        }
        out +=
            "\n"
            + render(
                ReportTable(
                    name: "scale", title: "master scale", header: ["grade", "pd above", "pd up to"], rows: grades,
                    numeric: [1, 2]))
        return out
    }

    static func modelJSON(_ m: ScorecardModel) -> JSONObject {
        let t = m.training
        return [
            "format": .string(m.format), "formatVersion": .int(m.formatVersion),
            "strataVersion": .string(m.strataVersion),
            "target": .string(t.target), "badLabel": .string(t.badLabel), "goodLabel": .string(t.goodLabel),
            "dataHash": .string(t.dataHash), "rows": .int(t.rows), "trainRows": .int(t.trainRows),
            "holdoutRows": .int(t.holdoutRows), "seed": .int(Int(truncatingIfNeeded: t.seed)),
            "scaling": scalingJSON(m.scaling),
            "intercept": coefficientJSON(m.intercept),
            "features": .array(
                m.features.map { f in
                    [
                        "name": .string(f.name), "type": .string(f.binning.kind.rawValue), "iv": .double(f.binning.iv),
                        "coefficient": coefficientJSON(f.coefficient), "missingBin": .int(f.binning.missingBin),
                        "unseenBin": JSONValue(f.binning.unseenBin),
                        "bins": .array(f.binning.bins.map { binJSON($0, selected: true) }),
                    ]
                }),
            "masterScale": .array(
                zip(m.masterScale.labels, m.masterScale.upperBounds).map {
                    ["grade": .string($0.0), "upperPD": .double($0.1)]
                }),
        ]
    }
}
