import ArgumentParser
import Foundation
import StrataFrame
import StrataReports

/// `strata inspect`: rows, schema and a per-column summary.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show a tape's or snapshot's rows, schema and per-column summary."
    )

    @Argument(help: "A loan tape (.csv) or snapshot (.strata).")
    var input: String

    @Option(help: "How a CSV is typed: loan-tape or inferred.")
    var schema: SchemaChoice = .loanTape

    @Flag(help: "Print one JSON object on stdout.")
    var json = false

    func run() throws {
        let start = Date()
        let table = try InputTable.load(input, schema: schema.value)
        let summaries = table.summaries()
        let seconds = Date().timeIntervalSince(start)
        if json {
            let columns = summaries.map { s -> JSONValue in
                var object: JSONObject = [
                    "name": .string(s.name), "type": .string(s.type.rawValue), "missing": .int(s.missing),
                ]
                if s.type == .date {
                    object["min"] = s.min.map { .string(CivilDate(daysSinceEpoch: Int32($0)).description) } ?? .null
                    object["max"] = s.max.map { .string(CivilDate(daysSinceEpoch: Int32($0)).description) } ?? .null
                } else {
                    object["min"] = JSONValue(s.min)
                    object["max"] = JSONValue(s.max)
                }
                object["mean"] = s.type == .date ? .null : JSONValue(s.mean)
                object["distinct"] = JSONValue(s.distinct)
                if !s.topValues.isEmpty {
                    object["top"] = .array(s.topValues.map { ["value": .string($0.value), "count": .int($0.count)] })
                }
                return .object(object)
            }
            let value: JSONValue = [
                "input": .string(input), "rows": .int(table.rowCount), "columns": .array(columns),
                "seconds": .double(seconds),
            ]
            print(value.compactText)
            return
        }
        print("\(input): \(table.rowCount) rows, \(table.columns.count) columns")
        let rows = summaries.map { s -> [String] in
            [
                s.name, s.type.rawValue, String(s.missing), display(s.min, s.type) ?? "", display(s.max, s.type) ?? "",
                s.type == .date ? "" : s.mean.map { NumberText.fixed($0, decimals: 4) } ?? "",
                s.distinct.map(String.init) ?? "",
                s.topValues.prefix(3).map { "\($0.value) (\($0.count))" }.joined(separator: ", "),
            ]
        }
        let alignments: [ColumnAlignment] = [.left, .left, .right, .right, .right, .right, .right, .left]
        print(
            TextTableWriter().render(
                header: ["column", "type", "missing", "min", "max", "mean", "distinct", "top values"], rows: rows,
                alignments: alignments), terminator: "")
    }

    private func display(_ value: Double?, _ type: ColumnType) -> String? {
        guard let value else { return nil }
        switch type {
        case .date: return CivilDate(daysSinceEpoch: Int32(value)).description
        case .int64: return String(Int64(value))
        default: return FloatText.shortest(value)
        }
    }
}
