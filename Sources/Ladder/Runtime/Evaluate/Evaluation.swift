/// Bytes of an input as read, with their line feeds when the reader counted them.
public struct InputBytes: Sendable {
  public var bytes: [UInt8]
  /// How many line feeds `bytes` holds; `nil` when not counted.
  public var lineFeeds: Int?

  public init(bytes: [UInt8], lineFeeds: Int? = nil) {
    self.bytes = bytes
    self.lineFeeds = lineFeeds
  }
}

/// Where the records of a batch come from.
public struct RecordSource {
  enum Storage {
    /// CSV or JSON Lines read block by block; an empty block ends the input.
    case blocks(() -> [UInt8])
    /// JSON Lines read block by block, each block's line feeds counted by its reader.
    case countedBlocks(() -> InputBytes)
    case records([ReadRecord])
  }

  let storage: Storage
  public let format: RecordFormat
  /// The input's name (a path), written into traces as `origin:line`.
  public var origin: String?
  /// For CSV without a header line (a part of a larger file): its columns. Its first line is
  /// then line 1.
  public var csvColumns: [String]?

  /// CSV read block by block from `next` (an empty block ends the input): a policy without
  /// population functions is evaluated in flat memory, however large the input.
  public static func csv(
    blocks next: @escaping () -> [UInt8], origin: String? = nil, columns: [String]? = nil
  ) -> RecordSource {
    RecordSource(storage: .blocks(next), format: .csv, origin: origin, csvColumns: columns)
  }

  /// JSON Lines read block by block from `next` (an empty block ends the input): the kernels
  /// take it a block at a time; a policy they cannot take reads it whole.
  public static func jsonLines(blocks next: @escaping () -> [UInt8], origin: String? = nil) -> RecordSource {
    RecordSource(storage: .blocks(next), format: .jsonl, origin: origin)
  }

  /// JSON Lines read block by block from `next`, as ``jsonLines(blocks:origin:)``, by a reader
  /// that counts each block's line feeds (a server does, for its limit on records): the kernels
  /// then do not count them again.
  public static func jsonLines(countedBlocks next: @escaping () -> InputBytes, origin: String? = nil)
    -> RecordSource
  {
    RecordSource(storage: .countedBlocks(next), format: .jsonl, origin: origin)
  }

  /// An input held in memory, CSV or JSON Lines: read as one block.
  public static func bytes(_ bytes: [UInt8], format: RecordFormat, origin: String? = nil) -> RecordSource {
    RecordSource(storage: .blocks(oneBlock(bytes)), format: format, origin: origin)
  }

  /// A block source that hands out `bytes`, then the empty block that ends the input.
  public static func oneBlock(_ bytes: [UInt8]) -> () -> [UInt8] {
    var pending: [UInt8]? = bytes
    return {
      defer { pending = nil }
      return pending ?? []
    }
  }

  /// Every block of `next` joined, the first one not copied.
  static func joined(_ next: () -> [UInt8]) -> [UInt8] {
    var bytes: [UInt8] = []
    while case let block = next(), !block.isEmpty {
      if bytes.isEmpty { bytes = block } else { bytes += block }
    }
    return bytes
  }

  /// Records already read (and split into fields), as policy tests and impact analysis hold them.
  public static func records(_ reads: [ReadRecord], origin: String? = nil) -> RecordSource {
    RecordSource(storage: .records(reads), format: .jsonl, origin: origin)
  }
}

/// How a sink wants each decision written; the text is made on the worker threads, where output
/// formatting is a large share of a run.
public enum DecisionRendering: Sendable, Equatable {
  /// No text: the sink reads the ``RecordOutcome``s.
  case none
  /// A CSV row (``DecisionCSV``), with the empty `error` column of `--on-error emit` when
  /// `withErrors`.
  case csv(withErrors: Bool)
  /// A JSON Lines record (``DecisionJSON``), with its trace when the evaluator traces.
  case jsonLines
}

