import StrataFrame
import StrataKernels

/// A binary training target read from a column: which rows are bad (1), good (0) or unlabelled.
///
/// Accepted columns (the values seen decide the reading; `badValue` overrides it):
/// - integer or float columns holding only 0 and 1 (1 is bad);
/// - category or string columns holding only `0`/`1`, or only `true`/`false` (any letter case;
///   `1` and `true` are bad);
/// - any column holding exactly two values, with `badValue` naming the bad one.
///
/// Rows where the target is missing (an empty field, as in the live book of a loan tape) are
/// unlabelled: they are neither trained on nor measured, and ``unlabelled`` counts them.
public struct BinaryTarget: Sendable {
    /// One value per row: 1 bad, 0 good; meaningless where ``isLabelled(_:)`` is false.
    public let labels: [UInt8]
    /// One flag per row: true where the target holds a value.
    public let labelled: [Bool]
    /// The text of the bad value, as the column holds it (`1`, `true`, `default`, ...).
    public let badLabel: String
    /// The text of the good value.
    public let goodLabel: String
    /// The number of rows without a target value.
    public let unlabelled: Int
    /// The number of bad rows among the labelled ones.
    public let bads: Int
    /// The number of good rows among the labelled ones.
    public let goods: Int

    /// True when row `row` holds a target value.
    @inline(__always)
    public func isLabelled(_ row: Int) -> Bool { labelled[row] }

    /// Reads the target column `name` of `table`.
    ///
    /// - Parameters:
    ///   - table: the training data.
    ///   - name: the target column.
    ///   - badValue: the text of the bad value when the column holds two arbitrary labels (or to
    ///     make 0 the bad value of a 0/1 column).
    /// - Throws: ``ScorecardError/target(column:reason:)`` when the column is missing, is a date,
    ///   holds other than two values, holds only one class, or `badValue` is not among its values.
    /// - Complexity: O(n).
    public init(table: Table, column name: String, badValue: String? = nil) throws(ScorecardError) {
        guard table.hasColumn(name) else {
            throw .target(
                column: name, reason: "no such column (columns: \(table.columnNames.joined(separator: ", ")))")
        }
        let column = try! table.column(named: name)
        let n = column.count
        var labelled = [Bool](repeating: false, count: n)
        var distinct = [String: Int]()  // value text -> first row
        var order = [String]()
        var rowText = [Int32](repeating: -1, count: n)  // index into `order`
        func note(_ text: String, row: Int) {
            if let existing = distinct[text] {
                rowText[row] = Int32(existing)
            } else {
                distinct[text] = order.count
                rowText[row] = Int32(order.count)
                order.append(text)
            }
        }
        switch column.values {
        case .int64(let values):
            // Distinct integers first (cheap), then text.
            var seen = [Int64: Int32]()
            for row in 0..<n where column.isValid(row) {
                let v = values[row]
                if let code = seen[v] {
                    rowText[row] = code
                } else {
                    let code = Int32(order.count)
                    seen[v] = code
                    distinct[String(v)] = Int(code)
                    order.append(String(v))
                    rowText[row] = code
                }
                labelled[row] = true
            }
        case .float64(let values):
            var seen = [UInt64: Int32]()
            for row in 0..<n where column.isValid(row) && !values[row].isNaN {
                let v = values[row]
                let key = (v == 0 ? 0.0 : v).bitPattern
                if let code = seen[key] {
                    rowText[row] = code
                } else {
                    let code = Int32(order.count)
                    seen[key] = code
                    let text = FloatText.shortest(v)
                    distinct[text] = Int(code)
                    order.append(text)
                    rowText[row] = code
                }
                labelled[row] = true
            }
        case .category(let category):
            var codeMap = [Int32](repeating: -1, count: category.dictionary.count)
            category.codes.withSpan { codes in
                for row in 0..<n where column.isValid(row) {
                    let code = Int(codes[row])
                    if codeMap[code] < 0 {
                        let text = category.dictionary[code]
                        if let existing = distinct[text] {
                            codeMap[code] = Int32(existing)
                        } else {
                            codeMap[code] = Int32(order.count)
                            distinct[text] = order.count
                            order.append(text)
                        }
                    }
                    rowText[row] = codeMap[code]
                    labelled[row] = true
                }
            }
        case .string(let strings):
            for row in 0..<n where column.isValid(row) {
                note(strings.value(at: row), row: row)
                labelled[row] = true
            }
        case .date:
            throw .target(column: name, reason: "is a date column; the target must hold two classes such as 0/1")
        }
        let found = Self.describe(order)
        // Each distinct text belongs to a class: itself, or with no --bad-value, its number (so
        // "1" and "1.0" agree) or its lower-case spelling of true/false.
        var classOf = Array(0..<order.count)
        var recognised = false
        if badValue == nil {
            let numeric = order.map { Double($0) }
            let lowered = order.map { $0.lowercased() }
            if !order.isEmpty && numeric.allSatisfy({ $0 == 0 || $0 == 1 }) {
                recognised = true
                classOf = numeric.map { $0 == 1 ? 1 : 0 }
            } else if !order.isEmpty && lowered.allSatisfy({ $0 == "true" || $0 == "false" }) {
                recognised = true
                classOf = lowered.map { $0 == "true" ? 1 : 0 }
            }
        }
        let present = Set(classOf)
        let badClass: Int
        if let badValue {
            guard order.count == 2 else {
                throw .target(
                    column: name,
                    reason: "holds \(order.count) distinct value(s) (\(found)); a binary target needs exactly two")
            }
            var match = distinct[badValue]
            if match == nil, let number = Double(badValue) {
                match = order.firstIndex { Double($0) == number }
            }
            guard let index = match else {
                throw .target(column: name, reason: "--bad-value '\(badValue)' is not one of its values (\(found))")
            }
            badClass = index
        } else if order.isEmpty {
            throw .target(column: name, reason: "holds no values")
        } else if recognised {
            guard present.count == 2 else {
                throw .target(column: name, reason: "holds only one class (\(found)); both goods and bads are needed")
            }
            badClass = 1
        } else if order.count == 2 {
            throw .target(column: name, reason: "holds two labels (\(found)); say which one is bad with --bad-value")
        } else if order.count == 1 {
            throw .target(column: name, reason: "holds only one value (\(found)); both goods and bads are needed")
        } else {
            throw .target(
                column: name,
                reason:
                    "is not binary: found \(order.count) distinct values (\(found)); expected 0/1, true/false or two labels with --bad-value"
            )
        }
        let badText = order.indices.filter { classOf[$0] == badClass }.map { order[$0] }
        let goodText = order.indices.filter { classOf[$0] != badClass }.map { order[$0] }
        var labels = [UInt8](repeating: 0, count: n)
        var bads = 0
        var goods = 0
        for row in 0..<n where labelled[row] {
            if classOf[Int(rowText[row])] == badClass {
                labels[row] = 1
                bads += 1
            } else {
                goods += 1
            }
        }
        self.labels = labels
        self.labelled = labelled
        self.badLabel = badText.joined(separator: "/")
        self.goodLabel = goodText.joined(separator: "/")
        self.unlabelled = n - bads - goods
        self.bads = bads
        self.goods = goods
    }

    /// Up to ten values, quoted and comma-separated, with a count of the rest.
    static func describe(_ values: [String]) -> String {
        let shown = values.prefix(10).map { "'\($0)'" }.joined(separator: ", ")
        return values.count > 10 ? "\(shown) and \(values.count - 10) more" : shown
    }
}
