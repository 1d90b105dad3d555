import Foundation

/// Reads the committed fixture files beside this test target (Tests/PortfolioRiskTests/Fixtures).
enum FixtureFiles {
    /// The path of fixture `name`.
    static func path(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
            .appendingPathComponent(name).path
    }

    /// The text of fixture `name`.
    static func text(_ name: String) throws -> String {
        try String(contentsOfFile: path(name), encoding: .utf8)
    }

    /// A simple CSV fixture (no quoted commas): the header and the rows, skipping `#` comment lines.
    static func csv(_ name: String) throws -> (header: [String], rows: [[String]]) {
        let lines = try text(name).split(separator: "\n", omittingEmptySubsequences: true)
            .filter { !$0.hasPrefix("#") }
        let split = lines.map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        return (split[0], Array(split.dropFirst()))
    }
}
