import Foundation
import StrataKernels
import Testing

@testable import StrataFrame

/// Tests of ``LoanTapeGenerator``: reproducibility, every LoanTape rule on every row (checked with
/// an independent parser written here), the statistical profile, and the fixed-point formatter.
@Suite struct GeneratorTests {
    static let asOf = CivilDate(year: 2026, month: 6, day: 30)!

    /// A temporary directory removed by the caller.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("strata-generator-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    // MARK: a small independent parser

    /// One parsed row: the raw fields and the numbers the checks need.
    struct Row {
        let fields: [String]
        func text(_ column: Column) -> String { fields[column.rawValue] }
        func number(_ column: Column) -> Double { Double(fields[column.rawValue])! }
        func integer(_ column: Column) -> Int { Int(fields[column.rawValue])! }
    }

    /// Column positions, in the canonical order (checked against LoanTape.columnNames below).
    enum Column: Int, CaseIterable {
        case loanID, customerID, asOfDate, originationDate, product, region, industry, principal, balance
        case creditLimit, interestRate, termMonths, remainingMonths, annualIncome, debtToIncome, employmentYears
        case age, creditHistoryMonths, delinquencies2y, inquiries6m, utilization, collateralValue, daysPastDue
        case classification, defaulted12m
    }

    /// Splits CSV bytes into rows of fields at every newline and comma (the generator never
    /// quotes: a quote byte is reported as a field of its own so the caller sees it).
    static func records(_ bytes: [UInt8]) -> [[String]] {
        var rows = [[String]]()
        var fields = [String]()
        var start = 0
        for index in bytes.indices {
            let byte = bytes[index]
            if byte == UInt8(ascii: ",") || byte == UInt8(ascii: "\n") {
                fields.append(String(decoding: bytes[start..<index], as: UTF8.self))
                start = index + 1
                if byte == UInt8(ascii: "\n") {
                    rows.append(fields)
                    fields.removeAll(keepingCapacity: true)
                }
            } else if byte == UInt8(ascii: "\"") {
                fields.append("\"")
            }
        }
        if start < bytes.count || !fields.isEmpty { rows.append(fields + ["<unterminated line>"]) }
        return rows
    }

    static func lines(_ bytes: [UInt8]) -> [String] {
        String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    /// The regulatory floor of the 2023 Measures (and the card rule for cards), 0 normal … 4 loss.
    static func floor(daysPastDue dpd: Int, creditCard: Bool) -> Int {
        if creditCard {
            switch dpd {
            case 0: return 0
            case 1...90: return 1
            case 91...120: return 2
            case 121...180: return 3
            default: return 4
            }
        }
        switch dpd {
        case 0: return 0
        case 1...90: return 1
        case 91...270: return 2
        case 271...360: return 3
        default: return 4
        }
    }

    /// Mann–Whitney AUC of `scores` for `labels` (average ranks for ties).
    static func auc(scores: [Double], labels: [Bool]) -> Double {
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var rankSum = 0.0
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && scores[order[j + 1]] == scores[order[i]] { j += 1 }
            let rank = Double(i + j) / 2 + 1
            for k in i...j where labels[order[k]] { rankSum += rank }
            i = j + 1
        }
        let bad = Double(labels.filter { $0 }.count)
        let good = Double(labels.count) - bad
        return (rankSum - bad * (bad + 1) / 2) / (bad * good)
    }

    // MARK: layout and reproducibility

