import ArgumentParser
import Foundation
import Ladder
import LadderLedger

/// Where the ledger is and who is acting: shared by the commands that use one.
struct LedgerOptions: ParsableArguments {
  @Option(help: "The ledger file (SQLite). Created by the first run.")
  var ledger = "ladder.db"

  @Option(help: "Output format: text or json.")
  var format: LedgerFormat = .text

  enum LedgerFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
  }

  func open() throws -> Ledger {
    do {
      return try Ledger(path: ledger)
    } catch {
      StandardError.write("error: \(error)\n")
      throw LadderExit.ledgerRefused
    }
  }

  /// Runs `body`, turning a ledger error into its message and exit code 4.
  func attempt<T>(_ body: () throws(LedgerError) -> T) throws -> T {
    do {
      return try body()
    } catch {
      StandardError.write("error: \(error)\n")
      throw LadderExit.ledgerRefused
    }
  }
}

/// `ladder run POLICY RECORDS --as-of D`: evaluates and records the run in the ledger.
struct Run: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Evaluate records and record the run, its decisions and tier changes in the ledger.",
    discussion: """
      One transaction: an interrupted run leaves the ledger as it was. The same policy, as-of date
      and input are recorded once; a key that occurs twice refuses the run. Personal fields are
      never stored. The acting user is --by, else $LADDER_USER, else $USER.

      Exit codes: 0 recorded, 1 invalid policy, 4 the ledger refused the run, 64 usage error,
      65 the input cannot be read.
      """
  )

  @OptionGroup var options: RecordOptions
  @OptionGroup var ledgerOptions: LedgerOptions

  @Option(help: "Who is running it (recorded with the run).")
  var by: String?

  @Option(help: "How many tier changes to list in the text output (default 20; JSON lists all).")
  var top = 20

  @Flag(help: "List every tier change in the text output.")
  var all = false

  func run() throws {
    let policy = try options.loadPolicy()
    let asOf = try options.resolvedAsOf()
    let bytes = try options.readRecords()
    let format = try options.resolvedFormat(start: bytes)
    let ledger = try ledgerOptions.open()
    let user = Self.actingUser(by)
    let run = try ledgerOptions.attempt { () throws(LedgerError) in
      try ledger.record(
        policy, records: bytes, format: format, inputName: options.origin, asOf: asOf, by: user)
    }
    for problem in run.rejections {
      StandardError.write(Eval.describe(problem, origin: options.origin) + "\n")
    }
    switch ledgerOptions.format {
    case .json:
      let writer = JSONWriter()
      writer.object {
        writer.field("run") { writer.number(Int(run.id)) }
        writer.field("policy") {
          writer.object {
            writer.field("id") { writer.string(run.policy) }
            writer.field("version") { writer.string(run.version) }
            writer.field("sha256") { writer.string(run.policySHA256) }
          }
        }
        writer.field("as_of") { writer.string(run.asOf.description) }
        writer.field("by") { writer.string(user) }
        writer.field("read") { writer.number(run.read) }
        writer.field("evaluated") { writer.number(run.evaluated) }
        writer.field("rejected") { writer.number(run.rejected) }
        writer.field("changes") {
          writer.array(run.changes) { change in
            writer.object {
              writer.field("key") { writer.string(change.key) }
              writer.field("from") { writer.optionalString(change.from) }
              writer.field("to") { writer.optionalString(change.to) }
              writer.field("new") { writer.bool(change.isNew) }
            }
          }
        }
        writer.field("head") { writer.string(run.hash) }
      }
      try StandardOutput.write(writer.output + "\n")
    case .text:
      var out =
        "run \(run.id) recorded in \(ledgerOptions.ledger): \(run.policy) \(run.version) as of \(run.asOf), by \(user)\n"
      out += "read \(run.read), evaluated \(run.evaluated), rejected \(run.rejected)\n"
      let new = run.changes.filter(\.isNew).count
      out += "tier changes: \(run.changes.count)\(new > 0 ? " (\(new) new)" : "")\n"
      let listed = all ? run.changes : Array(run.changes.prefix(max(0, top)))
      out += TraceText.table(
        listed.map { [$0.key, "\($0.isNew ? "new" : $0.from ?? "no tier") → \($0.to ?? "no tier")"] },
        indent: "  ")
      if listed.count < run.changes.count {
        out +=
          "  … and \(run.changes.count - listed.count) more (--all lists them; ladder history KEY shows one)\n"
      }
      out += "head \(run.hash)\n"
      try StandardOutput.write(out)
    }
  }

  /// `--by`, else `$LADDER_USER`, else `$USER`.
  static func actingUser(_ by: String?) -> String {
    let environment = ProcessInfo.processInfo.environment
    return by ?? environment["LADDER_USER"] ?? environment["USER"] ?? "unknown"
  }
}