/// Receives every record's outcome, in input order: each record read is either decided or
/// rejected, exactly once.
public protocol DecisionSink: AnyObject {
  var rendering: DecisionRendering { get }
  /// True once the sink can take nothing more (its output failed, or it found what it wanted):
  /// the evaluation stops reading input.
  var isFinished: Bool { get }
  /// `count` decisions, already rendered together as `bytes` (records the kernels decided).
  func receive(rendered bytes: [UInt8], decisions count: Int)
  /// One outcome, with its text when the sink renders (empty for a rejection).
  func receive(_ outcome: RecordOutcome, rendered: String?)
}

/// A sink that hands each outcome to a closure.
public final class OutcomeCallback: DecisionSink {
  private let handle: (RecordOutcome) -> Void

  public init(_ handle: @escaping (RecordOutcome) -> Void) { self.handle = handle }

  public var rendering: DecisionRendering { .none }
  public var isFinished: Bool { false }
  public func receive(rendered bytes: [UInt8], decisions count: Int) {}
  public func receive(_ outcome: RecordOutcome, rendered: String?) { handle(outcome) }
}

/// A sink that writes decisions as CSV or JSON Lines bytes through `write`, and hands each
/// rejection to `reject`.
public final class RenderedOutput: DecisionSink {
  public let rendering: DecisionRendering
  private let write: ([UInt8]) -> Void
  private let reject: (RecordProblem) -> Void
  public private(set) var decided = 0
  public private(set) var rejected = 0

  public init(
    _ rendering: DecisionRendering, write: @escaping ([UInt8]) -> Void,
    reject: @escaping (RecordProblem) -> Void = { _ in }
  ) {
    self.rendering = rendering
    self.write = write
    self.reject = reject
  }

  public var isFinished: Bool { false }

  public func receive(rendered bytes: [UInt8], decisions count: Int) {
    decided += count
    write(bytes)
  }

  public func receive(_ outcome: RecordOutcome, rendered: String?) {
    switch outcome {
    case .decided:
      decided += 1
      write(Array((rendered ?? "").utf8))
    case .rejected(let problem):
      rejected += 1
      reject(problem)
    }
  }
}

extension BatchEvaluator {
  /// Evaluates every record of `source` into `sink`, in input order, on every core.
  ///
  /// The library picks the backend: CSV and JSON Lines become columns run through the kernels
  /// when the policy compiles to them and the sink renders CSV or JSON Lines; every record the
  /// kernels cannot decide exactly, records already read, and every other policy are decided by
  /// the scalar backend. Both give the same bytes.
  ///
  /// - Throws: ``CSVRecordReader/HeaderError`` when a CSV header makes the whole input
  ///   unreadable; nothing was handed to the sink then.
  public func evaluate(_ source: RecordSource, into sink: some DecisionSink) throws(CSVRecordReader
    .HeaderError)
  {
    if source.csvColumns != csvColumns {
      var headerless = self
      headerless.csvColumns = source.csvColumns
      return try headerless.evaluate(source, into: sink)
    }
    let render = Self.renderer(sink.rendering, policy: policy, asOf: asOf)
    let origin = source.origin
    let handle = { (outcome: RecordOutcome, text: String?) in
      if !sink.isFinished { sink.receive(outcome, rendered: text) }
    }
    let handlePiece = { (piece: EvaluatedPiece) in
      guard !sink.isFinished else { return }
      switch piece {
      case .rendered(let bytes, let records): sink.receive(rendered: bytes, decisions: records)
      case .outcome(let outcome, let text): sink.receive(outcome, rendered: text)
      }
    }
    switch source.storage {
    case .records(let reads):
      var remaining = reads.makeIterator()
      if policy.populationSites.isEmpty {
        evaluate(
          reading: { sink.isFinished ? nil : remaining.next() }, origin: origin, render: render, handle)
      } else {
        evaluate(reads: reads, origin: origin, render: render, handle)
      }
    case .blocks(let next) where source.format == .jsonl:
      try evaluateJSONLines(
        { InputBytes(bytes: next()) }, sink: sink, origin: origin, render: render, handle, handlePiece)
    case .countedBlocks(let next):
      try evaluateJSONLines(next, sink: sink, origin: origin, render: render, handle, handlePiece)
    case .blocks(let next):
      try evaluateCSV(next, sink: sink, origin: origin, render: render, handle, handlePiece)
    }
  }

