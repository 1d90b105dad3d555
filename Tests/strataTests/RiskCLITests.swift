import Foundation
import StrataTestSupport
import Testing

/// End-to-end tests of `strata risk`, `irb`, `migrate`, `watch` and `vintage` on the fixture tapes
/// of Tests/PortfolioRiskTests/Fixtures.
@Suite("risk commands")
struct RiskCLITests {
    static func fixture(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("PortfolioRiskTests/Fixtures").appendingPathComponent(name).path
    }

    static let tapeA = fixture("risk_tape_a.csv")
    static let tapeB = fixture("risk_tape_b.csv")

    static func json(_ result: StrataBinary.Result) throws -> [String: Any] {
        try #require(result.status == 0, "stderr: \(result.stderr)")
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
    }

    @Test func irbJSONIsKAndRiskWeight() throws {
        let result = try StrataBinary.run(["irb", "--pd", "0.01", "--lgd", "0.45", "--json"])
        let object = try Self.json(result)
        #expect(Set(object.keys) == ["k", "rw"])
        let k = object["k"] as! Double
        let rw = object["rw"] as! Double
        #expect(abs(rw - 12.5 * k) < 1e-15)
        #expect(abs(rw * 100 - 92.32) <= 0.01)  // Basel II Annex 5, corporate, PD 1 %, LGD 45 %
        let sme = try Self.json(
            StrataBinary.run(["irb", "--pd", "0.01", "--lgd", "0.45", "--class", "sme", "--sales", "5", "--json"]))
        #expect(abs((sme["rw"] as! Double) * 100 - 72.40) <= 0.01)
        let qrre = try Self.json(
            StrataBinary.run(["irb", "--pd", "0.025", "--lgd", "0.85", "--class", "revolving", "--json"]))
        #expect(abs((qrre["rw"] as! Double) * 100 - 64.18) <= 0.01)
        let scaled = try Self.json(
            StrataBinary.run(["irb", "--pd", "0.01", "--lgd", "0.45", "--scaling", "1.06", "--json"]))
        #expect(abs((scaled["rw"] as! Double) - 1.06 * rw) < 1e-12)
        let floored = try Self.json(
            StrataBinary.run(["irb", "--pd", "0.0001", "--lgd", "0.45", "--preset", "basel2", "--json"]))
        #expect(abs((floored["rw"] as! Double) * 100 - 1.06 * 14.44) <= 0.02)
        let defaulted = try Self.json(
            StrataBinary.run(["irb", "--pd", "1", "--lgd", "0.45", "--el-best-estimate", "0.35", "--json"]))
        #expect(abs((defaulted["k"] as! Double) - 0.10) < 1e-15)
        let text = try StrataBinary.run(["irb", "--pd", "0.01", "--lgd", "0.45"])
        #expect(text.status == 0 && text.stdout.contains("risk weight") && text.stdout.contains("92.32%"))
    }

    @Test func irbRejectsBadValues() throws {
        for arguments in [
            ["--pd", "1.5", "--lgd", "0.45"], ["--pd=-0.1", "--lgd", "0.45"], ["--pd", "0.01", "--lgd", "2"],
            ["--pd", "0.01", "--lgd", "0.4", "--class", "bank"], ["--pd", "0.01", "--lgd", "0.4", "--sales", "10"],
        ] {
            let result = try StrataBinary.run(["irb"] + arguments)
            #expect(result.status == 1, "\(arguments)")
            #expect(result.stderr.hasPrefix("error: --"), "\(arguments): \(result.stderr)")
            #expect(!result.stderr.contains("Fatal error"))
        }
        let result = try StrataBinary.run(["irb", "--pd", "1.5", "--lgd", "0.45"])
        #expect(result.stderr == "error: --pd: must be between 0 and 1 (found 1.5)\n")
    }

