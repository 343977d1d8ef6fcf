import ArgumentParser
import Foundation
import Ladder
import LadderLedger

/// Where the ledger is and who is acting: shared by the commands that use one.
/// The output format of the ledger commands that print records.
enum LedgerFormat: String, ExpressibleByArgument, CaseIterable {
  case text, json
}

struct LedgerOptions: ParsableArguments {
  @Option(help: "The ledger file (SQLite). Created by the first run.")
  var ledger = "ladder.db"

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
    commandName: "run",
    abstract: "Evaluate records and record the run, its decisions and tier changes in the ledger.",
    discussion: """
      One transaction: an interrupted run leaves the ledger as it was. The same policy, as-of date
      and input are recorded once; a key that occurs twice refuses the run. Personal fields are
      never stored. The acting user is --by, else $LADDER_USER, else $USER.

      A policy with a lifecycle: section keeps tiers by its rules (upgrades and downgrades at once
      or at the review, grace, minimum stay, one tier at a time, approvals): the run lists the
      changes it made and those it held back, with what would keep the tier of each customer who
      will drop at its next review. Such runs are recorded in as-of order.

      Exit codes: 0 recorded, 1 invalid policy, 4 the ledger refused the run, 64 usage error,
      65 the input cannot be read.
      """
  )

  @OptionGroup var options: RecordOptions
  @Option(help: "Output format: text or json.")
  var format: LedgerFormat = .text

  @OptionGroup var ledgerOptions: LedgerOptions

  @Option(help: "Who is running it (recorded with the run).")
  var by: String?

  @Option(help: "How many tier changes to list in the text output (default 20; JSON lists all).")
  var top = 20

  @Flag(help: "List every tier change in the text output.")
  var all = false

  @Flag(
    help:
      "In JSON, say for every customer who will drop at its next review what single change would keep its tier (text does it for those it lists)."
  )
  var whatItTakes = false

  func run() throws {
    let policy = try options.loadPolicy()
    // The ledger keeps the policy's text for replay; a calendar file would be lost from it.
    if let file = policy.checked.includedFiles.first {
      StandardError.write(
        "error: \(options.policy) names the calendar file '\(file.path)'; the ledger keeps a policy's own text only, so write its calendars in the policy to record runs of it\n"
      )
      throw LadderExit.ledgerRefused
    }
    let asOf = try options.resolvedAsOf()
    // Read block by block while the run evaluates; standard input is kept, for what it takes below.
    let input = try options.openRecords()
    let recordFormat = try options.resolvedFormat(start: input.peek())
    let ledger = try ledgerOptions.open()
    let user = Self.actingUser(by)
    var kept: [UInt8] = []
    let keepsInput = options.records == "-"
    let run: RecordedRun
    do {
      run = try ledgerOptions.attempt { () throws(LedgerError) in
        try ledger.record(
          policy,
          source: {
            let block = input.next()
            if keepsInput { kept += block }
            return block
          }, readFailure: { input.failure.map(errnoText) }, format: recordFormat, inputName: options.origin,
          asOf: asOf, by: user)
      }
    } catch {
      // Records that could not be read to their end are bad input (65), not a refusal.
      if input.failure != nil { throw LadderExit.badRecords }
      throw error
    }
    for problem in run.rejections {
      StandardError.write(Eval.describe(problem, origin: options.origin) + "\n")
    }
    // What it takes to keep the tier, for the warnings shown: one more read of the input.
    let warned = run.held.filter { $0.outcome == .downgradeAtReview }
    let shownWarnings =
      format == .json ? (whatItTakes ? warned : []) : (all ? warned : Array(warned.prefix(max(0, top))))
    let lines = Set(shownWarnings.map(\.line))
    let answers =
      lines.isEmpty
      ? [:]
      : BatchEvaluator(policy: policy, asOf: asOf).whatItTakes(
        bytes: keepsInput ? kept : try options.readRecords(), format: recordFormat, lines: lines)
    func toKeep(_ held: HeldChange) -> [WhatItTakes.Change]? {
      guard let answer = answers[held.line], answer.nextUp == held.tier else { return nil }
      return answer.toReachNextUp
    }
    switch format {
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
              writer.field("outcome") { writer.string(change.outcome.rawValue) }
              if let computed = change.computed { writer.field("computed") { writer.string(computed) } }
            }
          }
        }
        writer.field("held") {
          writer.array(run.held) { held in
            writer.object {
              writer.field("key") { writer.string(held.key) }
              writer.field("tier") { writer.optionalString(held.tier) }
              writer.field("computed") { writer.optionalString(held.computed) }
              writer.field("outcome") { writer.string(held.outcome.rawValue) }
              writer.field("reviews_below") { writer.number(held.reviewsBelow) }
              writer.field("next_review") { writer.optionalString(held.nextReview?.description) }
              writer.field("held_until") { writer.optionalString(held.heldUntil?.description) }
              if held.outcome == .awaitingApproval {
                writer.field("proposed") { writer.optionalString(held.proposed) }
                writer.field("request") { held.request.map { writer.number(Int($0)) } ?? writer.null() }
              }
              if let changes = toKeep(held) {
                writer.field("to_keep") { WhatItTakesJSON.write(changes, into: writer) }
              }
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
      let new = run.changes.count(where: \.isNew)
      out += "tier changes: \(run.changes.count)\(new > 0 ? " (\(new) new)" : "")\n"
      let listed = all ? run.changes : Array(run.changes.prefix(max(0, top)))
      out += TraceText.table(
        listed.map { change in
          var row = [
            change.key, "\(change.isNew ? "new" : change.from ?? "no tier") → \(change.to ?? "no tier")",
          ]
          if !change.isNew {
            row.append(change.outcome == .upgraded ? "up" : change.outcome == .downgraded ? "down" : "")
          }
          if let computed = change.computed {
            row[row.count - 1] += " (one tier; the policy gives \(computed))"
          }
          return row
        },
        indent: "  ")
      if listed.count < run.changes.count {
        out +=
          "  … and \(run.changes.count - listed.count) more (--all lists them; ladder history KEY shows one)\n"
      }
      if !run.held.isEmpty {
        let warnings = run.held.filter { $0.outcome == .downgradeAtReview }.count
        out +=
          "held back by the lifecycle: \(run.held.count)\(warnings > 0 ? " (\(warnings) will drop at their next review unless something changes)" : "")\n"
        let shown = all ? run.held : Array(run.held.prefix(max(0, top)))
        for held in shown {
          out += "  \(held.key)  \(Self.describe(held))\n"
          guard let changes = toKeep(held) else { continue }
          let ways = changes.prefix(3).map { "\($0.input) \($0.from) → \($0.to)" }
          out +=
            ways.isEmpty
            ? "      no change of one input keeps \(held.tier ?? "its tier")\n"
            : "      to keep \(held.tier ?? "its tier"): \(ways.joined(separator: ", or "))\n"
        }
        if shown.count < run.held.count {
          out += "  … and \(run.held.count - shown.count) more (--all lists them)\n"
        }
      }
      out += "head \(run.hash)\n"
      try StandardOutput.write(out)
    }
  }

  /// A held change in words: what stays, what the policy gives, and until when.
  static func describe(_ held: HeldChange) -> String {
    let tier = held.tier ?? "no tier"
    let computed = held.computed ?? "no tier"
    let review = held.nextReview.map { " on \($0)" } ?? ""
    switch held.outcome {
    case .downgradeAtReview:
      return "stays \(tier); drops to \(computed) at its review\(review) unless something changes"
    case .awaitingApproval:
      let request = held.request.map { "ladder approve \($0) (or reject \($0))" } ?? "a request"
      return "stays \(tier); the change to \(held.proposed ?? "no tier") waits for approval: \(request)"
    case .upgradeAtReview: return "stays \(tier); rises to \(computed) at its review\(review)"
    case .heldByGrace:
      return
        "stays \(tier) by grace: below it at \(held.reviewsBelow) review\(held.reviewsBelow == 1 ? "" : "s") in a row (the policy gives \(computed))"
    case .heldByMinimumStay:
      return
        "stays \(tier) until \(held.heldUntil?.description ?? "?") (minimum stay; the policy gives \(computed))"
    case .assigned, .kept, .upgraded, .downgraded: return "\(tier) (the policy gives \(computed))"
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
    commandName: "history",
    abstract: "Show every recorded decision for one key, oldest first, and where its tier changed.",
    discussion: "Exit codes: 0 found, 4 nothing recorded for the key (or the ledger cannot be read).")

  @Argument(help: "The record's key.")
  var key: String

  @Option(help: "Output format: text or json.")
  var format: LedgerFormat = .text

  @OptionGroup var ledgerOptions: LedgerOptions

  func run() throws {
    let ledger = try ledgerOptions.open()
    let entries = try ledgerOptions.attempt { () throws(LedgerError) in try ledger.history(key: key) }
    guard !entries.isEmpty else {
      StandardError.write(
        "error: nothing is recorded for '\(StandardError.escaped(key))' in \(ledgerOptions.ledger)\n")
      throw LadderExit.ledgerRefused
    }
    switch format {
    case .json:
      for entry in entries { try StandardOutput.write(ShowKey.json(entry) + "\n") }
    case .text:
      let rows = entries.map { entry in
        [
          entry.asOf, "run \(entry.run)", entry.assignedTier ?? "no tier", entry.score ?? "",
          entry.flags.isEmpty ? "" : "flags: " + entry.flags.joined(separator: ", "),
          "\(entry.policy) \(entry.version)",
          (entry.changedTier ? "← tier set" : "") + Self.lifecycleNote(entry),
        ]
      }
      let overrides = try ledgerOptions.attempt { () throws(LedgerError) in try ledger.overrides(key: key) }
      var out = "\(key)\n" + TraceText.table(rows, indent: "  ")
      for override in overrides { out += "  \(override.tier) by \(OverrideText.describe(override))\n" }
      try StandardOutput.write(out)
    }
  }
}

extension History {
  /// What the lifecycle did, when the tier kept differs from the policy's or a change waits.
  static func lifecycleNote(_ entry: StoredDecision) -> String {
    guard let outcome = entry.lifecycle, entry.assignedTier != entry.tier else { return "" }
    let computed = entry.tier ?? "no tier"
    let note: String
    switch outcome {
    case .downgradeAtReview, .upgradeAtReview: note = "the policy gives \(computed) from the next review"
    case .heldByGrace: note = "held by grace (the policy gives \(computed))"
    case .awaitingApproval: note = "a change waits for approval (the policy gives \(computed))"
    case .heldByMinimumStay: note = "held by the minimum stay (the policy gives \(computed))"
    case .downgraded: note = "one tier down (the policy gives \(computed))"
    case .assigned, .kept, .upgraded: note = "the policy gives \(computed)"
    }
    return (entry.changedTier ? "; " : "") + note
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

  @Option(help: "Output format: text or json.")
  var format: LedgerFormat = .text

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
    switch format {
    case .json:
      try StandardOutput.write(Self.json(decision) + "\n")
    case .text:
      var out = "\(key) on \(date): "
      if let override = decision.override {
        out += "\(override.tier) by \(OverrideText.describe(override))\n"
        out += "  the policy alone gives \(decision.tier ?? "no tier")"
      } else {
        out += decision.assignedTier ?? "no tier"
        if decision.assignedTier != decision.tier {
          out += " (kept by the lifecycle: \(History.lifecycleNote(decision)))"
        }
      }
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

  static func json(_ decision: StoredDecision) -> String { LedgerJSON.decision(decision) }
}

/// `ladder replay RUN`: makes a stored run's decisions again from the ledger alone.
struct Replay: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "replay",
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
    commandName: "ledger", abstract: "Inspect the ledger: verify its hash chain, list its runs, report them.",
    subcommands: [Verify.self, Runs.self, RunsReportCommand.self])

  /// `ladder ledger report`: tier counts run by run and the flows between consecutive runs, as a
  /// page, markdown or JSON (issue 16).
  struct RunsReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "report",
      abstract: "Report a range of runs: customers per tier after each run, and who moved between runs.",
      discussion: """
        The tier in force after each run (the policy's lifecycle; overrides are not counted), per
        run, and for each pair of consecutive runs the customers who moved from each tier to each
        other (joining or leaving the runs included). Customers are counted, never listed.

        Exit codes: 0 success, 4 the ledger cannot be read, 64 usage error, 74 output not written.
        """)

    @OptionGroup var ledgerOptions: LedgerOptions

    @Option(help: "The first run of the range (default: the first run).")
    var from: Int64?

    @Option(help: "The last run of the range (default: the last run).")
    var to: Int64?

    @Option(help: "Output format: html, markdown or json.")
    var format: Report.ReportFormat = .html

    @Option(name: .shortAndLong, help: "Write the report to FILE (atomically) instead of standard output.")
    var output: String?

    func validate() throws {
      if let from, let to, from > to { throw ValidationError("--from \(from) comes after --to \(to)") }
    }

    func run() throws {
      let outputTarget = try OutputTarget.resolve(output ?? "-", option: "-o")
      try OutputTarget.checkDistinct([("-o", outputTarget)], inputs: [("ledger", ledgerOptions.ledger)])
      let ledger = try ledgerOptions.open()
      let report = try ledgerOptions.attempt { () throws(LedgerError) in
        try ledger.runsReport(from: from, to: to)
      }
      try Report.write(
        format, to: outputTarget, charts: report.charts(), html: { report.renderHTML() },
        markdown: { report.renderMarkdown(chartFiles: $0) }, json: { report.renderJSON() })
    }
  }

  struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "verify",
      abstract: "Recompute every digest and the hash chain; report any edited, added or removed row.",
      discussion: "Exit codes: 0 intact, 4 a problem was found (listed) or the ledger cannot be read.")

    @OptionGroup var ledgerOptions: LedgerOptions

    func run() throws {
      let ledger = try ledgerOptions.open()
      let result = try ledgerOptions.attempt { () throws(LedgerError) in try ledger.verify() }
      func count(_ number: Int, _ noun: String) -> String { "\(number) \(noun)\(number == 1 ? "" : "s")" }
      var out =
        "\(ledgerOptions.ledger): \(count(result.runs, "run")), \(count(result.decisions, "decision")), "
      if result.overrides > 0 { out += "\(count(result.overrides, "override")), " }
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
    static let configuration = CommandConfiguration(
      commandName: "runs", abstract: "List the recorded runs, oldest first.")

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

/// How an override reads: `override 1 (requested by alice: strategic account; approved by bob,
/// in force from 2024-03-05; until 2024-12-31)`.
enum OverrideText {
  static func describe(_ override: TierOverride) -> String {
    let name = override.run == nil ? "override" : "change"
    var text = "\(name) \(override.id) (requested by \(override.requestedBy): \(override.reason); "
    switch override.status {
    case .pending: text += "pending"
    case .approved(let by, _, let from, _):
      text += "approved by \(by), \(override.run == nil ? "in force" : "assigned") from \(from)"
    case .rejected(let by, _, let reason): text += "rejected by \(by)\(reason.map { ": \($0)" } ?? "")"
    }
    text += override.until.map { "; until \($0))" } ?? ")"
    return text
  }

  static func write(_ override: TierOverride, into writer: JSONWriter) {
    LedgerJSON.write(override, into: writer)
  }
}

/// `ladder override KEY --tier T --reason …`: asks for a manual tier, pending approval.
struct OverrideCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "override",
    abstract:
      "Request a manual tier for a key, with a reason; it is in force once another person approves it.",
    discussion: """
      The override is recorded as pending. `ladder approve N` by a different person puts it in
      force from that day until --until (inclusive), or for good; `ladder reject N` drops it.
      The acting user is --by, else $LADDER_USER, else $USER.

      Exit codes: 0 recorded, 4 refused (unknown key or tier, no reason, a past --until, an
      override of the key still pending), 64 usage error.
      """)

  @Argument(help: "The record's key.")
  var key: String

  @Option(help: "The tier to put the key in.")
  var tier: String

  @Option(help: "Why (recorded, and shown with every later answer about the key).")
  var reason: String

  @Option(help: "The last day the override is in force, YYYY-MM-DD. Default: until it is replaced.")
  var until: String?

  @Option(help: "Who asks for it.")
  var by: String?

  @Option(help: "Output format: text or json.")
  var format: LedgerFormat = .text

  @OptionGroup var ledgerOptions: LedgerOptions

  func run() throws {
    let end = try until.map { text -> CivilDate in
      guard let date = CivilDate(parsing: text) else {
        throw ValidationError("--until '\(text)' is not a date (YYYY-MM-DD)")
      }
      return date
    }
    let ledger = try ledgerOptions.open()
    let user = Run.actingUser(by)
    let override = try ledgerOptions.attempt { () throws(LedgerError) in
      try ledger.requestOverride(key: key, tier: tier, reason: reason, until: end, by: user)
    }
    try OverridesCommand.print([override], format: format)
  }
}

