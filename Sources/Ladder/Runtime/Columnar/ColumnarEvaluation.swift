import Foundation

/// Where the kernels' records come from.
enum ColumnarInput {
  /// CSV read block by block (an empty block ends the input).
  case csv(() -> [UInt8])
  /// JSON Lines read block by block (an empty block ends the input), each block with its line
  /// feeds when its reader counted them.
  case jsonLines(() -> InputBytes)

  /// The input in blocks, for the workers to cut.
  func blocks(inputs: [InputField], csvColumns: [String]?) throws(CSVRecordReader.HeaderError) -> BlockReader
  {
    switch self {
    case .csv(let next):
      BlockReader(
        csvAfter: try CSVRecordReader(source: next, inputs: inputs, columns: csvColumns), source: next)
    case .jsonLines(let next): BlockReader(jsonLines: next, inputs: inputs)
    }
  }
}

extension BatchEvaluator {
  /// Rows per batch of the columnar path: large enough that a kernel's loop dwarfs its dispatch,
  /// small enough that a worker's registers stay in cache-sized columns.
  static let columnarBatchSize = 4096

  /// What one worker's registers may take. A register is a column of a whole batch, so a huge
  /// policy (a hundred thousand expression nodes) gets smaller batches instead of gigabytes.
  static let registerMemoryBudget = 32 << 20

  /// Rows per batch for `program`: ``columnarBatchSize``, less when its registers would pass
  /// ``registerMemoryBudget`` (9 bytes a row a register: the value and its presence byte).
  static func batchSize(for program: ColumnarProgram) -> Int {
    let rows = registerMemoryBudget / max(1, program.registerCount * 9)
    return max(16, min(columnarBatchSize, rows))
  }

  /// CSV in, CSV out, over columns (`../shared/STYLE.md` §8): records are cut into chunks on this
  /// thread, and each chunk's fields are converted to columns, run through the kernels and written
  /// on the worker threads, chunks handed on in input order. Records that are not in the plain
  /// form, or whose arithmetic leaves 64-bit fixed point, are decided by the row evaluator in
  /// their place — the output is the same bytes as ``evaluate(csvSource:origin:render:_:)``'s.
  ///
  /// A policy with population functions reads all of the input first, then runs the statistics
  /// pass over the argument columns, then the per-record pass; any other policy streams.
  ///
  /// - Parameters:
  ///   - withErrors: the output has the empty `error` column of `--on-error emit`.
  ///   - render: renders the records the row evaluator decides.
  /// - Returns: false, having read nothing, when the policy has no columnar program.
  func evaluateColumnar(
    _ input: ColumnarInput, origin: String?, withErrors: Bool,
    render: (@Sendable (RecordOutcome) -> String)?,
    _ handle: (EvaluatedPiece) -> Void
  ) throws(CSVRecordReader.HeaderError) -> Bool {
    guard let (program, layout) = csvPlan(withErrors: withErrors) else { return false }
    let blocks = try input.blocks(inputs: policy.inputs, csvColumns: csvColumns)
    runColumnar(
      program, reading: blocks, origin: origin, overlap: true, handle
    ) { worker, chunk, _, decide in
      worker.render(chunk, layout: layout, render: render, decide: decide)
    }
    return true
  }

  /// The kernels and the writer of CSV output, when the policy compiles to them.
  func csvPlan(withErrors: Bool) -> (ColumnarProgram, ColumnarCSVLayout)? {
    guard !trace, let program = ColumnarProgram(policy, asOf: asOf),
      let layout = ColumnarCSVLayout(program: program, policy: policy, asOf: asOf, withErrors: withErrors)
    else { return nil }
    return (program, layout)
  }

  /// The kernels and the writer of JSON Lines output (traced when the evaluator traces), when
  /// the policy compiles to them.
  func jsonLinesPlan(origin: String?) -> (ColumnarProgram, ColumnarTraceWriter)? {
    guard let program = ColumnarProgram(policy, asOf: asOf, traced: true, explained: trace),
      let writer = ColumnarTraceWriter(
        program: program, policy: policy, asOf: asOf, origin: origin, compact: trace && compactTrace),
      // A trace shows each population argument as the register holds it.
      !trace || program.population.allSatisfy(\.argumentExact)
    else { return nil }
    return (program, writer)
  }

  /// Each record's population notes, by row of a chunk.
  typealias PopulationNotes = (_ row: Int) -> [DecisionTrace.PopulationNote]

