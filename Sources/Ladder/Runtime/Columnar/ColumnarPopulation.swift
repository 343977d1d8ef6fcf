import Foundation

/// What the statistics pass learns from one chunk: each population function's argument for every
/// record, the records' keys (for tie-breaks), and the records that cannot take part.
struct ChunkStatistics: Sendable {
  /// By site, then by record of the chunk: the argument at the site's scale, and whether it is there.
  var arguments: [[Int64]]
  var present: [[UInt8]]
  /// Text keys, one after another; `keyEnds[row]` is where record `row`'s ends.
  var keyBytes: [UInt8] = []
  var keyEnds: [Int32] = []
  /// Integer keys, by record.
  var numericKeys: [Int64] = []
  /// Records rejected in the statistics pass (they take no part, and are rejected in the output).
  var problems: [(row: Int, problem: RecordProblem)] = []
  /// Arguments the row evaluator computed that 64 bits at the site's scale cannot hold.
  var wideArguments: [(site: Int, row: Int, value: FixedDecimal)] = []
  /// An integer key beyond 64 bits.
  var wideKey = false
  /// The registers as the inputs and the statistics kernels left them, for the per-record pass.
  var loaded: ColumnarWorker.LoadedState
}

/// The values of one population function for every record of the input, and what a trace says
/// about each.
struct PopulationColumn: Sendable {
  var values: [Int64]
  var present: [UInt8]
  /// Each record's position in the ranking (-1: not ranked), and how many were ranked.
  var positions: [Int32] = []
  var ranked = 0
  /// Each record's argument, at the site's argument scale.
  var argumentUnits: [Int64] = []
  /// `abc_class`: the lines, and the arguments of the last records of classes A and B.
  var pareto: ParetoLines?
  /// `average_class`: the line.
  var average: AverageLine?
  var endOfA: Int64?
  var endOfB: Int64?
  /// The notes of a site the reference computed (values 64 bits cannot hold).
  var referenceNotes: [String]?
}

extension ColumnarWorker {
  /// The statistics pass over one chunk: the per-record kernels run with every population value
  /// missing (as the row evaluator's statistics pass evaluates), then the arguments are read
  /// from their registers. Records the kernels cannot take are evaluated by the row evaluator.
  func collectStatistics(
    _ chunk: RecordChunk, policy: CompiledPolicy, validator: RecordValidator
  ) -> ChunkStatistics {
    load(chunk)
    let rows = chunk.count
    for plan in program.population { file.present(plan.result).update(repeating: 0, count: rows) }
    run(program.statisticsKernels)
    let loaded = loadedState()
    run(program.kernels)
    let sites = program.population
    var statistics = ChunkStatistics(
      arguments: sites.map { plan in
        Array(UnsafeBufferPointer(start: file.values(plan.argument), count: rows))
      },
      present: sites.map { plan in Array(UnsafeBufferPointer(start: file.present(plan.argument), count: rows))
      }, loaded: loaded)
    statistics.keyEnds.reserveCapacity(rows)
    let keySlot = policy.checked.keyInput
    chunk.bytes.withUnsafeBufferPointer { bytes in
      for row in 0..<rows {
        defer { statistics.keyEnds.append(Int32(statistics.keyBytes.count)) }
        guard file.fallback[row] != 0 else {
          if let keyRegister = program.keyRegister {
            statistics.numericKeys.append(file.values(keyRegister)[row])
          } else {
            statistics.keyBytes.append(
              contentsOf: UnsafeBufferPointer(rebasing: bytes[Int(keyStarts[row])..<Int(keyEnds[row])]))
          }
          continue
        }
        if program.keyRegister != nil { statistics.numericKeys.append(0) }
        for site in sites.indices { statistics.present[site][row] = 0 }
        guard case .success(let record) = rowRecord(chunk, row) else { continue }
        if let problem = validator.load(record, into: frame) {
          statistics.problems.append((row, problem))
          continue
        }
        frame.population = [Value](repeating: .missing, count: sites.count)
        do throws(EvaluationError) {
          _ = try policy.evaluate(frame)
        } catch {
          statistics.problems.append(
            (row, policy.rejection(error, line: record.line, key: validator.keyText(record))))
          continue
        }
        switch frame.inputs[keySlot] {
        case .string(let text): statistics.keyBytes.append(contentsOf: text.utf8)
        case .number(let number):
          if let key = Int64(exactly: number.units), number.scale == 0 {
            statistics.numericKeys[row] = key
          } else {
            statistics.wideKey = true
          }
        default: break
        }
        for (site, definition) in policy.populationSites.enumerated() {
          guard case .number(let value) = (try? definition.argument(frame)) ?? .missing else { continue }
          if let units = value.scaledUnits(sites[site].argumentScale) {
            statistics.arguments[site][row] = units
            statistics.present[site][row] = 1
          } else {
            statistics.wideArguments.append((site, row, value))
          }
        }
      }
    }
    return statistics
  }