/// `ladder history KEY`: every recorded decision for one key.
struct History: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Show every recorded decision for one key, oldest first, and where its tier changed.",
    discussion: "Exit codes: 0 found, 4 nothing recorded for the key (or the ledger cannot be read).")

  @Argument(help: "The record's key.")
  var key: String

  @OptionGroup var ledgerOptions: LedgerOptions

  func run() throws {
    let ledger = try ledgerOptions.open()
    let entries = try ledgerOptions.attempt { () throws(LedgerError) in try ledger.history(key: key) }
    guard !entries.isEmpty else {
      StandardError.write(
        "error: nothing is recorded for '\(StandardError.escaped(key))' in \(ledgerOptions.ledger)\n")
      throw LadderExit.ledgerRefused
    }
    switch ledgerOptions.format {
    case .json:
      for entry in entries { try StandardOutput.write(ShowKey.json(entry) + "\n") }
    case .text:
      let rows = entries.map { entry in
        [
          entry.asOf, "run \(entry.run)", entry.tier ?? "no tier", entry.score ?? "",
          entry.flags.isEmpty ? "" : "flags: " + entry.flags.joined(separator: ", "),
          "\(entry.policy) \(entry.version)", entry.changedTier ? "← tier set" : "",
        ]
      }
      try StandardOutput.write("\(key)\n" + TraceText.table(rows, indent: "  "))
    }
  }
}

/// `ladder show KEY --as-of D`: the decision in force on a date, and why.
struct ShowKey: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "show",
    abstract: "Show the tier a key had on a date, the run and policy that decided it, and (--trace) why.",
    discussion: """
      The decision in force is the one of the latest run as of that date. --trace makes the
      decision again from the policy text and inputs stored in the ledger and prints its trace.

      Exit codes: 0 found, 4 no decision on or before that date (or the ledger cannot be read).
      """)

  @Argument(help: "The record's key.")
  var key: String

  @Option(help: "The date, YYYY-MM-DD. Default: today (UTC).")
  var asOf: String?

  @Flag(help: "Also print the decision's trace, made again from the ledger.")
  var trace = false

  @OptionGroup var ledgerOptions: LedgerOptions

  func run() throws {
    let date = try RecordOptions.parseDate(asOf)
    let ledger = try ledgerOptions.open()
    let found = try ledgerOptions.attempt { () throws(LedgerError) in
      try ledger.show(key: key, asOf: date, trace: trace)
    }
    guard let decision = found else {
      StandardError.write(
        "error: no decision for '\(StandardError.escaped(key))' on or before \(date) in \(ledgerOptions.ledger)\n"
      )
      throw LadderExit.ledgerRefused
    }
    switch ledgerOptions.format {
    case .json:
      try StandardOutput.write(Self.json(decision) + "\n")
    case .text:
      var out = "\(key) on \(date): \(decision.tier ?? "no tier")"
      if let since = decision.tierSince { out += ", since \(since)" }
      out +=
        "\n  decided by run \(decision.run) as of \(decision.asOf): policy \(decision.policy) \(decision.version)"
      out += " (sha256 \(decision.policySHA256)), recorded by \(decision.ranBy) at \(decision.ranAt)\n"
      out +=
        "  score \(decision.score ?? "none"); flags: \(decision.flags.isEmpty ? "none" : decision.flags.joined(separator: ", "))\n"
      if let trace = decision.trace { out += "\n" + TraceText.render(trace) }
      try StandardOutput.write(out)
    }
  }

  static func json(_ decision: StoredDecision) -> String {
    let writer = JSONWriter()
    writer.object {
      writer.field("key") { writer.string(decision.key) }
      writer.field("tier") { writer.optionalString(decision.tier) }
      writer.field("score") { writer.optionalString(decision.score) }
      writer.field("flags") { writer.array(decision.flags) { writer.string($0) } }
      writer.field("tier_since") { writer.optionalString(decision.tierSince) }
      writer.field("tier_changed") { writer.bool(decision.changedTier) }
      writer.field("run") { writer.number(Int(decision.run)) }
      writer.field("as_of") { writer.string(decision.asOf) }
      writer.field("policy") {
        writer.object {
          writer.field("id") { writer.string(decision.policy) }
          writer.field("version") { writer.string(decision.version) }
          writer.field("sha256") { writer.string(decision.policySHA256) }
        }
      }
      writer.field("recorded_by") { writer.string(decision.ranBy) }
      writer.field("recorded_at") { writer.string(decision.ranAt) }
      if let trace = decision.trace { writer.field("trace") { writer.raw(TraceJSON.render(trace)) } }
    }
    return writer.output
  }
}

