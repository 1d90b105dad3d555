import PortfolioRisk
import Testing

@Suite("YAML configuration")
struct RiskConfigTests {
    @Test func everySectionOverrides() throws {
        let yaml = """
            preset: basel2
            capital_ratio: 0.105
            pd:
              column: score_pd
              by_grade: {A: 0.001, B: 0.004}
              by_classification: {normal: 0.01, special_mention: 0.12}
            ccf:
              credit_card: 0.75
              default: 0.1
            lgd:
              column: lgd_estimate
              mortgage: {unsecured: 0.5, secured: 0.1, haircut: 0.3}
              consumer: 0.6
              auto:
                unsecured: 0.45
                ltv_bands:
                  - {max_ltv: 0.8, lgd: 0.2}
                  - {max_ltv: 1.0, lgd: 0.3}
                  - {lgd: 0.5}
            irb:
              asset_class: {sme: corporate, default: retail}
              pd_floor: {revolving: 0.002}
              scaling: 1.0
              maturity: 2.5
              sales_per_million: 7800000
              default_days_past_due: 60
              default_classifications: [doubtful, loss]
              defaulted_el_share: 0.8
            classification:
              floors: {special_mention: 30, substandard: 91, doubtful: 181, loss: 361}
              credit_card_products: [credit_card, overdraft]
            provisions: {normal: 0.015, loss: 1}
            concentration: {top_borrowers: 5}
            watch: {dpd_increase: 30, utilization_jump: 0.2, score_drop: 40, floor_crossing: false}
            migration: {dpd_buckets: [0, 1, 91]}
            vintage: {mob_bucket_months: 6}
            """
        let config = try RiskConfig.parse(yaml: yaml, file: "risk.yaml")
        #expect(config.irb.preset == .basel2)
        #expect(config.irb.scaling == 1.0)  // explicit key beats the preset
        #expect(config.irb.pdFloors[.revolving] == 0.002)
        #expect(config.irb.pdFloors[.retail] == 0.0003)  // from the preset
        #expect(config.capitalRatio == 0.105)
        #expect(config.pdColumn == "score_pd")
        #expect(config.pdByGrade == ["A": 0.001, "B": 0.004])
        #expect(config.pdByClassification == [0.01, 0.12, 1, 1, 1])
        #expect(config.ccf["credit_card"] == 0.75 && config.ccf["mortgage"] == 0.1)
        #expect(config.lgdColumn == "lgd_estimate")
        #expect(config.lgd["mortgage"] == LGDRule(unsecured: 0.5, secured: 0.1, haircut: 0.3))
        #expect(config.lgd["consumer"].unsecured == 0.6 && config.lgd["consumer"].secured == 0.6)
        #expect(config.lgd["auto"].ltvBands.count == 3)
        #expect(config.lgd["auto"].lgd(ead: 100, balance: 90, collateral: 100) == 0.3)
        #expect(config.lgd["auto"].lgd(ead: 100, balance: 150, collateral: 100) == 0.5)
        #expect(config.lgd["auto"].lgd(ead: 100, balance: 100, collateral: 0) == 0.45)
        #expect(config.assetClass["sme"] == .corporate && config.assetClass["other"] == .retail)
        #expect(config.maturity == .fixed(2.5))
        #expect(config.salesPerMillion == 7_800_000)
        #expect(config.defaultDaysPastDue == 60)
        #expect(config.defaultClasses == [.doubtful, .loss])
        #expect(config.defaultedELShare == 0.8)
        #expect(config.floors.minimumDays == [30, 91, 181, 361])
        #expect(config.cardProducts == ["credit_card", "overdraft"])
        #expect(config.provisions.rates == [0.015, 0.02, 0.25, 0.5, 1])
        #expect(config.topBorrowers == 5)
        #expect(config.watch.dpdIncrease == 30 && config.watch.scoreDrop == 40 && !config.watch.floorCrossing)
        #expect(config.dpdBuckets == [0, 1, 91])
        #expect(config.dpdBucketLabel(1) == "1-90" && config.dpdBucketLabel(2) == "91+")
        #expect(config.vintageBucketMonths == 6)
    }

    @Test func emptyDocumentKeepsDefaults() throws {
        #expect(try RiskConfig.parse(yaml: "") == RiskConfig())
        #expect(try RiskConfig.parse(yaml: "# nothing\n") == RiskConfig())
    }

    @Test func wrongKeyNamesKeyAndLine() {
        let yaml = "preset: basel31\nccf:\n  credit_card: 0.5\nlgd:\n  mortgage:\n    unsecure: 0.4\n"
        #expect(
            throws: RiskError.config(
                file: "risk.yaml", line: 6, key: "lgd.mortgage.unsecure",
                reason: "unknown key (expected one of: unsecured, secured, haircut, ltv_bands)")
        ) { try RiskConfig.parse(yaml: yaml, file: "risk.yaml") }
        #expect(throws: RiskError.self) { try RiskConfig.parse(yaml: "capital: 0.08\n") }
        do {
            _ = try RiskConfig.parse(yaml: "\n\nprovision: {loss: 1}\n", file: "r.yaml")
            Issue.record("no error")
        } catch {
            #expect(error.description.hasPrefix("r.yaml:3: key provision: unknown key"))
        }
    }

    @Test func negativeRateNamesKeyAndLine() {
        let yaml = "provisions:\n  normal: 0.01\n  doubtful: -0.5\n"
        #expect(
            throws: RiskError.config(
                file: "risk.yaml", line: 3, key: "provisions.doubtful", reason: "must not be negative (found -0.5)")
        ) { try RiskConfig.parse(yaml: yaml, file: "risk.yaml") }
        #expect(throws: RiskError.self) { try RiskConfig.parse(yaml: "ccf: {credit_card: 1.5}\n") }
        #expect(throws: RiskError.self) { try RiskConfig.parse(yaml: "pd: {by_grade: {A: -0.01}}\n") }
        #expect(throws: RiskError.self) { try RiskConfig.parse(yaml: "irb: {scaling: 0}\n") }
        #expect(throws: RiskError.self) { try RiskConfig.parse(yaml: "lgd: {auto: {haircut: 1}}\n") }
    }

    @Test func badValues() {
        #expect(throws: RiskError.self) { try RiskConfig.parse(yaml: "preset: basel4\n") }
        #expect(throws: RiskError.self) { try RiskConfig.parse(yaml: "ccf: {credit_card: lots}\n") }
        #expect(throws: RiskError.self) { try RiskConfig.parse(yaml: "irb: {asset_class: {sme: bank}}\n") }
        #expect(throws: RiskError.self) {
            try RiskConfig.parse(yaml: "classification: {floors: {substandard: 400}}\n")
        }
        #expect(throws: RiskError.self) { try RiskConfig.parse(yaml: "migration: {dpd_buckets: [1, 30]}\n") }
        #expect(throws: RiskError.self) { try RiskConfig.parse(yaml: "- a\n- b\n") }
        #expect(throws: RiskError.self) { try RiskConfig.parse(yaml: "ccf: {a: 0.1, a: 0.2}\n") }
    }

    @Test func syntaxErrorHasALine() {
        do {
            _ = try RiskConfig.parse(yaml: "ccf:\n  credit_card: [0.4\n", file: "bad.yaml")
            Issue.record("no error")
        } catch {
            guard case .config(let file, let line, _, let reason) = error else { return }
            #expect(file == "bad.yaml" && line > 0 && reason.hasPrefix("not valid YAML"))
        }
    }

    @Test func missingFile() {
        #expect(throws: RiskError.self) { try RiskConfig.load(path: "/nonexistent/risk.yaml") }
    }
}
