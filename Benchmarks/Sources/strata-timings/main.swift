// strata-timings: times one Strata operation on one file and prints one JSON object on stdout.
//
// The Strata side of peers/compare.py, which runs this and the peers' scripts as separate
// processes, interleaved, on the same files. Each run does one operation once, so every
// measurement starts from a fresh process (fresh heap, no warm buffers), as each peer's does.
//
//   strata-timings generate --loans N --out FILE
//   strata-timings ingest FILE.csv [--snapshot-out FILE.strata]
//   strata-timings load FILE.strata [--no-verify]
//   strata-timings groupby FILE          (FILE: .strata, loaded with verification before timing, or .csv;
//                                         the query runs once untimed, then once timed)
//   common: [--threads N] (default: STRATA_THREADS, else all cores)
//
// Output: {"op", "seconds" (the operation alone), "cpu_seconds" (CPU time of the process meanwhile),
// "rows", "peak_rss" (bytes, whole process: VmHWM),
// "base_rss" (bytes resident just before the operation), "threads", plus per-operation fields}.

import BenchmarkData
import Foundation
import StrataFrame
import StrataKernels

#if canImport(Glibc)
    import Glibc
#endif

/// A command-line mistake or a failed operation: one `error:` line and exit code 2 or 1.
struct Failure: Error {
    let message: String
    var code: Int32 = 1
}

/// The arguments after the operation name.
struct Arguments {
    var positional: [String] = []
    var options: [String: String] = [:]
    var flags: Set<String> = []

    init(_ list: ArraySlice<String>) throws(Failure) {
        let valued: Set<String> = ["--loans", "--out", "--threads", "--snapshot-out", "--seed"]
        var iterator = list.makeIterator()
        while let item = iterator.next() {
            if valued.contains(item) {
                guard let value = iterator.next() else { throw Failure(message: "\(item) needs a value", code: 2) }
                options[item] = value
            } else if item.hasPrefix("--") {
                flags.insert(item)
            } else {
                positional.append(item)
            }
        }
    }

    func integer(_ name: String) throws(Failure) -> Int? {
        guard let text = options[name] else { return nil }
        guard let value = Int(text), value > 0 else {
            throw Failure(message: "\(name) must be a positive integer", code: 2)
        }
        return value
    }

    func file() throws(Failure) -> String {
        guard positional.count == 1 else { throw Failure(message: "expected exactly one input file", code: 2) }
        return positional[0]
    }
}

/// Resident memory of this process now, from /proc/self/statm (bytes).
func residentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = text.split(separator: " ")
    guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

/// The largest resident size of this process image since its exec (bytes): `VmHWM` of
/// /proc/self/status. Not getrusage's `ru_maxrss`, which Linux carries over from the parent
/// through fork and exec (a child started by a big parent would report the parent's peak).
func peakResidentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        if fields.count >= 2, let kib = Int(fields[1]) { return kib * 1024 }
    }
    return 0
}

/// CPU seconds used so far by all threads of this process.
func processCPUSeconds() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) * 1e-9
}

/// How long an operation took: wall-clock seconds and CPU seconds of the whole process.
struct Timing {
    let seconds: Double
    let cpuSeconds: Double
}

/// Runs `body` and measures it.
func timed<R>(_ body: () throws -> R) rethrows -> (R, Timing) {
    let cpuStart = processCPUSeconds()
    let start = ContinuousClock.now
    let result = try body()
    let elapsed = ContinuousClock.now - start
    let cpu = processCPUSeconds() - cpuStart
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    return (result, Timing(seconds: seconds, cpuSeconds: cpu))
}

/// One JSON object on one line; values are numbers or strings.
func printJSON(_ fields: [(String, Any)]) {
    let body = fields.map { key, value -> String in
        switch value {
        case let text as String:
            let escaped = text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            return "\"\(key)\": \"\(escaped)\""
        case let number as Double: return "\"\(key)\": \(number)"
        default: return "\"\(key)\": \(value)"
        }
    }
    print("{" + body.joined(separator: ", ") + "}")
}