    /// Groups, subtotals and the total in the JSON add up exactly (money compared in cents).
    @Test func riskJSONSubtotalsAddUp() throws {
        let keys = ["product", "region", "classification"]
        let object = try Self.json(
            StrataBinary.run(["risk", Self.tapeA, "--by", keys.joined(separator: ","), "--json"]))
        #expect(object["by"] as! [String] == keys)
        #expect(object["loans"] as! Int == 400)
        let rows = object["groups"] as! [[String: Any]]
        let money = ["balance", "ead", "el", "rwa", "capital", "npl_balance", "provisions", "provision_shortfall"]
        let counts = ["loans", "npl_loans", "below_floor_loans", "defaulted_loans"]
        func cents(_ row: [String: Any], _ key: String) -> Int64 {
            Int64(((row[key] as! Double) * 100).rounded())
        }
        let groups = rows.filter { $0["level"] as! String == "group" }
        #expect(!groups.isEmpty)
        for row in rows where row["level"] as! String != "group" {
            let fixed = keys.filter { row[$0] as! String != "(all)" }
            let members = groups.filter { group in fixed.allSatisfy { group[$0] as! String == row[$0] as! String } }
            for key in money {
                #expect(members.reduce(0) { $0 + cents($1, key) } == cents(row, key), "\(key) of \(row)")
            }
            for key in counts {
                #expect(members.reduce(0) { $0 + ($1[key] as! Int) } == row[key] as! Int, "\(key) of \(row)")
            }
        }
        let summary = object["summary"] as! [String: Any]
        let total = rows.last!
        #expect(total["level"] as! String == "total")
        for key in money { #expect(cents(summary, key) == cents(total, key)) }
        let classes = object["classification"] as! [[String: Any]]
        #expect(
            classes.map { $0["class"] as! String } == ["normal", "special_mention", "substandard", "doubtful", "loss"])
        #expect(classes.reduce(0) { $0 + cents($1, "provisions") } == cents(summary, "provisions"))
        let concentration = object["concentration"] as! [[String: Any]]
        #expect(concentration.map { $0["dimension"] as! String } == ["customer_id", "industry", "region"])
    }

