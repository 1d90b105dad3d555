import Foundation
import StrataFrame
import StrataKernels

/// Two snapshots of the same book joined on `loan_id`: which loans continue, which are new in
/// the later one and which closed.
public struct SnapshotJoin: Sendable {
    /// The earlier snapshot.
    public let from: Table
    /// The later snapshot.
    public let to: Table
    /// For every row of `to`, the row of the same loan in `from`, or -1 for a new loan.
    public let fromRowOfTo: [Int32]
    /// For every row of `from`, true when the loan is still in `to`.
    public let continues: [Bool]
    /// Loans in both snapshots.
    public let matched: Int

    /// Joins `from` and `to` on `idColumn`.
    ///
    /// - Throws: ``RiskError/comparison(reason:)`` when the schemas differ (column names or
    ///   types), when a snapshot repeats a loan id, or when no loan is in both;
    ///   ``RiskError/input(column:reason:)`` when the id column is missing or not text.
    public init(from: Table, to: Table, idColumn: String = "loan_id") throws(RiskError) {
        try Self.checkSchemas(from, to)
        let fromIDs = try Self.identifiers(from, idColumn)
        let toIDs = try Self.identifiers(to, idColumn)
        let index = StringIndex(fromIDs)
        if index.count != from.rowCount {
            throw .comparison(reason: "the earlier snapshot repeats a \(idColumn) (\(Self.firstRepeat(index)))")
        }
        let toIndex = StringIndex(toIDs)
        if toIndex.count != to.rowCount {
            throw .comparison(reason: "the later snapshot repeats a \(idColumn) (\(Self.firstRepeat(toIndex)))")
        }
        let rows = index.lookup(toIDs).map { $0 < 0 ? -1 : Int32(index.firstRows[Int($0)]) }
        var continues = [Bool](repeating: false, count: from.rowCount)
        var matched = 0
        for row in rows where row >= 0 {
            continues[Int(row)] = true
            matched += 1
        }
        if matched == 0 {
            throw .comparison(reason: "no \(idColumn) is in both snapshots")
        }
        self.from = from
        self.to = to
        self.fromRowOfTo = rows
        self.continues = continues
        self.matched = matched
    }

    static func firstRepeat(_ index: StringIndex) -> String {
        var seen = [Bool](repeating: false, count: index.count)
        for (row, id) in index.ids.array.enumerated() {
            if seen[Int(id)] { return "'\(index.text(Int(id)))' at row \(row + 1)" }
            seen[Int(id)] = true
        }
        return "?"
    }

    static func identifiers(_ table: Table, _ name: String) throws(RiskError) -> StringValues {
        let column = try RiskInputs.column(table, name)
        guard case .string(let values) = column.values else {
            throw .input(column: name, reason: "is \(column.type), expected text identifiers")
        }
        if column.nullCount > 0 { throw .input(column: name, reason: "\(column.nullCount) rows have no id") }
        return values
    }

    /// Throws unless both tables have the same column names with the same types (order free).
    static func checkSchemas(_ a: Table, _ b: Table) throws(RiskError) {
        let left = Dictionary(uniqueKeysWithValues: a.schema.map { ($0.name, $0.type) })
        let right = Dictionary(uniqueKeysWithValues: b.schema.map { ($0.name, $0.type) })
        var problems = [String]()
        let onlyLeft = left.keys.filter { right[$0] == nil }.sorted()
        let onlyRight = right.keys.filter { left[$0] == nil }.sorted()
        if !onlyLeft.isEmpty { problems.append("only in the earlier: \(onlyLeft.joined(separator: ", "))") }
        if !onlyRight.isEmpty { problems.append("only in the later: \(onlyRight.joined(separator: ", "))") }
        for (name, type) in left.sorted(by: { $0.key < $1.key }) {
            if let other = right[name], other != type { problems.append("\(name) is \(type) then \(other)") }
        }
        if !problems.isEmpty { throw .comparison(reason: "different schemas (\(problems.joined(separator: "; ")))") }
    }
}

/// A transition matrix between two snapshots: counts and balances from each state to each state,
/// with new loans as an extra row and closed loans as an extra column.
public struct TransitionMatrix: Sendable, Equatable {
    /// The label of the row of loans only in the later snapshot.
    public static let newLabel = "(new)"
    /// The label of the column of loans only in the earlier snapshot.
    public static let closedLabel = "(closed)"

    /// The states, in order (rows and columns).
    public let states: [String]
    /// `counts[i][j]`: loans from state i to state j; row `states.count` holds new loans, column
    /// `states.count` closed loans.
    public let counts: [[Int64]]
    /// Balances in cents, same layout: the earlier balance for continuing and closed loans, the
    /// later balance for new loans.
    public let balances: [[Int64]]

    /// Row-normalised probabilities `counts[i][j] / Σ_j counts[i][j]` for the state rows and the
    /// new row (nil for an empty row). The closed column is part of each row.
    public var probabilities: [[Double?]] {
        counts.map { row in
            let total = row.reduce(0, +)
            return row.map { total == 0 ? nil : Double($0) / Double(total) }
        }
    }
}

/// The migration between two snapshots: state transitions and days-past-due roll rates.
public struct Migration: Sendable, Equatable {
    /// The column the states come from.
    public let column: String
    /// Transitions between the states of `column`.
    public let states: TransitionMatrix
    /// Transitions between days-past-due buckets.
    public let dpdBuckets: TransitionMatrix
    /// Loans in both snapshots.
    public let matched: Int
    /// Loans only in the later snapshot.
    public let newLoans: Int
    /// Loans only in the earlier snapshot.
    public let closedLoans: Int