/// `ladder replay RUN`: makes a stored run's decisions again from the ledger alone.
struct Replay: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Make every decision of a recorded run again from the ledger alone and compare them.",
    discussion: "Exit codes: 0 every decision identical, 4 a difference (listed) or no such run.")

  @Argument(help: "The run's number (ladder ledger runs lists them).")
  var number: Int64

  @OptionGroup var ledgerOptions: LedgerOptions

  func run() throws {
    let ledger = try ledgerOptions.open()
    let result = try ledgerOptions.attempt { () throws(LedgerError) in try ledger.replay(run: number) }
    var out = "run \(number): \(result.decisions) decisions replayed from \(ledgerOptions.ledger) alone: "
    out += result.isIdentical ? "all identical\n" : "\(result.differences.count) differ\n"
    for difference in result.differences { out += "  \(difference)\n" }
    try StandardOutput.write(out)
    if !result.isIdentical { throw LadderExit.ledgerRefused }
  }
}

/// `ladder ledger verify|runs`.
struct LedgerCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "ledger", abstract: "Inspect the ledger: verify its hash chain, list its runs.",
    subcommands: [Verify.self, Runs.self])

  struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Recompute every digest and the hash chain; report any edited, added or removed row.",
      discussion: "Exit codes: 0 intact, 4 a problem was found (listed) or the ledger cannot be read.")

    @OptionGroup var ledgerOptions: LedgerOptions

    func run() throws {
      let ledger = try ledgerOptions.open()
      let result = try ledgerOptions.attempt { () throws(LedgerError) in try ledger.verify() }
      var out = "\(ledgerOptions.ledger): \(result.runs) runs, \(result.decisions) decisions, "
      out +=
        result.isIntact
        ? "the chain is intact\n"
        : "\(result.problems.count) problem\(result.problems.count == 1 ? "" : "s")\n"
      for problem in result.problems { out += "  \(problem)\n" }
      out += "head \(result.head)\n"
      try StandardOutput.write(out)
      if !result.isIntact { throw LadderExit.ledgerRefused }
    }
  }

  struct Runs: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the recorded runs, oldest first.")

    @OptionGroup var ledgerOptions: LedgerOptions

    func run() throws {
      let ledger = try ledgerOptions.open()
      let runs = try ledgerOptions.attempt { () throws(LedgerError) in try ledger.runs() }
      let rows = runs.map { run in
        [
          "run \(run.id)", run.asOf, "\(run.policy) \(run.version)", run.input,
          "read \(run.read), evaluated \(run.evaluated), rejected \(run.rejected)", "\(run.changes) changes",
          "by \(run.ranBy)",
        ]
      }
      try StandardOutput.write(TraceText.table(rows, indent: ""))
    }
  }
}
