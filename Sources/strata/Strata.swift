import ArgumentParser
import Foundation
import StrataFrame
import StrataKernels

#if canImport(Glibc)
    import Glibc
#endif

/// The `strata` command: portfolio analytics for bank credit.
///
/// Every subcommand reads a loan tape (`.csv`) or a snapshot (`.strata`), prints readable tables
/// (or one JSON object with `--json`) on stdout, progress on stderr, and on bad input one
/// `error:` line on stderr with a non-zero exit.
@main
struct Strata: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "strata",
        abstract: "Portfolio analytics for bank credit: ingest, scorecards, segments, risk, stress.",
        version: StrataVersion.current,
        subcommands: [
            GenerateCommand.self, IngestCommand.self, InspectCommand.self, RiskCommand.self, IRBCommand.self,
            MigrateCommand.self, WatchCommand.self, VintageCommand.self, SegmentCommand.self, TiersCommand.self,
            ScorecardCommand.self, ScoreCommand.self,
        ]
    )

    /// Runs the command line, mapping Strata's errors to one `error:` line and exit code 1.
    /// Usage errors keep argument-parser's message and exit code.
    static func main() {
        ProcessSetup.configure()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as CleanExit {
            exit(withError: error)
        } catch let error as ExitCode {
            exit(withError: error)
        } catch let error as CommandFailure {
            StandardError.write("error: \(error.message)\n")
            Glibc.exit(error.exitCode)
        } catch let error as any Error & CustomStringConvertible where !(error is ValidationError) {
            // Library errors (StrataFrameError, KernelError, ...) describe themselves in one line.
            if isArgumentParserError(error) { exit(withError: error) }
            StandardError.write("error: \(error.description)\n")
            Glibc.exit(1)
        } catch {
            exit(withError: error)
        }
    }

    private static func isArgumentParserError(_ error: any Error) -> Bool {
        String(reflecting: type(of: error)).hasPrefix("ArgumentParser.")
    }
}

/// Strata's version, recorded in model files and run manifests.
enum StrataVersion {
    static let current = "0.1.0"
}

/// A failure the command itself decided on (for example too many rejected rows), with the exit code.
struct CommandFailure: Error {
    let message: String
    var exitCode: Int32 = 1
}

/// Writes to standard error without going through C's `stderr` global (not usable in Swift 6 mode).
enum StandardError {
    static func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