/// `ladder approve N`: a second person puts a pending override in force.
struct ApproveCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "approve",
    abstract:
      "Approve a pending override (in force from today) or lifecycle change (assigned from today). Its requester cannot approve it.",
    discussion:
      "Exit codes: 0 approved, 4 refused (no such override or change, already decided, requested by you, ended, out of date)."
  )

  @Argument(help: "The override's or change's number.")
  var number: Int64

  @Option(help: "Why (optional).")
  var reason: String?

  @Option(help: "Who approves it.")
  var by: String?

  @Option(help: "Output format: text or json.")
  var format: LedgerFormat = .text

  @OptionGroup var ledgerOptions: LedgerOptions

  func run() throws {
    try OverridesCommand.decide(number, approve: true, by: by, reason: reason, ledgerOptions, format: format)
  }
}

/// `ladder reject N --reason …`: drops a pending override (its requester may withdraw it so).
struct RejectCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "reject",
    abstract: "Reject a pending override or lifecycle change (its requester may withdraw it this way).",
    discussion: "Exit codes: 0 rejected, 4 refused (no such override or change, already decided).")

  @Argument(help: "The override's or change's number.")
  var number: Int64

  @Option(help: "Why.")
  var reason: String

  @Option(help: "Who rejects it.")
  var by: String?

  @Option(help: "Output format: text or json.")
  var format: LedgerFormat = .text

  @OptionGroup var ledgerOptions: LedgerOptions

  func run() throws {
    try OverridesCommand.decide(number, approve: false, by: by, reason: reason, ledgerOptions, format: format)
  }
}

