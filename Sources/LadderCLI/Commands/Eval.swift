import ArgumentParser
import Foundation
import Ladder

/// `ladder eval POLICY RECORDS`: applies a policy to every record.
struct Eval: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Apply a policy to records and write one decision per record.",
    discussion: """
      Reads CSV or JSON Lines, writes JSON Lines (default), CSV or an aligned table, one line per
      record in input order. Bad records are rejected with their line, field and reason; the counts
      are printed on standard error at the end.

      -o and --rejects replace their files in one step, only when everything was written; they
      refuse a directory, a device, a named pipe, one of the inputs, or the same file twice.

      Exit codes: 0 success, 1 invalid policy, 64 usage error, 65 bad record with --on-error fail
      (or an unreadable input), 74 output could not be written (the file was left as it was).
      """
  )

  @OptionGroup var options: RecordOptions

  @Option(help: "Output format: jsonl, csv or table.")
  var format: OutputFormat = .jsonl

  @Option(name: .shortAndLong, help: "Write the output to FILE (atomically) instead of standard output.")
  var output: String?

  @Option(help: "Also write rejected records to FILE, one JSON object per line.")
  var rejects: String?

  @Option(
    help:
      "What to do with a bad record: skip (reject and go on), fail (stop, exit 65) or emit (write an error line in its place)."
  )
  var onError: OnError = .skip

  @Flag(help: "Add the full explanation trace to every JSON Lines record.")
  var explain = false

  func validate() throws {
    if explain && format != .jsonl { throw ValidationError("--explain needs --format jsonl") }
  }

  func run() throws {
    // Output paths are checked before any work: nothing is replaced that must not be.
    let outputTarget = try OutputTarget.resolve(output ?? "-", option: "-o")
    let rejectsTarget = try rejects.map { try OutputTarget.resolve($0, option: "--rejects") }
    try OutputTarget.checkDistinct(
      [("-o", outputTarget)] + (rejectsTarget.map { [("--rejects", $0)] } ?? []),
      inputs: [("policy file", options.policy), ("records file", options.records)])
    let policy = try options.loadPolicy()
    let format = try options.resolvedFormat()
    let asOf = try options.resolvedAsOf()
    // CSV is read block by block (flat memory however large the input); JSON Lines at once.
    let blocks = format == .csv ? try options.openRecords() : nil
    let stream = blocks.map { blocks in { blocks.next() } }
    let bytes = blocks == nil ? try options.readRecords() : []
    let sink = try OutputSink(outputTarget)
    let rejectSink = try rejectsTarget.map { try OutputSink($0) }
    let evaluator = BatchEvaluator(policy: policy, asOf: asOf, trace: explain)
    let progress = Progress(totalBytes: bytes.count)
    var read = 0
    var evaluated = 0
    var rejected = 0
    var failedAt: RecordProblem?
    var table = DecisionTable(policy: policy)

    if self.format == .csv {
      sink.write(DecisionCSV.header(policy: policy, withErrors: onError == .emit) + "\n")
    }
    // Decisions are rendered on the worker threads; this closure only formats one record.
    let outputFormat = self.format
    let withErrors = onError == .emit
    var render: (@Sendable (RecordOutcome) -> String)?
    if outputFormat != .table {
      render = { outcome in
        guard case .decided(_, let decision) = outcome else { return "" }
        if outputFormat == .jsonl { return DecisionJSON.render(decision, policy: policy, asOf: asOf) + "\n" }
        return DecisionCSV.render(decision, asOf: asOf, withErrors: withErrors) + "\n"
      }
    }
    do {
      let handleOutcome = { (outcome: RecordOutcome, text: String?) in
        guard failedAt == nil else { return }
        read += 1
        progress.tick(read)
        switch outcome {
        case .decided(_, let decision):
          evaluated += 1
          if let text { sink.write(text) } else { table.add(decision) }
        case .rejected(let problem):
          rejected += 1
          StandardError.write(Self.describe(problem, origin: options.origin) + "\n")
          rejectSink?.write(DecisionJSON.renderRejection(problem) + "\n")
          switch onError {
          case .fail: failedAt = problem
          case .skip: break
          case .emit:
            switch self.format {
            case .jsonl: sink.write(DecisionJSON.renderError(problem, policy: policy) + "\n")
            case .csv:
              sink.write(
                DecisionCSV.renderError(problem, asOf: asOf, outputCount: policy.checked.outputs.count) + "\n"
              )
            case .table: table.add(problem)
            }
          }
        }
      }
      if let stream {
        // CSV to CSV runs over columns when the policy compiles to kernels; the same bytes either way.
        let handlePiece = { (piece: EvaluatedPiece) in
          switch piece {
          case .rendered(let bytes, let records):
            guard failedAt == nil else { return }
            read += records
            evaluated += records
            progress.tick(read)
            sink.write(bytes: bytes)
          case .outcome(let outcome, let text):
            handleOutcome(outcome, text)
          }
        }
        var columnar = false
        if outputFormat == .csv {
          columnar = try evaluator.evaluateColumnar(
            csvSource: stream, origin: options.origin, withErrors: withErrors, render: render, handlePiece)
        } else if outputFormat == .jsonl {
          columnar = try evaluator.evaluateColumnarJSONL(
            csvSource: stream, origin: options.origin, render: render, handlePiece)
        }
        if !columnar {
          try evaluator.evaluate(csvSource: stream, origin: options.origin, render: render, handleOutcome)
        }
      } else {
        try evaluator.evaluate(
          bytes: bytes, format: format, origin: options.origin, render: render, handleOutcome)
      }
    } catch {
      sink.abandon()
      rejectSink?.abandon()
      StandardError.write(
        "error: \(StandardError.escaped(options.origin)): \(StandardError.escaped(error.message))\n")
      throw LadderExit.badRecords
    }
    progress.finish()
    if let failure = blocks?.failure {
      sink.abandon()
      rejectSink?.abandon()
      throw options.cannotRead(failure)
    }
    if self.format == .table {
      sink.write("\(policy.id) \(policy.version) · as of \(asOf)\n" + table.render())
    }
    if let failedAt {
      sink.abandon()
      rejectSink?.abandon()
      StandardError.write(
        "stopped at line \(failedAt.line) (--on-error fail): read \(read), evaluated \(evaluated), rejected \(rejected)\n"
      )
      throw LadderExit.badRecords
    }
    try sink.commit()
    try rejectSink?.commit()
    StandardError.write("read \(read), evaluated \(evaluated), rejected \(rejected) (as of \(asOf))\n")
  }

  /// `records.csv:7: C2024007: field 'spend_12m': 'abc' is not a number`
  /// Everything that comes from the records (key, field, the value quoted in the reason) is
  /// escaped: a record must not be able to forge a line on standard error.
  static func describe(_ problem: RecordProblem, origin: String) -> String {
    var text = "\(StandardError.escaped(origin)):\(problem.line): rejected"
    if let key = problem.key, !key.isEmpty { text += " \(StandardError.escaped(key))" }
    if let field = problem.field { text += ": field '\(StandardError.escaped(field))'" }
    return text + ": \(StandardError.escaped(problem.reason))"
  }
}

/// A progress line on standard error, only when it is a terminal and the input is large.
final class Progress {
  private let enabled: Bool
  private var lastShown = Date()

  init(totalBytes: Int) {
    enabled = isatty(FileHandle.standardError.fileDescriptor) != 0 && totalBytes > 16 << 20
  }

  func tick(_ records: Int) {
    guard enabled, records % 10_000 == 0, Date().timeIntervalSince(lastShown) > 0.5 else { return }
    lastShown = Date()
    StandardError.write("\r\(records) records…")
  }

  func finish() {
    if enabled { StandardError.write("\r\u{1B}[K") }
  }
}
