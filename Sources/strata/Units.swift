import StrataReports

/// Human-readable sizes, durations and rates for the CLI's summary lines.
enum Units {
    /// `1.23 GB`, `456.7 MB`, `12 KB`, `99 B` (decimal units).
    static func bytes(_ count: Int) -> String {
        let value = Double(count)
        if value >= 1e9 { return NumberText.fixed(value / 1e9, decimals: 2) + " GB" }
        if value >= 1e6 { return NumberText.fixed(value / 1e6, decimals: 1) + " MB" }
        if value >= 1e3 { return NumberText.fixed(value / 1e3, decimals: 0) + " KB" }
        return "\(count) B"
    }

    /// A duration in seconds, attoseconds included.
    static func seconds(of duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }

    /// `2.345 s` or `12 ms`.
    static func seconds(_ value: Double) -> String {
        value >= 1 ? NumberText.fixed(value, decimals: 3) + " s" : NumberText.fixed(value * 1000, decimals: 0) + " ms"
    }

    /// Items per second with thousands separators.
    static func rate(_ count: Int, _ seconds: Double) -> String {
        guard seconds > 0 else { return "-" }
        return NumberText.grouped(Int64((Double(count) / seconds).rounded()))
    }
}
