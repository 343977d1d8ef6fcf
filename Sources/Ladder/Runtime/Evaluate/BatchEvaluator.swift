import Foundation

/// The formats records can be read from.
public enum RecordFormat: String, Sendable, CaseIterable {
  case csv
  case jsonl

  /// The format implied by a file name (`.csv`, `.jsonl`, `.ndjson`), if any.
  public init?(pathExtension path: String) {
    let lower = path.lowercased()
    if lower.hasSuffix(".csv") {
      self = .csv
    } else if lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson") {
      self = .jsonl
    } else {
      return nil
    }
  }
}

/// What became of one input record: a decision, or a rejection. Every record read ends up as
/// exactly one outcome, in input order.
public enum RecordOutcome: Sendable {
  case decided(line: Int, Decision)
  case rejected(RecordProblem)
}

/// Evaluates every record of an input against a compiled policy.
public struct BatchEvaluator: Sendable {
  public let policy: CompiledPolicy
  public let asOf: CivilDate
  public let trace: Bool
  /// Traces in the compact form (docs/compact-trace.md) where the kernels write them: a
  /// ``compactTraceHeader(origin:)`` line first, then per decision only its values. Records the
  /// kernels cannot take keep the full form.
  public let compactTrace: Bool
  public let backend: Backend
  /// Each decision also says what it would take to move a tier (``WhatItTakes``): a search per
  /// record on the scalar backend, so a run that asks for it is slower.
  public let whatItTakes: Bool
  /// The moment service clocks are read at; `nil` for the policy's (``CompiledPolicy/clock(asOf:)``).
  public let clock: LadderInstant?
  /// The columns of CSV input without a header line (``RecordSource/csvColumns``).
  public var csvColumns: [String]?
  /// For records that are one part of a population decided in parts: the whole population's
  /// statistics and which part these records are. Population functions then rank each record
  /// in the whole population (on the scalar backend).
  public var partOfPopulation: PopulationParts.Place?

  /// Which backend evaluates a batch.
  public enum Backend: Sendable {
    /// The kernels where the policy and output compile to them, the scalar backend elsewhere.
    case automatic
    /// The scalar backend for every record: the reference, for comparisons.
    case scalar
  }

  public init(
    policy: CompiledPolicy, asOf: CivilDate, trace: Bool = false, compactTrace: Bool = false,
    backend: Backend = .automatic, whatItTakes: Bool = false, clock: LadderInstant? = nil
  ) {
    self.clock = clock
    self.policy = policy
    self.asOf = asOf
    self.trace = trace || compactTrace
    self.compactTrace = compactTrace
    self.backend = backend
    self.whatItTakes = whatItTakes
  }

  /// A frame for this evaluation: the policy's, with the evaluator's clock when it has one.
  func makeFrame() -> EvaluationFrame {
    let frame = policy.makeFrame(asOf: asOf)
    if let clock { frame.clock = clock }
    return frame
  }

  /// Reads records from `bytes` and hands each outcome to `handle`, in input order.
  ///
  /// - Throws: ``CSVRecordReader/HeaderError`` when a CSV header makes the whole input unreadable.
  func evaluate(
    bytes: [UInt8], format: RecordFormat, origin: String? = nil, _ handle: (RecordOutcome) -> Void
  ) throws(CSVRecordReader.HeaderError) {
    try evaluate(bytes: bytes, format: format, origin: origin, render: nil) { outcome, _ in handle(outcome) }
  }

  /// Like ``evaluate(bytes:format:origin:_:)``, and also renders each outcome on the worker
  /// threads (output formatting is a large share of a run), handing both on in input order.
  func evaluate(
    bytes: [UInt8], format: RecordFormat, origin: String? = nil,
    render: (@Sendable (RecordOutcome) -> String)?,
    _ handle: (RecordOutcome, String?) -> Void
  ) throws(CSVRecordReader.HeaderError) {
    // A policy with population functions needs every record before any decision: a statistics
    // pass, then the per-record pass. Any other policy streams, one record at a time.
    if !policy.populationSites.isEmpty {
      try evaluateWithPopulation(bytes: bytes, format: format, origin: origin, render: render, handle)
      return
    }
    evaluate(reading: try recordReader(bytes: bytes, format: format), origin: origin, render: render, handle)
  }