/// `ladder overrides [--pending] [--key K]`.
struct OverridesCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "overrides", abstract: "List overrides, oldest first: all, one key's, or the pending ones.")

  @Option(help: "Only this key's.")
  var key: String?

  @Flag(help: "Only those waiting for approval.")
  var pending = false

  @Option(help: "Output format: text or json.")
  var format: LedgerFormat = .text

  @OptionGroup var ledgerOptions: LedgerOptions

  func run() throws {
    let ledger = try ledgerOptions.open()
    let overrides = try ledgerOptions.attempt { () throws(LedgerError) in
      try ledger.overrides(key: key, pendingOnly: pending)
    }
    try Self.print(overrides, format: format)
  }

  /// Approves or rejects override `number` and prints it.
  static func decide(
    _ number: Int64, approve: Bool, by: String?, reason: String?, _ ledgerOptions: LedgerOptions,
    format: LedgerFormat
  ) throws {
    let ledger = try ledgerOptions.open()
    let user = Run.actingUser(by)
    let override = try ledgerOptions.attempt { () throws(LedgerError) in
      try ledger.decide(override: number, approve: approve, by: user, reason: reason)
    }
    try print([override], format: format)
  }

  static func print(_ overrides: [TierOverride], format: LedgerFormat) throws {
    switch format {
    case .json:
      for override in overrides {
        let writer = JSONWriter()
        OverrideText.write(override, into: writer)
        try StandardOutput.write(writer.output + "\n")
      }
    case .text:
      try StandardOutput.write(
        overrides.map { "\($0.key) → \($0.tier) by \(OverrideText.describe($0))\n" }.joined())
    }
  }
}

