import Foundation

extension BatchEvaluator {
  /// Rows per batch of the columnar path: large enough that a kernel's loop dwarfs its dispatch,
  /// small enough that a worker's registers stay in cache-sized columns.
  static let columnarBatchSize = 4096

  /// Whether ``evaluateColumnar(csvSource:origin:withErrors:render:_:)`` can take this policy:
  /// it compiles to kernels and is evaluated without traces.
  public var canEvaluateColumnar: Bool {
    !trace && policy.populationSites.isEmpty && ColumnarProgram(policy, asOf: asOf) != nil
  }

  /// CSV in, CSV out, over columns (`../shared/STYLE.md` §8): records are cut into chunks on this
  /// thread, and each chunk's fields are converted to columns, run through the kernels and written
  /// on the worker threads, chunks handed on in input order. Records that are not in the plain
  /// form, or whose arithmetic leaves 64-bit fixed point, are decided by the row evaluator in
  /// their place — the output is the same bytes as ``evaluate(csvSource:origin:render:_:)``'s.
  ///
  /// - Parameters:
  ///   - withErrors: the output has the empty `error` column of `--on-error emit`.
  ///   - render: renders the records the row evaluator decides.
  /// - Returns: false, having read nothing, when the policy has no columnar program.
  public func evaluateColumnar(
    csvSource source: @escaping () -> [UInt8], origin: String?, withErrors: Bool,
    render: (@Sendable (RecordOutcome) -> String)?,
    _ handle: (EvaluatedPiece) -> Void
  ) throws(CSVRecordReader.HeaderError) -> Bool {
    guard !trace, policy.populationSites.isEmpty, let program = ColumnarProgram(policy, asOf: asOf),
      let layout = ColumnarCSVLayout(program: program, policy: policy, asOf: asOf, withErrors: withErrors)
    else { return false }
    var reader = try CSVRecordReader(source: source, inputs: policy.inputs)
    let workerCount = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))
    let workers = (0..<workerCount).map { _ in
      ColumnarWorker(
        program: program, policy: policy, header: reader.header, asOf: asOf, capacity: Self.columnarBatchSize)
    }
    let validator = RecordValidator(policy: policy)
    // Each round cuts a few chunks per worker, so that a slow chunk does not idle the others.
    let chunksPerRound = workerCount * 4
    var finished = false
    while !finished {
      var chunks: [CSVChunk] = []
      while chunks.count < chunksPerRound, let chunk = reader.nextChunk(limit: Self.columnarBatchSize) {
        chunks.append(chunk)
      }
      if chunks.count < chunksPerRound { finished = true }
      if chunks.isEmpty { break }
      var results = [[EvaluatedPiece]](repeating: [], count: chunks.count)
      let round = chunks
      results.withUnsafeMutableBufferPointer { buffer in
        // Each worker writes only the results of its own chunks.
        nonisolated(unsafe) let output = buffer
        DispatchQueue.concurrentPerform(iterations: workerCount) { part in
          let worker = workers[part]
          for index in stride(from: part, to: round.count, by: workerCount) {
            let chunk = round[index]
            worker.load(chunk)
            worker.run(program.kernels)
            output[index] = worker.render(
              chunk, layout: layout, evaluator: self, validator: validator, origin: origin, render: render)
          }
        }
      }
      for pieces in results {
        for piece in pieces { handle(piece) }
      }
    }
    return true
  }
}
