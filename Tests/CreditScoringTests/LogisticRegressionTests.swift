import CreditScoring
import Foundation
import StrataKernels
import Testing

@Suite struct LogisticRegressionTests {
    func fixtureDesign() throws -> (ColumnBuffer<Double>, ColumnBuffer<Double>, [String]) {
        let data = try TestData.csv("logit_data.csv")
        let names = ["x1", "x2", "x3", "x4"]
        let n = data["y"]!.count
        var design = [Double]()
        for i in 0..<n {
            design.append(1)
            for name in names { design.append(data[name]![i]) }
        }
        return (ColumnBuffer(design), ColumnBuffer(data["y"]!), ["intercept"] + names)
    }

    @Test func matchesStatsmodelsLogit() throws {
        let (design, labels, names) = try fixtureDesign()
        let expected = try TestData.json("logit_expected.json")
        let fit = try LogisticRegression.fit(design: design, columns: 5, labels: labels, names: names)
        let coefficients = expected["coefficients"] as! [Double]
        let errors = expected["standardErrors"] as! [Double]
        let pValues = expected["pValues"] as! [Double]
        for j in 0..<5 {
            // Tolerances: 1e-6 absolute on coefficients and standard errors (the bar);
            // p-values relative 1e-5 (they span 1e-162 … 0.02).
            #expect(abs(fit.coefficients[j].estimate - coefficients[j]) < 1e-6, "coefficient \(names[j])")
            #expect(abs(fit.coefficients[j].standardError - errors[j]) < 1e-6, "SE \(names[j])")
            #expect(abs(fit.coefficients[j].pValue - pValues[j]) <= 1e-5 * pValues[j], "p \(names[j])")
        }
        #expect(abs(fit.deviance - (expected["deviance"] as! Double)) < 1e-6)
        #expect(abs(fit.nullDeviance - (expected["nullDeviance"] as! Double)) < 1e-6)
    }

    @Test func l2MatchesScikitLearn() throws {
        let (design, labels, names) = try fixtureDesign()
        let expected = try TestData.json("logit_l2_expected.json")
        let lambda = expected["lambda"] as! Double
        let fit = try LogisticRegression.fit(design: design, columns: 5, labels: labels, names: names, l2: lambda)
        let coefficients = expected["coefficients"] as! [Double]
        for j in 0..<5 {
            // 1e-5: scikit-learn's lbfgs stops on its own gradient tolerance.
            #expect(abs(fit.coefficients[j].estimate - coefficients[j]) < 1e-5, "coefficient \(names[j])")
        }
    }

    @Test func bitIdenticalForAnyThreadCount() throws {
        // 150 000 rows: three chunks.
        var rng = RandomStream(seed: 11, stream: 0)
        let n = 150_000
        var design = [Double]()
        var labels = [Double]()
        for _ in 0..<n {
            let a = rng.nextNormal()
            let b = rng.nextUniform()
            design += [1, a, b]
            labels.append(rng.nextUniform() < 1 / (1 + exp(2 - 0.8 * a + b)) ? 1 : 0)
        }
        let x = ColumnBuffer(design)
        let y = ColumnBuffer(labels)
        let one = try LogisticRegression.fit(design: x, columns: 3, labels: y, names: ["i", "a", "b"], threads: 1)
        let two = try LogisticRegression.fit(design: x, columns: 3, labels: y, names: ["i", "a", "b"], threads: 2)
        let three = try LogisticRegression.fit(design: x, columns: 3, labels: y, names: ["i", "a", "b"], threads: 3)
        #expect(one == two && two == three)
        #expect(one.coefficients.map(\.estimate.bitPattern) == two.coefficients.map(\.estimate.bitPattern))
    }

    @Test func perfectSeparationIsReportedInWords() {
        let design = ColumnBuffer<Double>([1, -2, 1, -1, 1, -0.5, 1, 0.5, 1, 1, 1, 2])
        let labels = ColumnBuffer<Double>([0, 0, 0, 1, 1, 1])
        #expect {
            try LogisticRegression.fit(design: design, columns: 2, labels: labels, names: ["intercept", "x"])
        } throws: { error in
            let text = "\(error)"
            return text.contains("separation") && text.contains("'x'")
        }
    }

    @Test func singularDesignNamesTheDependentColumn() {
        // x2 = 2·x1.
        var design = [Double]()
        var labels = [Double]()
        for i in 0..<40 {
            let x = Double(i % 7) - 3
            design += [1, x, 2 * x]
            labels.append(i % 3 == 0 ? 1 : 0)
        }
        #expect {
            try LogisticRegression.fit(
                design: ColumnBuffer(design), columns: 3, labels: ColumnBuffer(labels),
                names: ["intercept", "x1", "x2"])
        } throws: { error in
            let text = "\(error)"
            return text.contains("singular") && text.contains("'x2'")
        }
    }
}
