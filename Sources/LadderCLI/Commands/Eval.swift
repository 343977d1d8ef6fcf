import ArgumentParser
import Foundation
import Ladder

/// `ladder eval POLICY RECORDS`: applies a policy to every record.
struct Eval: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "eval",
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

  @Flag(
    help: ArgumentHelp(
      "Write traces in the compact form: a header line that states the policy's trace once, then per decision only its values.",
      discussion:
        "scripts/expand-trace.py expands it into the --explain output, byte for byte (docs/compact-trace.md)."
    ))
  var compactTrace = false

  @Flag(
    help:
      "Add to every JSON Lines record the smallest change of one input that would move it up a tier, and the margin before it drops one (slower: a search per record)."
  )
  var whatItTakes = false

  @Flag(help: "Leave the as_of column out of CSV output (it is there by default).")
  var noAsOfColumn = false

  @Option(
    help: ArgumentHelp(
      "CSV input without a header line (one part of a larger file): its columns, comma-separated, or 'policy' for the policy's inputs in the order they are declared. The first line is then a record (line 1), and CSV output has no header line either: one line out for each record in.",
      valueName: "names|policy"))
  var header: String?

  @Flag(
    help:
      "With --header: the part holds every record of the population, so a policy with population functions (percentiles, ABC classes) may decide it."
  )
  var wholePopulation = false

  @Option(
    help: ArgumentHelp(
      "The whole population's statistics (ladder stats, then ladder stats --merge): this part's records are ranked in the whole population, as one run over every part would rank them. - reads them from standard input, ahead of the records.",
      valueName: "file"))
  var stats: String?

  @Option(
    help:
      "With --stats: this part's name in the statistics. Default: the records file's name without its folders."
  )
  var part: String?

  func validate() throws {
    if part != nil && stats == nil { throw ValidationError("--part goes with --stats") }
    if stats == "-" && (options.records != "-" || options.inputFormat == nil) {
      throw ValidationError(
        "--stats - reads the statistics, then the records, from standard input: pass - for the records and --input-format"
      )
    }
    if explain && format != .jsonl { throw ValidationError("--explain needs --format jsonl") }
    if compactTrace && format != .jsonl { throw ValidationError("--compact-trace needs --format jsonl") }
    if whatItTakes && format != .jsonl { throw ValidationError("--what-it-takes needs --format jsonl") }
    if noAsOfColumn && format != .csv { throw ValidationError("--no-as-of-column is for --format csv") }
  }

  func run() throws {
    // Output paths are checked before any work: nothing is replaced that must not be.
    let outputTarget = try OutputTarget.resolve(output ?? "-", option: "-o")
    let rejectsTarget = try rejects.map { try OutputTarget.resolve($0, option: "--rejects") }
    try OutputTarget.checkDistinct(
      [("-o", outputTarget)] + (rejectsTarget.map { [("--rejects", $0)] } ?? []),
      inputs: [("policy file", options.policy), ("records file", options.records)])
    let policy = try options.loadPolicy(csvAsOfColumn: !noAsOfColumn)
    let asOf = try options.resolvedAsOf()
    // Standard input's format is told by its first bytes; a file's by its name, before anything.
    let sniffed = options.records == "-" && options.inputFormat == nil
    let named = sniffed ? nil : try options.resolvedFormat()
    let input = try options.openRecords()
    // The outputs exist (as temporary files) before the input is read: a run interrupted while it
    // waits on standard input removes them.
    let output = try OutputSink(outputTarget)
    let rejectOutput = try rejectsTarget.map { try OutputSink($0) }
    func abandon() {
      output.abandon()
      rejectOutput?.abandon()
    }
    let format = named ?? RecordOptions.sniff(input.peek())
    let columns = try header.map { try Self.columns($0, policy: policy) }
    if columns != nil && format != .csv {
      abandon()
      throw Self.headerRefusedForJSONLines
    }
    // A part's percentiles would be the part's, not the population's: refused unless it is all.
    if stats != nil && policy.populationSites.isEmpty {
      abandon()
      throw ValidationError(
        "--stats is for a policy with population functions; policy '\(policy.id)' decides each record alone")
    }
    if columns != nil && !policy.populationSites.isEmpty && !wholePopulation && stats == nil {
      abandon()
      throw ValidationError(
        "policy '\(policy.id)' ranks records against each other (population functions), so one part of a file cannot be decided alone; decide the whole file, or pass --whole-population if this part holds every record"
      )
    }
    var evaluator = BatchEvaluator(
      policy: policy, asOf: asOf, trace: explain, compactTrace: compactTrace, whatItTakes: whatItTakes)
    // Read block by block, CSV and JSON Lines alike: flat memory however large the input. A part
    // decided with the whole population's statistics is read first, to be checked against them.
    let blocks = input
    var source: RecordSource =
      format == .csv
      ? .csv(blocks: { blocks.next() }, origin: options.origin, columns: columns)
      : .jsonLines(blocks: { blocks.next() }, origin: options.origin)
    if let stats {
      do {
        let (reads, place) = try partOfPopulation(
          stats, evaluator: evaluator, columns: columns, format: format, blocks)
        evaluator.partOfPopulation = place
        source = .records(reads, origin: options.origin)
      } catch {
        abandon()
        throw error
      }
    }
    // The lines are counted only when the progress line is shown.
    let progress = Progress(size: blocks.totalBytes ?? 0) { blocks.estimatedLines }
    blocks.countsLines = progress.isShown
    let sink = EvalSink(
      policy: policy, asOf: asOf, format: self.format, onError: onError, origin: options.origin,
      output: output, rejects: rejectOutput, progress: progress)
    // A part without a header line gives a part without one: its lines can be joined to others'.
    if self.format == .csv && columns == nil {
      output.write(DecisionCSV.header(policy: policy, withErrors: onError == .emit) + "\n")
    }
    if compactTrace { output.write(evaluator.compactTraceHeader(origin: options.origin) + "\n") }
    do {
      try evaluator.evaluate(source, into: sink)
    } catch {
      abandon()
      StandardError.write(
        "error: \(StandardError.escaped(options.origin)): \(StandardError.escaped(error.message))\n")
      throw LadderExit.badRecords
    }
    sink.progress.finish()
    if let failure = blocks.failure {
      abandon()
      throw options.cannotRead(failure)
    }
    if self.format == .table {
      let moment = policy.checked.outputOptions.asOfTime.map(\.description) ?? asOf.description
      output.write("\(policy.id) \(policy.version) · as of \(moment)\n" + sink.table.render())
    }
    let counts = "read \(sink.read), evaluated \(sink.evaluated), rejected \(sink.rejected)"
    if let failedAt = sink.failedAt {
      abandon()
      StandardError.write("stopped at line \(failedAt.line) (--on-error fail): \(counts)\n")
      throw LadderExit.badRecords
    }
    try output.commit()
    try rejectOutput?.commit()
    StandardError.write("\(counts) (as of \(asOf))\n")
  }

  /// The records of this part, read whole, and where they are in the whole population's
  /// statistics (`--stats`), checked to be the records the statistics were made from.
  private func partOfPopulation(
    _ path: String, evaluator: BatchEvaluator, columns: [String]?, format: RecordFormat,
    _ blocks: RecordBlocks
  ) throws -> ([ReadRecord], PopulationParts.Place) {
    let name = try Stats.partName(part, records: options.records)
    // `--stats -`: the statistics come first on standard input, the records after them.
    let statistics: PopulationParts
    var bytes = try options.readRecords(from: blocks)
    if path == "-" {
      do {
        let (leading, end) = try PopulationParts.decodeLeading(bytes)
        statistics = leading
        bytes = Array(bytes[end...])
      } catch {
        throw Stats.decodingFailure(error, in: "<stdin>")
      }
    } else {
      statistics = try Stats.load(path)
    }
    var reader = evaluator
    reader.csvColumns = columns
    let reads = try Stats.readPart(bytes, format: format, evaluator: reader, origin: options.origin)
    switch statistics.locate(part: name, reads: reads, evaluator: reader)
    {
    case .success(let place): return (reads, place)
    case .failure(let error):
      StandardError.write("error: \(StandardError.escaped(path)): \(StandardError.escaped(error.message))\n")
      throw LadderExit.badRecords
    }
  }

  static let headerRefusedForJSONLines = ValidationError(
    "--header is for CSV input; JSON Lines names its fields in every record")

  /// The columns `--header` names: the policy's inputs in declaration order for `policy`, else
  /// the names given, comma-separated.
  static func columns(_ header: String, policy: CompiledPolicy) throws -> [String] {
    if header == "policy" { return policy.inputs.sorted { $0.slot < $1.slot }.map(\.name) }
    let names = header.split(separator: ",", omittingEmptySubsequences: false).map {
      String($0).trimmingCharacters(in: .whitespaces)
    }
    guard !names.contains(where: \.isEmpty) else {
      throw ValidationError(
        "--header '\(header)' has an empty column name; name every column, or pass 'policy'")
    }
    return names
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

/// A progress line on standard error — share done, records, time left — only when standard error
/// is a terminal and the input is larger than 16 MiB (`LADDER_PROGRESS=1` shows it anyway, for
/// logs and tests). The share is the records decided of the lines the input has (counted for JSON
/// Lines, read whole; estimated from the blocks read so far for CSV).
final class Progress {
  let isShown: Bool
  private let totalLines: () -> Int?
  private let started = Date()
  private var lastShown = Date()

  /// - Parameters:
  ///   - size: the input's size in bytes, for the 16 MiB rule.
  ///   - totalLines: how many lines the input has, or about; `nil` when unknown (a pipe).
  init(size: Int, totalLines: @escaping () -> Int?) {
    self.totalLines = totalLines
    let forced = ProcessInfo.processInfo.environment["LADDER_PROGRESS"] == "1"
    isShown = forced || (isatty(FileHandle.standardError.fileDescriptor) != 0 && size > 16 << 20)
  }

  func tick(_ records: Int) {
    guard isShown, Date().timeIntervalSince(lastShown) >= 0.5 else { return }
    lastShown = Date()
    let elapsed = Date().timeIntervalSince(started)
    StandardError.write("\r" + Self.line(records: records, of: totalLines(), elapsed: elapsed) + "\u{1B}[K")
  }

  /// `42% · 1,234,567 records · about 12 s left`; without a known total, the records and the time.
  static func line(records: Int, of total: Int?, elapsed: TimeInterval) -> String {
    let count = "\(ValueText.grouped(records)) record\(records == 1 ? "" : "s")"
    guard let total, total > 0, records > 0 else { return "\(count) · \(Int(elapsed)) s" }
    // A header line and blank lines are no records: never more than 99% before the end.
    let share = min(0.99, Double(records) / Double(total))
    // Too early to say how long.
    guard share >= 0.02 else { return "\(Int(share * 100))% · \(count)" }
    let left = max(0, elapsed / share - elapsed)
    let remaining =
      left >= 90 ? "about \(Int((left / 60).rounded())) min left" : "about \(Int(left.rounded())) s left"
    return "\(Int(share * 100))% · \(count) · \(remaining)"
  }

  func finish() {
    if isShown { StandardError.write("\r\u{1B}[K") }
  }
}

/// Where `ladder eval` puts each outcome: decisions into the output, rejections onto standard
/// error and into `--rejects`, handled as `--on-error` says; the counts for the last line.
final class EvalSink: DecisionSink {
  let rendering: DecisionRendering
  private let policy: CompiledPolicy
  private let asOf: CivilDate
  private let format: OutputFormat
  private let onError: OnError
  private let origin: String
  private let output: OutputSink
  private let rejects: OutputSink?
  let progress: Progress
  var table: DecisionTable
  private(set) var read = 0
  private(set) var evaluated = 0
  private(set) var rejected = 0
  /// The rejection that stopped the run (`--on-error fail`).
  private(set) var failedAt: RecordProblem?

  init(
    policy: CompiledPolicy, asOf: CivilDate, format: OutputFormat, onError: OnError, origin: String,
    output: OutputSink, rejects: OutputSink?, progress: Progress
  ) {
    switch format {
    case .jsonl: rendering = .jsonLines
    case .csv: rendering = .csv(withErrors: onError == .emit)
    case .table: rendering = .none
    }
    self.policy = policy
    self.asOf = asOf
    self.format = format
    self.onError = onError
    self.origin = origin
    self.output = output
    self.rejects = rejects
    self.progress = progress
    table = DecisionTable(policy: policy)
  }

  /// Stopped by `--on-error fail`, or the output can take nothing more.
  var isFinished: Bool { failedAt != nil || output.hasFailed }

  func receive(rendered bytes: [UInt8], decisions count: Int) {
    read += count
    evaluated += count
    progress.tick(read)
    output.write(bytes: bytes)
  }

  func receive(_ outcome: RecordOutcome, rendered: String?) {
    read += 1
    progress.tick(read)
    switch outcome {
    case .decided(_, let decision):
      evaluated += 1
      if let rendered { output.write(rendered) } else { table.add(decision) }
    case .rejected(let problem):
      rejected += 1
      StandardError.write(Eval.describe(problem, origin: origin) + "\n")
      rejects?.write(DecisionJSON.renderRejection(problem) + "\n")
      switch onError {
      case .fail: failedAt = problem
      case .skip: break
      case .emit:
        switch format {
        case .jsonl: output.write(DecisionJSON.renderError(problem, policy: policy) + "\n")
        case .csv:
          output.write(
            DecisionCSV.renderError(problem, policy: policy, asOf: asOf) + "\n")
        case .table: table.add(problem)
        }
      }
    }
  }
}