  /// Runs the kernels over the records of `blocks`, each chunk written by `write` (which asks
  /// `decide` for the records the kernels cannot take), and hands the pieces on in input order. A
  /// policy with population functions reads all of the input first, then runs the statistics
  /// pass, then the per-record pass (`write` then gets each record's population notes); any other
  /// policy streams (`overlap`: see ``pipelined``).
  ///
  /// - Parameter writeReadsFields: `write` reads where each field ends (``RecordChunk/fieldEnds``);
  ///   otherwise a population policy's held chunks drop them after the statistics pass.
  func runColumnar<Piece: Sendable>(
    _ program: ColumnarProgram, reading blocks: BlockReader, origin: String?, overlap: Bool,
    writeReadsFields: Bool = false, _ handle: (Piece) -> Void,
    write:
      @escaping @Sendable (ColumnarWorker, RecordChunk, PopulationNotes?, (Int) -> RecordOutcome) -> [Piece]
  ) {
    let validator = RecordValidator(policy: policy)
    guard program.population.isEmpty else {
      // The statistics pass streams as the input is read: each worker cuts a block and collects
      // its chunks' statistics while this thread reads on (cutting everything first left one
      // core idle for a third of the job).
      let (workers, work) = workersAndWork(program, reading: blocks)
      let policy = self.policy
      var chunks: [RecordChunk] = []
      var collected: [ChunkStatistics] = []
      Self.pipelined(workers: workers, overlap: true, work: work) { worker, chunk, _ in
        var chunk = chunk.withFields()
        let statistics = worker.collectStatistics(chunk, policy: policy, validator: validator)
        // Every chunk is held until the per-record pass, which restores the registers instead of
        // reading the fields again: where fields end is 4 bytes a field, a third of what is held
        // (fresh memory is slow to come by on this machine: about 1.4 s of kernel time a GB).
        if !writeReadsFields { (chunk.fieldStarts, chunk.fieldEnds) = ([], []) }
        return [(chunk, statistics)]
      } handle: { (piece: (RecordChunk, ChunkStatistics)) in
        chunks.append(piece.0)
        collected.append(piece.1)
      }
      evaluatePopulation(
        chunks, collected: collected, program: program, workers: workers, validator: validator,
        origin: origin,
        handle
      ) { worker, chunk, base, columns, decide in
        write(worker, chunk, { row in worker.populationNotes(base + row, columns, policy: policy) }, decide)
      }
      return
    }
    let (workers, work) = workersAndWork(program, reading: blocks)
    Self.pipelined(workers: workers, overlap: overlap, work: work) {
      worker, chunk, _ in
      let chunk = chunk.withFields()
      worker.load(chunk)
      worker.run(program.kernels)
      return write(worker, chunk, nil) { row in
        evaluate(worker.rowRecord(chunk, row), frame: worker.frame, validator: validator, origin: origin)
      }
    } handle: { piece in
      handle(piece)
    }
  }

