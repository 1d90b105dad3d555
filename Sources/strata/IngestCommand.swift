import ArgumentParser
import Foundation
import StrataFrame
import StrataReports

/// `strata ingest`: validates a loan tape and stores it as a snapshot.
struct IngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Validate a loan tape (CSV) and write it as a .strata snapshot.",
        discussion: """
            Every rule of LOAN_TAPE.md is checked on every row. Without --rejects the first bad row stops \
            the run (error: FILE:LINE: column COL: reason). With --rejects, bad rows go unchanged to that \
            file (and their line, byte offset, column and reason to FILE.errors.csv); the run fails when \
            the rejected share exceeds --max-reject-rate.
            """
    )

    @Argument(help: "The loan tape (.csv) or a snapshot (.strata) to copy.")
    var input: String

    @Option(help: "Output snapshot (.strata).")
    var out: String

    @Option(help: "Write rejected rows here instead of stopping at the first bad row.")
    var rejects: String?

    @Option(name: .customLong("max-reject-rate"), help: "Largest accepted share of rejected rows (0 to 1).")
    var maxRejectRate: Double = 0

    @Option(help: "Read extra columns by scanning (loan-tape) or type every column by scanning (inferred).")
    var schema: SchemaChoice = .loanTape

    @Flag(help: "Print one JSON object on stdout.")
    var json = false

    func validate() throws {
        guard (0...1).contains(maxRejectRate) else {
            throw ValidationError("--max-reject-rate must be between 0 and 1, got \(maxRejectRate)")
        }
        guard out.hasSuffix("." + Snapshot.fileExtension) else {
            throw ValidationError("--out must name a .\(Snapshot.fileExtension) file, got '\(out)'")
        }
        if rejects == nil && maxRejectRate > 0 {
            throw ValidationError("--max-reject-rate needs --rejects FILE to keep the rejected rows")
        }
    }

    func run() throws {
        let start = Date()
        let read: Int
        let accepted: Int
        let rejected: Int
        let table: Table
        if InputTable.isSnapshot(input) {
            table = try Snapshot.load(path: input)
            (read, accepted, rejected) = (table.rowCount, table.rowCount, 0)
        } else {
            var options = IngestOptions()
            options.schema = schema.value
            options.rejectsPath = rejects
            options.maxRejectRate = maxRejectRate
            let result = try CSVIngest.ingest(path: input, options: options)
            table = result.table
            (read, accepted, rejected) = (result.read, result.accepted, result.rejected)
        }
        let parsed = Date()
        try Snapshot.write(table, to: out, metadata: ["source": input, "strata_version": StrataVersion.current])
        let seconds = Date().timeIntervalSince(start)
        let parseSeconds = parsed.timeIntervalSince(start)
        if json {
            let value: JSONValue = [
                "input": .string(input), "out": .string(out), "read": .int(read), "accepted": .int(accepted),
                "rejected": .int(rejected), "rejects": rejects.map(JSONValue.string) ?? .null,
                "columns": .int(table.columns.count), "parse_seconds": .double(parseSeconds),
                "write_seconds": .double(seconds - parseSeconds), "seconds": .double(seconds),
            ]
            print(value.compactText)
        } else {
            print("read = accepted + rejected: \(read) = \(accepted) + \(rejected)")
            if rejected > 0, let rejects { print("rejected rows: \(rejects) (reasons: \(rejects).errors.csv)") }
            print(
                "wrote \(out): \(table.rowCount) rows, \(table.columns.count) columns (\(Units.seconds(seconds)): "
                    + "read \(Units.seconds(parseSeconds)), \(Units.rate(read, parseSeconds)) rows/s; "
                    + "write \(Units.seconds(seconds - parseSeconds)))")
        }
    }
}

/// How a CSV's columns get their types.
enum SchemaChoice: String, ExpressibleByArgument, CaseIterable {
    case loanTape = "loan-tape"
    case inferred

    var value: IngestOptions.Schema {
        switch self {
        case .loanTape: return .loanTape
        case .inferred: return .inferred
        }
    }
}