  private func evaluateJSONLines(
    _ next: @escaping () -> InputBytes, sink: some DecisionSink, origin: String?,
    render: (@Sendable (RecordOutcome) -> String)?, _ handle: (RecordOutcome, String?) -> Void,
    _ handlePiece: (EvaluatedPiece) -> Void
  ) throws(CSVRecordReader.HeaderError) {
    let counted = { () -> InputBytes in sink.isFinished ? InputBytes(bytes: []) : next() }
    guard
      try !evaluateOnKernels(
        .jsonLines(counted), sink: sink, origin: origin, render: render, handlePiece)
    else { return }
    let source = { counted().bytes }
    guard policy.populationSites.isEmpty else {
      // Population functions need every record before any decision.
      try evaluate(bytes: RecordSource.joined(source), format: .jsonl, origin: origin, render: render, handle)
      return
    }
    // The row reader streams, a block at a time, as CSV's does.
    var reader = JSONLRecordReader(source: source, inputs: policy.inputs)
    evaluate(reading: { reader.next() }, origin: origin, render: render, handle)
  }

  private func evaluateCSV(
    _ next: @escaping () -> [UInt8], sink: some DecisionSink, origin: String?,
    render: (@Sendable (RecordOutcome) -> String)?, _ handle: (RecordOutcome, String?) -> Void,
    _ handlePiece: (EvaluatedPiece) -> Void
  ) throws(CSVRecordReader.HeaderError) {
    // Reading stops once the sink is finished (its output failed): no work for nobody.
    let source = { () -> [UInt8] in sink.isFinished ? [] : next() }
    if try !evaluateOnKernels(.csv(source), sink: sink, origin: origin, render: render, handlePiece) {
      try evaluate(csvSource: source, origin: origin, render: render, handle)
    }
  }

  /// Runs `input` on the kernels when the sink's output and the policy allow; false, having read
  /// nothing, when they do not.
  private func evaluateOnKernels(
    _ input: ColumnarInput, sink: some DecisionSink, origin: String?,
    render: (@Sendable (RecordOutcome) -> String)?, _ handlePiece: (EvaluatedPiece) -> Void
  ) throws(CSVRecordReader.HeaderError) -> Bool {
    // What-it-takes is a search on the scalar backend; so is ranking a part's records in the
    // whole population.
    let partOfWhole = partOfPopulation != nil && !policy.populationSites.isEmpty
    return switch backend == .automatic && !whatItTakes && !partOfWhole ? sink.rendering : .none {
    case .csv(let withErrors):
      try evaluateColumnar(input, origin: origin, withErrors: withErrors, render: render, handlePiece)
    case .jsonLines:
      try evaluateColumnarJSONL(input, origin: origin, render: render, handlePiece)
    case .none:
      false
    }
  }

  /// True when CSV input rendered as `rendering` runs on the kernels (records they cannot decide
  /// exactly still go to the scalar backend).
  public func runsOnKernels(_ rendering: DecisionRendering) -> Bool {
    guard backend == .automatic && !whatItTakes else { return false }
    switch rendering {
    case .none: return false
    case .csv(let withErrors): return csvPlan(withErrors: withErrors) != nil
    case .jsonLines: return jsonLinesPlan(origin: nil) != nil
    }
  }

  /// The text of each outcome for `rendering`, made on the worker threads.
  static func renderer(_ rendering: DecisionRendering, policy: CompiledPolicy, asOf: CivilDate)
    -> (@Sendable (RecordOutcome) -> String)?
  {
    switch rendering {
    case .none:
      return nil
    case .csv(let withErrors):
      return { outcome in
        guard case .decided(_, let decision) = outcome else { return "" }
        return DecisionCSV.render(decision, policy: policy, asOf: asOf, withErrors: withErrors) + "\n"
      }
    case .jsonLines:
      return { outcome in
        guard case .decided(_, let decision) = outcome else { return "" }
        return DecisionJSON.render(decision, policy: policy, asOf: asOf) + "\n"
      }
    }
  }
}