/// `ladder export --as-of D`: every key's tier in force on a date, for other systems.
struct ExportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "export",
    abstract: "Write every key's tier in force on a date (overrides applied), as CSV or JSON Lines.",
    discussion: """
      One line per key, by key: the tier in force, the policy's tier, score, since when, the run
      that decided it, and the override in force if any.

      Exit codes: 0 written, 4 the ledger cannot be read.
      """)

  @Option(help: "The date, YYYY-MM-DD. Default: today (UTC).")
  var asOf: String?

  @Option(help: "Output format: csv or jsonl.")
  var format: RecordFormat = .csv

  @OptionGroup var ledgerOptions: LedgerOptions

  func run() throws {
    let date = try RecordOptions.parseDate(asOf)
    let ledger = try ledgerOptions.open()
    let tiers = try ledgerOptions.attempt { () throws(LedgerError) in try ledger.tiersInForce(on: date) }
    var out = ""
    switch format {
    case .csv:
      out += "key,tier,policy_tier,score,since,run,decided_as_of,override,override_until,as_of\n"
      for entry in tiers {
        let fields: [String] = [
          entry.key, entry.tier ?? "", entry.policyTier ?? "", entry.score ?? "", entry.since ?? "",
          "\(entry.run)",
          entry.decidedAsOf, entry.override.map(String.init) ?? "", entry.overrideUntil ?? "",
          date.description,
        ]
        out += fields.map(DecisionCSV.field).joined(separator: ",") + "\n"
      }
    case .jsonl:
      for entry in tiers {
        let writer = JSONWriter()
        writer.object {
          writer.field("key") { writer.string(entry.key) }
          writer.field("tier") { writer.optionalString(entry.tier) }
          writer.field("policy_tier") { writer.optionalString(entry.policyTier) }
          writer.field("score") { writer.optionalString(entry.score) }
          writer.field("since") { writer.optionalString(entry.since) }
          writer.field("run") { writer.number(Int(entry.run)) }
          writer.field("decided_as_of") { writer.string(entry.decidedAsOf) }
          writer.field("override") {
            if let id = entry.override { writer.number(Int(id)) } else { writer.null() }
          }
          writer.field("override_until") { writer.optionalString(entry.overrideUntil) }
          writer.field("as_of") { writer.string(date.description) }
        }
        out += writer.output + "\n"
      }
    }
    try StandardOutput.write(out)
  }
}

