import ArgumentParser
import Ladder

/// The `ladder` command: a thin layer over the Ladder library.
@main
struct LadderCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "ladder",
    abstract: "Check and apply customer tiering policies.",
    discussion: """
      Exit codes: 0 success, 1 policy errors, 3 a diff gate failed, 4 the ledger refused or found a
      problem, 64 usage error, 65 bad records, 70 internal error, 74 output could not be written.
      See docs/cli.md for every command.
      """,
    version: LadderVersion.current,
    subcommands: [
      Check.self, Lint.self, Eval.self, Explain.self, Test.self, Fmt.self, Diff.self, Schema.self,
      Run.self, History.self, ShowKey.self, Replay.self, OverrideCommand.self, ApproveCommand.self,
      RejectCommand.self, OverridesCommand.self, ExportCommand.self, ChangesCommand.self, LedgerCommand.self,
      Serve.self, TokenHash.self, Report.self, Stats.self,
    ]
  )
}

enum LadderVersion {
  static let current = "0.1.0"
}