    @Test func headerIsTheCanonicalColumns() {
        let generator = LoanTapeGenerator(loans: 10, seed: 1, asOf: Self.asOf)
        #expect(
            String(decoding: generator.headerBytes, as: UTF8.self) == LoanTape.columnNames.joined(separator: ",") + "\n"
        )
        #expect(Column.allCases.count == LoanTape.columnNames.count)
        let fields = Self.lines(generator.csvBytes(rows: 0..<10))
        #expect(fields.count == 11)  // ten lines and the empty string after the last newline
        #expect(fields.last == "")
        #expect(fields[0].hasPrefix("L000000001,C000000001,2026-06-30,"))
    }

    /// Writes `generator`'s tape with each thread count and returns the files' bytes.
    static func writtenFiles(_ generator: LoanTapeGenerator, threads: [Int]) throws -> [Data] {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var files = [Data]()
        for count in threads {
            let path = directory.appendingPathComponent("tape-\(count)-\(files.count).csv").path
            try generator.write(to: path, threads: count)
            files.append(try Data(contentsOf: URL(fileURLWithPath: path)))
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter {
            $0.contains(".tmp")
        }
        #expect(leftovers.isEmpty)
        return files
    }

    /// The same arguments give the same bytes for 1, 2 and 3 threads, run after run, and the file
    /// is the header followed by `csvBytes` of all rows. Small chunks (8 of them, the last one
    /// short) so that every thread count runs several batches.
    @Test func byteIdenticalForAnyThreadCount() throws {
        let loans = 7_500
        let generator = LoanTapeGenerator(loans: loans, seed: 7, asOf: Self.asOf, chunkSize: 1_000)
        let files = try Self.writtenFiles(generator, threads: [1, 2, 3, 2, 1])
        #expect(files[0].count > 100 * loans)
        for file in files.dropFirst() { #expect(file == files[0]) }
        #expect(Data(generator.headerBytes + generator.csvBytes(rows: 0..<loans)) == files[0])
        // The chunk size is part of the tape's definition: the streams change with it.
        let other = LoanTapeGenerator(loans: loans, seed: 7, asOf: Self.asOf, chunkSize: 2_000)
        #expect(other.csvBytes(rows: 0..<1_000) == generator.csvBytes(rows: 0..<1_000))
        #expect(other.csvBytes(rows: 1_000..<1_001) != generator.csvBytes(rows: 1_000..<1_001))
    }

    /// The same at the real chunk size, across the first chunk boundary.
    @Test func byteIdenticalAtTheDefaultChunkSize() throws {
        let loans = LoanTapeGenerator.defaultChunkSize + 300
        let generator = LoanTapeGenerator(loans: loans, seed: 8, asOf: Self.asOf)
        let files = try Self.writtenFiles(generator, threads: [1, 2])
        #expect(files[0] == files[1])
        let tail = generator.csvBytes(rows: (loans - 300)..<loans)
        #expect(Data(tail) == files[0].suffix(tail.count))
        #expect(tail.starts(with: Array("L000065537,C000065537,".utf8)))  // a new stream, a new customer
    }

    @Test func subRangesMatchTheWholeTape() {
        let generator = LoanTapeGenerator(loans: 7_000, seed: 11, asOf: Self.asOf, chunkSize: 2_048)
        let whole = Self.lines(generator.csvBytes(rows: 0..<7_000))
        for range in [0..<1, 123..<456, 2_040..<2_050, 1_000..<5_000, 6_999..<7_000] {
            let part = Self.lines(generator.csvBytes(rows: range))
            #expect(Array(part.dropLast()) == Array(whole[range]))
        }
        #expect(generator.csvBytes(rows: 5..<5).isEmpty)
    }

    @Test func seedsAndDatesChangeTheTape() {
        let a = LoanTapeGenerator(loans: 2_000, seed: 1, asOf: Self.asOf).csvBytes(rows: 0..<2_000)
        let again = LoanTapeGenerator(loans: 2_000, seed: 1, asOf: Self.asOf).csvBytes(rows: 0..<2_000)
        let b = LoanTapeGenerator(loans: 2_000, seed: 2, asOf: Self.asOf).csvBytes(rows: 0..<2_000)
        #expect(a == again)
        #expect(a != b)
        // Rows differ line by line, not just somewhere.
        let linesA = Self.lines(a)
        let linesB = Self.lines(b)
        let same = zip(linesA, linesB).dropLast().filter { $0 == $1 }.count
        #expect(same == 0)
        // Another as-of date moves every row's dates with it.
        let yearEnd = CivilDate(year: 2025, month: 12, day: 31)!
        let shifted = Self.records(LoanTapeGenerator(loans: 2_000, seed: 1, asOf: yearEnd).csvBytes(rows: 0..<2_000))
        #expect(shifted.allSatisfy { $0[2] == "2025-12-31" && $0[3] <= "2025-12-31" })
    }

    @Test func writeReportsAnUnwritablePath() {
        let generator = LoanTapeGenerator(loans: 10, seed: 1, asOf: Self.asOf)
        #expect(throws: StrataFrameError.self) {
            try generator.write(to: "/nonexistent-directory-strata/tape.csv", threads: 1)
        }
    }

    @Test func wideIdentifiersForHugeTapes() {
        let generator = LoanTapeGenerator(loans: 1_234_567_890, seed: 3, asOf: Self.asOf)
        let line = Self.lines(generator.csvBytes(rows: 1_234_567_889..<1_234_567_890))[0]
        #expect(line.hasPrefix("L1234567890,C"))
        #expect(line.split(separator: ",")[1].count == 11)
    }

    // MARK: every rule on every row

    @Test func everyRowSatisfiesEveryRule() throws {
        let loans = 50_000
        let generator = LoanTapeGenerator(loans: loans, seed: 2024, asOf: Self.asOf)
        let rows = Self.records(generator.csvBytes(rows: 0..<loans))
        #expect(rows.count == loans)
        let asOfDays = Self.asOf.daysSinceEpoch
        var loanIDs = Set<String>()
        var customers = [String: [String]]()  // customer -> borrower fields of its first loan
        var failures = [String]()
        func fail(_ line: Int, _ message: String) {
            if failures.count < 20 { failures.append("row \(line + 1): \(message)") }
        }
        /// Digits, a point, then exactly `decimals` digits.
        func isFixed(_ text: String, decimals: Int) -> Bool {
            let parts = text.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
            return parts.count == 2 && !parts[0].isEmpty && parts[1].count == decimals
                && parts.allSatisfy { $0.allSatisfy { $0 >= 48 && $0 <= 57 } }
        }
        for (index, fields) in rows.enumerated() {
            guard fields.count == LoanTape.fields.count else {
                fail(index, "\(fields.count) fields")
                continue
            }
            // The rules of LoanTape, field by field.
            for (field, text) in zip(LoanTape.fields, fields) {
                switch field.rule {
                case .identifier(let maxBytes):
                    if text.utf8.isEmpty || text.utf8.count > maxBytes { fail(index, "\(field.name) length") }
                case .date:
                    if CivilDate(text) == nil { fail(index, "\(field.name) not a date: \(text)") }
                case .oneOf(let values):
                    if !values.contains(text) { fail(index, "\(field.name) = \(text)") }
                case .freeCategory:
                    if text.isEmpty || text.contains(" ") { fail(index, "\(field.name) empty or spaced") }
                case .number(let range):
                    guard let value = Double(text), range.contains(value) else {
                        fail(index, "\(field.name) = \(text)")
                        continue
                    }
                case .integer(let range):
                    guard let value = Int64(text), range.contains(value) else {
                        fail(index, "\(field.name) = \(text)")
                        continue
                    }
                }
            }
            let row = Row(fields: fields)
            // Cross-column rules.
            if !loanIDs.insert(row.text(.loanID)).inserted { fail(index, "duplicate loan_id") }
            let number = String(index + 1)
            if row.text(.loanID) != "L" + String(repeating: "0", count: 9 - number.count) + number {
                fail(index, "loan_id numbering")
            }
            if row.text(.asOfDate) != "2026-06-30" { fail(index, "as_of_date") }
            let origination = CivilDate(row.text(.originationDate))!
            if origination.daysSinceEpoch > asOfDays { fail(index, "origination after as-of") }
            let term = row.integer(.termMonths)
            let remaining = row.integer(.remainingMonths)
            if remaining > term || remaining < 1 { fail(index, "remaining \(remaining) of \(term)") }
            let monthsOnBook = (2026 * 12 + 5) - (origination.year * 12 + origination.month - 1)
            if monthsOnBook != term - remaining || origination.day > 28 { fail(index, "origination vs term") }
            if Double(monthsOnBook) / 12 > Double(row.integer(.age) - 18) { fail(index, "loan before age 18") }
            if row.integer(.creditHistoryMonths) < monthsOnBook { fail(index, "history shorter than the loan") }
            // Precision.
            for column in [Column.principal, .balance, .creditLimit, .annualIncome, .collateralValue]
            where !isFixed(row.text(column), decimals: 2) {
                fail(index, "\(column) not in cents: \(row.text(column))")
            }
            for column in [Column.interestRate, .debtToIncome, .utilization]
            where !isFixed(row.text(column), decimals: 4) {
                fail(index, "\(column) not 4 decimals")
            }
            if !isFixed(row.text(.employmentYears), decimals: 1) { fail(index, "employment_years") }
            // Product rules.
            let product = row.text(.product)
            let principal = row.number(.principal)
            let balance = row.number(.balance)
            let limit = row.number(.creditLimit)
            let collateral = row.number(.collateralValue)
            if product == "credit_card" {
                if !(limit > balance) { fail(index, "card balance not below limit") }
                if abs(row.number(.utilization) - balance / limit) > 0.5e-4 + 1e-12 { fail(index, "card utilization") }
                if collateral != 0 { fail(index, "secured card") }
            } else {
                if row.text(.creditLimit) != row.text(.principal) { fail(index, "limit != principal") }
                if balance > principal || balance <= 0 { fail(index, "balance \(balance) of \(principal)") }
            }
            if (product == "mortgage" || product == "auto") && collateral <= 0 { fail(index, "unsecured \(product)") }
            if product == "consumer" && collateral != 0 { fail(index, "secured consumer loan") }
            if row.number(.interestRate) <= 0 || row.number(.interestRate) > 0.24 { fail(index, "rate") }
            if row.number(.employmentYears) > Double(row.integer(.age) - 18) { fail(index, "employment years") }
            // Arrears, classification and label.
            let dpd = row.integer(.daysPastDue)
            let defaulted = row.integer(.defaulted12m)
            if dpd > 90 && defaulted != 1 { fail(index, "in default but label 0") }
            let classIndex = LoanTape.classifications.firstIndex(of: row.text(.classification))!
            if classIndex < Self.floor(daysPastDue: dpd, creditCard: product == "credit_card") {
                fail(index, "classification \(row.text(.classification)) better than the floor for \(dpd) days")
            }
            if dpd == 0 && classIndex > 1 { fail(index, "current loan worse than special mention") }
            if dpd > 0 && Double(dpd) > Double(asOfDays - origination.daysSinceEpoch) { fail(index, "dpd > loan age") }
            // Loans of one customer share the borrower.
            let borrower = [Column.age, .region, .industry, .annualIncome, .debtToIncome, .employmentYears].map {
                row.text($0)
            }
            let customer = row.text(.customerID)
            if let first = customers[customer] {
                if first != borrower { fail(index, "customer \(customer) changes borrower fields") }
            } else {
                customers[customer] = borrower
                if customer.dropFirst() != row.text(.loanID).dropFirst() { fail(index, "customer id numbering") }
            }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        #expect(loanIDs.count == loans)
        // About 15 % of loans belong to a customer with several loans.
        let loansPerCustomer = Dictionary(grouping: rows.map { $0[1] }, by: { $0 })
        let shared = loansPerCustomer.values.filter { $0.count > 1 }.reduce(0) { $0 + $1.count }
        let sharedShare = Double(shared) / Double(loans)
        #expect(sharedShare > 0.10 && sharedShare < 0.20, "shared-customer share \(sharedShare)")
    }

    // MARK: the statistical profile

    @Test func defaultModelAndProfileArePlausible() {
        let loans = 60_000
        let generator = LoanTapeGenerator(loans: loans, seed: 42, asOf: Self.asOf)
        var pds = [Double]()
        var labels = [Bool]()
        var risks = [Double]()
        var arrears = [Bool]()
        var productCount = [Int](repeating: 0, count: 5)
        var productBalance = [Double](repeating: 0, count: 5)
        var productBad = [Int](repeating: 0, count: 5)
        var mortgageLTVInRange = 0
        var regions = Set<Int>()
        var industries = Set<Int>()
        var classCount = [Int](repeating: 0, count: 5)
        var currentSpecialMention = 0
        var current = 0
        generator.forEachRecord(in: 0..<loans) { loan in
            pds.append(loan.probabilityOfDefault)
            labels.append(loan.defaulted)
            risks.append(loan.latentRisk)
            arrears.append(loan.daysPastDue > 0)
            productCount[loan.product] += 1
            productBalance[loan.product] += loan.balance
            if loan.defaulted { productBad[loan.product] += 1 }
            if loan.product == 0 {
                let ltv = loan.balance / loan.collateralValue
                if ltv >= 0.4 && ltv <= 0.9 { mortgageLTVInRange += 1 }
            }
            regions.insert(loan.region)
            industries.insert(loan.industry)
            classCount[loan.classification] += 1
            if loan.daysPastDue == 0 {
                current += 1
                if loan.classification == 1 { currentSpecialMention += 1 }
            }
        }
        let badRate = Double(labels.filter { $0 }.count) / Double(loans)
        let trueAUC = Self.auc(scores: pds, labels: labels)
        let riskAUC = Self.auc(scores: risks, labels: labels)
        let shares = productCount.map { Double($0) / Double(loans) }
        let meanBalance = zip(productBalance, productCount).map { $0 / Double($1) }
        let productBadRate = zip(productBad, productCount).map { Double($0) / Double($1) }
        print(
            "generator profile: bad rate \(badRate), true-model AUC \(trueAUC), latent-risk AUC \(riskAUC),",
            "shares \(shares), mean balances \(meanBalance), bad rates \(productBadRate),",
            "classes \(classCount), mortgage LTV in 0.4-0.9 \(Double(mortgageLTVInRange) / Double(productCount[0]))")
        #expect(badRate >= 0.03 && badRate <= 0.08)
        #expect(trueAUC >= 0.75 && trueAUC <= 0.85)
        #expect(riskAUC > 0.6)
        // Mortgages safest, unsecured consumer credit riskiest.
        #expect(productBadRate[0] < productBadRate[1] && productBadRate[0] < productBadRate[2])
        // Shares near the profile (22/25/35/12/6 % for new customers; repeat loans are retail).
        for (share, target) in zip(shares, [0.22, 0.25, 0.35, 0.12, 0.06]) {
            #expect(abs(share - target) < 0.03, "product share \(share) vs \(target)")
        }
        // Mean balances in plausible bands (CNY).
        #expect(meanBalance[0] > 400_000 && meanBalance[0] < 1_500_000)  // mortgage
        #expect(meanBalance[1] > 20_000 && meanBalance[1] < 100_000)  // consumer
        #expect(meanBalance[2] > 5_000 && meanBalance[2] < 40_000)  // credit card
        #expect(meanBalance[3] > 50_000 && meanBalance[3] < 200_000)  // auto
        #expect(meanBalance[4] > 1_000_000 && meanBalance[4] < 5_000_000)  // sme
        #expect(Double(mortgageLTVInRange) / Double(productCount[0]) > 0.7)
        #expect(regions.count == GeneratorProfile.regions.count && regions.count >= 30)
        #expect(industries.count == 20)
        // Latent risk drives arrears: the riskiest fifth is in arrears far more often.
        let byRisk = risks.indices.sorted { risks[$0] < risks[$1] }
        let fifth = loans / 5
        let lowArrears = byRisk.prefix(fifth).filter { arrears[$0] }.count
        let highArrears = byRisk.suffix(fifth).filter { arrears[$0] }.count
        let lowBad = byRisk.prefix(fifth).filter { labels[$0] }.count
        let highBad = byRisk.suffix(fifth).filter { labels[$0] }.count
        #expect(highArrears > 3 * lowArrears)
        #expect(highBad > 3 * lowBad)
        // Most of the book is normal; a small share of current loans is special mention.
        #expect(Double(classCount[0]) / Double(loans) > 0.9)
        let currentSM = Double(currentSpecialMention) / Double(current)
        #expect(currentSM > 0.002 && currentSM < 0.03)
    }

    /// The generator's classification is never better than the regulatory floor, for any DPD.
    @Test func classificationRuleIsAtOrWorseThanTheFloor() {
        var better = [String]()
        for dpd in 0...800 {
            for card in [false, true] {
                let generated = LoanSampler.classification(daysPastDue: dpd, creditCard: card)
                if generated < Self.floor(daysPastDue: dpd, creditCard: card) { better.append("\(dpd) card \(card)") }
            }
        }
        #expect(better.isEmpty, "better than the floor: \(better.prefix(10))")
        #expect(LoanSampler.classification(daysPastDue: 181, creditCard: false) == 3)
        #expect(LoanSampler.classification(daysPastDue: 361, creditCard: false) == 4)
        #expect(LoanSampler.classification(daysPastDue: 121, creditCard: true) == 3)
        #expect(LoanSampler.classification(daysPastDue: 181, creditCard: true) == 4)
    }

    // MARK: the fixed-point formatter

    @Test func formatterHandCases() {
        func fixed(_ value: Double, _ decimals: Int) -> String {
            String(decoding: FixedPointFormatter.fixedBytes(value, decimals: decimals), as: UTF8.self)
        }
        #expect(fixed(0, 2) == "0.00")
        #expect(fixed(-0.0, 2) == "0.00")
        #expect(fixed(-0.001, 2) == "0.00")
        #expect(fixed(1.5, 2) == "1.50")
        #expect(fixed(-1.5, 2) == "-1.50")
        #expect(fixed(123_456.789, 2) == "123456.79")
        #expect(fixed(0.0435, 4) == "0.0435")
        #expect(fixed(0.00005, 4) == "0.0001")
        #expect(fixed(7.25, 1) == "7.3")  // 72.5 is exact: ties away from zero
        #expect(fixed(99.999, 2) == "100.00")
        #expect(fixed(9_999_999_999_999.99, 2) == "9999999999999.99")
        #expect(fixed(0.1234564, 6) == "0.123456")
        var buffer = [UInt8](repeating: 0, count: 32)
        var position = 0
        var span = buffer.mutableSpan
        FixedPointFormatter.writeDigits(7, width: 9, into: &span, at: &position)
        FixedPointFormatter.writeInteger(0, into: &span, at: &position)
        FixedPointFormatter.writeInteger(1_234_567_890_123, into: &span, at: &position)
        _ = consume span
        #expect(String(decoding: buffer[0..<position], as: UTF8.self) == "00000000701234567890123")
        for value in [0.0, 0.5, -0.5, 2.5, -2.5, 0.49999999999999994, -0.49999999999999994, 1e15 + 0.5, 7.000001] {
            #expect(Double(FixedPointFormatter.roundedInteger(value)) == value.rounded(), "\(value)")
        }
        for value in [0, 9, 10, 99, 100, 12_345, UInt64(Int64.max)] {
            #expect(FixedPointFormatter.digitCount(value) == String(value).count)
        }
    }

    /// Random values of every magnitude parse back to exactly the rounded value.
    @Test func formatterRoundTrips() {
        var random = RandomStream(seed: 99, stream: 0)
        for _ in 0..<20_000 {
            let magnitude = pow(10, Double(random.nextUniform()) * 14 - 3)
            let value = (random.nextUniform() < 0.2 ? -1 : 1) * magnitude * random.nextUniform()
            for decimals in [1, 2, 4, 6] {
                let unit = pow(10, Double(decimals))
                guard abs(value * unit) < 1e15 else { continue }
                let text = String(decoding: FixedPointFormatter.fixedBytes(value, decimals: decimals), as: UTF8.self)
                let expected = (value * unit).rounded() / unit
                #expect(Double(text) == expected, "\(value) at \(decimals) decimals gave \(text)")
                #expect(FixedPointFormatter.rounded(value, decimals: decimals) == expected)
                let fraction = text.split(separator: ".")[1]
                #expect(fraction.count == decimals)
            }
        }
    }
}
