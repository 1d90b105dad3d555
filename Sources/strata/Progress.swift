import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A one-line progress display on standard error: label, bar, percent, count, rate and ETA.
///
/// ```
/// scoring  [=======>         ]  45%  4,512,000/10,000,000 loans  2.15M/s  ETA 0:03
/// ```
///
/// It draws only when standard error is a terminal (`isatty(2)`) and the work has run for more
/// than a second, at most ten times a second, and ``finish()`` erases the line; otherwise it
/// prints nothing, so logs and pipes (`strata … 2> log`) stay clean and standard output is never
/// touched. Safe to call from several threads at once (chunks report as they finish): the state
/// sits behind a `Mutex`.
///
/// ```swift
/// let progress = ProgressLine(label: "scoring", total: table.rowCount)
/// _ = parallelChunks(count: table.rowCount) { _, rows in
///     // … work …
///     progress.advance(by: rows.count)
/// }
/// progress.finish()
/// ```
final class ProgressLine: Sendable {
    /// What the work is, printed first.
    let label: String
    /// The units of work in all, or nil when unknown (no bar, percent or ETA then).
    let total: Int?
    /// The name of a unit of work ("rows", "loans", "paths").
    let unit: String
    /// Whether anything may be drawn at all.
    let isEnabled: Bool

    private struct State {
        var done = 0
        var lastDraw: ContinuousClock.Instant?
        var drawn = false
        var finished = false
    }

    private let start: ContinuousClock.Instant
    private let state = Mutex(State())
    private let width: Int

    /// Seconds of work before the line first appears.
    static let delay: Duration = .seconds(1)
    /// The shortest time between two redraws.
    static let interval: Duration = .milliseconds(100)

    /// True when standard error is a terminal.
    static var standardErrorIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    /// A progress line for `total` units of `unit` (nil total: unknown).
    ///
    /// - Parameter enabled: whether to draw at all; by default, when standard error is a terminal
    ///   and `TERM` is not `dumb`.
    init(label: String, total: Int?, unit: String = "rows", enabled: Bool? = nil) {
        self.label = label
        self.total = total.map { max(0, $0) }
        self.unit = unit
        let environment = ProcessInfo.processInfo.environment
        self.isEnabled = enabled ?? (ProgressLine.standardErrorIsTerminal && environment["TERM"] != "dumb")
        self.width = environment["COLUMNS"].flatMap(Int.init).map { max(40, $0) } ?? 80
        self.start = .now
    }

    deinit { finish() }

    /// Records `count` more units done and redraws when due. Call it per chunk, not per row: each
    /// call takes the lock.
    func advance(by count: Int) {
        guard isEnabled else { return }
        let now = ContinuousClock.now
        state.withLock { state in
            guard !state.finished else { return }
            state.done += count
            let elapsed = now - start
            guard elapsed >= ProgressLine.delay else { return }
            if let last = state.lastDraw, now - last < ProgressLine.interval { return }
            state.lastDraw = now
            state.drawn = true
            ProgressLine.writeToStandardError("\r" + render(done: state.done, elapsed: elapsed) + "\u{1B}[K")
        }
    }

    /// Ends the display: erases the line if one was drawn. Later ``advance(by:)`` calls do nothing.
    /// Dropping the progress line finishes it too.
    func finish() {
        guard isEnabled else { return }
        state.withLock { state in
            guard !state.finished else { return }
            state.finished = true
            if state.drawn { ProgressLine.writeToStandardError("\r\u{1B}[2K") }
        }
    }

    /// The text of the line for `done` units after `elapsed`, at most ``width`` - 1 columns.
    func render(done: Int, elapsed: Duration) -> String {
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        let rate = seconds > 0 ? Double(done) / seconds : 0
        var tail = ""
        var bar = ""
        if let total, total > 0 {
            let fraction = min(1, Double(done) / Double(total))
            tail += "  " + ProgressLine.pad(String(Int((fraction * 100).rounded(.down))), 3) + "%"
            tail += "  \(ProgressLine.grouped(done))/\(ProgressLine.grouped(total)) \(unit)"
            tail += "  \(ProgressLine.compact(rate))/s"
            if rate > 0 && done < total {
                tail += "  ETA " + ProgressLine.clock(Double(total - done) / rate)
            }
            let room = width - 1 - label.count - tail.count - 4
            if room >= 10 {
                let cells = min(40, room)
                let filled = Int(fraction * Double(cells))
                bar = "  [" + String(repeating: "=", count: filled)
                bar += filled < cells ? ">" + String(repeating: " ", count: cells - filled - 1) : ""
                bar += "]"
            }
        } else {
            tail += "  \(ProgressLine.grouped(done)) \(unit)  \(ProgressLine.compact(rate))/s"
            tail += "  " + ProgressLine.clock(seconds)
        }
        let line = label + bar + tail
        return line.count < width ? line : String(line.prefix(width - 1))
    }

    /// `value` with `,` between groups of three digits.
    static func grouped(_ value: Int) -> String {
        let digits = Array(String(value.magnitude))
        var text = value < 0 ? "-" : ""
        for (i, digit) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { text += "," }
            text.append(digit)
        }
        return text
    }

    /// A rate in three significant figures with k, M or G: 2_140_000 → `2.14M`.
    static func compact(_ value: Double) -> String {
        guard value.isFinite, value >= 0 else { return "-" }
        let units: [(Double, String)] = [(1e9, "G"), (1e6, "M"), (1e3, "k")]
        for (scale, suffix) in units where value >= scale {
            return threeFigures(value / scale) + suffix
        }
        return threeFigures(value)
    }

    static func threeFigures(_ value: Double) -> String {
        guard value.isFinite, value >= 0, value < 1e15 else { return "-" }
        let decimals = value >= 100 ? 0 : value >= 10 ? 1 : 2
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = Int((value * scale).rounded())
        let whole = scaled / Int(scale)
        let fraction = scaled % Int(scale)
        return decimals == 0 ? String(whole) : "\(whole)." + pad(String(fraction), decimals, "0")
    }

    /// Seconds as `m:ss`, or `h:mm:ss` from an hour on.
    static func clock(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0, seconds < 360_000 else { return "--:--" }  // 100 h and more
        let total = Int(seconds.rounded())
        let (h, m, s) = (total / 3600, total / 60 % 60, total % 60)
        return h > 0
            ? "\(h):" + pad(String(m), 2, "0") + ":" + pad(String(s), 2, "0") : "\(m):" + pad(String(s), 2, "0")
    }

    static func pad(_ text: String, _ width: Int, _ fill: Character = " ") -> String {
        String(repeating: fill, count: max(0, width - text.count)) + text
    }

    /// Writes `text` to standard error, ignoring failures (a closed stderr must not stop work).
    static func writeToStandardError(_ text: String) {
        try? FileHandle.standardError.write(contentsOf: Data(text.utf8))
    }
}
