import Foundation
import StrataTestSupport
import Testing

/// End-to-end tests of `strata segment`, `strata segment assign` and `strata tiers` on the first
/// 800 loans of datasets/sample_10k.csv.
@Suite("segment commands")
struct SegmentCLITests {
    static let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("datasets/sample_10k.csv").path

    /// A temporary directory holding `tape.csv`: the header and the first `loans` loans of the sample.
    static func tape(loans: Int = 800) throws -> (TemporaryDirectory, String) {
        let directory = try TemporaryDirectory()
        let text = try String(contentsOfFile: sample, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true).prefix(loans + 1)
        let path = try directory.write("tape.csv", lines.joined(separator: "\n") + "\n")
        return (directory, path)
    }

    static func json(_ result: StrataBinary.Result) throws -> [String: Any] {
        try #require(result.status == 0, "stderr: \(result.stderr)")
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
    }

    static let features = "annual_income,debt_to_income,employment_years,utilization,balance,interest_rate"

    @Test func fixedKPrintsTheIssueJSONShape() throws {
        let (directory, tape) = try Self.tape()
        defer { directory.remove() }
        let object = try Self.json(
            StrataBinary.run([
                "segment", tape, "--features", Self.features, "--log", "annual_income,balance", "--k", "4", "--json",
            ]))
        for key in ["k", "inertia", "iterations", "segments", "k_scan"] { #expect(object[key] != nil, "\(key)") }
        #expect(object["k"] as? Int == 4)
        #expect((object["k_scan"] as? [Any])?.isEmpty == true)
        let segments = try #require(object["segments"] as? [[String: Any]])
        #expect(segments.count == 4)
        #expect(segments.map { $0["loans"] as! Int }.reduce(0, +) == 800)
        #expect(Set(segments.map { $0["tier"] as! Int }) == [1, 2, 3])
        let centroid = try #require(segments[0]["centroid"] as? [String: Double])
        #expect(Set(centroid.keys) == Set(Self.features.split(separator: ",").map(String.init)))
        #expect(segments[0]["default_rate"] is Double)
        #expect(segments[0]["description"] is String)
    }

    @Test func autoKScansTheRangeAndSaysWhy() throws {
        let (directory, tape) = try Self.tape()
        defer { directory.remove() }
        let arguments = [
            "segment", tape, "--features", Self.features, "--k", "auto", "--k-range", "2..5", "--silhouette-sample",
            "300",
        ]
        let object = try Self.json(StrataBinary.run(arguments + ["--json"]))
        let scan = try #require(object["k_scan"] as? [[String: Any]])
        #expect(scan.map { $0["k"] as! Int } == [2, 3, 4, 5])
        for entry in scan {
            for key in ["k", "inertia", "silhouette", "ch", "db"] { #expect(entry[key] != nil, "\(key)") }
        }
        #expect((object["chosen_k_reason"] as? String)?.hasPrefix("k = \(object["k"] as! Int):") == true)
        #expect(object["silhouette_sample"] as? Int == 300)
        let text = try StrataBinary.run(arguments)
        #expect(text.status == 0)
        #expect(text.stdout.contains("k scan") && text.stdout.contains("<- chosen"))
        #expect(text.stdout.contains("silhouette on a seeded sample of 300 loans"))
    }

    @Test func identicalForAnyThreadCount() throws {
        let (directory, tape) = try Self.tape()
        defer { directory.remove() }
        let arguments = ["segment", tape, "--features", Self.features, "--k", "5", "--restarts", "2", "--json"]
        let one = try StrataBinary.run(arguments, environment: ["STRATA_THREADS": "1"])
        let two = try StrataBinary.run(arguments, environment: ["STRATA_THREADS": "2"])
        let again = try StrataBinary.run(arguments, environment: ["STRATA_THREADS": "3"])
        #expect(one.status == 0)
        #expect(one.stdout == two.stdout)
        #expect(one.stdout == again.stdout)
    }

    @Test func assignmentsModelAndAssignAgree() throws {
        let (directory, tape) = try Self.tape()
        defer { directory.remove() }
        let book = directory.file("book.csv")
        let model = directory.file("model.json")
        let fit = try StrataBinary.run([
            "segment", tape, "--features", Self.features, "--k", "3", "--assignments", book, "--model-out", model,
            "--out", directory.file("segments.csv"), "--out", directory.file("segments.md"), "--out",
            directory.file("segments.json"),
        ])
        #expect(fit.status == 0, "\(fit.stderr)")
        let assigned = try StrataBinary.run([
            "segment", "assign", tape, "--model", model, "--out", directory.file("again.csv"),
        ])
        #expect(assigned.status == 0, "\(assigned.stderr)")
        #expect(assigned.stdout.contains("assigned 800 loans"))
        func segmentColumn(_ path: String) throws -> [String] {
            let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
            let header = lines[0].split(separator: ",", omittingEmptySubsequences: false)
            let index = try #require(header.firstIndex(of: "segment"))
            #expect(header.last == "tier")
            return lines.dropFirst().map { String($0.split(separator: ",", omittingEmptySubsequences: false)[index]) }
        }
        let first = try segmentColumn(book)
        #expect(first.count == 800)
        #expect(Set(first) == ["1", "2", "3"])
        #expect(try segmentColumn(directory.file("again.csv")) == first)
        let csv = try String(contentsOfFile: directory.file("segments.csv"), encoding: .utf8)
        #expect(csv.hasPrefix("segment,tier,rank,loans,share,description,annual_income,"))
        let markdown = try String(contentsOfFile: directory.file("segments.md"), encoding: .utf8)
        #expect(markdown.contains("## Segments (best tier first)") && markdown.contains("| segment |"))
        let json = try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: directory.file("segments.json"))))
        #expect((json as? [String: Any])?["k"] as? Int == 3)
        // The grid on the segmented book crosses cells with segments.
        let grid = try Self.json(
            StrataBinary.run(["tiers", book, "--amount-bands", "10000,50000", "--term-bands", "12,36", "--json"]))
        let cells = try #require(grid["cells"] as? [[String: Any]])
        #expect(cells.map { $0["loans"] as! Int }.reduce(0, +) == 800)
        let contingency = try #require(grid["contingency"] as? [String: Any])
        #expect(contingency["columns"] as? [String] == ["segment 1", "segment 2", "segment 3"])
        let counts = try #require(contingency["counts"] as? [[Int]])
        #expect(counts.flatMap { $0 }.reduce(0, +) == 800)
        #expect(grid["el_source"] as? String == "not available")
        let text = try StrataBinary.run(["tiers", book, "--term-bands", "12,36"])
        #expect(text.status == 0 && text.stdout.contains("bad rate") && text.stdout.contains("cell x segment"))
    }

    @Test func initCentroidsFixTheStart() throws {
        let (directory, tape) = try Self.tape()
        defer { directory.remove() }
        let centroids = try directory.write(
            "init.csv", "debt_to_income,annual_income\n0.2,200000\n0.5,60000\n")
        let object = try Self.json(
            StrataBinary.run([
                "segment", tape, "--features", "annual_income,debt_to_income", "--init-centroids", centroids, "--json",
            ]))
        #expect(object["k"] as? Int == 2)
        let bad = try StrataBinary.run([
            "segment", tape, "--features", "annual_income,debt_to_income", "--init-centroids", centroids, "--k", "3",
        ])
        #expect(bad.status == 1)
        #expect(bad.stderr == "error: --init-centroids: the file has 2 centroids but --k is 3\n")
    }

    @Test func badInputIsOneErrorLine() throws {
        let (directory, tape) = try Self.tape(loans: 50)
        defer { directory.remove() }
        let cases: [([String], String)] = [
            (["--features", "region,balance"], "error: feature 'region': is a category column; pass --one-hot"),
            (["--features", "loan_id"], "error: feature 'loan_id': is a string column, not numeric"),
            (["--features", "balance", "--k-range", "5..3"], "error: --k-range: 3 is smaller than 5"),
            (["--features", "balance", "--k-range", "three"], "error: --k-range: expected LOW..HIGH"),
            (
                ["--features", "balance", "--standardize", "minmax"],
                "error: --standardize: expected zscore, robust or none"
            ),
            (["--features", "balance", "--k", "60"], "error: cannot segment: k = 60 but there are only 50 loans"),
            (["--features", "balance", "--out", "x.txt"], "error: --out: 'x.txt' must end in .csv, .json or .md"),
        ]
        for (arguments, prefix) in cases {
            let result = try StrataBinary.run(["segment", tape] + arguments)
            #expect(result.status == 1, "\(arguments)")
            #expect(result.stderr.hasPrefix(prefix), "\(arguments): \(result.stderr)")
            #expect(!result.stderr.contains("Fatal error"))
        }
        // Fewer distinct rows than k; missing values name the column and count.
        let small = try directory.write("small.csv", "a,b\n1,2\n1,2\n3,4\n3,4\n,5\n")
        let distinct = try StrataBinary.run([
            "segment", small, "--schema", "inferred", "--features", "a", "--k", "3", "--drop-missing",
        ])
        #expect(distinct.stderr.hasPrefix("note: skipped 1 loan with a missing feature value\n"))
        #expect(
            distinct.stderr.hasSuffix(
                "error: cannot segment: only 2 distinct loans (feature rows) but k = 3; lower k or add features\n"))
        let missing = try StrataBinary.run(["segment", small, "--schema", "inferred", "--features", "a,b", "--k", "2"])
        #expect(
            missing.stderr
                == "error: feature 'a': 1 missing values (of 5 loans); pass --drop-missing to skip those loans\n")
        let dropped = try Self.json(
            StrataBinary.run([
                "segment", small, "--schema", "inferred", "--features", "a,b", "--k", "2", "--drop-missing", "--json",
            ]))
        #expect(dropped["skipped_missing"] as? Int == 1)
        #expect(dropped["loans"] as? Int == 4)
        let model = try StrataBinary.run(["segment", "assign", tape, "--model", directory.file("none.json")])
        #expect(model.status == 1 && model.stderr.contains("not a valid Strata segment model"))
    }
}