  /// One worker per core, at most 8.
  static var workerCount: Int { max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8)) }

  /// The workers for the records of `blocks`, and the work to hand them. A small input is read
  /// whole first: its workers get registers of its size, not of a batch.
  private func workersAndWork(_ program: ColumnarProgram, reading blocks: BlockReader)
    -> (workers: [ColumnarWorker], work: WorkFeed)
  {
    var blocks = blocks
    let batchSize = Self.batchSize(for: program)
    // Whether the input is smaller than a batch shows once it is all read, or not at all when
    // what is read already holds a batch of lines.
    if blocks.lineBreaksRead < batchSize { blocks.read() }
    let capacity = max(1, min(batchSize, blocks.recordBound ?? Int.max))
    return (
      makeWorkers(program, header: blocks.header, capacity: capacity),
      WorkFeed(blocks: blocks, limit: capacity)
    )
  }

  /// The workers, each with its own registers of `capacity` rows.
  private func makeWorkers(_ program: ColumnarProgram, header: CSVHeader, capacity: Int) -> [ColumnarWorker] {
    (0..<Self.workerCount).map { index in
      ColumnarWorker(
        program: program, policy: policy, header: header, asOf: asOf, capacity: capacity, index: index)
    }
  }

  /// Work through the workers, results handed on in input order. Each worker takes the next
  /// piece of work as soon as it is free, while this thread reads ahead (up to `window` pieces
  /// beyond the one it writes next) and writes each result once its turn comes. No round waits
  /// for its slowest chunk: with rounds, the two cores were busy only two thirds of the time (the
  /// thread reading and writing shares them with the workers, and slowed one worker per round).
  ///
  /// A block of CSV is cut by the worker that takes it, and settled here before its pieces are
  /// handed on (``BlockReader/settle(_:of:task:)``): a block cut from the wrong place is cut
  /// again, by the next free worker, while this thread waits for it.
  ///
  /// - Parameter overlap: false keeps at most one chunk per worker in flight (less memory
  ///   held for outputs that are small anyway).
  static func pipelined<Piece: Sendable>(
    workers: [ColumnarWorker], overlap: Bool, work feed: WorkFeed,
    process: @escaping @Sendable (_ worker: ColumnarWorker, _ chunk: RecordChunk, _ index: Int) -> [Piece],
    handle: (Piece) -> Void
  ) {
    let stream = WorkStream<Piece>()
    let running = DispatchGroup()
    let limit = feed.limit
    // Threads of their own: a worker waiting for work must not hold one of the few threads
    // of the global queues, which other work of the run (the ledger's encoders) waits on.
    for worker in workers {
      running.enter()
      let thread = Thread {
        while let (index, work) = stream.take() {
          switch work {
          case .chunk(let chunk):
            stream.put(index, WorkResult(pieces: process(worker, chunk, index), cut: nil))
          case .block(let block):
            var cut = block.cut(limit: limit)
            var pieces: [Piece] = []
            for chunk in cut.chunks { pieces += process(worker, chunk, index) }
            cut.chunks = []
            stream.put(index, WorkResult(pieces: pieces, cut: (cut, block)))
          }
        }
        running.leave()
      }
      thread.stackSize = 8 << 20
      thread.start()
    }
    var feed = feed
    let window = workers.count * (overlap ? 4 : 2)
    var produced = 0
    var written = 0
    while true {
      while !feed.isDone && produced - written < window {
        let work = feed.next()
        stream.add(work, from: produced)
        produced += work.count
      }
      guard written < produced else { break }
      var result = stream.result(written)
      settling: while let (cut, block) = result.cut {
        switch feed.settle(cut, of: written, task: block) {
        case .keep:
          break settling
        case .skip:
          result.pieces = []
          break settling
        case .cutAgain(let again):
          stream.addFirst(.block(again), index: written)
          result = stream.result(written)
        }
      }
      for piece in result.pieces { handle(piece) }
      written += 1
    }
    stream.finish()
    running.wait()
  }

  /// CSV in, JSON Lines out (`ladder eval`, with or without `--explain`), over columns: the bytes
  /// ``DecisionJSON/render(_:policy:asOf:)`` writes for each decision, with its full trace when the
  /// evaluator traces. Records the kernels cannot take are decided by the row evaluator in place.
  ///
  /// - Returns: false, having read nothing, when the policy has population functions or no traced
  ///   columnar program (JSON values are shown with the scales only a traced program tracks).
  func evaluateColumnarJSONL(
    _ input: ColumnarInput, origin: String?,
    render: (@Sendable (RecordOutcome) -> String)?,
    _ handle: (EvaluatedPiece) -> Void
  ) throws(CSVRecordReader.HeaderError) -> Bool {
    guard let (program, writer) = jsonLinesPlan(origin: origin) else { return false }
    // A writer for each worker, each from a compilation of its own (the same registers): writing
    // a record retains the writer and its trace plan several times, and on objects both workers
    // share, those atomic counts bounce between the cores (compact traces at 1M: 1.48 -> 1.33 s,
    // medians of five alternated runs).
    var writers = [writer]
    while writers.count < Self.workerCount, let (_, other) = jsonLinesPlan(origin: origin) {
      writers.append(other)
    }
    let blocks = try input.blocks(inputs: policy.inputs, csvColumns: csvColumns)
    // Traces are about 4 KB per record: handing them on overlaps with the next round's evaluation.
    let form: ColumnarTraceWriter.LineForm = !trace ? .plain : compactTrace ? .compact : .traced
    runColumnar(
      program, reading: blocks, origin: origin, overlap: trace, handle
    ) { [writers] worker, chunk, notes, decide in
      worker.renderJSONL(
        chunk, writer: writers[worker.index % writers.count], form: form, render: render, population: notes,
        decide: decide)
    }
    return true
  }

  /// From every chunk's statistics (`collected`, in chunk order): the statistics per site (sites
  /// in parallel), then the per-record pass, chunks handed on in input order.
  ///
  /// `write(worker, chunk, decide)` writes a chunk whose registers are filled, asking `decide` for
  /// the records the kernels could not take.
  private func evaluatePopulation<Piece: Sendable>(
    _ chunks: [RecordChunk], collected: [ChunkStatistics], program: ColumnarProgram,
    workers: [ColumnarWorker],
    validator: RecordValidator, origin: String?, _ handle: (Piece) -> Void,
    write:
      @escaping @Sendable (ColumnarWorker, RecordChunk, Int, [PopulationColumn], (Int) -> RecordOutcome) ->
      [Piece]
  ) {
    let policy = self.policy
    var bases: [Int] = []
    var total = 0
    for chunk in chunks {
      bases.append(total)
      total += chunk.count
    }
    // The chunks' statistics joined into columns over the whole input.
    let siteCount = program.population.count
    var arguments = [[Int64]](repeating: [], count: siteCount)
    var present = [[UInt8]](repeating: [], count: siteCount)
    var keyBytes: [UInt8] = []
    var keyEnds: [Int32] = []
    var numericKeys: [Int64] = []
    var problems: [Int: RecordProblem] = [:]
    var wideArguments: [Int: [(record: Int, value: FixedDecimal)]] = [:]
    var wideKey = false
    for (chunkIndex, statistics) in collected.enumerated() {
      let base = bases[chunkIndex]
      for site in 0..<siteCount {
        arguments[site] += statistics.arguments[site]
        present[site] += statistics.present[site]
      }
      let offset = Int32(keyBytes.count)
      keyBytes += statistics.keyBytes
      keyEnds += statistics.keyEnds.map { $0 + offset }
      numericKeys += statistics.numericKeys
      for (row, problem) in statistics.problems { problems[base + row] = problem }
      for wide in statistics.wideArguments {
        wideArguments[wide.site, default: []].append((base + wide.row, wide.value))
      }
      wideKey = wideKey || statistics.wideKey
    }
    let isNumericKey = program.keyRegister != nil
    let ranks = ColumnarStatistics.keyRanks(
      keyBytes: keyBytes, keyEnds: keyEnds, numericKeys: isNumericKey ? numericKeys : nil, count: total)
    // What the sites' workers read, frozen.
    let (siteArguments, sitePresent, wide, anyWideKey) = (arguments, present, wideArguments, wideKey)
    let (allKeyBytes, allKeyEnds, allNumericKeys) = (keyBytes, keyEnds, numericKeys)
    let sites = policy.populationSites
    // Each class a site can give, as the code of its string.
    let classCodes = sites.map { site in
      (site.function.classNames ?? []).map { name in Int64(program.strings.firstIndex(of: name) ?? -1) }
    }
    // One site per thread.
    let finished = Parallel.map(siteCount, states: Array(0..<siteCount)) { site, _ in
      let plan = program.population[site]
      if wide[site] == nil && !anyWideKey,
        let column = ColumnarStatistics.compute(
          sites[site], argumentScale: plan.argumentScale, arguments: siteArguments[site],
          present: sitePresent[site], keyRanks: ranks, classCodes: classCodes[site])
      {
        return column
      }
      return referenceColumn(
        site, plan: plan, program: program, arguments: siteArguments[site], present: sitePresent[site],
        wide: wide[site] ?? [], keyBytes: allKeyBytes, keyEnds: allKeyEnds,
        numericKeys: isNumericKey ? allNumericKeys : nil)
    }
    let problemsByRecord = problems
    let chunkBases = bases
    let loaded = collected.map(\.loaded)
    let trace = self.trace
    var start = 0
    Self.pipelined(
      workers: workers, overlap: true,
      work: WorkFeed(rounds: {
        let end = min(chunks.count, start + workers.count)
        defer { start = end }
        return Array(chunks[start..<end])
      }),
      process: { worker, chunk, index in
        worker.renderWithPopulation(
          chunk, loaded: loaded[index], base: chunkBases[index], columns: finished,
          problems: problemsByRecord,
          policy: policy, validator: validator, trace: trace, origin: origin, write: write)
      }, handle: handle)
  }

  /// One site computed by the reference (``PopulationStatistics``), for the inputs 64-bit columns
  /// cannot hold exactly, and turned into a column.
  private func referenceColumn(
    _ site: Int, plan: ColumnarProgram.PopulationPlan, program: ColumnarProgram, arguments: [Int64],
    present: [UInt8], wide: [(record: Int, value: FixedDecimal)], keyBytes: [UInt8], keyEnds: [Int32],
    numericKeys: [Int64]?
  ) -> PopulationColumn {
    let count = arguments.count
    var values = [FixedDecimal?](repeating: nil, count: count)
    for index in 0..<count where present[index] != 0 {
      values[index] = FixedDecimal(units: Int128(arguments[index]), scale: plan.argumentScale)
    }
    for (record, value) in wide { values[record] = value }
    var entries: [PopulationStatistics.Entry] = []
    for (index, value) in values.enumerated() {
      guard let value else { continue }
      let start = index == 0 ? 0 : Int(keyEnds[index - 1])
      entries.append(
        PopulationStatistics.Entry(
          value: value, key: Array(keyBytes[start..<Int(keyEnds[index])]),
          numericKey: numericKeys.map { FixedDecimal(units: Int128($0[index]), scale: 0) }, record: index))
    }
    let definition = policy.populationSites[site]
    let result = PopulationStatistics.compute(definition, entries: entries, count: count)
    var column = PopulationColumn(
      values: [Int64](repeating: 0, count: count), present: [UInt8](repeating: 0, count: count))
    for (index, value) in result.values.enumerated() {
      switch value {
      case .number(let number):
        guard let units = number.scaledUnits(plan.resultScale) else { continue }
        column.values[index] = units
      case .bool(let flag): column.values[index] = flag ? 1 : 0
      case .string(let letter): column.values[index] = Int64(program.strings.firstIndex(of: letter) ?? -1)
      default: continue
      }
      column.present[index] = 1
    }
    column.referenceNotes = result.notes
    return column
  }
}