  /// The per-record pass over one chunk: the registers as the statistics pass `loaded` them,
  /// population registers filled from the statistics of records `base ..< base + chunk.count`,
  /// then the kernels, then the output. Records the kernels cannot take are decided as
  /// ``BatchEvaluator/evaluate(reads:origin:render:_:)`` decides them.
  func renderWithPopulation<Piece>(
    _ chunk: RecordChunk, loaded: LoadedState, base: Int, columns: [PopulationColumn],
    problems: [Int: RecordProblem], policy: CompiledPolicy, validator: RecordValidator, trace: Bool,
    origin: String?,
    write: (ColumnarWorker, RecordChunk, Int, [PopulationColumn], (Int) -> RecordOutcome) -> [Piece]
  ) -> [Piece] {
    let rows = chunk.count
    restore(loaded, rows: rows)
    for (site, plan) in program.population.enumerated() {
      let column = columns[site]
      _ = UnsafeMutableBufferPointer(start: file.values(plan.result), count: rows)
        .update(fromContentsOf: column.values[base..<(base + rows)])
      _ = UnsafeMutableBufferPointer(start: file.present(plan.result), count: rows)
        .update(fromContentsOf: column.present[base..<(base + rows)])
    }
    run(program.kernels)
    return write(self, chunk, base, columns) { row in
      switch rowRecord(chunk, row) {
      case .failure(let problem):
        return .rejected(problem)
      case .success(let record):
        if let problem = problems[base + row] { return .rejected(problem) }
        _ = validator.load(record, into: frame)
        frame.population = program.population.indices.map { site in
          populationValue(site, columns[site], base + row, policy: policy)
        }
        do throws(EvaluationError) {
          var decision = try policy.evaluate(frame, trace: trace)
          if trace {
            decision.trace?.origin = origin.map { "\($0):\(record.line)" }
            decision.trace?.population = populationNotes(base + row, columns, policy: policy)
          }
          return .decided(line: record.line, decision)
        } catch {
          return .rejected(policy.rejection(error, line: record.line, key: validator.keyText(record)))
        }
      }
    }
  }

  /// What the trace of record `index` says about each population function, as
  /// ``PopulationStatistics`` says it.
  func populationNotes(_ index: Int, _ columns: [PopulationColumn], policy: CompiledPolicy)
    -> [DecisionTrace.PopulationNote]
  {
    policy.populationSites.enumerated().map { site, definition in
      let column = columns[site]
      let value = populationValue(site, column, index, policy: policy)
      return DecisionTrace.PopulationNote(
        call: definition.text,
        value: definition.shownResult(value),
        explanation: Self.explanation(
          definition, column, index, argumentScale: program.population[site].argumentScale))
    }
  }

  /// The explanation of one site for record `index`, from its position in the ranking.
  static func explanation(
    _ site: PopulationSite, _ column: PopulationColumn, _ index: Int, argumentScale: Int
  )
    -> String
  {
    if let notes = column.referenceNotes { return notes[index] }
    let position = column.positions.isEmpty ? -1 : Int(column.positions[index])
    guard position >= 0 else { return "\(site.argumentText) is missing; not ranked" }
    func show(_ units: Int64) -> String {
      site.show(FixedDecimal(units: Int128(units), scale: argumentScale))
    }
    let value = show(column.argumentUnits[index])
    if let line = column.average {
      let exact = FixedDecimal(units: Int128(column.argumentUnits[index]), scale: argumentScale)
      return line.note(
        argument: site.argumentText, value: value, class: line.position(of: exact), mean: site.show(line.mean)
      )
    }
    if let lines = column.pareto {
      return lines.note(
        argument: site.argumentText, value: value, at: position, count: column.ranked,
        endOfA: column.endOfA.map(show), endOfB: column.endOfB.map(show))
    }
    return PopulationRanking(site.function, count: column.ranked, parameters: site.parameters).note(
      argument: site.argumentText, value: value, at: position)
  }

  /// A population register's value as the row evaluator holds it.
  func populationValue(_ site: Int, _ column: PopulationColumn, _ index: Int, policy: CompiledPolicy) -> Value
  {
    guard column.present[index] != 0 else { return .missing }
    let value = column.values[index]
    switch policy.populationSites[site].function {
    case .topPercent: return .bool(value == 1)
    case .abcClass, .averageClass: return .string(program.strings[Int(value)])
    default: return .number(FixedDecimal(units: Int128(value), scale: program.population[site].resultScale))
    }
  }
}

