import Foundation
import Yams

extension RiskConfig {
    /// Reads a YAML configuration file over the defaults.
    ///
    /// - Throws: ``RiskError/config(file:line:key:reason:)`` naming the key and its line for an
    ///   unknown key, a value of the wrong kind or out of range, or a YAML syntax error.
    /// - Parameter preset: a preset that replaces the file's `preset` key (a command-line
    ///   `--preset`); the file's explicit `irb.pd_floor` and `irb.scaling` still apply over it.
    public static func load(path: String, preset: IRBPreset? = nil) throws(RiskError) -> RiskConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .config(file: path, line: 0, key: "", reason: "cannot read the file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .config(file: path, line: 0, key: "", reason: "the file is not UTF-8 text")
        }
        return try parse(yaml: text, file: path, preset: preset)
    }

    /// Parses YAML text over the defaults (see docs/methodology/risk.md for every key).
    ///
    /// `preset` is applied first wherever it appears; every other key overrides the default
    /// (and the preset). Keys are exact; unknown keys are errors, never ignored.
    ///
    /// - Parameters:
    ///   - file: the name used in error messages.
    ///   - preset: a preset that replaces the document's `preset` key.
    /// - Throws: ``RiskError/config(file:line:key:reason:)``.
    public static func parse(
        yaml: String, file: String = "config", preset: IRBPreset? = nil
    ) throws(RiskError)
        -> RiskConfig
    {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw ConfigReader.syntaxError(error, file: file)
        } catch {
            throw .config(file: file, line: 0, key: "", reason: "not valid YAML: \(error)")
        }
        var config = preset.map(RiskConfig.init(preset:)) ?? RiskConfig()
        guard let root else { return config }
        let reader = ConfigReader(file: file, presetOverride: preset)
        try reader.read(root, into: &config)
        return config
    }
}

/// Walks a YAML tree into a ``RiskConfig``, turning every problem into an error with the key's
/// dotted path and line.
private struct ConfigReader {
    let file: String
    let presetOverride: IRBPreset?

