import Foundation

/// Decides JSON records one at a time on the kernels, as a service is asked for them: a request
/// per record. The columnar program and its JSON writer are made once (per policy and as-of
/// date), and each decision borrows a worker whose registers hold one record. The bytes are
/// those ``BatchEvaluator`` writes for the same record (`ladder eval`, a batch), and a record the
/// kernels do not take is decided by the row evaluator, as there.
///
/// The row reader's way (``BatchEvaluator/decideOne(jsonLine:)``) made a string of every key of
/// the record and a frame, a validator and a reader per record: most of a decision's time in
/// `ladder serve`.
public final class RecordDecider: @unchecked Sendable {
  /// What became of one record.
  public enum Outcome: Sendable {
    /// Decided on the kernels: the decision as JSON, without a line break.
    case rendered([UInt8])
    /// Decided or rejected by the row evaluator.
    case evaluated(RecordOutcome)
  }

  private let evaluator: BatchEvaluator
  private let program: ColumnarProgram
  private let writer: ColumnarTraceWriter
  private let header: CSVHeader
  private let fields: JSONLFields
  private let validator: RecordValidator
  private let lock = NSLock()
  /// Workers not lent out: one is made when every one is busy.
  private var idle: [ColumnarWorker] = []

  /// `nil` when the policy has no kernels with JSON output for single records (population
  /// functions, service levels): ``BatchEvaluator/decideOne(jsonLine:)`` decides those. (A
  /// policy on the kernels has no service levels, so no clock but the as-of date matters.)
  public init?(policy: CompiledPolicy, asOf: CivilDate) {
    guard policy.populationSites.isEmpty else { return nil }
    evaluator = BatchEvaluator(policy: policy, asOf: asOf)
    guard let (program, writer) = evaluator.jsonLinesPlan(origin: nil),
      case (let header, .jsonLines(let fields, _)) = BlockReader.jsonLinesPlan(policy.inputs)
    else { return nil }
    (self.program, self.writer, self.header, self.fields) = (program, writer, header, fields)
    validator = RecordValidator(policy: policy)
  }

  /// The record of `line`: one JSON line, its line break not included, read as line 1; `nil`
  /// when the line is blank.
  public func decide(jsonLine line: [UInt8]) -> Outcome? {
    guard let text = JSONLines.text(line, 0..<line.count) else { return nil }
    let worker = lock.withLock { idle.popLast() } ?? makeWorker()
    defer { lock.withLock { idle.append(worker) } }
    var chunk = RecordChunk(columnCount: header.columns.count)
    chunk.lineBuffers = [line]
    chunk.addLine(1, buffer: 0, text)
    fields.fill(&chunk)
    worker.load(chunk)
    worker.run(program.kernels)
    let pieces = worker.renderJSONL(chunk, writer: writer, form: .plain, render: nil) { row in
      evaluator.evaluate(worker.rowRecord(chunk, row), frame: worker.frame, validator: validator, origin: nil)
    }
    switch pieces.first {
    case .rendered(var bytes, _):
      if bytes.last == UInt8(ascii: "\n") { bytes.removeLast() }
      return .rendered(bytes)
    case .outcome(let outcome, _):
      return .evaluated(outcome)
    case nil:
      return nil
    }
  }

  private func makeWorker() -> ColumnarWorker {
    ColumnarWorker(
      program: program, policy: evaluator.policy, header: header, asOf: evaluator.asOf, capacity: 1)
  }
}