  /// The records of `bytes`, one at a time, in order.
  func recordReader(bytes: [UInt8], format: RecordFormat) throws(CSVRecordReader.HeaderError) -> () ->
    ReadRecord?
  {
    switch format {
    case .csv:
      var reader = try CSVRecordReader(bytes: bytes, inputs: policy.inputs, columns: csvColumns)
      return { reader.next() }
    case .jsonl:
      var reader = JSONLRecordReader(bytes: bytes, inputs: policy.inputs)
      return { reader.next() }
    }
  }

  /// Evaluates CSV read block by block from `source` (empty at the end): per-record policies
  /// stream in flat memory; a policy with population functions reads everything first.
  func evaluate(
    csvSource source: @escaping () -> [UInt8], origin: String? = nil,
    render: (@Sendable (RecordOutcome) -> String)?,
    _ handle: (RecordOutcome, String?) -> Void
  ) throws(CSVRecordReader.HeaderError) {
    guard policy.populationSites.isEmpty else {
      var bytes: [UInt8] = []
      while true {
        let block = source()
        if block.isEmpty { break }
        bytes += block
      }
      try evaluate(bytes: bytes, format: .csv, origin: origin, render: render, handle)
      return
    }
    var reader = try CSVRecordReader(source: source, inputs: policy.inputs, columns: csvColumns)
    evaluate(reading: { reader.next() }, origin: origin, render: render, handle)
  }

  /// Records are read in order, evaluated in chunks on every core (each worker with its own
  /// frame), and handed on in input order: the output is the same as a single-threaded run.
  func evaluate(
    reading next: () -> ReadRecord?, origin: String?, render: (@Sendable (RecordOutcome) -> String)?,
    _ handle: (RecordOutcome, String?) -> Void
  ) {
    let validator = RecordValidator(policy: policy)
    let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))
    var chunk: [ReadRecord] = []
    chunk.reserveCapacity(Self.chunkSize)
    func flush() {
      for (outcome, text) in evaluateChunk(
        chunk, validator: validator, origin: origin, workers: workers, render: render)
      {
        handle(outcome, text)
      }
      chunk.removeAll(keepingCapacity: true)
    }
    while let read = next() {
      chunk.append(read)
      if chunk.count == Self.chunkSize { flush() }
    }
    flush()
  }

  /// Records per chunk of parallel work: large enough to pay for the hand-off, small enough to
  /// keep memory flat.
  static let chunkSize = 8192

  /// Evaluates records on `workers` threads; the outcomes come back in the records' order.
  func evaluateChunk(
    _ reads: [ReadRecord], validator: RecordValidator, origin: String?, workers: Int,
    render: (@Sendable (RecordOutcome) -> String)?
  ) -> [(RecordOutcome, String?)] {
    // A part per core, each with its own frame, once there are enough records to share.
    let frames = (0..<min(workers, max(1, reads.count / 256))).map { _ in makeFrame() }
    return Parallel.map(reads.count, states: frames) { frame, index in
      let outcome = evaluate(reads[index], frame: frame, validator: validator, origin: origin)
      return (outcome, render?(outcome))
    }
  }

  /// The JSON Lines record `bytes` holds, decided on the calling thread, with no workers: what a
  /// service answering one request at a time needs. `records` is how many records `bytes`
  /// holds (the outcome is `nil` unless it is one).
  public func decideOne(jsonLine bytes: [UInt8]) -> (outcome: RecordOutcome?, records: Int) {
    var reader = JSONLRecordReader(bytes: bytes, inputs: policy.inputs)
    guard let first = reader.next() else { return (nil, 0) }
    guard reader.next() == nil else { return (nil, 2) }
    return (evaluate(first, frame: makeFrame(), validator: RecordValidator(policy: policy), origin: nil), 1)
  }

  /// One record: validated into the frame, then decided (or rejected).
  func evaluate(_ read: ReadRecord, frame: EvaluationFrame, validator: RecordValidator, origin: String?)
    -> RecordOutcome
  {
    switch read {
    case .failure(let problem):
      return .rejected(problem)
    case .success(let record):
      if let problem = validator.load(record, into: frame) { return .rejected(problem) }
      do {
        var decision = try policy.evaluate(frame, trace: trace)
        if let origin { decision.trace?.origin = "\(origin):\(record.line)" }
        if whatItTakes { decision.whatItTakes = policy.whatItTakes(inputs: frame.inputs, asOf: asOf) }
        return .decided(line: record.line, decision)
      } catch {
        return .rejected(policy.rejection(error, line: record.line, key: validator.keyText(record)))
      }
    }
  }
}

