import StrataFrame
import StrataKernels

/// One loan on the early-warning list, with every reason it was flagged.
public struct WatchItem: Sendable, Equatable {
    /// Why a loan is on the list.
    public enum Reason: Sendable, Equatable {
        /// Its days-past-due floor class worsened (it crossed a classification floor).
        case crossedFloor(from: LoanClass, to: LoanClass, fromDays: Int64, toDays: Int64)
        /// Its days past due rose.
        case daysPastDueRose(from: Int64, to: Int64)
        /// Its utilisation jumped.
        case utilizationJumped(from: Double, to: Double)
        /// Its score fell.
        case scoreFell(from: Double, to: Double)

        /// The reason as a sentence fragment a loan officer reads.
        public var text: String {
            switch self {
            case .crossedFloor(let from, let to, let fromDays, let toDays):
                return
                    "crossed the \(to.label) floor (floor \(from.label) at \(fromDays) dpd, \(to.label) at \(toDays) dpd)"
            case .daysPastDueRose(let from, let to):
                return "days past due rose from \(from) to \(to)"
            case .utilizationJumped(let from, let to):
                return "utilisation jumped from \(percent(from)) to \(percent(to))"
            case .scoreFell(let from, let to):
                return "score fell from \(number(from)) to \(number(to))"
            }
        }
    }

    /// The loan id.
    public let loanID: String
    /// The borrower id (empty when the snapshot has none).
    public let customerID: String
    /// The product (empty when the snapshot has none).
    public let product: String
    /// The balance in the later snapshot, cents.
    public let balance: Int64
    /// The classification in the later snapshot.
    public let classification: String
    /// Days past due in the later snapshot.
    public let daysPastDue: Int64
    /// Every reason, in rule order.
    public let reasons: [Reason]
}

extension RiskEngine {
    /// The early-warning list from snapshot `from` to snapshot `to` (joined on `loan_id`): loans
    /// that crossed a classification floor, whose days past due rose, whose utilisation jumped or
    /// whose score fell, per the thresholds of ``RiskConfig/watch``. Sorted by number of reasons
    /// (most first), then balance (largest first), then loan id.
    ///
    /// The utilisation rule needs a `utilization` column and the score rule the score column in
    /// both snapshots; a rule whose column is absent is skipped.
    ///
    /// - Throws: ``RiskError/comparison(reason:)`` (see ``SnapshotJoin``) and
    ///   ``RiskError/input(column:reason:)`` for missing or mistyped columns.
    public func watchList(from: Table, to: Table) throws(RiskError) -> [WatchItem] {
        let join = try SnapshotJoin(from: from, to: to)
        let rules = config.watch
        let fromDPD = try RiskInputs.integer(from, "days_past_due")
        let toDPD = try RiskInputs.integer(to, "days_past_due")
        let toBalance = try RiskInputs.numeric(to, "balance")
        let product = try RiskInputs.category(to, "product")
        let classification = try RiskInputs.category(to, "classification")
        let cards = product.dictionary.map { config.cardProducts.contains($0) }
        let hasUtilization = to.hasColumn("utilization")
        let fromUtilization = hasUtilization ? try RiskInputs.numeric(from, "utilization") : nil
        let toUtilization = hasUtilization ? try RiskInputs.numeric(to, "utilization") : nil
        let hasScore = to.hasColumn(rules.scoreColumn) && rules.scoreDrop > 0
        let fromScore = hasScore ? try RiskInputs.numeric(from, rules.scoreColumn) : nil
        let toScore = hasScore ? try RiskInputs.numeric(to, rules.scoreColumn) : nil
        let fromScoreValid = hasScore ? try RiskInputs.column(from, rules.scoreColumn).validity : nil
        let toScoreValid = hasScore ? try RiskInputs.column(to, rules.scoreColumn).validity : nil
        let loanIDs = try SnapshotJoin.identifiers(to, "loan_id")
        let customers: StringValues? = to.hasColumn("customer_id") ? try? to.string("customer_id") : nil

        var items = [WatchItem]()
        for row in 0..<to.rowCount {
            let source = Int(join.fromRowOfTo[row])
            guard source >= 0 else { continue }
            var reasons = [WatchItem.Reason]()
            let before = fromDPD[source]
            let after = toDPD[row]
            if rules.floorCrossing {
                let floors = cards[Int(product.codes[row])] ? config.cardFloors : config.floors
                let old = floors.floor(daysPastDue: before)
                let new = floors.floor(daysPastDue: after)
                if new > old { reasons.append(.crossedFloor(from: old, to: new, fromDays: before, toDays: after)) }
            }
            if rules.dpdIncrease > 0, after - before >= rules.dpdIncrease {
                reasons.append(.daysPastDueRose(from: before, to: after))
            }
            if let fromUtilization, let toUtilization, rules.utilizationJump > 0 {
                let old = fromUtilization[source]
                let new = toUtilization[row]
                if new - old >= rules.utilizationJump { reasons.append(.utilizationJumped(from: old, to: new)) }
            }
            if let fromScore, let toScore, fromScoreValid?.isValid(source) ?? true, toScoreValid?.isValid(row) ?? true {
                let old = fromScore[source]
                let new = toScore[row]
                if old - new >= rules.scoreDrop { reasons.append(.scoreFell(from: old, to: new)) }
            }
            guard !reasons.isEmpty else { continue }
            items.append(
                WatchItem(
                    loanID: loanIDs.value(at: row), customerID: customers?.value(at: row) ?? "",
                    product: product.value(at: row), balance: Cents.of(toBalance[row]),
                    classification: classification.value(at: row), daysPastDue: after, reasons: reasons))
        }
        items.sort { a, b in
            if a.reasons.count != b.reasons.count { return a.reasons.count > b.reasons.count }
            if a.balance != b.balance { return a.balance > b.balance }
            return a.loanID < b.loanID
        }
        return items
    }
}

private func percent(_ fraction: Double) -> String {
    let scaled = (fraction * 1000).rounded() / 10
    return "\(scaled)%"
}

private func number(_ value: Double) -> String {
    value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
}