/// What a worker is handed: records cut already, or a block of input to cut.
enum ChunkWork: Sendable {
  case chunk(RecordChunk)
  case block(BlockTask)
}

/// A worker's result: its pieces, and for a block, the cut to settle and the block as cut.
struct WorkResult<Piece: Sendable>: Sendable {
  var pieces: [Piece]
  var cut: (BlockCut, BlockTask)?
}

/// The work ``BatchEvaluator/pipelined(workers:overlap:work:process:handle:)`` hands out: rounds of
/// chunks, or the blocks of a ``BlockReader``.
struct WorkFeed {
  private var rounds: (() -> [RecordChunk])?
  private var blocks: BlockReader?
  private var roundsDone = false
  /// For blocks: the most records a chunk holds.
  let limit: Int

  init(rounds: @escaping () -> [RecordChunk]) {
    self.rounds = rounds
    limit = 0
  }

  init(blocks: BlockReader, limit: Int) {
    self.blocks = blocks
    self.limit = limit
  }

  /// Whether all of the work has been handed out.
  var isDone: Bool { blocks?.isDone ?? roundsDone }

  /// The next work, in input order (empty at times while blocks are read).
  mutating func next() -> [ChunkWork] {
    if let rounds {
      let chunks = rounds()
      if chunks.isEmpty { roundsDone = true }
      return chunks.map { .chunk($0) }
    }
    blocks?.read()
    return blocks?.handOut().map { .block($0) } ?? []
  }