/// A table from a snapshot (verified, so every page has been read) or from a CSV tape.
func loadTable(_ path: String, threads: Int) throws -> Table {
    if path.hasSuffix(".\(Snapshot.fileExtension)") { return try Snapshot.load(path: path, verify: true) }
    return try CSVIngest.ingest(path: path, options: IngestOptions(threads: threads)).table
}

func run(_ argv: [String]) throws {
    guard argv.count >= 2 else {
        throw Failure(message: "usage: strata-timings generate|ingest|load|groupby ARGS (see the source)", code: 2)
    }
    let operation = argv[1]
    let arguments = try Arguments(argv.dropFirst(2))
    if let given = try arguments.integer("--threads") {
        // Before anything reads Parallel.threadCount: operations without a thread parameter (the
        // snapshot load) follow it too.
        setenv("STRATA_THREADS", String(given), 1)
    }
    let threads = Parallel.threadCount

    switch operation {
    case "generate":
        guard let loans = try arguments.integer("--loans"), let out = arguments.options["--out"] else {
            throw Failure(message: "generate needs --loans N and --out FILE", code: 2)
        }
        let seed = UInt64(try arguments.integer("--seed") ?? Int(TapeCache.seed))
        let generator = LoanTapeGenerator(loans: loans, seed: seed, asOf: TapeCache.asOf)
        let (_, timing) = try timed { try generator.write(to: out, threads: threads) }
        let size = (try? FileManager.default.attributesOfItem(atPath: out)[.size] as? Int) ?? 0
        printJSON([
            ("op", "generate"), ("seconds", timing.seconds), ("cpu_seconds", timing.cpuSeconds), ("rows", loans),
            ("bytes", size), ("threads", threads),
            ("peak_rss", peakResidentBytes()),
        ])

    case "ingest":
        let path = try arguments.file()
        let base = residentBytes()
        let (result, timing) = try timed { try CSVIngest.ingest(path: path, options: IngestOptions(threads: threads)) }
        let peak = peakResidentBytes()
        if let out = arguments.options["--snapshot-out"] { try Snapshot.write(result.table, to: out) }
        printJSON([
            ("op", "ingest"), ("seconds", timing.seconds), ("cpu_seconds", timing.cpuSeconds),
            ("rows", result.accepted), ("rejected", result.rejected),
            ("threads", threads), ("base_rss", base), ("peak_rss", peak),
            ("column_bytes", TapeCache.columnBytes(result.table)),
        ])

    case "load":
        let path = try arguments.file()
        let verify = !arguments.flags.contains("--no-verify")
        let base = residentBytes()
        let (table, timing) = try timed { try Snapshot.load(path: path, verify: verify) }
        printJSON([
            ("op", verify ? "load-verify" : "load"), ("seconds", timing.seconds), ("cpu_seconds", timing.cpuSeconds),
            ("rows", table.rowCount),
            ("threads", threads), ("base_rss", base), ("peak_rss", peakResidentBytes()),
            ("column_bytes", TapeCache.columnBytes(table)),
        ])

    case "groupby":
        let table = try loadTable(try arguments.file(), threads: threads)
        let balance = try table.float64("balance")
        func query() throws -> (GroupBy, [Double], [Int]) {
            let groups = try GroupBy(table, by: ["product", "region", "classification"], threads: threads)
            return (groups, groups.sums(balance), groups.counts())
        }
        _ = try query()  // warm-up, untimed, as for the peers
        let base = residentBytes()
        let ((groups, sums, counts), timing) = try timed(query)
        let checksum = sums.reduce(0, +)
        printJSON([
            ("op", "groupby"), ("seconds", timing.seconds), ("cpu_seconds", timing.cpuSeconds),
            ("rows", counts.reduce(0, +)), ("groups", groups.groupCount),
            ("balance_total", checksum), ("threads", threads), ("base_rss", base), ("peak_rss", peakResidentBytes()),
        ])

    default:
        throw Failure(message: "unknown operation '\(operation)' (generate, ingest, load, groupby)", code: 2)
    }
}

// The same process set-up as the `strata` command.
ProcessSetup.configure()
do {
    try run(CommandLine.arguments)
} catch let failure as Failure {
    FileHandle.standardError.write(Data("error: \(failure.message)\n".utf8))
    exit(failure.code)
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