extension BatchEvaluator {
  /// Every record `bytes` holds, read and split by input but not yet validated, in order: what
  /// ``RecordSource/records(_:origin:)`` takes (the ledger keeps each record's inputs).
  public func readAll(bytes: [UInt8], format: RecordFormat) throws(CSVRecordReader.HeaderError)
    -> [ReadRecord]
  {
    var reads: [ReadRecord] = []
    let next = try recordReader(bytes: bytes, format: format)
    while let read = next() { reads.append(read) }
    return reads
  }

  /// The records of `bytes` in blocks of up to `size`, in order, read and split by input but not
  /// validated; an empty block at the end. A policy with population functions gets one block
  /// holding every record: they are one population.
  func recordBlocks(bytes: [UInt8], format: RecordFormat, size: Int = 65_536)
    throws(CSVRecordReader.HeaderError) -> () -> [ReadRecord]
  {
    let next = try recordReader(bytes: bytes, format: format)
    let limit = policy.populationSites.isEmpty ? max(1, size) : Int.max
    return {
      var block: [ReadRecord] = []
      while block.count < limit, let read = next() { block.append(read) }
      return block
    }
  }

  func evaluateWithPopulation(
    bytes: [UInt8], format: RecordFormat, origin: String?, render: (@Sendable (RecordOutcome) -> String)?,
    _ handle: (RecordOutcome, String?) -> Void
  ) throws(CSVRecordReader.HeaderError) {
    evaluate(reads: try readAll(bytes: bytes, format: format), origin: origin, render: render, handle)
  }

  /// Evaluates records already read, in order: for a policy with population functions as one
  /// population (the statistics pass over all of them, then each record); for any other policy
  /// record by record.
  func evaluate(reads: [ReadRecord], origin: String? = nil, _ handle: (RecordOutcome) -> Void) {
    evaluate(reads: reads, origin: origin, render: nil) { outcome, _ in handle(outcome) }
  }

