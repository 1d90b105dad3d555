import ArgumentParser
import Foundation
import PortfolioRisk
import StrataFrame
import StrataReports

/// `strata irb`: the Basel IRB capital requirement and risk weight of one exposure.
struct IRBCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "irb",
        abstract: "Basel IRB capital K and risk weight of one exposure (both as fractions).",
        discussion: """
            Without --preset the bare risk-weight function is used (no PD floor, scaling 1), as in the \
            illustrative table of Basel II Annex 5; --preset basel2 floors PD at 0.03 % and scales by 1.06, \
            --preset basel31 floors PD at 0.05 % (0.10 % for revolving). PD = 1 is a defaulted exposure: \
            K = max(0, LGD − EL_BE).
            Example: strata irb --pd 0.01 --lgd 0.45 --class corporate --json   →  {"k": …, "rw": …}
            """)

    @Option(name: .long, help: "Probability of default, a fraction in [0, 1].")
    var pd: Double

    @Option(name: .long, help: "Loss given default, a fraction in [0, 1].")
    var lgd: Double

    @Option(name: .long, help: "Effective maturity in years (corporate and sme; default 2.5).")
    var maturity: Double = 2.5

    @Option(name: .long, help: "Asset class: corporate, sme, mortgage, revolving or retail.")
    var `class`: String = "corporate"

    @Option(name: .long, help: "Annual sales in millions of euros (sme; 5 to 50, clamped).")
    var sales: Double?

    @Option(name: .long, help: "Scaling factor on the risk weight (default 1, or the preset's).")
    var scaling: Double?

    @Option(name: .long, help: "basel2 or basel31: apply the preset's PD floor and scaling.")
    var preset: String?

    @Option(
        name: .customLong("el-best-estimate"),
        help: "For PD = 1: the bank's best estimate of expected loss (default LGD).")
    var elBestEstimate: Double?

    @Flag(name: .long, help: "Print {\"k\": K, \"rw\": RW} as JSON.")
    var json = false

    func run() throws {
        guard pd >= 0, pd <= 1 else {
            throw RiskError.option(name: "pd", reason: "must be between 0 and 1 (found \(pd))")
        }
        guard lgd >= 0, lgd <= 1 else {
            throw RiskError.option(name: "lgd", reason: "must be between 0 and 1 (found \(lgd))")
        }
        guard maturity > 0, maturity.isFinite else {
            throw RiskError.option(name: "maturity", reason: "must be a positive number of years (found \(maturity))")
        }
        guard let assetClass = AssetClass(rawValue: self.class) else {
            throw RiskError.option(
                name: "class", reason: "expected corporate, sme, mortgage, revolving or retail (found '\(self.class)')")
        }
        if let sales, !(sales > 0 && sales.isFinite) {
            throw RiskError.option(name: "sales", reason: "must be a positive amount in millions of euros")
        }
        if sales != nil, assetClass != .sme {
            throw RiskError.option(name: "sales", reason: "applies to --class sme only")
        }
        var settings: IRBSettings?
        if let preset {
            guard let value = IRBPreset(rawValue: preset) else {
                throw RiskError.option(name: "preset", reason: "expected basel2 or basel31, found '\(preset)'")
            }
            settings = IRBSettings(preset: value)
        }
        if let scaling, !(scaling > 0 && scaling.isFinite) {
            throw RiskError.option(name: "scaling", reason: "must be above 0 (found \(scaling))")
        }
        let factor = scaling ?? settings?.scaling ?? 1
        let k: Double
        let usedPD: Double
        if pd >= 1 {
            usedPD = 1
            let estimate = elBestEstimate ?? lgd
            guard estimate >= 0, estimate <= 1 else {
                throw RiskError.option(name: "el-best-estimate", reason: "must be between 0 and 1")
            }
            k = IRB.defaultedCapital(lgd: lgd, expectedLossBestEstimate: estimate)
        } else {
            usedPD = settings?.flooredPD(pd, assetClass: assetClass) ?? pd
            k = IRB.capital(
                pd: usedPD, lgd: lgd, assetClass: assetClass, maturity: maturity, salesMillions: sales ?? 50)
        }
        let rw = IRB.riskWeight(capital: k, scaling: factor)
        if json {
            print(JSONValue.object(JSONObject([("k", .double(k)), ("rw", .double(rw))])).compactText)
            return
        }
        var rows: [[String]] = [["asset class", assetClass.rawValue], ["PD", FloatText.shortest(pd)]]
        if usedPD != pd { rows.append(["PD used (floored)", FloatText.shortest(usedPD)]) }
        rows.append(["LGD", FloatText.shortest(lgd)])
        if assetClass.hasMaturityAdjustment, pd < 1 { rows.append(["maturity (years)", FloatText.shortest(maturity)]) }
        if assetClass == .sme, pd < 1 {
            let s = sales ?? 50
            rows.append(["sales (EUR million)", FloatText.shortest(s)])
            rows.append(["firm-size adjustment", FloatText.shortest(IRB.firmSizeAdjustment(salesMillions: s))])
        }
        if pd < 1 {
            rows.append([
                "correlation R",
                FloatText.shortest(IRB.correlation(assetClass, pd: usedPD, salesMillions: sales ?? 50)),
            ])
        }
        rows.append(["scaling factor", FloatText.shortest(factor)])
        rows.append(["capital K", FloatText.shortest(k)])
        rows.append([
            "risk weight (12.5 × K × scaling)", "\(FloatText.shortest(rw))  (\(NumberText.percent(rw, decimals: 2)))",
        ])
        print(TextTableWriter().render(header: ["", "value"], rows: rows, alignments: [.left, .left]), terminator: "")
    }
}
