import Foundation
import StrataTestSupport
import Testing

/// End-to-end tests of `strata scorecard fit|show` and `strata score`, running the built binary.
@Suite struct ScorecardCLITests {
    /// A small credit CSV (not a loan tape): numeric and category features, missing values, a
    /// 0/1 target from a logistic model, drawn from a fixed linear congruential generator.
    static func trainingCSV(rows: Int = 3000, target: (Bool) -> String = { $0 ? "1" : "0" }) -> String {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func uniform() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53)
        }
        var text = "id,income,dti,utilization,segment,y\n"
        let segments = ["retail", "sme", "premium"]
        for i in 0..<rows {
            let income = (20_000 + 80_000 * uniform()).rounded()
            let dti = (uniform() * 600).rounded() / 1000
            let missing = uniform() < 0.05
            let utilization = (uniform() * 120).rounded() / 100
            let segment = segments[Int(uniform() * 3)]
            let eta =
                -2.5 - (income - 60_000) / 25_000 + 4 * (dti - 0.3) + 1.5 * (utilization - 0.6)
                + (segment == "sme" ? 0.6 : segment == "premium" ? -0.5 : 0)
            let bad = uniform() < 1 / (1 + exp(-eta))
            text += "C\(i),\(Int(income)),\(dti),\(missing ? "" : String(utilization)),\(segment),\(target(bad))\n"
        }
        return text
    }

    func run(_ arguments: [String]) throws -> StrataBinary.Result { try StrataBinary.run(arguments) }

    @Test func fitShowScoreRoundTrip() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let data = try dir.write("train.csv", Self.trainingCSV())
        let model = dir.file("model.json")
        let fit = try run([
            "scorecard", "fit", data, "--target", "y", "--holdout", "0.3", "--seed", "7", "--out", model, "--json",
        ])
        #expect(fit.status == 0, "\(fit.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(fit.stdout.utf8)) as! [String: Any]
        let features = object["features"] as! [[String: Any]]
        #expect(features.map { $0["name"] as! String } == ["income", "dti", "utilization", "segment"])  // not id, not y
        #expect(features.allSatisfy { $0["iv"] is Double && $0["selected"] is Bool && $0["bins"] is [Any] })
        let metrics = object["metrics"] as! [String: Any]
        let train = metrics["train"] as! [String: Any]
        let holdout = metrics["holdout"] as! [String: Any]
        #expect((train["auc"] as! Double) > 0.7 && (holdout["auc"] as! Double) > 0.65)
        #expect(train["ks"] is Double && train["gini"] is Double)
        #expect(object["psi"] is Double && object["intercept"] is [String: Any] && object["coefficients"] is [Any])
        let timings = object["timings"] as! [String: Any]
        #expect(timings["finalFit"] is Double && timings["binning"] is Double)

        // Same seed, same model file bytes; another seed, another file.
        let again = dir.file("again.json")
        #expect(
            try run(["scorecard", "fit", data, "--target", "y", "--holdout", "0.3", "--seed", "7", "--out", again])
                .status == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: model)) == Data(contentsOf: URL(fileURLWithPath: again)))

        let show = try run(["scorecard", "show", model])
        #expect(
            show.status == 0 && show.stdout.contains("logistic regression on WoE")
                && show.stdout.contains("master scale"))
        let showJSON = try run(["scorecard", "show", model, "--json"])
        #expect(showJSON.status == 0 && showJSON.stdout.contains("\"formatVersion\""))

        // Scores are bit-identical for one and two threads.
        let one = dir.file("one.csv")
        let two = dir.file("two.csv")
        let s1 = try run(["score", data, "--model", model, "--out", one, "--threads", "1"])
        let s2 = try run(["score", data, "--model", model, "--out", two, "--threads", "2", "--json"])
        #expect(s1.status == 0 && s2.status == 0, "\(s1.stderr)\(s2.stderr)")
        let scoredText = try String(contentsOfFile: one, encoding: .utf8)
        #expect(scoredText == (try String(contentsOfFile: two, encoding: .utf8)))
        let header = scoredText.prefix { $0 != "\n" }
        #expect(header == "id,income,dti,utilization,segment,y,pd,score,grade,reason_1,reason_2,reason_3")
        let summary = try JSONSerialization.jsonObject(with: Data(s2.stdout.utf8)) as! [String: Any]
        #expect(summary["rows"] as? Int == 3000)
        #expect((summary["timings"] as! [String: Any])["score"] is Double)
        // Snapshot output works too.
        #expect(try run(["score", data, "--model", model, "--out", dir.file("scored.strata")]).status == 0)
    }

    @Test func targetsAndTheirErrors() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let labels = try dir.write("labels.csv", Self.trainingCSV(rows: 1500) { $0 ? "default" : "paid" })
        let noBad = try run(["scorecard", "fit", labels, "--target", "y"])
        #expect(noBad.status == 1)
        #expect(noBad.stderr.hasPrefix("error: target column 'y': holds two labels"))
        #expect(noBad.stderr.contains("--bad-value"))
        #expect(try run(["scorecard", "fit", labels, "--target", "y", "--bad-value", "default"]).status == 0)
        let bools = try dir.write("bools.csv", Self.trainingCSV(rows: 1500) { $0 ? "true" : "false" })
        #expect(try run(["scorecard", "fit", bools, "--target", "y"]).status == 0)
        let three = try dir.write("three.csv", "x,y\n1,0\n2,1\n3,2\n4,0\n")
        let bad = try run(["scorecard", "fit", three, "--target", "y"])
        #expect(bad.status == 1)
        #expect(
            bad.stderr
                == "error: target column 'y': is not binary: found 3 distinct values ('0', '1', '2'); expected 0/1, true/false or two labels with --bad-value\n"
        )
    }

    @Test func badFeaturesAndModelFiles() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let data = try dir.write("train.csv", Self.trainingCSV(rows: 1500))
        let constant = try run(["scorecard", "fit", data, "--target", "y", "--features", "income,id"])
        #expect(constant.status == 1 && constant.stderr.contains("feature 'id'"))
        let unknown = try run(["scorecard", "fit", data, "--target", "y", "--features", "income,nope"])
        #expect(unknown.stderr.hasPrefix("error: feature 'nope': no such column"))

        let broken = try dir.write("broken.json", "{\"format\": \"strata-scorecard\", \"formatVersion\": 2}")
        let show = try run(["scorecard", "show", broken])
        #expect(show.status == 1)
        #expect(show.stderr.contains("unknown format version 2"))
        let garbage = try dir.write("garbage.json", "not json at all")
        #expect(
            try run(["score", data, "--model", garbage, "--out", dir.file("o.csv")]).stderr.contains(
                "not a JSON object"))

        // A book without a model feature, and a book with an unseen category.
        let model = dir.file("m.json")
        #expect(try run(["scorecard", "fit", data, "--target", "y", "--out", model]).status == 0)
        let partial = try dir.write("partial.csv", "id,income\nA,1000\n")
        let missing = try run(["score", partial, "--model", model, "--out", dir.file("p.csv")])
        #expect(missing.status == 1 && missing.stderr.contains("needed by the model"))
        var lines = Self.trainingCSV(rows: 200).split(separator: "\n").map(String.init)
        lines[1] = lines[1].replacingOccurrences(of: ",retail,", with: ",offshore,")
            .replacingOccurrences(of: ",sme,", with: ",offshore,").replacingOccurrences(
                of: ",premium,", with: ",offshore,")
        let book = try dir.write("book.csv", lines.joined(separator: "\n") + "\n")
        let scored = try run(["score", book, "--model", model, "--out", dir.file("b.csv")])
        #expect(scored.status == 0, "\(scored.stderr)")
        if (try String(contentsOfFile: model, encoding: .utf8)).contains("\"segment\"") {
            #expect(scored.stderr.contains("warning: segment: 1 loan hold"))
        }
    }

    @Test func optionErrorsAreOneLine() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let data = try dir.write("train.csv", Self.trainingCSV(rows: 500))
        let holdout = try run(["scorecard", "fit", data, "--target", "y", "--holdout", "1.5"])
        #expect(holdout.status == 1 && holdout.stderr == "error: --holdout: must be a fraction in [0, 1), got 1.5\n")
        let special = try run(["scorecard", "fit", data, "--target", "y", "--special-values", "segment=1"])
        #expect(special.stderr.contains("special values apply to numbers"))
        let odds = try run(["scorecard", "fit", data, "--target", "y", "--base-odds", "0"])
        #expect(odds.stderr.hasPrefix("error: --base-odds"))
    }
}