/// The statistics of population functions over argument columns: the records ordered by value,
/// ties broken by key rank and then input order (as the row evaluator's stable sort breaks
/// them), then each function's value by position. ``PopulationStatistics`` is the reference;
/// where 64-bit columns cannot be exact, it computes the site instead.
enum ColumnarStatistics {
  /// Each record's key rank: equal keys share a rank; text keys in UTF-8 byte order.
  static func keyRanks(keyBytes: [UInt8], keyEnds: [Int32], numericKeys: [Int64]?, count: Int) -> [Int32] {
    var order = (0..<Int32(count)).map { $0 }
    var ranks = [Int32](repeating: 0, count: count)
    keyBytes.withUnsafeBufferPointer { bytes in
      keyEnds.withUnsafeBufferPointer { ends in
        func compare(_ a: Int32, _ b: Int32) -> Int {
          if let numericKeys {
            return numericKeys[Int(a)] < numericKeys[Int(b)]
              ? -1 : numericKeys[Int(a)] == numericKeys[Int(b)] ? 0 : 1
          }
          let aStart = a == 0 ? 0 : Int(ends[Int(a) - 1])
          let bStart = b == 0 ? 0 : Int(ends[Int(b) - 1])
          let aLength = Int(ends[Int(a)]) - aStart
          let bLength = Int(ends[Int(b)]) - bStart
          let common = min(aLength, bLength)
          if common > 0, let base = bytes.baseAddress {
            let order = memcmp(base + aStart, base + bStart, common)
            if order != 0 { return order < 0 ? -1 : 1 }
          }
          return aLength < bLength ? -1 : aLength == bLength ? 0 : 1
        }
        if numericKeys == nil {
          order = RadixOrder.byBytes(count) { record in
            let start = record == 0 ? 0 : Int(ends[record - 1])
            return UnsafeBufferPointer(rebasing: bytes[start..<Int(ends[record])])
          }
        } else {
          order.sort { compare($0, $1) < 0 }
        }
        var rank: Int32 = 0
        for (position, record) in order.enumerated() {
          if position > 0 && compare(order[position - 1], record) != 0 { rank += 1 }
          ranks[Int(record)] = rank
        }
      }
    }
    return ranks
  }

  /// One site's values for `arguments.count` records, or `nil` when 64-bit arithmetic cannot
  /// reproduce the reference exactly.
  static func compute(
    _ site: PopulationSite, argumentScale: Int, arguments: [Int64], present: [UInt8], keyRanks: [Int32],
    classCodes: [Int64]
  ) -> PopulationColumn? {
    let count = arguments.count
    var order: [Int32] = []
    order.reserveCapacity(count)
    for index in 0..<count where present[index] != 0 { order.append(Int32(index)) }
    order = arguments.withUnsafeBufferPointer { values in
      keyRanks.withUnsafeBufferPointer { ranks in
        RadixOrder.order(
          order, value: { values[$0] }, rank: { ranks[$0] }, descending: site.function.ranksLargestFirst)
      }
    }
    var column = PopulationColumn(
      values: [Int64](repeating: 0, count: count), present: [UInt8](repeating: 0, count: count))
    let n = order.count
    column.positions = [Int32](repeating: -1, count: count)
    column.ranked = n
    column.argumentUnits = arguments
    for (position, record) in order.enumerated() { column.positions[Int(record)] = Int32(position) }
    guard n > 0 else { return column }
    if site.function == .averageClass {
      // Exact: value × count against the total, in 128 bits (64-bit values, fewer than 2^32
      // records); the line decides each record as the reference does.
      var total: Int128 = 0
      for record in order { total += Int128(arguments[Int(record)]) }
      guard argumentScale <= FixedDecimal.maximumScale else { return nil }
      let line = AverageLine(total: FixedDecimal(units: total, scale: argumentScale), count: n)
      column.average = line
      for record in order {
        let scaled = Int128(arguments[Int(record)]) * Int128(n)
        column.values[Int(record)] = classCodes[scaled > total ? 0 : scaled == total ? 1 : 2]
        column.present[Int(record)] = 1
      }
      return column
    }
    guard site.function == .abcClass else {
      let ranking = PopulationRanking(site.function, count: n, parameters: site.parameters)
      for (position, record) in order.enumerated() {
        column.values[Int(record)] = ranking.value(at: position)
        column.present[Int(record)] = 1
      }
      return column
    }
    // The running total in exact decimals, as the reference adds them; beyond them, the
    // reference decides the site.
    guard argumentScale + max(site.parameters.map(\.scale).max() ?? 0, 2) <= FixedDecimal.maximumScale else {
      return nil
    }
    func exact(_ units: Int128) -> FixedDecimal { FixedDecimal(units: units, scale: argumentScale) }
    var total: Int128 = 0
    for record in order where arguments[Int(record)] > 0 {
      let (sum, overflow) = total.addingReportingOverflow(Int128(arguments[Int(record)]))
      guard !overflow else { return nil }
      total = sum
    }
    let lines = ParetoLines(total: exact(total), parameters: site.parameters)
    column.pareto = lines
    var running: Int128 = 0
    for record in order {
      let letter = lines.letter(before: exact(running))
      if letter == 0 { column.endOfA = arguments[Int(record)] }
      if letter == 1 { column.endOfB = arguments[Int(record)] }
      column.values[Int(record)] = classCodes[letter]
      column.present[Int(record)] = 1
      if arguments[Int(record)] > 0 { running += Int128(arguments[Int(record)]) }
    }
    return column
  }
}