/// `ladder changes --since RUN`: the changes of the tier in force recorded after a run.
struct ChangesCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "changes",
    abstract:
      "List the changes of the tier in force recorded after a run (later runs' tier changes, approved overrides).",
    discussion: """
      In the order the ledger recorded them: what to send to systems that follow the ledger. An
      override's last day is on its line (until); after it, the policy's tier is in force again.

      Exit codes: 0 listed, 4 no such run (or the ledger cannot be read).
      """)

  @Option(help: "The run after which to list changes (0: from the beginning).")
  var since: Int64

  @Option(help: "Output format: csv or jsonl.")
  var format: RecordFormat = .jsonl

  @OptionGroup var ledgerOptions: LedgerOptions

  func run() throws {
    let ledger = try ledgerOptions.open()
    let changes = try ledgerOptions.attempt { () throws(LedgerError) in try ledger.changes(since: since) }
    var out = format == .csv ? "key,tier,effective,source,until\n" : ""
    for change in changes {
      switch format {
      case .csv:
        out +=
          [change.key, change.tier ?? "", change.effective, change.source, change.until ?? ""].map(
            DecisionCSV.field
          )
          .joined(separator: ",") + "\n"
      case .jsonl:
        let writer = JSONWriter()
        writer.object {
          writer.field("key") { writer.string(change.key) }
          writer.field("tier") { writer.optionalString(change.tier) }
          writer.field("effective") { writer.string(change.effective) }
          writer.field("source") { writer.string(change.source) }
          writer.field("until") { writer.optionalString(change.until) }
        }
        out += writer.output + "\n"
      }
    }
    try StandardOutput.write(out)
  }
}
