import ArgumentParser
import Foundation
import Ladder

/// `ladder explain POLICY RECORDS --id KEY`: why one record got its tier.
struct Explain: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "explain",
    abstract:
      "Explain the decision for one record: inputs, score components, tiers tried, benefits, triggers.",
    discussion: """
      Personal fields are masked. The text form is for people: it opens with one plain sentence
      (the tier, what made it hold, why each tier above did not) and names where in the policy
      each rule is written only with --locations. --format json gives the same trace as
      canonical JSON, locations included.

      Exit codes: 0 success, 1 invalid policy, 64 usage error, 65 the record is missing or rejected.
      """
  )

  @OptionGroup var options: RecordOptions

  @Option(help: "The key of the record to explain.")
  var id: String

  @Option(help: "Output format: text or json.")
  var format: TraceFormat = .text

  @Flag(help: "In the text form, also say where in the policy each value, band and benefit is written.")
  var locations = false

  @Flag(
    help:
      "After the trace, the smallest change of one input at a time that reaches the next tier up, and the margin before a drop."
  )
  var whatItTakes = false

  enum TraceFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
  }

  func run() throws {
    let policy = try options.loadPolicy()
    let evaluator = BatchEvaluator(policy: policy, asOf: try options.resolvedAsOf(), trace: true)
    let bytes = try options.readRecords()
    let recordFormat = try options.resolvedFormat(start: bytes)
    var found: [RecordOutcome] = []
    do {
      let source = RecordSource.bytes(bytes, format: recordFormat, origin: options.origin)
      try evaluator.evaluate(
        source,
        into: OutcomeCallback { outcome in
          switch outcome {
          case .decided(_, let decision) where decision.key == id: found.append(outcome)
          case .rejected(let problem) where problem.key == id: found.append(outcome)
          default: break
          }
        })
    } catch {
      StandardError.write(
        "error: \(StandardError.escaped(options.origin)): \(StandardError.escaped(error.message))\n")
      throw LadderExit.badRecords
    }
    guard !found.isEmpty else {
      StandardError.write(
        "error: no record with \(policy.keyName) '\(id)' in \(options.origin)\n")
      throw LadderExit.badRecords
    }
    var rejectedAny = false
    for (index, outcome) in found.enumerated() {
      switch outcome {
      case .decided(let line, let decision):
        guard let trace = decision.trace else { continue }
        if format == .json {
          if whatItTakes {
            // The trace and the answer side by side: {"trace":…,"what_it_takes":…}.
            let answer = evaluator.whatItTakes(bytes: bytes, format: recordFormat, line: line)
            try StandardOutput.write(
              "{\"trace\":\(TraceJSON.render(trace)),\"what_it_takes\":\(answer.map(WhatItTakesJSON.render) ?? "null")}\n"
            )
          } else {
            try StandardOutput.write(TraceJSON.render(trace) + "\n")
          }
        } else {
          if index > 0 { try StandardOutput.write("\n") }
          try StandardOutput.write(TraceText.render(trace, locations: locations))
          if whatItTakes {
            try StandardOutput.write(
              evaluator.whatItTakes(bytes: bytes, format: recordFormat, line: line).map(
                WhatItTakesText.render)
                ?? "\nwhat it takes: not available for a policy with population functions\n")
          }
        }
      case .rejected(let problem):
        rejectedAny = true
        StandardError.write(Eval.describe(problem, origin: options.origin) + "\n")
      }
    }
    if rejectedAny { throw LadderExit.badRecords }
  }
}