    static func syntaxError(_ error: YamlError, file: String) -> RiskError {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
            .composer(_, let problem, let mark, _):
            return .config(file: file, line: mark.line, key: "", reason: "not valid YAML: \(problem)")
        default:
            return .config(file: file, line: 0, key: "", reason: "not valid YAML: \(error)")
        }
    }

    func fail(_ node: Node, _ key: String, _ reason: String) -> RiskError {
        .config(file: file, line: node.mark?.line ?? 0, key: key, reason: reason)
    }

    /// The entries of a mapping as (key text, key node, value node), rejecting duplicate keys.
    func entries(_ node: Node, _ path: String) throws(RiskError) -> [(key: String, keyNode: Node, value: Node)] {
        guard let mapping = node.mapping else {
            throw fail(node, path.isEmpty ? "(top level)" : path, "expected a mapping of keys to values")
        }
        var seen = Set<String>()
        var result = [(key: String, keyNode: Node, value: Node)]()
        for (keyNode, value) in mapping {
            guard let key = keyNode.scalar?.string else {
                throw fail(keyNode, path, "keys must be plain text")
            }
            let full = path.isEmpty ? key : "\(path).\(key)"
            if !seen.insert(key).inserted { throw fail(keyNode, full, "duplicate key") }
            result.append((key, keyNode, value))
        }
        return result
    }

    func unknown(_ keyNode: Node, _ full: String, allowed: [String]) -> RiskError {
        fail(keyNode, full, "unknown key (expected one of: \(allowed.joined(separator: ", ")))")
    }

    func text(_ node: Node, _ key: String) throws(RiskError) -> String {
        guard let value = node.scalar?.string, !value.isEmpty else { throw fail(node, key, "expected text") }
        return value
    }

    func number(_ node: Node, _ key: String) throws(RiskError) -> Double {
        guard let raw = node.scalar?.string else { throw fail(node, key, "expected a number") }
        let trimmed = raw.trimmingCharacters(in: .whitespaces).lowercased()
        if trimmed == ".inf" || trimmed == "inf" || trimmed == "+.inf" { return .infinity }
        guard let value = Double(trimmed), value.isFinite else {
            throw fail(node, key, "expected a number, found '\(raw)'")
        }
        return value
    }

    /// A number in [0, 1] (or [0, 1) when `belowOne`).
    func fraction(_ node: Node, _ key: String, belowOne: Bool = false) throws(RiskError) -> Double {
        let value = try number(node, key)
        if value < 0 { throw fail(node, key, "must not be negative (found \(value))") }
        if value > 1 || (belowOne && value == 1) {
            throw fail(node, key, "must be a fraction \(belowOne ? "below" : "at most") 1 (found \(value))")
        }
        return value
    }

    func integer(_ node: Node, _ key: String, minimum: Int64) throws(RiskError) -> Int64 {
        guard let raw = node.scalar?.string, let value = Int64(raw.trimmingCharacters(in: .whitespaces)) else {
            throw fail(node, key, "expected a whole number")
        }
        if value < minimum { throw fail(node, key, "must be at least \(minimum) (found \(value))") }
        return value
    }

    func list(_ node: Node, _ key: String) throws(RiskError) -> [Node] {
        guard let sequence = node.sequence else { throw fail(node, key, "expected a list") }
        return Array(sequence)
    }

    // MARK: - Sections

    func read(_ root: Node, into config: inout RiskConfig) throws(RiskError) {
        let top = try entries(root, "")
        let allowed = [
            "preset", "capital_ratio", "pd", "ccf", "lgd", "irb", "classification", "provisions",
            "concentration", "watch", "migration", "vintage",
        ]
        if let preset = top.first(where: { $0.key == "preset" }) {
            let name = try text(preset.value, "preset")
            guard let value = IRBPreset(rawValue: name) else {
                throw fail(preset.value, "preset", "expected basel2 or basel31, found '\(name)'")
            }
            if presetOverride == nil { config.irb = IRBSettings(preset: value) }
        }
        for entry in top {
            switch entry.key {
            case "preset": break
            case "capital_ratio":
                let value = try fraction(entry.value, "capital_ratio")
                if value == 0 { throw fail(entry.value, "capital_ratio", "must be above 0") }
                config.capitalRatio = value
            case "pd": try readPD(entry.value, into: &config)
            case "ccf": config.ccf = try readProductFractions(entry.value, "ccf", current: config.ccf)
            case "lgd": try readLGD(entry.value, into: &config)
            case "irb": try readIRB(entry.value, into: &config)
            case "classification": try readClassification(entry.value, into: &config)
            case "provisions":
                config.provisions.rates = try readClassFractions(
                    entry.value, "provisions", current: config.provisions.rates)
            case "concentration":
                for item in try entries(entry.value, "concentration") {
                    guard item.key == "top_borrowers" else {
                        throw unknown(item.keyNode, "concentration.\(item.key)", allowed: ["top_borrowers"])
                    }
                    config.topBorrowers = Int(try integer(item.value, "concentration.top_borrowers", minimum: 1))
                }
            case "watch": try readWatch(entry.value, into: &config)
            case "migration":
                for item in try entries(entry.value, "migration") {
                    guard item.key == "dpd_buckets" else {
                        throw unknown(item.keyNode, "migration.\(item.key)", allowed: ["dpd_buckets"])
                    }
                    let key = "migration.dpd_buckets"
                    var bounds = [Int64]()
                    for node in try list(item.value, key) { bounds.append(try integer(node, key, minimum: 0)) }
                    guard bounds.first == 0, zip(bounds, bounds.dropFirst()).allSatisfy({ $0 < $1 }) else {
                        throw fail(
                            item.value, key,
                            "expected increasing lower bounds starting at 0, such as [0, 1, 31, 61, 91]")
                    }
                    config.dpdBuckets = bounds
                }
            case "vintage":
                for item in try entries(entry.value, "vintage") {
                    guard item.key == "mob_bucket_months" else {
                        throw unknown(item.keyNode, "vintage.\(item.key)", allowed: ["mob_bucket_months"])
                    }
                    config.vintageBucketMonths = Int(try integer(item.value, "vintage.mob_bucket_months", minimum: 1))
                }
            default:
                throw unknown(entry.keyNode, entry.key, allowed: allowed)
            }
        }
    }

    func readPD(_ node: Node, into config: inout RiskConfig) throws(RiskError) {
        for item in try entries(node, "pd") {
            let key = "pd.\(item.key)"
            switch item.key {
            case "column": config.pdColumn = try text(item.value, key)
            case "grade_column": config.gradeColumn = try text(item.value, key)
            case "by_grade":
                var table = [String: Double]()
                for grade in try entries(item.value, key) {
                    table[grade.key] = try fraction(grade.value, "\(key).\(grade.key)")
                }
                config.pdByGrade = table
            case "by_classification":
                config.pdByClassification = try readClassFractions(item.value, key, current: config.pdByClassification)
            default:
                throw unknown(item.keyNode, key, allowed: ["column", "grade_column", "by_grade", "by_classification"])
            }
        }
    }

    /// Five fractions keyed by class label.
    func readClassFractions(_ node: Node, _ path: String, current: [Double]) throws(RiskError) -> [Double] {
        var rates = current
        for item in try entries(node, path) {
            guard let loanClass = LoanClass(label: item.key) else {
                throw unknown(item.keyNode, "\(path).\(item.key)", allowed: LoanClass.allCases.map(\.label))
            }
            rates[loanClass.rawValue] = try fraction(item.value, "\(path).\(item.key)")
        }
        return rates
    }

    func readProductFractions(
        _ node: Node, _ path: String, current: ProductTable<Double>
    ) throws(RiskError) -> ProductTable<Double> {
        var table = current
        for item in try entries(node, path) {
            let value = try fraction(item.value, "\(path).\(item.key)")
            if item.key == "default" { table.fallback = value } else { table.entries[item.key] = value }
        }
        return table
    }

    func readLGD(_ node: Node, into config: inout RiskConfig) throws(RiskError) {
        for item in try entries(node, "lgd") {
            let path = "lgd.\(item.key)"
            if item.key == "column" {
                config.lgdColumn = try text(item.value, path)
                continue
            }
            var rule = item.key == "default" ? config.lgd.fallback : config.lgd[item.key]
            if item.value.scalar != nil {
                // A single number: the unsecured LGD, also used for secured loans.
                let value = try fraction(item.value, path)
                rule = LGDRule(unsecured: value, secured: value, haircut: rule.haircut)
            } else {
                for field in try entries(item.value, path) {
                    let key = "\(path).\(field.key)"
                    switch field.key {
                    case "unsecured": rule.unsecured = try fraction(field.value, key)
                    case "secured": rule.secured = try fraction(field.value, key)
                    case "haircut": rule.haircut = try fraction(field.value, key, belowOne: true)
                    case "ltv_bands": rule.ltvBands = try readBands(field.value, key)
                    default:
                        throw unknown(field.keyNode, key, allowed: ["unsecured", "secured", "haircut", "ltv_bands"])
                    }
                }
            }
            if item.key == "default" { config.lgd.fallback = rule } else { config.lgd.entries[item.key] = rule }
        }
    }

    func readBands(_ node: Node, _ path: String) throws(RiskError) -> [LTVBand] {
        var bands = [LTVBand]()
        for (i, band) in try list(node, path).enumerated() {
            let key = "\(path)[\(i)]"
            var maxLTV = Double.infinity
            var lgd: Double?
            for field in try entries(band, key) {
                switch field.key {
                case "max_ltv":
                    maxLTV = try number(field.value, "\(key).max_ltv")
                    if maxLTV <= 0 { throw fail(field.value, "\(key).max_ltv", "must be above 0") }
                case "lgd": lgd = try fraction(field.value, "\(key).lgd")
                default: throw unknown(field.keyNode, "\(key).\(field.key)", allowed: ["max_ltv", "lgd"])
                }
            }
            guard let lgd else { throw fail(band, key, "each band needs an lgd") }
            if let last = bands.last, maxLTV <= last.maxLTV {
                throw fail(band, "\(key).max_ltv", "bands must be in increasing order of max_ltv")
            }
            bands.append(LTVBand(maxLTV: maxLTV, lgd: lgd))
        }
        if bands.isEmpty { throw fail(node, path, "expected at least one band") }
        return bands
    }

    func readIRB(_ node: Node, into config: inout RiskConfig) throws(RiskError) {
        let allowed = [
            "asset_class", "pd_floor", "scaling", "maturity", "sales_column", "sales_per_million",
            "default_days_past_due", "default_classifications", "defaulted_el_share",
        ]
        for item in try entries(node, "irb") {
            let key = "irb.\(item.key)"
            switch item.key {
            case "asset_class":
                for product in try entries(item.value, key) {
                    let name = try text(product.value, "\(key).\(product.key)")
                    guard let assetClass = AssetClass(rawValue: name) else {
                        throw fail(
                            product.value, "\(key).\(product.key)",
                            "expected one of \(AssetClass.allCases.map(\.rawValue).joined(separator: ", ")), found '\(name)'"
                        )
                    }
                    if product.key == "default" {
                        config.assetClass.fallback = assetClass
                    } else {
                        config.assetClass.entries[product.key] = assetClass
                    }
                }
            case "pd_floor":
                for floor in try entries(item.value, key) {
                    guard let assetClass = AssetClass(rawValue: floor.key) else {
                        throw unknown(
                            floor.keyNode, "\(key).\(floor.key)", allowed: AssetClass.allCases.map(\.rawValue))
                    }
                    config.irb.pdFloors[assetClass] = try fraction(floor.value, "\(key).\(floor.key)")
                }
            case "scaling":
                let value = try number(item.value, key)
                if value <= 0 { throw fail(item.value, key, "must be above 0 (found \(value))") }
                config.irb.scaling = value
            case "maturity":
                if item.value.scalar?.string == "remaining" {
                    config.maturity = .remainingTerm
                } else {
                    let years = try number(item.value, key)
                    if years <= 0 { throw fail(item.value, key, "must be 'remaining' or a number of years above 0") }
                    config.maturity = .fixed(years)
                }
            case "sales_column": config.salesColumn = try text(item.value, key)
            case "sales_per_million":
                let value = try number(item.value, key)
                if value <= 0 { throw fail(item.value, key, "must be above 0 (found \(value))") }
                config.salesPerMillion = value
            case "default_days_past_due": config.defaultDaysPastDue = try integer(item.value, key, minimum: 0)
            case "default_classifications":
                var classes = Set<LoanClass>()
                for entry in try list(item.value, key) {
                    let label = try text(entry, key)
                    guard let loanClass = LoanClass(label: label) else {
                        throw fail(entry, key, "unknown classification '\(label)'")
                    }
                    classes.insert(loanClass)
                }
                config.defaultClasses = classes
            case "defaulted_el_share": config.defaultedELShare = try fraction(item.value, key)
            default: throw unknown(item.keyNode, key, allowed: allowed)
            }
        }
    }

    func readFloors(
        _ node: Node, _ path: String, current: ClassificationFloors
    ) throws(RiskError) -> ClassificationFloors {
        var days = current.minimumDays
        for item in try entries(node, path) {
            let key = "\(path).\(item.key)"
            guard let loanClass = LoanClass(label: item.key), loanClass != .normal else {
                throw unknown(item.keyNode, key, allowed: ["special_mention", "substandard", "doubtful", "loss"])
            }
            days[loanClass.rawValue - 1] = try integer(item.value, key, minimum: 1)
        }
        guard zip(days, days.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw fail(node, path, "the days must increase from special_mention to loss (found \(days))")
        }
        return ClassificationFloors(specialMention: days[0], substandard: days[1], doubtful: days[2], loss: days[3])
    }

    func readClassification(_ node: Node, into config: inout RiskConfig) throws(RiskError) {
        for item in try entries(node, "classification") {
            let key = "classification.\(item.key)"
            switch item.key {
            case "floors": config.floors = try readFloors(item.value, key, current: config.floors)
            case "credit_card_floors": config.cardFloors = try readFloors(item.value, key, current: config.cardFloors)
            case "credit_card_products":
                var products = Set<String>()
                for entry in try list(item.value, key) { products.insert(try text(entry, key)) }
                config.cardProducts = products
            default:
                throw unknown(item.keyNode, key, allowed: ["floors", "credit_card_floors", "credit_card_products"])
            }
        }
    }

    func readWatch(_ node: Node, into config: inout RiskConfig) throws(RiskError) {
        for item in try entries(node, "watch") {
            let key = "watch.\(item.key)"
            switch item.key {
            case "dpd_increase": config.watch.dpdIncrease = try integer(item.value, key, minimum: 0)
            case "utilization_jump":
                let value = try number(item.value, key)
                if value < 0 { throw fail(item.value, key, "must not be negative (found \(value))") }
                config.watch.utilizationJump = value
            case "score_drop":
                let value = try number(item.value, key)
                if value < 0 { throw fail(item.value, key, "must not be negative (found \(value))") }
                config.watch.scoreDrop = value
            case "score_column": config.watch.scoreColumn = try text(item.value, key)
            case "floor_crossing":
                guard let flag = item.value.bool else { throw fail(item.value, key, "expected true or false") }
                config.watch.floorCrossing = flag
            default:
                throw unknown(
                    item.keyNode, key,
                    allowed: ["dpd_increase", "utilization_jump", "score_drop", "score_column", "floor_crossing"])
            }
        }
    }
}