    @Test func riskWritesCSVJSONAndMarkdown() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        for name in ["risk.csv", "risk.json", "risk.md"] {
            let result = try StrataBinary.run([
                "risk", Self.tapeA, "--by", "product,region", "--out", directory.file(name), "--vintage",
                "--loans-out", directory.file("loans.csv"), "--flagged-out", directory.file("flagged.csv"),
            ])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("Five-category classification"))
        }
        let csv = try String(contentsOfFile: directory.file("risk.csv"), encoding: .utf8)
        let lines = csv.split(separator: "\n")
        #expect(lines[0].hasPrefix("product,region,level,loans,balance,ead,el,el_rate,pd,lgd,rwa"))
        #expect(lines.last!.hasPrefix("(all),(all),total,400,"))
        let json =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory.file("risk.json"))))
            as! [String: Any]
        #expect(json["vintage"] != nil)
        let markdown = try String(contentsOfFile: directory.file("risk.md"), encoding: .utf8)
        #expect(markdown.hasPrefix("# Portfolio risk") && markdown.contains("| product"))
        let loans = try String(contentsOfFile: directory.file("loans.csv"), encoding: .utf8).split(separator: "\n")
        #expect(loans.count == 401 && loans[0].hasPrefix("loan_id,ead,lgd_used,pd_used,el,irb_k,rwa"))
        let flagged = try String(contentsOfFile: directory.file("flagged.csv"), encoding: .utf8).split(separator: "\n")
        #expect(flagged.count == 17)  // 16 loans classified better than their floor
    }

    @Test func riskRejectsBadInput() throws {
        let unknown = try StrataBinary.run(["risk", Self.tapeA, "--by", "product,sector"])
        #expect(unknown.status == 1)
        #expect(
            unknown.stderr.hasPrefix("error: --by: no column 'sector' (category columns: product, region, industry"))
        let numeric = try StrataBinary.run(["risk", Self.tapeA, "--by", "balance"])
        #expect(numeric.status == 1)
        #expect(numeric.stderr.hasPrefix("error: --by: column 'balance' is float64, not a category"))
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let config = try directory.write("risk.yaml", "preset: basel2\nprovisions:\n  loss: 1\n  doubtfull: 0.5\n")
        let wrongKey = try StrataBinary.run(["risk", Self.tapeA, "--config", config])
        #expect(wrongKey.status == 1)
        #expect(wrongKey.stderr.hasPrefix("error: \(config):4: key provisions.doubtfull: unknown key"))
        let negative = try directory.write("negative.yaml", "ccf:\n  credit_card: -0.4\n")
        let negativeRate = try StrataBinary.run(["risk", Self.tapeA, "--config", negative])
        #expect(negativeRate.stderr == "error: \(negative):2: key ccf.credit_card: must not be negative (found -0.4)\n")
        let badOut = try StrataBinary.run(["risk", Self.tapeA, "--out", directory.file("risk.xlsx")])
        #expect(badOut.status == 1 && badOut.stderr.hasPrefix("error: --out:"))
        // A pd column with a value above 1.
        let text = try String(contentsOfFile: Self.tapeA, encoding: .utf8)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let pdIndex = lines[0].split(separator: ",").firstIndex(of: "pd")!
        var fields = lines[3].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        fields[pdIndex] = "1.7"
        lines[3] = fields.joined(separator: ",")
        let badPD = try directory.write("bad_pd.csv", lines.joined(separator: "\n"))
        let outside = try StrataBinary.run(["risk", badPD])
        #expect(outside.status == 1)
        #expect(outside.stderr == "error: column 'pd': row 3: 1.7 is outside [0, 1]\n")
    }

    @Test func migrateMatchesFixture() throws {
        let object = try Self.json(
            StrataBinary.run(["migrate", "--from", Self.tapeA, "--to", Self.tapeB, "--by", "classification", "--json"]))
        let expected =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: Self.fixture("migration_expected.json"))))
            as! [String: [String: Any]]
        let transitions = object["transitions"] as! [String: Any]
        #expect(transitions["counts"] as! [[Int]] == expected["classification"]!["counts"] as! [[Int]])
        #expect(object["matched"] as! Int == 360 && object["new"] as! Int == 40 && object["closed"] as! Int == 40)
        let text = try StrataBinary.run(["migrate", "--from", Self.tapeA, "--to", Self.tapeB, "--by", "grade"])
        #expect(text.status == 0 && text.stdout.contains("(new)") && text.stdout.contains("(closed)"))
        #expect(text.stdout.contains("roll forward"))
    }

    @Test func migrateRejectsIncomparableSnapshots() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        // Tape B without its score column: a different schema.
        let text = try String(contentsOfFile: Self.tapeB, encoding: .utf8)
        let rows = text.split(separator: "\n").map { line in
            line.split(separator: ",", omittingEmptySubsequences: false).dropLast().joined(separator: ",")
        }
        let narrow = try directory.write("narrow.csv", rows.joined(separator: "\n") + "\n")
        let schema = try StrataBinary.run(["migrate", "--from", Self.tapeA, "--to", narrow])
        #expect(schema.status == 1)
        #expect(schema.stderr == "error: cannot compare snapshots: different schemas (only in the earlier: score)\n")
        // Tape A with every loan id changed: no common loans.
        let renamed = try directory.write(
            "renamed.csv",
            try String(contentsOfFile: Self.tapeA, encoding: .utf8).replacingOccurrences(of: "\nL", with: "\nX"))
        let disjoint = try StrataBinary.run(["watch", "--from", Self.tapeA, "--to", renamed])
        #expect(disjoint.status == 1)
        #expect(disjoint.stderr == "error: cannot compare snapshots: no loan_id is in both snapshots\n")
    }

    @Test func watchListsReasons() throws {
        let object = try Self.json(
            StrataBinary.run(["watch", "--from", Self.tapeA, "--to", Self.tapeB, "--json", "--limit", "5"]))
        let flagged = object["flagged"] as! Int
        let loans = object["loans"] as! [[String: Any]]
        #expect(flagged > 5 && loans.count == 5)
        #expect(loans.allSatisfy { !($0["reasons"] as! [String]).isEmpty })
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let text = try StrataBinary.run([
            "watch", "--from", Self.tapeA, "--to", Self.tapeB, "--out", directory.file("watch.csv"),
        ])
        #expect(text.status == 0 && text.stdout.hasPrefix("Early-warning list: "))
        let csv = try String(contentsOfFile: directory.file("watch.csv"), encoding: .utf8).split(separator: "\n")
        #expect(csv.count == flagged + 1)
    }

    @Test func vintageOverTwoSnapshots() throws {
        let object = try Self.json(StrataBinary.run(["vintage", Self.tapeA, Self.tapeB, "--bucket", "6", "--json"]))
        #expect(object["bucket_months"] as! Int == 6)
        let cells = object["cells"] as! [[String: Any]]
        #expect(cells.reduce(0) { $0 + ($1["loans"] as! Int) } == 800)
    }
}