  /// What to do with block `index`'s cut (``BlockReader/settle(_:of:task:)``).
  mutating func settle(_ cut: BlockCut, of index: Int, task: BlockTask) -> BlockReader.Settlement {
    blocks?.settle(cut, of: index, task: task) ?? .keep
  }
}

/// The work waiting for a worker and the results waiting for their turn, of
/// ``BatchEvaluator/pipelined(workers:overlap:work:process:handle:)``.
private final class WorkStream<Piece: Sendable>: @unchecked Sendable {
  // Everything below is read and written under `condition`'s lock.
  private let condition = NSCondition()
  private var waiting: [(index: Int, work: ChunkWork)] = []
  private var next = 0
  private var results: [Int: WorkResult<Piece>] = [:]
  private var finished = false

  func add(_ work: [ChunkWork], from first: Int) {
    guard !work.isEmpty else { return }
    condition.lock()
    waiting.removeFirst(next)
    next = 0
    for (offset, item) in work.enumerated() { waiting.append((first + offset, item)) }
    condition.broadcast()
    condition.unlock()
  }

  /// `work` for the next free worker, ahead of the rest: the result this thread waits for.
  func addFirst(_ work: ChunkWork, index: Int) {
    condition.lock()
    waiting.insert((index, work), at: next)
    condition.broadcast()
    condition.unlock()
  }

  /// No more work: workers stop once the waiting work is taken.
  func finish() {
    condition.lock()
    finished = true
    condition.broadcast()
    condition.unlock()
  }

  /// The next work for a worker, waiting for some; `nil` once there will be none.
  func take() -> (Int, ChunkWork)? {
    condition.lock()
    defer { condition.unlock() }
    while next == waiting.count && !finished { condition.wait() }
    guard next < waiting.count else { return nil }
    next += 1
    return (waiting[next - 1].index, waiting[next - 1].work)
  }

  func put(_ index: Int, _ result: WorkResult<Piece>) {
    condition.lock()
    results[index] = result
    condition.broadcast()
    condition.unlock()
  }

  /// Work `index`'s result, waiting for it.
  func result(_ index: Int) -> WorkResult<Piece> {
    condition.lock()
    defer { condition.unlock() }
    while true {
      if let result = results.removeValue(forKey: index) { return result }
      condition.wait()
    }
  }
}