  /// Like ``evaluate(reads:origin:_:)``, rendering each outcome on the worker threads.
  func evaluate(
    reads: [ReadRecord], origin: String?, render: (@Sendable (RecordOutcome) -> String)?,
    _ handle: (RecordOutcome, String?) -> Void
  ) {
    guard !policy.populationSites.isEmpty else {
      var iterator = reads.makeIterator()
      evaluate(reading: { iterator.next() }, origin: origin, render: render, handle)
      return
    }
    let validator = RecordValidator(policy: policy)
    let sites = policy.populationSites
    let pass = populationPass(reads, validator: validator)
    let standings = whatItTakes ? populationWhatIf(pass) : nil

    // Per-record pass: chunks on every core, handed on in input order. What the workers read is
    // frozen into constants first.
    let (problemsByRecord, populationValues, populationNotes) = (pass.problems, pass.values, pass.notes)
    let trace = self.trace
    @Sendable func decide(_ index: Int, _ frame: EvaluationFrame) -> RecordOutcome {
      switch reads[index] {
      case .failure(let problem):
        return .rejected(problem)
      case .success(let record):
        if let problem = problemsByRecord[index] { return .rejected(problem) }
        _ = validator.load(record, into: frame)
        frame.population = sites.indices.map { populationValues[$0][index] }
        do {
          var decision = try policy.evaluate(frame, trace: trace)
          if trace {
            decision.trace?.origin = origin.map { "\($0):\(record.line)" }
            decision.trace?.population = sites.enumerated().map { site, definition in
              DecisionTrace.PopulationNote(
                call: definition.text,
                value: definition.shownResult(populationValues[site][index]),
                explanation: populationNotes[site][index])
            }
          }
          if let standings {
            decision.whatItTakes = policy.whatItTakes(
              inputs: frame.inputs, asOf: asOf, population: standings.record(index))
          }
          return .decided(line: record.line, decision)
        } catch {
          return .rejected(policy.rejection(error, line: record.line, key: validator.keyText(record)))
        }
      }
    }
    let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))
    var start = 0
    while start < reads.count {
      let chunkStart = start
      let end = min(reads.count, start + Self.chunkSize)
      let frames = (0..<min(workers, max(1, (end - start) / 256))).map { _ in makeFrame() }
      let results = Parallel.map(end - chunkStart, states: frames) { frame, offset in
        let outcome = decide(chunkStart + offset, frame)
        return (outcome, render?(outcome))
      }
      for (outcome, text) in results { handle(outcome, text) }
      start = end
    }
  }

  /// What-it-takes's view of the population: the records' own, or the whole population's when
  /// they are a part of it.
  private func populationWhatIf(_ pass: PopulationPass) -> PopulationWhatIf {
    guard let whole = partOfPopulation else { return PopulationWhatIf(policy: policy, entries: pass.entries) }
    return PopulationWhatIf(
      policy: policy, entries: whole.statistics.ranked,
      recordOffset: PopulationParts.recordID(part: whole.part, 0))
  }

  /// What the statistics pass finds: per site, every record's value and note and the ranked
  /// entries; the records it rejected.
  struct PopulationPass {
    var values: [[Value]] = []
    var notes: [[String]] = []
    var entries: [[PopulationStatistics.Entry]]
    var problems: [Int: RecordProblem] = [:]
  }

  /// The statistics pass over records already read: each record's per-record values (with
  /// every population value missing), then every site's argument, then each site's values — of
  /// this population, or of the whole one the records are a part of (``partOfPopulation``).
  func populationPass(_ reads: [ReadRecord], validator: RecordValidator) -> PopulationPass {
    let sites = policy.populationSites
    if let whole = partOfPopulation {
      // The pass that checked these records against the statistics, if it was kept.
      var pass = whole.pass ?? populationEntries(reads, validator: validator)
      (pass.values, pass.notes) = whole.statistics.values(
        forPart: whole.part, count: reads.count, sites: sites)
      return pass
    }
    var pass = populationEntries(reads, validator: validator)
    for (site, definition) in sites.enumerated() {
      let result = PopulationStatistics.compute(definition, entries: pass.entries[site], count: reads.count)
      pass.values.append(result.values)
      pass.notes.append(result.notes)
    }
    return pass
  }

  /// Every site's entries (in input order, `record` the index in `reads`) and the records the
  /// statistics pass rejects; no values yet.
  func populationEntries(_ reads: [ReadRecord], validator: RecordValidator) -> PopulationPass {
    let frame = makeFrame()
    let sites = policy.populationSites
    let keySlot = policy.checked.keyInput
    var pass = PopulationPass(entries: [[PopulationStatistics.Entry]](repeating: [], count: sites.count))
    for (index, read) in reads.enumerated() {
      guard case .success(let record) = read else { continue }
      if let problem = validator.load(record, into: frame) {
        pass.problems[index] = problem
        continue
      }
      frame.population = [Value](repeating: .missing, count: sites.count)
      do {
        _ = try policy.evaluate(frame)
      } catch {
        pass.problems[index] = policy.rejection(error, line: record.line, key: validator.keyText(record))
        continue
      }
      let (keyBytes, numericKey) = PopulationStatistics.rankingKey(frame.inputs[keySlot])
      for (site, definition) in sites.enumerated() {
        guard case .number(let value) = (try? definition.argument(frame)) ?? .missing else { continue }
        pass.entries[site].append(
          PopulationStatistics.Entry(value: value, key: keyBytes, numericKey: numericKey, record: index))
      }
    }
    return pass
  }
}
