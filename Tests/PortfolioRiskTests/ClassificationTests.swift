import PortfolioRisk
import Testing

@Suite("Five-category classification floors and provisions")
struct ClassificationTests {
    @Test(arguments: [
        (Int64(0), LoanClass.normal), (1, .specialMention), (90, .specialMention), (91, .substandard),
        (270, .substandard), (271, .doubtful), (360, .doubtful), (361, .loss), (2000, .loss),
    ])
    func loanFloorsOf2023Rule(days: Int64, expected: LoanClass) {
        #expect(ClassificationFloors.rule2023.floor(daysPastDue: days) == expected)
    }

    @Test(arguments: [
        (Int64(0), LoanClass.normal), (1, .specialMention), (90, .specialMention), (91, .substandard),
        (120, .substandard), (121, .doubtful), (180, .doubtful), (181, .loss),
    ])
    func creditCardFloors(days: Int64, expected: LoanClass) {
        #expect(ClassificationFloors.creditCard.floor(daysPastDue: days) == expected)
    }

    @Test func labelsAndNPL() {
        #expect(LoanClass.allCases.map(\.label) == ["normal", "special_mention", "substandard", "doubtful", "loss"])
        #expect(LoanClass.allCases.filter(\.isNonPerforming) == [.substandard, .doubtful, .loss])
        #expect(LoanClass(label: "watch") == nil)
    }

    @Test func classicProvisionRates() {
        #expect(ProvisionRates.classic.rates == [0.01, 0.02, 0.25, 0.50, 1.00])
        #expect(ProvisionRates.classic[.doubtful] == 0.5)
    }

    @Test func centsAreExactDecimals() {
        #expect(Cents.of(193.8) == 19_380)
        #expect(Cents.of(0.125) == 12)  // 12.5 cents: ties to even
        #expect(Cents.text(19_380) == "193.80")
        #expect(Cents.text(-5) == "-0.05")
        #expect(Cents.text(0) == "0.00")
    }
}
