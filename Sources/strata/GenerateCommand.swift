import ArgumentParser
import Foundation
import StrataFrame
import StrataReports

/// `strata generate`: writes a realistic synthetic loan tape.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write a synthetic loan tape (CSV, LOAN_TAPE.md columns) with default labels.",
        discussion: "The same arguments always give a byte-identical file, whatever the thread count."
    )

    @Option(help: "Number of loans.")
    var loans: Int = 1_000_000

    @Option(help: "Random seed.")
    var seed: UInt64 = 42

    @Option(name: .customLong("as-of"), help: "Snapshot date of the tape, YYYY-MM-DD.")
    var asOf: String = "2026-06-30"

    @Option(help: "Output CSV file.")
    var out: String

    @Flag(help: "Print one JSON object on stdout.")
    var json = false

    func validate() throws {
        guard loans > 0 else { throw ValidationError("--loans must be a positive number of loans, got \(loans)") }
        guard CivilDate(asOf) != nil else { throw ValidationError("--as-of must be a date YYYY-MM-DD, got '\(asOf)'") }
        guard !out.isEmpty else { throw ValidationError("--out must name a file") }
    }

    func run() throws {
        let start = Date()
        let generator = LoanTapeGenerator(loans: loans, seed: seed, asOf: CivilDate(asOf)!)
        try generator.write(to: out)
        let seconds = Date().timeIntervalSince(start)
        let bytes = (try? FileManager.default.attributesOfItem(atPath: out)[.size] as? Int) ?? 0
        if json {
            let value: JSONValue = [
                "path": .string(out), "loans": .int(loans), "seed": .int(Int(seed)), "as_of": .string(asOf),
                "bytes": .int(bytes), "seconds": .double(seconds),
            ]
            print(value.compactText)
        } else {
            print("wrote \(loans) loans to \(out) (\(Units.bytes(bytes)), \(Units.seconds(seconds)))")
        }
    }
}
