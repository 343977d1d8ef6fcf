import ArgumentParser
import Foundation
import Ladder

/// `ladder diff OLD NEW [RECORDS]`: what changed between two versions of a policy, and whom it
/// affects.
struct Diff: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "diff",
    abstract: "Compare two versions of a policy in domain terms and, with records, show the impact.",
    discussion: """
      OLD and NEW are policy files or git revisions (HEAD~1:policies/b2b-service-tiers.yaml).
      With RECORDS, both versions are applied and the tier migration matrix, the entitlement
      changes and the records that moved are shown.

      Exit codes: 0 success, 1 a policy has errors or cannot be read, 3 a --fail-if gate failed,
      64 usage error, 65 unreadable records.
      """
  )

  @Argument(help: "The old version: a file or REV:PATH.")
  var old: String

  @Argument(help: "The new version: a file or REV:PATH.")
  var new: String

  @Argument(help: "Records to measure the impact on (CSV or JSON Lines).")
  var records: String?

  @OptionGroup var personalData: PersonalDataOption

  @Option(
    help:
      "Output format: text, json, markdown (for a pull-request comment) or html (one self-contained page: the migration matrix as a heat map, the movers)."
  )
  var format: Format = .text

  @Option(help: "The evaluation date, YYYY-MM-DD. Default: today (UTC).")
  var asOf: String?

  @Option(help: "The records' format: csv or jsonl. Default: from the extension.")
  var inputFormat: RecordFormat?

  @Option(help: "How many movers to list (default 20).")
  var top = 20

  @Flag(help: "List every record that moved.")
  var all = false

  @Option(help: "Fail (exit 3) when more than this share of records changes tier, e.g. 5%.")
  var failIfMoved: String?

  @Option(help: "Fail (exit 3) when more than N records move to a lower tier.")
  var failIfDowngraded: Int?

  @Option(help: "Fail (exit 3) when any record loses this benefit (repeatable).")
  var failIfBenefitLost: [String] = []

  @Option(
    help:
      "Fail (exit 3) when any record loses this benefit or gets a worse value of it, by the direction its 'entitlements' entry declares (repeatable)."
  )
  var failIfBenefitWorse: [String] = []

  enum Format: String, ExpressibleByArgument, CaseIterable {
    case text, json, markdown, html
  }

  func validate() throws {
    let benefitGates = failIfBenefitLost + failIfBenefitWorse
    if records == nil && (failIfMoved != nil || failIfDowngraded != nil || !benefitGates.isEmpty) {
      throw ValidationError("the --fail-if gates need RECORDS to measure the impact on")
    }
    if let failIfMoved, Self.parsePercent(failIfMoved) == nil {
      throw ValidationError("--fail-if-moved takes a percent such as 5%")
    }
  }

  static func parsePercent(_ text: String) -> FixedDecimal? {
    let digits = text.hasSuffix("%") ? String(text.dropLast()) : text
    return FixedDecimal(parsing: digits)
  }

  func run() throws {
    let sources = SourceRegistry()
    var diagnostics = DiagnosticBag()
    let oldPolicy = try load(old, sources: sources, diagnostics: &diagnostics)
    let newPolicy = try load(new, sources: sources, diagnostics: &diagnostics)
    guard let oldPolicy, let newPolicy else {
      StandardError.write(TextDiagnosticRenderer(sources: sources).render(diagnostics.sorted))
      StandardError.write("error: both versions must check clean to be compared\n")
      throw LadderExit.policyErrors
    }
    try checkGateBenefits(old: oldPolicy, new: newPolicy)
    personalData.announce()
    var impact: ImpactReport?
    if let records {
      let options = try RecordOptions.parse(
        [new, records] + (inputFormat.map { ["--input-format", $0.rawValue] } ?? [])
          + (asOf.map { ["--as-of", $0] } ?? []))
      let bytes = try options.readRecords()
      do {
        impact = try ImpactAnalysis.analyze(
          old: oldPolicy, new: newPolicy, bytes: bytes, format: try options.resolvedFormat(start: bytes),
          asOf: try options.resolvedAsOf())
      } catch let error as CSVRecordReader.HeaderError {
        StandardError.write(
          "error: \(StandardError.escaped(records)): \(StandardError.escaped(error.message))\n")
        throw LadderExit.badRecords
      }
    }
    let report = DiffReport(
      old: oldPolicy, new: newPolicy, oldName: old, newName: new,
      changes: PolicyDiff.changes(from: oldPolicy.checked, to: newPolicy.checked), impact: impact,
      recordsName: records,
      moverLimit: all ? nil : top)
    switch format {
    case .text: try StandardOutput.write(report.renderText())
    case .json: try StandardOutput.write(report.renderJSON())
    case .markdown: try StandardOutput.write(report.renderMarkdown())
    case .html: try StandardOutput.write(report.renderHTML())
    }
    try checkGates(impact)
  }

  func checkGates(_ impact: ImpactReport?) throws {
    guard let impact else { return }
    var failures: [String] = []
    if let failIfMoved, let limit = Self.parsePercent(failIfMoved), impact.evaluated > 0 {
      let share =
        (try? FixedDecimal(impact.movedCount * 100).divided(by: FixedDecimal(impact.evaluated))) ?? .zero
      if share > limit {
        failures.append(
          "\(DiffReport.percent(impact.movedCount, of: impact.evaluated)) of records changed tier, more than \(failIfMoved)"
        )
      }
    }
    if let failIfDowngraded, impact.downgradedCount > failIfDowngraded {
      failures.append(
        "\(DiffReport.agreeing(impact.downgradedCount, "record", "were")) downgraded, more than \(failIfDowngraded)"
      )
    }
    for benefit in failIfBenefitLost {
      if let change = impact.benefits.first(where: { $0.benefit == benefit }), change.lost > 0 {
        failures.append("\(DiffReport.agreeing(change.lost, "record", "lose")) \(benefit)")
      }
    }
    for benefit in failIfBenefitWorse {
      if let change = impact.benefits.first(where: { $0.benefit == benefit }), change.lost + change.worse > 0
      {
        let parts = [
          change.lost > 0 ? "\(DiffReport.agreeing(change.lost, "record", "lose")) \(benefit)" : nil,
          change.worse > 0 ? "\(DiffReport.agreeing(change.worse, "record", "get")) a worse \(benefit)" : nil,
        ].compactMap { $0 }
        failures.append(parts.joined(separator: " and "))
      }
    }
    for failure in failures { StandardError.write("gate failed: \(failure)\n") }
    if !failures.isEmpty { throw ExitCode(3) }
  }

  /// The benefits the gates name must be benefits of either version (a misspelt name would make a
  /// gate that can never fail), and a "worse" gate needs the direction that says what worse is.
  func checkGateBenefits(old: CompiledPolicy, new: CompiledPolicy) throws {
    let known = Set((old.checked.benefits + new.checked.benefits).flatMap { $0.map(\.name) })
    for (option, benefit) in failIfBenefitLost.map({ ("--fail-if-benefit-lost", $0) })
      + failIfBenefitWorse.map({ ("--fail-if-benefit-worse", $0) }) where !known.contains(benefit)
    {
      let suggestion = Suggestions.nearest(to: benefit, in: known.sorted()).map { "; did you mean '\($0)'?" }
      throw ValidationError(
        "\(option) '\(benefit)': neither version of the policy grants a benefit of that name\(suggestion ?? "")"
      )
    }
    let directions = new.checked.entitlementDirections.merging(old.checked.entitlementDirections) { new, _ in
      new
    }
    for benefit in failIfBenefitWorse where directions[benefit] == nil {
      throw ValidationError(
        "--fail-if-benefit-worse '\(benefit)': the policy does not say which direction is better; declare it under 'entitlements' (better: higher or lower)"
      )
    }
  }

  /// Loads a policy from a file, or from git for `REV:PATH`.
  func load(_ argument: String, sources: SourceRegistry, diagnostics: inout DiagnosticBag) throws
    -> CompiledPolicy?
  {
    if FileManager.default.fileExists(atPath: argument) {
      guard let file = PolicyLoader.load(argument, into: sources, diagnostics: &diagnostics) else {
        return nil
      }
      return PolicyCompiler.compile(
        file, into: &diagnostics, output: OutputOptions(showsPersonalData: personalData.showPersonalData),
        sources: sources)
    }
    guard argument.contains(":") else {
      StandardError.write("error: no such file: \(argument)\n")
      throw LadderExit.policyErrors
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["git", "show", argument]
    let output = Pipe()
    let error = Pipe()
    process.standardOutput = output
    process.standardError = error
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    _ = error.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      StandardError.write("error: git cannot show '\(argument)'\n")
      throw LadderExit.policyErrors
    }
    let file = sources.add(path: argument, bytes: [UInt8](data))
    return PolicyCompiler.compile(
      file, into: &diagnostics, output: OutputOptions(showsPersonalData: personalData.showPersonalData))
  }
}