    /// Per DPD bucket of continuing loans: the share that moved to a worse bucket (roll forward).
    public var rollForwardRates: [Double?] { shares(better: false) }
    /// Per DPD bucket of continuing loans: the share that moved to a better bucket (cure).
    public var cureRates: [Double?] { shares(better: true) }

    private func shares(better: Bool) -> [Double?] {
        let n = dpdBuckets.states.count
        return (0..<n).map { i in
            let row = dpdBuckets.counts[i]
            let continuing = row[0..<n].reduce(0, +)
            guard continuing > 0 else { return nil }
            let moved = better ? row[0..<i].reduce(0, +) : row[(i + 1)..<n].reduce(0, +)
            return Double(moved) / Double(continuing)
        }
    }
}

extension RiskEngine {
    /// The migration of the category column `column` (classification, grade, segment …) and of
    /// days-past-due buckets from snapshot `from` to snapshot `to`, joined on `loan_id`.
    ///
    /// States are the values of `column` present in either snapshot: classification labels in
    /// severity order, other values in natural order (numbers by value). A missing value is the
    /// state ``GroupBy/missingLabel``.
    ///
    /// - Throws: ``RiskError/comparison(reason:)`` (see ``SnapshotJoin``);
    ///   ``RiskError/option(name:reason:)`` (name `by`) when `column` is missing or not a
    ///   category; ``RiskError/input(column:reason:)`` for a bad balance or days-past-due column.
    public func migration(from: Table, to: Table, by column: String) throws(RiskError) -> Migration {
        let join = try SnapshotJoin(from: from, to: to)
        try Self.checkKeys([column], in: from)
        let fromStates = try RiskInputs.category(from, column, allowMissing: true)
        let toStates = try RiskInputs.category(to, column, allowMissing: true)
        let fromValid = try RiskInputs.column(from, column).validity
        let toValid = try RiskInputs.column(to, column).validity
        var labels = Set(fromStates.dictionary).union(toStates.dictionary)
        if fromValid != nil || toValid != nil { labels.insert(GroupBy.missingLabel) }
        let states = Self.orderStates(Array(labels))
        let position = Dictionary(uniqueKeysWithValues: states.enumerated().map { ($1, $0) })
        let fromCode = fromStates.dictionary.map { position[$0]! }
        let toCode = toStates.dictionary.map { position[$0]! }
        let missing = position[GroupBy.missingLabel] ?? 0
        func stateOfFrom(_ row: Int) -> Int {
            fromValid?.isValid(row) ?? true ? fromCode[Int(fromStates.codes[row])] : missing
        }
        func stateOfTo(_ row: Int) -> Int {
            toValid?.isValid(row) ?? true ? toCode[Int(toStates.codes[row])] : missing
        }
        let fromBalance = try RiskInputs.numeric(from, "balance")
        let toBalance = try RiskInputs.numeric(to, "balance")
        let fromDPD = try RiskInputs.integer(from, "days_past_due")
        let toDPD = try RiskInputs.integer(to, "days_past_due")

        let n = states.count
        let b = config.dpdBuckets.count
        var stateCounts = [[Int64]](repeating: [Int64](repeating: 0, count: n + 1), count: n + 1)
        var stateBalances = stateCounts
        var bucketCounts = [[Int64]](repeating: [Int64](repeating: 0, count: b + 1), count: b + 1)
        var bucketBalances = bucketCounts
        for row in 0..<to.rowCount {
            let source = Int(join.fromRowOfTo[row])
            let target = stateOfTo(row)
            let targetBucket = config.dpdBucket(toDPD[row])
            if source < 0 {
                let cents = Cents.of(toBalance[row])
                stateCounts[n][target] += 1
                stateBalances[n][target] += cents
                bucketCounts[b][targetBucket] += 1
                bucketBalances[b][targetBucket] += cents
            } else {
                let cents = Cents.of(fromBalance[source])
                let origin = stateOfFrom(source)
                let originBucket = config.dpdBucket(fromDPD[source])
                stateCounts[origin][target] += 1
                stateBalances[origin][target] += cents
                bucketCounts[originBucket][targetBucket] += 1
                bucketBalances[originBucket][targetBucket] += cents
            }
        }
        var closed = 0
        for row in 0..<from.rowCount where !join.continues[row] {
            let cents = Cents.of(fromBalance[row])
            stateCounts[stateOfFrom(row)][n] += 1
            stateBalances[stateOfFrom(row)][n] += cents
            let bucket = config.dpdBucket(fromDPD[row])
            bucketCounts[bucket][b] += 1
            bucketBalances[bucket][b] += cents
            closed += 1
        }
        let bucketLabels = (0..<b).map { config.dpdBucketLabel($0) }
        return Migration(
            column: column,
            states: TransitionMatrix(states: states, counts: stateCounts, balances: stateBalances),
            dpdBuckets: TransitionMatrix(states: bucketLabels, counts: bucketCounts, balances: bucketBalances),
            matched: join.matched, newLoans: to.rowCount - join.matched, closedLoans: closed)
    }

    /// Classification labels by severity; anything else in natural order, the missing label last.
    static func orderStates(_ labels: [String]) -> [String] {
        labels.sorted { a, b in
            if a == GroupBy.missingLabel || b == GroupBy.missingLabel { return b == GroupBy.missingLabel && a != b }
            let left = LoanClass(label: a)
            let right = LoanClass(label: b)
            switch (left, right) {
            case (let l?, let r?): return l < r
            case (.some, nil): return true
            case (nil, .some): return false
            case (nil, nil): return a.compare(b, options: [.numeric]) == .orderedAscending
            }
        }
    }
}
