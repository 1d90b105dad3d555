import CreditScoring
import StrataFrame
import Testing

@Suite struct BinaryTargetTests {
    @Test func zeroOneIntegersWithUnlabelledRows() throws {
        let table = try Table(columns: [
            Column(
                name: "y", values: .int64(.init([0, 1, 0, 0, 1])),
                validity: ValidityBitmap([true, true, false, true, true]))
        ])
        let t = try BinaryTarget(table: table, column: "y")
        #expect(t.labels == [0, 1, 0, 0, 1])
        #expect(t.bads == 2 && t.goods == 2 && t.unlabelled == 1)
        #expect(t.badLabel == "1" && t.goodLabel == "0")
        #expect(!t.isLabelled(2))
    }

    @Test func trueFalseAndTwoLabels() throws {
        let table = try Table(columns: [
            TestData.category("flag", ["True", "false", "FALSE", "true"]),
            TestData.category("status", ["paid", "default", "paid", "paid"]),
        ])
        let flag = try BinaryTarget(table: table, column: "flag")
        #expect(flag.labels == [1, 0, 0, 1])
        let status = try BinaryTarget(table: table, column: "status", badValue: "default")
        #expect(status.labels == [0, 1, 0, 0])
        #expect(status.goodLabel == "paid")
        // Two labels without --bad-value: a clear request for it.
        #expect {
            try BinaryTarget(table: table, column: "status")
        } throws: { error in
            "\(error)".contains("say which one is bad with --bad-value") && "\(error)".contains("'paid'")
        }
    }

    @Test func nonBinaryTargetListsWhatWasFound() throws {
        let table = try Table(columns: [TestData.int("y", [0, 1, 2, 1, 0])])
        #expect {
            try BinaryTarget(table: table, column: "y")
        } throws: { error in
            let text = "\(error)"
            return text.contains("is not binary") && text.contains("'0', '1', '2'")
        }
        let one = try Table(columns: [TestData.int("y", [0, 0, 0])])
        #expect(throws: ScorecardError.self) { try BinaryTarget(table: one, column: "y") }
        #expect {
            try BinaryTarget(table: table, column: "missing_column")
        } throws: { error in "\(error)".contains("no such column") }
        #expect {
            try BinaryTarget(table: try Table(columns: [TestData.int("y", [0, 1])]), column: "y", badValue: "7")
        } throws: { error in "\(error)".contains("--bad-value '7' is not one of its values") }
    }

    @Test func badValueZeroInvertsANumericTarget() throws {
        let table = try Table(columns: [TestData.int("y", [0, 1, 1])])
        let t = try BinaryTarget(table: table, column: "y", badValue: "0")
        #expect(t.labels == [1, 0, 0])
    }
}
