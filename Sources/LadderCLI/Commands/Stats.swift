import ArgumentParser
import Foundation
import Ladder

/// `ladder stats POLICY PART` and `ladder stats --merge A B …`: the population statistics of the
/// parts of a population, so that each part can be decided alone (`ladder eval --stats`).
struct Stats: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "stats",
    abstract:
      "Write what one part of a population adds to its population functions, or merge parts' statistics.",
    discussion: """
      For a population decided in parts (Spark tasks, one process per file) with a policy that
      ranks records against each other (percentiles, quantiles, ABC classes):

        ladder stats POLICY part-1.csv -o part-1.stats     (once per part, anywhere)
        ladder stats --merge part-*.stats -o all.stats     (in any order, in any grouping)
        ladder eval POLICY part-1.csv --stats all.stats    (once per part, anywhere)

      gives each part the decisions one run over all parts, joined in name order, gives it,
      byte for byte. A part is named by its file name (without folders) unless --part names it.
      The statistics hold every ranked record's key and argument value: treat them as the records.

      Exit codes: 0 success, 1 invalid policy, 64 usage error, 65 unreadable input or statistics
      that cannot be merged, 74 output could not be written.
      """
  )

  @Argument(
    help:
      "POLICY and PART; with --merge, the statistics files to merge (- for standard input; a file may hold several statistics one after another)."
  )
  var inputs: [String] = []

  @Flag(help: "Merge statistics files (made by ladder stats) into one.")
  var merge = false

  @Option(help: "The part's name in the statistics. Default: the records file's name without its folders.")
  var part: String?

  @Option(help: "The records' format: csv or jsonl. Default: from the file's extension.")
  var inputFormat: RecordFormat?

  @Option(help: "The evaluation date, as for ladder eval; the parts must all use the same one.")
  var asOf: String?

  @Option(
    help: ArgumentHelp(
      "CSV input without a header line: its columns, comma-separated, or 'policy' (as for ladder eval).",
      valueName: "names|policy"))
  var header: String?

  @Option(name: .shortAndLong, help: "Write the statistics to FILE (atomically) instead of standard output.")
  var output: String?

  func validate() throws {
    if merge {
      guard !inputs.isEmpty else { throw ValidationError("--merge needs the statistics files to merge") }
      if part != nil || header != nil || inputFormat != nil || asOf != nil {
        throw ValidationError(
          "--merge takes statistics files only: --part, --header, --input-format and --as-of are for a part")
      }
    } else if inputs.count != 2 {
      throw ValidationError("give the policy and one part's records (or --merge and statistics files)")
    }
  }

  func run() throws {
    let outputTarget = try OutputTarget.resolve(output ?? "-", option: "-o")
    let statistics = merge ? try merged(outputTarget) : try collected(outputTarget)
    let sink = try OutputSink(outputTarget)
    sink.write(bytes: statistics.encoded())
    try sink.commit()
    let records = statistics.parts.reduce(0) { $0 + $1.records }
    StandardError.write(
      "\(statistics.parts.count) part\(statistics.parts.count == 1 ? "" : "s"), \(records) records, \(statistics.entryCount) ranked entries in \(statistics.sites.count) population function\(statistics.sites.count == 1 ? "" : "s")\n"
    )
  }

  /// One part's statistics.
  private func collected(_ outputTarget: OutputTarget) throws -> PopulationParts {
    var arguments = [inputs[0], inputs[1]]
    if let asOf { arguments += ["--as-of", asOf] }
    if let inputFormat { arguments += ["--input-format", inputFormat.rawValue] }
    let options = try RecordOptions.parse(arguments)
    try OutputTarget.checkDistinct(
      [("-o", outputTarget)], inputs: [("policy file", options.policy), ("records file", options.records)])
    let policy = try options.loadPolicy()
    guard !policy.populationSites.isEmpty else {
      throw ValidationError(
        "policy '\(policy.id)' has no population functions: its records are decided one by one, and parts need no statistics"
      )
    }
    let bytes = try options.readRecords()
    let format = try options.resolvedFormat(start: bytes)
    if header != nil && format != .csv { throw Eval.headerRefusedForJSONLines }
    var evaluator = BatchEvaluator(policy: policy, asOf: try options.resolvedAsOf())
    evaluator.csvColumns = try header.map { try Eval.columns($0, policy: policy) }
    let name = try Self.partName(part, records: options.records)
    let reads = try Self.readPart(bytes, format: format, evaluator: evaluator, origin: options.origin)
    return PopulationParts.collect(evaluator, reads: reads, part: name)
  }

  /// A part's records, read whole (with `evaluator`'s CSV columns); exit 65 when its header makes
  /// it unreadable.
  static func readPart(_ bytes: [UInt8], format: RecordFormat, evaluator: BatchEvaluator, origin: String)
    throws -> [ReadRecord]
  {
    do {
      return try evaluator.readAll(bytes: bytes, format: format)
    } catch {
      StandardError.write(
        "error: \(StandardError.escaped(origin)): \(StandardError.escaped(error.message))\n")
      throw LadderExit.badRecords
    }
  }

  /// The statistics files merged.
  private func merged(_ outputTarget: OutputTarget) throws -> PopulationParts {
    try OutputTarget.checkDistinct(
      [("-o", outputTarget)], inputs: inputs.filter { $0 != "-" }.map { ("statistics file", $0) })
    let all = try inputs.flatMap(Self.loadAll)
    do {
      return try PopulationParts.merge(all)
    } catch {
      StandardError.write("error: \(StandardError.escaped(error.message))\n")
      throw LadderExit.badRecords
    }
  }

  /// The name a part goes by: `--part`, else the file's name; standard input must be named.
  static func partName(_ given: String?, records: String) throws -> String {
    if let given {
      guard !given.isEmpty else { throw ValidationError("--part needs a name") }
      return given
    }
    guard records != "-" else {
      throw ValidationError("standard input has no file name: name the part with --part")
    }
    return PopulationParts.defaultPartName(path: records)
  }

  /// A statistics file, read and checked; exit 65 with the file and line when it is not one.
  static func load(_ path: String) throws -> PopulationParts {
    try decoding(path) { bytes throws(PopulationParts.DecodingError) in try PopulationParts(decoding: bytes) }
  }

  /// Every statistics a file (or standard input, `-`) holds one after another, read and checked.
  static func loadAll(_ path: String) throws -> [PopulationParts] {
    try decoding(path) { bytes throws(PopulationParts.DecodingError) in try PopulationParts.decodeAll(bytes) }
  }

  private static func decoding<Result>(
    _ path: String, _ decode: ([UInt8]) throws(PopulationParts.DecodingError) -> Result
  ) throws -> Result {
    let data =
      path == "-"
      ? FileHandle.standardInput.readDataToEndOfFile() : FileManager.default.contents(atPath: path)
    guard let data else {
      StandardError.write("error: cannot read statistics '\(StandardError.escaped(path))'\n")
      throw LadderExit.badRecords
    }
    do {
      return try decode([UInt8](data))
    } catch {
      throw decodingFailure(error, in: path == "-" ? "<stdin>" : path)
    }
  }

  /// Reports statistics that do not read, at their file and line, and returns the exit code (65)
  /// to throw.
  static func decodingFailure(_ error: PopulationParts.DecodingError, in name: String) -> ExitCode {
    let place = error.line > 0 ? "\(name):\(error.line)" : name
    StandardError.write("error: \(StandardError.escaped(place)): \(StandardError.escaped(error.message))\n")
    return LadderExit.badRecords
  }
}
