import Foundation
import StrataTestSupport
import Testing

/// End-to-end tests of `strata generate`, `strata ingest` and `strata inspect` through the built
/// binary: outputs, JSON shapes, and the one-line errors and exit codes bad input gets.
@Suite struct FoundationCLITests {
    static func json(_ text: String) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
        return try #require(object as? [String: Any])
    }

    /// The only line on stderr, which must start with `error: `.
    static func errorLine(_ result: StrataBinary.Result) -> String {
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "expected one error line, got: \(result.stderr)")
        #expect(result.stderr.hasPrefix("error: "))
        return lines.first.map(String.init) ?? ""
    }

    @Test func generateIsByteIdenticalForSameArgumentsAndAnyThreadCount() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let args = ["generate", "--loans", "70000", "--seed", "9", "--as-of", "2026-03-31"]
        #expect(try StrataBinary.run(args + ["--out", dir.file("a.csv")]).status == 0)
        #expect(
            try StrataBinary.run(args + ["--out", dir.file("b.csv")], environment: ["STRATA_THREADS": "1"]).status == 0)
        let c = try StrataBinary.run(args + ["--seed", "10", "--out", dir.file("c.csv")])
        #expect(c.status == 0)
        let a = try Data(contentsOf: URL(fileURLWithPath: dir.file("a.csv")))
        let b = try Data(contentsOf: URL(fileURLWithPath: dir.file("b.csv")))
        let other = try Data(contentsOf: URL(fileURLWithPath: dir.file("c.csv")))
        #expect(a == b)
        #expect(a != other)
        #expect(a.count > 70000 * 100)
    }

    @Test func ingestAndInspectPrintJSON() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let tape = dir.file("tape.csv")
        #expect(try StrataBinary.run(["generate", "--loans", "5000", "--out", tape]).status == 0)
        let ingest = try StrataBinary.run(["ingest", tape, "--out", dir.file("book.strata"), "--json"])
        #expect(ingest.status == 0)
        let summary = try Self.json(ingest.stdout)
        #expect(summary["read"] as? Int == 5000)
        #expect(summary["accepted"] as? Int == 5000)
        #expect(summary["rejected"] as? Int == 0)
        #expect(summary["seconds"] is Double)
        for input in [tape, dir.file("book.strata")] {
            let inspect = try StrataBinary.run(["inspect", input, "--json"])
            #expect(inspect.status == 0)
            let object = try Self.json(inspect.stdout)
            #expect(object["rows"] as? Int == 5000)
            let columns = try #require(object["columns"] as? [[String: Any]])
            #expect(columns.count == 25)
            #expect(columns.first?["name"] as? String == "loan_id")
            #expect(columns.first?["type"] as? String == "string")
            #expect(columns.allSatisfy { $0["missing"] as? Int == 0 })
        }
        let text = try StrataBinary.run(["inspect", dir.file("book.strata")])
        #expect(text.status == 0)
        #expect(text.stdout.hasPrefix("\(dir.file("book.strata")): 5000 rows, 25 columns"))
        #expect(text.stdout.contains("classification"))
    }

    @Test func firstBadRowStopsTheRunWithLineColumnAndReason() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let tape = dir.file("tape.csv")
        #expect(try StrataBinary.run(["generate", "--loans", "50", "--out", tape]).status == 0)
        var lines = try String(contentsOfFile: tape, encoding: .utf8).split(separator: "\n").map(String.init)
        let header = lines[0].split(separator: ",").map(String.init)
        let balance = try #require(header.firstIndex(of: "balance"))
        var fields = lines[7].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        fields[balance] = "abc"
        lines[7] = fields.joined(separator: ",")
        try dir.write("bad.csv", lines.joined(separator: "\n") + "\n")
        let result = try StrataBinary.run(["ingest", dir.file("bad.csv"), "--out", dir.file("bad.strata")])
        #expect(result.status == 1)
        let line = Self.errorLine(result)
        #expect(line.hasPrefix("error: \(dir.file("bad.csv")):8: column balance: "))
        #expect(line.contains("abc"))
        #expect(!FileManager.default.fileExists(atPath: dir.file("bad.strata")))
    }

    @Test func rejectsAreKeptAndRecoverableAfterFixing() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let tape = dir.file("tape.csv")
        #expect(try StrataBinary.run(["generate", "--loans", "200", "--out", tape]).status == 0)
        var lines = try String(contentsOfFile: tape, encoding: .utf8).split(separator: "\n").map(String.init)
        let original = lines
        for row in [3, 50, 120] { lines[row] = lines[row].replacingOccurrences(of: ",normal,", with: ",fine,") }
        lines[60] = lines[60].replacingOccurrences(of: ",2026-06-30,", with: ",2026-02-30,")
        try dir.write("bad.csv", lines.joined(separator: "\n") + "\n")
        let changed = zip(lines, original).filter { $0 != $1 }.count
        #expect(changed >= 2)

        // Over the allowed rate: non-zero exit, rejects still written, no snapshot.
        let strict = try StrataBinary.run([
            "ingest", dir.file("bad.csv"), "--out", dir.file("book.strata"), "--rejects", dir.file("rejects.csv"),
        ])
        #expect(strict.status == 1)
        _ = Self.errorLine(strict)
        #expect(!FileManager.default.fileExists(atPath: dir.file("book.strata")))

        // Within the allowed rate: read = accepted + rejected is printed.
        let lenient = try StrataBinary.run([
            "ingest", dir.file("bad.csv"), "--out", dir.file("book.strata"), "--rejects", dir.file("rejects.csv"),
            "--max-reject-rate", "0.05", "--json",
        ])
        #expect(lenient.status == 0)
        let summary = try Self.json(lenient.stdout)
        let rejected = try #require(summary["rejected"] as? Int)
        #expect(summary["read"] as? Int == 200)
        #expect((summary["accepted"] as? Int ?? 0) + rejected == 200)
        #expect(rejected == changed)
        let errors = try String(contentsOfFile: dir.file("rejects.csv.errors.csv"), encoding: .utf8)
        #expect(errors.hasPrefix("line,byte_offset,column,error_class,reason\n"))
        #expect(errors.contains(",classification,bad_category,"))

        // Fix the rejects file and ingest it: every rejected row comes back.
        let fixed = try String(contentsOfFile: dir.file("rejects.csv"), encoding: .utf8)
            .replacingOccurrences(of: ",fine,", with: ",normal,").replacingOccurrences(
                of: ",2026-02-30,", with: ",2026-06-30,")
        try dir.write("fixed.csv", fixed)
        let again = try StrataBinary.run(["ingest", dir.file("fixed.csv"), "--out", dir.file("fixed.strata"), "--json"])
        #expect(again.status == 0)
        #expect(try Self.json(again.stdout)["accepted"] as? Int == rejected)
    }

    @Test(arguments: [
        ("empty.csv", "", "empty"),
        ("header.csv", "loan_id,customer_id\n", "no data rows"),
    ])
    func wholeFileProblemsGetOneClearError(name: String, content: String, expected: String) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write(name, content)
        let result = try StrataBinary.run(["ingest", dir.file(name), "--out", dir.file("x.strata")])
        #expect(result.status == 1)
        #expect(Self.errorLine(result).contains(dir.file(name)))
    }

    @Test func missingAndDuplicateColumnsAreNamed() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let tape = dir.file("tape.csv")
        #expect(try StrataBinary.run(["generate", "--loans", "10", "--out", tape]).status == 0)
        let text = try String(contentsOfFile: tape, encoding: .utf8)
        try dir.write("missing.csv", text.replacingOccurrences(of: "days_past_due", with: "dpd"))
        let missing = try StrataBinary.run(["ingest", dir.file("missing.csv"), "--out", dir.file("x.strata")])
        #expect(missing.status == 1)
        #expect(Self.errorLine(missing).contains("days_past_due"))
        try dir.write("duplicate.csv", text.replacingOccurrences(of: "inquiries_6m", with: "age"))
        let duplicate = try StrataBinary.run(["ingest", dir.file("duplicate.csv"), "--out", dir.file("x.strata")])
        #expect(duplicate.status == 1)
        #expect(Self.errorLine(duplicate).contains("age"))
    }

    @Test func corruptedSnapshotAndMissingFileGiveOneErrorLine() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let tape = dir.file("tape.csv")
        #expect(try StrataBinary.run(["generate", "--loans", "1000", "--out", tape]).status == 0)
        #expect(try StrataBinary.run(["ingest", tape, "--out", dir.file("book.strata")]).status == 0)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: dir.file("book.strata")))
        bytes[bytes.count - 100] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: dir.file("flipped.strata")))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: dir.file("short.strata")))
        for name in ["flipped.strata", "short.strata", "absent.strata"] {
            let result = try StrataBinary.run(["inspect", dir.file(name)])
            #expect(result.status == 1)
            #expect(Self.errorLine(result).contains(name))
            #expect(result.stdout.isEmpty)
        }
    }

    @Test func badOptionsAreUsageErrors() throws {
        let result = try StrataBinary.run(["ingest", "x.csv", "--out", "x.strata", "--max-reject-rate", "2"])
        #expect(result.status != 0 && result.status != 1)
        #expect(result.stderr.contains("--max-reject-rate"))
        let generate = try StrataBinary.run(["generate", "--loans", "0", "--out", "x.csv"])
        #expect(generate.status != 0)
        #expect(generate.stderr.contains("--loans"))
    }
}
